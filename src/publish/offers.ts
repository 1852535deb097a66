/**
 * The offer engine: one pure answer, for every surface (JSON-LD offers and shipping details, the HTML
 * product page, UCP catalog, cart and checkout), to what a buyer in a context pays and gets:
 *
 * - Currency. The context's currency when the store sells in it; else the currency of the buyer's
 *   country when the store sells in it; else the store's default (the merchant's first currency, or the
 *   configured default). An item shows its price in that currency, or in the store's default when the
 *   feed has none in it, never in a third one; shipping is always in the price's currency.
 * - Price. A sale price past its `validUntil` gives way to the regular (list) price. The price offered
 *   for one unit is that price less the automatic promotions that apply to one unit for this buyer,
 *   computed by checkout's own discount code (discounts.ts), so one unit costs what was published.
 * - Shipping. For a destination and a basket in a currency: per service level, the most specific rate
 *   in that currency (postal prefix over region over country over "*"); a free-shipping promotion makes
 *   it free when the destination's country, the currency, the subtotal (after discounts) and the items
 *   meet its conditions; a delivery window from the ships-from location's calendar.
 * - Pickup. Stores with pickup, in the buyer's country, holding the item, with the time an order is
 *   ready from their opening hours.
 */
import { summarizeStock, type StockSummary } from '../catalog/availability.js';
import type { InventoryLevel, Location, Merchant, Price, Promotion, ReturnPolicy, ShippingRate, TaxRate } from '../catalog/model.js';
import { destinationRates, ratesFor, servedCountries, type Destination } from '../catalog/shipping.js';
import countryCurrency from 'country-to-currency';
import { calendar, type Calendar } from './calendar.js';
import { deliveryWindow, type DeliveryWindow } from './delivery.js';
import { applyDiscounts } from './discounts.js';
import { pickupReadiness, QUARTER_MS, type PickupReadiness } from './pickup.js';
import { taxFor, type TaxAnswer } from './tax.js';

/** Store-wide data and the moment the offers are made for. */
export interface OfferRules {
  merchant: Merchant;
  locations: readonly Location[];
  rates: readonly ShippingRate[];
  taxRates: readonly TaxRate[];
  promotions: readonly Promotion[];
  policies: readonly ReturnPolicy[];
  /** The configured default currency (a store without a merchant record yet). */
  defaultCurrency: string;
  now: Date;
}

export interface BuyerContext {
  country?: string;
  region?: string;
  postalCode?: string;
  currency?: string;
}

/** Default minutes of opening hours a store needs to prepare a pickup order. */
export const PICKUP_READY_MINUTES = 120;

export function storeCurrency(r: Pick<OfferRules, 'merchant' | 'defaultCurrency'>): string {
  return r.merchant.currencies[0] ?? r.defaultCurrency;
}

export type CurrencyRules = Pick<OfferRules, 'merchant' | 'defaultCurrency' | 'rates'>;

/**
 * The currency offers are made in for this context: the context's currency when the store sells in it;
 * else the store's currency for the buyer's country (the currency of its shipping rates there, the
 * country's own first; else the country's own currency when the store sells in it); else the default.
 */
export function currencyFor(r: CurrencyRules, ctx: Pick<BuyerContext, 'currency' | 'country' | 'region' | 'postalCode'>): string {
  const sold = r.merchant.currencies;
  if (ctx.currency && sold.includes(ctx.currency)) return ctx.currency;
  if (!ctx.country) return storeCurrency(r);
  // asked for every offer of a rendering: remembered per rate table (a snapshot's own array)
  const key = `${ctx.country}|${ctx.region ?? ''}|${ctx.postalCode ?? ''}|${sold.join(',')}|${r.defaultCurrency}`;
  return remembered(currencies, r.rates, key, () => {
    const local = (countryCurrency as Record<string, string>)[ctx.country!];
    const shipped = shippingCurrencies(r, { country: ctx.country!, ...(ctx.region ? { region: ctx.region } : {}), ...(ctx.postalCode ? { postalCode: ctx.postalCode } : {}) }).filter((c) =>
      sold.includes(c),
    );
    if (shipped.length) return local && shipped.includes(local) ? local : shipped.includes(storeCurrency(r)) ? storeCurrency(r) : shipped[0]!;
    if (local && sold.includes(local)) return local;
    return storeCurrency(r);
  });
}

/** Answers that depend only on a snapshot's rate table and a key, remembered per table (at most 1,000 keys each). */
const currencies = new WeakMap<object, Map<string, string>>();
const applicable = new WeakMap<object, Map<string, ShippingRate[]>>();
function remembered<T>(memo: WeakMap<object, Map<string, T>>, table: object, key: string, compute: () => T): T {
  let m = memo.get(table);
  if (!m) {
    m = new Map();
    memo.set(table, m);
  }
  let v = m.get(key);
  if (v === undefined) {
    if (m.size >= 1000) m.clear();
    v = compute();
    m.set(key, v);
  }
  return v;
}

/** The currencies the store has shipping rates in for a destination. */
export function shippingCurrencies(r: Pick<OfferRules, 'rates'>, destination: Destination): string[] {
  const out: string[] = [];
  for (const rate of r.rates) if (!out.includes(rate.currency) && ratesFor([rate], destination).length) out.push(rate.currency);
  return out;
}

/** A price as it stands at `now`: a sale price past its end is the regular price again. */
export function currentPrice(p: Price, now: Date): Price {
  if (p.validUntil === undefined || isoOf(now) < p.validUntil) return p;
  return p.listAmount !== undefined ? { currency: p.currency, amount: p.listAmount } : { currency: p.currency, amount: p.amount };
}

/** The price of an item in this context: in the context's currency, else the store's default, else none. */
export function priceFor(r: CurrencyRules & Pick<OfferRules, 'now'>, prices: readonly Price[], ctx: BuyerContext): Price | undefined {
  const wanted = currencyFor(r, ctx);
  const p = prices.find((x) => x.currency === wanted) ?? prices.find((x) => x.currency === storeCurrency(r));
  return p ? currentPrice(p, r.now) : undefined;
}

/** A price as offered for one unit: with the automatic promotions that lowered it, if any. */
export interface OfferPrice extends Price {
  /** What each automatic promotion takes off one unit, in the order checkout applies them. */
  promotions?: { title: string; amount: number }[];
}

export interface OfferItem {
  productId: string;
  variantId: string;
  categories?: readonly { path: string }[];
  prices: readonly Price[];
}

/**
 * What one unit of an item costs this buyer: `priceFor`, less the automatic promotions (percentage or
 * fixed amount) that a basket of just that unit meets for the buyer's country, as checkout applies them.
 * The price before them stays as the list (strikethrough) price when there was none.
 */
export function offerPrice(r: CurrencyRules & Pick<OfferRules, 'now' | 'promotions'>, item: OfferItem, ctx: BuyerContext): OfferPrice | undefined {
  const base = priceFor(r, item.prices, ctx);
  if (!base || !r.promotions.some((p) => p.type === 'percentage' || p.type === 'fixed_amount')) return base;
  const line = { index: 0, productId: item.productId, variantId: item.variantId, amount: base.amount, ...(item.categories ? { categories: item.categories } : {}) };
  const result = applyDiscounts({ lines: [line], codes: [], catalog: [], promotions: r.promotions, currency: base.currency, now: r.now, ...(ctx.country ? { country: ctx.country } : {}) });
  if (result.total <= 0) return base;
  return {
    ...base,
    amount: base.amount - result.total,
    listAmount: base.listAmount ?? base.amount,
    promotions: result.applied.map((a) => ({ title: a.title, amount: a.amount })),
  };
}

/** The exact price in `currency`, or none (checkout sells in one currency). */
export function priceIn(r: Pick<OfferRules, 'now'>, prices: readonly Price[], currency: string): Price | undefined {
  const p = prices.find((x) => x.currency === currency);
  return p ? currentPrice(p, r.now) : undefined;
}

export function servedBy(r: Pick<OfferRules, 'merchant' | 'rates' | 'policies' | 'locations'>): string[] {
  return servedCountries(r.merchant, r.rates, r.policies, r.locations);
}

/** The buyer's destination as far as the context says (undefined without a country). */
export function contextDestination(ctx: BuyerContext): Destination | undefined {
  return ctx.country ? { country: ctx.country, ...(ctx.region ? { region: ctx.region } : {}), ...(ctx.postalCode ? { postalCode: ctx.postalCode } : {}) } : undefined;
}

/** The destinations an offer describes: the buyer's, or (no country in context) every one the store serves. */
export function destinationsFor(r: Pick<OfferRules, 'merchant' | 'rates' | 'policies' | 'locations'>, ctx: BuyerContext, currency: string): Destination[] {
  const own = contextDestination(ctx);
  if (own) return [own];
  const rates = r.rates.filter((x) => x.currency === currency);
  const seen = new Set<string>();
  const out: Destination[] = [];
  for (const { destination } of destinationRates(rates, servedBy(r))) {
    const key = `${destination.country}|${destination.region ?? ''}|${destination.postalCode ?? ''}`;
    if (!seen.has(key)) out.push(destination);
    seen.add(key);
  }
  return out;
}

export interface Basket {
  currency: string;
  /** Subtotal after discounts, minor units of `currency`. */
  subtotal: number;
  /** Product and variant ids in the basket. */
  itemIds: readonly string[];
}

export interface ShippingOption {
  rate: ShippingRate;
  destination: Destination;
  currency: string;
  /** What the buyer pays for it, minor units (0 when a promotion makes it free). */
  amount: number;
  free?: Promotion;
  window?: DeliveryWindow;
}

/** An instant as ISO 8601 text, remembered for the one instant a rendering asks about again and again. */
let lastIso = { t: Number.NaN, iso: '' };
function isoOf(d: Date): string {
  const t = d.getTime();
  if (t !== lastIso.t) lastIso = { t, iso: d.toISOString() };
  return lastIso.iso;
}

/** A promotion (or code) runs from `startsAt` (inclusive) to `endsAt` (exclusive). */
export function isActive(p: Pick<Promotion, 'startsAt' | 'endsAt'>, now: Date): boolean {
  const t = isoOf(now);
  return (p.startsAt === undefined || p.startsAt <= t) && (p.endsAt === undefined || t < p.endsAt);
}

/** The next instant after `now` at which a promotion starts or ends (what is offered changes then). */
export function nextPromotionChange(promotions: readonly Pick<Promotion, 'startsAt' | 'endsAt'>[], now: Date): Date | undefined {
  const t = now.toISOString();
  let next: string | undefined;
  for (const p of promotions) for (const edge of [p.startsAt, p.endsAt]) if (edge !== undefined && edge > t && (next === undefined || edge < next)) next = edge;
  return next === undefined ? undefined : new Date(next);
}

/** Free-shipping promotions running now that apply without a basket condition the store document cannot state. */
export function freeShippingPromotions(r: Pick<OfferRules, 'promotions' | 'now'>): Promotion[] {
  return r.promotions.filter((p) => p.type === 'free_shipping' && isActive(p, r.now));
}

/** The free-shipping promotion that makes `rate` free for this basket and destination, if any. */
export function freeShipping(r: Pick<OfferRules, 'promotions' | 'merchant' | 'defaultCurrency' | 'now'>, rate: ShippingRate, destination: Destination, basket: Basket): Promotion | undefined {
  return r.promotions.find((p) => {
    if (p.type !== 'free_shipping' || !isActive(p, r.now)) return false;
    if (!(p.serviceLevels ?? ['standard']).includes(rate.serviceLevel)) return false;
    if (p.countries?.length && !p.countries.includes(destination.country)) return false;
    if (p.minSubtotal !== undefined && (basket.currency !== (p.currency ?? storeCurrency(r)) || basket.subtotal < p.minSubtotal)) return false;
    if (p.eligibleIds.length > 0 && !basket.itemIds.some((id) => p.eligibleIds.includes(id))) return false;
    return p.minSubtotal !== undefined || p.eligibleIds.length > 0 || (p.countries?.length ?? 0) > 0;
  });
}

/** The location a rate ships from: its own, else the first warehouse (by priority), else the first location. */
export function shipsFrom(r: Pick<OfferRules, 'locations'>, rate: ShippingRate): Location | undefined {
  if (rate.shipsFrom) return r.locations.find((l) => l.id === rate.shipsFrom);
  const ordered = [...r.locations].sort((a, b) => (a.priority ?? (a.kind === 'warehouse' ? 0 : 100)) - (b.priority ?? (b.kind === 'warehouse' ? 0 : 100)));
  return ordered.find((l) => l.kind === 'warehouse') ?? ordered[0];
}

/** A location's calendar (UTC, Monday to Friday, no holidays when it says nothing). */
export function calendarOf(location: Location | undefined, timeZone?: string): Calendar {
  return calendar(timeZone ?? location?.timeZone ?? 'UTC', location?.businessDays, location?.holidays ?? []);
}

/**
 * Answers that depend only on the store-wide data and the moment, not on the item: one delivery window
 * per rate and one pickup readiness per store. Each answer says until when it holds (`validUntil`), so it
 * is remembered for exactly that interval, from the instant it was computed, and reused by every offer,
 * rendering and request that asks within it. Remembered per snapshot (the locations array is the
 * snapshot's own), so new store data starts afresh.
 */
interface Held<T> {
  from: number;
  until: number;
  value: T;
}
interface Memo {
  windows: Map<string, Held<DeliveryWindow | undefined>>;
  ready: Map<string, Held<PickupReadiness | undefined>>;
}
const memos = new WeakMap<object, Memo>();
function memo(r: Pick<OfferRules, 'locations'>): Memo {
  let m = memos.get(r.locations);
  if (!m) {
    m = { windows: new Map(), ready: new Map() };
    memos.set(r.locations, m);
  }
  return m;
}

/** The remembered answer for `key` if it holds at `now`, else a new one (held from `now` until it says). */
function held<T>(m: Map<string, Held<T>>, key: string, now: Date, compute: () => { value: T; from?: number; until: number }): T {
  const t = now.getTime();
  const known = m.get(key);
  if (known && known.from <= t && t < known.until) return known.value;
  const fresh = compute();
  m.set(key, { from: fresh.from ?? t, until: fresh.until, value: fresh.value });
  return fresh.value;
}

function windowOf(r: OfferRules, rate: ShippingRate): DeliveryWindow | undefined {
  return held(memo(r).windows, rate.id, r.now, () => {
    const value = deliveryWindow(r.now, rate, calendarOf(shipsFrom(r, rate), rate.timeZone));
    // without handling or transit days there is no window at any time
    return { value, until: value ? value.validUntil.getTime() : Number.POSITIVE_INFINITY };
  });
}

function readinessOf(r: Pick<OfferRules, 'locations' | 'now'>, location: Location): PickupReadiness | undefined {
  return held(memo(r).ready, location.id, r.now, () => {
    const value = pickupReadiness(r.now, location.hours, calendarOf(location), location.pickupReadyMinutes ?? PICKUP_READY_MINUTES);
    if (value) return { value, until: value.validUntil.getTime() };
    // no answer (no hours, or none open soon enough): asked again next quarter hour
    const from = Math.floor(r.now.getTime() / QUARTER_MS) * QUARTER_MS;
    return { value, from, until: from + QUARTER_MS };
  });
}

/** Shipping options for a destination and a basket: one per service level, in the basket's currency. */
export function shippingOptions(r: OfferRules, destination: Destination, basket: Basket): ShippingOption[] {
  const key = `${basket.currency}|${destination.country}|${destination.region ?? ''}|${destination.postalCode ?? ''}`;
  const rates = remembered(applicable, r.rates, key, () =>
    ratesFor(
      r.rates.filter((x) => x.currency === basket.currency),
      destination,
    ),
  );
  return rates.map((rate) => {
    const free = freeShipping(r, rate, destination, basket);
    const window = windowOf(r, rate);
    return { rate, destination, currency: rate.currency, amount: free ? 0 : rate.price, ...(free ? { free } : {}), ...(window ? { window } : {}) };
  });
}

export interface PickupOption {
  location: Location;
  /** The item's stock at this location. */
  stock: StockSummary;
  /** When an order placed now is ready (absent when the store publishes no hours). */
  ready?: PickupReadiness;
}

/**
 * Pickup for one item: stores with pickup (in the buyer's country, when known) that hold a stock level
 * for it, with their own stock; `quantity`: only stores that can supply that many.
 */
export function pickupOptions(r: Pick<OfferRules, 'locations' | 'now'>, levels: readonly InventoryLevel[], o: { country?: string; quantity?: number } = {}): PickupOption[] {
  const out: PickupOption[] = [];
  for (const location of r.locations) {
    if (!location.pickup || (o.country && location.address.country !== o.country)) continue;
    const here = levels.filter((l) => l.locationId === location.id);
    if (here.length === 0) continue;
    const stock = summarizeStock(here);
    if (o.quantity !== undefined && stock.quantity !== null && !stock.backorder && !stock.preorder && stock.quantity < o.quantity) continue;
    const ready = readinessOf(r, location);
    out.push({ location, stock, ...(ready ? { ready } : {}) });
  }
  return out;
}

/** The earliest instant at which any of these answers changes (for caches of published offers). */
export function validUntil(options: readonly { window?: DeliveryWindow; ready?: PickupReadiness }[], fallback: Date): Date {
  let t = fallback.getTime();
  for (const o of options) {
    if (o.window) t = Math.min(t, o.window.validUntil.getTime());
    if (o.ready) t = Math.min(t, o.ready.validUntil.getTime());
  }
  return new Date(t);
}

/**
 * The tax answer for the buyer's destination in context. Undefined (nothing is said about tax) without a
 * country in context, where it depends on the address, and for a store without a tax table.
 */
export function contextTax(r: Pick<OfferRules, 'taxRates'>, ctx: BuyerContext): TaxAnswer | undefined {
  const where = contextDestination(ctx);
  return where && r.taxRates.length ? taxFor(r.taxRates, where) : undefined;
}
