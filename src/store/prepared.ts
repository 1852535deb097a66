/**
 * A product in the serialised form every store writes: JSON documents plus the columns stores index.
 * Preparing is pure and CPU-bound (serialisation, quality assessment), so a big import does it on a
 * worker thread while the database thread only writes (see src/feed/pipeline.ts).
 */
import type { Price, Product, Variant } from '../catalog/model.js';
import { assessStatic, maskOf } from '../catalog/quality.js';
import type { InventoryInput } from './inventory-records.js';

export interface PreparedVariant {
  id: string;
  position: number;
  sku: string | null;
  gtin: string | null;
  /** JSON of the variant without its prices. */
  doc: string;
  prices: Price[];
  /** The variant's complete stock, when the feed states it; undefined = keep the stored levels. */
  inventory?: InventoryInput[];
}

export interface PreparedProduct {
  id: string;
  title: string;
  brand: string | null;
  /** Category paths, one per line (either taxonomy), for prefix filters. */
  categories: string;
  /** JSON of the product without its variants. */
  doc: string;
  returnPolicyId?: string;
  /**
   * Failing time-independent quality checks, judged with the stock stated in this record; exact when
   * `stockComplete` (every variant states its stock), otherwise the store recomputes it after writing.
   */
  qualityMask: number;
  stockComplete: boolean;
  variants: PreparedVariant[];
}

/** The product without its variants (they are stored on their own). */
export function productDoc(product: Product): string {
  return JSON.stringify({ ...product, variants: undefined });
}

/** The variant without its prices (stored on their own). */
export function variantDoc(variant: Variant): string {
  return JSON.stringify({ ...variant, prices: undefined });
}

/**
 * Static quality bits stored per product. The review count and the stock age change without the product
 * changing, so those two checks are evaluated when listing, not stored.
 */
export function storedQualityMask(product: Product, stockedVariantIds: Iterable<string>, currency: string): number {
  const levels = [...stockedVariantIds].map((variantId) => ({ variantId, syncedAt: '' }));
  const failures = assessStatic({ product, levels, reviewCount: Number.MAX_SAFE_INTEGER, currency });
  return maskOf(failures.map((f) => f.check));
}

export function prepareProduct(product: Product, inventory: ReadonlyMap<string, InventoryInput[]>, currency: string): PreparedProduct {
  const prepared: PreparedProduct = {
    id: product.id,
    title: product.title,
    brand: product.brand ?? null,
    // category paths, one per line, then "#<id>" lines for Google taxonomy ids (category filters match either)
    categories: [...product.categories.map((c) => c.path), ...product.categories.filter((c) => c.taxonomy === 'google' && c.id).map((c) => `#${c.id}`)].join('\n'),
    doc: productDoc(product),
    qualityMask: storedQualityMask(
      product,
      [...inventory].filter(([, levels]) => levels.length > 0).map(([id]) => id),
      currency,
    ),
    stockComplete: product.variants.every((v) => inventory.has(v.id)),
    variants: product.variants.map((v, position) => {
      const levels = inventory.get(v.id);
      return {
        id: v.id,
        position,
        sku: v.sku ?? null,
        gtin: v.gtin ?? null,
        doc: variantDoc(v),
        prices: v.prices,
        ...(levels ? { inventory: levels } : {}),
      };
    }),
  };
  if (product.returnPolicyId !== undefined) prepared.returnPolicyId = product.returnPolicyId;
  return prepared;
}
