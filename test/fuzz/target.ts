/**
 * The fuzz target: the real server (compiled CLI, demo store) as a child process, with an admin token, a
 * pinned platform and a few real checkouts, carts and orders whose ids the requests reuse; a raw HTTP
 * sender; and the rules every response must keep: no 500-class fault (a 503 only as a "try again" with
 * Retry-After), no stack trace, file path or internal error name in the body, and the process up.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { platformProfile, ucpHeaders } from '../../src/ucp/agent.js';
import { CLI, cleanEnv, startServer, type Started } from '../helpers/server.js';
import { tempDir } from '../helpers/store.js';
import type { FuzzContext, FuzzRequest } from './requests.js';
import { testApp } from '../helpers/app.js';
import { ALL_SHOPPING_CAPS } from '../helpers/ucp.js';

const ALL_CAPS = ALL_SHOPPING_CAPS;
const AGENT = 'https://fuzz-agent.example/profile.json';
const SOME_CAPS = 'https://fuzz-catalog-only.example/profile.json';

export interface FuzzResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The server closed the connection without an answer. */
  reset?: string;
}

export interface FuzzTarget {
  base: string;
  server: Started;
  ctx: FuzzContext;
  /** What the server wrote on stderr. */
  log(): string;
  stop(): Promise<void>;
}

/** The route table of this build, read from an app built in-process (the server process runs the same code). */
async function routeTable(): Promise<FuzzContext['routes']> {
  const t = await testApp([]);
  try {
    return t.app.routes();
  } finally {
    t.app.close();
    await t.close();
  }
}

function json(base: string, method: string, p: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  return fetch(`${base}${p}`, { method, headers: { ...(text ? { 'content-type': 'application/json' } : {}), ...headers }, ...(text ? { body: text } : {}) }).then(async (r) => ({
    status: r.status,
    body: (await r.json()) as Record<string, unknown>,
  }));
}

export async function startFuzzTarget(): Promise<FuzzTarget> {
  const data = tempDir('ucpd-fuzz-');
  const env = { ...cleanEnv, UCPD_DATA_DIR: data.dir };
  const token = execFileSync(process.execPath, [CLI, 'tokens', 'create', '--name', 'fuzz'], { env, stdio: ['ignore', 'pipe', 'ignore'] })
    .toString()
    .trim();
  mkdirSync(path.join(data.dir, 'platforms'), { recursive: true });
  writeFileSync(path.join(data.dir, 'platforms', 'agent.json'), JSON.stringify({ profile_url: AGENT, profile: platformProfile({ capabilities: ALL_CAPS }) }));
  writeFileSync(path.join(data.dir, 'platforms', 'catalog.json'), JSON.stringify({ profile_url: SOME_CAPS, profile: platformProfile({ capabilities: ALL_CAPS.slice(0, 2) }) }));
  const server = await startServer(data.dir);
  let stderr = '';
  server.child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 4_000_000) stderr += d.toString('utf8');
  });
  const base = server.base;

  // real ids for path parameters and line items
  const catalog = await json(base, 'GET', '/.well-known/commerce/catalog?limit=30', undefined, { accept: 'application/ld+json' });
  const productIds = ((catalog.body.dataFeedElement as { item: { '@id': string } }[]) ?? []).map((e) => decodeURIComponent(e.item['@id'].split('/products/')[1]!));
  const ucp = (method: string, p: string, body?: unknown) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    return json(base, method, `/ucp/v1${p}`, body, ucpHeaders(AGENT, text, method, `/ucp/v1${p}`));
  };
  const lookup = await ucp('POST', '/catalog/lookup', { ids: productIds.slice(0, 10) });
  const variants = ((lookup.body.products as { variants: { id: string }[] }[]) ?? []).flatMap((p) => p.variants.map((v) => v.id));
  const items = [...productIds.slice(0, 10), ...variants.slice(0, 20)];
  const sessions: string[] = [];
  const carts: string[] = [];
  const orders: string[] = [];
  const us = { id: 'd1', street_address: '1 Main St', address_locality: 'Denver', address_region: 'CO', postal_code: '80202', address_country: 'US' };
  for (let i = 0; i < 4; i++) {
    const c = await ucp('POST', '/checkout-sessions', {
      line_items: [{ item: { id: items[i % items.length]! }, quantity: 1 }],
      fulfillment: { methods: [{ type: 'shipping', destinations: [us], selected_destination_id: 'd1', groups: [{}] }] },
    });
    if (typeof c.body.id === 'string') sessions.push(c.body.id);
    const cart = await ucp('POST', '/carts', { line_items: [{ item: { id: items[(i + 1) % items.length]! }, quantity: 2 }] });
    if (typeof cart.body.id === 'string') carts.push(cart.body.id);
  }
  // one completed order
  if (sessions[0]) {
    const got = await ucp('GET', `/checkout-sessions/${sessions[0]}`);
    const option = (got.body.fulfillment as { methods: { groups: { options: { id: string }[] }[] }[] } | undefined)?.methods[0]?.groups[0]?.options[0]?.id ?? 'us-standard';
    const group = (got.body.fulfillment as { methods: { id: string; groups: { id: string }[] }[] } | undefined)?.methods[0];
    await ucp('PUT', `/checkout-sessions/${sessions[0]}`, {
      line_items: (got.body.line_items as { id: string; item: { id: string }; quantity: number }[]).map((l) => ({ id: l.id, item: { id: l.item.id }, quantity: l.quantity })),
      fulfillment: {
        methods: [
          {
            ...(group ? { id: group.id } : {}),
            type: 'shipping',
            destinations: [us],
            selected_destination_id: 'd1',
            groups: [{ ...(group?.groups[0] ? { id: group.groups[0].id } : {}), selected_option_id: option }],
          },
        ],
      },
    });
    const done = await ucp('POST', `/checkout-sessions/${sessions[0]}/complete`, {
      payment: { instruments: [{ id: 'i1', handler_id: 'mock_payment_handler', type: 'card', credential: { type: 'token', token: 'success_token' } }] },
    });
    const order = (done.body.order as { id?: string } | undefined)?.id;
    if (order) orders.push(order);
  }
  const credentials = await json(base, 'GET', '/credentials?limit=5');
  const credentialIds = ((credentials.body.items as { id: string }[]) ?? []).map((c) => c.id.split('/credentials/')[1]!);
  const ids: Record<string, string[]> = {
    id: [...sessions, ...carts, ...orders, ...productIds.slice(0, 5), ...credentialIds].map(encodeURIComponent),
    name: ['logo.svg', 'alp-talus-hiking-boot-1.svg'],
    list: ['1'],
    version: ['2026-04-08', '2026-01-11'],
    n: ['1', '0', '99999999999'],
  };
  const ctx: FuzzContext = { routes: await routeTable(), ids, items, profiles: [AGENT, SOME_CAPS], token };
  return {
    base,
    server,
    ctx,
    log: () => stderr,
    stop: async () => {
      server.child.kill('SIGTERM');
      await new Promise((r) => server.child.once('exit', r));
      data.cleanup();
    },
  };
}

/** Send one request as it is; an event stream is read until its first bytes, then closed. */
export function send(base: string, r: FuzzRequest, timeoutMs = 20_000): Promise<FuzzResponse> {
  const u = new URL(base);
  return new Promise((resolve) => {
    let settled = false;
    const done = (v: FuzzResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(v);
    };
    let req: http.ClientRequest;
    try {
      req = http.request({ host: u.hostname, port: u.port, method: r.method, path: r.path, headers: { ...r.headers, ...(r.body ? { 'content-length': String(r.body.length) } : {}) }, agent: false });
    } catch (err) {
      // a request node's own client refuses to send (an invalid header character): nothing to test
      resolve({ status: 0, headers: {}, body: '', reset: `client refused: ${(err as Error).message}` });
      return;
    }
    const timer = setTimeout(() => {
      req.destroy();
      done({ status: 0, headers: {}, body: '', reset: 'timeout' });
    }, timeoutMs);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const stream = String(res.headers['content-type'] ?? '').startsWith('text/event-stream');
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size < 1_000_000) chunks.push(c);
        if (stream) {
          req.destroy();
          done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
        }
      });
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', (err) => done({ status: 0, headers: {}, body: '', reset: (err as NodeJS.ErrnoException).code ?? err.message }));
    req.end(r.body);
  });
}

/** A stack frame, a file path of the server, an internal error name or message. */
const INTERNALS =
  /\bat (?:async )?[\w$.<>]+ \((?:file:|node:|\/)|node:internal|\/work\/|\/home\/|\/tmp\/|dist\/src|\.ts:\d+|\.js:\d+:\d+|SqliteError|SQLITE_|TypeError|RangeError|ReferenceError|Cannot read propert|is not a function|undefined is not/;

/** What is wrong with an answer (nothing, for a good one). */
export function problemsOf(r: FuzzRequest, res: FuzzResponse): string[] {
  const out: string[] = [];
  if (res.reset) {
    // a connection the server closes is fine for an oversized or abusive request, never for an ordinary one
    const huge = (r.body?.length ?? 0) > 1024 * 1024 || r.path.length > 8000 || (r.headers['ucp-agent']?.length ?? 0) > 4000;
    if (!huge && !res.reset.startsWith('client refused')) out.push(`connection ${res.reset}`);
  } else if (res.status >= 500 && !(res.status === 503 && res.headers['retry-after'])) {
    out.push(`status ${res.status}`);
  }
  if (INTERNALS.test(res.body)) out.push(`internals in the body: ${INTERNALS.exec(res.body)![0]}`);
  return out;
}
