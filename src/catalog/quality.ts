/**
 * Data quality gate: the readiness checklist agents reward. Pure functions; the store keeps the result of
 * the time-independent checks per product (a bitmask) and the age of its stock data, so agent-facing
 * listings can exclude failing products with an index-friendly query.
 */
import type { InventoryLevel, Product } from './model.js';

export const QUALITY_CHECKS = ['description', 'images', 'inventory_fresh', 'reviews', 'price_availability', 'identifiers'] as const;
export type QualityCheckId = (typeof QUALITY_CHECKS)[number];

export const QUALITY_DESCRIPTIONS: Record<QualityCheckId, string> = {
  description: 'description of at least 50 words',
  images: 'at least 3 images',
  inventory_fresh: 'inventory updated within the last 15 minutes',
  reviews: 'at least one review',
  price_availability: 'every variant has a price and availability',
  identifiers: 'every variant has a GTIN, or an MPN and the product a brand',
};

export interface QualityPolicy {
  minDescriptionWords: number;
  minImages: number;
  maxInventoryAgeMs: number;
  minReviews: number;
}

export const DEFAULT_QUALITY_POLICY: QualityPolicy = {
  minDescriptionWords: 50,
  minImages: 3,
  maxInventoryAgeMs: 15 * 60_000,
  minReviews: 1,
};

export interface QualityFailure {
  check: QualityCheckId;
  reason: string;
}

export interface QualityInput {
  product: Product;
  /** Inventory levels of all the product's variants. */
  levels: readonly Pick<InventoryLevel, 'variantId' | 'syncedAt'>[];
  reviewCount: number;
  /** The store's default currency: every variant must be priced in it. */
  currency: string;
}

export function checkBit(check: QualityCheckId): number {
  return 1 << QUALITY_CHECKS.indexOf(check);
}

export function maskOf(checks: Iterable<QualityCheckId>): number {
  let mask = 0;
  for (const c of checks) mask |= checkBit(c);
  return mask;
}

export function isQualityCheckId(value: string): value is QualityCheckId {
  return (QUALITY_CHECKS as readonly string[]).includes(value);
}

/** Plain text of a description, whichever form the feed gave. */
export function descriptionText(d: Product['description']): string {
  if (d.plain) return d.plain;
  if (d.markdown) return d.markdown.replace(/[#*_`>~[\]()!-]+/g, ' ');
  if (d.html) return d.html.replace(/<[^>]*>/g, ' ').replace(/&[a-z#0-9]+;/gi, ' ');
  return '';
}

export function countWords(text: string): number {
  return text.match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu)?.length ?? 0;
}

export function imageCount(product: Product): number {
  const urls = new Set<string>();
  for (const m of product.media) if (m.type === 'image') urls.add(m.url);
  for (const v of product.variants) for (const m of v.media) if (m.type === 'image') urls.add(m.url);
  return urls.size;
}

/** Oldest confirmation time across the product's stock levels (undefined when it has none). */
export function oldestSync(levels: QualityInput['levels']): string | undefined {
  let oldest: string | undefined;
  for (const l of levels) if (oldest === undefined || l.syncedAt < oldest) oldest = l.syncedAt;
  return oldest;
}

/** The checks that do not depend on the clock. */
export function assessStatic(input: QualityInput, policy: QualityPolicy = DEFAULT_QUALITY_POLICY): QualityFailure[] {
  const { product } = input;
  const failures: QualityFailure[] = [];
  const words = countWords(descriptionText(product.description));
  if (words < policy.minDescriptionWords) {
    failures.push({ check: 'description', reason: `description has ${words} words (minimum ${policy.minDescriptionWords})` });
  }
  const images = imageCount(product);
  if (images < policy.minImages) {
    failures.push({ check: 'images', reason: `${images} image${images === 1 ? '' : 's'} (minimum ${policy.minImages})` });
  }
  if (input.reviewCount < policy.minReviews) {
    failures.push({ check: 'reviews', reason: `${input.reviewCount} reviews (minimum ${policy.minReviews})` });
  }
  const stocked = new Set(input.levels.map((l) => l.variantId));
  const unpriced = product.variants.filter((v) => !v.prices.some((p) => p.currency === input.currency));
  const unstocked = product.variants.filter((v) => !stocked.has(v.id));
  if (product.variants.length === 0) {
    failures.push({ check: 'price_availability', reason: 'product has no variants' });
  } else if (unpriced.length || unstocked.length) {
    const parts = [];
    if (unpriced.length) parts.push(`no ${input.currency} price for ${listIds(unpriced)}`);
    if (unstocked.length) parts.push(`no inventory or availability for ${listIds(unstocked)}`);
    failures.push({ check: 'price_availability', reason: parts.join('; ') });
  }
  const unidentified = product.variants.filter((v) => !v.gtin && !(v.mpn && product.brand));
  if (unidentified.length) {
    failures.push({ check: 'identifiers', reason: `no GTIN, and no MPN with a brand, for ${listIds(unidentified)}` });
  }
  return failures;
}

/** The clock-dependent check: stock data confirmed recently enough. */
export function assessFreshness(oldestSyncedAt: string | undefined, now: Date, policy: QualityPolicy = DEFAULT_QUALITY_POLICY): QualityFailure | undefined {
  const limit = formatDuration(policy.maxInventoryAgeMs);
  if (oldestSyncedAt === undefined) return { check: 'inventory_fresh', reason: 'no inventory data' };
  const age = now.getTime() - Date.parse(oldestSyncedAt);
  if (age <= policy.maxInventoryAgeMs) return undefined;
  return {
    check: 'inventory_fresh',
    reason: `inventory last confirmed ${oldestSyncedAt}, ${formatDuration(age)} ago (maximum ${limit})`,
  };
}

export function assessProduct(input: QualityInput, now: Date, policy: QualityPolicy = DEFAULT_QUALITY_POLICY): QualityFailure[] {
  const failures = assessStatic(input, policy);
  const stale = assessFreshness(oldestSync(input.levels), now, policy);
  if (stale) failures.push(stale);
  failures.sort((a, b) => QUALITY_CHECKS.indexOf(a.check) - QUALITY_CHECKS.indexOf(b.check));
  return failures;
}

function listIds(variants: readonly { id: string }[]): string {
  const shown = variants
    .slice(0, 3)
    .map((v) => v.id)
    .join(', ');
  return variants.length > 3 ? `${shown} and ${variants.length - 3} more variants` : `variant ${shown}`;
}

export function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} days`;
}

export interface QualityProductReport {
  productId: string;
  title: string;
  ready: boolean;
  failures: QualityFailure[];
}

export interface QualityReport {
  generatedAt: string;
  products: number;
  ready: number;
  checks: { id: QualityCheckId; description: string; failing: number }[];
  /** Products failing at least one check, each with its reasons. */
  failing: QualityProductReport[];
  excludedChecks: QualityCheckId[];
  excluded: number;
}

/** Fold per-product findings into the aggregate report. */
export class QualityReportBuilder {
  private products = 0;
  private ready = 0;
  private excluded = 0;
  private readonly failingCounts = new Map<QualityCheckId, number>();
  private readonly failing: QualityProductReport[] = [];

  constructor(private readonly excludedChecks: readonly QualityCheckId[] = []) {}

  add(productId: string, title: string, failures: QualityFailure[]): void {
    this.products++;
    if (failures.length === 0) {
      this.ready++;
      return;
    }
    for (const f of failures) this.failingCounts.set(f.check, (this.failingCounts.get(f.check) ?? 0) + 1);
    if (failures.some((f) => this.excludedChecks.includes(f.check))) this.excluded++;
    this.failing.push({ productId, title, ready: false, failures });
  }

  build(now: Date): QualityReport {
    return {
      generatedAt: now.toISOString(),
      products: this.products,
      ready: this.ready,
      checks: QUALITY_CHECKS.map((id) => ({ id, description: QUALITY_DESCRIPTIONS[id], failing: this.failingCounts.get(id) ?? 0 })),
      failing: this.failing,
      excludedChecks: [...this.excludedChecks],
      excluded: this.excluded,
    };
  }
}

/** What a whole-catalog scan yields per product (structurally what the store's ProductRecord has). */
export interface QualityScanItem {
  product: Product;
  levels: readonly Pick<InventoryLevel, 'variantId' | 'syncedAt'>[];
  reviewCount: number;
}

export async function buildQualityReport(
  items: AsyncIterable<QualityScanItem>,
  opts: { now: Date; currency: string; exclude?: readonly QualityCheckId[]; policy?: QualityPolicy },
): Promise<QualityReport> {
  const builder = new QualityReportBuilder(opts.exclude ?? []);
  for await (const item of items) {
    const failures = assessProduct({ product: item.product, levels: item.levels, reviewCount: item.reviewCount, currency: opts.currency }, opts.now, opts.policy);
    builder.add(item.product.id, item.product.title, failures);
  }
  return builder.build(opts.now);
}

/**
 * The listing filter that leaves out products failing any of `exclude`: a bitmask over the stored
 * time-independent checks, plus the review count and the stock age evaluated against `now`.
 */
export function exclusionFilter(
  exclude: readonly QualityCheckId[],
  now: Date,
  policy: QualityPolicy = DEFAULT_QUALITY_POLICY,
): { mask: number; requireReviews: boolean; freshSince?: string } | undefined {
  if (exclude.length === 0) return undefined;
  const stored = exclude.filter((c) => c !== 'reviews' && c !== 'inventory_fresh');
  return {
    mask: maskOf(stored),
    requireReviews: exclude.includes('reviews'),
    ...(exclude.includes('inventory_fresh') ? { freshSince: new Date(now.getTime() - policy.maxInventoryAgeMs).toISOString() } : {}),
  };
}

/** The same rule for one product record (single-product endpoints). */
export function isExcluded(
  record: { qualityMask: number; reviewCount: number; stockSyncedAt?: string },
  exclude: readonly QualityCheckId[],
  now: Date,
  policy: QualityPolicy = DEFAULT_QUALITY_POLICY,
): boolean {
  const filter = exclusionFilter(exclude, now, policy);
  if (!filter) return false;
  if ((record.qualityMask & filter.mask) !== 0) return true;
  if (filter.requireReviews && record.reviewCount === 0) return true;
  if (filter.freshSince !== undefined && (record.stockSyncedAt === undefined || record.stockSyncedAt < filter.freshSince)) return true;
  return false;
}
