/**
 * The SQLite store's hold on its database file, beneath the Store methods (SqliteStore in sqlite-store.ts
 * extends it): the main connection; the connection each feed import opens for itself, so readers keep the
 * previous catalog until it commits (a memory store's import shares the main one, and conflicting writes
 * are refused meanwhile); the write lock every write waits for asynchronously (write-lock.ts); WAL
 * checkpoints on a worker thread for a long-running server; write health and the meta table (MetaStore);
 * and close.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { UcpdError } from '../../errors.js';
import { projectPath } from '../../paths.js';
import { systemClock, type Clock, type ImportOptions, type ImportSession, type MetaStore } from '../store.js';
import { openDatabase, type Db } from './db.js';
import { SqliteImportSession } from './import-session.js';
import { WriteLock } from './write-lock.js';

export interface SqliteStoreOptions {
  /** Database file, or ":memory:" for throwaway stores (imports then share the one connection). */
  file: string;
  clock?: Clock;
  /** How long a write waits for the write lock before a 503 (default WRITE_WAIT_MS, write-lock.ts). */
  writeWaitMs?: number;
  /** A write lock held elsewhere this long makes the store not writable (default STUCK_LOCK_MS). */
  stuckLockMs?: number;
}

export abstract class SqliteConnection implements MetaStore {
  protected readonly db: Db;
  protected readonly clock: Clock;
  /** A memory store's import runs on this connection, inside its transaction: see assertNotImporting. */
  private importing = false;
  private checkpointer?: Worker;
  private readonly lock: WriteLock;

  constructor(protected readonly options: SqliteStoreOptions) {
    this.db = openDatabase({ file: options.file });
    this.lock = new WriteLock(this.db, {
      ...(options.writeWaitMs !== undefined ? { waitMs: options.writeWaitMs } : {}),
      ...(options.stuckLockMs !== undefined ? { stuckMs: options.stuckLockMs } : {}),
    });
    this.clock = options.clock ?? systemClock;
  }

  /** A write, waiting asynchronously while the write lock is held elsewhere (see write-lock.ts). */
  protected write<T>(fn: () => T): Promise<T> {
    return this.lock.run(fn);
  }

  /** Refuse (503 import_in_progress) a write that must not run inside a memory store's import. */
  protected assertNotImporting(): void {
    if (this.importing) throw new UcpdError('unavailable', 'import_in_progress', 'an import is in progress; try again when it finishes');
  }

  async writeHealth(): Promise<{ writable: boolean; lockHeldMs?: number }> {
    // a memory store importing shares this connection, inside the import's transaction
    if (this.options.file === ':memory:' && this.importing) return { writable: true };
    return this.lock.health();
  }

  async beginImport(options: ImportOptions): Promise<ImportSession> {
    this.assertNotImporting();
    const memory = this.options.file === ':memory:';
    // A connection of its own: readers on the main connection see the previous catalog until COMMIT.
    const db = memory ? this.db : openDatabase({ file: this.options.file });
    if (!memory) db.pragma('busy_timeout = 0');
    try {
      // the import's transaction waits for the write lock like any write: asynchronously
      const session = await this.write(
        () =>
          new SqliteImportSession(db, this.clock, options, () => {
            this.importing = false;
            if (!memory) db.close();
          }),
      );
      this.importing = memory;
      return session;
    } catch (err) {
      if (!memory) db.close();
      throw err;
    }
  }

  /** The raw connection, for benchmarks and the contract tests' snapshot helper only. */
  get connection(): Db {
    return this.db;
  }

  async getMeta(key: string): Promise<string | undefined> {
    return this.db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(key)?.value;
  }
  async setMeta(key: string, value: string): Promise<void> {
    await this.write(() => this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value));
  }

  /**
   * For a long-running server: move WAL checkpoints to a worker thread (PASSIVE, every `intervalMs`),
   * so no request pays for copying the log into the database.
   */
  startBackgroundCheckpoints(intervalMs = 1000): void {
    if (this.checkpointer || this.options.file === ':memory:') return;
    const here = new URL('./checkpoint-worker.js', import.meta.url);
    const url = existsSync(fileURLToPath(here)) ? here : pathToFileURL(projectPath('dist', 'src', 'store', 'sqlite', 'checkpoint-worker.js'));
    this.checkpointer = new Worker(url, { workerData: { file: this.options.file, intervalMs } });
    this.checkpointer.unref();
    this.db.pragma('wal_autocheckpoint = 0');
  }

  async close(): Promise<void> {
    if (this.checkpointer) {
      const worker = this.checkpointer;
      this.checkpointer = undefined;
      const exited = new Promise((r) => worker.once('exit', r));
      worker.postMessage('stop');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
      await worker.terminate();
    }
    if (this.db.open) this.db.close();
  }
}
