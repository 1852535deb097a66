import { afterEach, beforeEach } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { jsonlSource } from '../../src/feed/formats/jsonl.js';
import type { FeedSource } from '../../src/feed/records.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Clock } from '../../src/store/store.js';

export const SHARED = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '..', '..', '..', 'shared');
export const FLOWER_SHOP = path.join(SHARED, 'fixtures', 'flower_shop');

/** A clock tests move by hand. */
export class TestClock implements Clock {
  private ms: number;
  constructor(start = '2026-11-01T12:00:00.000Z') {
    this.ms = Date.parse(start);
  }
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
  set(iso: string): void {
    this.ms = Date.parse(iso);
  }
}

export function tempDir(prefix = 'ucpd-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TestStore {
  store: SqliteStore;
  clock: TestClock;
  dir: string;
  file: string;
  close: () => Promise<void>;
}

export function tempStore(clock = new TestClock()): TestStore {
  const { dir, cleanup } = tempDir();
  const file = path.join(dir, 'ucpd.sqlite');
  const store = new SqliteStore({ file, clock });
  return {
    store,
    clock,
    dir,
    file,
    close: async () => {
      await store.close();
      cleanup();
    },
  };
}

/** A fresh store and a scratch directory for each test of the calling file, removed after it. */
export function storePerTest(): { readonly store: SqliteStore; readonly clock: TestClock; readonly scratch: string } {
  let t: TestStore;
  let scratch: ReturnType<typeof tempDir>;
  beforeEach(() => {
    t = tempStore();
    scratch = tempDir();
  });
  afterEach(async () => {
    await t.close();
    scratch.cleanup();
  });
  return {
    get store() {
      return t.store;
    },
    get clock() {
      return t.clock;
    },
    get scratch() {
      return scratch.dir;
    },
  };
}

/** A JSON Lines source from records (objects, or raw strings for broken lines). */
export function linesSource(records: (object | string)[], name = 'test.jsonl'): FeedSource {
  const text = `${records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n')}\n`;
  return jsonlSource(Readable.from([Buffer.from(text)]), name);
}

export function writeFile(dir: string, name: string, content: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

/**
 * Every row of every table except the import history (which records failed imports too) and token
 * bookkeeping (last use), in a stable order: "the store is exactly as it was" means this is deep-equal.
 */
export function snapshot(store: SqliteStore): Record<string, unknown[]> {
  const db = store.connection;
  const tables = db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT IN ('imports', 'tokens') ORDER BY name")
    .all()
    .map((r) => r.name);
  const out: Record<string, unknown[]> = {};
  for (const t of tables) out[t] = db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`).all();
  return out;
}
