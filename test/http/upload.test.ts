/**
 * A feed upload cannot freeze the store (hardening). The upload goes to a private file first, so a
 * stalled or aborted client holds nothing and changes nothing; a feed is validated before the write lock
 * is taken; and while the lock is held elsewhere (an import's apply stage, another process), writes wait
 * without blocking the event loop, answer 503 past their limit, and /healthz says the store cannot write.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createToken } from '../../src/auth/tokens.js';
import { loadConfig } from '../../src/config.js';
import { feedLines } from '../../src/demo/generate.js';
import { importFeed } from '../../src/feed/pipeline.js';
import { createApp } from '../../src/http/app.js';
import { Urls } from '../../src/publish/urls.js';
import { silentLogger } from '../../src/logger.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { openTrust } from '../../src/trust/trust.js';
import { basicFeed, product } from '../helpers/records.js';
import { linesSource, tempDir } from '../helpers/store.js';
import { platformProfile } from '../helpers/ucp.js';

const AGENT = 'https://agent.example/profile.json';
let data: { dir: string; cleanup: () => void };
let store: SqliteStore;
let app: ReturnType<typeof createApp>;
let server: http.Server;
let base: string;
let token: string;
let file: string;

beforeAll(async () => {
  data = tempDir('ucpd-upload-');
  file = path.join(data.dir, 'ucpd.sqlite');
  store = new SqliteStore({ file, writeWaitMs: 3000, stuckLockMs: 1000 });
  expect((await importFeed(store, linesSource(basicFeed()))).status).toBe('applied');
  mkdirSync(path.join(data.dir, 'platforms'));
  writeFileSync(path.join(data.dir, 'platforms', 'agent.json'), JSON.stringify({ profile_url: AGENT, profile: platformProfile({ capabilities: ['dev.ucp.shopping.checkout'] }) }));
  const config = loadConfig({ dataDir: data.dir, baseUrl: 'https://shop.example' }, { UCPD_FEED_IDLE_TIMEOUT: '1', UCPD_SEED_DEMO: 'false' });
  const trust = await openTrust({ store, dataDir: data.dir, urls: new Urls(config.baseUrl), clock: { now: () => new Date() }, logger: silentLogger });
  app = createApp({ store, config, clock: { now: () => new Date() }, logger: silentLogger, trust });
  app.indexer.stop();
  server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  token = (await createToken(store, 'admin', ['catalog:write', 'inventory:write'], { now: () => new Date() })).secret;
}, 60_000);

afterAll(async () => {
  app.close();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await store.close();
  data.cleanup();
});

async function stock(onHand: number): Promise<{ status: number; ms: number; body: Record<string, unknown> }> {
  const t = Date.now();
  const res = await fetch(`${base}/admin/v1/inventory`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ updates: [{ variant_id: 'p1-s', location_id: 'wh', on_hand: onHand }] }),
  });
  return { status: res.status, ms: Date.now() - t, body: (await res.json()) as Record<string, unknown> };
}

async function health(): Promise<{ status: number; ms: number; body: Record<string, unknown> }> {
  const t = Date.now();
  const res = await fetch(`${base}/healthz`);
  return { status: res.status, ms: Date.now() - t, body: (await res.json()) as Record<string, unknown> };
}

const uploads = () => (existsSync(path.join(data.dir, 'tmp')) ? readdirSync(path.join(data.dir, 'tmp')) : []);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Start an upload that declares `declared` bytes; returns the request (to write more, or abort) and its end. */
function startUpload(declared: number, first: string): { req: http.ClientRequest; ended: Promise<string> } {
  const req = http.request(`${base}/admin/v1/feed?format=jsonl`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson', 'content-length': String(declared) },
    agent: false,
  });
  const ended = new Promise<string>((resolve) => {
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(`status ${res.statusCode}`));
    });
    req.on('error', (err) => resolve(`error ${(err as NodeJS.ErrnoException).code ?? err.message}`));
  });
  req.write(first);
  return { req, ended };
}

describe('uploads hold nothing while they arrive', () => {
  test('a stalled upload: writes go on meanwhile; after the idle timeout it is cut off, nothing applied, its file removed', async () => {
    const started = Date.now();
    const upload = startUpload(10_000_000, `${JSON.stringify(product('stalled'))}\n`);
    await sleep(100);
    const during = await stock(3);
    expect(during.status).toBe(200);
    expect(during.ms).toBeLessThan(500); // it used to wait 5 s for the lock, then answer 500
    expect(uploads().length).toBe(1);
    const end = await upload.ended;
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(end).toMatch(/^(error|status 408)/);
    expect(await store.getProduct('stalled')).toBeUndefined();
    for (let i = 0; i < 20 && uploads().length; i++) await sleep(50);
    expect(uploads()).toEqual([]);
  });

  test('an aborted upload frees everything within 1 s; nothing applied', async () => {
    const upload = startUpload(50_000_000, `${JSON.stringify(product('aborted'))}\n`.repeat(1) + ' '.repeat(1_000_000));
    await sleep(200);
    const abortedAt = Date.now();
    upload.req.destroy();
    while (uploads().length && Date.now() - abortedAt < 1000) await sleep(10);
    expect(uploads()).toEqual([]);
    expect(Date.now() - abortedAt).toBeLessThan(1000);
    expect((await stock(4)).status).toBe(200);
    expect(await store.getProduct('aborted')).toBeUndefined();
  });

  test('a larger upload (prepared on a worker) applies while stock updates keep succeeding', async () => {
    const feed = [...feedLines({ products: 2500, variants: 'fixed3', reviews: false, currencies: ['USD'] })].join('');
    expect(feed.length).toBeGreaterThan(8 * 1024 * 1024); // big enough to be prepared on a worker thread
    const res = fetch(`${base}/admin/v1/feed?format=jsonl`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' }, body: feed });
    const statuses: number[] = [];
    let done = false;
    void res.then(() => (done = true));
    for (let n = 0; !done; n++) statuses.push((await stock(10 + (n % 5))).status);
    const report = (await (await res).json()) as { status: string; counts: { products?: { created: number } } };
    expect(report.status).toBe('applied');
    expect(report.counts.products?.created).toBe(2500);
    expect(statuses.length).toBeGreaterThan(0);
    expect(new Set(statuses)).toEqual(new Set([200]));
    expect(uploads()).toEqual([]);
  }, 60_000);
});

describe('a write lock held elsewhere', () => {
  test('writes wait for it without blocking the event loop, then succeed; /healthz reports the held lock, 503 past its limit', async () => {
    const other = new Database(file);
    other.pragma('busy_timeout = 0');
    other.exec('BEGIN IMMEDIATE');
    const heldAt = Date.now();
    const pending = stock(21);
    await sleep(100);
    const early = await health();
    expect(early.ms).toBeLessThan(200); // the event loop is free while the write waits
    expect(early.status).toBe(200);
    expect(early.body).toMatchObject({ status: 'ok', writable: true, lockHeldMs: expect.any(Number) });
    await sleep(1100);
    const stuck = await health();
    expect(stuck.status).toBe(503);
    expect(stuck.body).toMatchObject({ status: 'degraded', writable: false });
    expect(stuck.body.lockHeldMs as number).toBeGreaterThanOrEqual(1000);
    other.exec('ROLLBACK');
    const done = await pending;
    expect(done.status).toBe(200);
    expect(Date.now() - heldAt).toBeGreaterThanOrEqual(1200);
    expect((await health()).body).toMatchObject({ status: 'ok', writable: true });
    expect((await store.getLevels(['p1-s']))[0]!.onHand).toBe(21);
    other.close();
  });

  test('past the wait limit: 503 store_busy with Retry-After (admin), 503 temporarily_unavailable (UCP); never a 500', async () => {
    const other = new Database(file);
    other.pragma('busy_timeout = 0');
    other.exec('BEGIN IMMEDIATE');
    try {
      const [admin, ucp] = await Promise.all([
        stock(30),
        fetch(`${base}/ucp/v1/checkout-sessions`, {
          method: 'POST',
          headers: { 'ucp-agent': `profile="${AGENT}"`, 'content-type': 'application/json' },
          body: JSON.stringify({ line_items: [{ item: { id: 'p1-s' }, quantity: 1 }] }),
        }),
      ]);
      expect(admin.status).toBe(503);
      expect(admin.body).toMatchObject({ code: 'store_busy' });
      expect(ucp.status).toBe(503);
      expect(ucp.headers.get('retry-after')).toBeTruthy();
      expect(await ucp.json()).toMatchObject({ code: 'temporarily_unavailable' });
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
  }, 15_000);

  test('a feed with problems is reported without waiting for the lock: nothing is locked before it validates', async () => {
    const other = new Database(file);
    other.pragma('busy_timeout = 0');
    other.exec('BEGIN IMMEDIATE');
    try {
      const t = Date.now();
      const res = await fetch(`${base}/admin/v1/feed?format=jsonl`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
        body: `${JSON.stringify(product('p8'))}\n{"type":"product"}\n`,
      });
      expect(res.status).toBe(422);
      expect(Date.now() - t).toBeLessThan(1000);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
  });
});
