/**
 * The import history in SQLite: one row per feed import (applied, failed or a dry run) with its summary as
 * JSON. Recording the same import again updates its end, status and summary in place; listing is newest
 * first. SqliteStore decides when a record waits for the write lock (see recordImport there).
 */
import type { ImportRecord } from '../store.js';
import type { Db } from './db.js';

interface ImportRow {
  id: string;
  format: string;
  mode: string;
  source: string;
  started_at: string;
  finished_at: string | null;
  status: ImportRecord['status'];
  summary: string;
}

export class ImportHistory {
  constructor(private readonly db: Db) {}

  record(record: ImportRecord): void {
    this.db
      .prepare(
        `INSERT INTO imports (id, format, mode, source, started_at, finished_at, status, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET finished_at = excluded.finished_at, status = excluded.status, summary = excluded.summary`,
      )
      .run(record.id, record.format, record.mode, record.source, record.startedAt, record.finishedAt ?? null, record.status, JSON.stringify(record.summary));
  }

  list(limit: number): ImportRecord[] {
    const rows = this.db.prepare<[number], ImportRow>('SELECT * FROM imports ORDER BY started_at DESC, rowid DESC LIMIT ?').all(limit);
    return rows.map((r) => ({
      id: r.id,
      format: r.format,
      mode: r.mode,
      source: r.source,
      startedAt: r.started_at,
      ...(r.finished_at ? { finishedAt: r.finished_at } : {}),
      status: r.status,
      summary: JSON.parse(r.summary) as unknown,
    }));
  }
}
