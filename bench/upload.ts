/**
 * bench/upload: a ~100 MB feed uploaded through the admin API while 16 agents run whole checkouts over
 * UCP REST (create -> update with address and option -> complete) against the real server. Per run, on
 * a fresh store (the UCP reference store plus plenty of stock):
 *
 * 1. baseline: checkout flows for `--duration` seconds, no upload;
 * 2. the same agents while the feed uploads and imports; /healthz is sampled every 50 ms for how long the
 *    write lock was held by someone else (the import's apply stage);
 * 3. an upload aborted after ~30 MB: how long until its file is gone and a write succeeds.
 *
 * Prints failed flows (must be 0), flow p50/p99 without and with the upload side by side, the upload's
 * wall time, and medians over the runs.
 *
 *   npm run build && node dist/bench/upload.js [--runs 3] [--duration 10] [--concurrency 16] [--mb 100]
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { once } from 'node:events';
import http from 'node:http';
import path from 'node:path';
import { feedLines } from '../src/demo/generate.js';
import { projectPath } from '../src/paths.js';
import { ucpHeaders } from '../src/ucp/agent.js';
import { UCPD_READY, median, pct, referenceStore, spawnUntil, stockUp, waitForCredentials, benchArgs } from './lib.js';

const args = benchArgs();
const runs = Number(args.get('runs') ?? 3);
const duration = Number(args.get('duration') ?? 10);
const concurrency = Number(args.get('concurrency') ?? 16);
const targetMb = Number(args.get('mb') ?? 100);
const out = projectPath('bench', 'out');
const cli = projectPath('dist', 'src', 'cli', 'main.js');
const AGENT = 'https://bench-agent.example/profile.json';
mkdirSync(out, { recursive: true });

// ---- the feed: products (with the locations they stock), no merchant record: the store keeps its identity
const feedFile = path.join(out, `upload-${targetMb}mb.jsonl`);
if (!existsSync(feedFile)) {
  const products = Math.round((targetMb * 1024 * 1024) / 3900);
  const w = createWriteStream(feedFile);
  for (const line of feedLines({ products, variants: 'fixed3', reviews: false, currencies: ['USD'] })) {
    const type = /^\{"type":"(\w+)"/.exec(line)?.[1];
    if (type === 'header' || type === 'merchant') continue;
    if (!w.write(line)) await once(w, 'drain');
  }
  w.end();
  await once(w, 'finish');
}
const feedBytes = statSync(feedFile).size;
console.log(`feed: ${feedFile} (${(feedBytes / 1024 / 1024).toFixed(1)} MiB)`);

interface Measured {
  lat: number[];
  failures: number;
  errors: string[];
}

async function run(index: number) {
  const dataDir = path.join(out, `upload-run-${index}`);
  const { env, token } = referenceStore(dataDir, AGENT, ['dev.ucp.shopping.checkout', 'dev.ucp.shopping.order', 'dev.ucp.shopping.fulfillment']);
  const { child: server, url: base } = await spawnUntil([cli, 'serve', '--port', '0', '--no-seed', '--test-payments', '--log-level', 'warn'], UCPD_READY, { env });
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const origin = new URL(base);
  const request = (method: string, p: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: origin.hostname, port: origin.port, path: p, method, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      req.end(body);
    });
  const ucp = (method: string, p: string, body: unknown) => {
    const text = JSON.stringify(body);
    return request(
      method,
      `/ucp/v1${p}`,
      { ...ucpHeaders(AGENT, text, method, `/ucp/v1${p}`), 'idempotency-key': randomUUID(), 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) },
      text,
    );
  };
  const address = { id: 'home', street_address: '1 Market St', address_locality: 'San Francisco', address_region: 'CA', postal_code: '94105', address_country: 'US' };
  const pay = { payment: { instruments: [{ id: 'i1', handler_id: 'mock_payment_handler', type: 'card', credential: { type: 'token', token: 'success_token' } }] } };
  async function flow(): Promise<void> {
    const c = await ucp('POST', '/checkout-sessions', { line_items: [{ item: { id: 'bouquet_roses' }, quantity: 1 }] });
    if (c.status !== 201) throw new Error(`create ${c.status} ${c.text.slice(0, 200)}`);
    const chk = JSON.parse(c.text) as { id: string; line_items: { id: string }[] };
    const u = await ucp('PUT', `/checkout-sessions/${chk.id}`, {
      line_items: [{ id: chk.line_items[0]!.id, item: { id: 'bouquet_roses' }, quantity: 1 }],
      buyer: { email: 'bench@example.com', first_name: 'Bench' },
      fulfillment: {
        methods: [{ type: 'shipping', line_item_ids: [chk.line_items[0]!.id], destinations: [address], selected_destination_id: 'home', groups: [{ id: 'g1', selected_option_id: 'exp-ship-us' }] }],
      },
    });
    if (u.status !== 200 || !u.text.includes('"ready_for_complete"')) throw new Error(`update ${u.status} ${u.text.slice(0, 200)}`);
    const d = await ucp('POST', `/checkout-sessions/${chk.id}/complete`, pay);
    if (d.status !== 200 || !d.text.includes('"completed"')) throw new Error(`complete ${d.status} ${d.text.slice(0, 200)}`);
  }
  async function agents(until: () => boolean): Promise<Measured> {
    const m: Measured = { lat: [], failures: 0, errors: [] };
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (!until()) {
          const t = performance.now();
          try {
            await flow();
            m.lat.push(performance.now() - t);
          } catch (err) {
            m.failures++;
            if (m.errors.length < 5) m.errors.push(String(err));
          }
        }
      }),
    );
    return m;
  }
  const upload = (abortAfter?: number): Promise<{ status: number; text: string; ms: number }> =>
    new Promise((resolve, reject) => {
      const t = performance.now();
      const req = http.request(
        {
          host: origin.hostname,
          port: origin.port,
          path: '/admin/v1/feed?format=jsonl',
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson', 'content-length': String(feedBytes) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - t }));
        },
      );
      req.on('error', (err) => (abortAfter ? resolve({ status: 0, text: 'aborted', ms: performance.now() - t }) : reject(err)));
      const stream = createReadStream(feedFile, { highWaterMark: 1 << 20 });
      let sent = 0;
      stream.on('data', (chunk) => {
        sent += chunk.length;
        if (abortAfter && sent >= abortAfter) {
          stream.destroy();
          req.destroy();
          resolve({ status: 0, text: 'aborted', ms: performance.now() - t });
          return;
        }
        if (!req.write(chunk)) {
          stream.pause();
          req.once('drain', () => stream.resume());
        }
      });
      stream.on('end', () => req.end());
    });
  try {
    await waitForCredentials(base);
    await stockUp(base, token);
    const warmEnd = performance.now() + 2000;
    await agents(() => performance.now() > warmEnd);

    const baseEnd = performance.now() + duration * 1000;
    const baseline = await agents(() => performance.now() > baseEnd);

    // the same agents while the feed uploads and imports; healthz sampled for the longest lock hold
    let uploaded = false;
    let maxLockMs = 0;
    let healthFailures = 0;
    const sampler = (async () => {
      while (!uploaded) {
        const h = await fetch(`${base}/healthz`)
          .then((r) => r.json() as Promise<{ lockHeldMs?: number }>)
          .catch(() => undefined);
        if (!h) healthFailures++;
        else maxLockMs = Math.max(maxLockMs, h.lockHeldMs ?? 0);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const up = upload().finally(() => (uploaded = true));
    const during = await agents(() => uploaded);
    const result = await up;
    await sampler;
    const report = JSON.parse(result.text) as { status: string; records: number; durationMs: number; counts: { products?: { created: number } } };
    if (result.status !== 200 || report.status !== 'applied') throw new Error(`upload: ${result.status} ${result.text.slice(0, 300)}`);

    // an aborted upload: how long until its file is gone and a write succeeds
    const tmp = path.join(dataDir, 'tmp');
    const aborted = await upload(30 * 1024 * 1024);
    const abortAt = performance.now();
    let freedMs = NaN;
    for (;;) {
      const left = existsSync(tmp) ? readdirSync(tmp).filter((n) => n.startsWith('upload-')) : [];
      if (left.length === 0) {
        freedMs = performance.now() - abortAt;
        break;
      }
      if (performance.now() - abortAt > 10_000) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const w0 = performance.now();
    const write = await fetch(`${base}/admin/v1/inventory`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ updates: [{ variant_id: 'bouquet_roses', on_hand: 99_000_000 }] }),
    });
    const writeMs = performance.now() - w0;
    if (aborted.status !== 0 || write.status !== 200) throw new Error(`abort test: upload ${aborted.status}, write ${write.status}`);

    const r = {
      baseP50: median(baseline.lat),
      baseP99: pct(baseline.lat, 99),
      baseFlows: baseline.lat.length,
      baseFailures: baseline.failures,
      upP50: median(during.lat),
      upP99: pct(during.lat, 99),
      upMax: Math.max(...during.lat),
      upFlows: during.lat.length,
      upFailures: during.failures,
      uploadS: result.ms / 1000,
      importS: report.durationMs / 1000,
      products: report.counts.products?.created ?? 0,
      maxLockMs,
      healthFailures,
      freedMs,
      writeMs,
      errors: [...baseline.errors, ...during.errors],
    };
    console.log(
      `run ${index}: baseline ${r.baseFlows} flows, ${r.baseFailures} failed, p50 ${r.baseP50.toFixed(1)} ms, p99 ${r.baseP99.toFixed(1)} ms | ` +
        `during upload ${r.upFlows} flows, ${r.upFailures} failed, p50 ${r.upP50.toFixed(1)} ms, p99 ${r.upP99.toFixed(1)} ms, max ${r.upMax.toFixed(0)} ms | ` +
        `upload+import ${r.uploadS.toFixed(1)} s (import ${r.importS.toFixed(1)} s, ${r.products} products), longest lock hold seen ${r.maxLockMs} ms | ` +
        `aborted upload freed in ${r.freedMs.toFixed(0)} ms, next write ${r.writeMs.toFixed(0)} ms`,
    );
    for (const e of r.errors) console.log(`  error: ${e}`);
    return r;
  } finally {
    agent.destroy();
    server.kill('SIGINT');
    await once(server, 'exit');
  }
}

const results: Awaited<ReturnType<typeof run>>[] = [];
for (let i = 1; i <= runs; i++) results.push(await run(i));
const med = (k: keyof (typeof results)[number]) => median(results.map((x) => x[k] as number));
const sum = (k: keyof (typeof results)[number]) => results.reduce((s, x) => s + (x[k] as number), 0);
console.log(`\nbench/upload: ${(feedBytes / 1024 / 1024).toFixed(0)} MiB feed through POST /admin/v1/feed while ${concurrency} agents run checkouts; ${runs} runs, medians`);
console.log(`  failed checkouts: ${sum('baseFailures')} without the upload, ${sum('upFailures')} during it (target 0)`);
console.log(
  `  checkout flow p50 ${med('baseP50').toFixed(1)} ms -> ${med('upP50').toFixed(1)} ms; p99 ${med('baseP99').toFixed(1)} ms -> ${med('upP99').toFixed(1)} ms (without -> during the upload)`,
);
console.log(`  upload + import ${med('uploadS').toFixed(1)} s; longest write-lock hold seen by /healthz ${med('maxLockMs')} ms; /healthz failures ${sum('healthFailures')}`);
console.log(`  aborted upload: file gone after ${med('freedMs').toFixed(0)} ms, next write took ${med('writeMs').toFixed(0)} ms (target: store free within 1 s)`);
