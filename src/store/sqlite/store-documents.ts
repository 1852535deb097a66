/**
 * Store-wide documents in SQLite: the merchant, locations, shipping and tax rates, return policies,
 * discounts, promotions and customer data, one JSON document per row. A put replaces a row only when its
 * content differs; a change to a published table logs one 'store' change (store ETags move with it), while
 * customer data, which is never published, changes without a trace in the change log. CatalogWriter
 * (writer.ts) writes them through here.
 */
import type { ChangeKind, PutOutcome } from '../store.js';
import type { Db } from './db.js';

/** Customer data is not published, so changing it does not touch the change log or store ETags. */
const PRIVATE_TABLES = new Set(['customers', 'addresses', 'payment_instruments']);

export class StoreDocuments {
  constructor(
    private readonly db: Db,
    /** Append one change to store-wide data to the change log. */
    private readonly storeChanged: (kind: ChangeKind) => void,
  ) {}

  /** Store-wide documents (merchant, locations, rates, policies, ...): replace when the content differs. */
  put(table: string, key: string, id: string, doc: string, extra: Record<string, string | number> = {}): PutOutcome {
    const existing = this.db.prepare<[string], { doc: string }>(`SELECT doc FROM ${table} WHERE ${key} = ?`).get(id);
    if (existing?.doc === doc) return 'unchanged';
    const cols = [key, 'doc', ...Object.keys(extra)];
    const updates = cols
      .slice(1)
      .map((c) => `${c} = excluded.${c}`)
      .join(', ');
    this.db.prepare(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')}) ON CONFLICT (${key}) DO UPDATE SET ${updates}`).run(id, doc, ...Object.values(extra));
    if (!PRIVATE_TABLES.has(table)) this.storeChanged(existing ? 'update' : 'create');
    return existing ? 'updated' : 'created';
  }

  /** Delete rows of a store-wide table; logs one store change when anything went. */
  delete(table: string, key: string, ids: readonly string[]): number {
    const stmt = this.db.prepare(`DELETE FROM ${table} WHERE ${key} = ?`);
    let n = 0;
    for (const id of ids) n += stmt.run(id).changes;
    if (n > 0 && !PRIVATE_TABLES.has(table)) this.storeChanged('delete');
    return n;
  }
}
