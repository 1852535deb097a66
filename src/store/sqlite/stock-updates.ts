/**
 * Stock and price updates outside feeds (the admin API), applied through a CatalogWriter (writer.ts) in
 * one IMMEDIATE transaction: all of a request's updates or none, the first bad one named by its index in
 * the error; derived product columns are brought up to date before the commit. Also the plain read of
 * stock levels by variant. SqliteStore runs the updates under the write lock.
 */
import { UcpdError } from '../../errors.js';
import type { InventoryLevel, Price } from '../../catalog/model.js';
import type { InventoryInput, PriceInput, StockChange } from '../store.js';
import type { Db } from './db.js';
import type { CatalogQueries } from './queries.js';
import { levelFromRow, priceFromRow, type InventoryRow, type PriceRow } from './rows.js';
import { CatalogWriter } from './writer.js';

export class StockUpdates {
  constructor(
    private readonly db: Db,
    private readonly q: CatalogQueries,
    /** The current time (RFC 3339): one timestamp per request. */
    private readonly now: () => string,
  ) {}

  levels(variantIds: readonly string[]): InventoryLevel[] {
    const stmt = this.db.prepare<[string], InventoryRow>('SELECT * FROM inventory WHERE variant_id = ? ORDER BY location_id');
    return variantIds.flatMap((id) => stmt.all(id).map(levelFromRow));
  }

  applyInventory(updates: readonly InventoryInput[]): StockChange[] {
    return this.atomically(updates, (w, u) => w.setInventory(u).change);
  }

  applyPrices(updates: readonly PriceInput[]): Price[] {
    const select = this.db.prepare<[string, string], PriceRow>('SELECT * FROM prices WHERE variant_id = ? AND currency = ?');
    return this.atomically(updates, (w, u) => {
      w.setPrice(u);
      return priceFromRow(select.get(u.variantId, u.currency)!);
    });
  }

  private writer(): CatalogWriter {
    const currency = this.q.merchant()?.currencies[0] ?? 'USD';
    return new CatalogWriter(this.db, this.q, this.now(), null, currency);
  }

  /** All updates or none: the first bad one aborts the transaction with its index in the error. */
  private atomically<T, R>(items: readonly T[], apply: (w: CatalogWriter, item: T) => R | undefined): R[] {
    return this.db
      .transaction(() => {
        const w = this.writer();
        const out: R[] = [];
        items.forEach((item, index) => {
          try {
            const r = apply(w, item);
            if (r !== undefined) out.push(r);
          } catch (err) {
            if (err instanceof UcpdError) throw new UcpdError(err.kind, err.code, `updates[${index}]: ${err.message}`, { ...err.details, index });
            throw err;
          }
        });
        w.finish();
        return out;
      })
      .immediate();
  }
}
