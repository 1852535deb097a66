/** Trust over HTTP: did:web, JWKS, credential endpoints, the VC API, signed responses, independent verifiers. */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { compactVerify, importJWK, type JWK } from 'jose';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsa } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { checkStatus } from '@digitalbazaar/vc-bitstring-status-list';
import * as credentialsContext from '@digitalbazaar/credentials-context';
import multikeyContext from '@digitalbazaar/multikey-context';
import didContext from 'did-context';
import { verifyMessage } from '../../src/trust/http-signatures.js';
import { location, merchant, product, review } from '../helpers/records.js';
import { testApp, type TestApp } from '../helpers/app.js';
import { TestClock } from '../helpers/store.js';
import type { Json } from '../helpers/json.js';

const BASE = 'https://shop.example';
let t: TestApp;
let issuer: string;

beforeAll(async () => {
  t = await testApp(
    [
      merchant(),
      location('wh'),
      { type: 'return_policy', id: 'std', default: true, category: 'finite', window_days: 30, fees: 'free', methods: ['mail'] },
      product('p1', { certifications: [{ name: 'bluesign® PRODUCT', certifier: 'bluesign technologies ag', identifier: 'BS-1' }] }),
      review('r1', 'p1', 5),
    ],
    {},
    new TestClock(new Date().toISOString()),
  );
  await t.trust.sync.run();
  issuer = await t.token(['credentials:write']);
});
afterAll(async () => {
  t.app.close();
  await t.close();
});

const get = (path: string, accept = 'application/json') => request(t.app).get(path).set('Accept', accept);
const raw = (path: string, accept = '*/*') =>
  request(t.app)
    .get(path)
    .set('Accept', accept)
    .buffer(true)
    .parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });

/** application/vc is JSON that supertest does not parse on its own. */
const getVc = async (path: string) => JSON.parse((await raw(path, 'application/vc')).body.toString()) as Json;

/** Verify a response's RFC 9421 signature the way an agent would: keys from the JWKS, authority from the base URL. */
async function verifyResponse(res: request.Response, path: string, body: Buffer) {
  const jwks = (await get('/.well-known/jwks.json')).body.keys as JWK[];
  const [p, q] = path.split('?');
  return verifyMessage(
    { status: res.status, headers: res.headers as Record<string, string> },
    { keyFor: (kid) => jwks.find((k) => k.kid === kid), body, required: ['@status', '@method;req', '@authority;req', '@path;req'] },
    { method: 'GET', authority: 'shop.example', path: p!, query: q ? `?${q}` : '', headers: {} },
  );
}

describe('identity documents', () => {
  test('did:web document and JWKS, linked from the store document', async () => {
    const did = await get('/.well-known/did.json');
    expect(did.headers['content-type']).toMatch(/^application\/did\+json/);
    expect(did.body.id).toBe('did:web:shop.example');
    expect(did.body.verificationMethod.every((m: Json) => m.type === 'Multikey' && m.controller === 'did:web:shop.example')).toBe(true);
    const jwks = await get('/.well-known/jwks.json');
    expect(jwks.headers['content-type']).toMatch(/^application\/jwk-set\+json/);
    for (const k of jwks.body.keys) {
      expect(k).not.toHaveProperty('d');
      expect(did.body.verificationMethod.map((m: Json) => m.id)).toContain(`did:web:shop.example#${k.kid}`);
    }
    const store = await get('/.well-known/commerce', 'application/ld+json');
    expect(store.body).toMatchObject({ didDocument: `${BASE}/.well-known/did.json`, jwks: `${BASE}/.well-known/jwks.json`, credentials: `${BASE}/credentials` });
  });
});

describe('catalog documents link to the credentials that cover them', () => {
  test('store -> merchant and policy credentials; product -> certification; review -> verified review', async () => {
    const store = (await get('/.well-known/commerce', 'application/ld+json')).body;
    const merchantCred = store.credential as string;
    expect((await get(merchantCred.replace(BASE, ''))).body.credentialSubject.id).toBe(store['@id']);
    const policy = store.hasMerchantReturnPolicy.find((p: Json) => p['@id'].endsWith('#return-policy-std'));
    expect((await get(policy.credential.replace(BASE, ''))).body.credentialSubject.id).toBe(policy['@id']);
    const doc = (await get('/products/p1', 'application/ld+json')).body;
    const cert = (await get(doc.credential.replace(BASE, ''))).body;
    expect(cert.credentialSubject).toMatchObject({ id: doc['@id'], hasCertification: { name: 'bluesign® PRODUCT', certificationIdentification: 'BS-1' } });
    const reviewNode = doc.review[0];
    expect((await get(reviewNode.credential.replace(BASE, ''))).body.credentialSubject.id).toBe(reviewNode['@id']);
  });
});

describe('credential endpoints', () => {
  test('the index is paginated; each credential comes as vc or vc+jwt; status list and context are served', async () => {
    const first = await get('/credentials?limit=2');
    expect(first.body.items).toHaveLength(2);
    expect(first.headers.link).toMatch(/rel="next"/);
    const rest = await get(first.body.next.replace(BASE, ''));
    const all = [...first.body.items, ...rest.body.items];
    expect(all.map((c: Json) => c.type).sort()).toEqual(['MerchantCredential', 'ProductCertificationCredential', 'ReturnPolicyCredential', 'VerifiedReviewCredential']);
    expect((await get('/credentials?limit=0')).status).toBe(400);
    expect((await get('/credentials?type=Nope')).status).toBe(400);
    expect((await get('/credentials?cursor=!!!')).status).toBe(400);
    const path = all[0].id.replace(BASE, '');
    const json = await get(path, 'application/vc');
    expect(json.headers['content-type']).toMatch(/^application\/vc/);
    const jwt = await raw(path, 'application/vc+jwt');
    expect(jwt.headers['content-type']).toMatch(/^application\/vc\+jwt/);
    expect((jwt.body as Buffer).toString().split('.')).toHaveLength(3);
    expect((await get('/credentials/not-a-credential')).status).toBe(404);
    const list = await raw('/credentials/status/1', 'application/vc');
    expect(list.headers['cache-control']).toBe('public, max-age=60');
    expect(JSON.parse(list.body.toString()).type).toContain('BitstringStatusListCredential');
    expect((await get('/credentials/context/v1.jsonld')).body['@context']['@protected']).toBe(true);
  });
});

describe('VC API', () => {
  test('issue: token required, 201 with the signed credential; bad credentials are 400', async () => {
    const credential = {
      '@context': ['https://www.w3.org/ns/credentials/v2', `${BASE}/credentials/context/v1.jsonld`],
      type: ['VerifiableCredential', 'MerchantCredential'],
      issuer: 'did:web:shop.example',
      credentialSubject: { id: `${BASE}/.well-known/commerce#store`, legalName: 'Test Outfitters LLC' },
    };
    expect((await request(t.app).post('/credentials/issue').send({ credential })).status).toBe(401);
    const res = await request(t.app).post('/credentials/issue').set('Authorization', `Bearer ${issuer}`).send({ credential, options: {} });
    expect(res.status).toBe(201);
    expect(res.body.verifiableCredential).toMatchObject({ issuer: 'did:web:shop.example', credentialSubject: { legalName: 'Test Outfitters LLC' }, proof: { type: 'DataIntegrityProof' } });
    const post = (body: unknown) =>
      request(t.app)
        .post('/credentials/issue')
        .set('Authorization', `Bearer ${issuer}`)
        .send(body as object);
    for (const [body, field] of [
      [{}, 'credential'],
      [{ credential: { ...credential, '@context': ['https://www.w3.org/2018/credentials/v1'] } }, 'credential.@context[0]'],
      [{ credential: { ...credential, credentialSubject: 'x' } }, 'credential.credentialSubject'],
      [{ credential: { ...credential, issuer: 'did:web:other.example' } }, 'credential.issuer'],
      [{ credential: { ...credential, credentialSubject: { favouriteColour: 'teal' } } }, 'credential.credentialSubject.favouriteColour'], // undefined term: safe mode refuses
    ] as const) {
      const r = await post(body);
      expect([field, r.status, r.body.field]).toEqual([field, 400, field]);
    }
    expect((await request(t.app).post('/credentials/issue').set('Authorization', `Bearer ${issuer}`).set('Content-Type', 'application/json').send('{"credential":')).status).toBe(400);
  });

  test('verify: 200 with checks for a good credential, 400 with problems for a bad one (the VC API), 400 for malformed input', async () => {
    const c = (await t.store.listCredentials({ limit: 50, type: 'MerchantCredential' })).items.find((x) => x.subjectKey !== undefined); // the store's own (the VC API issues others)
    const good = JSON.parse(c!.vc);
    const ok = await request(t.app).post('/credentials/verify').send({ verifiableCredential: good, options: {} });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ verified: true, checks: ['proof', 'validity', 'status'], warnings: [], errors: [], revoked: false, format: 'data-integrity' });
    expect((await request(t.app).post('/credentials/verify').send({ verifiableCredential: c!.jwt })).body.verified).toBe(true);
    const bad = await request(t.app)
      .post('/credentials/verify')
      .send({ verifiableCredential: { ...good, credentialSubject: { ...good.credentialSubject, legalName: 'X' } } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ verified: false, errors: [{ code: 'invalid_proof' }] });
    expect((await request(t.app).post('/credentials/verify').send({})).status).toBe(400);
    expect((await request(t.app).post('/credentials/verify').send([1, 2])).status).toBe(400);
    expect((await request(t.app).post('/credentials/verify').set('Content-Type', 'application/json').send('{oops')).status).toBe(400);
  });

  test('presentations: each credential is verified; a revoked one fails the presentation; status updates revoke', async () => {
    const items = (await t.store.listCredentials({ limit: 10 })).items;
    const review = items.find((c) => c.type === 'VerifiedReviewCredential')!;
    const merchantCred = items.find((c) => c.type === 'MerchantCredential')!;
    const vp = { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiablePresentation'], verifiableCredential: [JSON.parse(merchantCred.vc), JSON.parse(review.vc)] };
    const ok = await request(t.app).post('/presentations/verify').send({ verifiablePresentation: vp });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ verified: true, warnings: [{ code: 'presentation_unsigned' }] });
    expect(
      (
        await request(t.app)
          .post('/credentials/status')
          .send({ credentialId: review.id, credentialStatus: [{ type: 'BitstringStatusListCredential', status: 'revoked' }] })
      ).status,
    ).toBe(401);
    const revoke = await request(t.app)
      .post('/credentials/status')
      .set('Authorization', `Bearer ${issuer}`)
      .send({ credentialId: review.id, credentialStatus: [{ type: 'BitstringStatusListCredential', status: 'revoked' }] });
    expect(revoke.status).toBe(200);
    const after = await request(t.app).post('/presentations/verify').send({ verifiablePresentation: vp });
    expect(after.status).toBe(400);
    expect(after.body.errors).toEqual([expect.objectContaining({ code: 'revoked', message: expect.stringMatching(/^verifiableCredential\[1\]/) })]);
    expect((await request(t.app).post('/presentations/verify').send({ verifiablePresentation: 'nope' })).status).toBe(400);
    expect((await request(t.app).post('/presentations/verify').send({})).status).toBe(400);
    expect(
      (
        await request(t.app)
          .post('/credentials/status')
          .set('Authorization', `Bearer ${issuer}`)
          .send({ credentialId: `${BASE}/credentials/nope`, credentialStatus: [{ status: 'revoked' }] })
      ).status,
    ).toBe(404);
  });
});

describe('VC API: malformed input fails closed with a 4xx (hardening)', () => {
  const V2 = 'https://www.w3.org/ns/credentials/v2';
  const verifyVp = (vp: unknown) => request(t.app).post('/presentations/verify').send({ verifiablePresentation: vp });

  test('documents that are not conforming presentations are not verified', async () => {
    const c = (await t.store.listCredentials({ limit: 50, type: 'MerchantCredential' })).items.find((x) => x.subjectKey !== undefined); // the store's own (the VC API issues others)
    const good = JSON.parse(c!.vc) as Json;
    const cases: [string, unknown][] = [
      ['unsigned NonconformingDocument', { type: ['NonconformingDocument'] }],
      ['a presentation with no type', { '@context': [V2], verifiableCredential: [good] }],
      ['first @context not VC 2.0', { '@context': ['https://www.w3.org/2018/credentials/v1', V2], type: ['VerifiablePresentation'], verifiableCredential: [good] }],
      ['no @context at all', { type: ['VerifiablePresentation'], verifiableCredential: [good] }],
      ['a credential that is a number', { '@context': [V2], type: ['VerifiablePresentation'], verifiableCredential: [42] }],
      ['holder that is not a URL', { '@context': [V2], type: ['VerifiablePresentation'], holder: 'me', verifiableCredential: [good] }],
      ['nothing to verify', { '@context': [V2], type: ['VerifiablePresentation'] }],
    ];
    for (const [name, vp] of cases) {
      const r = await verifyVp(vp);
      expect({ name, status: r.status, verified: r.body.verified }).toEqual({ name, status: 400, verified: false });
      expect(r.body.errors.length).toBeGreaterThan(0);
    }
    // the conforming unsigned wrapper of a valid credential still verifies (with a warning)
    const ok = await verifyVp({ '@context': [V2], type: ['VerifiablePresentation'], verifiableCredential: [good] });
    expect(ok.body).toMatchObject({ verified: true, warnings: [{ code: 'presentation_unsigned' }] });
  });

  test('public verification is bounded: a credential of thousands of values, a huge body, a presentation of many credentials are refused at once', async () => {
    const c = (await t.store.listCredentials({ limit: 50, type: 'MerchantCredential' })).items.find((x) => x.subjectKey !== undefined); // the store's own (the VC API issues others)
    const big = JSON.parse(c!.vc) as Json;
    big.credentialSubject.name = Array.from({ length: 5000 }, (_, i) => `n${i}`);
    const started = Date.now();
    const r = await request(t.app).post('/credentials/verify').send({ verifiableCredential: big });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 'body_too_complex' });
    expect(Date.now() - started).toBeLessThan(1000); // refused before canonicalisation (it took 0.8 s at 5,000 values)
    const huge = await request(t.app)
      .post('/credentials/verify')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ verifiableCredential: { pad: 'x'.repeat(70_000) } }));
    expect(huge.status).toBe(413);
    const many = await request(t.app)
      .post('/presentations/verify')
      .send({ verifiablePresentation: { '@context': [V2], type: ['VerifiablePresentation'], verifiableCredential: Array.from({ length: 11 }, () => JSON.parse(c!.vc)) } });
    expect(many.status).toBe(400);
    let deep: unknown = {};
    for (let i = 0; i < 40; i++) deep = { deep };
    expect((await request(t.app).post('/credentials/verify').send({ verifiableCredential: deep })).status).toBe(400);
  });

  test('issue with a null or malformed issuer, status updates with null entries, bad options: 400, never 500', async () => {
    const credential = (issuerValue: unknown) => ({
      '@context': [V2, `${BASE}/credentials/context/v1.jsonld`],
      type: ['VerifiableCredential', 'MerchantCredential'],
      issuer: issuerValue,
      credentialSubject: { id: `${BASE}/` },
    });
    for (const bad of [null, 42, [], ['did:web:shop.example'], { id: null }, {}, 'did:web:someone.else']) {
      const r = await request(t.app)
        .post('/credentials/issue')
        .set('Authorization', `Bearer ${issuer}`)
        .send({ credential: credential(bad) });
      expect({ bad, status: r.status, code: r.body.code }).toEqual({ bad, status: 400, code: 'invalid_credential' });
    }
    for (const bad of [[null], [1], [[]], ['revoked'], null, 'revoked']) {
      const r = await request(t.app)
        .post('/credentials/status')
        .set('Authorization', `Bearer ${issuer}`)
        .send({ credentialId: `${BASE}/credentials/x`, credentialStatus: bad });
      expect({ bad, status: r.status }).toEqual({ bad, status: 400 });
    }
    for (const options of [null, 'x', [], { now: 5 }, { now: 'yesterday' }]) {
      const r = await request(t.app).post('/credentials/verify').send({ verifiableCredential: {}, options });
      expect({ options, status: r.status }).toEqual({ options, status: 400 });
    }
    for (const options of [{ challenge: 7 }, { domain: {} }]) {
      expect((await request(t.app).post('/presentations/verify').send({ verifiablePresentation: {}, options })).status).toBe(400);
    }
  });
});

describe('signed responses', () => {
  test('JSON-LD documents, credentials and identity documents carry a verifying RFC 9421 signature over the exact bytes', async () => {
    for (const path of ['/.well-known/commerce', '/products/p1', '/.well-known/commerce/catalog?limit=1', '/.well-known/did.json', '/credentials/status/1']) {
      const res = await raw(path, 'application/ld+json, application/json;q=0.9, */*;q=0.1');
      expect([path, res.status]).toEqual([path, 200]);
      expect(res.headers['content-digest']).toMatch(/^sha-256=:/);
      const verified = await verifyResponse(res, path, res.body as Buffer);
      expect(verified.components).toEqual(expect.arrayContaining(['@status', 'content-digest', 'content-type', '@method;req', '@authority;req', '@path;req']));
      expect(verified.expires! - verified.created!).toBe(300);
      const changed = Buffer.from(res.body as Buffer);
      changed[10] = changed[10]! ^ 1;
      await expect(verifyResponse(res, path, changed)).rejects.toMatchObject({ code: 'digest_mismatch' });
      await expect(verifyResponse(res, `${path.split('?')[0]}x`, res.body as Buffer)).rejects.toMatchObject({ code: 'signature_invalid' });
    }
  });

  test('a 304 is signed over its ETag', async () => {
    const first = await raw('/products/p1');
    const again = await request(t.app).get('/products/p1').set('If-None-Match', first.headers.etag!);
    expect(again.status).toBe(304);
    const v = await verifyResponse(again, '/products/p1', Buffer.alloc(0));
    expect(v.components).toContain('etag');
  });
});

describe('independent verifiers (no ucpd code on the verifying side)', () => {
  test('jose alone verifies the vc+jwt form with the published JWKS', async () => {
    const [c] = (await t.store.listCredentials({ limit: 1, type: 'ProductCertificationCredential' })).items;
    const jwt = (await raw(c!.id.replace(BASE, ''), 'application/vc+jwt')).body.toString();
    const jwks = (await get('/.well-known/jwks.json')).body.keys as JWK[];
    const { payload, protectedHeader } = await compactVerify(jwt, async (header: { kid?: string }) => importJWK(jwks.find((k) => header.kid!.endsWith(`#${k.kid}`))!, 'EdDSA'));
    expect(protectedHeader).toMatchObject({ typ: 'vc+jwt', alg: 'EdDSA', iss: 'did:web:shop.example' });
    expect(JSON.parse(new TextDecoder().decode(payload)).credentialSubject.id).toBe(`${BASE}/products/p1`);
  });

  test('the W3C libraries alone verify the Data Integrity form from documents fetched over HTTP', async () => {
    const c = (await t.store.listCredentials({ limit: 50, type: 'MerchantCredential' })).items.find((x) => x.subjectKey !== undefined); // the store's own (the VC API issues others)
    const credential = await getVc(c!.id.replace(BASE, ''));
    const docs = new Map<string, unknown>([...credentialsContext.contexts, ...multikeyContext.contexts, ...didContext.contexts]);
    docs.set(`${BASE}/credentials/context/v1.jsonld`, (await get('/credentials/context/v1.jsonld')).body);
    docs.set(`${BASE}/credentials/status/1`, await getVc('/credentials/status/1'));
    const didDoc = (await get('/.well-known/did.json')).body;
    const documentLoader = async (url: string) => {
      if (url.startsWith('did:web:shop.example')) {
        const vm = didDoc.verificationMethod.find((m: Json) => m.id === url);
        return { documentUrl: url, document: vm ? { '@context': 'https://w3id.org/security/multikey/v1', ...vm } : didDoc };
      }
      if (!docs.has(url)) throw new Error(`not offline: ${url}`);
      return { documentUrl: url, document: docs.get(url) };
    };
    const suite = new DataIntegrityProof({ cryptosuite: eddsa });
    const r = await vc.verifyCredential({ credential, suite, documentLoader, checkStatus: (o: object) => checkStatus({ ...(o as { credential: object }), documentLoader, suite }) });
    expect(r.verified).toBe(true);
    expect(r.statusResult?.results?.[0]?.status).toBe(false);
  });
});
