/**
 * Stock and prices as writers state them and as stock writes report back: the updates feeds and the admin
 * API send (InventoryInput, PriceInput), what a stock write changed (StockChange), and holds on stock for a
 * pending purchase (ReserveLine in, ReservedLine or shortages out). Feed imports, the admin API and
 * checkout completion all speak these shapes; the methods that take them are in contract.ts.
 */

/** Stock as a feed or the admin API states it. */
export interface InventoryInput {
  variantId: string;
  /** Omitted = the store's default location. */
  locationId?: string;
  /** Absolute on-hand quantity; null = not tracked. Exactly one of onHand / adjust. */
  onHand?: number | null;
  /** Relative change to on-hand. */
  adjust?: number;
  lowStockThreshold?: number | null;
  restockDate?: string | null;
  backorder?: boolean;
  preorder?: boolean;
}

export interface PriceInput {
  variantId: string;
  currency: string;
  amount: number;
  listAmount?: number | null;
  validUntil?: string | null;
}

export interface StockChange {
  variantId: string;
  productId: string;
  locationId: string;
  onHand: number | null;
  reserved: number;
}

export interface ReserveLine {
  variantId: string;
  quantity: number;
  /** Take from this location only (store pickup). */
  locationId?: string;
}

export interface ReservedLine {
  variantId: string;
  locationId: string;
  quantity: number;
}

export type ReserveResult = { ok: true; lines: ReservedLine[] } | { ok: false; shortages: { variantId: string; requested: number; available: number }[] };
