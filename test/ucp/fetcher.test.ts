import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_FETCH_POLICY, FetchError, ProfileFetcher, isBlockedAddress, type FetchFailure } from '../../src/ucp/fetcher.js';

const PROFILE = { ucp: { version: '2026-04-08', capabilities: {} } };
const MAX = 1024;

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  switch (req.url) {
    case '/p.json':
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=60', 'x-seen-ua': String(req.headers['user-agent']), 'x-seen-accept': String(req.headers.accept) });
      return void res.end(JSON.stringify(PROFILE));
    case '/redirect':
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
      return void res.end();
    case '/missing':
      res.writeHead(404, { 'content-type': 'text/plain' });
      return void res.end('secret internal detail');
    case '/big-length':
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(MAX + 1) });
      return void res.end(`"${'x'.repeat(MAX - 1)}"`);
    case '/big-chunked':
      res.writeHead(200, { 'content-type': 'application/json' });
      for (let i = 0; i < 8; i++) res.write('x'.repeat(256));
      return void res.end();
    case '/exact':
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(`"${'x'.repeat(MAX - 2)}"`);
    case '/delayed':
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(PROFILE));
      }, 250);
      return;
    case '/hang':
      return; // never answers
    case '/slow-body':
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.write('{"partial":'); // never ends
    case '/bad-json':
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end('{"not": json}');
    case '/bad-utf8':
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(Buffer.from([0x22, 0xff, 0xfe, 0x22]));
    default:
      res.writeHead(500);
      res.end();
  }
}

let server: http.Server;
let tlsServer: https.Server;
let silentTls: net.Server; // accepts TCP, never speaks TLS
const silentSockets = new Set<net.Socket>();
let port: number;
let tlsPort: number;
let silentPort: number;
let certDir: string;
let cert: Buffer;

const listen = (s: net.Server) => new Promise<number>((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as net.AddressInfo).port)));

function openssl(): string {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return 'openssl';
  } catch {
    if (existsSync('/usr/bin/openssl')) return '/usr/bin/openssl';
    throw new Error('openssl not found');
  }
}

beforeAll(async () => {
  certDir = mkdtempSync(join(tmpdir(), 'ucpd-fetcher-'));
  execFileSync(
    openssl(),
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      join(certDir, 'key.pem'),
      '-out',
      join(certDir, 'cert.pem'),
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  cert = readFileSync(join(certDir, 'cert.pem'));
  server = http.createServer(handler);
  tlsServer = https.createServer({ key: readFileSync(join(certDir, 'key.pem')), cert }, handler);
  silentTls = net.createServer((socket) => {
    silentSockets.add(socket);
    socket.on('close', () => silentSockets.delete(socket));
  });
  [port, tlsPort, silentPort] = await Promise.all([listen(server), listen(tlsServer), listen(silentTls)]);
});

afterAll(async () => {
  server.closeAllConnections();
  tlsServer.closeAllConnections();
  for (const s of silentSockets) s.destroy();
  await Promise.all([server, tlsServer, silentTls].map((s) => new Promise((resolve) => s.close(resolve))));
  rmSync(certDir, { recursive: true, force: true });
});

/** A fetcher that may talk to the loopback test server. */
const local = (over: ConstructorParameters<typeof ProfileFetcher>[0] = {}) =>
  new ProfileFetcher({ allowHosts: [`127.0.0.1:${port}`], maxBytes: MAX, connectTimeoutMs: 500, responseTimeoutMs: 1000, ...over });

async function failure(p: Promise<unknown>): Promise<FetchError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(FetchError);
    return e as FetchError;
  }
  throw new Error('expected the fetch to fail');
}

async function expectFailure(p: Promise<unknown>, kind: FetchFailure): Promise<FetchError> {
  const e = await failure(p);
  expect({ failure: e.failure, message: e.message }).toMatchObject({ failure: kind });
  return e;
}

describe('isBlockedAddress', () => {
  test.each([
    ['127.0.0.1', true],
    ['127.255.255.254', true],
    ['0.0.0.0', true],
    ['10.0.0.1', true],
    ['100.64.0.1', true],
    ['100.127.255.255', true],
    ['169.254.169.254', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['192.0.0.8', true],
    ['192.0.2.1', true],
    ['192.88.99.1', true],
    ['192.168.1.1', true],
    ['198.18.0.1', true],
    ['198.19.255.255', true],
    ['198.51.100.7', true],
    ['203.0.113.9', true],
    ['224.0.0.1', true],
    ['239.255.255.250', true],
    ['240.0.0.1', true],
    ['255.255.255.255', true],
    ['::', true],
    ['::1', true],
    ['[::1]', true],
    ['::127.0.0.1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:10.0.0.1', true],
    ['::ffff:a9fe:a9fe', true],
    ['0:0:0:0:0:ffff:c0a8:0101', true],
    ['64:ff9b::a00:1', true], // NAT64 of 10.0.0.1
    ['64:ff9b::7f00:1', true], // NAT64 of 127.0.0.1
    ['64:ff9b:1::a00:1', true], // NAT64 local-use prefix
    ['2002:7f00:1::', true], // 6to4 of 127.0.0.1
    ['2002:7f00:1:1::1', true],
    ['2002:c0a8:101::1', true], // 6to4 of 192.168.1.1
    ['2002:a9fe:a9fe::', true], // 6to4 of 169.254.169.254
    ['2002:0a00:0001:ffff:ffff:ffff:ffff:ffff', true], // 6to4 of 10.0.0.1
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', true], // Teredo, client 127.0.0.1 (inverted)
    ['2001:0:7f00:1:8000:63bf:f7f7:f7f7', true], // Teredo, server 127.0.0.1
    ['2001::', true], // Teredo, server 0.0.0.0
    ['::ffff:0:127.0.0.1', true], // IPv4-translated (SIIT): inside ::/96
    ['100::1', true],
    ['2001:db8::1', true],
    ['fc00::1', true],
    ['fd12:3456::1', true],
    ['fe80::1', true],
    ['fe80::1%eth0', true],
    ['febf::1', true],
    ['fec0::1', true],
    ['ff02::1', true],
    ['not an address', true],
    ['127.1', true],
    ['', true],
    ['8.8.8.8', false],
    ['1.1.1.1', false],
    ['100.63.255.255', false],
    ['100.128.0.0', false],
    ['172.15.255.255', false],
    ['172.32.0.0', false],
    ['169.253.255.255', false],
    ['223.255.255.255', false],
    ['2606:4700::1111', false],
    ['2001:4860:4860::8888', false],
    ['::ffff:8.8.8.8', false],
    ['::ffff:808:808', false],
    ['64:ff9b::808:808', false], // NAT64 of 8.8.8.8: judged by the IPv4 it carries (IPv6-only hosts behind DNS64 need it)
    ['2002:808:808::1', false], // 6to4 of 8.8.8.8
    ['2001:0:4136:e378:8000:63bf:f7f7:f7f7', false], // Teredo, public server and client
  ])('%s -> %s', (ip, blocked) => expect(isBlockedAddress(ip)).toBe(blocked));
});

describe('checkUrl', () => {
  const f = new ProfileFetcher();
  test.each<[string, FetchFailure]>([
    ['not a url', 'invalid_url'],
    ['/relative/profile.json', 'invalid_url'],
    ['https://user:pass@agent.example/p.json', 'invalid_url'],
    ['https://user@agent.example/p.json', 'invalid_url'],
    ['ftp://agent.example/p.json', 'invalid_url'],
    ['file:///etc/passwd', 'invalid_url'],
    ['data:application/json,{}', 'invalid_url'],
    ['http://agent.example/p.json', 'insecure_scheme'],
    ['https://127.0.0.1/p.json', 'address_refused'],
    ['https://[::1]/p.json', 'address_refused'],
    ['https://2130706433/p.json', 'address_refused'],
    ['https://0x7f.1/p.json', 'address_refused'],
    ['https://127.1/p.json', 'address_refused'],
    ['https://0177.0.0.1/p.json', 'address_refused'],
    ['https://169.254.169.254/latest/meta-data/', 'address_refused'],
    ['https://10.0.0.1/p.json', 'address_refused'],
    ['https://[::ffff:10.0.0.1]/p.json', 'address_refused'],
    ['https://[::ffff:7f00:1]/p.json', 'address_refused'],
    ['https://[fd00::1]/p.json', 'address_refused'],
  ])('%s -> %s', (url, kind) => {
    let caught: unknown;
    try {
      f.checkUrl(url);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(FetchError);
    expect((caught as FetchError).failure).toBe(kind);
  });

  test('accepts public https URLs and strips the fragment', () => {
    expect(f.checkUrl('https://agent.example/profiles/p.json?v=1#frag').href).toBe('https://agent.example/profiles/p.json?v=1');
    expect(f.checkUrl('https://8.8.8.8/p.json').hostname).toBe('8.8.8.8');
    expect(f.checkUrl('https://[2606:4700::1111]/p.json').hostname).toBe('[2606:4700::1111]');
  });

  test('messages name the URL but never its credentials', () => {
    try {
      f.checkUrl('https://alice:hunter2@agent.example/p.json');
    } catch (e) {
      expect((e as Error).message).toContain('agent.example');
      expect((e as Error).message).not.toContain('hunter2');
    }
    expect.assertions(2);
  });

  test('allowHttp allows http but not private addresses', () => {
    const g = new ProfileFetcher({ allowHttp: true });
    expect(g.checkUrl('http://agent.example/p.json').protocol).toBe('http:');
    expect(() => g.checkUrl('http://127.0.0.1/p.json')).toThrow(FetchError);
  });

  test('allowlist entries: host, or host:port (default ports count)', () => {
    const g = new ProfileFetcher({ allowHosts: ['localhost', '127.0.0.1:8182', '[::1]:443', 'LOOPBACK.TEST'] });
    expect(g.checkUrl('http://localhost:9999/p.json').port).toBe('9999');
    expect(g.checkUrl('http://127.0.0.1:8182/p.json').port).toBe('8182');
    expect(g.checkUrl('https://[::1]/p.json').hostname).toBe('[::1]');
    expect(g.checkUrl('http://loopback.test/p.json').hostname).toBe('loopback.test');
    expect(() => g.checkUrl('http://127.0.0.1:8183/p.json')).toThrow(FetchError);
    expect(() => g.checkUrl('https://127.0.0.1/p.json')).toThrow(FetchError);
  });

  test('the default policy', () => {
    expect(DEFAULT_FETCH_POLICY).toMatchObject({ allowHttp: false, allowHosts: [], connectTimeoutMs: 3000, responseTimeoutMs: 5000, maxBytes: 262144, budget: { capacity: 20, refillPerSecond: 1 } });
  });
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

describe('https', () => {
  test('fetches with the test CA', async () => {
    const f = local({ allowHosts: [`127.0.0.1:${tlsPort}`], ca: cert });
    const got = await f.fetchJson(`https://127.0.0.1:${tlsPort}/p.json`);
    expect(got.json).toEqual(PROFILE);
    expect(got.cacheControl).toBe('max-age=60');
  });

  test('the certificate is checked against the name (localhost via lookup)', async () => {
    const f = local({ allowHosts: ['localhost'], ca: cert, lookup: async () => [{ address: '127.0.0.1', family: 4 }] });
    expect((await f.fetchJson(`https://localhost:${tlsPort}/p.json`)).status).toBe(200);
  });

  test('without the CA, TLS verification fails: unreachable', async () => {
    const e = await expectFailure(local({ allowHosts: [`127.0.0.1:${tlsPort}`] }).fetchJson(`https://127.0.0.1:${tlsPort}/p.json`), 'unreachable');
    expect(e.message).toMatch(/TLS certificate verification failed/);
  });

  test('a TLS handshake that never happens hits the connect deadline', async () => {
    const started = Date.now();
    const f = local({ allowHosts: [`127.0.0.1:${silentPort}`], ca: cert, connectTimeoutMs: 150, responseTimeoutMs: 3000 });
    const e = await expectFailure(f.fetchJson(`https://127.0.0.1:${silentPort}/p.json`), 'timeout');
    expect(e.message).toContain('150 ms');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test('the connect deadline ends with the TLS handshake', async () => {
    const f = local({ allowHosts: [`127.0.0.1:${tlsPort}`], ca: cert, connectTimeoutMs: 100, responseTimeoutMs: 1000 });
    expect((await f.fetchJson(`https://127.0.0.1:${tlsPort}/delayed`)).json).toEqual(PROFILE);
  });

  test('https errors over the cap and redirects the same way', async () => {
    const f = local({ allowHosts: [`127.0.0.1:${tlsPort}`], ca: cert });
    await expectFailure(f.fetchJson(`https://127.0.0.1:${tlsPort}/big-chunked`), 'too_large');
    await expectFailure(f.fetchJson(`https://127.0.0.1:${tlsPort}/redirect`), 'redirect');
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
