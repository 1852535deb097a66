/**
 * The VC API issuer as the W3C VC Data Model 2.0 suites try it: a credential is signed exactly as given
 * (every field survives, in meaning and in bytes), or refused with a 400 naming the field; never
 * rewritten. One test per normative statement the issuer is responsible for, against the real app.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import jsonld from 'jsonld';
import request from 'supertest';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsa } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as credentialsContext from '@digitalbazaar/credentials-context';
import multikeyContext from '@digitalbazaar/multikey-context';
import didContext from 'did-context';
import { testApp, type TestApp } from '../helpers/app.js';
import { merchant } from '../helpers/records.js';
import { TestClock } from '../helpers/store.js';
import type { Json } from '../helpers/json.js';

const V2 = 'https://www.w3.org/ns/credentials/v2';
const EXAMPLES = 'https://www.w3.org/ns/credentials/examples/v2';
const DID = 'did:web:shop.example';
let t: TestApp;
let token: string;

beforeAll(async () => {
  t = await testApp([merchant()], {}, new TestClock(new Date().toISOString()));
  token = await t.token(['credentials:write']);
});
afterAll(async () => {
  t.app.close();
  await t.close();
});

const issue = (body: unknown) =>
  request(t.app)
    .post('/credentials/issue')
    .set('Authorization', `Bearer ${token}`)
    .send(body as object);
const verify = (credential: unknown) => request(t.app).post('/credentials/verify').send({ verifiableCredential: credential });
const base = (extra: Json = {}): Json => ({ '@context': [V2, EXAMPLES], type: ['VerifiableCredential'], issuer: DID, credentialSubject: { name: 'Alice' }, ...extra });

/** A credential as the suites write one: every optional field of the data model, in the examples context. */
const full = (): Json => ({
  '@context': [V2, EXAMPLES],
  id: 'urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33',
  type: ['VerifiableCredential', 'ExampleDegreeCredential', 'ExampleAlumniCredential'],
  name: [
    { '@value': 'Example University Degree', '@language': 'en' },
    { '@value': 'Diplôme', '@language': 'fr', '@direction': 'ltr' },
  ],
  description: 'A degree, said in every field the data model has',
  issuer: { id: DID, name: 'Test Outfitters', description: { '@value': 'The store itself', '@language': 'en' } },
  validFrom: '2025-01-01T00:00:00Z',
  validUntil: '2035-01-01T00:00:00.5+02:00',
  credentialSubject: [
    { id: 'did:example:ebfeb1f712ebc6f1c276e12ec21', degree: { type: 'ExampleBachelorDegree', name: 'Bachelor of Science and Arts' } },
    { id: 'did:example:c276e12ec21ebfeb1f712ebc6f1', alumniOf: 'Example University' },
  ],
  credentialSchema: [{ id: 'https://example.org/examples/degree.json', type: 'JsonSchema' }],
  credentialStatus: { id: 'https://example.org/status/24#94567', type: 'ExampleStatusListEntry', statusPurpose: 'revocation' },
  evidence: [{ id: 'https://example.edu/evidence/f2aeec97', type: ['Evidence', 'ExampleEvidence'], evidenceDocument: 'DriversLicense' }],
  termsOfUse: { type: 'ExampleTermsOfUse', confidentialityLevel: 'restricted' },
  refreshService: { type: 'ExampleRefreshService', url: 'https://example.edu/refresh/3732' },
  relatedResource: [
    { id: 'https://example.org/logo.png', digestSRI: 'sha384-S57yQDg1MTzF56Oi9DbSQ14u7jBy0RDdx0YbeV7shwhCS88G8SCXeFq82PafhCrW', mediaType: 'image/png' },
    { id: 'https://example.org/terms.txt', digestMultibase: 'uEiBZlVztZpfWHgPyslVv6-UwirFoQoRvW1htfx963sknNA' },
  ],
});

/** An offline loader for the independent checks: the W3C contexts and the store's DID document. */
async function loaderFor(): Promise<(url: string) => Promise<{ documentUrl: string; document: unknown }>> {
  const docs = new Map<string, unknown>([...credentialsContext.contexts, ...multikeyContext.contexts, ...didContext.contexts]);
  docs.set(EXAMPLES, { '@context': { '@vocab': 'https://www.w3.org/ns/credentials/examples#' } });
  const didDoc = (await request(t.app).get('/.well-known/did.json')).body as Json;
  return async (url: string) => {
    if (url.startsWith(DID)) {
      const vm = (didDoc.verificationMethod as Json[]).find((m) => m.id === url);
      return { documentUrl: url, document: vm ? { '@context': 'https://w3id.org/security/multikey/v1', ...vm } : didDoc };
    }
    if (!docs.has(url)) throw new Error(`not offline: ${url}`);
    return { documentUrl: url, document: docs.get(url) };
  };
}

describe('VC Data Model 2.0: the issuer signs what it is given', () => {
  test('a credential typed only VerifiableCredential is issued (§4.5: type MUST include VerifiableCredential; nothing more is required)', async () => {
    const res = await issue({ credential: base() });
    expect(res.status).toBe(201);
    expect(res.body.verifiableCredential.type).toEqual(['VerifiableCredential']);
    expect((await verify(res.body.verifiableCredential)).body.verified).toBe(true);
  });

  test('every field of a suite-style credential survives issuance unchanged, in bytes and in expanded JSON-LD; only the proof is added', async () => {
    const input = full();
    const res = await issue({ credential: input, options: {} });
    expect(res.status).toBe(201);
    const { proof, ...signed } = res.body.verifiableCredential as Json;
    expect(signed).toEqual(input);
    expect(JSON.stringify(Object.keys(signed))).toBe(JSON.stringify(Object.keys(input))); // @context first, order kept
    expect(proof).toMatchObject({ type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', proofPurpose: 'assertionMethod', verificationMethod: expect.stringMatching(/^did:web:shop\.example#/) });
    const documentLoader = await loaderFor();
    expect(await jsonld.expand(signed, { documentLoader, safe: true } as never)).toEqual(await jsonld.expand(input, { documentLoader, safe: true } as never));
    // an independent verifier (no ucpd code) accepts it: several subjects, an issuer object, the examples context
    // (its status entry is the example's own type: the independent verifier is told it holds)
    const r = await vc.verifyCredential({
      credential: res.body.verifiableCredential,
      suite: new DataIntegrityProof({ cryptosuite: eddsa }),
      documentLoader,
      checkStatus: async () => ({ verified: true }),
    });
    expect(r.verified).toBe(true);
    // ucpd verifies it too; the foreign status type is reported, not silently passed
    const mine = await verify(res.body.verifiableCredential);
    expect(mine.body.errors.map((e: Json) => e.code)).not.toContain('invalid_proof');
  });

  test('a revocation entry is added only when options.credentialStatus asks, appended to what the credential brings, and revocable', async () => {
    const plain = (await issue({ credential: base() })).body.verifiableCredential;
    expect(plain.credentialStatus).toBeUndefined();
    const res = await issue({ credential: base({ id: 'urn:uuid:6d8e51a8-0000-4000-8000-000000000001' }), options: { credentialStatus: { type: 'BitstringStatusListEntry' } } });
    expect(res.status).toBe(201);
    const status = res.body.verifiableCredential.credentialStatus as Json;
    expect(status).toMatchObject({ type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListCredential: 'https://shop.example/credentials/status/1' });
    expect((await verify(res.body.verifiableCredential)).body).toMatchObject({ verified: true, revoked: false });
    // the same credential id can be issued again: the store keeps each under an id of its own
    expect((await issue({ credential: base({ id: 'urn:uuid:6d8e51a8-0000-4000-8000-000000000001' }) })).status).toBe(201);
  });

  test('malformed fields are refused with a 400 that names the field (never dropped, never 500)', async () => {
    const cases: [string, Json | unknown][] = [
      ['credential.@context', { ...base(), '@context': 4 }],
      ['credential.@context', { ...base(), '@context': { foo: true } }],
      ['credential.@context[0]', { ...base(), '@context': [EXAMPLES, V2] }],
      ['credential.@context[1]', { ...base(), '@context': [V2, 'https://example.org/no-such-context'] }],
      ['credential.id', base({ id: 'not a url' })],
      ['credential.id', base({ id: ['urn:uuid:1', 'urn:uuid:2'] })],
      ['credential.type', base({ type: 'ExampleCredential' })],
      ['credential.type', base({ type: [] })],
      ['credential.issuer', { '@context': [V2, EXAMPLES], type: ['VerifiableCredential'], credentialSubject: { name: 'x' } }],
      ['credential.issuer', base({ issuer: { name: 'no id' } })],
      ['credential.issuer', base({ issuer: 'did:example:someone-else' })],
      ['credential.issuer.name.extra', base({ issuer: { id: DID, name: { '@value': 'x', extra: 1 } } })],
      ['credential.name', base({ name: 5 })],
      ['credential.description[0].@direction', base({ description: [{ '@value': 'x', '@direction': 'up' }] })],
      ['credential.validFrom', base({ validFrom: '2025-01-01T00:00:00' })],
      ['credential.validUntil', base({ validUntil: 'tomorrow' })],
      ['credential.validUntil', base({ validFrom: '2026-01-01T00:00:00Z', validUntil: '2025-01-01T00:00:00Z' })],
      ['credential.credentialSubject', base({ credentialSubject: [] })],
      ['credential.credentialSubject[1]', base({ credentialSubject: [{ name: 'a' }, {}] })],
      ['credential.credentialSubject.id', base({ credentialSubject: { id: 'relative', name: 'x' } })],
      ['credential.credentialStatus.type', base({ credentialStatus: { id: 'https://example.org/s#1' } })],
      ['credential.credentialStatus.id', base({ credentialStatus: { id: ['https://a.example/1', 'https://b.example/2'], type: 'ExampleStatus' } })],
      ['credential.credentialSchema[0].id', base({ credentialSchema: [{ type: 'JsonSchema' }] })],
      ['credential.evidence[1].type', base({ evidence: [{ type: 'Evidence' }, { id: 'https://example.org/e/2' }] })],
      ['credential.termsOfUse.type', base({ termsOfUse: { id: 'https://example.org/tou' } })],
      ['credential.refreshService.type', base({ refreshService: { url: 'https://example.org/refresh' } })],
      ['credential.relatedResource[0]', base({ relatedResource: [{ id: 'https://example.org/a' }] })],
      ['credential.relatedResource[0].digestSRI', base({ relatedResource: [{ id: 'https://example.org/a', digestSRI: 'md5-xyz' }] })],
      [
        'credential.relatedResource[1].id',
        base({
          relatedResource: [
            { id: 'https://example.org/a', digestMultibase: 'uAA' },
            { id: 'https://example.org/a', digestMultibase: 'uAA' },
          ],
        }),
      ],
      ['credential.credentialSubject.favouriteColour', { ...base(), '@context': [V2], credentialSubject: { favouriteColour: 'teal' } }],
      ['credential.type[1]', { ...base(), '@context': [V2], type: ['VerifiableCredential', 'UndefinedCredential'] }],
    ];
    for (const [field, credential] of cases) {
      const r = await issue({ credential });
      expect({ field, status: r.status, got: r.body.field }).toEqual({ field, status: 400, got: field });
    }
    for (const [field, body] of [
      ['credential', { verifiableCredential: base() }],
      ['options.mandatoryPointers', { credential: base(), options: { mandatoryPointers: ['/issuer'] } }],
      ['options.credentialStatus', { credential: base(), options: { credentialStatus: { type: 'StatusList2021Entry' } } }],
      ['options', { credential: base(), options: [] }],
    ] as const) {
      const r = await issue(body);
      expect({ field, status: r.status, got: r.body.field }).toEqual({ field, status: 400, got: field });
    }
  });
});

/** A holder or issuer with its own did:key, signing with the bare W3C libraries (no ucpd code). */
async function didKeySigner() {
  const pair = await Ed25519Multikey.generate();
  const did = `did:key:${pair.publicKeyMultibase}`;
  pair.id = `${did}#${pair.publicKeyMultibase}`;
  pair.controller = did;
  const suite = new DataIntegrityProof({ signer: pair.signer(), cryptosuite: eddsa });
  const docs = new Map<string, unknown>([...credentialsContext.contexts, ...multikeyContext.contexts, ...didContext.contexts]);
  docs.set(EXAMPLES, { '@context': { '@vocab': 'https://www.w3.org/ns/credentials/examples#' } });
  const vm = { '@context': 'https://w3id.org/security/multikey/v1', ...(await pair.export({ publicKey: true })) };
  const didDoc = { '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'], id: did, verificationMethod: [vm], assertionMethod: [pair.id], authentication: [pair.id] };
  const documentLoader = async (url: string) => {
    if (url === pair.id) return { documentUrl: url, document: vm };
    if (url === did) return { documentUrl: url, document: didDoc };
    if (!docs.has(url)) throw new Error(`not offline: ${url}`);
    return { documentUrl: url, document: docs.get(url) };
  };
  return { did, suite, documentLoader };
}

describe('did:key: what others sign verifies offline', () => {
  test('a credential issued by a bare @digitalbazaar/vc issuer with did:key verifies in ucpd; tampered, it does not', async () => {
    const s = await didKeySigner();
    const credential = {
      '@context': [V2, EXAMPLES],
      type: ['VerifiableCredential', 'ExampleCredential'],
      issuer: s.did,
      validFrom: '2025-01-01T00:00:00Z',
      credentialSubject: [{ id: 'did:example:a', name: 'A' }, { name: 'B' }],
    };
    const signed = await vc.issue({ credential, suite: s.suite, documentLoader: s.documentLoader });
    const ok = await verify(signed);
    expect(ok.body).toMatchObject({ verified: true, errors: [] });
    const tampered = await verify({ ...signed, credentialSubject: [{ id: 'did:example:a', name: 'Mallory' }, { name: 'B' }] });
    expect(tampered.body.verified).toBe(false);
    expect(tampered.body.errors[0].code).toBe('invalid_proof');
    // a verification method that is not a did:key of this form resolves to nothing: not verified, never a 500
    const bad = await verify({ ...signed, proof: { ...(signed.proof as Json), verificationMethod: 'did:key:@invalidVm@' } });
    expect([bad.status < 500, bad.body.verified]).toEqual([true, false]);
  });

  test("a presentation signed by its holder's did:key verifies with its challenge; another challenge fails", async () => {
    const issuer = await didKeySigner();
    const holder = await didKeySigner();
    const credential = await vc.issue({
      credential: { '@context': [V2, EXAMPLES], type: ['VerifiableCredential'], issuer: issuer.did, credentialSubject: { id: holder.did, name: 'Holder' } },
      suite: issuer.suite,
      documentLoader: issuer.documentLoader,
    });
    const presentation = vc.createPresentation({ verifiableCredential: [credential], holder: holder.did });
    const loader = async (url: string) => {
      try {
        return await holder.documentLoader(url);
      } catch {
        return issuer.documentLoader(url);
      }
    };
    const vp = await vc.signPresentation({ presentation, suite: holder.suite, challenge: 'c-123', documentLoader: loader });
    const ok = await request(t.app)
      .post('/presentations/verify')
      .send({ verifiablePresentation: vp, options: { challenge: 'c-123' } });
    expect(ok.body).toMatchObject({ verified: true });
    const wrong = await request(t.app)
      .post('/presentations/verify')
      .send({ verifiablePresentation: vp, options: { challenge: 'other' } });
    expect(wrong.body.verified).toBe(false);
  });
});

describe('proof sets', () => {
  test('a credential with two proofs verifies only when both do (Data Integrity: every proof in a set)', async () => {
    const res = await issue({ credential: base({ id: 'urn:uuid:0e0e0e0e-0000-4000-8000-000000000002' }) });
    const once = res.body.verifiableCredential as Json;
    // a second proof by ucpd over the same credential: a proof set of two good proofs
    const twice = (await issue({ credential: once })).body.verifiableCredential as Json;
    expect(Array.isArray(twice.proof)).toBe(true);
    expect((twice.proof as Json[]).length).toBe(2);
    expect((await verify(twice)).body).toMatchObject({ verified: true, errors: [] });
    const [good, second] = twice.proof as Json[];
    const broken = { ...twice, proof: [good, { ...second, proofValue: `${String(second!.proofValue).slice(0, -4)}AAAA` }] };
    const r = await verify(broken);
    expect(r.status).toBe(400);
    expect(r.body.verified).toBe(false);
    expect(r.body.errors[0].message).toMatch(/^proof\[1\]/);
  });
});

describe('presentations without a challenge asked for', () => {
  test("the proof's own challenge is used: the signature is still checked, and the answer warns that no challenge was", async () => {
    const { did, suite, documentLoader } = await didKeySigner();
    const own = (await issue({ credential: base() })).body.verifiableCredential;
    const vp = await vc.signPresentation({ presentation: vc.createPresentation({ verifiableCredential: [own], holder: did }), suite, challenge: 'their-own', documentLoader });
    const ok = await request(t.app).post('/presentations/verify').send({ verifiablePresentation: vp, options: {} });
    expect(ok.status).toBe(200);
    expect(ok.body.warnings).toContainEqual(expect.objectContaining({ code: 'challenge_not_checked' }));
    const forged = await request(t.app)
      .post('/presentations/verify')
      .send({ verifiablePresentation: { ...vp, holder: 'did:example:mallory' }, options: {} });
    expect(forged.body.verified).toBe(false);
  });
});
