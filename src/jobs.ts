/**
 * Every background job of a running ucpd, in one list. Two scopes:
 * - `app`: what serving itself needs, started with the HTTP handler (tests included): the search index
 *   follows the catalog, webhooks are delivered from the outbox, the change stream polls the change log
 *   while a client listens;
 * - `server`: upkeep of a long-running `ucpd serve` process: credential sync, key refresh, releasing
 *   expired stock holds, purging expired idempotency keys, SQLite checkpoints.
 * A periodic job runs on its own timer; a failure is logged and the job runs again next time.
 * (Certificate reloading belongs to the listening socket: http/server.ts.)
 */
import type { ChangeBroadcaster } from './linked-data/change-stream.js';
import type { Logger } from './logger.js';
import type { SearchIndexer } from './store/search-indexer.js';
import type { Clock, Store } from './store/store.js';
import type { Trust } from './trust/trust.js';
import type { Ucp } from './ucp/runtime.js';

/** The services the jobs run on (what compose.ts built). */
export interface JobParts {
  store: Store;
  trust: Trust;
  ucp: Ucp;
  indexer: SearchIndexer;
  changes: ChangeBroadcaster;
  logger: Logger;
  clock: Clock;
}

export interface BackgroundJob {
  name: string;
  scope: 'app' | 'server';
  start(): void;
  stop(): void;
}

/** A job that runs `run` every `everyMs` (and once at start when `atStart`). */
export function periodic(name: string, everyMs: number, run: () => Promise<unknown>, logger: Logger, atStart = false): BackgroundJob {
  let timer: NodeJS.Timeout | undefined;
  const tick = () => void run().catch((err: unknown) => logger.error(`${name} failed`, { error: String(err) }));
  return {
    name,
    scope: 'server',
    start() {
      if (timer) return;
      if (atStart) tick();
      timer = setInterval(tick, everyMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}

export function backgroundJobs(c: JobParts): BackgroundJob[] {
  const { store, trust, ucp, indexer, changes, logger, clock } = c;
  const sqlite = store as { startBackgroundCheckpoints?: () => void };
  return [
    { name: 'search indexing', scope: 'app', start: () => indexer.start(), stop: () => indexer.stop() },
    { name: 'webhook delivery', scope: 'app', start: () => ucp.webhooks.start(), stop: () => ucp.webhooks.stop() },
    // polls only while a client listens; stopping ends every open stream
    { name: 'catalog change stream', scope: 'app', start: () => undefined, stop: () => changes.close() },
    { name: 'credential sync', scope: 'server', start: () => trust.sync.start(), stop: () => trust.sync.stop() },
    // keys rotated by `ucpd keys rotate` in another process are picked up within seconds
    periodic('key refresh', 5_000, () => trust.refreshKeys(), logger),
    periodic('releasing expired stock holds', 30_000, () => store.releaseExpired(clock.now()), logger),
    // stored answers to idempotent requests hold buyer data: kept as long as the spec asks, then purged
    periodic('purging expired idempotency keys', 10 * 60_000, () => ucp.idempotency.purge(), logger, true),
    // the checkpoint worker ends with the store
    { name: 'SQLite checkpoints', scope: 'server', start: () => sqlite.startBackgroundCheckpoints?.(), stop: () => undefined },
  ];
}

export function startJobs(jobs: readonly BackgroundJob[], scope: BackgroundJob['scope']): void {
  for (const job of jobs) if (job.scope === scope) job.start();
}

export function stopJobs(jobs: readonly BackgroundJob[], scope?: BackgroundJob['scope']): void {
  for (const job of [...jobs].reverse()) if (!scope || job.scope === scope) job.stop();
}
