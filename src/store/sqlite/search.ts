/**
 * Full-text search over the catalog: SQLite FTS5 with the Porter stemmer and BM25 ranking (title x10,
 * brand x4, everything else x1). The index is a projection: `sync` brings it up to date from the change
 * log, product by product in short transactions, so imports never pay for indexing inside their
 * transaction and indexing never holds the write lock for long. Ranking happens inside FTS5; filters are applied to ranked candidates, best first.
 * Big syncs run on a worker thread with a connection of its own (rebuildInWorker, search-worker.ts).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Product } from '../../catalog/model.js';
import { searchDocument } from '../../catalog/search-text.js';
import type { SearchQuery, SearchResult } from '../store.js';
import { Lru } from '../../util/lru.js';
import { projectPath } from '../../paths.js';
import type { Db } from './db.js';

/**
 * Ranking every match is the cost of a broad query (BM25 over 30,000 "jacket"s is ~10 ms), so the whole
 * ranked candidate list of a query (typed arrays: 12 bytes a match) is kept until the index changes, and
 * the filtered list of a query with filters until the catalog changes. Versions are read per search (one
 * primary-key lookup each): the index version is the change-log position it was synced to, the catalog
 * version the change-log head, so a sync or a write by this process, a worker or another process
 * invalidates every entry at once.
 */
interface Ranked {
  version: string;
  /** The best CANDIDATES matches (all of them when fewer). */
  rowids: Int32Array;
  ranks: Float64Array;
  /** How many matched in all. */
  total: number;
}

interface Filtered {
  version: string;
  hits: { id: string; score: number }[];
  /** Candidates examined so far (the scan resumes from here when a later page needs more). */
  scanned: number;
}

const INDEXED = 'search_indexed_seq';
const BATCH = 500;
/** Products re-indexed per transaction. */
export const SYNC_CHUNK = 500;
/** Memory for cached ranked candidate lists and filtered results, bytes. */
const CACHE_BYTES = 64 * 1024 * 1024;
/** Candidates examined at most when filters reject most matches (bounds the cost of one search). */
export const MAX_SCAN = 5_000;
/** Ranked candidates kept per query; pages beyond them (rare) query FTS5 directly. */
const CANDIDATES = MAX_SCAN;

const SELLABLE_AT = `EXISTS (SELECT 1 FROM inventory i WHERE i.variant_id = v.id AND (i.on_hand IS NULL OR i.on_hand > i.reserved OR i.backorder = 1 OR i.preorder = 1))`;

export class SearchIndex {
  private readonly s;

  private readonly ranked = new Lru<string, Ranked>(CACHE_BYTES / 2, (r) => r.rowids.length * 12 + 100);
  private readonly filtered = new Lru<string, Filtered>(CACHE_BYTES / 2, (f) => f.hits.length * 80 + 100);
  /** Statements whose text varies with the filters and batch sizes, compiled once each. */
  private readonly statements = new Lru<string, ReturnType<Db['prepare']>>(200);

  private prepared<P extends unknown[], R>(sql: string) {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st as unknown as { all(...params: P): R[]; get(...params: P): R | undefined };
  }

  constructor(private readonly db: Db) {
    this.s = {
      meta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
      setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      head: db.prepare<[], { seq: number | null }>('SELECT max(seq) AS seq FROM changes'),
      changed: db.prepare<[number], { product_id: string }>("SELECT DISTINCT product_id FROM changes WHERE seq > ? AND entity = 'product' AND product_id IS NOT NULL"),
      count: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM products'),
      doc: db.prepare<[string], { doc: string }>('SELECT doc FROM products WHERE id = ?'),
      old: db.prepare<[string], { rowid: number; title: string; brand: string; body: string }>('SELECT rowid, title, brand, body FROM search_docs WHERE product_id = ?'),
      ftsDelete: db.prepare("INSERT INTO product_search (product_search, rowid, title, brand, body) VALUES ('delete', ?, ?, ?, ?)"),
      ftsInsert: db.prepare('INSERT INTO product_search (rowid, title, brand, body) VALUES (?, ?, ?, ?)'),
      insertDoc: db.prepare('INSERT INTO search_docs (product_id, title, brand, body) VALUES (?, ?, ?, ?)'),
      updateDoc: db.prepare('UPDATE search_docs SET title = ?, brand = ?, body = ? WHERE rowid = ?'),
      deleteDoc: db.prepare('DELETE FROM search_docs WHERE rowid = ?'),
      allIds: db.prepare<[], { id: string }>('SELECT id FROM products ORDER BY id'),
      indexedIds: db.prepare<[], { id: string }>('SELECT product_id AS id FROM search_docs'),
      ranked: db.prepare<[string, number, number], { rowid: number; rank: number }>('SELECT rowid, rank FROM product_search WHERE product_search MATCH ? ORDER BY rank, rowid LIMIT ? OFFSET ?'),
      matchCount: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM product_search WHERE product_search MATCH ?'),
    };
  }

  /**
   * What a sync would do now: nothing, or re-index these products (every product, and every indexed one,
   * when the index was never synced).
   */
  plan(): { head: number; ids: string[]; full: boolean; upToDate: boolean; total: number } {
    const head = this.s.head.get()!.seq ?? 0;
    const done = this.s.meta.get(INDEXED)?.value;
    const from = done === undefined ? -1 : Number(done);
    const total = this.s.count.get()!.n;
    if (from >= head) return { head, ids: [], full: false, upToDate: true, total };
    const ids = from >= 0 ? this.s.changed.all(from).map((r) => r.product_id) : [...new Set([...this.s.allIds.all().map((r) => r.id), ...this.s.indexedIds.all().map((r) => r.id)])];
    return { head, ids, full: from < 0, upToDate: false, total };
  }

  /**
   * Bring the index up to date with the catalog, SYNC_CHUNK products per transaction: the write lock is
   * never held for more than one chunk (tens of milliseconds), and each product is always indexed either
   * as it was or as it is. The position it synced to is recorded last; an interrupted sync starts over.
   */
  sync(): { indexed: number; removed: number; full: boolean } {
    const { head, ids, full, upToDate } = this.plan();
    if (upToDate) return { indexed: 0, removed: 0, full: false };
    let indexed = 0;
    let removed = 0;
    for (let at = 0; at < ids.length; at += SYNC_CHUNK) {
      const chunk = ids.slice(at, at + SYNC_CHUNK);
      this.db
        .transaction(() => {
          for (const id of chunk) {
            const r = this.reindex(id);
            if (r === 'indexed') indexed++;
            else if (r === 'removed') removed++;
          }
        })
        .immediate();
    }
    this.s.setMeta.run(INDEXED, String(head));
    return { indexed, removed, full };
  }

  /** One product's row in the index: replaced by its current document, or removed with it. */
  private reindex(id: string): 'indexed' | 'removed' | 'none' {
    const old = this.s.old.get(id);
    const row = this.s.doc.get(id);
    if (old) this.s.ftsDelete.run(old.rowid, old.title, old.brand, old.body);
    if (!row) {
      if (!old) return 'none';
      this.s.deleteDoc.run(old.rowid);
      return 'removed';
    }
    const d = searchDocument(JSON.parse(row.doc) as Product);
    let rowid = old?.rowid;
    if (rowid !== undefined) this.s.updateDoc.run(d.title, d.brand, d.body, rowid);
    else rowid = Number(this.s.insertDoc.run(id, d.title, d.brand, d.body).lastInsertRowid);
    this.s.ftsInsert.run(rowid, d.title, d.brand, d.body);
    return 'indexed';
  }

  /** Where the filters live: a product predicate over `p`, and one over a variant `v` of it. */
  private filters(q: SearchQuery): { sql: string; params: (string | number)[] } {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (q.categories?.length) {
      // a path matches itself and its sub-categories; an id ("5598") matches its "#5598" line exactly
      where.push(`(${q.categories.map(() => "('\n' || p.categories || '\n') LIKE ? ESCAPE '\\'").join(' OR ')})`);
      for (const c of q.categories) params.push(/^\d+$/.test(c) ? `%\n#${c}\n%` : `%\n${c.replace(/[\\%_]/g, '\\$&')}%`);
    }
    if (q.brand !== undefined) {
      where.push('p.brand = ? COLLATE NOCASE');
      params.push(q.brand);
    }
    if (q.quality) {
      if (q.quality.mask) {
        where.push('(p.quality_mask & ?) = 0');
        params.push(q.quality.mask);
      }
      if (q.quality.requireReviews) where.push('p.review_count > 0');
      if (q.quality.freshSince !== undefined) {
        where.push('p.stock_synced_at >= ?');
        params.push(q.quality.freshSince);
      }
    }
    const variant: string[] = [];
    if (q.price) {
      variant.push('EXISTS (SELECT 1 FROM prices pr WHERE pr.variant_id = v.id AND pr.currency = ? AND pr.amount >= ? AND pr.amount <= ?)');
      params.push(q.price.currency, q.price.min ?? 0, q.price.max ?? Number.MAX_SAFE_INTEGER);
    }
    for (const o of q.options ?? []) {
      // The variant document is ucpd's own JSON.stringify of {..., options: [{name, value}], ...}, so an
      // option is the exact text {"name":"Size","value":"M"}: LIKE (ASCII case-insensitive) finds it
      // without parsing the document.
      variant.push(`(${o.values.map(() => "v.doc LIKE ? ESCAPE '\\'").join(' OR ')})`);
      for (const value of o.values) params.push(`%${JSON.stringify({ name: o.name, value }).replace(/[\\%_]/g, '\\$&')}%`);
    }
    if (q.inStock) variant.push(SELLABLE_AT);
    if (variant.length) where.push(`EXISTS (SELECT 1 FROM variants v WHERE v.product_id = p.id AND ${variant.join(' AND ')})`);
    return { sql: where.join(' AND '), params };
  }

  private indexVersion(): string {
    return this.s.meta.get(INDEXED)?.value ?? '';
  }

  /** The best matches of an FTS5 query, best first, and how many matched (cached per index version). */
  private candidates(match: string): Ranked {
    const version = this.indexVersion();
    const hit = this.ranked.get(match);
    if (hit && hit.version === version) return hit;
    const rows = this.s.ranked.raw(true).all(match, CANDIDATES, 0) as unknown as [number, number][];
    this.s.ranked.raw(false);
    const rowids = new Int32Array(rows.length);
    const ranks = new Float64Array(rows.length);
    rows.forEach((r, i) => {
      rowids[i] = r[0];
      ranks[i] = r[1];
    });
    const total = rows.length < CANDIDATES ? rows.length : this.s.matchCount.get(match)!.n;
    const entry: Ranked = { version, rowids, ranks, total };
    this.ranked.set(match, entry);
    return entry;
  }

  /**
   * The candidates that pass the filters, best first, examined lazily (just past what the page needs, at
   * most MAX_SCAN in all) and kept per catalog version, so later pages resume the scan.
   */
  private filter(match: string, c: Ranked, f: { sql: string; params: (string | number)[] }, want: number): Filtered {
    const version = `${c.version}|${this.s.head.get()!.seq ?? 0}`;
    const key = `${match}\u0000${f.sql}\u0000${JSON.stringify(f.params)}`;
    // (the scan never goes past the kept candidates: MAX_SCAN = CANDIDATES)
    let entry = this.filtered.get(key);
    if (!entry || entry.version !== version) entry = { version, hits: [], scanned: 0 };
    const end = Math.min(c.rowids.length, MAX_SCAN);
    while (entry.hits.length < want && entry.scanned < end) {
      const at = entry.scanned;
      const batch = Array.from(c.rowids.subarray(at, Math.min(end, at + BATCH)));
      const rows = this.prepared<(string | number)[], { rowid: number; id: string }>(
        `SELECT d.rowid, p.id FROM search_docs d JOIN products p ON p.id = d.product_id WHERE d.rowid IN (${batch.map(() => '?').join(',')}) AND ${f.sql}`,
      ).all(...batch, ...f.params);
      const ok = new Map(rows.map((r) => [r.rowid, r.id]));
      batch.forEach((rowid, i) => {
        const id = ok.get(rowid);
        if (id !== undefined) entry!.hits.push({ id, score: c.ranks[at + i]! });
      });
      entry.scanned += batch.length;
    }
    this.filtered.set(key, entry);
    return entry;
  }

  search(q: SearchQuery): SearchResult {
    const f = this.filters(q);
    if (!q.match) {
      // Browse: filters only, in id order (deterministic).
      const rows = this.prepared<(string | number)[], { id: string }>(`SELECT p.id FROM products p ${f.sql ? `WHERE ${f.sql}` : ''} ORDER BY p.id LIMIT ? OFFSET ?`).all(
        ...f.params,
        q.limit + 1,
        q.offset,
      );
      const total = this.prepared<(string | number)[], { n: number }>(`SELECT count(*) AS n FROM products p ${f.sql ? `WHERE ${f.sql}` : ''}`).get(...f.params)!.n;
      return { hits: rows.slice(0, q.limit).map((r) => ({ id: r.id, score: 0 })), hasMore: rows.length > q.limit, total };
    }
    const c = this.candidates(q.match);
    if (!f.sql) {
      let page: { rowid: number; rank: number }[];
      if (q.offset + q.limit + 1 <= c.rowids.length || c.rowids.length === c.total) {
        page = Array.from(c.rowids.subarray(q.offset, q.offset + q.limit), (rowid, i) => ({ rowid, rank: c.ranks[q.offset + i]! }));
      } else {
        page = this.s.ranked.all(q.match, q.limit, q.offset); // deep page: past the kept candidates
      }
      const ids = this.idsFor(page.map((r) => r.rowid));
      const hits = page.map((r) => ({ id: ids.get(r.rowid)!, score: r.rank })).filter((h) => h.id !== undefined);
      return { hits, hasMore: c.total > q.offset + q.limit, total: c.total };
    }
    const filtered = this.filter(q.match, c, f, q.offset + q.limit + 1);
    const all = filtered.scanned === c.total;
    const hasMore = filtered.hits.length > q.offset + q.limit;
    return {
      hits: filtered.hits.slice(q.offset, q.offset + q.limit),
      hasMore,
      // the total is known once every candidate was examined; a scan cut at MAX_SCAN is said
      ...(all ? { total: filtered.hits.length } : {}),
      ...(!all && !hasMore && filtered.scanned >= MAX_SCAN ? { truncated: true } : {}),
    };
  }

  private idsFor(rowids: number[]): Map<number, string> {
    if (rowids.length === 0) return new Map();
    const rows = this.prepared<number[], { rowid: number; product_id: string }>(`SELECT rowid, product_id FROM search_docs WHERE rowid IN (${rowids.map(() => '?').join(',')})`).all(...rowids);
    return new Map(rows.map((r) => [r.rowid, r.product_id]));
  }

  /** Which columns of a product's search document contain each of the query's terms (for explanations). */
  matchedFields(productId: string, match: string): { title: boolean; brand: boolean; body: boolean } {
    const row = this.db
      .prepare<[string, string], { t: string; b: string; d: string }>(
        `SELECT highlight(product_search, 0, '\u0001', '\u0002') AS t, highlight(product_search, 1, '\u0001', '\u0002') AS b, highlight(product_search, 2, '\u0001', '\u0002') AS d
         FROM product_search WHERE product_search MATCH ? AND rowid = (SELECT rowid FROM search_docs WHERE product_id = ?)`,
      )
      .get(match, productId);
    return { title: !!row?.t.includes('\u0001'), brand: !!row?.b.includes('\u0001'), body: !!row?.d.includes('\u0001') };
  }
}

/** Syncs of more products than one chunk run on a worker thread (they take seconds of CPU). */
export const WORKER_SYNC_MIN = SYNC_CHUNK;

export type SyncResult = { indexed: number; removed: number; full: boolean };

/** The compiled worker next to this module, or in dist/ when running from TypeScript sources (tests). */
function searchWorkerUrl(): URL {
  const here = new URL('./search-worker.js', import.meta.url);
  return existsSync(fileURLToPath(here)) ? here : pathToFileURL(projectPath('dist', 'src', 'store', 'sqlite', 'search-worker.js'));
}

export function rebuildInWorker(file: string): Promise<SyncResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(searchWorkerUrl(), { workerData: { file } });
    worker.once('message', (m: { ok: true; result: SyncResult } | { ok: false; message: string }) => (m.ok ? resolve(m.result) : reject(new Error(`search index rebuild failed: ${m.message}`))));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`search index worker exited with code ${code}`));
    });
  });
}
