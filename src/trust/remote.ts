/**
 * Verifying what another endpoint serves (`ucpd verify <url|file>`): a response signature against the
 * origin's JWKS, and credentials against the origin's DID document, contexts and status lists. The
 * loader fetches only from the one origin it is given (plus the W3C contexts it ships); no redirects,
 * a size cap and a timeout on every fetch.
 */
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import type { JWK } from 'jose';
import { offlineLoader, UnknownDocumentError, type DocumentLoader } from '../linked-data/contexts.js';
import type { Clock } from '../store/store.js';
import { MULTIKEY_CONTEXT, didFromBaseUrl, type DidDocument } from './did.js';
import { w3cContexts } from './loader.js';
import { didKeyDocument } from './did-key.js';
import { verifyMessage, type Verified } from './http-signatures.js';
import { Verifier, type VerificationResult } from './verifier.js';

export type Fetch = typeof fetch;

const MAX_BYTES = 4 * 1024 * 1024;

/** A response body, reading at most `maxBytes` (`complete` false when it was cut off there). */
export async function readLimited(body: Response['body'], maxBytes: number): Promise<{ body: Buffer; complete: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body ?? []) {
    size += (chunk as Uint8Array).length;
    if (size > maxBytes) return { body: Buffer.concat(chunks), complete: false };
    chunks.push(Buffer.from(chunk as Uint8Array));
  }
  return { body: Buffer.concat(chunks), complete: true };
}

export async function fetchLimited(fetchImpl: Fetch, url: string, accept = '*/*'): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const res = await fetchImpl(url, { headers: { accept }, redirect: 'manual', signal: AbortSignal.timeout(5000) });
  if (res.status >= 300 && res.status < 400) throw new Error(`${url} redirects (${res.status}); redirects are not followed`);
  const read = await readLimited(res.body, MAX_BYTES);
  if (!read.complete) throw new Error(`${url} is larger than ${MAX_BYTES} bytes`);
  return { status: res.status, headers: res.headers, body: read.body };
}

export interface RemoteOrigin {
  origin: string;
  did: string;
  loader: DocumentLoader;
  jwks(): Promise<JWK[]>;
  verifier(clock: Clock): Verifier;
}

/** Everything needed to verify what `baseUrl` serves, resolved from that origin only. */
export function remoteOrigin(baseUrl: string, fetchImpl: Fetch = fetch): RemoteOrigin {
  const base = baseUrl.replace(/\/+$/, '');
  const origin = new URL(base).origin;
  const did = didFromBaseUrl(base);
  const known = offlineLoader(`${base}/.well-known/commerce/context.jsonld`, w3cContexts());
  const cache = new Map<string, Promise<unknown>>();
  const getJson = (url: string) => {
    let p = cache.get(url);
    if (!p) {
      p = fetchLimited(fetchImpl, url, 'application/json, application/ld+json, application/did+json, application/vc').then((r) => {
        if (r.status !== 200) throw new UnknownDocumentError(url);
        return JSON.parse(r.body.toString('utf8')) as unknown;
      });
      cache.set(url, p);
    }
    return p;
  };
  const didDoc = () => getJson(`${origin}/.well-known/did.json`) as Promise<DidDocument>;
  const loader: DocumentLoader = async (url) => {
    try {
      return await known(url);
    } catch {
      // not shipped: fall through to the origin
    }
    if (url === did || url.startsWith(`${did}#`)) {
      const doc = await didDoc();
      if (doc.id !== did) throw new UnknownDocumentError(url);
      if (url === did) return { documentUrl: url, document: doc };
      const vm = doc.verificationMethod.find((m) => m.id === url);
      if (!vm) throw new UnknownDocumentError(url);
      return { documentUrl: url, document: { '@context': MULTIKEY_CONTEXT, ...vm } };
    }
    if (url.startsWith(`${origin}/`)) return { documentUrl: url, document: await getJson(url) };
    const key = await didKeyDocument(url);
    if (key) return { documentUrl: url, document: key };
    throw new UnknownDocumentError(url);
  };
  const jwks = async () => ((await getJson(`${origin}/.well-known/jwks.json`)) as { keys: JWK[] }).keys;
  return {
    origin,
    did,
    loader,
    jwks,
    verifier: (clock) =>
      new Verifier({
        loader,
        clock,
        jwkFor: async (kid) => {
          if (!kid.startsWith(`${did}#`)) return undefined;
          const vm = (await didDoc()).verificationMethod.find((m) => m.id === kid);
          if (!vm) return undefined;
          // the key as the DID document states it (not the JWKS: the credential names the DID URL)
          const pair = await Ed25519Multikey.from({ ...vm, '@context': MULTIKEY_CONTEXT });
          return (await Ed25519Multikey.toJwk({ keyPair: pair })) as JWK;
        },
      }),
  };
}

export interface UrlVerification {
  url: string;
  status: number;
  signature?: (Verified & { ok: true }) | { ok: false; code: string; message: string };
  credential?: VerificationResult;
}

/** Fetch a URL and verify its response signature and, if it is a credential, the credential. */
export async function verifyUrl(url: string, o: { baseUrl?: string; fetch?: Fetch; clock: Clock; accept?: string }): Promise<UrlVerification> {
  const f = o.fetch ?? fetch;
  const target = new URL(url);
  const remote = remoteOrigin(o.baseUrl ?? target.origin, f);
  const res = await fetchLimited(f, url, o.accept ?? 'application/vc, application/ld+json;q=0.9, */*;q=0.5');
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    headers[k] = v;
  });
  const out: UrlVerification = { url, status: res.status };
  try {
    const jwks = await remote.jwks();
    const verified = await verifyMessage(
      { status: res.status, headers },
      { keyFor: (kid) => jwks.find((k) => k.kid === kid), body: res.body, required: ['@status', 'content-digest'], now: Math.floor(o.clock.now().getTime() / 1000) },
      { method: 'GET', authority: new URL(o.baseUrl ?? target.origin).host, path: target.pathname, query: target.search, headers: {} },
    );
    out.signature = { ok: true, ...verified };
  } catch (err) {
    const e = err as { code?: string; message: string };
    out.signature = { ok: false, code: e.code ?? 'signature_invalid', message: e.message };
  }
  const text = res.body.toString('utf8').trim();
  const type = headers['content-type'] ?? '';
  if (type.startsWith('application/vc+jwt')) out.credential = await remote.verifier(o.clock).verify(text);
  else if (type.startsWith('application/vc') || type.includes('json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const types = (parsed as { type?: unknown })?.type;
    if (Array.isArray(types) && types.includes('VerifiableCredential')) out.credential = await remote.verifier(o.clock).verify(parsed);
  }
  return out;
}

/** A credential from a file: JSON (Data Integrity) or a vc+jwt; resolved against `baseUrl`. */
export async function verifyCredentialText(text: string, baseUrl: string, o: { fetch?: Fetch; clock: Clock }): Promise<VerificationResult> {
  const trimmed = text.trim();
  let input: unknown = trimmed;
  if (trimmed.startsWith('{')) {
    try {
      input = JSON.parse(trimmed);
    } catch (err) {
      return { verified: false, checks: [], warnings: [], errors: [{ code: 'malformed_credential', message: `not valid JSON: ${(err as Error).message}` }] };
    }
  }
  return remoteOrigin(baseUrl, o.fetch ?? fetch)
    .verifier(o.clock)
    .verify(input);
}
