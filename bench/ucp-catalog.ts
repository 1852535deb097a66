/**
 * bench/ucp-catalog: the UCP catalog capability on a 100,000-product catalog (wrk, loopback, 16
 * connections): POST /catalog/search over a mix of agent-style queries (words, "under $X", sizes,
 * "in stock", category filters) and POST /catalog/lookup of 10 ids (products and variants mixed),
 * unsigned and signed (RFC 9421, verified against the pinned platform key). The same script times the
 * bare FTS5 query underneath each search (ranked candidates, same MATCH, same LIMIT, in-process) as
 * the floor, and reports ucpd / floor ratios.
 *
 *   npm run build && node dist/bench/ucp-catalog.js [--products 100000] [--runs 3] [--duration 10]
 * Needs wrk (Debian: apt-get install wrk).
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import Database from 'better-sqlite3';
import { feedLines } from '../src/demo/generate.js';
import { projectPath } from '../src/paths.js';
import { ftsQuery, understand } from '../src/ucp/catalog/query.js';
import { isCurrencyCode, minorUnitExponent } from '../src/catalog/money.js';
import { agentKey, platformProfile, ucpHeaders } from '../src/ucp/agent.js';
import { median, pct, spawnUntil, waitForCredentials, benchArgs } from './lib.js';

const args = benchArgs();
const products = Number(args.get('products') ?? 100_000);
const runs = Number(args.get('runs') ?? 3);
const duration = Number(args.get('duration') ?? 10);
const out = projectPath('bench', 'out');
const cli = projectPath('dist', 'src', 'cli', 'main.js');
const dataDir = path.join(out, `ucp-catalog-${products}`);
const dbFile = path.join(dataDir, 'ucpd.sqlite');
const AGENT = 'https://bench-agent.example/profile.json';

function sh(cmd: string, argv: string[]): string {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed: ${r.stderr}${r.stdout.slice(-2000)}`);
  return r.stdout;
}

async function prepare(): Promise<void> {
  if (existsSync(dbFile)) return;
  mkdirSync(dataDir, { recursive: true });
  const feed = path.join(out, `feed-${products}.jsonl`);
  if (!existsSync(feed)) {
    const w = createWriteStream(feed);
    for (const line of feedLines({ products, variants: 'fixed3', reviews: false, currencies: ['USD'] })) if (!w.write(line)) await once(w, 'drain');
    w.end();
    await once(w, 'finish');
  }
  const t0 = performance.now();
  sh(process.execPath, [cli, '--data-dir', dataDir, 'import', feed]);
  console.log(`imported ${products} products in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

function ms(text: string): number {
  const m = /([\d.]+)(us|ms|s)\b/.exec(text)!;
  return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
}

interface WrkResult {
  rps: number;
  p50: number;
  p99: number;
}

/** A wrk script that POSTs the given requests round-robin (each: path, headers, body). */
function script(name: string, requests: { path: string; headers: Record<string, string>; body: string }[]): string {
  const file = path.join(out, `${name}.lua`);
  const lua = requests
    .map(
      (r) =>
        `{ path = ${JSON.stringify(r.path)}, body = ${JSON.stringify(r.body)}, headers = { ${Object.entries(r.headers)
          .map(([k, v]) => `[${JSON.stringify(k)}] = ${JSON.stringify(v)}`)
          .join(', ')} } }`,
    )
    .join(',\n');
  writeFileSync(
    file,
    `local reqs = {\n${lua}\n}\nlocal i = 0\nrequest = function()\n  i = (i % #reqs) + 1\n  local r = reqs[i]\n  return wrk.format("POST", r.path, r.headers, r.body)\nend\n` +
      `response = function(status, headers, body)\n  if status ~= 200 then print("status " .. status .. ": " .. body) os.exit(1) end\nend\n`,
  );
  return file;
}

function wrk(url: string, scriptFile: string): WrkResult {
  const text = sh('wrk', ['-t2', '-c16', `-d${duration}s`, '--latency', '-s', scriptFile, url]);
  return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(text)![1]), p50: ms(/\s50%\s+(\S+)/.exec(text)![1]!), p99: ms(/\s99%\s+(\S+)/.exec(text)![1]!) };
}

await prepare();
mkdirSync(path.join(dataDir, 'platforms'), { recursive: true });
const key = agentKey();
writeFileSync(path.join(dataDir, 'platforms', 'bench-agent.json'), JSON.stringify({ profile_url: AGENT, profile: platformProfile({ keys: [key] }) }));

// ---- the query mix, from the catalog itself: kinds, brand + kind, with price / size / stock constraints
const db = new Database(dbFile, { readonly: true });
// every product kind (the last two words of a title, "Rain Jacket") with one brand that sells it
const titled = db.prepare<[], { title: string; brand: string; categories: string }>('SELECT title, brand, categories FROM products WHERE rowid % 97 = 0').all();
const byKind = new Map<string, { brand: string; categories: string }>();
for (const t of titled) {
  const kind = t.title
    .replace(/\s\d+\s/, ' ')
    .split(' ')
    .slice(-2)
    .join(' ')
    .toLowerCase();
  if (!/^\d/.test(kind) && !byKind.has(kind)) byKind.set(kind, t);
}
const kinds = [...byKind.keys()].sort();
const queries: { query?: string; filters?: object }[] = [];
for (const [i, kind] of kinds.entries()) {
  const { brand, categories } = byKind.get(kind)!;
  queries.push({ query: kind }, { query: `${brand} ${kind}`.toLowerCase() }, { query: `${kind} under $${100 + 50 * (i % 4)}` }, { query: `${kind} size M in stock` }, { query: `waterproof ${kind}` });
  queries.push({ query: kind.split(' ')[1]!, filters: { categories: [categories.split('\n')[0]!] } });
}
const ids = db.prepare<[], { id: string; product_id: string }>('SELECT id, product_id FROM variants WHERE rowid % 613 = 0 LIMIT 400').all();
// catalog-wide: 4,000 bodies of 10 ids each over 40,000 distinct products (more than the encoding cache holds)
const wide = db.prepare<[], { id: string; product_id: string }>('SELECT id, product_id FROM variants WHERE rowid % 7 = 0 LIMIT 40000').all();
db.close();
console.log(
  `query mix: ${queries.length} searches over ${kinds.length} kinds, e.g. ${queries
    .slice(0, 5)
    .map((q) => JSON.stringify(q.query ?? q.filters))
    .join(', ')}`,
);

// ---- the floor: the same FTS5 query ucpd runs for each search (ranked, LIMIT 11), in-process
const fts = new Database(dbFile, { readonly: true });
const ranked = fts.prepare('SELECT rowid, rank FROM product_search WHERE product_search MATCH ? ORDER BY rank, rowid LIMIT 11');
const o = { isCurrency: isCurrencyCode, exponent: minorUnitExponent, dollar: 'USD', fallbackCurrency: 'USD' };
function floor(): number[] {
  const matches = queries.filter((q) => q.query).map((q) => ftsQuery(understand(q.query!, o).terms, 'all'));
  const times: number[] = [];
  const end = performance.now() + Math.min(duration, 5) * 1000;
  for (let i = 0; performance.now() < end; i++) {
    const t0 = performance.now();
    ranked.all(matches[i % matches.length]!);
    times.push(performance.now() - t0);
  }
  return times;
}

const server = await spawnUntil([cli, '--data-dir', dataDir, 'serve', '--port', '0', '--no-seed', '--log-level', 'warn']);
try {
  // background work first: credential issuance for the catalog's certifications (a full run on a new
  // data directory issues ~16,000 credentials) and the search index (a projection, built on a worker)
  const t0 = performance.now();
  await waitForCredentials(server.url, 500);
  console.log(`credentials ready ${((performance.now() - t0) / 1000).toFixed(1)} s after start`);
  for (;;) {
    const body = JSON.stringify({ query: kinds[0] });
    const res = await fetch(`${server.url}/ucp/v1/catalog/search`, { method: 'POST', headers: ucpHeaders(AGENT, body, 'POST', '/ucp/v1/catalog/search'), body });
    const json = (await res.json()) as { products?: unknown[] };
    if (res.status === 200 && json.products?.length) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  console.log(`search index ready ${((performance.now() - t0) / 1000).toFixed(1)} s after start (built or already current)`);

  const authority = new URL(server.url).host;
  const searchScript = script(
    'ucp-search',
    queries.map((q) => {
      const body = JSON.stringify({ ...q, context: { address_country: 'US', currency: 'USD' } });
      return { path: '/ucp/v1/catalog/search', headers: ucpHeaders(AGENT, body, 'POST', '/ucp/v1/catalog/search'), body };
    }),
  );
  const lookupBodies = Array.from({ length: 40 }, (_, i) => {
    const ten = ids.slice(i * 10, i * 10 + 10).map((r, j) => (j % 2 ? r.id : r.product_id));
    return JSON.stringify({ ids: ten, context: { address_country: 'US' } });
  });
  const lookupScript = script(
    'ucp-lookup',
    lookupBodies.map((body) => ({ path: '/ucp/v1/catalog/lookup', headers: ucpHeaders(AGENT, body, 'POST', '/ucp/v1/catalog/lookup'), body })),
  );
  const wideScript = script(
    'ucp-lookup-wide',
    Array.from({ length: 4000 }, (_, i) => {
      const body = JSON.stringify({ ids: wide.slice(i * 10, i * 10 + 10).map((r, j) => (j % 2 ? r.id : r.product_id)), context: { address_country: 'US' } });
      return { path: '/ucp/v1/catalog/lookup', headers: ucpHeaders(AGENT, body, 'POST', '/ucp/v1/catalog/lookup'), body };
    }),
  );

  // Cold: each query of the mix once, one at a time, on a server that has not seen it (FTS ranking,
  // filtering, product encoding all cold). Then every case gets a 2 s warm-up before it is measured.
  const cold: number[] = [];
  const slowest: [number, string][] = [];
  for (const q of queries) {
    const body = JSON.stringify({ ...q, context: { address_country: 'US', currency: 'USD' } });
    const t1 = performance.now();
    const res = await fetch(`${server.url}/ucp/v1/catalog/search`, { method: 'POST', headers: ucpHeaders(AGENT, body, 'POST', '/ucp/v1/catalog/search'), body });
    await res.arrayBuffer();
    cold.push(performance.now() - t1);
    slowest.push([performance.now() - t1, JSON.stringify(q)]);
  }
  slowest.sort((a, b) => b[0] - a[0]);
  console.log(
    `slowest first-time searches: ${slowest
      .slice(0, 6)
      .map(([t, q]) => `${q} ${t.toFixed(0)} ms`)
      .join('; ')}`,
  );
  console.log(
    `search, first time each query is seen (1 connection): p50 ${median(cold).toFixed(2)} ms, p99 ${pct(cold, 99).toFixed(2)} ms, max ${Math.max(...cold).toFixed(2)} ms over ${cold.length} queries`,
  );
  const warm = (file: string) => sh('wrk', ['-t2', '-c16', '-d2s', '-s', file, server.url]);
  warm(searchScript);
  warm(lookupScript);

  const results = new Map<string, WrkResult[]>();
  const floors: number[][] = [];
  const add = (name: string, r: WrkResult) => {
    results.set(name, [...(results.get(name) ?? []), r]);
    console.log(`  ${name}: ${Math.round(r.rps)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms`);
  };
  for (let r = 0; r < runs; r++) {
    console.log(`run ${r + 1}`);
    add('search', wrk(server.url, searchScript));
    add('lookup, 10 ids (400 hot ids)', wrk(server.url, lookupScript));
    // signed requests: signatures made now stay valid for the run (created within the 300 s window)
    const signedScript = script(
      'ucp-lookup-signed',
      lookupBodies.map((body) => ({ path: '/ucp/v1/catalog/lookup', headers: ucpHeaders(AGENT, body, 'POST', '/ucp/v1/catalog/lookup', { key, authority }), body })),
    );
    add('lookup, 10 ids, signed request', wrk(server.url, signedScript));
    add('lookup, 10 ids, catalog-wide (cold)', wrk(server.url, wideScript));
    const f = floor();
    floors.push(f);
    console.log(`  bare FTS query (floor): p50 ${median(f).toFixed(3)} ms, p99 ${pct(f, 99).toFixed(3)} ms over ${f.length} queries`);
  }

  const med = (name: string, k: keyof WrkResult) => median(results.get(name)!.map((x) => x[k]));
  const floorP50 = median(floors.map((f) => median(f)));
  const floorP99 = median(floors.map((f) => pct(f, 99)));
  console.log(`\nbench/ucp-catalog: ${products.toLocaleString('en-US')} products, wrk -t2 -c16 -d${duration}s, ${runs} runs, medians`);
  for (const name of results.keys()) {
    console.log(
      `  ${name.padEnd(34)} ${String(Math.round(med(name, 'rps'))).padStart(6)} req/s   p50 ${med(name, 'p50').toFixed(2).padStart(6)} ms   p99 ${med(name, 'p99').toFixed(2).padStart(6)} ms`,
    );
  }
  console.log(`  bare FTS5 query (floor, 1 caller)       p50 ${floorP50.toFixed(3)} ms   p99 ${floorP99.toFixed(3)} ms`);
  console.log(`  search, cold (each query's first time, 1 connection)   p50 ${median(cold).toFixed(2)} ms   p99 ${pct(cold, 99).toFixed(2)} ms`);
  console.log(`  search p99: ${med('search', 'p99').toFixed(2)} ms (target < 20 ms); lookup p99: ${med('lookup, 10 ids (400 hot ids)', 'p99').toFixed(2)} ms (target < 10 ms)`);
  console.log(`  search p50 / floor p50: ${(med('search', 'p50') / floorP50).toFixed(1)}x (the rest: HTTP, negotiation, filters, records, encoding, signing, 16-way queueing)`);
  const perRequestMs = 1000 / med('search', 'rps');
  console.log(`  search service time (1 / throughput): ${perRequestMs.toFixed(3)} ms per request = ${(perRequestMs / floorP50).toFixed(1)}x the floor`);
} finally {
  server.child.kill();
}
