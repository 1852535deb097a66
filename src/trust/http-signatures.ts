/**
 * HTTP Message Signatures (RFC 9421) with Content-Digest (RFC 9530), as UCP uses them: ECDSA P-256
 * with SHA-256 (signature bytes are raw r||s), `alg` not stated in Signature-Input (the key says it),
 * structured fields via `structured-headers`. One signing function and one verifying function serve
 * signed responses, `ucpd verify`, and (in UCP) signed requests and webhooks.
 */
import { UcpdError } from '../errors.js';
import { createHash, createPublicKey, sign as cryptoSign, verify as cryptoVerify, timingSafeEqual, type KeyObject } from 'node:crypto';
import { parseDictionary, serializeInnerList, type Dictionary, type InnerList, type Item, type Parameters } from 'structured-headers';

export function contentDigest(body: Buffer | Uint8Array | string): string {
  return `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
}

/** The parts of a message signatures can cover. Header names lower-case. */
export interface MessageParts {
  method?: string;
  /** Host and port as the client addressed them (the target URI's authority). */
  authority?: string;
  path?: string;
  /** The query string with its leading "?", or "" / undefined. */
  query?: string;
  status?: number;
  headers: Record<string, string | undefined>;
}

export interface SignOptions {
  /** Components in order, e.g. ["@status", "content-digest", "@method;req"]. */
  components: string[];
  keyid: string;
  privateKey: KeyObject;
  created: number;
  expires?: number;
  label?: string;
  tag?: string;
  nonce?: string;
}

export interface SignedHeaders {
  'signature-input': string;
  signature: string;
}

function componentItem(component: string): Item {
  const [name, ...flags] = component.split(';');
  const params: Parameters = new Map();
  for (const f of flags) params.set(f, true);
  return [name!, params];
}

function componentValue(item: Item, message: MessageParts, request: MessageParts | undefined): string {
  const name = String(item[0]);
  const source = item[1].has('req') ? request : message;
  if (!source) throw new SignatureError('signature_invalid', `component ${name};req needs the request`);
  const value = (() => {
    switch (name) {
      case '@method':
        return source.method?.toUpperCase();
      case '@authority':
        return source.authority?.toLowerCase();
      case '@path':
        return source.path;
      case '@query':
        return source.query ? (source.query.startsWith('?') ? source.query : `?${source.query}`) : '?';
      case '@status':
        return source.status === undefined ? undefined : String(source.status);
      default:
        if (name.startsWith('@')) throw new SignatureError('signature_invalid', `unsupported derived component ${name}`);
        return source.headers[name]?.trim().replace(/\s*\n\s*/g, ' ');
    }
  })();
  if (value === undefined) throw new SignatureError('signature_invalid', `covered component ${name} is not in the message`);
  return value;
}

function signatureParams(items: Item[], params: Parameters): string {
  return serializeInnerList([items, params] as InnerList);
}

/** The RFC 9421 signature base for covered components and their parameters. */
export function signatureBase(items: Item[], params: Parameters, message: MessageParts, request?: MessageParts): string {
  const lines = items.map((item) => `${serializeInnerList([[item], new Map()] as InnerList).slice(1, -1)}: ${componentValue(item, message, request)}`);
  lines.push(`"@signature-params": ${signatureParams(items, params)}`);
  return lines.join('\n');
}

export function signMessage(message: MessageParts, o: SignOptions, request?: MessageParts): SignedHeaders {
  const label = o.label ?? 'sig1';
  const items = o.components.map(componentItem);
  const params: Parameters = new Map<string, string | number>([['created', o.created]]);
  if (o.expires !== undefined) params.set('expires', o.expires);
  params.set('keyid', o.keyid);
  if (o.nonce) params.set('nonce', o.nonce);
  if (o.tag) params.set('tag', o.tag);
  const base = signatureBase(items, params, message, request);
  const sig = cryptoSign('sha256', Buffer.from(base), { key: o.privateKey, dsaEncoding: 'ieee-p1363' });
  return { 'signature-input': `${label}=${signatureParams(items, params)}`, signature: `${label}=:${sig.toString('base64')}:` };
}

export type SignatureErrorCode = 'signature_missing' | 'signature_invalid' | 'key_not_found' | 'digest_mismatch' | 'algorithm_unsupported' | 'signature_expired';

export class SignatureError extends UcpdError {
  declare readonly code: SignatureErrorCode;
  constructor(code: SignatureErrorCode, message: string) {
    super('unauthorized', code, message);
    this.name = 'SignatureError';
  }
}

export interface VerifyOptions {
  /** The public key for a keyid: a JWK (P-256 / ES256) or a KeyObject; undefined if unknown. */
  keyFor(keyid: string): Promise<object | KeyObject | undefined> | object | KeyObject | undefined;
  /** The raw body, to check Content-Digest when it is covered (or present). */
  body?: Buffer | Uint8Array;
  /** Components that must be covered (without ;req marks they must match exactly, e.g. "@method"). */
  required?: string[];
  now?: number;
  /** Reject signatures created longer ago than this, when they have no `expires`. */
  maxAgeSeconds?: number;
  /** Allowed clock skew for created / expires. */
  skewSeconds?: number;
  /** Which signature to verify when several are present (default: the first). */
  label?: string;
}

export interface Verified {
  label: string;
  keyid: string;
  created?: number;
  expires?: number;
  components: string[];
}

function toKey(key: object | KeyObject): KeyObject {
  if ('asymmetricKeyType' in key) return key as KeyObject;
  const jwk = key as { kty?: string; crv?: string };
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256') throw new SignatureError('algorithm_unsupported', `key type ${jwk.kty}/${jwk.crv} is not supported (ES256 / P-256 only)`);
  return createPublicKey({ key: key as never, format: 'jwk' });
}

/** Verify an RFC 9421 signature over a message (and its request, for ;req components). Throws SignatureError. */
export async function verifyMessage(message: MessageParts, o: VerifyOptions, request?: MessageParts): Promise<Verified> {
  const inputHeader = message.headers['signature-input'];
  const sigHeader = message.headers.signature;
  if (!inputHeader || !sigHeader) throw new SignatureError('signature_missing', 'no Signature / Signature-Input headers');
  let inputs: Dictionary;
  let sigs: Dictionary;
  try {
    inputs = parseDictionary(inputHeader);
    sigs = parseDictionary(sigHeader);
  } catch (err) {
    throw new SignatureError('signature_invalid', `malformed signature headers: ${(err as Error).message}`);
  }
  const label = o.label ?? [...inputs.keys()][0];
  const input = label === undefined ? undefined : inputs.get(label);
  const sig = label === undefined ? undefined : sigs.get(label);
  if (!label || !input || !sig) throw new SignatureError('signature_missing', `no signature ${o.label ?? ''} in both headers`.replace('  ', ' '));
  if (!Array.isArray(input[0])) throw new SignatureError('signature_invalid', 'Signature-Input member must be an inner list');
  const items = input[0] as Item[];
  const params = input[1];
  const sigBytes = sig[0];
  if (!(sigBytes instanceof ArrayBuffer)) throw new SignatureError('signature_invalid', 'Signature member must be a byte sequence');
  const keyid = params.get('keyid');
  if (typeof keyid !== 'string') throw new SignatureError('signature_invalid', 'Signature-Input has no keyid');
  const alg = params.get('alg');
  if (alg !== undefined && alg !== 'ecdsa-p256-sha256') throw new SignatureError('algorithm_unsupported', `alg ${String(alg)} is not supported`);

  const components = items.map((i) => [String(i[0]), ...[...i[1].keys()]].join(';'));
  for (const required of o.required ?? []) {
    if (!components.includes(required)) throw new SignatureError('signature_invalid', `the signature does not cover ${required}`);
  }
  const now = o.now ?? Math.floor(Date.now() / 1000);
  const skew = o.skewSeconds ?? 60;
  const created = params.get('created');
  const expires = params.get('expires');
  if (typeof created === 'number' && created > now + skew) throw new SignatureError('signature_invalid', 'signature created in the future');
  if (typeof expires === 'number' && expires + skew < now) throw new SignatureError('signature_expired', `signature expired at ${new Date(expires * 1000).toISOString()}`);
  if (expires === undefined && o.maxAgeSeconds !== undefined && typeof created === 'number' && created + o.maxAgeSeconds + skew < now) {
    throw new SignatureError('signature_expired', `signature older than ${o.maxAgeSeconds} s`);
  }

  const digestHeader = message.headers['content-digest'];
  if (o.body !== undefined && (components.includes('content-digest') || digestHeader)) {
    if (!digestHeader) throw new SignatureError('digest_mismatch', 'Content-Digest is covered but missing');
    let digests: Dictionary;
    try {
      digests = parseDictionary(digestHeader);
    } catch {
      throw new SignatureError('digest_mismatch', 'malformed Content-Digest');
    }
    const sha = digests.get('sha-256');
    if (!sha) throw new SignatureError('algorithm_unsupported', 'Content-Digest has no sha-256 member');
    const expected = createHash('sha256').update(o.body).digest();
    const got = Buffer.from(sha[0] as ArrayBuffer);
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) throw new SignatureError('digest_mismatch', 'Content-Digest does not match the body');
  }

  const jwk = await o.keyFor(keyid);
  if (!jwk) throw new SignatureError('key_not_found', `no key ${keyid}`);
  const key = toKey(jwk);
  const base = signatureBase(items, params, message, request);
  const ok = cryptoVerify('sha256', Buffer.from(base), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(sigBytes));
  if (!ok) throw new SignatureError('signature_invalid', 'the signature does not verify');
  return { label, keyid, ...(typeof created === 'number' ? { created } : {}), ...(typeof expires === 'number' ? { expires } : {}), components };
}
