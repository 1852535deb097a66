import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { migrate } from './migrations.js';

export type Db = Database.Database;

export interface OpenOptions {
  /** File path, or ":memory:" (tests). */
  file: string;
  readonly?: boolean;
}

/** Open a connection with ucpd's settings: WAL, foreign keys, a busy timeout, a larger page cache. */
export function openDatabase({ file, readonly = false }: OpenOptions): Db {
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
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
