/**
 * The change feed as Server-Sent Events. One poll of the change log per tick serves every subscriber
 * (changes made by any process, an import from the CLI included); each subscriber resumes from its own
 * position (Last-Event-ID or ?since=). Slow readers are disconnected rather than buffered without
 * bound; they reconnect with Last-Event-ID and lose nothing.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalidInput } from '../catalog/errors.js';
import { changeNode } from '../linked-data/documents.js';
import type { Urls } from '../linked-data/urls.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';

interface Subscriber {
  res: ServerResponse;
  since: number;
}

const MAX_BUFFERED = 1024 * 1024;

export class ChangeBroadcaster {
  private readonly subscribers = new Set<Subscriber>();
  private timer?: NodeJS.Timeout;
  private ticking = false;
  private lastBeat = Date.now();

  constructor(
    private readonly store: Store,
    private readonly urls: Urls,
    private readonly logger: Logger,
    private readonly intervalMs = 200,
    private readonly heartbeatMs = 15_000,
  ) {}

  async subscribe(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
    const raw = (req.headers['last-event-id'] as string | undefined) ?? query.get('since') ?? undefined;
    if (raw !== undefined && !/^\d+$/.test(raw)) throw invalidInput('invalid_parameter', 'Last-Event-ID / since must be a change sequence number', { parameter: 'since' });
    const since = raw === undefined ? await this.store.lastSeq() : Number(raw);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
      'Access-Control-Allow-Origin': '*',
    });
    res.write(`retry: 2000\n: changes after ${since}\n\n`);
    const sub: Subscriber = { res, since };
    this.subscribers.add(sub);
    const drop = () => this.subscribers.delete(sub) && this.stopIfIdle();
    req.on('close', drop);
    res.on('error', drop);
    this.timer ??= setInterval(() => void this.tick(), this.intervalMs);
  }

  private stopIfIdle(): void {
    if (this.subscribers.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  async tick(): Promise<void> {
    if (this.ticking || this.subscribers.size === 0) return;
    this.ticking = true;
    try {
      const from = Math.min(...[...this.subscribers].map((s) => s.since));
      const changes = await this.store.listChanges(from, 1000);
      for (const sub of this.subscribers) {
        let out = '';
        for (const c of changes) {
          if (c.seq <= sub.since) continue;
          out += `id: ${c.seq}\nevent: change\ndata: ${JSON.stringify(changeNode(this.urls, c))}\n\n`;
          sub.since = c.seq;
        }
        if (out) sub.res.write(out);
        if (sub.res.writableLength > MAX_BUFFERED) {
          this.subscribers.delete(sub);
          sub.res.end();
        }
      }
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

  /** End every stream (server shutdown). */
  close(): void {
    for (const sub of this.subscribers) sub.res.end();
    this.subscribers.clear();
    this.stopIfIdle();
  }
}
