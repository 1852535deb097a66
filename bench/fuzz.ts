/**
 * bench/fuzz: the fuzz suite's long run. Requests derived from the route table and the official request
 * schemas (test/fuzz/requests.ts) against a real server process, 8 at a time; every answer checked by
 * the same rules as the test (test/fuzz/target.ts). Prints counts by status and by route, every rule
 * broken (with the request), whether the process is still up and what the backstop caught.
 *
 *   npm run build && node dist/bench/fuzz.js [--requests 20000] [--concurrency 8] [--seed n]
 */
import fc from 'fast-check';
import { fuzzRequests, type FuzzRequest } from '../test/fuzz/requests.js';
import { benchArgs } from './lib.js';
import { problemsOf, send, startFuzzTarget } from '../test/fuzz/target.js';

const args = benchArgs();
const total = Number(args.get('requests') ?? 20_000);
const concurrency = Number(args.get('concurrency') ?? 8);
const seed = Number(args.get('seed') ?? Date.now() % 2 ** 31);

const target = await startFuzzTarget();
const started = performance.now();
const byStatus = new Map<string, number>();
const byRoute = new Map<string, number>();
const broken: string[] = [];
let exits = 0;
target.server.child.once('exit', () => exits++);
try {
  const requests: FuzzRequest[] = fc.sample(fuzzRequests(target.ctx), { numRuns: total, seed });
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests.length) {
        const req = requests[next++]!;
        const res = await send(target.base, req);
        const key = res.reset ? `no answer (${res.reset.split(':')[0]})` : String(res.status);
        byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
        byRoute.set(req.route, (byRoute.get(req.route) ?? 0) + 1);
        const problems = problemsOf(req, res);
        if (problems.length && broken.length < 50)
          broken.push(
            `${req.method} ${req.path.slice(0, 200)} [${req.route}]: ${problems.join('; ')} ${res.body.slice(0, 200)}\n      request headers ${JSON.stringify(req.headers).slice(0, 400)}\n      request body ${req.body?.toString('utf8').slice(0, 600) ?? '(none)'}`,
          );
        else if (problems.length) broken.push('');
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const health = await fetch(`${target.base}/healthz`)
    .then((r) => r.json() as Promise<{ status: string; faults: number }>)
    .catch(() => undefined);
  const logged = (target.log().match(/unhandled error|fault caught by the backstop/g) ?? []).length;
  console.log(`bench/fuzz: ${total} requests over ${target.ctx.routes.length} routes, ${concurrency} at a time, seed ${seed}, ${seconds.toFixed(1)} s (${(total / seconds).toFixed(0)} requests/s)`);
  console.log('  by status:');
  for (const [k, n] of [...byStatus].sort((a, b) => a[0].localeCompare(b[0]))) console.log(`    ${k.padEnd(28)} ${String(n).padStart(6)}`);
  const fives = [...byStatus].filter(([k]) => /^5/.test(k)).reduce((s, [, n]) => s + n, 0);
  console.log(`  5xx answers: ${fives} (of which 503 with Retry-After are "try again", not faults)`);
  console.log(`  requests breaking a rule: ${broken.length}`);
  for (const b of broken.filter(Boolean)) console.log(`    ${b}`);
  for (const line of target
    .log()
    .split('\n')
    .filter((l) => /unhandled error|fault caught/.test(l))
    .slice(0, 10))
    console.log(`  server log: ${line.slice(0, 1500)}`);
  console.log(`  process exits: ${exits}; /healthz after: ${health ? `${health.status}, backstop faults ${health.faults}` : 'NO ANSWER'}; unhandled errors logged: ${logged}`);
  console.log(`  requests per route: min ${Math.min(...byRoute.values())}, max ${Math.max(...byRoute.values())} over ${byRoute.size} routes`);
  if (broken.length || exits || !health || health.faults || logged) process.exitCode = 1;
} finally {
  await target.stop();
}
