/**
 * Signatures on agent-facing responses (RFC 9421, ES256 with the merchant's P-256 key). A signature
 * covers the status, the content digest and type (or the ETag of a 304), and the request's method,
 * authority, path and query; it carries `created`, `expires` and `keyid`. Signing costs an ECDSA
 * operation, so a signature is reused for the same response to the same request while at least half
 * of its validity window remains: the bytes it covers are the same bytes.
 */
import { Lru } from '../util/lru.js';
import { signMessage, type SignedHeaders } from './http-signatures.js';
import type { KeyStore } from './keys.js';

export interface SignableResponse {
  status: number;
  contentType?: string;
  /** Content-Digest of the body (2xx), as sent. */
  digest?: string;
  etag?: string;
}

export interface SignableRequest {
  method: string;
  path: string;
  /** Without the leading "?"; empty for none. */
  query: string;
}

export interface ResponseSignature extends SignedHeaders {
  'content-digest'?: string;
}

export const SIGNATURE_WINDOW_SECONDS = 300;

export class ResponseSigner {
  private readonly cache = new Lru<string, { until: number; headers: ResponseSignature }>(20_000);

  constructor(
    private readonly keys: KeyStore,
    /** The public authority (host[:port]) clients address, from the base URL. */
    readonly authority: string,
    private readonly now: () => number = () => Date.now(),
    private readonly windowSeconds = SIGNATURE_WINDOW_SECONDS,
  ) {}

  sign(res: SignableResponse, req: SignableRequest): ResponseSignature {
    const key = this.keys.active('p256');
    const cacheKey = [key.kid, res.status, res.digest ?? '', res.etag ?? '', res.contentType ?? '', req.method, req.path, req.query].join('\u0000');
    const nowMs = this.now();
    const hit = this.cache.get(cacheKey);
    if (hit && nowMs < hit.until) return hit.headers;
    const created = Math.floor(nowMs / 1000);
    const components = ['@status'];
    if (res.digest) components.push('content-digest', 'content-type');
    else if (res.etag) components.push('etag');
    components.push('@method;req', '@authority;req', '@path;req');
    if (req.query) components.push('@query;req');
    const signed = signMessage(
      { status: res.status, headers: { 'content-digest': res.digest, 'content-type': res.contentType, etag: res.etag } },
      { components, keyid: key.kid, privateKey: key.privateKey, created, expires: created + this.windowSeconds },
      { method: req.method, authority: this.authority, path: req.path, query: req.query ? `?${req.query}` : '', headers: {} },
    );
    const headers: ResponseSignature = { ...(res.digest ? { 'content-digest': res.digest } : {}), ...signed };
    this.cache.set(cacheKey, { until: nowMs + (this.windowSeconds * 1000) / 2, headers });
    return headers;
  }
}
