/**
 * One HTTP exchange of the profile fetcher under its rules: the socket connects only to addresses our
 * own lookup resolved and checked (a DNS answer cannot change between check and connect), no redirects
 * are followed, a connect deadline and a whole-response deadline apply, and the body is capped (by
 * Content-Length up front, and counted while streaming). On any failure the request is destroyed.
 */
import * as dns from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';
import { bare, isBlockedAddress } from './addresses.js';
import { FetchError, errorCode, failureReason, shown } from './errors.js';

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

/** A DNS lookup returning every address of a name (the policy's injectable `lookup`). */
export type Resolve = (hostname: string) => Promise<{ address: string; family: 4 | 6 }[]>;

/** What one request needs from the fetch policy. */
export interface RequestRules {
  connectTimeoutMs: number;
  responseTimeoutMs: number;
  maxBytes: number;
  /** TLS trust for tests, passed to https.request as `ca`. */
  ca: string | Buffer | undefined;
  /** The host is allowlisted: its addresses are not checked. */
  allowed: boolean;
  resolve: Resolve;
}

export const defaultLookup: Resolve = async (hostname) => (await dns.promises.lookup(hostname, { all: true, verbatim: true })).map((r) => ({ address: r.address, family: r.family as 4 | 6 }));

/** The `lookup` handed to the socket: resolve, refuse if any address is blocked, connect only to the checked ones. */
function socketLookup(u: URL, allowed: boolean, resolve: Resolve, onRefused: (e: FetchError) => void): net.LookupFunction {
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

/** Send one request; resolves with the response for a 2xx (parsed when `o.json`), rejects with a FetchError otherwise. */
export function sendRequest(u: URL, o: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: Buffer; json: boolean }, rules: RequestRules): Promise<Fetched> {
  const { connectTimeoutMs, responseTimeoutMs, maxBytes } = rules;
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
      lookup: socketLookup(u, rules.allowed, rules.resolve, (e) => (refused = e)),
    };
    if (secure && rules.ca !== undefined) options.ca = rules.ca;
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
