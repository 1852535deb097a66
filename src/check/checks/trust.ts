/** Trust checks: the did:web document, the JWKS, linked verifiable credentials, response signatures. */
import type { JWK } from 'jose';
import { didDocumentPath, didFromBaseUrl } from '../../trust/did.js';
import { verifyMessage } from '../../trust/http-signatures.js';
import type { VerificationResult } from '../../trust/verifier.js';
import { describeExchange, jsonOf, mapLimit } from '../client.js';
import type { CheckContext, Doc } from '../context.js';
import { fail, skip, warn, type CheckDefinition, type Evidence } from '../model.js';
import { profileKeys } from '../../ucp/profile.js';

type Json = Record<string, unknown>;
type Check = CheckDefinition<CheckContext>;

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const CREDENTIAL_ACCEPT = 'application/vc+ld+json, application/vc, application/ld+json;q=0.9, application/json;q=0.8, application/vc+jwt;q=0.7';

interface LinkedCredential {
  url: string;
  /** The @id of the node that links to it, if it was linked from a node. */
  linkedFrom?: string;
}

interface CheckedCredential extends LinkedCredential {
  status: number;
  result?: VerificationResult;
  error?: string;
}

/** Credential links in a document: `credential` values, with the @id of the node that holds them. */
function credentialLinks(json: unknown, docUrl: string, out: Map<string, LinkedCredential>): void {
  const walk = (v: unknown, holder?: string) => {
    if (Array.isArray(v)) {
      for (const x of v) walk(x, holder);
      return;
    }
    if (!v || typeof v !== 'object') return;
    const o = v as Json;
    const id = typeof o['@id'] === 'string' ? new URL(o['@id'], docUrl).href : holder;
    for (const [k, x] of Object.entries(o)) {
      if (k === 'credential' || k === 'ucpd:credential') {
        for (const link of (Array.isArray(x) ? x : [x]).map((l) => (l && typeof l === 'object' ? (l as Json)['@id'] : l))) {
          if (typeof link !== 'string') continue;
          const url = new URL(link, docUrl).href;
          if (!out.has(url)) out.set(url, { url, ...(id ? { linkedFrom: id } : {}) });
        }
      } else walk(x, id);
    }
  };
  walk(json);
}

/**
 * The credentials the endpoint links: from the store document, product documents and the credential
 * index, in that order, verified up to `maxDocuments` of them (a large catalog has one per review).
 */
function credentials(ctx: CheckContext): Promise<{ list: CheckedCredential[]; total: number }> {
  return ctx.once('credentials', async () => {
    const found = new Map<string, LinkedCredential>();
    const store = await ctx.storeDoc();
    const docs: Doc[] = store?.json ? [store] : [];
    if (store?.json) {
      try {
        docs.push(...(await ctx.productDocs()).values());
      } catch {
        // no catalog: the store document's links only
      }
    }
    for (const d of docs) if (d.json) credentialLinks(d.json, d.url, found);
    const index = store?.json && typeof (store.json as Json).credentials === 'string' ? new URL((store.json as Json).credentials as string, store.url).href : undefined;
    for (let url = index, pages = 0; url && pages < 1000; pages++) {
      const page = await ctx.getDoc(url, 'application/json');
      const json = page.json as { items?: { id?: unknown }[]; next?: unknown } | undefined;
      if (!json) break;
      for (const item of json.items ?? []) if (typeof item.id === 'string' && !found.has(item.id)) found.set(new URL(item.id, url).href, { url: new URL(item.id, url).href });
      url = typeof json.next === 'string' ? new URL(json.next, url).href : undefined;
    }
    const verifier = ctx.remote().verifier({ now: () => ctx.now() });
    const all = [...found.values()];
    const list = await mapLimit(all.slice(0, ctx.maxDocuments), 4, async (c): Promise<CheckedCredential> => {
      const x = await ctx.client.get(c.url, CREDENTIAL_ACCEPT);
      if (x.status !== 200) return { ...c, status: x.status, error: describeExchange(x) };
      const type = x.headers['content-type'] ?? '';
      const text = x.body.toString('utf8').trim();
      const input = type.startsWith('application/vc+jwt') || !text.startsWith('{') ? text : jsonOf(x);
      return { ...c, status: 200, result: await verifier.verify(input) };
    });
    return { list, total: all.length };
  });
}

const sampled = (n: number, total: number) => (n < total ? ` (first ${n} of ${total} linked; --max-documents)` : '');

export const trustChecks: Check[] = [
  {
    id: 'trust.did.resolves',
    group: 'trust',
    severity: 'required',
    title: "The did:web document resolves, names the endpoint's host and lists usable verification methods",
    spec: 'did:web method specification §3.2 (Read); DID Core 1.0 §5',
    async run(ctx) {
      const did = didFromBaseUrl(ctx.base);
      const url = `${ctx.origin}${didDocumentPath(ctx.base)}`;
      const d = await ctx.getDoc(url, 'application/did+json, application/json;q=0.9');
      if (d.x.status === 404) throw skip(`no DID document at ${url}`);
      const ev: Evidence = { url, expected: `a DID document with id ${did}`, got: describeExchange(d.x) };
      if (d.x.status !== 200 || !d.json || typeof d.json !== 'object') throw fail('the DID document does not resolve', ev);
      const doc = d.json as Json;
      if (doc.id !== did) throw fail(`the DID document's id is ${JSON.stringify(doc.id)}, not ${did} (the did:web of ${ctx.host})`, { ...ev, got: String(doc.id) });
      const methods = (Array.isArray(doc.verificationMethod) ? doc.verificationMethod : []) as Json[];
      if (!methods.length) throw fail('the DID document lists no verificationMethod', ev);
      const problems: Evidence[] = [];
      const ids = new Set<string>();
      for (const m of methods) {
        const id = String(m.id ?? '');
        ids.add(id);
        if (!id.startsWith(`${did}#`)) problems.push({ url, expected: `a verification method id under ${did}#`, got: id });
        if (m.controller !== did) problems.push({ url: id, expected: `controller ${did}`, got: String(m.controller) });
        if (!m.publicKeyMultibase && !m.publicKeyJwk) problems.push({ url: id, expected: 'publicKeyMultibase or publicKeyJwk', got: 'neither' });
        if ('secretKeyMultibase' in m || 'privateKeyJwk' in m || (m.publicKeyJwk && typeof m.publicKeyJwk === 'object' && PRIVATE_JWK_MEMBERS.some((k) => k in (m.publicKeyJwk as Json)))) {
          problems.push({ url: id, expected: 'public key material only', got: 'private key material' });
        }
      }
      for (const rel of ['assertionMethod', 'authentication']) {
        for (const ref of (Array.isArray(doc[rel]) ? doc[rel] : []) as unknown[]) {
          if (typeof ref === 'string' && !ids.has(ref)) problems.push({ url, expected: `${rel} entries that name a listed verification method`, got: ref });
        }
      }
      if (problems.length) throw fail(`${problems.length} problem(s) in the DID document`, ...problems);
      return { message: `${did}: ${methods.length} verification method(s)`, evidence: [{ url }] };
    },
  },
  {
    id: 'trust.jwks.public',
    group: 'trust',
    severity: 'required',
    title: 'The JWKS (and the UCP profile signing_keys) publish public keys only, each with a unique kid',
    spec: 'RFC 7517 §5 (JWK Set), §4.5 (kid); RFC 7518 §6 (private members)',
    async run(ctx) {
      const url = `${ctx.origin}/.well-known/jwks.json`;
      const d = await ctx.getDoc(url, 'application/jwk-set+json, application/json;q=0.9');
      const sets: { where: string; keys: Json[] }[] = [];
      if (d.x.status === 200) {
        const keys = (d.json as { keys?: unknown } | undefined)?.keys;
        if (!Array.isArray(keys)) throw fail('the JWKS has no "keys" array', { url, got: describeExchange(d.x) });
        sets.push({ where: url, keys: keys as Json[] });
      } else if (d.x.status !== 404) throw fail(`the JWKS answered ${d.x.status || d.x.error}`, { url, got: describeExchange(d.x) });
      const profile = await ctx.profileDoc();
      const doc = profile?.json as { keys?: unknown; signing_keys?: unknown } | undefined;
      const member = Array.isArray(doc?.keys) ? 'keys' : 'signing_keys';
      const signing = doc?.[member];
      if (Array.isArray(signing)) sets.push({ where: `${ctx.url('/.well-known/ucp')} ${member}`, keys: signing as Json[] });
      if (!sets.some((s) => s.keys.length)) throw skip('the endpoint publishes no keys (no JWKS, no UCP signing_keys)');
      const problems: Evidence[] = [];
      let n = 0;
      for (const { where, keys } of sets) {
        const kids = new Set<string>();
        for (const k of keys) {
          n++;
          const priv = PRIVATE_JWK_MEMBERS.filter((m) => m in k);
          if (priv.length) problems.push({ url: where, expected: 'public members only', got: `key ${String(k.kid)} has ${priv.join(', ')}` });
          if (typeof k.kid !== 'string' || !k.kid) problems.push({ url: where, expected: 'a kid on every key', got: JSON.stringify(k).slice(0, 120) });
          else if (kids.has(k.kid)) problems.push({ url: where, expected: 'unique kids', got: `kid ${k.kid} twice` });
          else kids.add(k.kid);
          if (typeof k.kty !== 'string') problems.push({ url: where, expected: 'a kty on every key', got: String(k.kid) });
        }
      }
      if (problems.length) throw fail(`${problems.length} problem(s) in published keys`, ...problems);
      return `${n} public key(s) in ${sets.map((s) => s.where).join(' and ')}`;
    },
  },
  {
    id: 'trust.credentials.verify',
    group: 'trust',
    severity: 'required',
    title: 'Every linked verifiable credential verifies (proof, validity period) and is not revoked',
    spec: 'W3C VC Data Model 2.0 §4.9, §5.2; VC Data Integrity (eddsa-rdfc-2022); Bitstring Status List 1.0',
    async run(ctx) {
      await ctx.needStore();
      const { list, total } = await credentials(ctx);
      if (!list.length) throw skip('the endpoint links no credentials');
      const bad = list.filter((c) => !c.result?.verified);
      if (bad.length) {
        const revoked = bad.filter((c) => c.result?.revoked).length;
        throw fail(
          `${bad.length} of ${list.length} credentials do not verify${revoked ? ` (${revoked} revoked)` : ''}`,
          ...bad.map((c) => ({ url: c.url, expected: 'verified', got: c.error ?? c.result!.errors.map((e) => `${e.code}: ${e.message}`).join('; ') })),
        );
      }
      const formats = new Map<string, number>();
      for (const c of list) formats.set(c.result!.format ?? '?', (formats.get(c.result!.format ?? '?') ?? 0) + 1);
      return `${list.length} credentials verify (${[...formats].map(([f, n]) => `${n} ${f}`).join(', ')}); none revoked or expired${sampled(list.length, total)}`;
    },
  },
  {
    id: 'trust.credentials.subjects',
    group: 'trust',
    severity: 'required',
    title: 'Each credential is about a catalog node: its subject dereferences, and a credential linked from a node names that node',
    spec: 'W3C VC Data Model 2.0 §4.8 (credentialSubject id)',
    async run(ctx) {
      await ctx.needStore();
      const { list: all, total } = await credentials(ctx);
      const list = all.filter((c) => c.result?.credential);
      if (!list.length) throw skip('no readable credentials (see trust.credentials.verify)');
      const problems: Evidence[] = [];
      await mapLimit(list, 8, async (c) => {
        const subject = c.result!.credential!.credentialSubject;
        const ids = (Array.isArray(subject) ? subject : [subject]).map((s) => (s && typeof s === 'object' ? (s as Json).id : undefined)).filter((x): x is string => typeof x === 'string');
        if (!ids.length) {
          problems.push({ url: c.url, expected: 'a credentialSubject with an id', got: 'none' });
          return;
        }
        if (c.linkedFrom && !ids.includes(c.linkedFrom)) problems.push({ url: c.url, expected: `the subject ${c.linkedFrom} (the node that links it)`, got: ids.join(', ') });
        for (const id of ids) {
          if (!id.startsWith(`${ctx.origin}/`)) {
            if (!id.startsWith('did:')) problems.push({ url: c.url, expected: `a subject on ${ctx.origin}`, got: id });
            continue;
          }
          const docUrl = id.split('#')[0]!;
          const d = await ctx.getDoc(docUrl);
          if (!d.json || !ctx.idsOf(d).has(id))
            problems.push({ url: c.url, expected: `subject ${id} described at ${docUrl}`, got: d.json ? 'the document does not mention it' : describeExchange(d.x) });
        }
      });
      if (problems.length) throw fail(`${problems.length} credential subject problem(s)`, ...problems);
      return `${list.length} credentials, each about a node the catalog publishes${sampled(all.length, total)}`;
    },
  },
  {
    id: 'trust.signatures',
    group: 'trust',
    severity: 'required',
    title: 'Response signatures (RFC 9421) verify against the published keys and cover @status and Content-Digest, which matches the body',
    spec: 'RFC 9421 (HTTP Message Signatures); RFC 9530 (Content-Digest); UCP 2026-04-08 signatures.md',
    async run(ctx) {
      const docs: Doc[] = [];
      const store = await ctx.storeDoc();
      if (store) docs.push(store);
      const crawl = store?.json ? await ctx.catalog().catch(() => undefined) : undefined;
      if (crawl?.pages[0]) docs.push(crawl.pages[0]);
      const product = crawl ? [...(await ctx.productDocs()).values()][0] : undefined;
      if (product) docs.push(product);
      const profile = await ctx.profileDoc();
      if (profile) docs.push(profile);
      const responses = docs.filter((d) => d.x.status === 200);
      if (!responses.length) throw skip('nothing to check: no store document, catalog or profile');
      const signed = responses.filter((d) => d.x.headers.signature && d.x.headers['signature-input']);
      if (!signed.length) throw skip(`responses are not signed (${responses.length} checked, none has Signature / Signature-Input)`);
      const keys: JWK[] = [];
      const jwks = await ctx.getDoc(`${ctx.origin}/.well-known/jwks.json`, 'application/json');
      keys.push(...(((jwks.json as { keys?: JWK[] } | undefined)?.keys ?? []) as JWK[]));
      keys.push(...(profileKeys(profile?.json) as JWK[]));
      const problems: Evidence[] = [];
      const now = Math.floor(ctx.now().getTime() / 1000);
      for (const d of signed) {
        const u = new URL(d.url);
        try {
          const v = await verifyMessage(
            { status: d.x.status, headers: d.x.headers },
            { keyFor: (kid) => keys.find((k) => k.kid === kid), body: d.x.body, required: ['@status', 'content-digest'], now },
            { method: 'GET', authority: ctx.host, path: u.pathname, query: u.search, headers: {} },
          );
          if (!v.components.includes('content-digest')) problems.push({ url: d.url, expected: 'content-digest covered', got: v.components.join(' ') });
        } catch (err) {
          const e = err as { code?: string; message: string };
          problems.push({ url: d.url, expected: 'a valid signature by a published key', got: `${e.code ?? 'error'}: ${e.message}` });
        }
      }
      const unsigned = responses.filter((d) => !signed.includes(d));
      if (problems.length) throw fail(`${problems.length} of ${signed.length} signatures do not verify`, ...problems);
      if (unsigned.length)
        throw warn(
          `${signed.length} signatures verify, but ${unsigned.length} response(s) are unsigned`,
          ...unsigned.map((d) => ({ url: d.url, expected: 'Signature and Signature-Input', got: 'none' })),
        );
      return `${signed.length} signed responses verify against ${keys.length} published key(s), each covering @status and Content-Digest`;
    },
  },
];
