/**
 * A published document, serialised once and sent many times, by every surface (JSON-LD, the UCP profile,
 * trust documents): its bytes and validators, and how it is sent: validators (ETag / Last-Modified ->
 * 304), HEAD, CORS for read-only data, and the RFC 9421 response signature over the exact bytes sent
 * (Content-Digest included).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { contentDigest } from '../trust/http-signatures.js';
import type { ResponseSigner } from '../trust/response-signer.js';

export interface Rendered {
  status: number;
  body: Buffer;
  contentType: string;
  /** Strong validator, quoted: changes exactly when the bytes do. */
  etag: string;
  lastModified?: string;
  cacheControl: string;
  headers: Record<string, string>;
}

export function etagOf(body: Buffer | string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

/** RFC 9110 weak comparison for If-None-Match; If-Modified-Since only when there is no If-None-Match. */
export function notModified(req: IncomingMessage, r: Rendered): boolean {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined) {
    if (inm.trim() === '*') return true;
    const tag = r.etag.replace(/^W\//, '');
    return inm.split(',').some((t) => t.trim().replace(/^W\//, '') === tag);
  }
  const ims = req.headers['if-modified-since'];
  if (ims && r.lastModified) {
    const since = Date.parse(ims);
    return !Number.isNaN(since) && Date.parse(r.lastModified) <= since;
  }
  return false;
}

/**
 * Per cached document: its digest and the header lines that never change, computed on first send.
 * Headers go out through one writeHead(status, [name, value, ...]) call: Node then skips its per-header
 * bookkeeping, which on a hot 20 KB document is a measurable share of the request.
 */
interface Prepared {
  digest: string;
  fixed: string[];
}
const prepared = new WeakMap<Rendered, Prepared>();

function prepare(r: Rendered): Prepared {
  let p = prepared.get(r);
  if (!p) {
    const fixed = [
      'ETag',
      r.etag,
      'Cache-Control',
      r.cacheControl,
      ...(r.lastModified ? ['Last-Modified', r.lastModified] : []),
      'Access-Control-Allow-Origin',
      '*',
      'Access-Control-Expose-Headers',
      'ETag, Link, Last-Modified, Content-Digest, Signature, Signature-Input',
      ...Object.entries(r.headers).flat(),
    ];
    p = { digest: contentDigest(r.body), fixed };
    prepared.set(r, p);
  }
  return p;
}

/** A request target's path and query. */
export function splitUrl(url: string | undefined): { path: string; query: string } {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  return q < 0 ? { path: raw, query: '' } : { path: raw.slice(0, q), query: raw.slice(q + 1) };
}

export function sendRendered(req: IncomingMessage, res: ServerResponse, r: Rendered, signer?: ResponseSigner): void {
  const p = prepare(r);
  const fresh = notModified(req, r);
  const status = fresh ? 304 : r.status;
  const headers = [...p.fixed];
  if (signer) {
    const { path, query } = splitUrl(req.url);
    const signed = signer.sign({ status, ...(fresh ? { etag: r.etag } : { digest: p.digest, contentType: r.contentType }) }, { method: req.method ?? 'GET', path, query });
    for (const [k, v] of Object.entries(signed)) headers.push(k, v);
  }
  if (fresh) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  headers.push('Content-Type', r.contentType, 'Content-Length', String(r.body.length));
  res.writeHead(status, headers);
  res.end(req.method === 'HEAD' ? undefined : r.body);
}
