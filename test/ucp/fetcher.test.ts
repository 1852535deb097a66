/**
 * The profile fetcher over HTTP against an allowlisted loopback server: JSON and headers, the size cap,
 * no redirects, status and parse errors, the connect and response deadlines, unreachable hosts; addresses
 * refused at connection time whatever a name resolves to; and the fetch budget (a token bucket).
 * (URL and address checks alone: fetcher-urls.test.ts; HTTPS: fetcher-https.test.ts.)
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import * as http from 'node:http';
import { ProfileFetcher } from '../../src/ucp/fetcher.js';
import { expectFailure, fetchServers, listen, MAX, PROFILE } from '../helpers/fetch-servers.js';

const servers = fetchServers();
const local = servers.local;
let port: number;
beforeAll(() => {
  ({ port } = servers.current());
});

describe('fetchJson over http (allowlisted loopback)', () => {
  test('fetches and parses JSON, with lower-case headers and Cache-Control', async () => {
    const got = await local().fetchJson(`http://127.0.0.1:${port}/p.json#ignored`);
    expect(got.url).toBe(`http://127.0.0.1:${port}/p.json`);
    expect(got.status).toBe(200);
    expect(got.json).toEqual(PROFILE);
    expect(got.body.toString('utf8')).toBe(JSON.stringify(PROFILE));
    expect(got.cacheControl).toBe('max-age=60');
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['x-seen-ua']).toBe('ucpd');
    expect(got.headers['x-seen-accept']).toBe('application/json');
  });

  test('sends opts.accept', async () => {
    const got = await local().fetchJson(`http://127.0.0.1:${port}/p.json`, { accept: 'application/ucp+json' });
    expect(got.headers['x-seen-accept']).toBe('application/ucp+json');
  });

  test('a body of exactly maxBytes is fine', async () => {
    expect((await local().fetchJson(`http://127.0.0.1:${port}/exact`)).body.length).toBe(MAX);
  });

  test('http is refused when not allowed for the host', async () => {
    await expectFailure(new ProfileFetcher().fetchJson(`http://127.0.0.1:${port}/p.json`), 'insecure_scheme');
    await expectFailure(local().fetchJson(`http://127.0.0.1:${port === 65535 ? 1 : port + 1}/p.json`), 'insecure_scheme');
  });

  test('a redirect is never followed', async () => {
    const e = await expectFailure(local().fetchJson(`http://127.0.0.1:${port}/redirect`), 'redirect');
    expect(e.message).toContain('302');
  });

  test('non-2xx is http_status, without the body in the message', async () => {
    const e = await expectFailure(local().fetchJson(`http://127.0.0.1:${port}/missing`), 'http_status');
    expect(e.message).toContain('404');
    expect(e.message).not.toContain('secret');
  });

  test('over the cap by Content-Length', async () => {
    await expectFailure(local().fetchJson(`http://127.0.0.1:${port}/big-length`), 'too_large');
  });

  test('over the cap while streaming (chunked, no Content-Length)', async () => {
    await expectFailure(local().fetchJson(`http://127.0.0.1:${port}/big-chunked`), 'too_large');
  });

  test('invalid JSON and invalid UTF-8 are not_json', async () => {
    const e = await expectFailure(local().fetchJson(`http://127.0.0.1:${port}/bad-json`), 'not_json');
    expect(e.message).not.toContain('json}');
    await expectFailure(local().fetchJson(`http://127.0.0.1:${port}/bad-utf8`), 'not_json');
  });

  test('a server that never answers times out at the response deadline', async () => {
    const started = Date.now();
    await expectFailure(local({ responseTimeoutMs: 200 }).fetchJson(`http://127.0.0.1:${port}/hang`), 'timeout');
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(180);
    expect(took).toBeLessThan(1000);
  });

  test('the connect deadline stops at the connection: a slow answer within the response deadline is fine', async () => {
    const f = local({ connectTimeoutMs: 100, responseTimeoutMs: 1000 });
    expect((await f.fetchJson(`http://127.0.0.1:${port}/delayed`)).json).toEqual(PROFILE);
  });

  test('a body that never ends times out too', async () => {
    const started = Date.now();
    await expectFailure(local({ responseTimeoutMs: 200 }).fetchJson(`http://127.0.0.1:${port}/slow-body`), 'timeout');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test('connection refused is unreachable', async () => {
    const closed = http.createServer();
    const p = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    await expectFailure(new ProfileFetcher({ allowHosts: [`127.0.0.1:${p}`] }).fetchJson(`http://127.0.0.1:${p}/p.json`), 'unreachable');
  });

  test('a DNS failure is unreachable', async () => {
    const f = new ProfileFetcher({
      lookup: () => Promise.reject(Object.assign(new Error('nope'), { code: 'ENOTFOUND' })),
    });
    const e = await expectFailure(f.fetchJson('https://nowhere.example/p.json'), 'unreachable');
    expect(e.message).toContain('nowhere.example');
  });

  test('an allowlisted name connects to what the lookup returns', async () => {
    const f = local({ allowHosts: ['profiles.test'], lookup: async () => [{ address: '127.0.0.1', family: 4 }] });
    expect((await f.fetchJson(`http://profiles.test:${port}/p.json`)).json).toEqual(PROFILE);
  });
});

describe('address refusal', () => {
  const lookups: Record<string, { address: string; family: 4 | 6 }[]> = {
    localhost: [{ address: '127.0.0.1', family: 4 }],
    'mixed.example': [
      { address: '93.184.215.14', family: 4 },
      { address: '10.1.2.3', family: 4 },
    ],
    'mapped.example': [{ address: '::ffff:169.254.169.254', family: 6 }],
    'ula.example': [{ address: 'fd00::5', family: 6 }],
  };
  const seen: string[] = [];
  const fetcher = new ProfileFetcher({
    allowHttp: true,
    connectTimeoutMs: 500,
    responseTimeoutMs: 1000,
    lookup: async (host) => {
      seen.push(host);
      const found = lookups[host];
      if (!found) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      return found;
    },
  });

  test.each([
    `http://127.0.0.1:PORT/p.json`,
    `https://127.0.0.1:PORT/p.json`,
    `http://localhost:PORT/p.json`,
    `http://[::1]:PORT/p.json`,
    `http://2130706433:PORT/p.json`,
    `http://169.254.169.254/latest/meta-data/`,
    `http://10.0.0.1/p.json`,
    `http://[::ffff:10.0.0.1]/p.json`,
    `https://mixed.example/p.json`,
    `https://mapped.example/p.json`,
    `https://ula.example/p.json`,
  ])('%s', async (template) => {
    const e = await expectFailure(fetcher.fetchJson(template.replace('PORT', String(port))), 'address_refused');
    expect(e.message).not.toMatch(/10\.1\.2\.3|93\.184/);
  });

  test('names were resolved through the injected lookup (not connected to)', () => {
    expect(seen).toEqual(expect.arrayContaining(['localhost', 'mixed.example', 'mapped.example', 'ula.example']));
  });
});

describe('budget', () => {
  test('capacity 2, refill 0.5/s: the third budgeted fetch waits 2 s', async () => {
    let t = 1_700_000_000_000;
    const f = local({ budget: { capacity: 2, refillPerSecond: 0.5 }, now: () => t });
    const url = `http://127.0.0.1:${port}/p.json`;
    expect(f.budgetRetryAfter()).toBe(0);
    await f.fetchJson(url, { budgeted: true });
    await f.fetchJson(url, { budgeted: true });
    const e = await expectFailure(f.fetchJson(url, { budgeted: true }), 'budget_exhausted');
    expect(e.retryAfterSeconds).toBe(2);
    expect(f.budgetRetryAfter()).toBe(2);
    t += 1000;
    expect(f.budgetRetryAfter()).toBe(1);
    await expectFailure(f.fetchJson(url, { budgeted: true }), 'budget_exhausted');
    t += 1000;
    expect(f.budgetRetryAfter()).toBe(0);
    expect((await f.fetchJson(url, { budgeted: true })).status).toBe(200);
    expect(f.budgetRetryAfter()).toBe(2);
  });

  test('the bucket never holds more than its capacity', async () => {
    let t = 0;
    const f = local({ budget: { capacity: 2, refillPerSecond: 0.5 }, now: () => t });
    t += 3_600_000;
    const url = `http://127.0.0.1:${port}/p.json`;
    await f.fetchJson(url, { budgeted: true });
    await f.fetchJson(url, { budgeted: true });
    await expectFailure(f.fetchJson(url, { budgeted: true }), 'budget_exhausted');
  });

  test('unbudgeted fetches do not consume tokens; invalid URLs cost nothing', async () => {
    const f = local({ budget: { capacity: 1, refillPerSecond: 0.5 }, now: () => 0 });
    const url = `http://127.0.0.1:${port}/p.json`;
    for (let i = 0; i < 3; i++) await f.fetchJson(url);
    await expectFailure(f.fetchJson('ftp://x.example/p.json', { budgeted: true }), 'invalid_url');
    expect(f.budgetRetryAfter()).toBe(0);
    await f.fetchJson(url, { budgeted: true });
    expect(f.budgetRetryAfter()).toBe(2);
  });

  test('an invalid policy is rejected', () => {
    expect(() => new ProfileFetcher({ budget: { capacity: 0, refillPerSecond: 1 } })).toThrow(RangeError);
    expect(() => new ProfileFetcher({ maxBytes: 0 })).toThrow(RangeError);
  });
});
