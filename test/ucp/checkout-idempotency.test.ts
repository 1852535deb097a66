/**
 * Idempotency keys on UCP checkout requests over REST: replays byte for byte, conflicts, concurrent
 * requests that run once, leases taken over after a process died or waited out while another holds them,
 * the retention purge, and a failing idempotency store that refuses rather than runs twice.
 * (The lease mechanics on their own: idempotency.test.ts.)
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import type { TestStore } from '../helpers/store.js';
import { AGENT, type CheckoutApp, checkoutSuite, PAY_OK, roses, shipping } from '../helpers/ucp-checkout.js';

const suite = checkoutSuite();
const call = suite.call;
let t: TestStore;
let app: CheckoutApp;
beforeAll(() => {
  ({ t, app } = suite.current());
});

describe('idempotency', () => {
  test('same key and body replays the stored response byte for byte; a different body is 409', async () => {
    const key = '0b9e0d9c-6f0e-4d6a-9c3e-1a2b3c4d5e6f';
    const a = await call('post', '/checkout-sessions', roses(), { key });
    const b = await call('post', '/checkout-sessions', roses(), { key });
    expect(b.status).toBe(a.status);
    expect(b.text).toBe(a.text);
    expect(b.headers['idempotent-replayed']).toBe('true');
    const c = await call('post', '/checkout-sessions', roses(3), { key });
    expect(c.status).toBe(409);
    expect(c.body.code).toBe('idempotency_conflict');
  });

  test('two concurrent requests with one key execute once', async () => {
    const c = await call('post', '/checkout-sessions', { ...roses(), ...shipping('std-ship') });
    const key = 'concurrent-complete-key-0001';
    const before = (await t.store.getProduct('bouquet_roses'))!.levels.reduce((s, l) => s + (l.onHand ?? 0), 0);
    const [x, y] = await Promise.all([call('post', `/checkout-sessions/${c.body.id}/complete`, PAY_OK, { key }), call('post', `/checkout-sessions/${c.body.id}/complete`, PAY_OK, { key })]);
    expect(x.status).toBe(200);
    expect(y.text).toBe(x.text);
    const after = (await t.store.getProduct('bouquet_roses'))!.levels.reduce((s, l) => s + (l.onHand ?? 0), 0);
    expect(before - after).toBe(1);
  });

  const scopeOf = (path: string) => `${AGENT} POST /ucp/v1${path}`;
  const hashOf = (body: unknown) => createHash('sha256').update(JSON.stringify(body)).digest('base64url');
  const lease = (ms: number, claim = 'a-process-that-died') => ({ at: t.clock.now().toISOString(), leaseUntil: new Date(t.clock.now().getTime() + ms).toISOString(), claim });

  test('a key whose request was in flight when its process died is taken over once its lease runs out (it used to be stuck forever)', async () => {
    const body = roses(2);
    const key = 'crashed-in-flight-0001';
    expect(await t.store.beginIdempotent(scopeOf('/checkout-sessions'), key, hashOf(body), lease(30_000))).toEqual({ state: 'new' });
    t.clock.advance(31_000); // nobody renewed it
    const started = Date.now();
    const res = await call('post', '/checkout-sessions', body, { key });
    expect(res.status).toBe(201);
    expect(Date.now() - started).toBeLessThan(1000);
    const again = await call('post', '/checkout-sessions', body, { key });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.text).toBe(res.text);
    // a claim left by a version without leases (lease_until NULL) is taken over at once
    const old = 'claimed-before-leases-0001';
    t.store.connection.prepare('INSERT INTO idempotency (scope, key, request_hash, created_at) VALUES (?, ?, ?, ?)').run(scopeOf('/checkout-sessions'), old, hashOf(body), t.clock.now().toISOString());
    expect((await call('post', '/checkout-sessions', body, { key: old })).status).toBe(201);
  });

  test('while another process holds the key: a 409 with Retry-After after a short wait, then its stored answer is replayed', async () => {
    const body = roses(1);
    const key = 'held-by-another-process-0001';
    const scope = scopeOf('/checkout-sessions');
    await t.store.beginIdempotent(scope, key, hashOf(body), lease(30_000, 'other-process'));
    const started = Date.now();
    const busy = await call('post', '/checkout-sessions', body, { key });
    expect(busy.status).toBe(409);
    expect(busy.body.code).toBe('idempotency_conflict');
    expect(Number(busy.headers['retry-after'])).toBe(30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(Date.now() - started).toBeLessThan(5000);
    // the other process renews (its request is still running): still not ours
    expect(await t.store.renewIdempotent(scope, key, 'other-process', new Date(t.clock.now().getTime() + 60_000).toISOString())).toBe(true);
    t.clock.advance(31_000);
    expect((await call('post', '/checkout-sessions', body, { key })).status).toBe(409);
    // it finishes: everyone gets its answer
    await t.store.finishIdempotent(
      scope,
      key,
      'other-process',
      { status: 201, contentType: 'application/json', body: Buffer.from('{"answer":"from the other process"}') },
      t.clock.now().toISOString(),
    );
    const replay = await call('post', '/checkout-sessions', body, { key });
    expect(replay.text).toBe('{"answer":"from the other process"}');
    // a stale holder can no longer write over it
    await t.store.finishIdempotent(scope, key, 'a-stale-holder', { status: 500, contentType: 'application/json', body: Buffer.from('{}') }, t.clock.now().toISOString());
    expect((await call('post', '/checkout-sessions', body, { key })).text).toBe('{"answer":"from the other process"}');
  }, 15_000);

  test('stored answers are purged after the retention (48 h); younger ones stay', async () => {
    const body = roses(1);
    const res = await call('post', '/checkout-sessions', body, { key: 'purge-me-later-0001' });
    expect(res.status).toBe(201);
    const count = () => (t.store.connection.prepare('SELECT count(*) AS n FROM idempotency WHERE key = ?').get('purge-me-later-0001') as { n: number }).n;
    t.clock.advance(47 * 3600_000);
    await app.ucp.idempotency.purge();
    expect(count()).toBe(1);
    t.clock.advance(2 * 3600_000);
    expect(await app.ucp.idempotency.purge()).toBeGreaterThanOrEqual(1);
    expect(count()).toBe(0);
  });

  test('an idempotency store that fails refuses the request (503) and runs nothing', async () => {
    const original = t.store.beginIdempotent.bind(t.store);
    t.store.beginIdempotent = async () => {
      throw new Error('disk full');
    };
    try {
      const res = await call('post', '/checkout-sessions', roses(), { key: 'store-down-key' });
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBeDefined();
    } finally {
      t.store.beginIdempotent = original;
    }
  });
});
