/**
 * bench/ab: two ucpd builds side by side on one request sequence, request by request. On a shared,
 * noisy machine, throughput measured in separate runs varies by ±20 % from one minute to the next;
 * interleaving the two servers request by request exposes both to the same moments, so their ratio holds
 * still. Each request of a wrk script written by another benchmark (e.g. bench/out/ucp-lookup-wide.lua)
 * goes to A and to B (alternating which goes first), from `--lanes` concurrent lanes; the report gives
 * each side's latency percentiles, response size and the B/A ratios.
 *
 *   npm run build && node dist/bench/ab.js --a <other checkout, built> --a-data <its data dir>
 *        --b-data <this checkout's data dir> (--script <wrk lua> | --get <path>) [--pairs 3000] [--lanes 1]
 *
 * Both data directories must hold the same catalog (import the same feed into each: a data directory
 * belongs to the build that created it). B is this checkout.
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectPath } from '../src/paths.js';
import { median, pct, spawnUntil, benchArgs } from './lib.js';

const args = benchArgs();
function need(k: string): string {
  const v = args.get(k);
  if (v === undefined) throw new Error(`--${k} is required (see the header of bench/ab.ts)`);
  return v;
}
const pairs = Number(args.get('pairs') ?? 3000);
const lanes = Number(args.get('lanes') ?? 1);

interface Req {
  method: string;
  path: string;
  body: string;
  headers: Record<string, string>;
}
/** The requests of a wrk script as the benchmarks write them: `{ path = "...", body = "...", headers = { ["k"] = "v" } }`. */
function requestsOf(lua: string): Req[] {
  const str = '"(?:[^"\\\\]|\\\\.)*"';
  return lua
    .split('\n')
    .filter((l) => l.startsWith('{ path'))
    .map((l) => {
      const headers: Record<string, string> = {};
      for (const m of l.matchAll(new RegExp(`\\[(${str})\\] = (${str})`, 'g'))) headers[JSON.parse(m[1]!)] = JSON.parse(m[2]!);
      return { method: 'POST', path: JSON.parse(new RegExp(`path = (${str})`).exec(l)![1]!), body: JSON.parse(new RegExp(`body = (${str})`).exec(l)![1]!), headers };
    });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 2 * lanes });
function send(base: URL, r: Req): Promise<{ ms: number; status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    const req = http.request({ host: base.hostname, port: base.port, path: r.path, method: r.method, headers: { ...r.headers, 'content-length': Buffer.byteLength(r.body) }, agent }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ ms: Number(process.hrtime.bigint() - t) / 1e6, status: res.statusCode ?? 0, bytes }));
    });
    req.on('error', reject);
    req.end(r.body);
  });
}

const requests = args.has('get') ? [{ method: 'GET', path: need('get'), body: '', headers: {} }] : requestsOf(readFileSync(need('script'), 'utf8'));
if (requests.length === 0) throw new Error('no requests in the script');
const serve = (root: string, dataDir: string) => spawnUntil([path.join(root, 'dist', 'src', 'cli', 'main.js'), '--data-dir', dataDir, 'serve', '--port', '0', '--no-seed', '--log-level', 'warn']);
const a = await serve(need('a'), need('a-data'));
const b = await serve(projectPath(), need('b-data'));
const side = { a: { url: new URL(a.url), ms: [] as number[], bytes: 0 }, b: { url: new URL(b.url), ms: [] as number[], bytes: 0 } };
try {
  // warm-up: module compilation and prepared statements, not the data (a cold catalog stays cold)
  for (let i = 0; i < 20; i++) for (const s of [side.a, side.b]) await send(s.url, requests[requests.length - 1 - (i % requests.length)]!);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < pairs; i = next++) {
      const r = requests[i % requests.length]!;
      const order = i % 2 ? [side.a, side.b] : [side.b, side.a];
      for (const s of order) {
        const x = await send(s.url, r);
        if (x.status !== 200) throw new Error(`${r.path}: status ${x.status}`);
        s.ms.push(x.ms);
        s.bytes += x.bytes;
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: lanes }, lane));
  const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
  console.log(`bench/ab: ${pairs} request pairs of ${args.has('get') ? `GET ${args.get('get')}` : path.basename(need('script'))}, ${lanes} lane(s), ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  for (const [name, s] of Object.entries(side))
    console.log(`  ${name}  p50 ${median(s.ms).toFixed(2)} ms  p90 ${pct(s.ms, 90).toFixed(2)} ms  mean ${mean(s.ms).toFixed(2)} ms  ${(s.bytes / pairs / 1024).toFixed(1)} KB/response`);
  console.log(`  B/A  p50 ${(median(side.b.ms) / median(side.a.ms)).toFixed(3)}  mean ${(mean(side.b.ms) / mean(side.a.ms)).toFixed(3)}  (below 1: B is faster)`);
} finally {
  a.child.kill('SIGTERM');
  b.child.kill('SIGTERM');
  agent.destroy();
}
