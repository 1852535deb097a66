/**
 * bench/commerce: the JSON-LD catalog under load on a 100,000-product catalog (wrk, loopback, 64
 * connections). Measures the store document, a 100-item catalog page, a product document and a 304
 * revalidation on ucpd, and the identical store-document bytes from a bare node:http server (the
 * ceiling), all in one run; then how long a stock change takes to show in the product document.
 *
 *   npm run build && node dist/bench/commerce.js [--products 100000] [--runs 3] [--duration 10]
 * Needs wrk (Debian: apt-get install wrk).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { createWriteStream } from 'node:fs';
import { feedLines } from '../src/demo/generate.js';
import { projectPath } from '../src/paths.js';
import { median, spawnUntil, waitForCredentials, benchArgs } from './lib.js';

const args = benchArgs();
const products = Number(args.get('products') ?? 100_000);
const runs = Number(args.get('runs') ?? 3);
const duration = Number(args.get('duration') ?? 10);
const out = projectPath('bench', 'out');
const cli = projectPath('dist', 'src', 'cli', 'main.js');
const dataDir = path.join(out, `commerce-${products}`);
/** fetch, retried once when a pooled keep-alive socket turns out to have been closed by the server. */
async function get(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    if ((err as { cause?: { code?: string } }).cause?.code !== 'UND_ERR_SOCKET') throw err;
    return fetch(url, init);
  }
}

function sh(cmd: string, argv: string[]): string {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

async function prepare(): Promise<void> {
  if (existsSync(path.join(dataDir, 'ucpd.sqlite'))) return;
  mkdirSync(out, { recursive: true });
  const feed = path.join(out, `feed-${products}.jsonl`);
  if (!existsSync(feed)) {
    const w = createWriteStream(feed);
    for (const line of feedLines({ products, variants: 'fixed3', reviews: false, currencies: ['USD'] })) if (!w.write(line)) await once(w, 'drain');
    w.end();
    await once(w, 'finish');
  }
  sh(process.execPath, [cli, '--data-dir', dataDir, 'import', feed]);
}

interface WrkResult {
  rps: number;
  p50: number;
  p99: number;
  bytes: number;
}

function ms(text: string): number {
  const m = /([\d.]+)(us|ms|s)/.exec(text)!;
  return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
}

function wrk(url: string, headers: string[] = []): WrkResult {
  const text = sh('wrk', ['-t2', '-c64', `-d${duration}s`, '--latency', ...headers.flatMap((h) => ['-H', h]), url]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)![1]);
  const p50 = ms(/\s50%\s+(\S+)/.exec(text)![1]!);
  const p99 = ms(/\s99%\s+(\S+)/.exec(text)![1]!);
  const transfer = /Transfer\/sec:\s+([\d.]+)(\w+)/.exec(text)!;
  const unit = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 }[transfer[2]!] ?? 1;
  return { rps, p50, p99, bytes: (Number(transfer[1]) * unit) / rps };
}

await prepare();
const ucpd = await spawnUntil([cli, '--data-dir', dataDir, 'serve', '--port', '0', '--no-seed', '--log-level', 'warn']);
try {
  // Measure the steady state: the first start of a new store issues its credentials (~16,000 for this
  // catalog's certifications) in the background, which competes for the CPU until it is done.
  const issuing = performance.now();
  await waitForCredentials(ucpd.url, 500);
  console.log(`credentials ready ${((performance.now() - issuing) / 1000).toFixed(1)} s after start`);
  const storeRes = await get(`${ucpd.url}/.well-known/commerce`);
  const storeBytes = Buffer.from(await storeRes.arrayBuffer());
  const bodyFile = path.join(out, 'store-document.jsonld');
  writeFileSync(bodyFile, storeBytes);
  const ceilingScript = `
    const http = require('node:http'); const body = require('node:fs').readFileSync(${JSON.stringify(bodyFile)});
    const headers = { 'Content-Type': 'application/ld+json', 'ETag': ${JSON.stringify(storeRes.headers.get('etag'))}, 'Cache-Control': ${JSON.stringify(storeRes.headers.get('cache-control'))}, 'Content-Length': body.length };
    const s = http.createServer((req, res) => { res.writeHead(200, headers); res.end(body); });
    s.keepAliveTimeout = 65000; s.listen(0, '127.0.0.1', () => console.log('ceiling on http://127.0.0.1:' + s.address().port));`;
  const ceiling = await spawnUntil(['-e', ceilingScript], /ceiling on (http:\/\/[\d.]+:\d+)/);

  const page = (await (await get(`${ucpd.url}/.well-known/commerce/catalog?limit=100`)).json()) as { dataFeedElement: { item: { '@id': string } }[] };
  const productUrl = page.dataFeedElement[37]!.item['@id'];
  const productRes = await get(productUrl);
  const etag = productRes.headers.get('etag')!;
  await productRes.arrayBuffer();
  const cases: [string, string, string[]][] = [
    ['store document (ucpd)', `${ucpd.url}/.well-known/commerce`, []],
    ['store document (bare node:http ceiling)', `${ceiling.url}/.well-known/commerce`, []],
    ['catalog page, 100 items', `${ucpd.url}/.well-known/commerce/catalog?limit=100`, []],
    ['product document', productUrl, []],
    ['304 revalidation (product)', productUrl, [`If-None-Match: ${etag}`]],
  ];
  const results = new Map<string, WrkResult[]>();
  for (let r = 0; r < runs; r++) {
    for (const [name, url, headers] of cases) {
      const res = wrk(url, headers);
      results.set(name, [...(results.get(name) ?? []), res]);
      console.log(`run ${r + 1} ${name}: ${Math.round(res.rps)} req/s, p50 ${res.p50.toFixed(2)} ms, p99 ${res.p99.toFixed(2)} ms, ${Math.round(res.bytes)} B/response`);
    }
  }

  // Stock change -> visible: POST a new on-hand quantity, then poll the product document until it shows.
  const token = sh(process.execPath, [cli, '--data-dir', dataDir, 'tokens', 'create', '--name', `bench-${Date.now()}`]).trim();
  const doc = (await (await get(productUrl)).json()) as { hasVariant: { '@id': string; offers: { inventoryLevel?: { value: number } }[] }[] };
  const variantId = new URL(doc.hasVariant[0]!['@id']).searchParams.get('variant')!;
  const visible: number[] = [];
  for (let i = 0; i < 50; i++) {
    const target = 1000 + i;
    const t0 = performance.now();
    const post = await get(`${ucpd.url}/admin/v1/inventory`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ updates: [{ variant_id: variantId, on_hand: target }] }),
    });
    if (post.status !== 200) throw new Error(`inventory update failed: ${post.status} ${await post.text()}`);
    await post.arrayBuffer();
    for (;;) {
      const d = (await (await get(productUrl)).json()) as typeof doc;
      if (d.hasVariant[0]!.offers[0]!.inventoryLevel?.value === target) break;
      if (performance.now() - t0 > 5000) throw new Error('stock change not visible after 5 s');
    }
    visible.push(performance.now() - t0);
  }
  ceiling.child.kill();

  console.log(`\nbench/commerce: ${products.toLocaleString('en-US')} products, wrk -t2 -c64 -d${duration}s, ${runs} runs, medians`);
  const med = (name: string, key: keyof WrkResult) => median(results.get(name)!.map((r) => r[key]));
  for (const [name] of cases) {
    console.log(
      `  ${name.padEnd(42)} ${String(Math.round(med(name, 'rps'))).padStart(7)} req/s   p50 ${med(name, 'p50').toFixed(2).padStart(6)} ms   p99 ${med(name, 'p99').toFixed(2).padStart(6)} ms   ${Math.round(med(name, 'bytes'))} B`,
    );
  }
  const ratios = results.get(cases[0]![0])!.map((r, i) => r.rps / results.get(cases[1]![0])![i]!.rps);
  console.log(`  store document / ceiling throughput: ${median(ratios).toFixed(2)} (per run ${ratios.map((x) => x.toFixed(2)).join(', ')}; target >= 0.40)`);
  console.log(`  catalog page p99: ${med(cases[2]![0], 'p99').toFixed(2)} ms (target < 25 ms)`);
  console.log(
    `  stock change visible after (POST sent -> product document shows it): median ${median(visible).toFixed(1)} ms, max ${Math.max(...visible).toFixed(1)} ms over ${visible.length} changes (target < 50 ms)`,
  );
} finally {
  ucpd.child.kill();
}
