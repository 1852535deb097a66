/**
 * Discounts on a basket, pure. Automatic promotions (percentage or fixed amount, with an order minimum
 * or eligible products) apply first, then the buyer's codes in the order given, each on what is left
 * after the ones before it (10% then 20% of 3500 = 350 then 630: 2520 to pay). Amounts are rounded
 * down to the minor unit and never exceed what is left. Each discount is allocated to the lines it
 * covers in proportion to their remaining amounts (largest remainder, so allocations add up exactly).
 * Codes are case-insensitive; unknown, expired, repeated or wrong-currency codes are rejected with the
 * UCP warning code that says why.
 */
import type { DiscountCode, Promotion } from './model.js';

export interface BasketLine {
  /** Position in the basket (the line's JSONPath index). */
  index: number;
  productId: string;
  variantId: string;
  /** Unit price times quantity, minor units. */
  amount: number;
}

export interface Allocation {
  index: number;
  amount: number;
}

export interface AppliedDiscount {
  /** The code as the store knows it (absent for automatic promotions). */
  code?: string;
  title: string;
  /** Positive minor units. */
  amount: number;
  automatic: boolean;
  /** 1 = applied first. */
  priority: number;
  allocations: Allocation[];
}

export type RejectionCode = 'discount_code_invalid' | 'discount_code_expired' | 'discount_code_already_applied' | 'discount_code_combination_disallowed';

export interface RejectedCode {
  /** As sent. */
  code: string;
  /** Position in the codes sent. */
  index: number;
  reason: RejectionCode;
  message: string;
}

export interface DiscountResult {
  applied: AppliedDiscount[];
  rejected: RejectedCode[];
  /** Sum of applied amounts. */
  total: number;
}

function active(d: { startsAt?: string; endsAt?: string }, now: Date): 'active' | 'expired' | 'not_started' {
  const t = now.toISOString();
  if (d.startsAt !== undefined && t < d.startsAt) return 'not_started';
  if (d.endsAt !== undefined && t >= d.endsAt) return 'expired';
  return 'active';
}

/** Split `amount` over `weights` proportionally; the parts add up to `amount` exactly. */
export function allocateProportionally(amount: number, weights: readonly { index: number; weight: number }[]): Allocation[] {
  const total = weights.reduce((s, w) => s + w.weight, 0);
  if (amount <= 0 || total <= 0) return [];
  const parts = weights.map((w) => {
    const exact = (amount * w.weight) / total;
    return { index: w.index, amount: Math.floor(exact), rest: exact - Math.floor(exact) };
  });
  let left = amount - parts.reduce((s, p) => s + p.amount, 0);
  for (const p of [...parts].sort((a, b) => b.rest - a.rest || a.index - b.index)) {
    if (left <= 0) break;
    p.amount++;
    left--;
  }
  return parts.filter((p) => p.amount > 0).map(({ index, amount: a }) => ({ index, amount: a }));
}

export function applyDiscounts(input: {
  lines: readonly BasketLine[];
  codes: readonly string[];
  catalog: readonly DiscountCode[];
  promotions: readonly Promotion[];
  currency: string;
  now: Date;
}): DiscountResult {
  const remaining = new Map(input.lines.map((l) => [l.index, l.amount]));
  const applied: AppliedDiscount[] = [];
  const rejected: RejectedCode[] = [];
  const left = (indexes: readonly number[]) => indexes.reduce((s, i) => s + (remaining.get(i) ?? 0), 0);

  const apply = (d: { code?: string; title: string; type: 'percentage' | 'fixed_amount'; value: number; automatic: boolean }, indexes: readonly number[]) => {
    const base = left(indexes);
    const amount = Math.min(base, d.type === 'percentage' ? Math.floor((base * d.value) / 100) : Math.floor(d.value));
    if (amount <= 0) return;
    const allocations = allocateProportionally(
      amount,
      indexes.map((index) => ({ index, weight: remaining.get(index) ?? 0 })),
    );
    for (const a of allocations) remaining.set(a.index, (remaining.get(a.index) ?? 0) - a.amount);
    applied.push({ ...(d.code !== undefined ? { code: d.code } : {}), title: d.title, amount, automatic: d.automatic, priority: applied.length + 1, allocations });
  };

  const all = input.lines.map((l) => l.index);
  const subtotal = left(all);
  for (const p of input.promotions) {
    if ((p.type !== 'percentage' && p.type !== 'fixed_amount') || p.value === undefined || active(p, input.now) !== 'active') continue;
    if (p.currency !== undefined && p.currency !== input.currency) continue;
    if (p.minSubtotal !== undefined && subtotal < p.minSubtotal) continue;
    const eligible = p.eligibleIds.length ? input.lines.filter((l) => p.eligibleIds.includes(l.productId) || p.eligibleIds.includes(l.variantId)).map((l) => l.index) : all;
    if (eligible.length) apply({ title: p.description, type: p.type, value: p.value, automatic: true }, eligible);
  }

  const byCode = new Map(input.catalog.map((d) => [d.code.toUpperCase(), d]));
  const seen = new Set<string>();
  input.codes.forEach((sent, index) => {
    const key = sent.trim().toUpperCase();
    const d = byCode.get(key);
    if (seen.has(key)) {
      rejected.push({ code: sent, index, reason: 'discount_code_already_applied', message: `discount code "${sent}" is already applied` });
      return;
    }
    seen.add(key);
    if (!d) {
      rejected.push({ code: sent, index, reason: 'discount_code_invalid', message: `"${sent}" is not a valid discount code` });
      return;
    }
    const state = active(d, input.now);
    if (state !== 'active') {
      rejected.push({ code: sent, index, reason: 'discount_code_expired', message: state === 'expired' ? `discount code "${sent}" has expired` : `discount code "${sent}" is not valid yet` });
      return;
    }
    if (d.type === 'fixed_amount' && d.currency !== undefined && d.currency !== input.currency) {
      rejected.push({ code: sent, index, reason: 'discount_code_combination_disallowed', message: `discount code "${sent}" is in ${d.currency}; this order is in ${input.currency}` });
      return;
    }
    apply({ code: d.code, title: d.description || d.code, type: d.type, value: d.value, automatic: false }, all);
  });
  return { applied, rejected, total: applied.reduce((s, a) => s + a.amount, 0) };
}
