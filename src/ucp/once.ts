/**
 * Idempotent execution, for every transport: a call that carries an idempotency key runs once per
 * (scope, key); a retry with the same request replays the first answer, one with a different request is
 * refused (idempotency_conflict, from the store), one while the first still runs waits or is told to
 * retry. A refusal is an answer too and is kept, except one that says "try again" (5xx).
 */
import { canonicalJson } from '../util/canonical-json.js';
import { protocolError, protocolErrorBody, toProtocolError } from './errors.js';
import type { Executed } from './operations.js';
import type { Ucp } from './runtime.js';

export const MAX_IDEMPOTENCY_KEY = 255;

/** `run` once for (scope, key); `hash`: a digest of the request, so a different request with the key is refused. */
export async function once(ucp: Ucp, call: { scope: string; key: string; hash: string }, run: () => Promise<Executed>): Promise<Executed & { replayed?: true }> {
  if (call.key.length > MAX_IDEMPOTENCY_KEY) throw protocolError('invalid_request', `the idempotency key is longer than ${MAX_IDEMPOTENCY_KEY} characters`);
  const claimed = await ucp.idempotency.claim(call.scope, call.key, call.hash);
  if (claimed.kind === 'replay') return { status: claimed.response.status, body: claimed.response.body.toString('utf8'), replayed: true };
  const claim = claimed.claim;
  let out: Executed;
  try {
    out = await run();
  } catch (err) {
    const e = toProtocolError(err, () => undefined);
    if (e.status >= 500) await claim.abandon().catch(() => undefined);
    else await claim.finish({ status: e.status, contentType: 'application/json', body: Buffer.from(canonicalJson(protocolErrorBody(e))) }).catch(() => undefined);
    throw err;
  }
  await claim.finish({ status: out.status, contentType: 'application/json', body: Buffer.from(out.body) });
  return out;
}
