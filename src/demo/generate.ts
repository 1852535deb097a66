/**
 * Deterministic generator for the demo outdoor-gear store (demo/outdoor-gear.jsonl, ~200 products) and
 * for synthetic catalogs of any size (bench/import uses 100,000 products x 3 variants). Same options,
 * same bytes: all randomness comes from a seeded PRNG and dates are relative to a fixed epoch.
 *
 * This module holds the options and the feed's overall shape (header, store records, products with their
 * variants and reviews, promotions and customers). The pieces live next to it: determinism.ts (epoch and
 * PRNG), product-details.ts (options, stock, descriptions, certifications, reviews) and store-records.ts.
 */
import { gtinCheckDigit } from '../catalog/identifiers.js';
import type { FeedRecord, ProductRecordWire, WireVariant } from '../feed/records.js';
import { BRANDS, CATEGORIES, MODEL_NAMES } from './content.js';
import { DEMO_EPOCH, isoDay, prng } from './determinism.js';
import { certificationsFor, combinations, describe, optionsFor, review, slug, stockFor } from './product-details.js';
import { promotionsAndCustomers, storeRecords } from './store-records.js';

export { DEMO_EPOCH, prng } from './determinism.js';

export interface GenerateOptions {
  products: number;
  seed?: number;
  /** 'demo': realistic variant counts; 'fixed3': exactly three variants per product (benchmarks). */
  variants?: 'demo' | 'fixed3';
  reviews?: boolean;
  /** Currencies priced for every variant (first = default). */
  currencies?: string[];
}

const FX: Record<string, number> = { USD: 1, CAD: 1.37, EUR: 0.92, GBP: 0.79 };

/** Shop-style price in another currency: converted, then ending in .99 (or .95 for GBP). */
function convert(usdCents: number, currency: string): number {
  const raw = usdCents * (FX[currency] ?? 1);
  const whole = Math.max(1, Math.round(raw / 100));
  return whole * 100 - (currency === 'GBP' ? 5 : 1);
}

export function* generateFeed(options: GenerateOptions): Generator<FeedRecord> {
  const rand = prng(options.seed ?? 20261001);
  const between = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const chance = (p: number) => rand() < p;
  const currencies = options.currencies ?? ['USD', 'CAD', 'EUR', 'GBP'];
  const fixed3 = options.variants === 'fixed3';
  const withReviews = options.reviews ?? true;
  let gtinCounter = 0;
  const nextGtin = () => {
    const body = `0841234${String(gtinCounter++).padStart(5, '0')}`.slice(-12);
    return body + gtinCheckDigit(body);
  };
  // GTIN bodies have 5 counter digits; bigger catalogs switch to a second company prefix per 100,000.
  const gtinFor = () => {
    if (gtinCounter < 100000) return nextGtin();
    const n = gtinCounter++;
    const body = `${String(850 + Math.floor(n / 100000)).padStart(3, '0')}00${String(n % 100000).padStart(5, '0')}00`.slice(0, 12);
    return body + gtinCheckDigit(body);
  };

  yield {
    type: 'header',
    format: 'ucpd-feed',
    version: 1,
    generated_at: new Date(DEMO_EPOCH).toISOString(),
    description: `ucpd demo outdoor-gear store: ${options.products} products (seed ${options.seed ?? 20261001})`,
  };
  yield* storeRecords(currencies);

  const locations = ['wh-reno', 'store-denver', 'store-portland'];
  for (let i = 0; i < options.products; i++) {
    const cat = CATEGORIES[i % CATEGORIES.length]!;
    const brand = BRANDS[Math.floor(i / CATEGORIES.length) % BRANDS.length]!;
    const model = MODEL_NAMES[Math.floor(i / (CATEGORIES.length * BRANDS.length)) % MODEL_NAMES.length]!;
    const generation = Math.floor(i / (CATEGORIES.length * BRANDS.length * MODEL_NAMES.length));
    const id = `${brand.code.toLowerCase()}-${slug(model)}-${cat.key}${generation ? `-${generation + 1}` : ''}`;
    const title = `${brand.name} ${model}${generation ? ` ${generation + 1}` : ''} ${cat.noun}`;
    const usd = Math.round(between(cat.price[0], cat.price[1]) / 1000) * 1000 - 100;
    const onSale = chance(0.15);
    const options_ = optionsFor(cat, fixed3, rand);
    const combos = combinations(options_);
    const colorIndex = options_.findIndex((o) => o.name === 'Color');
    const certifications = certificationsFor(cat, i, prng((options.seed ?? 20261001) + i));
    const thin = !fixed3 && chance(0.08); // a few products fail the quality gate on purpose
    const clearance = !fixed3 && onSale && chance(0.3);
    const preorder = !fixed3 && chance(0.03);

    const variants: WireVariant[] = combos.map((values, v) => {
      const vid = combos.length === 1 ? id : `${id}-${values.map(slug).join('-')}`;
      const sizeBump = cat.options === 'apparel' && values[0] === 'XXL' ? 1000 : 0;
      const amount = usd + sizeBump;
      const variant: WireVariant = {
        id: vid,
        sku: `${brand.code}-${String(i).padStart(5, '0')}-${String(v).padStart(2, '0')}`,
        ...(thin && v === 0 ? {} : { gtin: gtinFor() }),
        mpn: `${brand.code}${String(1000 + i)}-${v}`,
        title: values.length ? `${title} - ${values.join(' / ')}` : title,
        ...(options_.length ? { options: Object.fromEntries(options_.map((o, k) => [o.name, values[k]!])) } : {}),
        condition: 'new',
        prices: currencies.map((c) => {
          const price = convert(amount, c);
          return onSale ? { currency: c, amount: Math.round((price * 0.8) / 100) * 100 - (c === 'GBP' ? 5 : 1), list_amount: price } : { currency: c, amount: price };
        }),
        weight: { value: between(cat.weightGrams[0], cat.weightGrams[1]), unit: 'g' },
        ...(cat.options === 'capacity' || cat.options === 'pack' ? { dimensions: { length: between(40, 60), width: between(14, 22), height: between(14, 30), unit: 'cm' as const } } : {}),
      };
      const color = values[colorIndex];
      if (color !== undefined) {
        variant.media = [{ type: 'image', url: `/demo/media/${id}-${slug(color)}.svg`, alt: `${title} in ${color}`, width: 1200, height: 1200, mime_type: 'image/svg+xml' }];
      }
      if (preorder) {
        variant.inventory = [{ location_id: 'wh-reno', on_hand: 0, preorder: true, restock_date: isoDay(DEMO_EPOCH + between(20, 60) * 86400000) }];
      } else {
        variant.inventory = stockFor(locations, fixed3, rand);
      }
      return variant;
    });

    const imageCount = thin ? 2 : between(3, 6);
    const product: ProductRecordWire = {
      type: 'product',
      id,
      handle: id,
      title,
      description: describe(cat, brand.name, model, thin, rand),
      brand: brand.name,
      categories: [
        { taxonomy: 'google', id: cat.google.id, path: cat.google.path },
        { taxonomy: 'merchant', path: cat.merchant },
      ],
      tags: [...cat.tags],
      media: Array.from({ length: imageCount }, (_, n) => ({
        type: 'image' as const,
        url: `/demo/media/${id}-${n + 1}.svg`,
        alt: `${title}, ${['front', 'back', 'detail', 'in use', 'packed', 'side'][n]} view`,
        width: 1200,
        height: 1200,
        mime_type: 'image/svg+xml',
      })),
      ...(options_.length ? { options: options_ } : {}),
      attributes: { material: cat.material.join(', '), ...(cat.options === 'apparel' || cat.options === 'footwear' ? { gender: 'unisex', age_group: 'adult' } : {}) },
      ...(clearance ? { return_policy_id: 'final-sale' } : {}),
      ...(certifications.length ? { certifications } : {}),
      variants,
    };
    yield product;

    if (withReviews) {
      const count = thin ? 0 : between(0, 7) + (chance(0.7) ? 1 : 0);
      for (let r = 0; r < count; r++) yield review(product, cat, r, rand);
    }
  }

  yield* promotionsAndCustomers();
}

/**
 * The feed as JSON Lines. The header carries the record count (so a truncated copy fails to import); it is
 * counted in a first pass, which is cheap and keeps memory flat because generation is deterministic.
 */
export function* feedLines(options: GenerateOptions): Generator<string> {
  let count = 0;
  for (const r of generateFeed(options)) if (r.type !== 'header') count++;
  for (const r of generateFeed(options)) {
    yield `${JSON.stringify(r.type === 'header' ? { ...r, record_count: count } : r)}\n`;
  }
}
