/**
 * Stock -> availability. One derivation shared by every surface (JSON-LD offers, UCP catalog, checkout), so
 * an agent reads the same answer everywhere.
 */
import type { InventoryLevel } from './model.js';

export type Availability = 'in_stock' | 'limited' | 'out_of_stock' | 'backorder' | 'preorder';

/** Most units one stock level may hold (the feed schema's maximum for on_hand): stock stays exact. */
export const MAX_STOCK_UNITS = 1_000_000_000;

export interface StockSummary {
  availability: Availability;
  /** Units that can be sold now (on hand minus reserved); null when stock is not tracked. */
  quantity: number | null;
  lowStock: boolean;
  /** Earliest expected restock among the levels, when out of stock. */
  restockDate?: string;
  backorder: boolean;
  preorder: boolean;
}

type LevelLike = Pick<InventoryLevel, 'onHand' | 'reserved' | 'lowStockThreshold' | 'restockDate' | 'backorder' | 'preorder'>;

export function availableUnits(level: Pick<InventoryLevel, 'onHand' | 'reserved'>): number | null {
  return level.onHand === null ? null : Math.max(0, level.onHand - level.reserved);
}

/** Summarise one or more inventory levels (one variant at one location, or across all its locations). */
export function summarizeStock(levels: readonly LevelLike[]): StockSummary {
  let quantity = 0;
  let untracked = false;
  let threshold: number | undefined;
  let restockDate: string | undefined;
  let backorder = false;
  let preorder = false;
  for (const level of levels) {
    const units = availableUnits(level);
    if (units === null) untracked = true;
    else quantity += units;
    if (level.lowStockThreshold !== undefined) threshold = (threshold ?? 0) + level.lowStockThreshold;
    if (level.restockDate && (!restockDate || level.restockDate < restockDate)) restockDate = level.restockDate;
    backorder ||= level.backorder;
    preorder ||= level.preorder;
  }
  if (untracked) return { availability: 'in_stock', quantity: null, lowStock: false, backorder, preorder };
  if (quantity > 0) {
    const lowStock = threshold !== undefined && quantity <= threshold;
    return { availability: lowStock ? 'limited' : 'in_stock', quantity, lowStock, backorder, preorder };
  }
  const availability: Availability = preorder ? 'preorder' : backorder ? 'backorder' : 'out_of_stock';
  return { availability, quantity: 0, lowStock: false, ...(restockDate ? { restockDate } : {}), backorder, preorder };
}

/** Whether `quantity` more units can be sold from these levels (backorder/preorder allow overselling). */
export function canSell(summary: StockSummary, quantity: number): boolean {
  if (summary.quantity === null || summary.backorder || summary.preorder) return true;
  return summary.quantity >= quantity;
}

/** The units of an item one can buy now (null: unlimited, as with untracked stock, backorder or preorder). */
export function availableOf(levels: readonly LevelLike[]): number | null {
  const s = summarizeStock(levels);
  if (s.quantity === null || s.backorder || s.preorder) return null;
  return s.quantity;
}
