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
 *
 * This module holds the policy and the `ProfileFetcher` (URL checks, budgets); the pieces live in
 * ./fetch/: address classification (addresses.ts), failures and safe messages (errors.ts), and one
 * HTTP exchange under the rules (transport.ts).
 */
import * as net from 'node:net';
import { Lru } from '../util/lru.js';
import { TokenBucket } from '../util/token-bucket.js';
import { bare, clientKey, isBlockedAddress, isLoopback } from './fetch/addresses.js';
import { FetchError, shown } from './fetch/errors.js';
import { defaultLookup, sendRequest, type Fetched } from './fetch/transport.js';

export { clientKey, embeddedIPv4, isBlockedAddress, isLoopback } from './fetch/addresses.js';
export { FetchError, type FetchFailure } from './fetch/errors.js';
export type { Fetched } from './fetch/transport.js';

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

  private send(u: URL, o: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: Buffer; json: boolean }): Promise<Fetched> {
    const { connectTimeoutMs, responseTimeoutMs, maxBytes, ca } = this.policy;
    return sendRequest(u, o, { connectTimeoutMs, responseTimeoutMs, maxBytes, ca, allowed: this.isAllowlisted(u), resolve: this.policy.lookup ?? defaultLookup });
  }
}
