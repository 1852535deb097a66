/**
 * Discounts on a basket, pure: the offer engine's answer to what automatic promotions and discount codes
 * take off an order, and why a code is refused.
 *
 * Automatic promotions (percentage or fixed amount, with an order minimum, eligible products or
 * destination countries) apply first, then the buyer's codes in the order given, each on what is left
 * after the ones before it (10% then 20% of 3500 = 350 then 630: 2520 to pay). Amounts are rounded down
 * to the minor unit and never exceed what is left. Each discount is allocated to the lines it covers in
 * proportion to their remaining amounts (largest remainder, so allocations add up exactly).
 *
 * A code is refused, with the UCP code and a sentence that says why, when it is unknown, repeated, not
 * running, used up, in another currency, below its minimum subtotal in this currency, for other
 * countries or other products, for a first order the buyer already placed (or a buyer not known by
 * email), past its per-buyer limit, or not combinable with another code in the order. Usage limits are
 * checked here against the counts the store read, and again atomically when the order is committed.
 */
import type { Category, DiscountCode, Promotion } from '../catalog/model.js';
import { toDecimalString } from '../catalog/money.js';

export interface BasketLine {
  /** Position in the basket (the line's JSONPath index). */
  index: number;
  productId: string;
  variantId: string;
  categories?: readonly Pick<Category, 'path'>[];
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

export type RejectionCode =
  | 'discount_code_invalid'
  | 'discount_code_expired'
  | 'discount_code_already_applied'
  | 'discount_code_combination_disallowed'
  | 'discount_code_user_not_logged_in'
  | 'discount_code_user_ineligible';

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

/** Who is buying, as far as discount conditions care. */
export interface DiscountBuyer {
  /** The buyer's email (normalised); absent: the buyer is not known. */
  email?: string;
  /** Completed orders the buyer placed before. */
  orders: number;
}

/** Redemptions so far (completed orders), by code (upper case): in total and by this buyer. */
export interface DiscountUsage {
  total: Readonly<Record<string, number>>;
  byBuyer: Readonly<Record<string, number>>;
}

export interface DiscountInput {
  lines: readonly BasketLine[];
  codes: readonly string[];
  catalog: readonly DiscountCode[];
  promotions: readonly Promotion[];
  currency: string;
  now: Date;
  /** The destination country (the selected shipping address, the pickup store, or the buyer's context). */
  country?: string;
  buyer?: DiscountBuyer;
  usage?: DiscountUsage;
}

function running(d: { startsAt?: string; endsAt?: string }, now: Date): 'active' | 'expired' | 'not_started' {
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

const inCategory = (line: BasketLine, wanted: readonly string[]) =>
  (line.categories ?? []).some((c) => wanted.some((w) => c.path.toLowerCase() === w.toLowerCase() || c.path.toLowerCase().startsWith(`${w.toLowerCase()} > `)));

/** The lines a code discounts: all, or those whose product, variant or category it names. */
export function eligibleLines(lines: readonly BasketLine[], d: Pick<DiscountCode, 'eligibleIds' | 'eligibleCategories'>): BasketLine[] {
  const ids = d.eligibleIds ?? [];
  const cats = d.eligibleCategories ?? [];
  if (!ids.length && !cats.length) return [...lines];
  return lines.filter((l) => ids.includes(l.productId) || ids.includes(l.variantId) || (cats.length > 0 && inCategory(l, cats)));
}

const money = (amount: number, currency: string) => `${toDecimalString(amount, currency)} ${currency}`;

/** Why a known, running code does not apply to this order (undefined: it applies). */
function refusal(d: DiscountCode, sent: string, input: DiscountInput, subtotal: number, applied: readonly DiscountCode[]): Omit<RejectedCode, 'code' | 'index'> | undefined {
  const key = d.code.toUpperCase();
  const used = input.usage?.total[key] ?? 0;
  if (d.usageLimit !== undefined && used >= d.usageLimit) return { reason: 'discount_code_expired', message: `discount code "${sent}" has been used up (limit ${d.usageLimit} orders)` };
  if (d.type === 'fixed_amount' && d.currency !== undefined && d.currency !== input.currency) {
    return { reason: 'discount_code_user_ineligible', message: `discount code "${sent}" is in ${d.currency}; this order is in ${input.currency}` };
  }
  if (d.minSubtotal) {
    const min = d.minSubtotal[input.currency];
    if (min === undefined)
      return { reason: 'discount_code_user_ineligible', message: `discount code "${sent}" applies to orders in ${Object.keys(d.minSubtotal).join(' or ')}; this order is in ${input.currency}` };
    if (subtotal < min)
      return {
        reason: 'discount_code_user_ineligible',
        message: `discount code "${sent}" needs a subtotal of at least ${money(min, input.currency)}; this order's is ${money(subtotal, input.currency)}`,
      };
  }
  if (d.countries?.length) {
    if (!input.country) return { reason: 'discount_code_user_ineligible', message: `discount code "${sent}" applies to orders delivered to ${d.countries.join(', ')}; choose a destination first` };
    if (!d.countries.includes(input.country))
      return { reason: 'discount_code_user_ineligible', message: `discount code "${sent}" applies to orders delivered to ${d.countries.join(', ')}, not ${input.country}` };
  }
  if (eligibleLines(input.lines, d).length === 0) {
    const what = [...(d.eligibleCategories ?? []), ...(d.eligibleIds ?? [])].join(', ');
    return { reason: 'discount_code_user_ineligible', message: `discount code "${sent}" applies only to ${what}; nothing in this order qualifies` };
  }
  if (d.firstOrder || d.perBuyerLimit !== undefined) {
    if (!input.buyer?.email) return { reason: 'discount_code_user_not_logged_in', message: `discount code "${sent}" is limited per buyer: send buyer.email so the store can check it` };
    if (d.firstOrder && input.buyer.orders > 0) return { reason: 'discount_code_user_ineligible', message: `discount code "${sent}" is for a first order; this buyer has ordered before` };
    if (d.perBuyerLimit !== undefined && (input.usage?.byBuyer[key] ?? 0) >= d.perBuyerLimit) {
      return {
        reason: 'discount_code_user_ineligible',
        message: `discount code "${sent}" can be used ${d.perBuyerLimit === 1 ? 'once' : `${d.perBuyerLimit} times`} per buyer; this buyer has used it up`,
      };
    }
  }
  const exclusive = applied.find((a) => a.combinable === false);
  if (exclusive) return { reason: 'discount_code_combination_disallowed', message: `discount code "${sent}" cannot be combined with "${exclusive.code}", which applies only on its own` };
  if (d.combinable === false && applied.length)
    return { reason: 'discount_code_combination_disallowed', message: `discount code "${sent}" applies only on its own and "${applied[0]!.code}" is already applied` };
  return undefined;
}

export function applyDiscounts(input: DiscountInput): DiscountResult {
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
    if ((p.type !== 'percentage' && p.type !== 'fixed_amount') || p.value === undefined || running(p, input.now) !== 'active') continue;
    if (p.currency !== undefined && p.currency !== input.currency) continue;
    if (p.minSubtotal !== undefined && subtotal < p.minSubtotal) continue;
    if (p.countries?.length && (!input.country || !p.countries.includes(input.country))) continue;
    const eligible = p.eligibleIds.length ? input.lines.filter((l) => p.eligibleIds.includes(l.productId) || p.eligibleIds.includes(l.variantId)).map((l) => l.index) : all;
    if (eligible.length) apply({ title: p.description, type: p.type, value: p.value, automatic: true }, eligible);
  }

  const byCode = new Map(input.catalog.map((d) => [d.code.toUpperCase(), d]));
  const seen = new Set<string>();
  const appliedCodes: DiscountCode[] = [];
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
    const state = running(d, input.now);
    if (state !== 'active') {
      rejected.push({ code: sent, index, reason: 'discount_code_expired', message: state === 'expired' ? `discount code "${sent}" has expired` : `discount code "${sent}" is not valid yet` });
      return;
    }
    const why = refusal(d, sent, input, subtotal, appliedCodes);
    if (why) {
      rejected.push({ code: sent, index, ...why });
      return;
    }
    appliedCodes.push(d);
    apply(
      { code: d.code, title: d.description || d.code, type: d.type, value: d.value, automatic: false },
      eligibleLines(input.lines, d).map((l) => l.index),
    );
  });
  return { applied, rejected, total: applied.reduce((s, a) => s + a.amount, 0) };
}

/** The codes applied to an order with the limits the commit must enforce atomically. */
/**
 * The sent codes whose conditions need counts from the store (a usage limit, a per-buyer limit, first
 * order only): the others are decided without reading the order history.
 */
export function countedCodes(sent: readonly string[], catalog: readonly DiscountCode[]): string[] {
  const byCode = new Map(catalog.map((d) => [d.code.toUpperCase(), d]));
  return sent.filter((c) => {
    const d = byCode.get(c.trim().toUpperCase());
    return d !== undefined && (d.usageLimit !== undefined || d.perBuyerLimit !== undefined || d.firstOrder === true);
  });
}

export function limitedCodes(result: DiscountResult, catalog: readonly DiscountCode[]): { code: string; usageLimit?: number; perBuyerLimit?: number; firstOrder?: boolean }[] {
  const byCode = new Map(catalog.map((d) => [d.code.toUpperCase(), d]));
  return result.applied.flatMap((a) => {
    const d = a.code !== undefined ? byCode.get(a.code.toUpperCase()) : undefined;
    if (!d) return [];
    return [
      {
        code: d.code.toUpperCase(),
        ...(d.usageLimit !== undefined ? { usageLimit: d.usageLimit } : {}),
        ...(d.perBuyerLimit !== undefined ? { perBuyerLimit: d.perBuyerLimit } : {}),
        ...(d.firstOrder ? { firstOrder: true } : {}),
      },
    ];
  });
}
