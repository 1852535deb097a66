/** Credentials: issue and verify every type, tamper, revoke, rotate keys, follow catalog changes. */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { statSync } from 'node:fs';
import path from 'node:path';
import { importFeed } from '../../src/feed/pipeline.js';
import { silentLogger } from '../../src/logger.js';
import { Urls } from '../../src/publish/urls.js';
import { CREDENTIAL_TYPES } from '../../src/trust/claims.js';
import { openTrust, type Trust } from '../../src/trust/trust.js';
import { location, merchant, product, review } from '../helpers/records.js';
import { linesSource, tempStore, TestClock, type TestStore } from '../helpers/store.js';

const BASE = 'https://shop.example';
const certified = (id: string) =>
  product(id, { certifications: [{ name: 'bluesign® PRODUCT', certifier: 'bluesign technologies ag', identifier: `BS-${id}`, valid_from: '2025-01-01', valid_until: '2030-12-31' }] });
const feed = () => [
  merchant({ vat_id: 'DE312345678', support: { email: 'help@shop.example' } }),
  location('wh'),
  { type: 'return_policy', id: 'std', default: true, countries: ['US'], category: 'finite', window_days: 30, fees: 'free', methods: ['mail'] },
  certified('p1'),
  product('p2'),
  review('r1', 'p1', 5, { verified_purchase: true }),
  review('r2', 'p1', 3, { verified_purchase: false }),
];

let t: TestStore;
let trust: Trust;
const load = async (records: object[]) => {
  const r = await importFeed(t.store, linesSource(records), { clock: t.clock });
  expect(r.errors).toEqual([]);
};

beforeEach(async () => {
  // The status list library checks validity against the real time, so this clock starts at the real time.
  t = tempStore(new TestClock(new Date().toISOString()));
  trust = await openTrust({ store: t.store, dataDir: t.dir, urls: new Urls(BASE), clock: t.clock, logger: silentLogger });
  await load(feed());
});
afterEach(async () => t.close());

const active = async (type?: string) => (await t.store.listCredentials({ limit: 100, ...(type ? { type } : {}) })).items;

describe('keys', () => {
  test('private keys are 0600 files in a 0700 directory; JWKS and DID document are public-only', async () => {
    const dir = path.join(t.dir, 'keys');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const k of trust.keys.list()) expect(statSync(path.join(dir, `${k.kind}-${k.kid}.jwk.json`)).mode & 0o777).toBe(0o600);
    const jwks = trust.jwks();
    expect(jwks.keys.map((k) => (k as { kty: string }).kty).sort()).toEqual(['EC', 'OKP']);
    for (const k of jwks.keys) expect(k).not.toHaveProperty('d');
    const did = await trust.didDocument();
    expect(did.id).toBe('did:web:shop.example');
    expect(JSON.stringify(did)).not.toMatch(/"d"|secret/i);
    expect(did.assertionMethod).toContain(`did:web:shop.example#${trust.keys.active('ed25519').kid}`);
  });
});

describe('credentials follow the catalog', () => {
  test('one credential of each type, about the catalog @ids, each verifying as Data Integrity and vc+jwt', async () => {
    const report = await trust.sync.run();
    expect(report).toEqual({ issued: 4, revoked: 0, unchanged: 0, full: true });
    const byType = Object.fromEntries(await Promise.all(CREDENTIAL_TYPES.map(async (type) => [type, await active(type)])));
    expect(byType.MerchantCredential.map((c: { subjectId: string }) => c.subjectId)).toEqual([`${BASE}/.well-known/commerce#store`]);
    expect(byType.ReturnPolicyCredential.map((c: { subjectId: string }) => c.subjectId)).toEqual([`${BASE}/.well-known/commerce#return-policy-std`]);
    expect(byType.ProductCertificationCredential.map((c: { subjectId: string }) => c.subjectId)).toEqual([`${BASE}/products/p1`]);
    expect(byType.VerifiedReviewCredential.map((c: { subjectId: string }) => c.subjectId)).toEqual([`${BASE}/products/p1#review-r1`]); // r2 is not a verified purchase
    for (const c of await active()) {
      const vc = JSON.parse(c.vc);
      expect(vc).toMatchObject({
        issuer: trust.did,
        type: ['VerifiableCredential', c.type],
        credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'revocation' },
        proof: { cryptosuite: 'eddsa-rdfc-2022' },
      });
      expect(await trust.credentials.verify(vc)).toMatchObject({ verified: true, checks: ['proof', 'validity', 'status'], revoked: false });
      expect(await trust.credentials.verify(c.jwt)).toMatchObject({ verified: true, format: 'vc+jwt' });
    }
    const reviewVc = JSON.parse(byType.VerifiedReviewCredential[0].vc);
    expect(reviewVc.credentialSubject).toEqual({
      id: `${BASE}/products/p1#review-r1`,
      type: 'Review',
      itemReviewed: `${BASE}/products/p1`,
      reviewRating: { type: 'Rating', ratingValue: 5, bestRating: 5, worstRating: 1 },
      datePublished: '2026-10-01',
      verifiedPurchase: true,
    });
    expect(JSON.stringify(reviewVc)).not.toContain('Sam P.'); // no personal data of the reviewer
    expect(await trust.sync.run()).toMatchObject({ issued: 0, revoked: 0 });
  });

  test('a tampered field is not verified, in either form', async () => {
    await trust.sync.run();
    const [c] = await active('MerchantCredential');
    const vc = JSON.parse(c!.vc);
    vc.credentialSubject.legalName = 'Someone Else Ltd';
    expect(await trust.credentials.verify(vc)).toMatchObject({ verified: false, errors: [{ code: 'invalid_proof' }] });
    const [h, p, s] = c!.jwt.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    payload.credentialSubject.vatID = 'XX';
    expect(await trust.credentials.verify(`${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`)).toMatchObject({ verified: false, errors: [{ code: 'invalid_proof' }] });
  });

  test('revoked: the status bit is set and verification says so', async () => {
    await trust.sync.run();
    const [c] = await active('ProductCertificationCredential');
    await trust.credentials.revoke(c!.id);
    for (const form of [JSON.parse(c!.vc), c!.jwt]) {
      const r = await trust.credentials.verify(form);
      expect(r).toMatchObject({ verified: false, revoked: true, errors: [{ code: 'revoked' }] });
    }
    const list = (await trust.credentials.statusListCredential())!;
    expect(list).toMatchObject({ type: ['VerifiableCredential', 'BitstringStatusListCredential'], credentialSubject: { statusPurpose: 'revocation' } });
    expect(await trust.credentials.verify(list)).toMatchObject({ verified: true });
  });

  test('data changes: the old credential is revoked and a new one issued; removed things lose theirs', async () => {
    await trust.sync.run();
    const [oldPolicy] = await active('ReturnPolicyCredential');
    t.clock.advance(1000);
    await load([{ type: 'return_policy', id: 'std', default: true, countries: ['US'], category: 'finite', window_days: 45, fees: 'free', methods: ['mail'] }]);
    await load([{ type: 'delete', product_id: 'p1' }]);
    expect(await trust.sync.run()).toMatchObject({ issued: 1, revoked: 3, full: false });
    expect(await trust.credentials.verify(JSON.parse(oldPolicy!.vc))).toMatchObject({ verified: false, revoked: true });
    const [newPolicy] = await active('ReturnPolicyCredential');
    expect(JSON.parse(newPolicy!.vc).credentialSubject.merchantReturnDays).toBe(45);
    expect(await active('ProductCertificationCredential')).toEqual([]);
    expect(await active('VerifiedReviewCredential')).toEqual([]);
  });

  test('key rotation: old credentials still verify, new ones use the new key; re-issue moves everything', async () => {
    await trust.sync.run();
    const [before] = await active('MerchantCredential');
    const oldKid = trust.keys.active('ed25519').kid;
    await trust.keys.rotate(t.clock.now(), ['ed25519']);
    const newKid = trust.keys.active('ed25519').kid;
    expect(newKid).not.toBe(oldKid);
    expect((await trust.didDocument()).assertionMethod).toEqual(expect.arrayContaining([`${trust.did}#${oldKid}`, `${trust.did}#${newKid}`]));
    expect(await trust.credentials.verify(JSON.parse(before!.vc))).toMatchObject({ verified: true });
    expect(await trust.credentials.verify(before!.jwt)).toMatchObject({ verified: true });
    expect(await trust.refreshKeys()).toEqual([]); // still needed by live credentials

    t.clock.advance(1000);
    await load([product('p3', { certifications: [{ name: 'Fair Trade', certifier: 'Fair Trade USA' }] })]);
    await trust.sync.run();
    const [fresh] = await active('ProductCertificationCredential').then((cs) => cs.filter((c) => c.subjectId.endsWith('/p3')));
    expect(JSON.parse(fresh!.vc).proof.verificationMethod).toBe(`${trust.did}#${newKid}`);

    const report = await trust.sync.run({ rekey: true });
    expect(report.issued).toBe(4); // merchant, policy, p1's certification and verified review; p3 already has the new key
    for (const c of await active()) expect(c.keyId).toBe(newKid);
    expect(await trust.credentials.verify(JSON.parse(before!.vc))).toMatchObject({ verified: false, revoked: true });
    expect(await trust.refreshKeys()).toEqual([oldKid]); // nothing live was signed with it any more
    expect((await trust.didDocument()).verificationMethod.map((m) => m.id)).not.toContain(`${trust.did}#${oldKid}`);
  });

  test('expiry, not-yet-valid, and credentials from anyone else fail closed', async () => {
    await trust.sync.run();
    const [c] = await active('MerchantCredential');
    const vc = JSON.parse(c!.vc);
    expect(await trust.credentials.verify(vc, { now: new Date(Date.parse(vc.validUntil) + 86_400_000) })).toMatchObject({ verified: false, errors: [expect.objectContaining({ code: 'expired' })] });
    expect((await trust.credentials.verify(c!.jwt, { now: new Date(Date.parse(vc.validFrom) - 86_400_000) })).errors[0]!.code).toBe('not_yet_valid');
    const foreign = { ...vc, issuer: 'did:web:other.example', proof: { ...vc.proof, verificationMethod: 'did:web:other.example#k' } };
    expect(await trust.credentials.verify(foreign)).toMatchObject({ verified: false, errors: [expect.objectContaining({ code: 'unresolvable' })] });
    expect(await trust.credentials.verify({ not: 'a credential' })).toMatchObject({ verified: false, errors: [{ code: 'proof_missing' }] });
    expect(await trust.credentials.verify(42)).toMatchObject({ verified: false, errors: [{ code: 'malformed_credential' }] });
    expect(await trust.credentials.verify('a.b.c')).toMatchObject({ verified: false });
  });
});
