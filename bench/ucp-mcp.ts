/**
 * bench/ucp-mcp: the same work over UCP's MCP binding and over REST, side by side on one server (the UCP
 * reference store): catalog search with wrk (16 connections; the same C client for both, so the figure
 * is the server's), and whole purchases (create checkout -> update with buyer, address, option and code
 * -> complete) by 16 concurrent agents on keep-alive node:http connections. REST and MCP alternate in
 * rounds of `--round` seconds so both meet the machine in the same state. Reports throughput medians
 * and the MCP / REST ratio (target >= 0.80).
 *
 *   npm run build && node dist/bench/ucp-mcp.js [--rounds 5] [--round 3] [--concurrency 16] [--version 2026-08-25|2026-04-08]
 * Needs wrk (Debian: apt-get install wrk).
 */
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { projectPath } from '../src/paths.js';
import { ucpHeaders } from '../src/ucp/agent.js';
import { CURRENT_VERSION } from '../src/ucp/versions.js';
import { UCPD_READY, median, referenceStore, spawnUntil, stockUp, waitForCredentials, benchArgs } from './lib.js';

const args = benchArgs();
const rounds = Number(args.get('rounds') ?? 5);
const round = Number(args.get('round') ?? 3);
const concurrency = Number(args.get('concurrency') ?? 16);
/** The UCP version the agent speaks (the current release unless told). */
const version = args.get('version') ?? CURRENT_VERSION;
const out = projectPath('bench', 'out');
const cli = projectPath('dist', 'src', 'cli', 'main.js');
const dataDir = path.join(out, 'ucp-mcp');
const AGENT = 'https://bench-agent.example/profile.json';

const caps = ['dev.ucp.shopping.catalog.search', 'dev.ucp.shopping.catalog.lookup', 'dev.ucp.shopping.checkout', 'dev.ucp.shopping.order', 'dev.ucp.shopping.fulfillment', 'dev.ucp.shopping.discount'];
const { env, token } = referenceStore(dataDir, AGENT, caps, version);
const { child: server, url: base } = await spawnUntil([cli, 'serve', '--port', '0', '--no-seed', '--test-payments', '--log-level', 'warn'], UCPD_READY, { env });
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const origin = new URL(base);

/** What the benchmark reads of UCP bodies and JSON-RPC responses. */
interface Json {
  id: string;
  status: string;
  line_items: { id: string }[];
  products?: unknown[];
  error?: unknown;
  result: { structuredContent: Json };
}
function send(method: string, p: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; json: Json }> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const all = { ...headers, ...(text !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) } : {}) };
  return new Promise((resolve, reject) => {
    const req = http.request({ host: origin.hostname, port: origin.port, path: p, method, headers: all, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json }));
    });
    req.on('error', reject);
    req.end(text);
  });
}

/** One UCP operation over either transport: its UCP body. */
interface Transport {
  name: string;
  call(tool: string, method: string, restPath: string, payload: unknown, o?: { id?: string; key?: boolean; payloadKey?: string }): Promise<Json>;
}
const rest: Transport = {
  name: 'REST',
  async call(_tool, method, restPath, payload, o = {}) {
    const p = `/ucp/v1${restPath}`;
    const body = method === 'PUT' && o.id ? { id: o.id, ...(payload as object) } : payload;
    const r = await send(method, p, body, { ...ucpHeaders(AGENT, body === undefined ? undefined : JSON.stringify(body), method, p), ...(o.key ? { 'idempotency-key': randomUUID() } : {}) });
    if (r.status >= 300) throw new Error(`${restPath}: ${r.status} ${JSON.stringify(r.json).slice(0, 300)}`);
    return r.json;
  },
};
let rpc = 0;
const mcp: Transport = {
  name: 'MCP',
  async call(tool, _method, _restPath, payload, o = {}) {
    const meta = { 'ucp-agent': { profile: AGENT }, ...(o.key ? { 'idempotency-key': randomUUID() } : {}) };
    const args = { meta, ...(o.id ? { id: o.id } : {}), ...(payload !== undefined ? { [o.payloadKey ?? 'catalog']: payload } : {}) };
    const r = await send('POST', '/ucp/mcp', { jsonrpc: '2.0', id: ++rpc, method: 'tools/call', params: { name: tool, arguments: args } }, { accept: 'application/json, text/event-stream' });
    if (r.status !== 200 || r.json.error) throw new Error(`${tool}: ${r.status} ${JSON.stringify(r.json).slice(0, 300)}`);
    return r.json.result.structuredContent;
  },
};

const address = { id: 'home', street_address: '1 Market St', address_locality: 'San Francisco', address_region: 'CA', postal_code: '94105', address_country: 'US' };
const pay = { payment: { instruments: [{ id: 'instr_1', handler_id: 'mock_payment_handler', type: 'card', credential: { type: 'token', token: 'success_token' } }] } };
/** A wrk script POSTing one body (search over either transport). */
function wrkScript(name: string, body: unknown, headers: Record<string, string>): string {
  const file = path.join(out, `${name}.lua`);
  const lines = [
    'wrk.method = "POST"',
    `wrk.body = ${JSON.stringify(JSON.stringify(body))}`,
    ...Object.entries({ 'content-type': 'application/json', ...headers }).map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`),
  ];
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}
const searches = {
  REST: { path: '/ucp/v1/catalog/search', script: wrkScript('mcp-bench-rest-search', { query: 'roses' }, { 'ucp-agent': `profile="${AGENT}"` }) },
  MCP: {
    path: '/ucp/mcp',
    script: wrkScript(
      'mcp-bench-mcp-search',
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'search_catalog', arguments: { meta: { 'ucp-agent': { profile: AGENT } }, catalog: { query: 'roses' } } } },
      { accept: 'application/json, text/event-stream' },
    ),
  },
};
function wrkRate(transport: 'REST' | 'MCP', seconds: number): number {
  const s = searches[transport];
  const r = spawnSync('wrk', ['-t2', `-c${concurrency}`, `-d${seconds}s`, '-s', s.script, `${base}${s.path}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr}`);
  if (/Non-2xx/.test(r.stdout)) throw new Error(`${transport} search: non-2xx answers\n${r.stdout}`);
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)![1]);
}

const work = {
  purchase: async (t: Transport) => {
    const c = await t.call('create_checkout', 'POST', '/checkout-sessions', { line_items: [{ item: { id: 'bouquet_roses' }, quantity: 1 }] }, { payloadKey: 'checkout' });
    const line = c.line_items[0]!.id;
    const u = await t.call(
      'update_checkout',
      'PUT',
      `/checkout-sessions/${c.id}`,
      {
        line_items: [{ id: line, item: { id: 'bouquet_roses' }, quantity: 1 }],
        buyer: { email: 'bench@example.com', first_name: 'Bench' },
        discounts: { codes: ['10OFF'] },
        fulfillment: { methods: [{ type: 'shipping', line_item_ids: [line], destinations: [address], selected_destination_id: 'home', groups: [{ id: 'g1', selected_option_id: 'exp-ship-us' }] }] },
      },
      { id: c.id, payloadKey: 'checkout' },
    );
    if (u.status !== 'ready_for_complete') throw new Error(`update: ${JSON.stringify(u).slice(0, 300)}`);
    const d = await t.call('complete_checkout', 'POST', `/checkout-sessions/${c.id}/complete`, pay, { id: c.id, key: true, payloadKey: 'checkout' });
    if (d.status !== 'completed') throw new Error(`complete: ${JSON.stringify(d).slice(0, 300)}`);
  },
};

async function rate(job: (t: Transport) => Promise<void>, t: Transport, seconds: number): Promise<number> {
  let n = 0;
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await job(t);
        n++;
      }
    }),
  );
  return n / ((performance.now() - started) / 1000);
}

try {
  await waitForCredentials(base);
  await stockUp(base, token);
  for (const t of [rest, mcp]) {
    await rate(work.purchase, t, 1); // warm-up
    wrkRate(t.name as 'REST' | 'MCP', 1);
  }

  console.log(`bench/ucp-mcp: UCP ${version}, ${concurrency} concurrent agents, REST and MCP alternating in ${round} s rounds, ${rounds} rounds each`);
  for (const [name, job] of Object.entries({ search: undefined, ...work })) {
    const per: Record<string, number[]> = { REST: [], MCP: [] };
    const ratios: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 ? [mcp, rest] : [rest, mcp];
      const got: Record<string, number> = {};
      for (const t of order) got[t.name] = job ? await rate(job, t, round) : wrkRate(t.name as 'REST' | 'MCP', round);
      per.REST!.push(got.REST!);
      per.MCP!.push(got.MCP!);
      ratios.push(got.MCP! / got.REST!);
    }
    const unit = name === 'search' ? 'searches/s' : 'purchases/s';
    console.log(
      `  ${name.padEnd(9)} REST ${median(per.REST!).toFixed(0).padStart(6)} ${unit}   MCP ${median(per.MCP!).toFixed(0).padStart(6)} ${unit}   MCP / REST ${median(ratios).toFixed(2)} (per round ${ratios.map((x) => x.toFixed(2)).join(', ')}; target >= 0.80)`,
    );
  }
} finally {
  agent.destroy();
  server.kill('SIGINT');
}
