/** Idempotency claims are leases: renewed while their request runs, taken over when their process died. */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { silentLogger } from '../../src/logger.js';
import { systemClock } from '../../src/store/store.js';
import { IdempotencyKeys } from '../../src/ucp/idempotency.js';
import { tempStore, type TestStore } from '../helpers/store.js';

let t: TestStore;
beforeAll(() => {
  t = tempStore();
});
afterAll(async () => {
  await t.close();
});

const answer = (text: string) => ({ status: 200, contentType: 'application/json', body: Buffer.from(text) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('idempotency leases (two processes sharing one store)', () => {
  test('a running request keeps its claim past the lease by renewing it; the other process waits, then replays its answer', async () => {
    const a = new IdempotencyKeys({ store: t.store, clock: systemClock, logger: silentLogger, leaseMs: 90 });
    const b = new IdempotencyKeys({ store: t.store, clock: systemClock, logger: silentLogger, leaseMs: 90, foreignWaitMs: 150 });
    const first = await a.claim('scope', 'k1', 'h1');
    expect(first.kind).toBe('claimed');
    await sleep(300); // three leases long: only renewal keeps it
    await expect(b.claim('scope', 'k1', 'h1')).rejects.toMatchObject({ code: 'idempotency_conflict', status: 409 });
    if (first.kind === 'claimed') await first.claim.finish(answer('{"n":1}'));
    const replay = await b.claim('scope', 'k1', 'h1');
    expect(replay.kind === 'replay' && replay.response.body.toString()).toBe('{"n":1}');
    await expect(b.claim('scope', 'k1', 'other body')).rejects.toMatchObject({ code: 'idempotency_conflict' });
  });

  test('a claim nobody renews (its process died) is taken over after the lease; the dead holder cannot overwrite the new answer', async () => {
    const dead = await t.store.beginIdempotent('scope', 'k2', 'h2', { at: new Date().toISOString(), leaseUntil: new Date(Date.now() + 100).toISOString(), claim: 'dead' });
    expect(dead.state).toBe('new');
    const b = new IdempotencyKeys({ store: t.store, clock: systemClock, logger: silentLogger, foreignWaitMs: 2000 });
    const started = Date.now();
    const taken = await b.claim('scope', 'k2', 'h2');
    expect(taken.kind).toBe('claimed');
    expect(Date.now() - started).toBeLessThan(1000);
    if (taken.kind === 'claimed') await taken.claim.finish(answer('{"n":2}'));
    await t.store.finishIdempotent('scope', 'k2', 'dead', answer('{"stale":true}'), new Date().toISOString());
    const replay = await b.claim('scope', 'k2', 'h2');
    expect(replay.kind === 'replay' && replay.response.body.toString()).toBe('{"n":2}');
  });

  test('in one process a duplicate waits for the running request and replays its answer; an abandoned claim lets it run', async () => {
    const keys = new IdempotencyKeys({ store: t.store, clock: systemClock, logger: silentLogger });
    const first = await keys.claim('scope', 'k3', 'h3');
    const second = keys.claim('scope', 'k3', 'h3');
    await sleep(50);
    if (first.kind === 'claimed') await first.claim.finish(answer('{"n":3}'));
    const got = await second;
    expect(got.kind === 'replay' && got.response.body.toString()).toBe('{"n":3}');
    const x = await keys.claim('scope', 'k4', 'h4');
    const y = keys.claim('scope', 'k4', 'h4');
    if (x.kind === 'claimed') await x.claim.abandon();
    expect((await y).kind).toBe('claimed');
  });
});
