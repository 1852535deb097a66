/**
 * bench/ucp-checkout: whole purchases over UCP REST against the real server (the UCP reference store):
 * create checkout -> update (buyer, address, shipping option, discount code) -> complete, by 16
 * concurrent agents (keep-alive connections) for a fixed time. Reports complete flows per second and
 * flow latency p50/p99 (and per step), next to the floor: a bare better-sqlite3 script doing the same
 * writes (session insert, session update, then one transaction taking stock, storing the order,
 * closing the session, queuing the webhook), measured by this script in-process.
 *
 *   npm run build && node dist/bench/ucp-checkout.js [--runs 3] [--duration 10] [--concurrency 16]
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { projectPath } from '../src/paths.js';
import { ucpHeaders } from '../src/ucp/agent.js';
import { UCPD_READY, median, pct, referenceStore, spawnUntil, stockUp, waitForCredentials, benchArgs } from './lib.js';

const args = benchArgs();
const runs = Number(args.get('runs') ?? 3);
const duration = Number(args.get('duration') ?? 10);
const concurrency = Number(args.get('concurrency') ?? 16);
const out = projectPath('bench', 'out');
const cli = projectPath('dist', 'src', 'cli', 'main.js');
const dataDir = path.join(out, 'ucp-checkout');
const AGENT = 'https://bench-agent.example/profile.json';

// ---- a fresh copy of the reference store with plenty of stock, and the bench agent pinned
const { env, token } = referenceStore(dataDir, AGENT, ['dev.ucp.shopping.checkout', 'dev.ucp.shopping.order', 'dev.ucp.shopping.fulfillment', 'dev.ucp.shopping.discount']);

// UCPD_BENCH_PROFILE=1: a V8 CPU profile of the server in bench/out/prof
const profile = process.env.UCPD_BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.join(out, 'prof')}`] : [];
const { child: server, url: base } = await spawnUntil([...profile, cli, 'serve', '--port', '0', '--no-seed', '--test-payments', '--log-level', 'warn'], UCPD_READY, { env });

// node:http with keep-alive: the cheapest client at hand, so the measurement is the server's
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const origin = new URL(base);
/** What the flow reads of a checkout session; error bodies are only printed. */
interface CheckoutSession {
  id: string;
  status: string;
  line_items: { id: string }[];
}
function post(method: string, p: string, body: unknown, key = true): Promise<{ status: number; json: CheckoutSession }> {
  const text = JSON.stringify(body);
  const headers = { ...ucpHeaders(AGENT, text, method, `/ucp/v1${p}`), ...(key ? { 'idempotency-key': randomUUID() } : {}), 'content-length': String(Buffer.byteLength(text)) };
  return new Promise((resolve, reject) => {
    const req = http.request({ host: origin.hostname, port: origin.port, path: `/ucp/v1${p}`, method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as CheckoutSession }));
    });
    req.on('error', reject);
    req.end(text);
  });
}

try {
  await waitForCredentials(base);
  await stockUp(base, token);

  const address = { id: 'home', street_address: '1 Market St', address_locality: 'San Francisco', address_region: 'CA', postal_code: '94105', address_country: 'US' };
  const pay = { payment: { instruments: [{ id: 'instr_1', handler_id: 'mock_payment_handler', type: 'card', credential: { type: 'token', token: 'success_token' } }] } };
  async function flow(): Promise<{ ms: number; steps: number[] }> {
    const t0 = performance.now();
    const c = await post('POST', '/checkout-sessions', { line_items: [{ item: { id: 'bouquet_roses' }, quantity: 1 }] });
    const t1 = performance.now();
    if (c.status !== 201) throw new Error(`create: ${c.status} ${JSON.stringify(c.json)}`);
    const u = await post('PUT', `/checkout-sessions/${c.json.id}`, {
      line_items: [{ id: c.json.line_items[0].id, item: { id: 'bouquet_roses' }, quantity: 1 }],
      buyer: { email: 'bench@example.com', first_name: 'Bench' },
      discounts: { codes: ['10OFF'] },
      fulfillment: {
        methods: [{ type: 'shipping', line_item_ids: [c.json.line_items[0].id], destinations: [address], selected_destination_id: 'home', groups: [{ id: 'g1', selected_option_id: 'exp-ship-us' }] }],
      },
    });
    const t2 = performance.now();
    if (u.status !== 200 || u.json.status !== 'ready_for_complete') throw new Error(`update: ${u.status} ${JSON.stringify(u.json).slice(0, 500)}`);
    const d = await post('POST', `/checkout-sessions/${c.json.id}/complete`, pay);
    const t3 = performance.now();
    if (d.status !== 200 || d.json.status !== 'completed') throw new Error(`complete: ${d.status} ${JSON.stringify(d.json).slice(0, 500)}`);
    return { ms: t3 - t0, steps: [t1 - t0, t2 - t1, t3 - t2] };
  }

  async function measure(seconds: number): Promise<{ flows: number; rate: number; lat: number[]; steps: number[][] }> {
    const lat: number[] = [];
    const steps: number[][] = [[], [], []];
    const end = performance.now() + seconds * 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < end) {
          const f = await flow();
          lat.push(f.ms);
          f.steps.forEach((s, i) => {
            steps[i]!.push(s);
          });
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    return { flows: lat.length, rate: lat.length / elapsed, lat, steps };
  }

  // ---- the floor: the same writes, bare better-sqlite3, one caller
  const db = new Database(path.join(dataDir, 'floor.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, version INTEGER, doc TEXT, updated_at TEXT);
    CREATE TABLE IF NOT EXISTS inventory (variant_id TEXT PRIMARY KEY, on_hand INTEGER, updated_at TEXT);
    CREATE TABLE IF NOT EXISTS orders (id TEXT PRIMARY KEY, checkout_id TEXT, doc TEXT, created_at TEXT);
    CREATE TABLE IF NOT EXISTS outbox (id TEXT PRIMARY KEY, order_id TEXT, body BLOB, next_at TEXT);
    CREATE TABLE IF NOT EXISTS changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT, variant_id TEXT);
    INSERT OR IGNORE INTO inventory VALUES ('v', 100000000, '');`);
  const ins = db.prepare('INSERT INTO sessions VALUES (?, 1, ?, ?)');
  const upd = db.prepare('UPDATE sessions SET version = version + 1, doc = ?, updated_at = ? WHERE id = ? AND version = ?');
  const take = db.prepare('UPDATE inventory SET on_hand = on_hand - 1, updated_at = ? WHERE variant_id = ? AND on_hand >= 1');
  const addOrder = db.prepare('INSERT INTO orders VALUES (?, ?, ?, ?)');
  const addOutbox = db.prepare('INSERT INTO outbox VALUES (?, ?, ?, ?)');
  const addChange = db.prepare('INSERT INTO changes (at, variant_id) VALUES (?, ?)');
  const sample = await post('POST', '/checkout-sessions', { line_items: [{ item: { id: 'bouquet_roses' }, quantity: 1 }] });
  const docText = JSON.stringify(sample.json); // a realistic document size
  const complete = db.transaction((id: string, at: string) => {
    if (take.run(at, 'v').changes !== 1) throw new Error('no stock');
    addChange.run(at, 'v');
    addOrder.run(`o-${id}`, id, docText, at);
    upd.run(docText, at, id, 2);
    addOutbox.run(`w-${id}`, `o-${id}`, Buffer.from(docText), at);
  });
  function floor(seconds: number): number {
    let n = 0;
    const end = performance.now() + seconds * 1000;
    const started = performance.now();
    while (performance.now() < end) {
      const id = randomUUID();
      const at = new Date().toISOString();
      ins.run(id, docText, at);
      upd.run(docText, at, id, 1);
      complete.immediate(id, at);
      n++;
    }
    return n / ((performance.now() - started) / 1000);
  }

  await measure(2); // warm-up
  const results: { rate: number; p50: number; p99: number; steps: number[][]; floor: number }[] = [];
  for (let r = 0; r < runs; r++) {
    const m = await measure(duration);
    const f = floor(Math.min(duration, 5));
    results.push({ rate: m.rate, p50: median(m.lat), p99: pct(m.lat, 99), steps: m.steps, floor: f });
    console.log(
      `run ${r + 1}: ${m.flows} flows, ${m.rate.toFixed(0)} flows/s, p50 ${median(m.lat).toFixed(1)} ms, p99 ${pct(m.lat, 99).toFixed(1)} ms; steps p99 create ${pct(m.steps[0]!, 99).toFixed(1)} / update ${pct(m.steps[1]!, 99).toFixed(1)} / complete ${pct(m.steps[2]!, 99).toFixed(1)} ms; bare SQLite floor ${f.toFixed(0)} flows/s`,
    );
  }
  const med = (k: 'rate' | 'p50' | 'p99' | 'floor') => median(results.map((x) => x[k]));
  console.log(`\nbench/ucp-checkout: create -> update (buyer, address, option, code) -> complete, ${concurrency} concurrent agents, ${duration} s x ${runs} runs, medians`);
  console.log(
    `  ucpd                      ${med('rate').toFixed(0).padStart(6)} flows/s   p50 ${med('p50').toFixed(1).padStart(6)} ms   p99 ${med('p99').toFixed(1).padStart(6)} ms   (targets: >= 300 flows/s, p99 < 50 ms)`,
  );
  console.log(`  bare better-sqlite3 floor ${med('floor').toFixed(0).padStart(6)} flows/s   (the same writes, one caller, in-process)`);
  console.log(`  ucpd / floor: ${(med('rate') / med('floor')).toFixed(3)}`);
} finally {
  agent.destroy();
  server.kill('SIGINT');
}
