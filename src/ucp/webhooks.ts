/**
 * Order webhooks from the persistent outbox. Rows are queued in the same transaction as the order
 * change they announce, so a crash cannot lose one; this dispatcher delivers them, signed (RFC 9421
 * with Content-Digest, the merchant's P-256 key, which the business profile publishes) with
 * `Webhook-Id` (stable across retries, so receivers can drop duplicates; also sent and signed as
 * `Idempotency-Key`), `Webhook-Timestamp`, and `@query` covered when the URL has one, to
 * the URL the platform's profile names, through the SSRF-safe client. Failures are retried with
 * exponential backoff (1 s, 2 s, 4 s ... capped at an hour) for up to two days; delivery resumes after
 * a restart from what the outbox still holds.
 */
import type { Logger } from '../logger.js';
import type { Clock, OutboxRecord, Store } from '../store/store.js';
import { contentDigest, signMessage } from '../trust/http-signatures.js';
import type { KeyStore } from '../trust/keys.js';
import { FetchError, type ProfileFetcher } from './fetcher.js';

export const MAX_ATTEMPTS = 40;
const MAX_BACKOFF_S = 3600;

export function backoffSeconds(attempts: number): number {
  return Math.min(MAX_BACKOFF_S, 2 ** Math.max(0, attempts - 1));
}

/** The signed headers of one delivery. */
export function webhookHeaders(o: { url: string; body: Buffer; id: string; timestamp: number; created: number; profileUrl: string; keys: KeyStore }): Record<string, string> {
  const u = new URL(o.url);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'content-digest': contentDigest(o.body),
    'ucp-agent': `profile="${o.profileUrl}"`,
    'webhook-id': o.id,
    'webhook-timestamp': String(o.timestamp),
    // the spec's webhook text reads both ways: an Idempotency-Key equal to Webhook-Id satisfies either
    'idempotency-key': o.id,
  };
  const key = o.keys.active('p256');
  const signed = signMessage(
    { method: 'POST', authority: u.host, path: u.pathname, query: u.search, headers },
    {
      // a query string in the webhook URL is part of what is signed (signatures.md)
      components: ['@method', '@authority', '@path', ...(u.search ? ['@query'] : []), 'content-digest', 'content-type', 'ucp-agent', 'webhook-id', 'webhook-timestamp', 'idempotency-key'],
      keyid: key.kid,
      privateKey: key.privateKey,
      created: o.created,
    },
  );
  return { ...headers, ...signed };
}

export class WebhookDispatcher {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  /**
   * `profileUrl(version)`: the business profile of a protocol version, named in each webhook's UCP-Agent so
   * the platform finds the signing keys where its version keeps them (`keys` or `signing_keys`).
   */
  constructor(private readonly o: { store: Store; fetcher: ProfileFetcher; keys: KeyStore; profileUrl: (version?: string) => string; clock: Clock; logger: Logger; intervalMs?: number }) {}

  start(): void {
    this.stopped = false;
    if (this.timer) return;
    this.kick();
    this.timer = setInterval(() => this.kick(), this.o.intervalMs ?? 500);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Deliver what is due now (also called right after an order change queued something). */
  kick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        void this.kick();
      }
    });
    return this.running;
  }

  private async drain(): Promise<void> {
    for (;;) {
      let due: OutboxRecord[];
      try {
        due = await this.o.store.dueWebhooks(this.o.clock.now().toISOString(), 16);
      } catch (err) {
        this.o.logger.debug('webhook outbox not readable now', { error: err instanceof Error ? err.message : String(err) });
        return;
      }
      if (due.length === 0 || this.stopped) return;
      await Promise.all(due.map((r) => this.deliver(r)));
      if (due.length < 16) return;
    }
  }

  private async deliver(r: OutboxRecord): Promise<void> {
    try {
      await this.attempt(r);
    } catch (err) {
      // the store went away (shutting down): the row stays due and is retried on the next start
      this.o.logger.debug('webhook delivery bookkeeping failed', { id: r.id, error: err instanceof Error ? err.message : String(err) });
    }
  }

  private async attempt(r: OutboxRecord): Promise<void> {
    const now = this.o.clock.now();
    // Webhook-Timestamp is when the event was queued: the same on every retry, like the body and the id;
    // the signature is made now (so its `created` passes receivers' age checks)
    const headers = webhookHeaders({
      url: r.url,
      body: r.body,
      id: r.id,
      timestamp: Math.floor(Date.parse(r.createdAt) / 1000),
      created: Math.floor(now.getTime() / 1000),
      profileUrl: this.o.profileUrl(versionOf(r.body)),
      keys: this.o.keys,
    });
    try {
      await this.o.fetcher.post(r.url, r.body, headers);
      await this.o.store.markWebhook(r.id, { delivered: true, at: this.o.clock.now().toISOString() });
      this.o.logger.info('webhook delivered', { id: r.id, order: r.orderId, attempts: r.attempts + 1 });
    } catch (err) {
      const error = err instanceof FetchError ? `${err.failure}: ${err.message}` : err instanceof Error ? err.message : String(err);
      const attempts = r.attempts + 1;
      const giveUp = attempts >= MAX_ATTEMPTS || (err instanceof FetchError && (err.failure === 'invalid_url' || err.failure === 'insecure_scheme' || err.failure === 'address_refused'));
      const next = giveUp ? '9999-12-31T00:00:00.000Z' : new Date(now.getTime() + backoffSeconds(attempts) * 1000).toISOString();
      await this.o.store.markWebhook(r.id, { delivered: false, error: giveUp ? `gave up: ${error}` : error, nextAttemptAt: next });
      this.o.logger.warn(giveUp ? 'webhook delivery abandoned' : 'webhook delivery failed; will retry', { id: r.id, order: r.orderId, attempts, error });
    }
  }
}

/** The protocol version a webhook body speaks (its `ucp.version`), when it says. */
function versionOf(body: Buffer): string | undefined {
  try {
    const v = (JSON.parse(body.toString('utf8')) as { ucp?: { version?: unknown } }).ucp?.version;
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}
