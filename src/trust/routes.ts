/**
 * Trust endpoints: the did:web document, the JWKS, credentials (list, each one, the status list, the
 * context) and the W3C CCG VC API (issue behind a bearer token; verify credentials and presentations
 * in public). Documents are signed responses like the JSON-LD catalog.
 */
import { credentialProblems, signingProblem } from './vc-model.js';
import { Router, type Request, type Response } from 'express';
import { jsonBody } from '../edge/json-body.js';
import { UcpdError, invalidInput, notFound } from '../errors.js';
import type { Config } from '../config.js';
import { etagOf, type Rendered, sendRendered } from '../edge/rendered.js';
import type { Store } from '../store/store.js';
import { CREDENTIAL_TYPES } from './claims.js';
import { credentialContextDocument } from './loader.js';
import type { Trust } from './trust.js';
import { requireScope } from '../edge/require-scope.js';
import { negotiate } from '../edge/accept.js';

const MAX_LIMIT = 1000;
/**
 * Public verification limits: body bytes, JSON values in all, credentials per presentation. The cost of
 * a verification grows with the square of the credential's size; at these limits one request costs tens
 * of milliseconds (a 5,000-value credential cost 0.8 s, a 40,000-value one 48 s).
 */
export const VERIFY_BODY_BYTES = 64 * 1024;
export const VERIFY_MAX_VALUES = 1000;
export const VERIFY_MAX_CREDENTIALS = 10;

function doc(body: string | Buffer, contentType: string, cacheControl: string): Rendered {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body);
  return { status: 200, body: buf, contentType, etag: etagOf(buf), cacheControl, headers: {} };
}

function limitOf(raw: unknown): number {
  if (raw === undefined) return 100;
  const n = Number(raw);
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || n < 1 || n > MAX_LIMIT) throw invalidInput('invalid_parameter', `limit must be an integer from 1 to ${MAX_LIMIT}`, { parameter: 'limit' });
  return n;
}

function objectBody(req: Request): Record<string, unknown> {
  if (!req.body || typeof req.body !== 'object' || Array.isArray(req.body)) throw invalidInput('invalid_body', 'the body must be a JSON object');
  return req.body as Record<string, unknown>;
}

/** The VC API `options` object: absent, or an object whose named members, when present, are strings. */
function optionsOf<K extends string>(raw: unknown, names: readonly K[]): Partial<Record<K, string>> {
  if (raw === undefined) return {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw invalidInput('invalid_body', 'options must be an object', { field: 'options' });
  const out: Partial<Record<K, string>> = {};
  for (const name of names) {
    const v = (raw as Record<string, unknown>)[name];
    if (v === undefined) continue;
    if (typeof v !== 'string') throw invalidInput('invalid_body', `options.${name} must be a string`, { field: `options.${name}` });
    out[name] = v;
  }
  return out;
}

function dateOption(v: string): Date {
  const d = new Date(v);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(v) || Number.isNaN(d.getTime())) throw invalidInput('invalid_body', 'options.now must be an RFC 3339 date-time', { field: 'options.now' });
  return d;
}

export function trustRouter(deps: { store: Store; config: Config; trust: Trust }): Router {
  const { store, config, trust } = deps;
  const r = Router();
  const types = ['application/json', 'application/*+json', 'application/vc', 'application/vp'];
  const body = jsonBody({ limit: config.jsonLimit, type: types });
  // Public verification: a credential's cost grows with the square of its size (RDF canonicalisation),
  // so what anyone may send is bounded well above any real credential (about 1 KB and 40 values).
  const verifyBody = jsonBody({ limit: VERIFY_BODY_BYTES, type: types, limits: { maxDepth: 32, maxNodes: VERIFY_MAX_VALUES } });

  const signer = config.signResponses ? trust.signer : undefined;
  const send = (req: Request, res: Response, rendered: Rendered) => sendRendered(req, res, rendered, signer);
  const base = config.baseUrl;

  // did:web resolves /.well-known/did.json for a bare host, <path>/did.json when the base URL has a path
  // (a proxy that maps the path prefix to ucpd's root sends that as /did.json).
  r.get(['/.well-known/did.json', '/did.json'], async (req, res) => {
    send(req, res, doc(JSON.stringify(await trust.didDocument()), 'application/did+json', 'public, max-age=300'));
  });

  r.get('/.well-known/jwks.json', (req, res) => {
    send(req, res, doc(JSON.stringify(trust.jwks()), 'application/jwk-set+json', 'public, max-age=300'));
  });

  r.get('/credentials/context/v1.jsonld', (req, res) => {
    send(req, res, doc(JSON.stringify(credentialContextDocument()), 'application/ld+json', 'public, max-age=86400'));
  });

  r.get('/credentials/status/:list', async (req, res) => {
    const vc = await trust.credentials.statusListCredential(`${base}/credentials/status/${req.params.list}`);
    if (!vc) throw notFound('not_found', `no status list ${req.params.list}`);
    send(req, res, doc(JSON.stringify(vc), 'application/vc', 'public, max-age=60'));
  });

  /** The index of credentials this store issued: active ones, newest last, paginated. */
  r.get('/credentials', async (req, res) => {
    const type = req.query.type === undefined ? undefined : String(req.query.type);
    if (type !== undefined && !(CREDENTIAL_TYPES as readonly string[]).includes(type) && type !== 'custom') {
      throw invalidInput('invalid_parameter', `type must be one of ${CREDENTIAL_TYPES.join(', ')}`, { parameter: 'type' });
    }
    const limit = limitOf(req.query.limit);
    let page: Awaited<ReturnType<typeof store.listCredentials>>;
    try {
      page = await store.listCredentials({
        limit,
        ...(req.query.cursor ? { after: String(req.query.cursor) } : {}),
        ...(type ? { type } : {}),
        ...(req.query.subject ? { subjectId: String(req.query.subject) } : {}),
      });
    } catch (err) {
      if (err instanceof UcpdError && err.code === 'invalid_cursor') throw err;
      throw err;
    }
    const keep = new URLSearchParams();
    for (const k of ['type', 'subject', 'limit']) if (req.query[k] !== undefined) keep.set(k, String(req.query[k]));
    const next = page.next ? `${base}/credentials?${new URLSearchParams([...keep, ['cursor', page.next]]).toString()}` : undefined;
    const out = {
      issuer: trust.did,
      items: page.items.map((c) => ({ id: c.id, type: c.type, subject: c.subjectId, issued: c.issuedAt, validUntil: c.validUntil, statusListIndex: c.statusIndex })),
      ...(next ? { next } : {}),
    };
    const rendered = doc(JSON.stringify(out), 'application/json', 'public, max-age=30');
    if (next) rendered.headers.Link = `<${next}>; rel="next"`;
    send(req, res, rendered);
  });

  r.get('/credentials/:id', async (req, res) => {
    const record = await store.getCredential(`${base}/credentials/${req.params.id}`);
    if (!record) throw notFound('credential_not_found', `no credential ${req.params.id}`);
    const type = negotiate(req.headers.accept, ['application/vc', 'application/ld+json', 'application/json', 'application/vc+jwt']);
    if (!type) throw new UcpdError('not_acceptable', 'not_acceptable', 'available as application/vc (Data Integrity) or application/vc+jwt');
    const rendered = type === 'application/vc+jwt' ? doc(record.jwt, type, 'public, max-age=60') : doc(record.vc, type, 'public, max-age=60');
    rendered.headers.Vary = 'Accept';
    if (record.revokedAt) rendered.headers['X-Credential-Status'] = 'revoked';
    send(req, res, rendered);
  });

  // ---- VC API ----------------------------------------------------------------------------------

  /**
   * The W3C VC API issuer: the credential is checked against VC Data Model 2.0 (vc-model.ts) and signed
   * exactly as given; what the issuer will not carry is refused with the field named, never dropped.
   * Options: `credentialId` (the VC API's), and ucpd's `credentialStatus` ({type: BitstringStatusListEntry})
   * to add a revocation entry this service can later flip through /credentials/status.
   */
  r.post('/credentials/issue', requireScope(store, 'credentials:write'), body, async (req, res) => {
    const { credential, options } = objectBody(req) as { credential?: unknown; options?: unknown };
    if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) throw invalidInput('invalid_body', 'options must be an object', { field: 'options' });
    const opts = (options ?? {}) as Record<string, unknown>;
    for (const [k, v] of Object.entries(opts)) {
      if (k === 'credentialId') {
        if (typeof v !== 'string') throw invalidInput('invalid_body', 'options.credentialId must be a string', { field: 'options.credentialId' });
      } else if (k === 'credentialStatus') {
        if (!v || typeof v !== 'object' || (v as { type?: unknown }).type !== 'BitstringStatusListEntry')
          throw invalidInput('invalid_body', 'options.credentialStatus must be {"type": "BitstringStatusListEntry"} (a revocation entry)', { field: 'options.credentialStatus' });
      } else throw invalidInput('invalid_body', `options.${k} is not supported by this issuer (it takes credentialId and credentialStatus)`, { field: `options.${k}` });
    }
    if (credential === undefined) throw invalidInput('invalid_body', 'credential is required (the VC API body is {credential, options})', { field: 'credential' });
    const [problem] = credentialProblems(credential, { issuer: trust.did });
    if (problem) throw invalidInput('invalid_credential', `${problem.field} ${problem.message}`, { field: problem.field });
    let record: Awaited<ReturnType<typeof trust.credentials.issueCredential>>;
    try {
      record = await trust.credentials.issueCredential(credential as Record<string, unknown>, { status: opts.credentialStatus !== undefined });
    } catch (err) {
      // JSON-LD safe mode: undefined terms, relative types, protected terms, contexts that are not available offline
      const p = signingProblem(err, credential as Record<string, unknown>);
      throw invalidInput('invalid_credential', `${p.field}: ${p.message}`, { field: p.field });
    }
    res
      .status(201)
      .type('application/json')
      .send(JSON.stringify({ verifiableCredential: JSON.parse(record.vc) }));
  });

  // not verified is 400 with the checks that failed, as the VC API (verifier.yml) and the W3C suites have it
  r.post('/credentials/verify', verifyBody, async (req, res) => {
    const { verifiableCredential, options } = objectBody(req) as { verifiableCredential?: unknown; options?: unknown };
    if (verifiableCredential === undefined) throw invalidInput('invalid_body', 'verifiableCredential is required', { field: 'verifiableCredential' });
    const opts = optionsOf(options, ['now']);
    const result = await trust.credentials.verify(verifiableCredential, opts.now ? { now: dateOption(opts.now) } : {});
    const { credential: _c, ...out } = result;
    res.status(result.verified ? 200 : 400).json(out);
  });

  r.post('/presentations/verify', verifyBody, async (req, res) => {
    const { verifiablePresentation, options } = objectBody(req) as { verifiablePresentation?: unknown; options?: unknown };
    if (verifiablePresentation === undefined) throw invalidInput('invalid_body', 'verifiablePresentation is required', { field: 'verifiablePresentation' });
    const held = (verifiablePresentation as { verifiableCredential?: unknown } | null)?.verifiableCredential;
    if (Array.isArray(held) && held.length > VERIFY_MAX_CREDENTIALS)
      throw invalidInput('body_too_complex', `a presentation may hold at most ${VERIFY_MAX_CREDENTIALS} credentials`, { field: 'verifiablePresentation.verifiableCredential' });
    const opts = optionsOf(options, ['challenge', 'domain']);
    const result = await trust.credentials.verifyPresentation(verifiablePresentation, { ...(opts.challenge ? { challenge: opts.challenge } : {}), ...(opts.domain ? { domain: opts.domain } : {}) });
    res.status(result.verified ? 200 : 400).json({ ...result, credentials: result.credentials.map(({ credential: _c, ...c }) => c) });
  });

  /** VC API status update: { credentialId, credentialStatus: [{ type, status: "revoked" }] }. */
  r.post('/credentials/status', requireScope(store, 'credentials:write'), body, async (req, res) => {
    const { credentialId, credentialStatus } = objectBody(req) as { credentialId?: unknown; credentialStatus?: unknown };
    if (typeof credentialId !== 'string') throw invalidInput('invalid_body', 'credentialId is required', { field: 'credentialId' });
    const wanted = Array.isArray(credentialStatus) ? (credentialStatus as unknown[]) : [];
    if (!wanted.every((s) => s !== null && typeof s === 'object' && !Array.isArray(s)))
      throw invalidInput('invalid_body', 'credentialStatus must be an array of objects', { field: 'credentialStatus' });
    if (!(wanted as { status?: unknown }[]).some((s) => s.status === 'revoked'))
      throw invalidInput('invalid_body', 'credentialStatus must contain {"status": "revoked"}: revocation is the only status change', { field: 'credentialStatus' });
    const revoked = await trust.credentials.revoke(credentialId);
    if (!revoked) {
      const existing = await store.getCredential(credentialId);
      if (!existing) throw notFound('credential_not_found', `no credential ${credentialId}`);
    }
    res.status(200).json({ id: credentialId, revoked: true });
  });

  r.post('/admin/v1/credentials/sync', requireScope(store, 'credentials:write'), async (_req, res) => {
    res.json(await trust.sync.run());
  });

  return r;
}
