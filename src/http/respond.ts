/**
 * Sending a serialised document: validators (ETag / Last-Modified -> 304), HEAD, CORS for read-only
 * data, and the RFC 9421 response signature over the exact bytes sent (Content-Digest included).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Rendered } from '../linked-data/service.js';
import { contentDigest } from '../trust/http-signatures.js';
import type { ResponseSigner } from '../trust/response-signer.js';

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

/** Rendered documents are cached; their digest is computed once, on first send. */
const digests = new WeakMap<Rendered, string>();

function splitUrl(url: string | undefined): { path: string; query: string } {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  return q < 0 ? { path: raw, query: '' } : { path: raw.slice(0, q), query: raw.slice(q + 1) };
}

export function sendRendered(req: IncomingMessage, res: ServerResponse, r: Rendered, signer?: ResponseSigner): void {
  res.setHeader('ETag', r.etag);
  res.setHeader('Cache-Control', r.cacheControl);
  if (r.lastModified) res.setHeader('Last-Modified', r.lastModified);
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Expose-Headers', 'ETag, Link, Last-Modified, Content-Digest, Signature, Signature-Input');
  for (const [k, v] of Object.entries(r.headers)) res.setHeader(k, v);
  const fresh = notModified(req, r);
  const status = fresh ? 304 : r.status;
  if (signer) {
    let digest: string | undefined;
    if (!fresh) {
      digest = digests.get(r);
      if (!digest) digests.set(r, (digest = contentDigest(r.body)));
    }
    const { path, query } = splitUrl(req.url);
    const signed = signer.sign({ status, ...(fresh ? { etag: r.etag } : { digest: digest!, contentType: r.contentType }) }, { method: req.method ?? 'GET', path, query });
    for (const [k, v] of Object.entries(signed)) res.setHeader(k, v);
  }
  res.statusCode = status;
  if (fresh) {
    res.end();
    return;
  }
  res.setHeader('Content-Type', r.contentType);
  res.setHeader('Content-Length', r.body.length);
  res.end(req.method === 'HEAD' ? undefined : r.body);
}
