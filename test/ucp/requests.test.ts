/**
 * UCP requests over REST as they arrive: signed, unsigned and tampered (RFC 9421), and malformed input,
 * which gets a clear error in the protocol's shape and never a 500.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { verifyMessage } from '../../src/trust/http-signatures.js';
import type { Json } from '../helpers/json.js';
import { type AgentKey, agentKey, platformProfile, ucpHeaders } from '../helpers/ucp.js';
import { demoApp, type Env, PINNED, ucpDemoSuite } from '../helpers/ucp-demo.js';

const suite = ucpDemoSuite();
const post = suite.post;
const now = suite.now;
let env: Env;
let key: AgentKey;
beforeAll(() => {
  ({ env, key } = suite.current());
});

describe('request signatures', () => {
  const body = JSON.stringify({ query: 'tent' });
  const p = '/ucp/v1/catalog/search';
  const send = (headers: Record<string, string>, text = body) => request(env.app).post(p).set(headers).send(text);

  test('a valid signature is accepted', async () => {
    expect((await send(ucpHeaders(PINNED, body, 'POST', p, { key, created: now() }))).status).toBe(200);
  });

  test('signed with the authority the client addressed (not the public one) is accepted too', async () => {
    const res = await request(env.app)
      .post(p)
      .set({ ...ucpHeaders(PINNED, body, 'POST', p, { key, created: now(), authority: 'ucpd.internal:8443' }), host: 'ucpd.internal:8443' })
      .send(body);
    expect(res.status).toBe(200);
  });

  test('X-Forwarded-Host counts as the addressed authority only when the proxy is trusted', async () => {
    const h = { ...ucpHeaders(PINNED, body, 'POST', p, { key, created: now(), authority: 'alias.example' }), 'x-forwarded-host': 'alias.example' };
    expect((await send(h)).status).toBe(401);
    const proxied = await demoApp({ UCPD_TRUST_PROXY: 'true' }, [[PINNED, platformProfile({ keys: [key] })]]);
    try {
      const created = Math.floor(proxied.clock.now().getTime() / 1000);
      const res = await request(proxied.app)
        .post(p)
        .set({ ...ucpHeaders(PINNED, body, 'POST', p, { key, created, authority: 'alias.example' }), 'x-forwarded-host': 'alias.example' })
        .send(body);
      expect(res.status).toBe(200);
    } finally {
      proxied.app.close();
      await proxied.close();
    }
  });

  test('tampered body: 400 digest_mismatch', async () => {
    const res = await send(ucpHeaders(PINNED, body, 'POST', p, { key, created: now() }), JSON.stringify({ query: 'stove' }));
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('digest_mismatch');
  });

  test('tampered body with a recomputed digest: 401 signature_invalid', async () => {
    const h = ucpHeaders(PINNED, body, 'POST', p, { key, created: now() });
    const other = JSON.stringify({ query: 'stove' });
    const res = await send({ ...h, 'content-digest': ucpHeaders(PINNED, other, 'POST', p, { key })['content-digest']! }, other);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('signature_invalid');
  });

  test('signed for another path: 401 signature_invalid', async () => {
    const res = await send(ucpHeaders(PINNED, body, 'POST', '/ucp/v1/catalog/lookup', { key, created: now() }));
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('signature_invalid');
  });

  test('unknown key id: 401 key_not_found', async () => {
    const res = await send(ucpHeaders(PINNED, body, 'POST', p, { key: agentKey(), created: now() }));
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('key_not_found');
  });

  test('created too long ago, or expired: 401 signature_invalid', async () => {
    for (const sign of [{ created: now() - 3600 }, { created: now() - 100, expires: now() - 90 }]) {
      const res = await send(ucpHeaders(PINNED, body, 'POST', p, { key, ...sign }));
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('signature_invalid');
    }
  });

  test('a nonce is accepted once (replay): 401 signature_invalid', async () => {
    const h = ucpHeaders(PINNED, body, 'POST', p, { key, created: now(), nonce: 'n-1234' });
    expect((await send(h)).status).toBe(200);
    const replay = await send(h);
    expect(replay.status).toBe(401);
    expect(replay.body.content).toMatch(/replay/);
  });

  test('a signature that does not cover the body digest: 401 signature_invalid', async () => {
    const res = await send(ucpHeaders(PINNED, body, 'POST', p, { key, created: now(), components: ['@method', '@authority', '@path'] }));
    expect(res.status).toBe(401);
    expect(res.body.content).toMatch(/content-digest/);
  });

  test('an algorithm other than ES256: 400 algorithm_unsupported', async () => {
    const h = ucpHeaders(PINNED, body, 'POST', p, { key, created: now() });
    const res = await send({ ...h, 'signature-input': h['signature-input']!.replace(';keyid=', ';alg="rsa-pss-sha512";keyid=') });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('algorithm_unsupported');
  });

  test('unsigned requests pass unless signatures are required; then 401 signature_missing', async () => {
    expect((await send(ucpHeaders(PINNED, body, 'POST', p))).status).toBe(200);
    const strict = await demoApp({ UCPD_UCP_REQUIRE_SIGNATURES: 'true' }, [[PINNED, platformProfile({ keys: [key] })]]);
    try {
      const unsigned = await request(strict.app)
        .post(p)
        .set(ucpHeaders(PINNED, body, 'POST', p))
        .send(body);
      expect(unsigned.status).toBe(401);
      expect(unsigned.body.code).toBe('signature_missing');
      const created = Math.floor(strict.clock.now().getTime() / 1000);
      expect(
        (
          await request(strict.app)
            .post(p)
            .set(ucpHeaders(PINNED, body, 'POST', p, { key, created }))
            .send(body)
        ).status,
      ).toBe(200);
    } finally {
      strict.app.close();
      await strict.close();
    }
  });

  test('responses are signed with a key from /.well-known/ucp, over the exact bytes, and echo Request-Id', async () => {
    const h = ucpHeaders(PINNED, body, 'POST', p, { key, created: now() });
    const res = await send({ ...h, 'idempotency-key': '7f1c2f3e-0000-4000-8000-000000000001' });
    expect(res.headers['request-id']).toBe(h['request-id']);
    const profile = (await request(env.app).get('/.well-known/ucp')).body as Json;
    const verified = await verifyMessage(
      {
        status: 200,
        headers: { 'content-digest': res.headers['content-digest'], 'content-type': res.headers['content-type'], 'signature-input': res.headers['signature-input'], signature: res.headers.signature },
      },
      { keyFor: (kid) => profile.keys.find((k: Json) => k.kid === kid), body: Buffer.from(res.text), required: ['@status', 'content-digest'], now: now() },
      { method: 'POST', authority: 'shop.example', path: p, headers: {} },
    );
    expect(verified.keyid).toBe(profile.keys[0].kid);
  });
});

describe('malformed requests get clear errors in the protocol shape, never 500', () => {
  test.each([
    ['not JSON', '{"query": "tent"', 400, 'invalid_request'],
    ['not UTF-8', Buffer.from([0x7b, 0xff, 0x7d]).toString('latin1'), 400, 'invalid_request'],
    ['wrong type', '{"query": 42}', 400, 'invalid_request'],
    ['wrong nested type', '{"query": "tent", "pagination": {"limit": "ten"}}', 400, 'invalid_request'],
    ['a JSON array', '[1, 2]', 400, 'invalid_request'],
    ['empty request', '{}', 400, 'invalid_request'],
    ['empty body', '', 400, 'invalid_request'],
    ['a cursor this server did not issue', '{"query": "tent", "pagination": {"cursor": "bm9wZQ"}}', 400, 'invalid_request'],
  ])('%s', async (_what, raw, status, code) => {
    const res = await post('/catalog/search', undefined, { raw, sign: false });
    expect(res.status).toBe(status);
    expect(res.body.code).toBe(code);
    expect(typeof res.body.content).toBe('string');
  });

  test('amounts beyond any price (found by the fuzz suite): the search answers, with the range it read', async () => {
    const filtered = await post('/catalog/search', { query: 'tent', filters: { price: { min: 1e308, max: 88672 } } }, { sign: false });
    expect(filtered.status).toBe(200);
    expect(filtered.body.messages).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'price_filter_empty', content: expect.stringMatching(/90071992547409\.91 USD to 886\.72 USD/) })]));
    for (const query of ['tent under $99999999999999999999999', 'boots between $1e300 and $1e301', 'jacket over 1e400 USD']) {
      expect((await post('/catalog/search', { query }, { sign: false })).status).toBe(200);
    }
  });

  test('a body nested past 64 levels, or more than 50 categories: 400, never 500 (found by the red team)', async () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 3000; i++) deep = [deep];
    const nested = await post('/catalog/search', undefined, { raw: JSON.stringify({ query: 'tent', context: { x: deep } }), sign: false });
    expect(nested.status).toBe(400);
    expect(nested.body).toMatchObject({ code: 'invalid_request', content: expect.stringMatching(/nesting deeper than 64/) });
    const categories = await post('/catalog/search', { query: 'jacket', filters: { categories: Array.from({ length: 999 }, (_, i) => `c${i}`) } }, { sign: false });
    expect(categories.status).toBe(400);
    expect(categories.body.path).toBe('$.filters.categories');
    expect((await post('/catalog/search', { query: 'jacket', filters: { categories: Array.from({ length: 50 }, (_, i) => `c${i}`) } }, { sign: false })).status).toBe(200);
  });

  test('body over the limit: 413 payload_too_large', async () => {
    const raw = JSON.stringify({ query: 'x'.repeat(2 * 1024 * 1024) });
    const res = await post('/catalog/search', undefined, { raw, sign: false });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('payload_too_large');
  });

  test('wrong content type: 415; wrong method: 405 with Allow; unknown operation: 404', async () => {
    const ct = await post('/catalog/search', undefined, { raw: 'query=tent', sign: false, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(ct.status).toBe(415);
    expect(ct.body.code).toBe('unsupported_media_type');
    const get = await request(env.app)
      .get('/ucp/v1/catalog/search')
      .set(ucpHeaders(PINNED, undefined, 'GET', '/ucp/v1/catalog/search'));
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    const unknown = await post('/catalog/browse', { query: 'x' }, { sign: false });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('not_found');
  });
});
