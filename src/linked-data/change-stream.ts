/**
 * The change feed as Server-Sent Events. One poll of the change log per tick serves every live
 * subscriber (changes made by any process, an import from the CLI included): the poll reads only what is
 * new and keeps the most recent changes in a ring, and every subscriber positioned inside the ring is
 * written from it. A subscriber resuming from further back (Last-Event-ID or ?since=) catches up from the
 * store page by page: a few pages per tick for all of them together, taken in turn, and only while its
 * connection drains, so one subscriber with `since=0` on a long log cannot delay anyone else. Live
 * readers too slow to keep up are disconnected rather than buffered without bound; they reconnect with
 * Last-Event-ID and lose nothing. Streams are capped per client and in all.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalidInput, UcpdError } from '../errors.js';
import { changeNode } from './documents.js';
import type { Urls } from '../publish/urls.js';
import type { Logger } from '../logger.js';
import type { ChangeEntry, Store } from '../store/store.js';
import { clientKey } from '../ucp/fetcher.js';

interface Subscriber {
  res: ServerResponse;
  /** Last sequence written to this subscriber. */
  since: number;
  client: string;
}

export interface StreamLimits {
  /** Concurrent streams per client address. */
  perClient: number;
  /** Concurrent streams in all. */
  total: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = { perClient: 4, total: 1000 };

/** Changes per page, from the store and in the ring. */
const PAGE = 1000;
/** Catch-up pages per tick for all catching-up subscribers together, and per subscriber. */
const CATCH_UP_PAGES_PER_TICK = 4;
const CATCH_UP_PAGES_PER_SUBSCRIBER = 2;
/** A catching-up subscriber gets its next page only once its connection has drained below this. */
const CATCH_UP_LOW_WATER = 256 * 1024;
/** A live subscriber with this much unsent is disconnected (it resumes with Last-Event-ID). */
const MAX_BUFFERED = 1024 * 1024;

export class ChangeBroadcaster {
  private readonly subscribers = new Set<Subscriber>();
  private readonly perClient = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private ticking = false;
  private lastBeat = Date.now();
  /** The most recent changes, oldest first, and the sequence the log was read up to. */
  private ring: ChangeEntry[] = [];
  private head?: number;
  /** Where catch-up resumes its round (fairness across ticks). */
  private turn = 0;

  constructor(
    private readonly store: Store,
    private readonly urls: Urls,
    private readonly logger: Logger,
    private readonly intervalMs = 200,
    private readonly heartbeatMs = 15_000,
    private readonly limits: StreamLimits = DEFAULT_STREAM_LIMITS,
  ) {}

  /** Open a stream for `client` (its address): throws UcpdError 400 for a bad position, 429/503 over the caps. */
  async subscribe(req: IncomingMessage, res: ServerResponse, query: URLSearchParams, address = 'unknown'): Promise<void> {
    const client = clientKey(address); // an IPv6 /64 is one client
    const raw = (req.headers['last-event-id'] as string | undefined) ?? query.get('since') ?? undefined;
    if (raw !== undefined && !/^\d{1,15}$/.test(raw)) throw invalidInput('invalid_parameter', 'Last-Event-ID / since must be a change sequence number', { parameter: 'since' });
    if ((this.perClient.get(client) ?? 0) >= this.limits.perClient) {
      res.setHeader('Retry-After', '10');
      throw new UcpdError('too_many_requests', 'too_many_streams', `at most ${this.limits.perClient} change streams per client at once`);
    }
    if (this.subscribers.size >= this.limits.total) throw new UcpdError('unavailable', 'too_many_streams', 'the server has as many change streams open as it serves; retry later');
    const since = raw === undefined ? await this.store.lastSeq() : Number(raw);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
      'Access-Control-Allow-Origin': '*',
    });
    res.write(`retry: 2000\n: changes after ${since}\n\n`);
    const sub: Subscriber = { res, since, client };
    this.subscribers.add(sub);
    this.perClient.set(client, (this.perClient.get(client) ?? 0) + 1);
    let dropped = false;
    const drop = () => {
      if (dropped) return;
      dropped = true;
      this.remove(sub);
    };
    req.on('close', drop);
    res.on('close', drop);
    res.on('error', drop);
    this.timer ??= setInterval(() => void this.tick(), this.intervalMs);
  }

  /** Open streams (all, or one client address's). */
  count(address?: string): number {
    return address === undefined ? this.subscribers.size : (this.perClient.get(clientKey(address)) ?? 0);
  }

  private remove(sub: Subscriber): void {
    if (!this.subscribers.delete(sub)) return;
    const n = (this.perClient.get(sub.client) ?? 1) - 1;
    if (n > 0) this.perClient.set(sub.client, n);
    else this.perClient.delete(sub.client);
    this.stopIfIdle();
  }

  private stopIfIdle(): void {
    if (this.subscribers.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
      this.ring = [];
      this.head = undefined;
    }
  }

  private event(c: ChangeEntry): string {
    return `id: ${c.seq}\nevent: change\ndata: ${JSON.stringify(changeNode(this.urls, c))}\n\n`;
  }

  /** Read what is new since the last tick into the ring (at most a few pages a tick). */
  private async poll(): Promise<void> {
    if (this.head === undefined) {
      this.head = await this.store.lastSeq();
      // the ring starts at the oldest live subscriber's position, if that is recent
      const oldest = Math.min(...[...this.subscribers].map((s) => s.since));
      if (this.head - oldest > 0 && this.head - oldest <= PAGE) this.head = oldest;
    }
    for (let pages = 0; pages < CATCH_UP_PAGES_PER_TICK; pages++) {
      const fresh = await this.store.listChanges(this.head, PAGE);
      if (fresh.length === 0) break;
      this.ring.push(...fresh);
      this.head = fresh[fresh.length - 1]!.seq;
      if (fresh.length < PAGE) break;
    }
    if (this.ring.length > PAGE) this.ring = this.ring.slice(this.ring.length - PAGE);
  }

  /** The lowest position the ring can serve: a subscriber at or after it is live. */
  private get floor(): number {
    return this.ring.length ? this.ring[0]!.seq - 1 : (this.head ?? 0);
  }

  async tick(): Promise<void> {
    if (this.ticking || this.subscribers.size === 0) return;
    this.ticking = true;
    try {
      await this.poll();
      const floor = this.floor;
      const behind: Subscriber[] = [];
      for (const sub of this.subscribers) {
        if (sub.since < floor) {
          behind.push(sub);
          continue;
        }
        let out = '';
        for (const c of this.ring) {
          if (c.seq <= sub.since) continue;
          out += this.event(c);
          sub.since = c.seq;
        }
        if (out) sub.res.write(out);
        if (sub.res.writableLength > MAX_BUFFERED) {
          sub.res.end();
          this.remove(sub);
        }
      }
      await this.catchUp(behind);
      if (Date.now() - this.lastBeat >= this.heartbeatMs) {
        this.lastBeat = Date.now();
        for (const sub of this.subscribers) sub.res.write(': keepalive\n\n');
      }
    } catch (err) {
      this.logger.error('change stream poll failed', { error: String(err) });
    } finally {
      this.ticking = false;
      this.stopIfIdle();
    }
  }

  /** Pages from the store for subscribers behind the ring, a few per tick, in turn, as fast as each reads. */
  private async catchUp(behind: Subscriber[]): Promise<void> {
    if (behind.length === 0) return;
    let budget = CATCH_UP_PAGES_PER_TICK;
    const start = this.turn % behind.length;
    this.turn++;
    for (let i = 0; i < behind.length && budget > 0; i++) {
      const sub = behind[(start + i) % behind.length]!;
      for (let pages = 0; pages < CATCH_UP_PAGES_PER_SUBSCRIBER && budget > 0; pages++) {
        if (!this.subscribers.has(sub) || sub.res.writableLength > CATCH_UP_LOW_WATER || sub.since >= this.floor) break;
        budget--;
        const page = await this.store.listChanges(sub.since, Math.min(PAGE, Math.max(1, this.floor - sub.since)));
        if (page.length === 0) break;
        let out = '';
        for (const c of page) out += this.event(c);
        sub.since = page[page.length - 1]!.seq;
        sub.res.write(out);
      }
    }
  }

  /** End every stream (server shutdown). */
  close(): void {
    for (const sub of this.subscribers) sub.res.end();
    this.subscribers.clear();
    this.perClient.clear();
    this.stopIfIdle();
  }
}
