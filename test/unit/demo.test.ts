import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { feedLines, generateFeed } from '../../src/demo/generate.js';
import type { FeedRecord, ProductRecordWire } from '../../src/feed/records.js';
import { validateRecord } from '../../src/feed/validate.js';
import { projectPath } from '../../src/paths.js';

describe('demo catalog generator', () => {
  const records = [...generateFeed({ products: 200 })];
  const products = records.filter((r): r is ProductRecordWire => r.type === 'product');
  const of = <T extends FeedRecord['type']>(type: T) => records.filter((r) => r.type === type) as Extract<FeedRecord, { type: T }>[];

  test('the committed demo feed is exactly what the generator produces', () => {
    const committed = readFileSync(projectPath('demo', 'outdoor-gear.jsonl'), 'utf8');
    expect([...feedLines({ products: 200 })].join('')).toBe(committed);
  });

  test('is deterministic for a seed and differs across seeds', () => {
    const a = [...feedLines({ products: 20, seed: 7 })].join('');
    expect([...feedLines({ products: 20, seed: 7 })].join('')).toBe(a);
    expect([...feedLines({ products: 20, seed: 8 })].join('')).not.toBe(a);
  });

  test('every record is valid', () => {
    for (const r of records) expect(validateRecord(r)).toEqual([]);
  });

  test('is a realistic outdoor-gear store', () => {
    expect(products).toHaveLength(200);
    const withVariants = products.filter((p) => p.variants.length > 1);
    expect(withVariants.length / products.length).toBeGreaterThan(0.7);
    expect(products.filter((p) => (p.options ?? []).some((o) => o.name === 'Size') && (p.options ?? []).some((o) => o.name === 'Color')).length).toBeGreaterThan(60);
    const titles = products.map((p) => p.title).join(' ');
    for (const kind of ['Jacket', 'Boot', 'Tent', 'Backpack']) expect(titles).toContain(kind);
    expect(products.filter((p) => (p.media ?? []).length >= 3).length).toBeGreaterThan(150);
    expect(products.filter((p) => (p.certifications ?? []).length > 0).length).toBeGreaterThanOrEqual(3);
    expect(new Set(products.flatMap((p) => p.variants.flatMap((v) => v.prices.map((x) => x.currency))))).toEqual(new Set(['USD', 'CAD', 'EUR', 'GBP']));

    const reviews = of('review');
    expect(reviews.length / products.length).toBeGreaterThan(2);
    expect(reviews.some((r) => r.verified_purchase)).toBe(true);
    expect(reviews.some((r) => !r.verified_purchase)).toBe(true);

    const locations = of('location');
    expect(locations).toHaveLength(3);
    expect(locations.filter((l) => l.pickup)).toHaveLength(2);
    expect(new Set(of('shipping_rate').map((r) => r.country))).toEqual(new Set(['US', 'CA', 'GB', 'DE', '*']));
    expect(of('return_policy').some((p) => p.default)).toBe(true);
  });
});
