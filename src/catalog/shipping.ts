/**
 * Shipping rates by destination and free-shipping promotions. Pure; shared by the JSON-LD offers and,
 * later, UCP checkout fulfillment options, so an agent sees the same price in both.
 */
import type { Location, Merchant, ReturnPolicy, ShippingRate } from './model.js';
import { toDecimalString } from './money.js';

export interface Destination {
  country: string;
  region?: string;
  postalCode?: string;
}

/** How specifically a rate matches a destination; undefined = it does not apply there. */
function specificity(rate: ShippingRate, dest: Destination): number | undefined {
  if (rate.country !== '*' && rate.country !== dest.country) return undefined;
  if (rate.region !== undefined && rate.region.toUpperCase() !== dest.region?.toUpperCase()) return undefined;
  if (rate.postalPrefix !== undefined && !normalizePostal(dest.postalCode ?? '').startsWith(normalizePostal(rate.postalPrefix))) return undefined;
  let score = rate.country === '*' ? 0 : 100;
  if (rate.region !== undefined) score += 10;
  if (rate.postalPrefix !== undefined) score += 20 + rate.postalPrefix.length;
  return score;
}

function normalizePostal(code: string): string {
  return code.replace(/\s+/g, '').toUpperCase();
}

/**
 * The rates that apply to a destination: per service level, the most specific matching rate (postal
 * prefix over region over country over the "*" default), in a stable order (cheapest first).
 */
export function ratesFor(rates: readonly ShippingRate[], dest: Destination): ShippingRate[] {
  const best = new Map<string, { rate: ShippingRate; score: number }>();
  for (const rate of rates) {
    const score = specificity(rate, dest);
    if (score === undefined) continue;
    const current = best.get(rate.serviceLevel);
    if (!current || score > current.score || (score === current.score && rate.id < current.rate.id)) best.set(rate.serviceLevel, { rate, score });
  }
  return [...best.values()].map((b) => b.rate).sort((a, b) => a.price - b.price || a.id.localeCompare(b.id));
}

/** Countries the store serves explicitly: its own, those with rates, return policies or locations. */
export function servedCountries(merchant: Pick<Merchant, 'country'> | undefined, rates: readonly ShippingRate[], policies: readonly ReturnPolicy[], locations: readonly Location[]): string[] {
  const set = new Set<string>();
  if (merchant) set.add(merchant.country);
  for (const r of rates) if (r.country !== '*') set.add(r.country);
  for (const p of policies) for (const c of p.countries) set.add(c);
  for (const l of locations) set.add(l.address.country);
  return [...set].sort();
}

/**
 * Every (destination, rate) pair to publish when no destination is given: each served country with the
 * rates that apply to it, plus each region- or postal-specific rate for its own area.
 */
export function destinationRates(rates: readonly ShippingRate[], countries: readonly string[]): { destination: Destination; rate: ShippingRate }[] {
  const out: { destination: Destination; rate: ShippingRate }[] = [];
  for (const country of countries) for (const rate of ratesFor(rates, { country })) out.push({ destination: { country }, rate });
  for (const rate of rates) {
    if (rate.country === '*' || (rate.region === undefined && rate.postalPrefix === undefined)) continue;
    out.push({ destination: { country: rate.country, ...(rate.region ? { region: rate.region } : {}), ...(rate.postalPrefix ? { postalCode: rate.postalPrefix } : {}) }, rate });
  }
  return out;
}

/** Business days from order to delivery: handling plus transit, when the rate states them. */
export function deliveryDays(rate: ShippingRate): { min: number; max: number } | undefined {
  if (!rate.handlingDays && !rate.transitDays) return undefined;
  const h = rate.handlingDays ?? { min: 0, max: 0 };
  const t = rate.transitDays ?? { min: 0, max: 0 };
  return { min: h.min + t.min, max: h.max + t.max };
}

/** Return policies that apply in a country: the product's own, else the store's for that country. */
export function returnPoliciesFor(policies: readonly ReturnPolicy[], productPolicyId: string | undefined, country: string | undefined): ReturnPolicy[] {
  if (productPolicyId !== undefined) return policies.filter((p) => p.id === productPolicyId);
  const storeLevel = policies.filter((p) => p.isDefault || p.countries.length > 0);
  if (country === undefined) return storeLevel;
  const specific = storeLevel.filter((p) => p.countries.includes(country));
  return specific.length ? specific : storeLevel.filter((p) => p.isDefault && p.countries.length === 0);
}

/**
 * A return policy in words, as every surface states it (the refund page, UCP policies): "returns within 30
 * days of delivery, free of charge, by mail or in store" or "final sale, returns are not accepted".
 */
export function returnTerms(p: ReturnPolicy): string {
  if (p.category === 'not_permitted') return 'final sale, returns are not accepted';
  const window = p.category === 'unlimited' ? 'at any time' : `within ${p.windowDays} days of delivery`;
  const fees =
    p.fees === 'free'
      ? 'free of charge'
      : p.fees === 'restocking_fee'
        ? `with a ${p.restockingFeePercent ?? 0}% restocking fee`
        : `return shipping${p.shippingFee ? ` ${toDecimalString(p.shippingFee.amount, p.shippingFee.currency)} ${p.shippingFee.currency}` : ''} paid by the customer`;
  return `returns ${window}, ${fees}, by ${p.methods.map((x) => x.replace('_', ' ')).join(' or ')}`;
}
