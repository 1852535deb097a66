/**
 * The SSE change feed under a long log (hardening): one subscriber catching up from `since=0` does not
 * delay delivery to live subscribers (it took 22 s on a 112k-change log), catch-up is complete and in
 * order, and streams are capped per client.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { basicFeed } from '../helpers/records.js';
import { testApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
let server: http.Server;
let base: string;
const LOG = 30_000;

beforeAll(async () => {
  t = await testApp(basicFeed());
  // a long change log: 30,000 stock changes
  const updates = Array.from({ length: LOG }, (_, i) => ({ variantId: 'p1-s', locationId: 'wh', onHand: i % 2 === 0 ? 7 : 8 }));
  await t.store.applyInventory(updates);
  server = http.createServer(t.app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  t.app.close();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await t.close();
});

interface Stream {
  ids: number[];
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  close(): void;
  waitFor(pred: (ids: number[]) => boolean, ms: number): Promise<number>;
}

function open(query = '', headers: Record<string, string> = {}): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}/.well-known/commerce/changes${query}`, { headers: { accept: 'text/event-stream', ...headers }, agent: false }, (res) => {
      const s: Stream = {
        ids: [],
        status: res.statusCode ?? 0,
        headers: res.headers,
        body: '',
        close: () => req.destroy(),
        waitFor: async (pred, ms) => {
          const start = Date.now();
          while (!pred(s.ids)) {
            if (Date.now() - start > ms) throw new Error(`not within ${ms} ms (${s.ids.length} events, last ${s.ids.at(-1)})`);
            await new Promise((r) => setTimeout(r, 5));
          }
          return Date.now() - start;
        },
      };
      let buf = '';
      res.on('data', (chunk: Buffer) => {
        buf += chunk.toString('utf8');
        if (s.status !== 200) s.body += chunk.toString('utf8');
        for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const m = /^id: (\d+)$/m.exec(block);
          if (m) s.ids.push(Number(m[1]));
        }
      });
      res.on('error', () => undefined);
      if (s.status === 200) resolve(s);
      else res.on('end', () => resolve(s));
    });
    req.on('error', reject);
  });
}

describe('change stream fairness', () => {
  test('a subscriber catching up from 0 on a 30,000-change log does not delay live subscribers; it gets everything, in order', async () => {
    const head = await t.store.lastSeq();
    const live = await open();
    const behind = await open('?since=0');
    await new Promise((r) => setTimeout(r, 250)); // both registered; catch-up under way
    await t.store.applyInventory([{ variantId: 'p2-s', locationId: 'wh', onHand: 3 }]);
    const seq = await t.store.lastSeq();
    const ms = await live.waitFor((ids) => ids.includes(seq), 5000);
    expect(ms).toBeLessThan(1000); // a few 200 ms ticks, not the whole catch-up
    expect(live.ids).toEqual([seq]);
    expect(behind.ids.length).toBeLessThan(seq); // still catching up when the live one had it
    await behind.waitFor((ids) => ids.at(-1) === seq, 20_000);
    expect(behind.ids.length).toBe(seq);
    expect(behind.ids.every((id, i) => id === i + 1)).toBe(true); // 1..seq, no gap, no repeat
    expect(seq).toBeGreaterThan(head);
    live.close();
    behind.close();
  }, 30_000);

  test('at most 4 streams per client: the fifth is a 429 problem with Retry-After; closing one frees a place', async () => {
    await new Promise((r) => setTimeout(r, 300)); // the previous test's streams are gone
    const streams = await Promise.all([1, 2, 3, 4].map(() => open()));
    for (const s of streams) expect(s.status).toBe(200);
    const fifth = await open();
    expect(fifth.status).toBe(429);
    expect(fifth.headers['retry-after']).toBeDefined();
    expect(JSON.parse(fifth.body)).toMatchObject({ code: 'too_many_streams', status: 429 });
    expect(t.app.changes.count('127.0.0.1')).toBe(4);
    streams[0]!.close();
    for (let i = 0; i < 100 && t.app.changes.count('127.0.0.1') > 3; i++) await new Promise((r) => setTimeout(r, 10));
    const again = await open();
    expect(again.status).toBe(200);
    for (const s of [...streams, again]) s.close();
  });

  test('a bad position is a 400 problem', async () => {
    const bad = await open('?since=12345678901234567890');
    expect(bad.status).toBe(400);
  });
});
