import { describe, expect, test } from '@jest/globals';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { importFeed } from '../../src/feed/pipeline.js';
import { openDatabase } from '../../src/store/sqlite/db.js';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { basicFeed, location, merchant } from '../helpers/records.js';
import { linesSource, tempDir, tempStore } from '../helpers/store.js';
import { storeContract } from './contract.js';

storeContract('SQLite', () => {
  const t = tempStore();
  return { store: t.store, clock: t.clock, close: t.close };
});

describe('SQLite specifics', () => {
  test('migrations are versioned and idempotent; a newer database is refused', () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = path.join(dir, 'm.sqlite');
      const db = openDatabase({ file });
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
      db.close();
      expect(() => openDatabase({ file })).toThrow(/newer than this ucpd/);
    } finally {
      cleanup();
    }
  });

  test('a store made before files were private is tightened on open: directory 0700, database and WAL 0600', () => {
    const { dir, cleanup } = tempDir();
    try {
      const data = path.join(dir, 'data');
      const file = path.join(data, 'ucpd.sqlite');
      const db = openDatabase({ file });
      db.prepare("INSERT INTO meta (key, value) VALUES ('x', 'y')").run();
      chmodSync(data, 0o755);
      for (const f of [file, `${file}-wal`, `${file}-shm`]) chmodSync(f, 0o644);
      db.close();
      openDatabase({ file }).close();
      expect((statSync(data).mode & 0o777).toString(8)).toBe('700');
      for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) expect((statSync(f).mode & 0o777).toString(8)).toBe('600');
    } finally {
      cleanup();
    }
  });

  test('migration 8 marks a store whose every applied import was the bundled demo feed as the demo catalog, and only that', () => {
    const { dir, cleanup } = tempDir();
    try {
      const cases: [string[], string | undefined][] = [
        [['/srv/ucpd/demo/outdoor-gear.jsonl'], 'demo'],
        [['/srv/ucpd/demo/outdoor-gear.jsonl', '/srv/shop/feed.jsonl'], undefined],
        [['/srv/shop/feed.jsonl'], undefined],
        [[], undefined],
      ];
      cases.forEach(([sources, expected], i) => {
        const file = path.join(dir, `m${i}.sqlite`);
        // a store as version 7 left it
        const db = new Database(file);
        for (const m of MIGRATIONS.slice(0, 7)) db.exec(m);
        sources.forEach((source, j) => {
          db.prepare("INSERT INTO imports (id, format, mode, source, started_at, status, summary) VALUES (?, 'jsonl', 'upsert', ?, ?, 'applied', '{}')").run(
            `i${j}`,
            source,
            `2026-01-0${j + 1}T00:00:00Z`,
          );
        });
        db.pragma('user_version = 7');
        db.close();
        const again = openDatabase({ file });
        expect({ sources, origin: (again.prepare("SELECT value FROM meta WHERE key = 'catalog_origin'").get() as { value: string } | undefined)?.value }).toEqual({ sources, origin: expected });
        again.close();
      });
    } finally {
      cleanup();
    }
  });

  test('readers keep seeing the previous catalog until an import commits', async () => {
    const t = tempStore();
    try {
      await importFeed(t.store, linesSource(basicFeed()), { clock: t.clock });
      const session = await t.store.beginImport({ format: 'test', mode: 'upsert', source: 'test' });
      await session.deleteProduct('p1');
      expect(await t.store.getProduct('p1')).toBeDefined();
      await session.rollback();
      expect(await t.store.getProduct('p1')).toBeDefined();
    } finally {
      await t.close();
    }
  });

  test('separate processes competing for the last units sell each unit once', async () => {
    const t = tempStore();
    try {
      await importFeed(
        t.store,
        linesSource([
          merchant(),
          location('wh'),
          { type: 'product', id: 'x', title: 'X', variants: [{ id: 'xv', prices: [{ currency: 'USD', amount: 1 }], inventory: [{ location_id: 'wh', on_hand: 50 }] }] },
        ]),
        { clock: t.clock },
      );
      // Four processes, each with its own connection, try 30 single-unit holds apiece for 50 units.
      const script = `
        import { SqliteStore } from ${JSON.stringify(path.resolve('dist/src/store/sqlite/sqlite-store.js'))};
        const store = new SqliteStore({ file: process.argv[1] });
        while (Date.now() < Number(process.argv[3])) await new Promise((r) => setTimeout(r, 1));
        let ok = 0;
        for (let i = 0; i < 30; i++) {
          const r = await store.reserve(process.argv[2] + '-' + i, [{ variantId: 'xv', quantity: 1 }], '2099-01-01T00:00:00Z');
          if (r.ok) ok++;
        }
        process.stdout.write(String(ok));
        await store.close();`;
      const startAt = String(Date.now() + 1500); // all four start together, once loaded
      const run = (tag: string) =>
        new Promise<number>((resolve, reject) => {
          const child = spawn(process.execPath, ['--input-type=module', '-e', script, t.file, tag, startAt], { stdio: ['ignore', 'pipe', 'inherit'] });
          let out = '';
          child.stdout.on('data', (d) => (out += d));
          child.on('error', reject);
          child.on('exit', (code) => (code === 0 ? resolve(Number(out)) : reject(new Error(`child exited ${code}`))));
        });
      const sold = await Promise.all(['a', 'b', 'c', 'd'].map(run));
      expect(sold.reduce((a, b) => a + b, 0)).toBe(50);
      const check = new SqliteStore({ file: t.file });
      expect((await check.getLevels(['xv']))[0]).toMatchObject({ onHand: 50, reserved: 50 });
      await check.close();
    } finally {
      await t.close();
    }
  });

  test('an in-memory store works (imports share its one connection)', async () => {
    const store = new SqliteStore({ file: ':memory:' });
    await importFeed(store, linesSource(basicFeed()));
    expect(await store.countProducts()).toBe(2);
    await store.close();
  });
});
