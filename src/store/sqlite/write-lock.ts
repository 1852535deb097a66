/**
 * Waiting for SQLite's write lock without blocking the event loop. The server's connection has no busy
 * timeout (SQLite's own wait is a busy loop on this thread): a write that finds the lock held elsewhere
 * (an import's apply stage, a search index sync, another process) fails at once with SQLITE_BUSY and is
 * retried here asynchronously, with backoff, until a deadline; then it is refused with a 503. The same
 * place remembers since when writes have been shut out, for /healthz.
 */
import { UcpdError } from '../../errors.js';
import { isStoreBusy } from '../store.js';
import type { Db } from './db.js';

/** How long a write waits for the lock before it is refused (503 store_busy). */
export const WRITE_WAIT_MS = 30_000;
/** A lock held elsewhere longer than this makes the store report itself unable to write. */
export const STUCK_LOCK_MS = 10_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class WriteLock {
  /** Since when (ms) writes have found the lock held elsewhere; undefined while they get it. */
  private busySince?: number;

  constructor(
    private readonly db: Db,
    private readonly o: { waitMs?: number; stuckMs?: number } = {},
  ) {
    db.pragma('busy_timeout = 0');
  }

  /** Run a write (one statement or one transaction: SQLITE_BUSY rolls it back, so it can run again). */
  async run<T>(fn: () => T): Promise<T> {
    const deadline = Date.now() + (this.o.waitMs ?? WRITE_WAIT_MS);
    for (let delay = 1; ; delay = Math.min(delay * 2, 20)) {
      try {
        const out = fn();
        this.busySince = undefined;
        return out;
      } catch (err) {
        if (!isStoreBusy(err)) throw err;
        this.busySince ??= Date.now();
        if (Date.now() >= deadline) throw new UcpdError('unavailable', 'store_busy', 'the store is busy with another write (an import, or another process); retry shortly', { retryAfterSeconds: 5 });
        await sleep(delay);
      }
    }
  }

  /** Whether a write could take the lock now (BEGIN IMMEDIATE, ROLLBACK, no waiting), and how long it has been held elsewhere. */
  health(): { writable: boolean; lockHeldMs?: number } {
    try {
      this.db.exec('BEGIN IMMEDIATE');
      this.db.exec('ROLLBACK');
      this.busySince = undefined;
      return { writable: true };
    } catch (err) {
      if (!isStoreBusy(err)) throw err;
      this.busySince ??= Date.now();
      const held = Date.now() - this.busySince;
      return { writable: held < (this.o.stuckMs ?? STUCK_LOCK_MS), lockHeldMs: held };
    }
  }
}
