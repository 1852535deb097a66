/**
 * The store document (the entry point agents start from), catalog feed pages and change feed pages.
 * Pure builders over catalog data; the service caches and serialises them.
 */
import type { ContactPoint, OnlineStore, ShippingConditions, ShippingService } from 'schema-dts';
import type { Merchant, ShippingRate } from '../catalog/model.js';
import { toDecimalString } from '../catalog/money.js';
import { servedCountries } from '../catalog/shipping.js';
import { freeShippingPromotions, storeCurrency } from '../publish/offers.js';
import type { ChangeEntry } from '../store/store.js';
import { definedRegion, placeNode, postalAddress, returnPolicyNode } from './nodes.js';
import { DOCUMENT_CONTEXT, type PublishEnv } from './product.js';
import type { Urls } from '../publish/urls.js';

/** Links the store document carries to the other surfaces; only those that exist are published. */
export interface StoreLinks {
  ucpProfile?: boolean;
  didDocument?: boolean;
  jwks?: boolean;
  credentials?: boolean;
}

function days(range: { min: number; max: number } | undefined) {
  return range ? { '@type': 'QuantitativeValue' as const, minValue: range.min, maxValue: range.max, unitCode: 'DAY' } : undefined;
}

/** One ShippingService per service level; each rate is a ShippingConditions, free-shipping thresholds too. */
function shippingServices(env: PublishEnv): ShippingService[] {
  const byLevel = new Map<string, ShippingRate[]>();
  for (const r of env.rates) byLevel.set(r.serviceLevel, [...(byLevel.get(r.serviceLevel) ?? []), r]);
  return [...byLevel].map(([level, rates]) => {
    const conditions: ShippingConditions[] = rates.map((r) => ({
      '@type': 'ShippingConditions',
      ...(r.country !== '*'
        ? { shippingDestination: definedRegion({ country: r.country, ...(r.region ? { region: r.region } : {}), ...(r.postalPrefix ? { postalCode: r.postalPrefix } : {}) }) }
        : {}),
      shippingRate: { '@type': 'MonetaryAmount', value: toDecimalString(r.price, r.currency), currency: r.currency },
      ...(days(r.transitDays) ? { transitTime: days(r.transitDays)! } : {}),
      description: r.title,
    }));
    // free-shipping promotions running now, with the conditions a basket must meet (the offer engine's)
    for (const p of freeShippingPromotions(env)) {
      if (!(p.serviceLevels ?? ['standard']).includes(level) || p.eligibleIds.length) continue;
      const currency = p.currency ?? storeCurrency(env);
      for (const country of p.countries?.length ? p.countries : [undefined]) {
        conditions.push({
          '@type': 'ShippingConditions',
          ...(country ? { shippingDestination: definedRegion({ country }) } : {}),
          ...(p.minSubtotal !== undefined ? { orderValue: { '@type': 'MonetaryAmount', minValue: Number(toDecimalString(p.minSubtotal, currency)), currency } } : {}),
          shippingRate: { '@type': 'MonetaryAmount', value: toDecimalString(0, currency), currency },
          description: p.description,
        });
      }
    }
    // handling is a property of the service: stated only when every rate of the level agrees
    const handlings = new Set(rates.map((r) => JSON.stringify(r.handlingDays ?? null)));
    const handling = handlings.size === 1 ? rates[0]!.handlingDays : undefined;
    return {
      '@type': 'ShippingService',
      '@id': env.urls.shippingService(level),
      name: `${level[0]!.toUpperCase()}${level.slice(1)} shipping`,
      fulfillmentType: 'https://schema.org/FulfillmentTypeDelivery',
      ...(days(handling) ? { handlingTime: { '@type': 'ServicePeriod', duration: days(handling)! } } : {}),
      shippingConditions: conditions,
    } as ShippingService;
  });
}

function contactPoint(m: Merchant, urls: Urls): ContactPoint | undefined {
  const { email, phone, url } = m.support;
  if (!email && !phone && !url) return undefined;
  return {
    '@type': 'ContactPoint',
    contactType: 'customer support',
    ...(email ? { email } : {}),
    ...(phone ? { telephone: phone } : {}),
    ...(url ? { url: urls.absolute(url) } : {}),
    availableLanguage: m.languages,
  };
}

export function storeDocument(env: PublishEnv, links: StoreLinks): Record<string, unknown> {
  const { merchant: m, urls } = env;
  const served = servedCountries(m, env.rates, env.policies, env.locations);
  const contact = contactPoint(m, urls);
  const policies = env.policies.filter((p) => p.isDefault || p.countries.length > 0);
  const overrides = env.policies.filter((p) => !policies.includes(p));
  const doc: OnlineStore & Record<string, unknown> = {
    '@type': 'OnlineStore',
    '@id': urls.storeId,
    name: m.name,
    legalName: m.legalName,
    url: urls.absolute(m.url),
    ...(m.logo ? { logo: urls.absolute(m.logo) } : {}),
    ...(m.description ? { description: m.description } : {}),
    ...(contact ? { contactPoint: contact } : {}),
    ...(m.address ? { address: postalAddress(m.address) } : {}),
    ...(m.vatId ? { vatID: m.vatId } : {}),
    ...(m.registrationId ? { identifier: { '@type': 'PropertyValue', propertyID: 'company-registration', value: m.registrationId } } : {}),
    currenciesAccepted: m.currencies.join(', '),
    areaServed: served.map((c) => ({ '@type': 'Country', name: c })),
    knowsLanguage: m.languages,
    hasMerchantReturnPolicy: [...policies, ...overrides].map((p) => returnPolicyNode(p, served, urls)),
    hasShippingService: shippingServices(env),
    ...(env.locations.length ? { location: env.locations.map((l) => placeNode(l, urls)) } : {}),
    potentialAction: {
      '@type': 'SearchAction',
      target: { '@type': 'EntryPoint', urlTemplate: `${urls.catalog()}?q={q}`, contentType: 'application/ld+json' },
      description: 'Catalog feed filtered by a free-text query: replace {q} with the words to look for.',
    },
  };
  const policyTerms = { privacy: 'privacyPolicy', terms: 'termsOfUse', refund: 'refundPolicy', shipping: 'shippingPolicy', faq: 'faq' } as const;
  for (const [key, term] of Object.entries(policyTerms)) {
    const link = m.policies[key as keyof typeof policyTerms];
    if (link) doc[term] = urls.absolute(link);
  }
  doc.catalogFeed = urls.catalog();
  doc.changeFeed = urls.changes();
  if (links.ucpProfile) doc.ucpProfile = urls.ucpProfile;
  if (links.didDocument) doc.didDocument = urls.didDocument;
  if (links.jwks) doc.jwks = urls.jwks;
  if (links.credentials) doc.credentials = urls.credentials;
  doc.sitemap = urls.sitemap;
  return { '@context': DOCUMENT_CONTEXT(urls), ...doc };
}

/** A catalog feed page around already-serialised items (each a DataFeedItem JSON string). */
export function feedPageJson(opts: { urls: Urls; pageUrl: string; storeName: string; items: string[]; next?: string; dateModified?: string }): string {
  const head = {
    '@context': DOCUMENT_CONTEXT(opts.urls),
    '@type': 'DataFeed',
    '@id': opts.pageUrl,
    name: `${opts.storeName} catalog`,
    provider: { '@id': opts.urls.storeId },
    ...(opts.dateModified ? { dateModified: opts.dateModified } : {}),
    ...(opts.next ? { next: opts.next } : {}),
  };
  const json = JSON.stringify(head);
  return `${json.slice(0, -1)},"dataFeedElement":[${opts.items.join(',')}]}`;
}

export function changeFeedDocument(urls: Urls, pageUrl: string, changes: ChangeEntry[], lastSequence: number, next?: string): Record<string, unknown> {
  return {
    '@context': DOCUMENT_CONTEXT(urls),
    '@type': 'ChangeFeed',
    '@id': pageUrl,
    lastSequence,
    ...(next ? { next } : {}),
    changes: changes.map((c) => changeNode(urls, c)),
  };
}

export function changeNode(urls: Urls, c: ChangeEntry): Record<string, unknown> {
  return {
    '@type': 'Change',
    sequence: c.seq,
    changedAt: c.at,
    changeKind: c.kind,
    changedEntity: c.entity,
    changedDocument: c.productId ? urls.product(c.productId) : urls.store,
    ...(c.productId && c.variantId ? { changedVariant: urls.variant(c.productId, c.variantId) } : {}),
    ...(c.locationId ? { changedLocation: urls.location(c.locationId) } : {}),
  };
}
