import { describe, expect, test } from '@jest/globals';
import { fieldPath, validateRecord } from '../../src/feed/validate.js';
import { location, merchant, product, review } from '../helpers/records.js';

describe('feed record validation', () => {
  test('valid records have no problems', () => {
    for (const r of [merchant(), location('wh'), product('p1'), review('r1', 'p1')]) expect(validateRecord(r)).toEqual([]);
  });

  test.each([
    ['unknown type', { type: 'widget', id: 'x' }, 'type', /unknown record type "widget"/],
    ['missing type', { id: 'x' }, 'type', /required/],
    ['wrong type of value', product('p', { title: 42 }), 'title', /must be string/],
    ['missing required field', { ...product('p'), variants: undefined }, 'variants', /is required/],
    ['unknown field', { ...product('p'), colour: 'red' }, 'colour', /not a known field/],
    ['negative amount', product('p', { variants: [{ id: 'v', prices: [{ currency: 'USD', amount: -1 }] }] }), 'variants[0].prices[0].amount', /must be >= 0/],
    ['fractional amount', product('p', { variants: [{ id: 'v', prices: [{ currency: 'USD', amount: 19.99 }] }] }), 'variants[0].prices[0].amount', /must be integer/],
    ['id with a slash', product('a/b'), 'id', /without whitespace/],
    ['bad enum', product('p', { variants: [{ id: 'v', condition: 'broken', prices: [{ currency: 'USD', amount: 1 }] }] }), 'variants[0].condition', /must be one of "new", "refurbished", "used"/],
    ['bad date', review('r', 'p', 5, { date: 'yesterday' }), 'date', /must match/],
    [
      'stock beyond the limit',
      product('p', { options: [], variants: [{ id: 'v', prices: [{ currency: 'USD', amount: 1 }], inventory: [{ on_hand: 1e300 }] }] }),
      'variants[0].inventory[0].on_hand',
      /must be <= 1000000000/,
    ],
    ['stock update beyond the limit', { type: 'inventory', variant_id: 'v', on_hand: 2 ** 53 }, 'on_hand', /must be <= 1000000000/],
    ['stock adjustment beyond the limit', { type: 'inventory', variant_id: 'v', adjust: -1e20 }, 'adjust', /must be >= -1000000000/],
  ])('%s', (_name, record, field, message) => {
    const problems = validateRecord(record);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toEqual({ field, message: expect.stringMatching(message) });
  });

  test.each([
    ['unknown currency', product('p', { variants: [{ id: 'v', prices: [{ currency: 'ABC', amount: 1 }] }] }), 'variants[0].prices[0].currency', /not an ISO 4217/],
    ['bad GTIN check digit', product('p', { options: [], variants: [{ id: 'v', gtin: '4006381333932', prices: [{ currency: 'USD', amount: 1 }] }] }), 'variants[0].gtin', /wrong check digit/],
    [
      'list price below price',
      product('p', { options: [], variants: [{ id: 'v', prices: [{ currency: 'USD', amount: 10, list_amount: 5 }] }] }),
      'variants[0].prices[0].list_amount',
      /at least amount/,
    ],
    ['unknown option', product('p', { variants: [{ id: 'v', options: { Size: 'S', Fit: 'x' }, prices: [{ currency: 'USD', amount: 1 }] }] }), 'variants[0].options.Fit', /no option "Fit"/],
    ['value not offered', product('p', { variants: [{ id: 'v', options: { Size: 'XL' }, prices: [{ currency: 'USD', amount: 1 }] }] }), 'variants[0].options.Size', /"XL" is not one of/],
    [
      'several variants, no options',
      product('p', {
        options: undefined,
        variants: [
          { id: 'a', prices: [{ currency: 'USD', amount: 1 }] },
          { id: 'b', prices: [{ currency: 'USD', amount: 1 }] },
        ],
      }),
      'options',
      /must declare the options/,
    ],
    ['rating out of scale', review('r', 'p', 6), 'rating', /between 1 and 5/],
    ['finite policy without a window', { type: 'return_policy', id: 'x', category: 'finite' }, 'window_days', /required when category is "finite"/],
    ['percentage over 100', { type: 'discount', code: 'X', discount_type: 'percentage', value: 150 }, 'value', /0-100/],
  ])('semantic: %s', (_name, record, field, message) => {
    expect(validateRecord(record)).toContainEqual({ field, message: expect.stringMatching(message) });
  });

  test('duplicate option combinations are named', () => {
    const p = product('p', {
      variants: [
        { id: 'a', options: { Size: 'S' }, prices: [{ currency: 'USD', amount: 1 }] },
        { id: 'b', options: { Size: 'S' }, prices: [{ currency: 'USD', amount: 1 }] },
      ],
    });
    expect(validateRecord(p)).toContainEqual({ field: 'variants[1].options', message: 'same option values as variant a' });
  });

  test('inventory and price deltas need exactly one of variant_id and sku', () => {
    expect(validateRecord({ type: 'inventory', variant_id: 'v', on_hand: 1 })).toEqual([]);
    expect(validateRecord({ type: 'inventory', sku: 'S', adjust: -2 })).toEqual([]);
    expect(validateRecord({ type: 'inventory', on_hand: 1 }).length).toBeGreaterThan(0);
    expect(validateRecord({ type: 'inventory', variant_id: 'v', on_hand: 1, adjust: 1 }).length).toBeGreaterThan(0);
    expect(validateRecord({ type: 'price', variant_id: 'v', currency: 'USD', amount: 5, list_amount: 3 })).toContainEqual({ field: 'list_amount', message: expect.stringMatching(/at least/) });
  });

  test('JSON pointers become readable field paths', () => {
    expect(fieldPath('/variants/0/prices/1/amount')).toBe('variants[0].prices[1].amount');
    expect(fieldPath('')).toBe('');
    expect(fieldPath('/a~1b')).toBe('a/b');
  });
});
