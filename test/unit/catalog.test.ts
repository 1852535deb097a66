import { describe, expect, test } from '@jest/globals';
import { allocate } from '../../src/catalog/allocation.js';
import { summarizeStock } from '../../src/catalog/availability.js';
import { gtinCheckDigit, isValidGtin, toGtin14 } from '../../src/catalog/identifiers.js';
import { aggregateRating } from '../../src/catalog/reviews.js';

const level = (onHand: number | null, over: object = {}) => ({ onHand, reserved: 0, backorder: false, preorder: false, ...over });

describe('GTIN', () => {
  test.each(['4006381333931', '036000291452', '96385074', '10614141000415', '00036000291452'])('%s is valid', (g) => expect(isValidGtin(g)).toBe(true));
  test.each(['4006381333932', '036000291453', '1234567', '0000000000000', '40063813339a1', '400638133393'])('%s is not', (g) => expect(isValidGtin(g)).toBe(false));
  test('check digit and GTIN-14', () => {
    expect(gtinCheckDigit('400638133393')).toBe(1);
    expect(toGtin14('96385074')).toBe('00000096385074');
  });
});

describe('summarizeStock', () => {
  test.each([
    ['no levels', [], { availability: 'out_of_stock', quantity: 0 }],
    ['plain stock', [level(10)], { availability: 'in_stock', quantity: 10, lowStock: false }],
    ['reserved units are not available', [level(10, { reserved: 4 })], { availability: 'in_stock', quantity: 6 }],
    ['over-reserved counts as zero', [level(2, { reserved: 5 }), level(3)], { availability: 'in_stock', quantity: 3 }],
    ['low stock at or below the summed thresholds', [level(3, { lowStockThreshold: 2 }), level(1, { lowStockThreshold: 2 })], { availability: 'limited', quantity: 4, lowStock: true }],
    ['above the threshold', [level(30, { lowStockThreshold: 5 })], { availability: 'in_stock', lowStock: false }],
    ['untracked wins', [level(0), level(null)], { availability: 'in_stock', quantity: null }],
    ['sold out with the earliest restock', [level(0, { restockDate: '2026-12-10' }), level(0, { restockDate: '2026-12-01' })], { availability: 'out_of_stock', restockDate: '2026-12-01' }],
    ['backorder', [level(0, { backorder: true })], { availability: 'backorder', quantity: 0 }],
    ['preorder beats backorder', [level(0, { backorder: true }), level(0, { preorder: true })], { availability: 'preorder' }],
  ])('%s', (_name, levels, expected) => {
    expect(summarizeStock(levels as never)).toMatchObject(expected);
  });
});

describe('allocate', () => {
  const l = (locationId: string, available: number | null, priority: number, over: object = {}) => ({ locationId, available, priority, backorder: false, preorder: false, ...over });

  test('one location that has everything, by priority', () => {
    expect(allocate([l('store', 10, 100), l('wh', 10, 0)], 4)).toEqual({ allocations: [{ locationId: 'wh', quantity: 4 }], shortfall: 0 });
  });
  test('prefers a single shipment over the first location', () => {
    expect(allocate([l('wh', 2, 0), l('store', 10, 100)], 5)).toEqual({ allocations: [{ locationId: 'store', quantity: 5 }], shortfall: 0 });
  });
  test('splits when no single location can', () => {
    expect(allocate([l('wh', 2, 0), l('store', 2, 100)], 3)).toEqual({
      allocations: [
        { locationId: 'wh', quantity: 2 },
        { locationId: 'store', quantity: 1 },
      ],
      shortfall: 0,
    });
  });
  test('reports the shortfall', () => {
    expect(allocate([l('wh', 2, 0)], 5)).toEqual({ allocations: [{ locationId: 'wh', quantity: 2 }], shortfall: 3 });
  });
  test('backorder absorbs the rest', () => {
    expect(allocate([l('wh', 2, 0, { backorder: true })], 5)).toEqual({ allocations: [{ locationId: 'wh', quantity: 5 }], shortfall: 0 });
  });
  test('untracked stock is unlimited', () => {
    expect(allocate([l('wh', null, 0)], 1000).shortfall).toBe(0);
  });
  test('rejects non-positive quantities', () => {
    expect(() => allocate([], 0)).toThrow(RangeError);
  });
});

describe('aggregateRating', () => {
  test('mean, count and distribution on a 1..5 scale', () => {
    const r = (rating: number, bestRating = 5, worstRating = 1) => ({ rating, bestRating, worstRating });
    expect(aggregateRating([r(5), r(4), r(4), r(1)])).toEqual({ value: 3.5, count: 4, distribution: [1, 0, 0, 2, 1] });
    expect(aggregateRating([r(10, 10, 0), r(0, 10, 0)])).toEqual({ value: 3, count: 2, distribution: [1, 0, 0, 0, 1] });
    expect(aggregateRating([])).toBeUndefined();
  });
});
