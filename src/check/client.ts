/**
 * The checker's HTTP client: every exchange is recorded so a check can show its evidence. Redirects
 * are not followed (a redirect is itself something to report), bodies are size-capped, every request
 * has a timeout, and at most `concurrency` requests are in flight. GETs are memoized per URL and
 * Accept header, so checks that read the same document share one fetch.
 */
import http from 'node:http';
import https from 'node:https';
import { readLimited } from '../trust/remote.js';

export interface Exchange {
  method: string;
  url: string;
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  ms: number;
  /** Set when no HTTP response arrived (connection refused, timeout, too large). */
  error?: string;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Bypass the GET memo. */
  fresh?: boolean;
}

export interface ClientOptions {
  timeoutMs?: number;
  maxBytes?: number;
  concurrency?: number;
  userAgent?: string;
}

export class HttpClient {
  readonly timeoutMs: number;
  readonly maxBytes: number;
  private readonly concurrency: number;
  private readonly userAgent: string;
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly memo = new Map<string, Promise<Exchange>>();
  requests = 0;

  constructor(o: ClientOptions = {}) {
    this.timeoutMs = o.timeoutMs ?? 15_000;
    this.maxBytes = o.maxBytes ?? 16 * 1024 * 1024;
    this.concurrency = o.concurrency ?? 8;
    this.userAgent = o.userAgent ?? 'ucpd-check';
  }

  /** A memoized GET. */
  get(url: string, accept = 'application/ld+json, application/json;q=0.9, */*;q=0.5', o: RequestOptions = {}): Promise<Exchange> {
    if (o.fresh || o.headers) return this.request('GET', url, { ...o, headers: { accept, ...o.headers } });
    const key = `${accept}\u0000${url}`;
    let p = this.memo.get(key);
    if (!p) {
      p = this.request('GET', url, { headers: { accept } });
      this.memo.set(key, p);
    }
    return p;
  }

  /** Any request; resolves with the exchange whatever the status, with `error` set when there was no response. */
  async request(method: string, url: string, o: RequestOptions = {}): Promise<Exchange> {
    await this.acquire();
    const started = performance.now();
    const headers: Record<string, string> = { 'user-agent': this.userAgent, ...o.headers };
    try {
      this.requests++;
      const res = await fetch(url, {
        method,
        headers,
        ...(o.body !== undefined ? { body: o.body } : {}),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const read = await readLimited(res.body, this.maxBytes);
      const out: Record<string, string> = {};
      res.headers.forEach((v, k) => {
        out[k] = v;
      });
      return { method, url, status: res.status, headers: out, body: read.body, ms: performance.now() - started, ...(read.complete ? {} : { error: `response larger than ${this.maxBytes} bytes` }) };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const why = e.name === 'TimeoutError' ? `no response within ${this.timeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
      return { method, url, status: 0, headers: {}, body: Buffer.alloc(0), ms: performance.now() - started, error: why };
    } finally {
      this.release();
    }
  }

  /**
   * A request over node:http that keeps the response even when the server answers before the body is
   * sent and closes the connection (the right way to refuse an oversized body; fetch loses the answer).
   */
  async early(method: string, url: string, headers: Record<string, string>, body: Buffer | string): Promise<Exchange> {
    await this.acquire();
    const started = performance.now();
    this.requests++;
    try {
      return await new Promise<Exchange>((resolve) => {
        const u = new URL(url);
        const lib = u.protocol === 'https:' ? https : http;
        let done = false;
        const finish = (x: Omit<Exchange, 'method' | 'url' | 'ms'>) => {
          if (done) return;
          done = true;
          resolve({ method, url, ms: performance.now() - started, ...x });
        };
        const req = lib.request(u, { method, headers: { 'user-agent': this.userAgent, ...headers }, timeout: this.timeoutMs }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          const end = () => {
            const out: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
            finish({ status: res.statusCode ?? 0, headers: out, body: Buffer.concat(chunks) });
          };
          res.on('end', end);
          res.on('error', end);
          res.on('close', end);
        });
        req.on('timeout', () => req.destroy(new Error(`no response within ${this.timeoutMs} ms`)));
        req.on('error', (err: Error & { code?: string }) => {
          // EPIPE / ECONNRESET after the server answered: the answer stands
          setTimeout(() => finish({ status: 0, headers: {}, body: Buffer.alloc(0), error: err.code ?? err.message }), 200);
        });
        req.end(body);
      });
    } finally {
      this.release();
    }
  }

  private async acquire(): Promise<void> {
    if (this.active < this.concurrency) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}

/** The body as JSON, or undefined when it is not JSON. */
export function jsonOf(x: Exchange): unknown {
  try {
    return JSON.parse(x.body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

export function describeExchange(x: Exchange): string {
  if (x.error && !x.status) return `${x.method} ${x.url}: ${x.error}`;
  return `${x.method} ${x.url} -> ${x.status}${x.headers['content-type'] ? ` (${x.headers['content-type']})` : ''}${x.error ? `, ${x.error}` : ''}`;
}

/** A short view of a body for evidence. */
export function snippet(x: Exchange, max = 300): string {
  const text = x.body.toString('utf8').replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** `url` with one query parameter set. */
export function withParam(url: string, name: string, value: string): string {
  const u = new URL(url);
  u.searchParams.set(name, value);
  return u.href;
}

/** Run `fn` over `items` with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
