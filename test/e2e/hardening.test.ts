/**
 * The hardening reproductions that need a real server process: requests that used to end the process
 * (a path parameter that is not valid percent-encoding on any UCP route) or answer 500 (the same on
 * Express routes, a body that does not decode with its Content-Encoding). Each answers a 4xx in its
 * protocol's shape, and the process is still up, with no fault caught by the backstop, at the end.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { CLI, cleanEnv, rawRequest, startServer, type Started } from '../helpers/server.js';
import { FLOWER_SHOP, tempDir } from '../helpers/store.js';

let data: { dir: string; cleanup: () => void };
let server: Started;

beforeAll(async () => {
  data = tempDir('ucpd-e2e-hardening-');
  server = await startServer(data.dir);
}, 60_000);

afterAll(async () => {
  server?.child.kill('SIGTERM');
  await new Promise((r) => server?.child.once('exit', r));
  data?.cleanup();
});

const BAD_ESCAPES = ['%', '%zz', '%ff', '%u002e', '%c0%ae', '%E0%A4%A'];
const UCP_ROUTES: [method: string, path: string][] = [
  ['GET', '/checkout-sessions/{id}'],
  ['PUT', '/checkout-sessions/{id}'],
  ['POST', '/checkout-sessions/{id}/complete'],
  ['POST', '/checkout-sessions/{id}/cancel'],
  ['GET', '/carts/{id}'],
  ['PUT', '/carts/{id}'],
  ['POST', '/carts/{id}/cancel'],
  ['GET', '/orders/{id}'],
];

function expectNoInternals(text: string): void {
  expect(text).not.toMatch(/\bat [\w.<>]+ \(|node:internal|\/work\/|dist\/src|URIError|TypeError/);
}

describe('malformed paths and encodings', () => {
  test('UCP routes: a path parameter that is not valid percent-encoding is a 400 UCP error, under the endpoint and at the root', async () => {
    let n = 0;
    for (const [method, route] of UCP_ROUTES) {
      for (const prefix of ['/ucp/v1', '']) {
        for (const bad of BAD_ESCAPES) {
          const path = `${prefix}${route.replace('{id}', `chk_${bad}`)}`;
          const r = await rawRequest(server.base, method, path, method === 'GET' ? {} : { 'content-type': 'application/json' }, method === 'GET' ? undefined : '{}');
          expect({ path, method, status: r.status }).toEqual({ path, method, status: 400 });
          const body = JSON.parse(r.text) as { code: string; content: string };
          expect(body.code).toBe('invalid_request');
          expect(body.content).toMatch(/percent-encoding/);
          expectNoInternals(r.text);
          n++;
        }
      }
    }
    expect(n).toBe(UCP_ROUTES.length * 2 * BAD_ESCAPES.length);
  });

  test('Express routes with a path parameter: a bad escape is a 400 problem document, never a 500', async () => {
    const paths = ['/order/%ff', '/checkout/%ff', '/cart/%ff', '/credentials/%ff', '/credentials/status/%ff', '/demo/media/%ff', '/.well-known/ucp/%ff', '/order/%', '/checkout/%c0%ae'];
    for (const path of paths) {
      const r = await rawRequest(server.base, 'GET', path);
      expect({ path, status: r.status }).toEqual({ path, status: 400 });
      expect(r.headers['content-type']).toMatch(/json/);
      expectNoInternals(r.text);
    }
  });

  test('a body that does not decode with its Content-Encoding is a 400 (public VC API), a 415 on UCP', async () => {
    const junk = await rawRequest(server.base, 'POST', '/credentials/verify', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, 'not gzip at all');
    expect(junk.status).toBe(400);
    expect(JSON.parse(junk.text)).toMatchObject({ code: 'invalid_encoding' });
    const truncated = await rawRequest(
      server.base,
      'POST',
      '/credentials/verify',
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      gzipSync('{"verifiableCredential": {}}').subarray(0, 12),
    );
    expect(truncated.status).toBe(400);
    const unknown = await rawRequest(server.base, 'POST', '/presentations/verify', { 'content-type': 'application/json', 'content-encoding': 'zstd-ish' }, '{}');
    expect(unknown.status).toBe(415);
    const ucp = await rawRequest(server.base, 'POST', '/ucp/v1/catalog/search', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, 'not gzip');
    expect(ucp.status).toBe(415);
    expect(JSON.parse(ucp.text)).toMatchObject({ code: 'unsupported_media_type' });
  });

  test('the data directory is private: 0700, and every file in it 0600 (the database, its WAL, keys, platforms)', async () => {
    const seen: string[] = [];
    const walk = (dir: string) => {
      expect({ dir, mode: (statSync(dir).mode & 0o777).toString(8) }).toEqual({ dir, mode: '700' });
      for (const name of readdirSync(dir)) {
        const p = path.join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else {
          seen.push(name);
          expect({ p, mode: (statSync(p).mode & 0o777).toString(8) }).toEqual({ p, mode: '600' });
        }
      }
    };
    walk(data.dir);
    expect(seen).toEqual(expect.arrayContaining(['ucpd.sqlite', 'ucpd.sqlite-wal', 'ucpd.sqlite-shm']));
  });

  test('after all of it the process is up and the backstop caught nothing', async () => {
    expect(server.child.exitCode).toBeNull();
    const health = (await (await fetch(`${server.base}/healthz`)).json()) as { status: string; faults: number };
    expect(health).toMatchObject({ status: 'ok', faults: 0 });
  });
});

describe('test payments', () => {
  test('the demo store says loudly that they are on', async () => {
    expect(server.stdout).toMatch(/WARNING: test payments are on \(the store holds the bundled demo catalog\)/);
    expect(((await (await fetch(`${server.base}/healthz`)).json()) as { testPayments: boolean }).testPayments).toBe(true);
  });

  test('a retailer who imports a real catalog and starts `ucpd serve` offers no test handler (and expired idempotency answers are purged at start)', async () => {
    const dir = tempDir('ucpd-e2e-real-');
    let real: Started | undefined;
    try {
      execFileSync(process.execPath, [CLI, 'import', FLOWER_SHOP], { env: { ...cleanEnv, UCPD_DATA_DIR: dir.dir }, stdio: 'ignore' });
      // stored answers to idempotent requests: one past the 48 h retention, one inside it
      const db = new Database(path.join(dir.dir, 'ucpd.sqlite'));
      const insert = db.prepare("INSERT INTO idempotency (scope, key, request_hash, status, content_type, body, created_at) VALUES ('s', ?, 'h', 200, 'application/json', '{}', ?)");
      insert.run('expired', new Date(Date.now() - 49 * 3600_000).toISOString());
      insert.run('kept', new Date(Date.now() - 47 * 3600_000).toISOString());
      db.close();
      real = await startServer(dir.dir);
      const check = new Database(path.join(dir.dir, 'ucpd.sqlite'), { readonly: true });
      const keys = () => check.prepare('SELECT key FROM idempotency ORDER BY key').all();
      for (let i = 0; i < 100 && keys().length > 1; i++) await new Promise((r) => setTimeout(r, 50));
      expect(keys()).toEqual([{ key: 'kept' }]); // purged at start
      check.close();
      expect(real.stdout).not.toMatch(/test payments/);
      const profile = (await (await fetch(`${real.base}/.well-known/ucp`)).json()) as { ucp: { payment_handlers: object } };
      expect(profile.ucp.payment_handlers).toEqual({});
      expect(((await (await fetch(`${real.base}/healthz`)).json()) as { testPayments: boolean }).testPayments).toBe(false);
    } finally {
      real?.child.kill('SIGTERM');
      if (real) await new Promise((r) => real!.child.once('exit', r));
      dir.cleanup();
    }
  }, 60_000);
});
