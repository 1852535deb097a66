/**
 * Stock levels as CatalogWriter (writer.ts) stores them, one row per variant and location. `levelState`
 * turns a stock input (an absolute on_hand or a relative adjust; omitted fields keep their value) into the
 * stored state, refusing to adjust untracked stock or to take stock below zero or above MAX_STOCK_UNITS;
 * StockLevelRows reads and writes the rows and tells whether a level's published state changed (a level
 * stated again unchanged only records that it was confirmed now).
 */
import { MAX_STOCK_UNITS } from '../../catalog/availability.js';
import { invalidInput, notFound } from '../../errors.js';
import type { InventoryInput } from '../store.js';
import type { Db } from './db.js';
import type { InventoryRow } from './rows.js';

export interface LevelState {
  on_hand: number | null;
  low_stock_threshold: number | null;
  restock_date: string | null;
  backorder: number;
  preorder: number;
}

export class StockLevelRows {
  private readonly s;

  constructor(
    db: Db,
    /** The writer's timestamp: a level's update and confirmation time. */
    private readonly at: string,
  ) {
    this.s = {
      levelsOfVariant: db.prepare<[string], InventoryRow>('SELECT * FROM inventory WHERE variant_id = ?'),
      level: db.prepare<[string, string], InventoryRow>('SELECT * FROM inventory WHERE variant_id = ? AND location_id = ?'),
      insertLevel: db.prepare(
        `INSERT INTO inventory (variant_id, location_id, on_hand, low_stock_threshold, restock_date, backorder, preorder, updated_at, synced_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      updateLevel: db.prepare(
        `UPDATE inventory SET on_hand = ?, low_stock_threshold = ?, restock_date = ?, backorder = ?, preorder = ?, updated_at = ?, synced_at = ?
         WHERE variant_id = ? AND location_id = ?`,
      ),
      syncLevel: db.prepare('UPDATE inventory SET synced_at = ? WHERE variant_id = ? AND location_id = ?'),
      deleteLevel: db.prepare('DELETE FROM inventory WHERE variant_id = ? AND location_id = ?'),
    };
  }

  /** Every stored level of one variant. */
  ofVariant(variantId: string): InventoryRow[] {
    return this.s.levelsOfVariant.all(variantId);
  }

  get(variantId: string, locationId: string): InventoryRow | undefined {
    return this.s.level.get(variantId, locationId);
  }

  insert(variantId: string, locationId: string, s: LevelState): void {
    this.s.insertLevel.run(variantId, locationId, s.on_hand, s.low_stock_threshold, s.restock_date, s.backorder, s.preorder, this.at, this.at);
  }

  /** Insert or update one level; true when its published state changed (a re-stated level only syncs). */
  upsert(variantId: string, input: InventoryInput & { locationId: string }): boolean {
    const old = this.s.level.get(variantId, input.locationId);
    const next = levelState(input, old);
    if (!old) {
      this.insert(variantId, input.locationId, next);
      return true;
    }
    const same =
      old.on_hand === next.on_hand &&
      old.low_stock_threshold === next.low_stock_threshold &&
      old.restock_date === next.restock_date &&
      old.backorder === next.backorder &&
      old.preorder === next.preorder;
    if (same) {
      this.s.syncLevel.run(this.at, variantId, input.locationId);
      return false;
    }
    this.s.updateLevel.run(next.on_hand, next.low_stock_threshold, next.restock_date, next.backorder, next.preorder, this.at, this.at, variantId, input.locationId);
    return true;
  }

  delete(variantId: string, locationId: string): void {
    this.s.deleteLevel.run(variantId, locationId);
  }
}

/** The stored state a stock input produces from the previous state (undefined fields keep their value). */
export function levelState(input: InventoryInput, old: InventoryRow | undefined): LevelState {
  let onHand: number | null;
  if (input.adjust !== undefined) {
    const base = old ? old.on_hand : 0;
    if (base === null) throw invalidInput('untracked_stock', `stock of variant "${input.variantId}" is not tracked; set on_hand instead of adjusting it`);
    onHand = base + input.adjust;
    if (onHand < 0) throw invalidInput('negative_stock', `adjusting by ${input.adjust} would make on-hand stock of "${input.variantId}" negative (${onHand})`);
    if (onHand > MAX_STOCK_UNITS) throw invalidInput('stock_too_large', `adjusting by ${input.adjust} would make on-hand stock of "${input.variantId}" exceed ${MAX_STOCK_UNITS}`);
  } else if (input.onHand !== undefined) {
    onHand = input.onHand;
  } else if (old) {
    onHand = old.on_hand;
  } else {
    throw notFound('unknown_stock_level', `variant "${input.variantId}" has no stock level at this location yet; give on_hand`);
  }
  const keep = <T>(next: T | null | undefined, prev: T | null): T | null => (next === undefined ? prev : next);
  return {
    on_hand: onHand,
    low_stock_threshold: keep(input.lowStockThreshold, old?.low_stock_threshold ?? null),
    restock_date: keep(input.restockDate, old?.restock_date ?? null),
    backorder: input.backorder === undefined ? (old?.backorder ?? 0) : Number(input.backorder),
    preorder: input.preorder === undefined ? (old?.preorder ?? 0) : Number(input.preorder),
  };
}
