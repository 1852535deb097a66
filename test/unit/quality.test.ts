import { describe, expect, test } from '@jest/globals';
import type { Product } from '../../src/catalog/model.js';
import { assessFreshness, assessProduct, buildQualityReport, countWords, descriptionText, exclusionFilter, isExcluded, maskOf } from '../../src/catalog/quality.js';

const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');

function product(over: Partial<Product> = {}): Product {
  return {
    id: 'p',
    title: 'P',
    description: { plain: words(50) },
    brand: 'Acme',
    categories: [],
    tags: [],
    media: [1, 2, 3].map((n) => ({ type: 'image' as const, url: `https://x/${n}.jpg` })),
    options: [],
    attributes: {},
    certifications: [],
    shippingOverrides: [],
    variants: [{ id: 'v', gtin: '4006381333931', options: [], condition: 'new', prices: [{ currency: 'USD', amount: 100 }], media: [] }],
    ...over,
  };
}

const now = new Date('2026-11-01T12:00:00Z');
const fresh = [{ variantId: 'v', syncedAt: '2026-11-01T11:50:00Z' }];

describe('quality checks', () => {
  test('a complete product passes every check', () => {
    expect(assessProduct({ product: product(), levels: fresh, reviewCount: 1, currency: 'USD' }, now)).toEqual([]);
  });

  test.each([
    ['description', { description: { plain: words(49) } }, /49 words \(minimum 50\)/],
    [
      'images',
      {
        media: [
          { type: 'image' as const, url: 'a' },
          { type: 'video' as const, url: 'b' },
        ],
      },
      /1 image \(minimum 3\)/,
    ],
    [
      'identifiers',
      { brand: undefined, variants: [{ id: 'v', mpn: 'M1', options: [], condition: 'new' as const, prices: [{ currency: 'USD', amount: 1 }], media: [] }] },
      /no GTIN, and no MPN with a brand, for variant v/,
    ],
    [
      'price_availability',
      { variants: [{ id: 'v', gtin: '4006381333931', options: [], condition: 'new' as const, prices: [{ currency: 'EUR', amount: 1 }], media: [] }] },
      /no USD price for variant v/,
    ],
  ])('%s fails with a reason', (check, over, reason) => {
    const failures = assessProduct({ product: product(over as Partial<Product>), levels: fresh, reviewCount: 1, currency: 'USD' }, now);
    expect(failures).toEqual([{ check, reason: expect.stringMatching(reason) }]);
  });

  test('reviews and stock are checked', () => {
    const failures = assessProduct({ product: product(), levels: [], reviewCount: 0, currency: 'USD' }, now);
    expect(failures.map((f) => f.check)).toEqual(['inventory_fresh', 'reviews', 'price_availability']);
    expect(failures.find((f) => f.check === 'price_availability')!.reason).toMatch(/no inventory or availability for variant v/);
  });

  test('freshness: 15 minutes is fresh, 16 is stale, and the reason says how old', () => {
    expect(assessFreshness('2026-11-01T11:45:00Z', now)).toBeUndefined();
    expect(assessFreshness('2026-11-01T11:44:00Z', now)?.reason).toMatch(/16 min ago \(maximum 15 min\)/);
    expect(assessFreshness(undefined, now)?.reason).toBe('no inventory data');
  });

  test('images count product and variant media once per URL', () => {
    const p = product({
      media: [{ type: 'image', url: 'a' }],
      variants: [
        {
          ...product().variants[0]!,
          media: [
            { type: 'image', url: 'a' },
            { type: 'image', url: 'b' },
            { type: 'image', url: 'c' },
          ],
        },
      ],
    });
    expect(assessProduct({ product: p, levels: fresh, reviewCount: 1, currency: 'USD' }, now)).toEqual([]);
  });

  test('descriptions in markdown or HTML are counted as text', () => {
    expect(countWords(descriptionText({ html: '<p>Two <b>words</b></p>' }))).toBe(2);
    expect(countWords(descriptionText({ markdown: '# Title\n\n* one *two*' }))).toBe(3);
    expect(countWords("it's a well-made 2-person tent")).toBe(5);
  });

  test('aggregate report', async () => {
    async function* items() {
      yield { product: product({ id: 'ok' }), levels: fresh, reviewCount: 2 };
      yield { product: product({ id: 'thin', description: { plain: 'short' } }), levels: fresh, reviewCount: 0 };
    }
    const report = await buildQualityReport(items(), { now, currency: 'USD', exclude: ['reviews'] });
    expect(report.products).toBe(2);
    expect(report.ready).toBe(1);
    expect(report.excluded).toBe(1);
    expect(report.checks.find((c) => c.id === 'description')!.failing).toBe(1);
    expect(report.failing).toEqual([{ productId: 'thin', title: 'P', ready: false, failures: [expect.objectContaining({ check: 'description' }), expect.objectContaining({ check: 'reviews' })] }]);
  });

  test('exclusion filter and single-record rule agree', () => {
    expect(exclusionFilter([], now)).toBeUndefined();
    const f = exclusionFilter(['description', 'reviews', 'inventory_fresh'], now)!;
    expect(f).toEqual({ mask: maskOf(['description']), requireReviews: true, freshSince: '2026-11-01T11:45:00.000Z' });
    const base = { qualityMask: 0, reviewCount: 1, stockSyncedAt: '2026-11-01T11:50:00Z' };
    expect(isExcluded(base, ['description', 'reviews', 'inventory_fresh'], now)).toBe(false);
    expect(isExcluded({ ...base, qualityMask: maskOf(['description']) }, ['description'], now)).toBe(true);
    expect(isExcluded({ ...base, qualityMask: maskOf(['images']) }, ['description'], now)).toBe(false);
    expect(isExcluded({ ...base, reviewCount: 0 }, ['reviews'], now)).toBe(true);
    expect(isExcluded({ ...base, stockSyncedAt: '2026-11-01T11:00:00Z' }, ['inventory_fresh'], now)).toBe(true);
  });
});
