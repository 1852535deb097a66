/**
 * Keeps the full-text index (a projection of the catalog) up to date in a running server: polls the
 * change log and syncs when it moved. Search results trail catalog writes by at most one interval plus
 * the sync itself; `ready` resolves once the index has caught up with the catalog as it was at start.
 */
import type { Logger } from '../logger.js';
import type { Store } from './store.js';

export class SearchIndexer {
  private timer?: NodeJS.Timeout;
  private syncedTo = -1;
  private running = false;
  readonly ready: Promise<void>;
  private markReady!: () => void;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly intervalMs = 200,
  ) {
    this.ready = new Promise((resolve) => (this.markReady = resolve));
  }

  start(): void {
    if (this.timer) return;
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One pass: sync when the change log moved since the last sync. */
  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const head = await this.store.lastSeq();
      if (head !== this.syncedTo) {
        const started = Date.now();
        const r = await this.store.syncSearchIndex();
        this.syncedTo = head;
        if (r.full || r.indexed + r.removed > 100) this.logger.info('search index synced', { ...r, ms: Date.now() - started });
      }
      this.markReady();
    } catch (err) {
      // an import in progress on this connection: try again next tick
      this.logger.debug('search index sync postponed', { error: err instanceof Error ? err.message : String(err) });
    } finally {
      this.running = false;
    }
  }
}
