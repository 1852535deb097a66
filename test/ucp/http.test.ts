/**
 * UCP over REST against the demo catalog: discovery, the negotiation matrix, approved platforms and the
 * discovery budget. Every UCP response body is validated against the official 2026-04-08 schemas.
 * (Signed and malformed requests: requests.test.ts; catalog operations: catalog-ops.test.ts.)
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { verifyMessage } from '../../src/trust/http-signatures.js';
import type { Json } from '../helpers/json.js';
import {
  BUSINESS_PROFILE,
  CURRENT,
  CURRENT_PROFILE,
  ERROR_RESPONSE,
  INVENTORY,
  SEARCH_RESPONSE,
  expectInventoryValid,
  expectValid,
  platformProfile,
  profileServer,
  type ProfileServer,
  ucpHeaders,
} from '../helpers/ucp.js';
import { demoApp, type Env, PINNED, PINNED_NO_CATALOG, PINNED_NO_INVENTORY, PINNED_CURRENT, ucpDemoSuite } from '../helpers/ucp-demo.js';

const suite = ucpDemoSuite();
const post = suite.post;
const now = suite.now;
let env: Env;
let profiles: ProfileServer;
beforeAll(() => {
  ({ env, profiles } = suite.current());
});

describe('discovery', () => {
  test('/.well-known/ucp: a valid business profile with the REST and MCP endpoints, capabilities and the P-256 signing keys', async () => {
    const res = await request(env.app).get('/.well-known/ucp');
    expect(res.status).toBe(200);
    expectValid(CURRENT_PROFILE, res.body, CURRENT);
    expect(res.body.ucp.version).toBe('2026-08-25');
    expect(res.body.ucp.services['dev.ucp.shopping']).toEqual([
      expect.objectContaining({ transport: 'rest', endpoint: 'https://shop.example/ucp/v1' }),
      expect.objectContaining({ transport: 'mcp', endpoint: 'https://shop.example/ucp/mcp', schema: 'https://ucp.dev/2026-08-25/services/shopping/mcp.openrpc.json' }),
    ]);
    expect(Object.keys(res.body.ucp.capabilities).sort()).toEqual(
      [
        'dev.ucp.shopping.buyer_consent',
        'dev.ucp.shopping.cart',
        'dev.ucp.shopping.catalog.lookup',
        'dev.ucp.shopping.catalog.search',
        'dev.ucp.shopping.checkout',
        'dev.ucp.shopping.discount',
        'dev.ucp.shopping.fulfillment',
        'dev.ucp.shopping.order',
        'dev.ucp.shopping.permalink',
        INVENTORY,
      ].sort(),
    );
    // the demo store offers the test payment handler (UCPD_UCP_TEST_PAYMENTS defaults to on with the demo)
    expect(res.body.ucp.payment_handlers['dev.ucpd.payments.test'][0].id).toBe('mock_payment_handler');
    const p256 = env.trust.keys
      .published()
      .filter((k) => k.kind === 'p256')
      .map((k) => k.kid);
    // 2026-08-25 publishes them as a JWK Set in `keys`; the 2026-04-08 leaf profile in `signing_keys`
    expect(res.body.keys.map((k: Json) => k.kid)).toEqual(p256);
    expect(res.body.signing_keys).toBeUndefined();
    expect(res.body.ucp.supported_versions).toEqual({ '2026-04-08': 'https://shop.example/.well-known/ucp/2026-04-08' });
  });

  test('cacheable (public, max-age >= 60), validators, no redirect; signed like every agent-facing response', async () => {
    const res = await request(env.app).get('/.well-known/ucp');
    const cc = res.headers['cache-control'] as string;
    expect(cc).toMatch(/\bpublic\b/);
    expect(Number(/max-age=(\d+)/.exec(cc)![1])).toBeGreaterThanOrEqual(60);
    expect(cc).not.toMatch(/private|no-store|no-cache/);
    const again = await request(env.app)
      .get('/.well-known/ucp')
      .set('If-None-Match', res.headers.etag as string);
    expect(again.status).toBe(304);
    const jwk = env.trust.keys.active('p256').publicJwk;
    await verifyMessage(
      {
        status: 200,
        headers: { 'content-digest': res.headers['content-digest'], 'content-type': res.headers['content-type'], 'signature-input': res.headers['signature-input'], signature: res.headers.signature },
      },
      { keyFor: () => jwk, body: Buffer.from(res.text), now: now() },
      { method: 'GET', authority: 'shop.example', path: '/.well-known/ucp', headers: {} },
    );
  });

  test('the leaf profile of a supported older version has no supported_versions; unknown versions are 404', async () => {
    const res = await request(env.app).get('/.well-known/ucp/2026-04-08');
    expect(res.status).toBe(200);
    expectValid(BUSINESS_PROFILE, res.body);
    expect(res.body.ucp.version).toBe('2026-04-08');
    expect(res.body.keys).toBeUndefined();
    expect(res.body.signing_keys.length).toBeGreaterThan(0);
    // a release's profile advertises its own version for every dev.ucp.* entry
    for (const [name, entries] of Object.entries(res.body.ucp.capabilities as Record<string, Json[]>)) if (name.startsWith('dev.ucp.')) expect(entries.map((e) => e.version)).toEqual(['2026-04-08']);
    expect(res.body.ucp.supported_versions).toBeUndefined();
    expect((await request(env.app).get('/.well-known/ucp/2020-01-01')).status).toBe(404);
  });

  test('the JSON-LD store document links to the UCP profile', async () => {
    const res = await request(env.app).get('/.well-known/commerce');
    expect(res.body.ucpProfile).toBe('https://shop.example/.well-known/ucp');
  });
});

describe('negotiation matrix', () => {
  const search = { query: 'tent' };

  test('the current version: 200 with the negotiated envelope (search + the inventory extension), valid against its schemas', async () => {
    const res = await post('/catalog/search', search, { profile: PINNED_CURRENT });
    expect(res.status).toBe(200);
    expectValid(SEARCH_RESPONSE, res.body, CURRENT);
    expectValid('shopping/fulfillment.json#/$defs/fulfillment_search_response', res.body, CURRENT);
    expect(res.body.ucp).toEqual({
      version: '2026-08-25',
      capabilities: { 'dev.ucp.shopping.catalog.search': [{ version: '2026-08-25' }], 'dev.ucp.shopping.fulfillment': [{ version: '2026-08-25' }], [INVENTORY]: [{ version: '2026-04-08' }] },
    });
    expect(expectInventoryValid(res.body.products)).toBeGreaterThan(0);
  });

  test('a platform that did not negotiate the extension gets no inventory field', async () => {
    const res = await post('/catalog/search', search, { profile: PINNED_NO_INVENTORY, sign: false });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.ucp.capabilities)).toEqual(['dev.ucp.shopping.catalog.search']);
    expect(res.body.products.every((p: Json) => p.variants.every((v: Json) => v.inventory === undefined))).toBe(true);
  });

  test("supported older version: 200, the envelope carries the platform's version", async () => {
    const res = await post('/catalog/search', search);
    expect(res.status).toBe(200);
    expectValid(SEARCH_RESPONSE, res.body);
    expect(res.body.ucp).toEqual({ version: '2026-04-08', capabilities: { 'dev.ucp.shopping.catalog.search': [{ version: '2026-04-08' }], [INVENTORY]: [{ version: '2026-04-08' }] } });
  });

  test('unsupported version: 422 version_unsupported', async () => {
    profiles.set('/future.json', platformProfile({ version: '2027-06-01' }));
    const res = await post('/catalog/search', search, { profile: profiles.url('/future.json'), sign: false });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'version_unsupported', continue_url: 'https://shop.example/' });
    expect(res.body.content).toMatch(/2027-06-01/);
  });

  test('missing UCP-Agent: 400 invalid_profile_url', async () => {
    const res = await request(env.app).post('/ucp/v1/catalog/search').set('content-type', 'application/json').send(search);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_profile_url');
  });

  test('unreachable profile: 424 profile_unreachable', async () => {
    const res = await post('/catalog/search', search, { profile: profiles.url('/missing.json'), sign: false });
    expect(res.status).toBe(424);
    expect(res.body.code).toBe('profile_unreachable');
    const closed = await post('/catalog/search', search, { profile: 'http://127.0.0.1:9/p.json', sign: false, headers: {} });
    expect([400, 424]).toContain(closed.status); // port 9 is not allowlisted: refused before any connection
  });

  test.each([
    ['private IPv4', 'https://10.1.2.3/profile.json'],
    ['loopback', 'https://127.0.0.1/profile.json'],
    ['link-local metadata', 'https://169.254.169.254/latest/meta-data'],
    ['IPv6 loopback', 'https://[::1]/profile.json'],
    ['decimal IPv4 loopback', 'https://2130706433/profile.json'],
    ['plain http', 'http://agent.example/profile.json'],
    ['credentials', 'https://user:pw@agent.example/profile.json'],
    ['not a URL', 'not a url'],
    ['6to4 form of 127.0.0.1', 'https://[2002:7f00:1::]/profile.json'],
    ['6to4 form of 10.0.0.1', 'https://[2002:a00:1::1]/profile.json'],
    ['Teredo with client 127.0.0.1', 'https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/profile.json'],
    ['NAT64 form of 169.254.169.254', 'https://[64:ff9b::a9fe:a9fe]/latest/meta-data'],
  ])('%s profile URL: 400 invalid_profile_url, nothing fetched', async (_what, url) => {
    const res = await post('/catalog/search', search, { profile: url, sign: false });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_profile_url');
  });

  test('malformed profile (schema) and non-JSON profile: 422 profile_malformed', async () => {
    profiles.set('/bad-shape.json', { ucp: { version: '2026-04-08', services: 'nope' } });
    profiles.set('/not-json.json', '<html>hello</html>');
    for (const p of ['/bad-shape.json', '/not-json.json']) {
      const res = await post('/catalog/search', search, { profile: profiles.url(p), sign: false });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('profile_malformed');
    }
  });

  test('whatever goes wrong while fetching, the answer says one thing (no scanning through ucpd)', async () => {
    profiles.set('/server-error.json', { oops: true }, { status: 500 });
    profiles.set('/moved.json', '', { status: 302, headers: { location: 'https://elsewhere.example/' } });
    profiles.set('/huge.json', JSON.stringify({ pad: 'x'.repeat(300 * 1024) }));
    const texts = new Set<string>();
    for (const p of ['/nothing-here.json', '/server-error.json', '/moved.json', '/huge.json']) {
      const url = profiles.url(p);
      const res = await post('/catalog/search', search, { profile: url, sign: false });
      expect({ p, status: res.status, code: res.body.code }).toEqual({ p, status: 424, code: 'profile_unreachable' });
      texts.add(res.body.content.replace(url, '<url>'));
    }
    // names: one that does not resolve, one that resolves to loopback, one to a 6to4 form of loopback
    const dns = await demoApp({ UCPD_UCP_FETCH_ALLOW_HOSTS: `127.0.0.1:${profiles.port}` }, [], {
      lookup: async (host: string) => {
        if (host === 'loopback.example') return [{ address: '127.0.0.1', family: 4 as const }];
        if (host === 'sixtofour.example') return [{ address: '2002:7f00:1::1', family: 6 as const }];
        throw Object.assign(new Error('nxdomain'), { code: 'ENOTFOUND' });
      },
      connectTimeoutMs: 300,
    });
    try {
      for (const host of ['nowhere.example', 'loopback.example', 'sixtofour.example']) {
        const url = `https://${host}/profile.json`;
        const res = await request(dns.app)
          .post('/ucp/v1/catalog/search')
          .set(ucpHeaders(url, JSON.stringify(search), 'POST', '/ucp/v1/catalog/search'))
          .send(search);
        expect({ host, status: res.status, code: res.body.code }).toEqual({ host, status: 424, code: 'profile_unreachable' });
        expect(res.body.content.replace(url, '')).not.toMatch(/127\.0\.0\.1|2002|resolve|refused|ENOTFOUND|private|loopback/i);
        texts.add(res.body.content.replace(url, '<url>'));
      }
    } finally {
      dns.app.close();
      await dns.close();
    }
    expect([...texts]).toEqual(['platform profile <url> could not be fetched']);
  });

  test('a fetched profile is cached: one fetch serves many requests', async () => {
    profiles.set('/cached.json', platformProfile(), { headers: { 'cache-control': 'max-age=300' } });
    for (let i = 0; i < 3; i++) expect((await post('/catalog/search', search, { profile: profiles.url('/cached.json'), sign: false })).status).toBe(200);
    expect(profiles.hits.get('/cached.json')).toBe(1);
  });

  test('no shared catalog capability: 200 error envelope capabilities_incompatible', async () => {
    const res = await post('/catalog/search', search, { profile: PINNED_NO_CATALOG, sign: false });
    expect(res.status).toBe(200);
    expectValid(ERROR_RESPONSE, res.body);
    expect(res.body.ucp).toEqual({ version: '2026-04-08', status: 'error', capabilities: {} });
    expect(res.body.messages[0]).toMatchObject({ type: 'error', code: 'capabilities_incompatible' });
    expect(res.body.continue_url).toBe('https://shop.example/');
  });
});

describe('approved platforms only, and the discovery budget', () => {
  test('approved-only: pinned and trusted-origin platforms pass, others get 403 profile_not_trusted', async () => {
    const p = await profileServer();
    const e = await demoApp({ UCPD_UCP_APPROVED_ONLY: 'true', UCPD_UCP_FETCH_ALLOW_HOSTS: `127.0.0.1:${p.port}`, UCPD_UCP_TRUSTED_ORIGINS: `http://127.0.0.1:${p.port}` }, [
      [PINNED, platformProfile()],
    ]);
    try {
      p.set('/trusted.json', platformProfile());
      const call = (profile: string) =>
        request(e.app)
          .post('/ucp/v1/catalog/search')
          .set(ucpHeaders(profile, '{}', 'POST', '/ucp/v1/catalog/search'))
          .send('{"query":"tent"}');
      expect((await call(PINNED)).status).toBe(200);
      expect((await call(p.url('/trusted.json'))).status).toBe(200);
      const res = await call('https://unknown-agent.example/profile.json');
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('profile_not_trusted');
    } finally {
      e.app.close();
      await p.close();
      await e.close();
    }
  });

  test('one client cannot lock new platforms out: past its own budget it gets 429; other clients still get through', async () => {
    const p = await profileServer();
    const e = await demoApp({ UCPD_UCP_FETCH_ALLOW_HOSTS: `127.0.0.1:${p.port}`, UCPD_TRUST_PROXY: 'true', UCPD_UCP_TRUSTED_ORIGINS: 'https://trusted-agent.example' }, [], {
      budget: { capacity: 20, refillPerSecond: 0.01 },
    });
    try {
      p.set('/newcomer.json', platformProfile());
      const call = (profile: string, client: string) =>
        request(e.app)
          .post('/ucp/v1/catalog/search')
          .set({ ...ucpHeaders(profile, '{}', 'POST', '/ucp/v1/catalog/search'), 'x-forwarded-for': client })
          .send('{"query":"tent"}');
      const statuses: number[] = [];
      // the attack of the report: unknown profile URLs, one after another, from one client
      for (let i = 0; i < 20; i++) statuses.push((await call(p.url(`/unknown-${i}.json`), '203.0.113.9')).status);
      expect(statuses.slice(0, 5)).toEqual([424, 424, 424, 424, 424]);
      expect(new Set(statuses.slice(5))).toEqual(new Set([429]));
      const limited = await call(p.url('/unknown-99.json'), '203.0.113.9');
      expect(limited.body.code).toBe('rate_limited');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(p.hits.get('/unknown-99.json')).toBeUndefined();
      // an IPv6 client is budgeted by its /64: rotating addresses inside it does not help
      for (let i = 0; i < 6; i++) statuses.push((await call(p.url(`/v6-${i}.json`), `2001:db8:1:2::${i + 1}`)).status);
      expect(statuses.slice(-1)).toEqual([429]);
      // a new platform from another client still registers
      expect((await call(p.url('/newcomer.json'), '198.51.100.7')).status).toBe(200);
      // loopback callers (local tooling, or a proxy ucpd does not trust) share only the global budget
      for (let i = 0; i < 8; i++) expect((await call(p.url(`/local-${i}.json`), '127.0.0.1')).status).toBe(424);
    } finally {
      e.app.close();
      await p.close();
      await e.close();
    }
  });

  test('the budget for unknown origins: exhausted -> 503 with Retry-After, nothing fetched', async () => {
    const p = await profileServer();
    const e = await demoApp({ UCPD_UCP_FETCH_ALLOW_HOSTS: `127.0.0.1:${p.port}` }, [], { budget: { capacity: 2, refillPerSecond: 0.1 } });
    try {
      for (const n of [1, 2, 3]) p.set(`/agent-${n}.json`, platformProfile());
      const call = (n: number) =>
        request(e.app)
          .post('/ucp/v1/catalog/search')
          .set(ucpHeaders(p.url(`/agent-${n}.json`), '{}', 'POST', '/ucp/v1/catalog/search'))
          .send('{"query":"tent"}');
      expect((await call(1)).status).toBe(200);
      expect((await call(2)).status).toBe(200);
      const res = await call(3);
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('temporarily_unavailable');
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(p.hits.get('/agent-3.json')).toBeUndefined();
      expect((await call(1)).status).toBe(200); // cached platforms are not held back
    } finally {
      e.app.close();
      await p.close();
      await e.close();
    }
  });
});
