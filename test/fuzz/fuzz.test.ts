/**
 * The fuzz suite, short run (bench/fuzz runs 20,000): requests derived from the route table and the
 * official request schemas, against a real server process. Every answer keeps the rules of target.ts
 * (no 5xx fault, no internals in a body); afterwards the process is up, /healthz says ok, the backstop
 * caught nothing and the server logged no unhandled error. fast-check shrinks a failure to a small
 * request and prints the seed (UCPD_FUZZ_SEED reproduces a run).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { fuzzRequests } from './requests.js';
import { problemsOf, send, startFuzzTarget, type FuzzTarget } from './target.js';

const RUNS = Number(process.env.UCPD_FUZZ_RUNS ?? 1000);
const SEED = Number(process.env.UCPD_FUZZ_SEED ?? Date.now() % 2 ** 31);
let target: FuzzTarget;

beforeAll(async () => {
  target = await startFuzzTarget();
}, 90_000);

afterAll(async () => {
  await target?.stop();
});

describe('fuzz: requests from the route table and the official schemas, against a real server', () => {
  test(`${RUNS} requests: no 5xx, no internals in a body, the process stays up`, async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fuzzRequests(target.ctx), async (req) => {
        const res = await send(target.base, req);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const problems = problemsOf(req, res);
        if (problems.length) throw new Error(`${req.method} ${req.path.slice(0, 300)} (${req.route}): ${problems.join('; ')}\n${res.body.slice(0, 500)}`);
      }),
      { numRuns: RUNS, seed: SEED, verbose: 1 },
    );
    // it did real work: business answers, refusals and not-found all occurred
    expect([...statuses.keys()].filter((s) => s >= 200 && s < 300).length).toBeGreaterThan(0);
    expect([...statuses.keys()].filter((s) => s >= 400 && s < 500).length).toBeGreaterThan(3);
    expect(target.server.child.exitCode).toBeNull();
    const health = (await (await fetch(`${target.base}/healthz`)).json()) as { status: string; faults: number };
    expect(health).toMatchObject({ status: 'ok', faults: 0 });
    expect(target.log()).not.toMatch(/unhandled error|fault caught by the backstop/);
  }, 240_000);
});
