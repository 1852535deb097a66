/**
 * Sending a UCP REST response: canonical JSON (RFC 8785, so digests agree whichever reading of the spec
 * a verifier takes), a Request-Id, and the RFC 9421 response signature when the server signs; protocol
 * errors with the status and headers (Retry-After, Allow) their code calls for.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { splitUrl } from '../../edge/rendered.js';
import { contentDigest } from '../../trust/http-signatures.js';
import type { ResponseSigner } from '../../trust/response-signer.js';
import { canonicalJson } from '../../util/canonical-json.js';
import { protocolErrorBody, type UcpProtocolError } from '../errors.js';
import { header } from './body.js';

/** Send a JSON body; `serialised`: the body's canonical text when the caller has it already (hot paths). */
export function sendUcpJson(req: IncomingMessage, res: ServerResponse, status: number, value: unknown, signer?: ResponseSigner, extra: Record<string, string> = {}, serialised?: string): void {
  const body = Buffer.from(serialised ?? canonicalJson(value));
  const headers: Record<string, string> = { 'Content-Type': 'application/json', 'Content-Length': String(body.length), 'Cache-Control': 'no-store', ...extra };
  const requestId = header(req, 'request-id');
  headers['Request-Id'] = requestId && requestId.length <= 200 ? requestId : randomUUID();
  if (signer) {
    const { path, query } = splitUrl(req.url);
    const digest = contentDigest(body);
    const signed = signer.sign({ status, digest, contentType: headers['Content-Type']! }, { method: req.method ?? 'POST', path, query });
    for (const [k, v] of Object.entries(signed)) headers[k] = v;
  }
  res.writeHead(status, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

export function sendProtocolError(req: IncomingMessage, res: ServerResponse, err: UcpProtocolError, continueUrl: string, signer?: ResponseSigner, headers: Record<string, string> = {}): void {
  const extra: Record<string, string> = { ...headers };
  if (err.extra.retryAfterSeconds !== undefined) extra['Retry-After'] = String(err.extra.retryAfterSeconds);
  else if (err.status === 503 || err.status === 429) extra['Retry-After'] = '5';
  if (err.status === 405 && !extra.Allow) extra.Allow = 'POST';
  sendUcpJson(req, res, err.status, protocolErrorBody(err, continueUrl), signer, extra);
}
