/**
 * UCP over REST against the demo catalog: discovery, the negotiation matrix, signed / unsigned / tampered
 * requests, malformed input, and the catalog operations. Every UCP response body is validated against
 * the official 2026-04-08 schemas.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { loadConfig, type Config } from '../../src/config.js';
import { createApp } from '../../src/http/app.js';
import { Urls } from '../../src/publish/urls.js';
import { silentLogger } from '../../src/logger.js';
import { verifyMessage } from '../../src/trust/http-signatures.js';
import { openTrust, type Trust } from '../../src/trust/trust.js';
import { loadDemo } from '../../src/cli/context.js';
import { createToken } from '../../src/auth/tokens.js';
import { canonicalJson } from '../../src/util/canonical-json.js';
import { tempStore, type TestStore } from '../helpers/store.js';
import {
  BUSINESS_PROFILE,
  ERROR_RESPONSE,
  INVENTORY,
  LOOKUP_RESPONSE,
  PRODUCT_RESPONSE,
  SEARCH_RESPONSE,
  agentKey,
  expectInventoryValid,
  expectValid,
  platformProfile,
  profileServer,
  ucpHeaders,
  type AgentKey,
  type ProfileServer,
} from '../helpers/ucp.js';
import type { Json } from '../helpers/json.js';

const PINNED = 'https://agent.example/.well-known/ucp-agent.json';
const PINNED_NO_INVENTORY = 'https://lean-agent.example/profile.json';
const PINNED_OLD = 'https://old-agent.example/profile.json';
const PINNED_NO_CATALOG = 'https://checkout-only.example/profile.json';

interface Env extends TestStore {
  app: ReturnType<typeof createApp>;
  config: Config;
  trust: Trust;
}

/** The demo store behind an app; `pins` are written to the platform registry before it starts. */
async function demoApp(env: Record<string, string>, pins: [string, unknown][] = [], fetchPolicy = {}): Promise<Env> {
  const t = tempStore();
  for (const [url, profile] of pins) pin(t.dir, url, profile);
  await loadDemo(t.store);
  await t.store.syncSearchIndex();
  const config = loadConfig({ dataDir: t.dir, baseUrl: 'https://shop.example' }, env);
  const trust = await openTrust({ store: t.store, dataDir: t.dir, urls: new Urls(config.baseUrl), clock: t.clock, logger: silentLogger });
  const app = createApp({ store: t.store, config, clock: t.clock, logger: silentLogger, trust, fetchPolicy });
  return { ...t, app, config, trust };
}

function pin(dir: string, url: string, profile: unknown): void {
  mkdirSync(path.join(dir, 'platforms'), { recursive: true });
  writeFileSync(path.join(dir, 'platforms', `${encodeURIComponent(url)}.json`), JSON.stringify({ profile_url: url, profile }));
}

let env: Env;
let key: AgentKey;
let profiles: ProfileServer;

beforeAll(async () => {
  profiles = await profileServer();
  key = agentKey();
  env = await demoApp({ UCPD_UCP_SUPPORTED_VERSIONS: '2026-01-23', UCPD_UCP_FETCH_ALLOW_HOSTS: `127.0.0.1:${profiles.port}` }, [
    [PINNED, platformProfile({ keys: [key] })],
    [PINNED_NO_INVENTORY, platformProfile({ capabilities: ['dev.ucp.shopping.catalog.search', 'dev.ucp.shopping.catalog.lookup'] })],
    [PINNED_OLD, platformProfile({ version: '2026-01-23', keys: [key] })],
    [PINNED_NO_CATALOG, platformProfile({ capabilities: ['dev.ucp.shopping.checkout'] })],
  ]);
}, 60_000);

afterAll(async () => {
  env.app.close();
  await profiles.close();
  await env.close();
});

const now = () => Math.floor(env.clock.now().getTime() / 1000);

/** POST a UCP operation as the pinned agent (signed unless `sign: false`). */
async function post(op: string, body: unknown, o: { profile?: string; sign?: boolean; headers?: Record<string, string>; raw?: string } = {}) {
  const text = o.raw ?? JSON.stringify(body);
  const p = `/ucp/v1${op}`;
  const headers = ucpHeaders(o.profile ?? PINNED, text, 'POST', p, o.sign === false ? undefined : { key, created: now() });
  const res = await request(env.app)
    .post(p)
    .set({ ...headers, ...o.headers })
    .send(text);
  // every body is canonical JSON (RFC 8785): its digest is the same under either reading of the spec
  if (res.type === 'application/json') expect(res.text).toBe(canonicalJson(JSON.parse(res.text)));
  return res;
}

describe('discovery', () => {
  test('/.well-known/ucp: a valid business profile with the REST endpoint, capabilities and the P-256 signing keys', async () => {
    const res = await request(env.app).get('/.well-known/ucp');
    expect(res.status).toBe(200);
    expectValid(BUSINESS_PROFILE, res.body);
    expect(res.body.ucp.version).toBe('2026-04-08');
    expect(res.body.ucp.services['dev.ucp.shopping']).toEqual([expect.objectContaining({ transport: 'rest', endpoint: 'https://shop.example/ucp/v1' })]);
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
        INVENTORY,
      ].sort(),
    );
    // the demo store offers the test payment handler (UCPD_UCP_TEST_PAYMENTS defaults to on with the demo)
    expect(res.body.ucp.payment_handlers['dev.ucpd.payments.test'][0].id).toBe('mock_payment_handler');
    const p256 = env.trust.keys
      .published()
      .filter((k) => k.kind === 'p256')
      .map((k) => k.kid);
    expect(res.body.signing_keys.map((k: Json) => k.kid)).toEqual(p256);
    expect(res.body.ucp.supported_versions).toEqual({ '2026-01-23': 'https://shop.example/.well-known/ucp/2026-01-23' });
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
    const res = await request(env.app).get('/.well-known/ucp/2026-01-23');
    expect(res.status).toBe(200);
    expectValid(BUSINESS_PROFILE, res.body);
    expect(res.body.ucp.version).toBe('2026-01-23');
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

  test('equal version: 200 with the negotiated envelope (search + the inventory extension)', async () => {
    const res = await post('/catalog/search', search);
    expect(res.status).toBe(200);
    expectValid(SEARCH_RESPONSE, res.body);
    expect(res.body.ucp).toEqual({ version: '2026-04-08', capabilities: { 'dev.ucp.shopping.catalog.search': [{ version: '2026-04-08' }], [INVENTORY]: [{ version: '2026-04-08' }] } });
    expect(expectInventoryValid(res.body.products)).toBeGreaterThan(0);
  });

  test('a platform that did not negotiate the extension gets no inventory field', async () => {
    const res = await post('/catalog/search', search, { profile: PINNED_NO_INVENTORY, sign: false });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.ucp.capabilities)).toEqual(['dev.ucp.shopping.catalog.search']);
    expect(res.body.products.every((p: Json) => p.variants.every((v: Json) => v.inventory === undefined))).toBe(true);
  });

  test("supported older version: 200, the envelope carries the platform's version", async () => {
    const res = await post('/catalog/search', search, { profile: PINNED_OLD });
    expect(res.status).toBe(200);
    expectValid(SEARCH_RESPONSE, res.body);
    expect(res.body.ucp.version).toBe('2026-01-23');
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
      { keyFor: (kid) => profile.signing_keys.find((k: Json) => k.kid === kid), body: Buffer.from(res.text), required: ['@status', 'content-digest'], now: now() },
      { method: 'POST', authority: 'shop.example', path: p, headers: {} },
    );
    expect(verified.keyid).toBe(profile.signing_keys[0].kid);
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

describe('catalog search', () => {
  test('full text with stemming, deterministic ranking and an explanation per product', async () => {
    const a = await post('/catalog/search', { query: 'rain jackets' });
    expectValid(SEARCH_RESPONSE, a.body);
    expect(a.body.products.length).toBeGreaterThan(0);
    for (const p of a.body.products) {
      const why = p.metadata['dev.ucpd.search'];
      expect(why.match).toBe('all_terms');
      expect(why.matched.map((m: Json) => m.term).sort()).toEqual(['jackets', 'rain']);
      expect(why.matched.find((m: Json) => m.term === 'jackets').fields.length).toBeGreaterThan(0);
    }
    expect(a.body.products[0].title).toMatch(/Rain Jacket/);
    const b = await post('/catalog/search', { query: 'rain jackets' });
    expect(b.body.products.map((p: Json) => p.id)).toEqual(a.body.products.map((p: Json) => p.id));
  });

  test('constraints in the text become filters: under $X, size, in stock', async () => {
    const res = await post('/catalog/search', { query: 'jacket under $150 size M in stock', pagination: { limit: 50 } });
    expectValid(SEARCH_RESPONSE, res.body);
    expect(res.body.products.length).toBeGreaterThan(0);
    for (const p of res.body.products) {
      const v = p.variants[0];
      expect(v.price.amount).toBeLessThanOrEqual(15000);
      expect(v.availability.available).toBe(true);
      expect(['m', 's/m', 'm/l']).toContain(v.options.find((o: Json) => o.name === 'Size').label.toLowerCase());
      expect(p.metadata['dev.ucpd.search'].constraints).toEqual(expect.arrayContaining([expect.stringMatching(/^price <= 150.00 USD/), 'in stock (from the query)']));
    }
  });

  test('filters: categories (path prefix or Google id) and price in context.currency', async () => {
    const byPath = await post('/catalog/search', { filters: { categories: ['Clothing > Jackets'] }, pagination: { limit: 50 } });
    expectValid(SEARCH_RESPONSE, byPath.body);
    expect(byPath.body.products.length).toBeGreaterThan(0);
    for (const p of byPath.body.products) expect(p.categories.some((c: Json) => c.value.startsWith('Clothing > Jackets'))).toBe(true);
    const googleId = byPath.body.products[0].categories.find((c: Json) => c.taxonomy === 'google_product_category').value;
    const byId = await post('/catalog/search', { filters: { categories: [googleId] }, pagination: { limit: 50 } });
    expect(byId.body.products.length).toBeGreaterThan(0);
    for (const p of byId.body.products) expect(p.categories).toContainEqual({ value: googleId, taxonomy: 'google_product_category' });

    const cad = await post('/catalog/search', { query: 'tent', context: { currency: 'CAD', address_country: 'CA' }, filters: { price: { max: 40000 } }, pagination: { limit: 50 } });
    expectValid(SEARCH_RESPONSE, cad.body);
    expect(cad.body.products.length).toBeGreaterThan(0);
    for (const p of cad.body.products) {
      expect(p.price_range.min.currency).toBe('CAD');
      expect(p.variants[0].price.amount).toBeLessThanOrEqual(40000);
    }
  });

  test('cursor pagination walks every match once; total_count agrees; a cursor is bound to its query', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let total: number | undefined;
    do {
      const res = await post('/catalog/search', { query: 'jacket', pagination: { limit: 7, ...(cursor ? { cursor } : {}) } });
      expectValid(SEARCH_RESPONSE, res.body);
      seen.push(...res.body.products.map((p: Json) => p.id));
      total ??= res.body.pagination.total_count;
      cursor = res.body.pagination.has_next_page ? res.body.pagination.cursor : undefined;
      if (res.body.pagination.has_next_page) expect(typeof cursor).toBe('string');
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(total);
    const first = await post('/catalog/search', { query: 'jacket', pagination: { limit: 7 } });
    const other = await post('/catalog/search', { query: 'tent', pagination: { cursor: first.body.pagination.cursor } });
    expect(other.status).toBe(400);
  });

  test('nothing matched: 200 with products: [] and no messages; no word matches all -> relaxed, and said', async () => {
    const none = await post('/catalog/search', { query: 'xylophone' });
    expect(none.status).toBe(200);
    expectValid(SEARCH_RESPONSE, none.body);
    expect(none.body.products).toEqual([]);
    expect(none.body.messages).toBeUndefined();
    const relaxed = await post('/catalog/search', { query: 'tent xylophone' });
    expect(relaxed.body.products.length).toBeGreaterThan(0);
    expect(relaxed.body.messages).toEqual([expect.objectContaining({ type: 'info', code: 'query_relaxed' })]);
    for (const p of relaxed.body.products) expect(p.metadata['dev.ucpd.search']).toMatchObject({ match: 'some_terms', ignored_terms: ['xylophone'] });
    // the relaxation holds across pages: the cursor remembers it
    const page2 = await post('/catalog/search', { query: 'tent xylophone', pagination: { limit: 2 } });
    const next = await post('/catalog/search', { query: 'tent xylophone', pagination: { limit: 2, cursor: page2.body.pagination.cursor } });
    expect(next.status).toBe(200);
    expect(next.body.products[0].metadata['dev.ucpd.search'].ignored_terms).toEqual(['xylophone']);
  });

  test('limits: default 10, over 50 clamped with a message', async () => {
    const d = await post('/catalog/search', { filters: { categories: ['Clothing'] } });
    expect(d.body.products).toHaveLength(10);
    const big = await post('/catalog/search', { filters: { categories: ['Clothing'] }, pagination: { limit: 500 } });
    expect(big.body.products.length).toBeLessThanOrEqual(50);
    expect(big.body.messages).toContainEqual(expect.objectContaining({ code: 'limit_clamped' }));
  });
});

describe('catalog lookup and product', () => {
  let sample: Json;
  beforeAll(async () => {
    sample = (await post('/catalog/search', { query: 'rain jacket' })).body.products[0];
  });

  test('ids of every kind, deduplicated, each returned variant correlated to its inputs', async () => {
    const variant = sample.variants[1] ?? sample.variants[0];
    const gtinVariant = sample.variants.find((v: Json) => v.barcodes);
    const ids = [sample.id, sample.id, variant.id, variant.sku, gtinVariant.barcodes[0].value, sample.url, 'no-such-thing'];
    const res = await post('/catalog/lookup', { ids });
    expect(res.status).toBe(200);
    expectValid(LOOKUP_RESPONSE, res.body);
    expect(res.body.products).toHaveLength(1);
    const inputs = res.body.products[0].variants.flatMap((v: Json) => v.inputs.map((i: Json) => `${i.id}:${i.match}:${v.id}`));
    expect(inputs).toEqual(expect.arrayContaining([`${variant.id}:exact:${variant.id}`, `${variant.sku}:exact:${variant.id}`, `${gtinVariant.barcodes[0].value}:exact:${gtinVariant.id}`]));
    expect(inputs.filter((i: string) => i.includes(':featured:'))).toHaveLength(2); // product id (once) and product URL
    expect(res.body.messages).toEqual([{ type: 'info', code: 'not_found', content: 'no-such-thing', path: '$.ids[6]' }]);
  });

  test('handles resolve like product ids; unknown ids alone give products: []', async () => {
    const res = await post('/catalog/lookup', { ids: [sample.handle] });
    expect(res.body.products[0].id).toBe(sample.id);
    const none = await post('/catalog/lookup', { ids: ['nope-1', 'nope-2'] });
    expectValid(LOOKUP_RESPONSE, none.body);
    expect(none.body.products).toEqual([]);
    expect(none.body.messages).toHaveLength(2);
  });

  test('over 50 ids: 400 request_too_large', async () => {
    const res = await post('/catalog/lookup', { ids: Array.from({ length: 51 }, (_, i) => `id-${i}`) });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('request_too_large');
  });

  test('filters apply after resolution: a product whose variants all fail the price filter is dropped', async () => {
    const res = await post('/catalog/lookup', { ids: [sample.id], filters: { price: { max: 1 } }, context: { currency: 'USD' } });
    expect(res.body.products).toEqual([]);
  });

  test('get_product: selection, relaxation by preferences, available/exists per option value', async () => {
    const withOptions = sample.options.length >= 2 ? sample : (await post('/catalog/search', { query: 'jacket', pagination: { limit: 50 } })).body.products.find((p: Json) => p.options.length >= 2);
    const [first, second] = withOptions.options as Json[];
    const res = await post('/catalog/product', { id: withOptions.id, selected: [{ name: first!.name, label: first!.values[0].label }] });
    expect(res.status).toBe(200);
    expectValid(PRODUCT_RESPONSE, res.body);
    const product = res.body.product;
    expect(product.selected).toContainEqual({ name: first!.name, label: first!.values[0].label });
    expect(product.variants[0].options).toContainEqual({ name: first!.name, label: first!.values[0].label });
    for (const o of product.options) for (const v of o.values) expect(typeof v.exists === 'boolean' && typeof v.available === 'boolean').toBe(true);

    const impossible = await post('/catalog/product', {
      id: withOptions.id,
      selected: [
        { name: first!.name, label: first!.values[0].label },
        { name: second!.name, label: 'No Such Value' },
      ],
      preferences: [first!.name, second!.name],
    });
    expectValid(PRODUCT_RESPONSE, impossible.body);
    expect(impossible.body.product.selected).toContainEqual({ name: first!.name, label: first!.values[0].label });
    expect(impossible.body.messages).toContainEqual(expect.objectContaining({ type: 'warning', code: 'selection_relaxed' }));
  });

  test('get_product by variant id: that variant first, its options win over selected', async () => {
    const variant = sample.variants[sample.variants.length - 1];
    const res = await post('/catalog/product', { id: variant.id, selected: [{ name: 'Size', label: 'XS' }] });
    expectValid(PRODUCT_RESPONSE, res.body);
    expect(res.body.product.variants[0].id).toBe(variant.id);
    expect(res.body.product.selected).toEqual(variant.options);
  });

  test('get_product not found: 200 error_response, not_found, unrecoverable', async () => {
    const res = await post('/catalog/product', { id: 'no-such-product' });
    expect(res.status).toBe(200);
    expectValid(ERROR_RESPONSE, res.body);
    expectValid(PRODUCT_RESPONSE.replace('get_product_response', 'get_product_request'), { id: 'x' });
    expect(res.body.ucp.status).toBe('error');
    expect(res.body.messages).toEqual([expect.objectContaining({ type: 'error', code: 'not_found', severity: 'unrecoverable' })]);
  });
});

describe('the platform registry through the admin API', () => {
  test('pin, list and remove a platform; invalid profiles are refused', async () => {
    const token = (await createToken(env.store, 'ops', ['admin'], env.clock)).secret;
    const auth = { authorization: `Bearer ${token}` };
    const url = 'https://pinned-by-api.example/p.json';
    const put = await request(env.app)
      .put('/admin/v1/platforms')
      .set(auth)
      .send({ profile_url: url, profile: platformProfile({ keys: [key] }) });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ profile_url: url, version: '2026-04-08', signing_keys: [key.kid] });
    expect((await post('/catalog/search', { query: 'tent' }, { profile: url })).status).toBe(200);
    const list = await request(env.app).get('/admin/v1/platforms').set(auth);
    expect(list.body.platforms.map((p: Json) => p.profile_url)).toContain(url);
    const bad = await request(env.app)
      .put('/admin/v1/platforms')
      .set(auth)
      .send({ profile_url: url, profile: { ucp: {} } });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('invalid_platform');
    expect((await request(env.app).delete('/admin/v1/platforms').query({ profile_url: url }).set(auth)).status).toBe(204);
    expect((await request(env.app).get('/admin/v1/platforms').set({})).status).toBe(401);
  });
});
