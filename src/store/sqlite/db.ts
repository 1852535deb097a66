import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { migrate } from './migrations.js';

export type Db = Database.Database;

export interface OpenOptions {
  /** File path, or ":memory:" (tests). */
  file: string;
  readonly?: boolean;
}

/**
 * The database holds buyer data (addresses, orders, stored answers): its directory is 0700 and the file
 * 0600. SQLite gives the WAL and shared-memory files the database file's mode; files of stores made
 * before this rule are tightened on open.
 */
function makePrivate(file: string): void {
  const dir = path.dirname(path.resolve(file));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
}

/** Open a connection with ucpd's settings: WAL, foreign keys, a busy timeout, a larger page cache. */
export function openDatabase({ file, readonly = false }: OpenOptions): Db {
  if (file !== ':memory:' && !readonly) makePrivate(file);
  const db = new Database(file, { readonly, fileMustExist: readonly });
  if (file !== ':memory:') db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -65536'); // 64 MiB
  db.pragma('temp_store = MEMORY');
  if (!readonly) migrate(db);
  return db;
}
