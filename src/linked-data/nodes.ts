/**
 * Shared JSON-LD nodes: shipping details, return policies, places, the seller. Within one document a
 * node with an @id is written in full the first time and referenced by @id after, so a product with
 * twelve variants does not repeat ten shipping rates twelve times; every @id dereferences (to the
 * product document or the store document that defines it).
 */
import type {
  DefinedRegion,
  MerchantReturnPolicy,
  OfferShippingDetails,
  OpeningHoursSpecification,
  Place,
  PostalAddress as SchemaPostalAddress,
  ShippingDeliveryTime,
} from 'schema-dts';
import type { Location, Merchant, PostalAddress, Promotion, ReturnPolicy, ShippingRate } from '../catalog/model.js';
import { toDecimalString } from '../catalog/money.js';
import type { Destination } from '../catalog/shipping.js';
import { RETURN_CATEGORY, RETURN_FEES, RETURN_METHOD } from './terms.js';
import type { Urls } from './urls.js';

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

export function definedRegion(d: Destination): DefinedRegion {
  return {
    '@type': 'DefinedRegion',
    addressCountry: d.country,
    ...(d.region ? { addressRegion: d.region } : {}),
    ...(d.postalCode ? { postalCodePrefix: d.postalCode } : {}),
  };
}

export function deliveryTime(rate: ShippingRate): ShippingDeliveryTime | undefined {
  const handling = days(rate.handlingDays);
  const transit = days(rate.transitDays);
  if (!handling && !transit) return undefined;
  return {
    '@type': 'ShippingDeliveryTime',
    ...(handling ? { handlingTime: handling } : {}),
    ...(transit ? { transitTime: transit } : {}),
    ...(rate.cutoffTime ? { cutoffTime: `${rate.cutoffTime}:00` } : {}),
  };
}

/** The id part that names a (rate, destination, free?) combination. */
function shippingKey(rate: ShippingRate, d: Destination, free: boolean): string {
  return [rate.id, d.country, d.region, d.postalCode, free ? 'free' : undefined].filter(Boolean).map((s) => encodeURIComponent(s!)).join('-');
}

export function shippingDetailsNode(
  baseId: string,
  rate: ShippingRate,
  destination: Destination,
  free: Promotion | undefined,
): OfferShippingDetails & { '@id': string } {
  const time = deliveryTime(rate);
  return {
    '@type': 'OfferShippingDetails',
    '@id': `${baseId}#shipping-${shippingKey(rate, destination, free !== undefined)}`,
    shippingLabel: free ? `${rate.title} (free: ${free.description})` : rate.title,
    shippingDestination: definedRegion(destination),
    shippingRate: { '@type': 'MonetaryAmount', value: toDecimalString(free ? 0 : rate.price, rate.currency), currency: rate.currency },
    ...(time ? { deliveryTime: time } : {}),
  } as OfferShippingDetails & { '@id': string };
}

export function sellerNode(merchant: Merchant, urls: Urls) {
  return { '@type': 'OnlineStore' as const, '@id': urls.storeId, name: merchant.name, url: urls.absolute(merchant.url) };
}
