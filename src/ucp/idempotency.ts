/**
 * Idempotency keys for state-changing UCP operations, transport-neutral (REST today; MCP's
 * `meta["idempotency-key"]` reuses it). A key is scoped by platform, operation and path; its request is
 * the hash of the raw body. The spec (checkout-rest.md): store the result at least 24 hours, replay it for
 * a duplicate, 409 for the same key with other parameters; fail closed (503) when the store fails.
 *
 * A claim is a lease, not a lock: the process running the request renews it while it runs, so a claim
 * left behind by a crash expires after LEASE_MS and the next retry takes it over instead of waiting
 * forever. A duplicate arriving while the first request runs waits for it (in this process: until it
 * finishes; another process's: briefly), then replays its answer or says when to retry. Stored answers
 * are purged after RETENTION_MS (they hold buyer data).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { Clock, Store, StoredResponse } from '../store/store.js';
import { protocolError } from './errors.js';

/** How long a claim lives without renewal; it is renewed every third of it while its request runs. */
export const LEASE_MS = 30_000;
/** How long a duplicate of a request running in another process is held before a 409 with Retry-After. */
export const FOREIGN_WAIT_MS = 2_000;
/** How long a duplicate of a request running in this process waits for its answer. */
export const LOCAL_WAIT_MS = 30_000;
/** Answers are kept this long (the spec asks for at least 24 hours; 48 recommended). */
export const RETENTION_MS = 48 * 3600_000;

export type Claimed = { kind: 'replay'; response: StoredResponse } | { kind: 'claimed'; claim: Claim };

export interface Claim {
  /** Store the answer (a refusal is an answer too) and release the claim. */
  finish(response: StoredResponse): Promise<void>;
  /** Forget the claim: the request produced no answer worth replaying (a retry runs it again). */
  abandon(): Promise<void>;
}

export class IdempotencyKeys {
  /** Requests running in this process, by scope and key: duplicates wait for these. */
  private readonly running = new Map<string, Promise<void>>();

  constructor(private readonly o: { store: Store; clock: Clock; logger: Logger; leaseMs?: number; foreignWaitMs?: number }) {}

  private get leaseMs(): number {
    return this.o.leaseMs ?? LEASE_MS;
  }

  private leaseUntil(): string {
    return new Date(this.o.clock.now().getTime() + this.leaseMs).toISOString();
  }

  /** Claim `key` for a request, or the answer to replay. Throws UcpProtocolError (409, 503). */
  async claim(scope: string, key: string, requestHash: string): Promise<Claimed> {
    const id = `${scope} ${key}`;
    const foreignDeadline = Date.now() + (this.o.foreignWaitMs ?? FOREIGN_WAIT_MS);
    for (;;) {
      const token = randomUUID();
      let begun: Awaited<ReturnType<typeof this.o.store.beginIdempotent>>;
      try {
        begun = await this.o.store.beginIdempotent(scope, key, requestHash, { at: this.o.clock.now().toISOString(), leaseUntil: this.leaseUntil(), claim: token });
      } catch (err) {
        this.o.logger.error('idempotency store failed', { error: err instanceof Error ? err.message : String(err) });
        throw protocolError('temporarily_unavailable', 'the idempotency store is unavailable; the request was not run', { retryAfterSeconds: 1 });
      }
      if (begun.state === 'replay') return { kind: 'replay', response: begun.response };
      if (begun.state === 'mismatch') throw protocolError('idempotency_conflict', `Idempotency-Key "${key}" was used with a different request`);
      if (begun.state === 'new') return { kind: 'claimed', claim: this.hold(scope, key, token, id) };
      // pending: the first request with this key is still running, here or in another process
      const local = this.running.get(id);
      if (local) {
        await Promise.race([local, new Promise((r) => setTimeout(r, LOCAL_WAIT_MS).unref())]);
        if (this.running.get(id) === local) throw this.inProgress(key, begun.leaseUntil);
        continue;
      }
      if (Date.now() >= foreignDeadline) throw this.inProgress(key, begun.leaseUntil);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private inProgress(key: string, leaseUntil: string | undefined): Error {
    const left = leaseUntil ? Math.ceil((Date.parse(leaseUntil) - this.o.clock.now().getTime()) / 1000) : 1;
    return protocolError('idempotency_conflict', `a request with Idempotency-Key "${key}" is still in progress; retry after it finishes`, {
      retryAfterSeconds: Math.min(Math.max(left, 1), Math.ceil(this.leaseMs / 1000)),
    });
  }

  /** A claim renewed while its request runs; finishing or abandoning releases the waiters. */
  private hold(scope: string, key: string, token: string, id: string): Claim {
    let release!: () => void;
    const done = new Promise<void>((r) => (release = r));
    this.running.set(id, done);
    const renew = setInterval(
      () => {
        this.o.store.renewIdempotent(scope, key, token, this.leaseUntil()).catch((err: unknown) => this.o.logger.warn('renewing an idempotency claim failed', { error: String(err) }));
      },
      Math.max(10, Math.floor(this.leaseMs / 3)),
    );
    renew.unref();
    let open = true;
    const close = () => {
      if (!open) return false;
      open = false;
      clearInterval(renew);
      if (this.running.get(id) === done) this.running.delete(id);
      release();
      return true;
    };
    return {
      finish: async (response) => {
        if (!open) return;
        try {
          await this.o.store.finishIdempotent(scope, key, token, response, this.o.clock.now().toISOString());
        } finally {
          close();
        }
      },
      abandon: async () => {
        if (!open) return;
        try {
          await this.o.store.abandonIdempotent(scope, key, token);
        } finally {
          close();
        }
      },
    };
  }

  /** Drop stored answers older than the retention; returns how many. */
  async purge(): Promise<number> {
    return this.o.store.purgeIdempotency(new Date(this.o.clock.now().getTime() - RETENTION_MS).toISOString());
  }
}
