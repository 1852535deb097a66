/**
 * Taxes, pure: the store's rates table (per country, region or postal prefix) decides, for a destination,
 * the rate that applies (the most specific: postal prefix over region over country) and whether prices
 * include it (EU VAT) or it is added at checkout (US sales tax). Where no rate matches, the answer is
 * "not configured" and every surface says so rather than guessing.
 *
 * Amounts: an added tax is rate x taxable amount (goods after discounts, plus shipping where the rate
 * taxes it), rounded half up to the minor unit, once per order; an included tax is the part of the gross
 * amount that is tax: gross x rate / (100 + rate), rounded the same way.
 */
import type { TaxRate } from '../catalog/model.js';
import type { Destination } from '../catalog/shipping.js';

export type TaxAnswer = { configured: true; rate: TaxRate } | { configured: false };

function specificity(rate: TaxRate, d: Destination): number | undefined {
  if (rate.country !== d.country) return undefined;
  if (rate.postalPrefix !== undefined) {
    const postal = (d.postalCode ?? '').replace(/\s+/g, '').toUpperCase();
    const prefix = rate.postalPrefix.replace(/\s+/g, '').toUpperCase();
    if (!postal.startsWith(prefix)) return undefined;
    if (rate.region !== undefined && rate.region !== d.region) return undefined;
    return 100 + prefix.length;
  }
  if (rate.region !== undefined) return rate.region === d.region ? 10 : undefined;
  return 1;
}

/** The rate for a destination, or "not configured". */
export function taxFor(rates: readonly TaxRate[], destination: Destination | undefined): TaxAnswer {
  if (!destination) return { configured: false };
  let best: { rate: TaxRate; score: number } | undefined;
  for (const rate of rates) {
    const score = specificity(rate, destination);
    if (score !== undefined && (!best || score > best.score)) best = { rate, score };
  }
  return best ? { configured: true, rate: best.rate } : { configured: false };
}

/** `amount x percent / 100`, rounded half up, exact for any amount a checkout can hold. */
function percentOf(amount: number, percent: number): number {
  // percent has at most 4 decimals: work in integers of 1/10000 percent
  const ppm = BigInt(Math.round(percent * 10_000));
  const scaled = BigInt(amount) * ppm;
  const denom = 1_000_000n;
  return Number((scaled * 2n + denom) / (denom * 2n));
}

export interface TaxAmount {
  rate: TaxRate;
  /** Minor units: added to the total (exclusive) or contained in it (included). */
  amount: number;
  /** The amount taxed: goods after discounts (plus shipping when the rate taxes it). */
  taxable: number;
}

/** The tax of an order: `goods` after discounts, `shipping` paid; undefined when no rate is configured. */
export function orderTax(answer: TaxAnswer, goods: number, shipping: number): TaxAmount | undefined {
  if (!answer.configured) return undefined;
  const { rate } = answer;
  const taxable = goods + (rate.shipping ? shipping : 0);
  if (!rate.included) return { rate, amount: percentOf(taxable, rate.rate), taxable };
  // included: gross x rate / (100 + rate), half up
  const ppm = BigInt(Math.round(rate.rate * 10_000));
  const num = BigInt(taxable) * ppm * 2n + (1_000_000n + ppm);
  const amount = Number(num / ((1_000_000n + ppm) * 2n));
  return { rate, amount, taxable };
}

/** "8.625% San Francisco sales tax" */
export function rateText(rate: TaxRate): string {
  return `${rate.rate}% ${rate.name}`;
}

/** What a buyer is told about tax on a price for a destination (every surface uses these words). */
export function taxNote(answer: TaxAnswer, where: string | undefined): string {
  if (!answer.configured) return where ? `No tax rate is configured for ${where}; the price excludes any tax due there` : 'Tax depends on the delivery address';
  const r = answer.rate;
  if (r.included) return `Price includes ${rateText(r)}`;
  return r.rate === 0 ? `No tax (${r.name})` : `Plus ${rateText(r)}, added at checkout${r.shipping ? ' (shipping is taxed too)' : ''}`;
}
