/**
 * Canonical product records -> UCP catalog products (types/product.json, types/variant.json). Prices come
 * from the same `pickPrice` and availability from the same `summarizeStock` as the JSON-LD offers, and
 * ids and URLs are the JSON-LD @ids, so an agent reading both surfaces for the same buyer context reads
 * the same facts. Shipping hints for the buyer's destination (the JSON-LD offers' shippingDetails) go in
 * `metadata`; stock depth goes in the `inventory` extension field, only when it was negotiated.
 */
import { summarizeStock, type StockSummary } from '../../catalog/availability.js';
import type { InventoryLevel, Location, Media, Price, Variant } from '../../catalog/model.js';
import { holdsUntil, type PublishEnv } from '../../publish/env.js';
import { contextDestination, contextTax, destinationsFor, type OfferPrice, offerPrice, pickupOptions, shippingOptions } from '../../publish/offers.js';
import type { PickupReadiness } from '../../publish/pickup.js';
import { taxNote } from '../../publish/tax.js';
import { policyLinks } from '../../publish/urls.js';
import { destinationText } from '../../publish/wording.js';
import type { ProductRecord } from '../../store/store.js';
import { catalogFulfillment, type CatalogMethod, type FulfillmentScope } from './fulfillment.js';

export interface UcpPrice {
  amount: number;
  currency: string;
}

export interface UcpMedia {
  type: 'image' | 'video' | 'model_3d';
  url: string;
  alt_text?: string;
  width?: number;
  height?: number;
}

export interface UcpInventory {
  available: boolean;
  tracked: boolean;
  quantity?: number;
  low_stock?: boolean;
  restock_at?: string;
  backorder?: boolean;
  preorder?: boolean;
  locations?: {
    id: string;
    name: string;
    type: 'warehouse' | 'store';
    available: boolean;
    quantity?: number;
    low_stock?: boolean;
    restock_at?: string;
    pickup: boolean;
    address?: Record<string, string>;
  }[];
}

export interface UcpVariant {
  id: string;
  sku?: string;
  barcodes?: { type: string; value: string }[];
  title: string;
  description: { plain?: string; html?: string; markdown?: string };
  url: string;
  price: UcpPrice;
  list_price?: UcpPrice;
  unit_price?: {
    amount: number;
    currency: string;
    measure: { value: number; unit: string; scale?: number; display_text?: string };
    reference: { value: number; unit: string; scale?: number; display_text?: string };
  };
  availability: { available: boolean; status: 'in_stock' | 'backorder' | 'preorder' | 'out_of_stock' };
  options?: { name: string; label: string }[];
  media?: UcpMedia[];
  seller?: { name: string; links?: { type: string; url: string }[] };
  inventory?: UcpInventory;
  fulfillment?: { methods: CatalogMethod[] };
  inputs?: { id: string; match: string }[];
  metadata?: Record<string, unknown>;
}

export interface UcpProduct {
  id: string;
  handle?: string;
  title: string;
  description: { plain?: string; html?: string; markdown?: string };
  url: string;
  categories?: { value: string; taxonomy: string }[];
  price_range: { min: UcpPrice; max: UcpPrice };
  list_price_range?: { min: UcpPrice; max: UcpPrice };
  media?: UcpMedia[];
  options?: { name: string; values: { label: string; available?: boolean; exists?: boolean }[] }[];
  variants: UcpVariant[];
  rating?: { value: number; scale_min: number; scale_max: number; count: number };
  tags?: string[];
  metadata?: Record<string, unknown>;
  selected?: { name: string; label: string }[];
}

export interface EncodeOptions {
  /** Put stock depth on variants (the inventory extension was negotiated). */
  inventory: boolean;
  /** Put fulfillment methods on variants, for this scope (2026-08-25: the fulfillment extension of the catalog was negotiated). */
  fulfillment?: FulfillmentScope;
  /** Measures as 2026-08-25 states them (integer at a scale, with a label). */
  scaledMeasures?: boolean;
  /** Only these variants, in this order (lookup filters, get_product ordering); default all. */
  variants?: readonly Variant[];
}

const STATUS = { in_stock: 'in_stock', limited: 'in_stock', backorder: 'backorder', preorder: 'preorder', out_of_stock: 'out_of_stock' } as const;

export function availabilityOf(s: StockSummary): UcpVariant['availability'] {
  return { available: s.availability !== 'out_of_stock', status: STATUS[s.availability] };
}

/** The price an agent sees for a variant in this context (the JSON-LD offer's price: the offer engine's). */
export function variantPrice(product: ProductRecord['product'], variant: Variant, env: PublishEnv): OfferPrice | undefined {
  const price = offerPrice(env, { productId: product.id, variantId: variant.id, categories: product.categories, prices: variant.prices }, env.context);
  holdsUntil(env, price?.validUntil ? new Date(price.validUntil) : undefined);
  return price;
}

function media(items: readonly Media[], env: PublishEnv): UcpMedia[] {
  return items.map((m) => ({
    type: m.type === 'model' ? 'model_3d' : m.type,
    url: env.urls.absolute(m.url),
    ...(m.alt ? { alt_text: m.alt } : {}),
    ...(m.width ? { width: m.width } : {}),
    ...(m.height ? { height: m.height } : {}),
  }));
}

function description(d: ProductRecord['product']['description'], fallback: string): UcpProduct['description'] {
  const out: UcpProduct['description'] = {};
  if (d.plain) out.plain = d.plain;
  if (d.html) out.html = d.html;
  if (d.markdown) out.markdown = d.markdown;
  return Object.keys(out).length ? out : { plain: fallback };
}

/** A quantity as 2026-08-25 measures it: an integer count of 10^-scale units (0.75 l -> 75 at scale 2), with its label. */
export function scaledMeasure(value: number, unit: string): { value: number; scale?: number; unit: string; display_text: string } | undefined {
  for (let scale = 0; scale <= 6; scale++) {
    const n = Math.round(value * 10 ** scale);
    if (Math.abs(n - value * 10 ** scale) < 1e-9 && n >= 1) return { value: n, ...(scale ? { scale } : {}), unit, display_text: unit };
  }
  return undefined;
}

/**
 * The price per unit of measure. 2026-04-08 states the package as a number ({value: 0.75, unit: "l"});
 * 2026-08-25 as an integer count at a scale with a label (`scaled`).
 */
function unitPrice(price: Price, variant: Variant, scaled: boolean): UcpVariant['unit_price'] | undefined {
  const u = variant.unitPricing;
  if (!u || u.measure.value <= 0 || u.measure.unit.toLowerCase() !== u.base.unit.toLowerCase() || !Number.isInteger(u.base.value)) return undefined;
  const amount = Math.round((price.amount / u.measure.value) * u.base.value);
  if (!scaled) return { amount, currency: price.currency, measure: { value: u.measure.value, unit: u.measure.unit }, reference: { value: u.base.value, unit: u.base.unit } };
  const measure = scaledMeasure(u.measure.value, u.measure.unit);
  const reference = scaledMeasure(u.base.value, u.measure.unit);
  return measure && reference ? { amount, currency: price.currency, measure, reference } : undefined;
}

function sellerOf(env: PublishEnv): UcpVariant['seller'] {
  const links = policyLinks(env.merchant, env.urls);
  return { name: env.merchant.name, ...(links.length ? { links } : {}) };
}

function address(l: Location): Record<string, string> {
  const a = l.address;
  return {
    ...(a.street ? { street_address: a.street } : {}),
    ...(a.locality ? { address_locality: a.locality } : {}),
    ...(a.region ? { address_region: a.region } : {}),
    ...(a.postalCode ? { postal_code: a.postalCode } : {}),
    address_country: a.country,
  };
}

export function inventoryOf(levels: readonly InventoryLevel[], locations: ReadonlyMap<string, Location>, ready: ReadonlyMap<string, PickupReadiness> = new Map()): UcpInventory {
  const s = summarizeStock(levels);
  const perLocation: NonNullable<UcpInventory['locations']> = [];
  for (const level of levels) {
    const loc = locations.get(level.locationId);
    if (!loc) continue;
    const here = summarizeStock([level]);
    perLocation.push({
      id: loc.id,
      name: loc.name,
      type: loc.kind,
      available: here.availability !== 'out_of_stock',
      ...(here.quantity !== null ? { quantity: here.quantity } : {}),
      ...(here.lowStock ? { low_stock: true } : {}),
      ...(here.restockDate ? { restock_at: here.restockDate } : {}),
      pickup: loc.pickup,
      // where a buyer can collect, the address matters; a warehouse's does not
      ...(loc.pickup ? { address: address(loc) } : {}),
      // when an order placed now is ready there, and when a closed store opens (the offer engine's)
      ...(ready.get(loc.id) ? { pickup_ready_at: ready.get(loc.id)!.readyAt.toISOString() } : {}),
      ...(ready.get(loc.id)?.opensAt ? { opens_at: ready.get(loc.id)!.opensAt!.toISOString() } : {}),
    });
  }
  return {
    available: s.availability !== 'out_of_stock',
    tracked: s.quantity !== null,
    ...(s.quantity !== null ? { quantity: s.quantity } : {}),
    low_stock: s.lowStock,
    ...(s.restockDate ? { restock_at: s.restockDate } : {}),
    backorder: s.backorder,
    preorder: s.preorder,
    locations: perLocation,
  };
}

/**
 * Shipping for the buyer's destination, as the JSON-LD offer states it (the offer engine's options),
 * only with a country in context: service level, price, a free-shipping promotion, handling plus transit
 * in business days, the arrival dates and the cutoff with its zone and offset.
 */
function shippingHints(record: ProductRecord, price: Price | undefined, variantId: string | undefined, env: PublishEnv): Record<string, unknown>[] | undefined {
  const c = env.context;
  if (!c.country || !price) return undefined;
  const basket = { subtotal: price.amount, currency: price.currency, itemIds: [record.product.id, ...(variantId ? [variantId] : [])] };
  return destinationsFor(env, c, price.currency)
    .flatMap((d) => shippingOptions(env, d, basket))
    .map((o) => {
      holdsUntil(env, o.window?.validUntil);
      const w = o.window;
      return {
        service_level: o.rate.serviceLevel,
        title: o.rate.title,
        price: { amount: o.amount, currency: o.currency },
        ...(o.free ? { free_shipping: true, promotion: o.free.description } : {}),
        ...(w ? { delivery_days: { min: w.handling.min + w.transit.min, max: w.handling.max + w.transit.max }, earliest_arrival: w.arrives.earliest, latest_arrival: w.arrives.latest } : {}),
        ...(w?.cutoff ? { cutoff_time: `${w.cutoff.time}:00${w.cutoff.offset}`, cutoff_time_zone: w.cutoff.timeZone } : {}),
      };
    });
}

/** Pickup readiness per store holding the variant (the expiry of the answer noted on the rendering). */
function pickupReadiness(levels: readonly InventoryLevel[], env: PublishEnv): Map<string, PickupReadiness> {
  const out = new Map<string, PickupReadiness>();
  for (const p of pickupOptions(env, levels)) {
    if (!p.ready) continue;
    holdsUntil(env, p.ready.validUntil);
    out.set(p.location.id, p.ready);
  }
  return out;
}

/** Tax for the buyer's destination in context, as the offer engine states it (nothing without a country or a tax table). */
function taxHint(env: PublishEnv): Record<string, unknown> | undefined {
  const tax = contextTax(env, env.context);
  if (!tax) return undefined;
  const note = taxNote(tax, destinationText(contextDestination(env.context)!));
  return tax.configured ? { rate: tax.rate.rate, included: tax.rate.included, name: tax.rate.name, shipping_taxed: tax.rate.shipping, note } : { configured: false, note };
}

/** A grouped product's variants are JSON-LD nodes of their own; a single-variant product is one node. */
export function isGrouped(record: ProductRecord): boolean {
  return record.product.options.length > 0 || record.product.variants.length > 1;
}

/** What every variant of a product states alike in one context: made once per product, not per variant. */
interface Shared {
  locations: ReadonlyMap<string, Location>;
  seller: UcpVariant['seller'];
  tax: Record<string, unknown> | undefined;
}

export function encodeVariant(record: ProductRecord, variant: Variant, env: PublishEnv, o: EncodeOptions, shared: Shared): UcpVariant | undefined {
  const { product } = record;
  const price = variantPrice(product, variant, env);
  if (!price) return undefined;
  const levels = record.levels.filter((l) => l.variantId === variant.id);
  const title = variant.title ?? (variant.options.length ? `${product.title} (${variant.options.map((x) => x.value).join(', ')})` : product.title);
  const unit = unitPrice(price, variant, o.scaledMeasures === true);
  const shipping = shippingHints(record, price, variant.id, env);
  const { tax, locations } = shared;
  return {
    id: variant.id,
    ...(variant.sku ? { sku: variant.sku } : {}),
    ...(variant.gtin ? { barcodes: [{ type: 'GTIN', value: variant.gtin }] } : {}),
    title,
    description: { plain: title },
    url: isGrouped(record) ? env.urls.variant(product.id, variant.id) : env.urls.product(product.id),
    price: { amount: price.amount, currency: price.currency },
    ...(price.listAmount !== undefined && price.listAmount > price.amount ? { list_price: { amount: price.listAmount, currency: price.currency } } : {}),
    ...(unit ? { unit_price: unit } : {}),
    availability: availabilityOf(summarizeStock(levels)),
    ...(variant.options.length ? { options: variant.options.map((x) => ({ name: x.name, label: x.value })) } : {}),
    ...(variant.media.length ? { media: media(variant.media, env) } : {}),
    seller: shared.seller,
    ...(o.inventory ? { inventory: inventoryOf(levels, locations, pickupReadiness(levels, env)) } : {}),
    ...(o.fulfillment
      ? { fulfillment: catalogFulfillment(env, o.fulfillment, { productId: product.id, variantId: variant.id, price, levels, availability: availabilityOf(summarizeStock(levels)) }) }
      : {}),
    ...(variant.condition !== 'new' || shipping || tax || price.promotions
      ? {
          metadata: {
            ...(variant.condition !== 'new' ? { condition: variant.condition } : {}),
            ...(price.promotions ? { promotions: price.promotions.map((p) => ({ title: p.title, amount: { amount: p.amount, currency: price.currency } })) } : {}),
            ...(shipping ? { shipping } : {}),
            ...(tax ? { tax } : {}),
          },
        }
      : {}),
  };
}

function range(prices: readonly UcpPrice[]): { min: UcpPrice; max: UcpPrice } | undefined {
  const first = prices[0];
  if (!first) return undefined;
  const same = prices.filter((p) => p.currency === first.currency);
  let min = first;
  let max = first;
  for (const p of same) {
    if (p.amount < min.amount) min = p;
    if (p.amount > max.amount) max = p;
  }
  return { min: { ...min }, max: { ...max } };
}

/** The UCP product, or undefined when no variant has a price (nothing an agent could buy). */
export function encodeProduct(record: ProductRecord, env: PublishEnv, o: EncodeOptions): UcpProduct | undefined {
  const { product } = record;
  const shared: Shared = { locations: new Map(env.locations.map((l) => [l.id, l])), seller: sellerOf(env), tax: taxHint(env) };
  const variants: UcpVariant[] = [];
  for (const v of o.variants ?? product.variants) {
    const encoded = encodeVariant(record, v, env, o, shared);
    if (encoded) variants.push(encoded);
  }
  // price ranges cover the whole product, whatever subset of variants is shown
  const all = o.variants ? product.variants.map((v) => variantPrice(product, v, env)).filter((p): p is Price => p !== undefined) : undefined;
  const priced = all ?? variants.map((v) => ({ amount: v.price.amount, currency: v.price.currency, ...(v.list_price ? { listAmount: v.list_price.amount } : {}) }));
  const priceRange = range(priced.map((p) => ({ amount: p.amount, currency: p.currency })));
  if (!priceRange || variants.length === 0) return undefined;
  const onSale = priced.some((p) => p.listAmount !== undefined && p.listAmount > p.amount);
  const listRange = onSale ? range(priced.map((p) => ({ amount: Math.max(p.listAmount ?? p.amount, p.amount), currency: p.currency }))) : undefined;
  const categories = product.categories.map((c) => (c.taxonomy === 'google' ? { value: c.id ?? c.path, taxonomy: 'google_product_category' } : { value: c.path, taxonomy: 'merchant' }));
  const metadata: Record<string, unknown> = {};
  if (product.brand) metadata.brand = product.brand;
  if (Object.keys(product.attributes).length) metadata.attributes = { ...product.attributes };
  if (product.certifications.length) metadata.certifications = product.certifications.map((c) => ({ name: c.name, certifier: c.certifier, ...(c.identifier ? { identifier: c.identifier } : {}) }));
  return {
    id: product.id,
    ...(product.handle ? { handle: product.handle } : {}),
    title: product.title,
    description: description(product.description, product.title),
    url: env.urls.product(product.id),
    ...(categories.length ? { categories } : {}),
    price_range: priceRange,
    ...(listRange ? { list_price_range: listRange } : {}),
    ...(product.media.length ? { media: media(product.media, env) } : {}),
    ...(product.options.length ? { options: product.options.map((opt) => ({ name: opt.name, values: opt.values.map((label) => ({ label })) })) } : {}),
    variants,
    ...(record.rating ? { rating: { value: record.rating.value, scale_min: 1, scale_max: 5, count: record.rating.count } } : {}),
    ...(product.tags.length ? { tags: [...product.tags] } : {}),
    ...(Object.keys(metadata).length ? { metadata } : {}),
  };
}
