/**
 * Fetching UCP platform profiles: the JSON document an agent platform hosts at the URL it names in
 * `UCP-Agent: profile="https://..."`. The URL comes from the request, so every fetch is treated as
 * server-side request forgery waiting to happen:
 *
 * - https only (http only for allowlisted hosts or when `allowHttp`); no credentials in the URL; GET
 *   only, no cookies, no redirects (any 3xx fails).
 * - The address is checked where it is used. Literal IP hosts (the WHATWG parser has already
 *   normalised `2130706433`, `0x7f.1`, `127.1` into dotted form) are checked up front; names are
 *   resolved by our own `lookup`, passed to `http(s).request`, which refuses the connection if ANY
 *   resolved address is private, loopback, link-local, reserved, ... and otherwise hands exactly the
 *   checked addresses to the socket, so a DNS answer cannot change between check and connect.
 *   Allowlisted hosts (`host` or `host:port`) skip the address check (local testing).
 * - A connect deadline (TCP, and the TLS handshake for https), a deadline for the whole response, a
 *   body cap (by Content-Length up front, and counted while streaming); on any of them the request is
 *   aborted and the socket destroyed. TLS verification is never disabled; tests pass their own `ca`.
 * - Token buckets bound how often unknown origins can make us fetch (`budgeted: true`): one per
 *   requesting client (an IPv4 address, or an IPv6 /64) and one for everyone, so a few clients cannot
 *   use up the budget and lock new platforms out.
 *
 * Failures are `FetchError`s with a stable `failure`. Their messages name the URL or host and the
 * reason and reach API clients, so they never carry response bodies, URL credentials, or the
 * addresses a name resolved to (which would expose our view of DNS).
 */
import * as dns from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { Lru } from '../util/lru.js';
import { TokenBucket } from '../util/token-bucket.js';

export type FetchFailure =
  | 'invalid_url'
  | 'insecure_scheme'
  | 'address_refused'
  | 'unreachable'
  | 'timeout'
  | 'redirect'
  | 'http_status'
  | 'too_large'
  | 'not_json'
  | 'budget_exhausted'
  | 'client_budget_exhausted';

export class FetchError extends Error {
  constructor(
    readonly failure: FetchFailure,
    message: string,
    /** Only for the budget failures: whole seconds until a budget token is available. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'FetchError';
  }
}

export interface FetchPolicy {
  /** Allow http:// for every host (default false: https only). */
  allowHttp: boolean;
  /** Hostnames (lower-case, exact) or `host:port`, exempt from the address refusal and allowed over http. */
  allowHosts: readonly string[];
  /** DNS lookup plus TCP connect plus (https) TLS handshake. */
  connectTimeoutMs: number;
  /** The whole request, body included. */
  responseTimeoutMs: number;
  maxBytes: number;
  /** Token bucket for fetches of unknown origins, shared by all clients. */
  budget: { capacity: number; refillPerSecond: number };
  /** Token bucket per requesting client for fetches of unknown origins. */
  clientBudget: { capacity: number; refillPerSecond: number };
  /** DNS lookup, injectable for tests; default node:dns lookup with {all: true}. */
  lookup?: (hostname: string) => Promise<{ address: string; family: 4 | 6 }[]>;
  /** TLS trust for tests (e.g. a self-signed CA); passed to https.request as `ca`. */
  ca?: string | Buffer;
  now?: () => number;
}

export const DEFAULT_FETCH_POLICY: FetchPolicy = Object.freeze({
  allowHttp: false,
  allowHosts: Object.freeze([] as string[]),
  connectTimeoutMs: 3000,
  responseTimeoutMs: 5000,
  maxBytes: 256 * 1024,
  budget: Object.freeze({ capacity: 20, refillPerSecond: 1 }),
  clientBudget: Object.freeze({ capacity: 5, refillPerSecond: 0.1 }),
});

/** Clients whose budgets are remembered at once (least recently used forgotten first). */
const MAX_CLIENT_BUCKETS = 10_000;

/** A loopback address (127.0.0.0/8, ::1, IPv4-mapped loopback). */
export function isLoopback(address: string): boolean {
  const a = address.toLowerCase().replace(/^::ffff:/, '');
  return a === '::1' || (net.isIPv4(a) && a.startsWith('127.'));
}

/** The budget key of a client address: an IPv4 address, or the /64 an IPv6 address belongs to. */
export function clientKey(address: string): string {
  let a = address.trim().toLowerCase();
  if (a.startsWith('::ffff:') && net.isIPv4(a.slice(7))) a = a.slice(7);
  if (net.isIPv6(a)) {
    const g = ipv6Groups(a);
    if (g)
      return `${g
        .slice(0, 4)
        .map((x) => x.toString(16))
        .join(':')}::/64`;
  }
  return a;
}

export interface Fetched {
  /** The URL fetched (normalised, fragment removed). */
  url: string;
  status: number;
  /** Response headers, names lower-case. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json: unknown;
  cacheControl?: string;
}

// ---------------------------------------------------------------------------------------------------
// Addresses

const V4_BLOCKED: readonly [string, number][] = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // TEST-NET-1
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // TEST-NET-2
  ['203.0.113.0', 24], // TEST-NET-3
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, includes 255.255.255.255 (broadcast)
];

const V6_BLOCKED: readonly [string, number][] = [
  ['::', 96], // unspecified (::/128), loopback (::1/128) and the deprecated IPv4-compatible ::a.b.c.d
  // 64:ff9b::/96 (NAT64 well-known prefix) is judged by the IPv4 address it carries: see embeddedIPv4
  ['64:ff9b:1::', 48], // NAT64 local-use prefix (local by definition)
  ['100::', 64], // discard-only
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local (ULA)
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated, still routed internally in places)
  ['ff00::', 8], // multicast
];

const v4Blocked = new net.BlockList();
for (const [prefix, bits] of V4_BLOCKED) v4Blocked.addSubnet(prefix, bits, 'ipv4');
v4Blocked.addAddress('255.255.255.255', 'ipv4');
const v6Blocked = new net.BlockList();
for (const [prefix, bits] of V6_BLOCKED) v6Blocked.addSubnet(prefix, bits, 'ipv6');

/** The eight 16-bit groups of a (valid) IPv6 address, or undefined. */
function ipv6Groups(ip: string): number[] | undefined {
  let s = ip;
  const tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.', lastColon)) {
    const v4 = s.slice(lastColon + 1);
    if (!net.isIPv4(v4)) return undefined;
    const o = v4.split('.').map(Number);
    tail.push((o[0]! << 8) | o[1]!, (o[2]! << 8) | o[3]!);
    s = s.slice(0, lastColon);
    if (s.endsWith(':')) s += ':';
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const split = (part: string) => (part === '' ? [] : part.split(':'));
  const head = split(halves[0]!);
  const rest = halves.length === 2 ? split(halves[1]!) : undefined;
  const words = [...head, ...(rest ?? [])];
  if (!words.every((w) => /^[0-9a-f]{1,4}$/i.test(w))) return undefined;
  const count = words.length + tail.length;
  if (rest === undefined ? count !== 8 : count > 7) return undefined;
  const nums = (ws: string[]) => ws.map((w) => parseInt(w, 16));
  const zeros = new Array<number>(8 - count).fill(0);
  return rest === undefined ? [...nums(head), ...tail] : [...nums(head), ...zeros, ...nums(rest), ...tail];
}

const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;

/**
 * The IPv4 addresses an IPv6 address carries and reaches: IPv4-mapped `::ffff:a.b.c.d`, NAT64
 * `64:ff9b::a.b.c.d` (RFC 6052), 6to4 `2002:AABB:CCDD::/48` (RFC 3056) and Teredo `2001:0::/32` (RFC 4380:
 * the server's address in bits 32-63, the client's, inverted, in the last 32 bits).
 */
export function embeddedIPv4(g: readonly number[]): string[] {
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) return [v4(g[6]!, g[7]!)];
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0) return [v4(g[6]!, g[7]!)];
  if (g[0] === 0x2002) return [v4(g[1]!, g[2]!)];
  if (g[0] === 0x2001 && g[1] === 0) return [v4(g[2]!, g[3]!), v4(g[6]! ^ 0xffff, g[7]! ^ 0xffff)];
  return [];
}

/**
 * Whether a fetch must not connect to `ip`: private, loopback, link-local, ULA, CGNAT, multicast,
 * unspecified, documentation/benchmark/reserved ranges, NAT64 local-use. An IPv6 address that carries an
 * IPv4 address (IPv4-mapped, NAT64, 6to4, Teredo) is also judged by that IPv4 address: a 6to4 form of
 * 127.0.0.1 is loopback. Accepts bracketed IPv6 and zone ids; anything that is not an IP address is
 * blocked (fail closed).
 */
export function isBlockedAddress(ip: string): boolean {
  let a = ip.trim();
  if (a.startsWith('[') && a.endsWith(']')) a = a.slice(1, -1);
  const zone = a.indexOf('%');
  if (zone !== -1) a = a.slice(0, zone);
  const family = net.isIP(a);
  if (family === 4) return v4Blocked.check(a, 'ipv4');
  if (family !== 6) return true;
  const g = ipv6Groups(a);
  if (!g) return true;
  // IPv4-translated ::ffff:0:a.b.c.d (SIIT, RFC 6145) is never routed on the internet (written out: BlockList
  // would read "::ffff:0:0" as an IPv4-mapped address)
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0xffff && g[5] === 0) return true;
  const carried = embeddedIPv4(g);
  if (carried.some((x) => v4Blocked.check(x, 'ipv4') || x === '255.255.255.255')) return true;
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) return false; // mapped: judged by its IPv4 alone
  return v6Blocked.check(a, 'ipv6');
}

// ---------------------------------------------------------------------------------------------------
// The fetcher

const defaultLookup = async (hostname: string) => (await dns.promises.lookup(hostname, { all: true, verbatim: true })).map((r) => ({ address: r.address, family: r.family as 4 | 6 }));

/** A URL for messages: no credentials, no fragment, bounded length. */
function shown(url: string | URL): string {
  let s: string;
  if (typeof url === 'string') {
    s = url;
  } else {
    const u = new URL(url.href);
    u.username = '';
    u.password = '';
    u.hash = '';
    s = u.href;
  }
  return s.length > 200 ? `${s.slice(0, 200)}...` : s;
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'error';
}

const NETWORK_REASONS: Record<string, string> = {
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  EAI_FAIL: 'DNS lookup failed',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/** Why a request failed, from the error code only (Node's messages can name the resolved address). */
function failureReason(err: unknown, secure: boolean): string {
  const code = errorCode(err);
  const known = NETWORK_REASONS[code];
  if (known) return `${known} (${code})`;
  if (secure && /CERT|SELF_SIGNED|UNABLE_TO/i.test(code)) return `TLS certificate verification failed (${code})`;
  if (secure && /TLS|SSL|EPROTO/i.test(code)) return `TLS handshake failed (${code})`;
  return code;
}

export class ProfileFetcher {
  private readonly policy: FetchPolicy;
  private readonly allowHosts: ReadonlySet<string>;
  private readonly now: () => number;
  private readonly budget: TokenBucket;
  private readonly clientBudgets: Lru<string, TokenBucket>;

  constructor(policy: Partial<FetchPolicy> = {}) {
    const given = Object.fromEntries(Object.entries(policy).filter(([, v]) => v !== undefined)) as Partial<FetchPolicy>;
    this.policy = { ...DEFAULT_FETCH_POLICY, ...given };
    const { connectTimeoutMs, responseTimeoutMs, maxBytes, budget, clientBudget } = this.policy;
    for (const [name, v] of [
      ['connectTimeoutMs', connectTimeoutMs],
      ['responseTimeoutMs', responseTimeoutMs],
      ['maxBytes', maxBytes],
      ['budget.refillPerSecond', budget.refillPerSecond],
      ['clientBudget.refillPerSecond', clientBudget.refillPerSecond],
    ] as const) {
      if (!(Number.isFinite(v) && v > 0)) throw new RangeError(`fetch policy: ${name} must be a positive number`);
    }
    if (!(Number.isFinite(budget.capacity) && budget.capacity >= 1)) throw new RangeError('fetch policy: budget.capacity must be at least 1');
    if (!(Number.isFinite(clientBudget.capacity) && clientBudget.capacity >= 1)) throw new RangeError('fetch policy: clientBudget.capacity must be at least 1');
    this.allowHosts = new Set(this.policy.allowHosts.map((h) => h.toLowerCase()));
    this.now = this.policy.now ?? Date.now;
    this.budget = new TokenBucket(budget.capacity, budget.refillPerSecond, this.now);
    this.clientBudgets = new Lru(MAX_CLIENT_BUCKETS);
  }

  /** Check a URL without fetching (scheme, credentials, literal IP refusal); throws FetchError. */
  checkUrl(url: string): URL {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new FetchError('invalid_url', `"${shown(url)}" is not a URL`);
    }
    u.hash = '';
    if (u.protocol !== 'https:' && u.protocol !== 'http:') {
      throw new FetchError('invalid_url', `${shown(u)}: scheme ${u.protocol.slice(0, -1)} is not supported; use https`);
    }
    if (u.username !== '' || u.password !== '') {
      throw new FetchError('invalid_url', `${shown(u)}: a URL must not contain credentials`);
    }
    const allowed = this.isAllowlisted(u);
    if (u.protocol === 'http:' && !this.policy.allowHttp && !allowed) {
      throw new FetchError('insecure_scheme', `${shown(u)}: plain http is not allowed; use https`);
    }
    const literal = bare(u.hostname);
    if (net.isIP(literal) !== 0 && !allowed && isBlockedAddress(literal)) {
      throw new FetchError('address_refused', `${shown(u)}: ${literal} is a private, loopback or reserved address`);
    }
    return u;
  }

  /** Seconds until a token of the shared budget is available (0 when one is). */
  budgetRetryAfter(): number {
    return this.budget.retryAfter();
  }

  /**
   * Fetch JSON. `budgeted: true` takes one token from the requesting `client`'s budget (throws
   * client_budget_exhausted when it is empty) and one from the shared budget (budget_exhausted), both
   * with retryAfterSeconds.
   */
  async fetchJson(url: string, opts: { budgeted?: boolean; client?: string; accept?: string } = {}): Promise<Fetched> {
    const u = this.checkUrl(url);
    if (opts.budgeted) this.spend(u, opts.client);
    return this.send(u, { method: 'GET', headers: { accept: opts.accept ?? 'application/json' }, json: true });
  }

  private spend(u: URL, client: string | undefined): void {
    let own: TokenBucket | undefined;
    // a loopback caller is local tooling (a conformance run) or a proxy whose clients ucpd cannot tell
    // apart (no --trust-proxy): a per-client budget would only lock them all out together
    if (client !== undefined && !isLoopback(client)) {
      const key = clientKey(client);
      own = this.clientBudgets.get(key);
      if (!own) {
        own = new TokenBucket(this.policy.clientBudget.capacity, this.policy.clientBudget.refillPerSecond, this.now);
        this.clientBudgets.set(key, own);
      }
      if (!own.take()) {
        const wait = own.retryAfter();
        throw new FetchError('client_budget_exhausted', `not fetching ${shown(u)}: this client asked for too many unknown platform profiles; retry in ${wait} s`, wait);
      }
    }
    if (!this.budget.take()) {
      own?.refund();
      const wait = this.budget.retryAfter();
      throw new FetchError('budget_exhausted', `not fetching ${shown(u)}: the budget for fetching unknown profiles is used up; retry in ${wait} s`, wait);
    }
  }

  /**
   * POST a body (webhook delivery) under the same rules: no redirects, address checks at connect time,
   * timeouts, a cap on the response read. Resolves for 2xx (the response body is not parsed).
   */
  async post(url: string, body: Buffer, headers: Record<string, string>): Promise<Omit<Fetched, 'json'>> {
    const u = this.checkUrl(url);
    const { json: _json, ...rest } = await this.send(u, { method: 'POST', headers: { ...headers, 'content-length': String(body.length) }, body, json: false });
    return rest;
  }

  private isAllowlisted(u: URL): boolean {
    if (this.allowHosts.size === 0) return false;
    const host = u.hostname.toLowerCase();
    const port = u.port || (u.protocol === 'https:' ? '443' : '80');
    return this.allowHosts.has(host) || this.allowHosts.has(bare(host)) || this.allowHosts.has(`${host}:${port}`);
  }

  /** The `lookup` handed to the socket: resolve, refuse if any address is blocked, connect only to the checked ones. */
  private socketLookup(u: URL, onRefused: (e: FetchError) => void): net.LookupFunction {
    const allowed = this.isAllowlisted(u);
    const resolve = this.policy.lookup ?? defaultLookup;
    return (hostname, options, callback) => {
      resolve(hostname).then(
        (found) => {
          if (!allowed && found.some((a) => isBlockedAddress(a.address))) {
            const e = new FetchError('address_refused', `${shown(u)}: ${hostname} resolves to a private, loopback or reserved address`);
            onRefused(e);
            callback(e, options.all ? [] : '', undefined);
            return;
          }
          const family = options.family === 4 || options.family === 'IPv4' ? 4 : options.family === 6 || options.family === 'IPv6' ? 6 : 0;
          const usable = found.filter((a) => family === 0 || a.family === family);
          if (usable.length === 0) {
            const e = Object.assign(new Error(`${hostname} has no usable address`), { code: 'ENOTFOUND' });
            callback(e, options.all ? [] : '', undefined);
            return;
          }
          if (options.all)
            callback(
              null,
              usable.map((a) => ({ address: a.address, family: a.family })),
            );
          else callback(null, usable[0]!.address, usable[0]!.family);
        },
        (err: unknown) => {
          const e = Object.assign(new Error(`cannot resolve ${hostname}`), { code: errorCode(err) });
          callback(e, options.all ? [] : '', undefined);
        },
      );
    };
  }

  private send(u: URL, o: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: Buffer; json: boolean }): Promise<Fetched> {
    const { connectTimeoutMs, responseTimeoutMs, maxBytes } = this.policy;
    const secure = u.protocol === 'https:';
    const where = shown(u);
    return new Promise<Fetched>((resolve, reject) => {
      let settled = false;
      let refused: FetchError | undefined;
      const timers: NodeJS.Timeout[] = [];
      const finish = (err: FetchError | undefined, value?: Fetched) => {
        if (settled) return;
        settled = true;
        for (const t of timers) clearTimeout(t);
        if (err) {
          req.destroy();
          reject(err);
        } else {
          resolve(value!);
        }
      };
      const options: https.RequestOptions = {
        protocol: u.protocol,
        hostname: bare(u.hostname),
        port: u.port || (secure ? 443 : 80),
        path: `${u.pathname}${u.search}`,
        method: o.method,
        headers: { 'user-agent': 'ucpd', ...o.headers },
        agent: false,
        lookup: this.socketLookup(u, (e) => (refused = e)),
      };
      if (secure && this.policy.ca !== undefined) options.ca = this.policy.ca;
      const req = (secure ? https : http).request(options);

      timers.push(
        setTimeout(() => finish(new FetchError('timeout', `${where}: no connection within ${connectTimeoutMs} ms`)), connectTimeoutMs),
        setTimeout(() => finish(new FetchError('timeout', `${where}: no complete response within ${responseTimeoutMs} ms`)), responseTimeoutMs),
      );
      const connectTimer = timers[0]!;
      req.on('socket', (socket) => {
        socket.once(secure ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
      });
      req.on('error', (err) => {
        finish(refused ?? (err instanceof FetchError ? err : new FetchError('unreachable', `${where}: cannot fetch: ${failureReason(err, secure)}`)));
      });
      req.on('response', (res) => {
        res.on('error', (err) => finish(new FetchError('unreachable', `${where}: the connection failed while reading the response: ${failureReason(err, secure)}`)));
        res.on('aborted', () => finish(new FetchError('unreachable', `${where}: the connection closed before the response was complete`)));
        // Settle first: destroying the response emits 'aborted'.
        const fail = (err: FetchError) => {
          finish(err);
          res.destroy();
        };
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          return fail(new FetchError('redirect', `${where} redirects (${status}); redirects are not followed`));
        }
        if (status < 200 || status >= 300) {
          return fail(new FetchError('http_status', `${where} answered HTTP ${status}`));
        }
        const tooLarge = () => new FetchError('too_large', `${where}: the response is larger than ${maxBytes} bytes`);
        const length = Number(res.headers['content-length']);
        if (Number.isFinite(length) && length > maxBytes) {
          return fail(tooLarge());
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (settled) return;
          size += chunk.length;
          if (size > maxBytes) {
            return fail(tooLarge());
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          if (settled) return;
          const body = Buffer.concat(chunks);
          let json: unknown;
          if (o.json) {
            try {
              json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
            } catch {
              return finish(new FetchError('not_json', `${where}: the response is not valid JSON (UTF-8)`));
            }
          }
          const headers: Record<string, string | string[] | undefined> = { ...res.headers };
          const cc = res.headers['cache-control'];
          const fetched: Fetched = { url: u.href, status, headers, body, json };
          if (cc !== undefined) fetched.cacheControl = cc;
          finish(undefined, fetched);
        });
      });
      req.end(o.body);
    });
  }
}

/** A URL hostname without IPv6 brackets. */
function bare(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}
