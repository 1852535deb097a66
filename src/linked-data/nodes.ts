/**
 * Shared JSON-LD nodes: shipping details, return policies, places, the seller. Within one document a
 * node with an @id is written in full the first time and referenced by @id after, so a product with
 * twelve variants does not repeat ten shipping rates twelve times; every @id dereferences (to the
 * product document or the store document that defines it).
 */
import type { DefinedRegion, MerchantReturnPolicy, OfferShippingDetails, OpeningHoursSpecification, Place, PostalAddress as SchemaPostalAddress, ShippingDeliveryTime } from 'schema-dts';
import type { Location, Merchant, PostalAddress, ReturnPolicy, ShippingRate } from '../catalog/model.js';
import { toDecimalString } from '../catalog/money.js';
import type { Destination } from '../catalog/shipping.js';
import { WEEKDAYS } from '../publish/calendar.js';
import type { DeliveryWindow } from '../publish/delivery.js';
import { PICKUP_READY_MINUTES, type PickupOption, type ShippingOption } from '../publish/offers.js';
import { RETURN_CATEGORY, RETURN_FEES, RETURN_METHOD } from './terms.js';
import type { Urls } from '../publish/urls.js';

export type IdRef = { '@id': string };

/** Registry of nodes already written in full in the current document. */
export class NodeSet {
  private readonly written = new Set<string>();
  /** The full node the first time an @id is used in this document, a reference after. */
  once<T extends { '@id': string }>(id: string, build: () => T): T | IdRef {
    if (this.written.has(id)) return { '@id': id };
    this.written.add(id);
    return build();
  }
}

export function postalAddress(a: PostalAddress): SchemaPostalAddress {
  return {
    '@type': 'PostalAddress',
    ...(a.street ? { streetAddress: a.street } : {}),
    ...(a.locality ? { addressLocality: a.locality } : {}),
    ...(a.region ? { addressRegion: a.region } : {}),
    ...(a.postalCode ? { postalCode: a.postalCode } : {}),
    addressCountry: a.country,
  };
}

function openingHours(l: Location): OpeningHoursSpecification[] {
  return l.hours.map((h) => ({
    '@type': 'OpeningHoursSpecification',
    dayOfWeek: h.days.map((d) => `https://schema.org/${d}` as const) as never,
    opens: `${h.opens}:00`,
    closes: `${h.closes}:00`,
  }));
}

/** A location: a Store (LocalBusiness) when customers can come, otherwise a Place. */
export function placeNode(l: Location, urls: Urls): Place & { '@id': string } {
  return {
    '@type': l.kind === 'store' ? 'Store' : 'Place',
    '@id': urls.location(l.id),
    name: l.name,
    address: postalAddress(l.address),
    ...(l.phone ? { telephone: l.phone } : {}),
    ...(l.hours.length ? { openingHoursSpecification: openingHours(l) } : {}),
  } as Place & { '@id': string };
}

export function returnPolicyNode(p: ReturnPolicy, served: readonly string[], urls: Urls): MerchantReturnPolicy & { '@id': string } {
  const countries = p.countries.length ? p.countries : served;
  const node: MerchantReturnPolicy & { '@id': string } = {
    '@type': 'MerchantReturnPolicy',
    '@id': urls.returnPolicy(p.id),
    applicableCountry: countries.length === 1 ? countries[0]! : countries,
    returnPolicyCategory: RETURN_CATEGORY[p.category],
  };
  if (p.category !== 'not_permitted') {
    if (p.category === 'finite' && p.windowDays !== undefined) node.merchantReturnDays = p.windowDays;
    if (p.methods.length) node.returnMethod = p.methods.length === 1 ? RETURN_METHOD[p.methods[0]!] : p.methods.map((m) => RETURN_METHOD[m]);
    node.returnFees = RETURN_FEES[p.fees];
    if (p.fees === 'customer_pays_shipping' && p.shippingFee) {
      node.returnShippingFeesAmount = { '@type': 'MonetaryAmount', value: toDecimalString(p.shippingFee.amount, p.shippingFee.currency), currency: p.shippingFee.currency };
    }
    if (p.restockingFeePercent !== undefined) node.restockingFee = p.restockingFeePercent;
    node.inStoreReturnsOffered = p.methods.includes('in_store');
  }
  if (p.url) node.merchantReturnLink = urls.absolute(p.url);
  return node;
}

function days(range: { min: number; max: number } | undefined) {
  return range ? { '@type': 'QuantitativeValue' as const, minValue: range.min, maxValue: range.max, unitCode: 'DAY' } : undefined;
}

/**
 * Where a shipping rate applies. Google reads `addressRegion` (ISO 3166-2 without the country) and
 * `postalCode` / `postalCodePrefix`; a rate's postal prefix is published as the prefix it is.
 */
export function definedRegion(d: Destination): DefinedRegion {
  return {
    '@type': 'DefinedRegion',
    addressCountry: d.country,
    ...(d.region ? { addressRegion: d.region } : {}),
    ...(d.postalCode ? { postalCodePrefix: d.postalCode } : {}),
  };
}

/**
 * Handling and transit in business days, the cutoff with its UTC offset ("14:00:00-07:00") and the
 * ships-from location's business days, plus the engine's concrete arrival dates (ucpd terms).
 */
export function deliveryTime(w: DeliveryWindow | undefined): (ShippingDeliveryTime & Record<string, unknown>) | undefined {
  if (!w) return undefined;
  return {
    '@type': 'ShippingDeliveryTime',
    handlingTime: days(w.handling),
    transitTime: days(w.transit),
    ...(w.cutoff ? { cutoffTime: `${w.cutoff.time}:00${w.cutoff.offset}` } : {}),
    businessDays: w.businessDays.map((d) => `https://schema.org/${WEEKDAYS[d]}`),
    earliestArrival: w.arrives.earliest,
    latestArrival: w.arrives.latest,
  } as ShippingDeliveryTime & Record<string, unknown>;
}

/** The id part that names a (rate, destination, free?) combination. */
function shippingKey(rate: ShippingRate, d: Destination, free: boolean): string {
  return [rate.id, d.country, d.region, d.postalCode, free ? 'free' : undefined]
    .filter(Boolean)
    .map((s) => encodeURIComponent(s!))
    .join('-');
}

/** One shipping option of an offer, as the offer engine gives it. */
export function shippingDetailsNode(baseId: string, o: ShippingOption): OfferShippingDetails & { '@id': string } {
  const time = deliveryTime(o.window);
  return {
    '@type': 'OfferShippingDetails',
    '@id': `${baseId}#shipping-${shippingKey(o.rate, o.destination, o.free !== undefined)}`,
    shippingLabel: o.free ? `${o.rate.title} (free: ${o.free.description})` : o.rate.title,
    shippingDestination: definedRegion(o.destination),
    shippingRate: { '@type': 'MonetaryAmount', value: toDecimalString(o.amount, o.currency), currency: o.currency },
    ...(time ? { deliveryTime: time } : {}),
  } as OfferShippingDetails & { '@id': string };
}

/** A pickup offer's readiness: the store's preparation time, and when an order placed now is ready. */
export function pickupFields(p: PickupOption): Record<string, unknown> {
  return {
    deliveryLeadTime: { '@type': 'QuantitativeValue', value: p.location.pickupReadyMinutes ?? PICKUP_READY_MINUTES, unitCode: 'MIN' },
    ...(p.ready ? { pickupReadyAt: p.ready.readyAt.toISOString() } : {}),
    ...(p.ready?.opensAt ? { storeOpensAt: p.ready.opensAt.toISOString() } : {}),
  };
}

export function sellerNode(merchant: Merchant, urls: Urls) {
  return { '@type': 'OnlineStore' as const, '@id': urls.storeId, name: merchant.name, url: urls.absolute(merchant.url) };
}
