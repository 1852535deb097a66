import { describe, expect, test } from '@jest/globals';
import type { DiscountCode } from '../../src/catalog/model.js';
import { applyDiscounts, limitedCodes, type BasketLine, type DiscountInput } from '../../src/publish/discounts.js';

const now = new Date('2026-12-02T18:00:00Z');
const code = (c: string, over: Partial<DiscountCode> = {}): DiscountCode => ({ code: c, type: 'percentage', value: 10, description: c, ...over });
const catalog: DiscountCode[] = [
  code('TRAIL10', { perBuyerLimit: 1 }),
  code('WELCOME15', { value: 15, firstOrder: true, combinable: false }),
  code('SAVE20', { type: 'fixed_amount', value: 2000, currency: 'USD', minSubtotal: { USD: 10000 } }),
  code('TENTS15', { value: 15, eligibleCategories: ['Camping > Tents'], usageLimit: 500 }),
  code('CANADA10', { countries: ['CA'] }),
  code('WINTER', { startsAt: '2026-12-21T00:00:00Z' }),
  code('FALL', { endsAt: '2026-12-01T00:00:00Z' }),
  code('HALF', { value: 50, eligibleIds: ['p-boot'] }),
];
const headlamp: BasketLine = { index: 0, productId: 'p-lamp', variantId: 'v-lamp', categories: [{ path: 'Accessories > Lighting' }], amount: 3899 };
const tent: BasketLine = { index: 1, productId: 'p-tent', variantId: 'v-tent', categories: [{ path: 'Camping > Tents > Backpacking' }], amount: 30000 };
const run = (codes: string[], over: Partial<DiscountInput> = {}) => applyDiscounts({ lines: [headlamp], codes, catalog, promotions: [], currency: 'USD', now, ...over });
const reasons = (r: ReturnType<typeof run>) => r.rejected.map((x) => [x.code, x.reason]);

describe('discount conditions', () => {
  test('the issue case: SAVE20 plus WELCOME15 on a 38.99 headlamp no longer totals 16.15', () => {
    const r = run(['SAVE20', 'WELCOME15'], { buyer: { email: 'new@example.com', orders: 0 } });
    expect(reasons(r)).toEqual([['SAVE20', 'discount_code_user_ineligible']]);
    expect(r.rejected[0]!.message).toBe('discount code "SAVE20" needs a subtotal of at least 100.00 USD; this order\'s is 38.99 USD');
    expect(r.applied.map((a) => [a.code, a.amount])).toEqual([['WELCOME15', 584]]);
    expect(3899 - r.total).toBe(3315);
  });

  test('minimum subtotal per currency: met, not met, and a currency without a minimum', () => {
    expect(run(['SAVE20'], { lines: [{ ...headlamp, amount: 10000 }] }).total).toBe(2000);
    expect(reasons(run(['SAVE20'], { lines: [{ ...headlamp, amount: 9999 }] }))).toEqual([['SAVE20', 'discount_code_user_ineligible']]);
    const cad = run(['SAVE20'], { lines: [{ ...headlamp, amount: 50000 }], currency: 'CAD' });
    expect(cad.rejected[0]!.message).toBe('discount code "SAVE20" is in USD; this order is in CAD');
    const perCurrency = applyDiscounts({
      lines: [{ ...headlamp, amount: 14000 }],
      codes: ['BIG'],
      catalog: [code('BIG', { minSubtotal: { USD: 10000, CAD: 13500 } })],
      promotions: [],
      currency: 'CAD',
      now,
    });
    expect(perCurrency.total).toBe(1400);
    const noEur = applyDiscounts({
      lines: [{ ...headlamp, amount: 14000 }],
      codes: ['BIG'],
      catalog: [code('BIG', { minSubtotal: { USD: 10000, CAD: 13500 } })],
      promotions: [],
      currency: 'EUR',
      now,
    });
    expect(noEur.rejected[0]!.message).toBe('discount code "BIG" applies to orders in USD or CAD; this order is in EUR');
  });

  test('first order: needs the buyer by email, and only before their first order', () => {
    expect(reasons(run(['WELCOME15']))).toEqual([['WELCOME15', 'discount_code_user_not_logged_in']]);
    expect(reasons(run(['WELCOME15'], { buyer: { email: 'old@example.com', orders: 2 } }))).toEqual([['WELCOME15', 'discount_code_user_ineligible']]);
    expect(run(['WELCOME15'], { buyer: { email: 'new@example.com', orders: 0 } }).total).toBe(584);
  });

  test('usage limits: in total (used up = expired) and per buyer', () => {
    expect(run(['TENTS15'], { lines: [tent], usage: { total: { TENTS15: 499 }, byBuyer: {} } }).total).toBe(4500);
    const usedUp = run(['TENTS15'], { lines: [tent], usage: { total: { TENTS15: 500 }, byBuyer: {} } });
    expect(reasons(usedUp)).toEqual([['TENTS15', 'discount_code_expired']]);
    expect(usedUp.rejected[0]!.message).toContain('used up (limit 500 orders)');
    const buyer = { email: 'a@example.com', orders: 3 };
    expect(run(['TRAIL10'], { buyer, usage: { total: { TRAIL10: 40 }, byBuyer: { TRAIL10: 0 } } }).total).toBe(389);
    expect(reasons(run(['TRAIL10'], { buyer, usage: { total: { TRAIL10: 40 }, byBuyer: { TRAIL10: 1 } } }))).toEqual([['TRAIL10', 'discount_code_user_ineligible']]);
    expect(reasons(run(['TRAIL10']))).toEqual([['TRAIL10', 'discount_code_user_not_logged_in']]);
  });

  test('valid from / until', () => {
    expect(run(['WINTER']).rejected[0]).toMatchObject({ reason: 'discount_code_expired', message: 'discount code "WINTER" is not valid yet' });
    expect(run(['FALL']).rejected[0]).toMatchObject({ reason: 'discount_code_expired', message: 'discount code "FALL" has expired' });
  });

  test('eligible categories and products: only those lines are discounted; none in the order is a refusal', () => {
    const both = run(['TENTS15'], { lines: [headlamp, tent] });
    expect(both.applied[0]!.allocations).toEqual([{ index: 1, amount: 4500 }]);
    expect(run(['TENTS15']).rejected[0]!.message).toBe('discount code "TENTS15" applies only to Camping > Tents; nothing in this order qualifies');
    expect(run(['HALF'], { lines: [{ ...headlamp, productId: 'p-boot' }] }).total).toBe(1949);
    expect(reasons(run(['HALF']))).toEqual([['HALF', 'discount_code_user_ineligible']]);
  });

  test('countries: the destination must be one of them, and known', () => {
    expect(run(['CANADA10'], { country: 'CA' }).total).toBe(389);
    expect(run(['CANADA10'], { country: 'US' }).rejected[0]!.message).toBe('discount code "CANADA10" applies to orders delivered to CA, not US');
    expect(run(['CANADA10']).rejected[0]!.message).toBe('discount code "CANADA10" applies to orders delivered to CA; choose a destination first');
  });

  test('a code that does not combine: refused after another code, and refuses codes after it', () => {
    const buyer = { email: 'new@example.com', orders: 0 };
    const after = run(['TRAIL10', 'WELCOME15'], { buyer, usage: { total: {}, byBuyer: {} } });
    expect(after.applied.map((a) => a.code)).toEqual(['TRAIL10']);
    expect(after.rejected[0]).toMatchObject({ code: 'WELCOME15', index: 1, reason: 'discount_code_combination_disallowed' });
    const before = run(['WELCOME15', 'TRAIL10'], { buyer, usage: { total: {}, byBuyer: {} } });
    expect(before.applied.map((a) => a.code)).toEqual(['WELCOME15']);
    expect(before.rejected[0]!.message).toBe('discount code "TRAIL10" cannot be combined with "WELCOME15", which applies only on its own');
  });

  test('unknown and repeated codes; codes are case-insensitive', () => {
    expect(reasons(run(['nope', 'canada10', 'CANADA10'], { country: 'CA' }))).toEqual([
      ['nope', 'discount_code_invalid'],
      ['CANADA10', 'discount_code_already_applied'],
    ]);
  });

  test('the limits a commit must hold to are those of the applied codes', () => {
    const r = run(['TENTS15', 'TRAIL10'], { lines: [tent], buyer: { email: 'a@example.com', orders: 0 }, usage: { total: {}, byBuyer: {} } });
    expect(limitedCodes(r, catalog)).toEqual([
      { code: 'TENTS15', usageLimit: 500 },
      { code: 'TRAIL10', perBuyerLimit: 1 },
    ]);
  });
});
