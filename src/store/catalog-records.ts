/**
 * What the store hands back when the catalog is read: a product with everything needed to publish it
 * (ProductRecord), the queries that list and search products and the pages they return, the cheap version
 * keys that validate cached renderings, identifier resolution, and entries of the change log that
 * `modified_since`, ETags and the change feed derive from. The read methods themselves are in contract.ts.
 */
import type { AggregateRating, InventoryLevel, Product } from '../catalog/model.js';

/** A product with everything needed to publish it: variants, prices, stock and rating. */
export interface ProductRecord {
  product: Product;
  levels: InventoryLevel[];
  rating?: AggregateRating;
  /** Sequence number of the last change that touched this product (variants, prices, stock, reviews). */
  seq: number;
  createdAt: string;
  updatedAt: string;
  /** Bitmask of failing time-independent quality checks (see catalog/quality.ts). */
  qualityMask: number;
  reviewCount: number;
  /** Oldest confirmation time of the product's stock levels. */
  stockSyncedAt?: string;
}

export interface ProductListQuery {
  /** Opaque position from a previous page (the store's own encoding). */
  after?: string;
  limit: number;
  /** Only products modified at or after this instant (RFC 3339). */
  modifiedSince?: string;
  brand?: string;
  /** Category path prefix (either taxonomy). */
  category?: string;
  /** Words that must all appear in the title, brand or category paths (case-insensitive). */
  text?: string;
  /** Exclude products failing any of these checks (see catalog/quality.ts). */
  quality?: { mask: number; requireReviews: boolean; freshSince?: string };
  /**
   * in_stock: some variant can be sold now; out_of_stock: none can; backorder / preorder: none can be
   * sold from stock but some variant takes backorders / preorders.
   */
  availability?: 'in_stock' | 'out_of_stock' | 'backorder' | 'preorder';
}

/** Full-text search with filters; `match` is an FTS5 query (already built from safe, quoted terms). */
export interface SearchQuery {
  match?: string;
  /** Category path prefixes or Google taxonomy ids (digits), any of them (OR). */
  categories?: string[];
  brand?: string;
  /** Some variant priced within [min, max] in this currency, minor units. */
  price?: { currency: string; min?: number; max?: number };
  /** Some variant with one of these values for the option (case-insensitive), e.g. Size: ["10", "us 10"]. */
  options?: { name: string; values: string[] }[];
  /** Some variant that can be bought now (stock, backorder or preorder). */
  inStock?: boolean;
  quality?: { mask: number; requireReviews: boolean; freshSince?: string };
  offset: number;
  limit: number;
}

export interface SearchResult {
  /** Product ids, best first; score = BM25 (lower is better; 0 when browsing). */
  hits: { id: string; score: number }[];
  hasMore: boolean;
  /** Total matches, when known without extra work. */
  total?: number;
  /** Filters were applied to the best-ranked matches only (a bounded scan); more may match further down. */
  truncated?: boolean;
}

/** What identifies a product's current version: enough to validate a cached rendering. */
export interface ProductKey {
  id: string;
  seq: number;
  updatedAt: string;
}

export interface ProductKeyPage {
  items: ProductKey[];
  next?: string;
}

export interface ProductPage {
  items: ProductRecord[];
  /** Position after the last item, when more may follow. */
  next?: string;
}

export type ChangeEntity = 'product' | 'variant' | 'price' | 'inventory' | 'review' | 'store' | 'credential';
export type ChangeKind = 'create' | 'update' | 'delete';

export interface ChangeEntry {
  seq: number;
  at: string;
  entity: ChangeEntity;
  kind: ChangeKind;
  productId?: string;
  variantId?: string;
  locationId?: string;
  importId?: string;
}

export interface ResolvedKey {
  productId: string;
  /** Set when the key named a variant (id, SKU or GTIN). */
  variantId?: string;
  /** The product's change sequence (its version). */
  seq: number;
}

export interface VariantRef {
  productId: string;
  variantId: string;
}
