/** Row <-> domain mapping for the SQLite store. Nested parts live in JSON `doc` columns. */
import { createHash } from 'node:crypto';
import type { AggregateRating, InventoryLevel, Price, Product, Review, Variant } from '../../catalog/model.js';
import type { ChangeEntry, ProductRecord } from '../store.js';

export interface ProductRow {
  id: string;
  title: string;
  brand: string | null;
  categories: string;
  doc: string;
  quality_mask: number;
  review_count: number;
  /** JSON AggregateRating, null without reviews. */
  rating: string | null;
  stock_synced_at: string | null;
  created_at: string;
  updated_at: string;
  seq: number;
}

export interface VariantRow {
  id: string;
  product_id: string;
  position: number;
  sku: string | null;
  gtin: string | null;
  doc: string;
}

export interface PriceRow {
  variant_id: string;
  currency: string;
  amount: number;
  list_amount: number | null;
  valid_until: string | null;
}

export interface InventoryRow {
  variant_id: string;
  location_id: string;
  on_hand: number | null;
  reserved: number;
  low_stock_threshold: number | null;
  restock_date: string | null;
  backorder: number;
  preorder: number;
  updated_at: string;
  synced_at: string;
}

export interface ChangeRow {
  seq: number;
  at: string;
  entity: string;
  kind: string;
  product_id: string | null;
  variant_id: string | null;
  location_id: string | null;
  import_id: string | null;
}

export function hashOf(text: string): string {
  return createHash('sha1').update(text).digest('base64url');
}

export function priceFromRow(row: PriceRow): Price {
  const price: Price = { currency: row.currency, amount: row.amount };
  if (row.list_amount !== null) price.listAmount = row.list_amount;
  if (row.valid_until !== null) price.validUntil = row.valid_until;
  return price;
}

export function levelFromRow(row: InventoryRow): InventoryLevel {
  const level: InventoryLevel = {
    variantId: row.variant_id,
    locationId: row.location_id,
    onHand: row.on_hand,
    reserved: row.reserved,
    backorder: row.backorder === 1,
    preorder: row.preorder === 1,
    updatedAt: row.updated_at,
    syncedAt: row.synced_at,
  };
  if (row.low_stock_threshold !== null) level.lowStockThreshold = row.low_stock_threshold;
  if (row.restock_date !== null) level.restockDate = row.restock_date;
  return level;
}

export function changeFromRow(row: ChangeRow): ChangeEntry {
  const entry: ChangeEntry = { seq: row.seq, at: row.at, entity: row.entity as ChangeEntry['entity'], kind: row.kind as ChangeEntry['kind'] };
  if (row.product_id !== null) entry.productId = row.product_id;
  if (row.variant_id !== null) entry.variantId = row.variant_id;
  if (row.location_id !== null) entry.locationId = row.location_id;
  if (row.import_id !== null) entry.importId = row.import_id;
  return entry;
}

export function reviewFromDoc(doc: string): Review {
  return JSON.parse(doc) as Review;
}

/** Assemble a record from its rows; variants, prices and levels arrive grouped by the caller. */
export function productRecordFrom(row: ProductRow, variants: readonly VariantRow[], prices: ReadonlyMap<string, Price[]>, levels: InventoryLevel[]): ProductRecord {
  const product = JSON.parse(row.doc) as Product;
  product.variants = variants.map((v) => {
    const variant = JSON.parse(v.doc) as Variant;
    variant.prices = prices.get(v.id) ?? [];
    return variant;
  });
  const record: ProductRecord = {
    product,
    levels,
    seq: row.seq,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    qualityMask: row.quality_mask,
    reviewCount: row.review_count,
  };
  if (row.rating !== null) record.rating = JSON.parse(row.rating) as AggregateRating;
  if (row.stock_synced_at !== null) record.stockSyncedAt = row.stock_synced_at;
  return record;
}
