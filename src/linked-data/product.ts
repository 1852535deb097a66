/**
 * Product records -> schema.org JSON-LD. A product with options is a ProductGroup whose variants are
 * Products (isVariantOf, inProductGroupWithID, sku, gtin, colour/size, and an image, brand and description
 * of their own: each variant is a merchant listing by itself); a product without options is one Product. Offers
 * carry price (decimal string), availability from stock, inventoryLevel, shipping details and return
 * policies for the buyer's context, and pickup offers at stores with that store's stock.
 *
 * `productDocument` is the full document at /products/{id}; `productSummary` is the compact form in
 * catalog feed pages (no description, reviews, shipping or pickup: the @id dereferences to all of it).
 */
import type {
  AggregateRating as SchemaAggregateRating,
  Certification as SchemaCertification,
  ImageObject,
  Offer,
  Product,
  ProductGroup,
  PropertyValue,
  QuantitativeValue,
  Review as SchemaReview,
  UnitPriceSpecification,
} from 'schema-dts';
import { summarizeStock, type StockSummary } from '../catalog/availability.js';
import type { Price, Review, Variant } from '../catalog/model.js';
import { toDecimalString } from '../catalog/money.js';
import { returnPoliciesFor } from '../catalog/shipping.js';
import type { ProductRecord } from '../store/store.js';
import { holdsUntil, type PublishEnv } from '../publish/env.js';
import { contextDestination, contextTax, destinationsFor, offerPrice, pickupOptions, servedBy, shippingOptions } from '../publish/offers.js';
import { taxNote } from '../publish/tax.js';
import { destinationText } from '../publish/wording.js';
import { NodeSet, pickupFields, placeNode, returnPolicyNode, sellerNode, shippingDetailsNode } from './nodes.js';
import { AVAILABILITY, CONDITION, OPTION_PROPERTY, UNIT_CODE } from './terms.js';
import type { Urls } from '../publish/urls.js';

export type { PublishEnv } from '../publish/env.js';

/** ucpd extension terms (defined in well-known/ucpd-context-v1.jsonld). */
type Ext = { lowStock?: boolean; verifiedPurchase?: boolean; ratingHistogram?: number[] };
type OfferNode = Offer & Ext;
type ProductNode = (Product | ProductGroup) & Ext;

export const DOCUMENT_CONTEXT = (urls: Urls) => ['https://schema.org', urls.context];

function money(amount: number, currency: string): string {
  return toDecimalString(amount, currency);
}

function inventoryLevel(s: StockSummary): QuantitativeValue | undefined {
  return s.quantity === null ? undefined : { '@type': 'QuantitativeValue', value: s.quantity };
}

function stockFields(s: StockSummary): Pick<OfferNode, 'availability' | 'inventoryLevel' | 'availabilityStarts'> & Ext {
  const level = inventoryLevel(s);
  return {
    availability: AVAILABILITY[s.availability],
    ...(level ? { inventoryLevel: level } : {}),
    ...(s.restockDate && s.availability !== 'in_stock' && s.availability !== 'limited' ? { availabilityStarts: s.restockDate } : {}),
    ...(s.lowStock ? { lowStock: true } : {}),
  };
}

function priceSpecification(price: Price, variant: Variant): UnitPriceSpecification[] {
  const specs: UnitPriceSpecification[] = [];
  if (price.listAmount !== undefined && price.listAmount > price.amount) {
    specs.push({
      '@type': 'UnitPriceSpecification',
      priceType: 'https://schema.org/StrikethroughPrice',
      price: money(price.listAmount, price.currency),
      priceCurrency: price.currency,
    });
  }
  if (variant.unitPricing) {
    const { measure, base } = variant.unitPricing;
    specs.push({
      '@type': 'UnitPriceSpecification',
      price: money(price.amount, price.currency),
      priceCurrency: price.currency,
      referenceQuantity: { '@type': 'QuantitativeValue', value: base.value, ...unitOf(base.unit) },
      ...(measure ? { eligibleQuantity: { '@type': 'QuantitativeValue', value: measure.value, ...unitOf(measure.unit) } } : {}),
    });
  }
  return specs;
}

function unitOf(unit: string): { unitCode: string } | { unitText: string } {
  const code = UNIT_CODE[unit.toLowerCase()];
  return code ? { unitCode: code } : { unitText: unit };
}

interface OfferInput {
  record: ProductRecord;
  variant: Variant;
  url: string;
  full: boolean;
}

/**
 * The shipped offer, then one pickup offer per store in the buyer's country that holds the item: price,
 * shipping and pickup as the offer engine states them for this buyer (publish/offers.ts).
 */
function offersFor({ record, variant, url, full }: OfferInput, env: PublishEnv, nodes: NodeSet): OfferNode[] {
  // one unit as checkout charges it: automatic promotions included (the price before them is the strikethrough price)
  const price = offerPrice(env, { productId: record.product.id, variantId: variant.id, categories: record.product.categories, prices: variant.prices }, env.context);
  if (!price) return [];
  holdsUntil(env, price.validUntil ? new Date(price.validUntil) : undefined);
  const levels = record.levels.filter((l) => l.variantId === variant.id);
  const base: OfferNode = {
    '@type': 'Offer',
    ...(full ? { url } : {}),
    price: money(price.amount, price.currency),
    priceCurrency: price.currency,
    // only when the store knows when the price ends (a sale's validUntil): a regular price has no end
    // date, and none is invented (Google recommends priceValidUntil "if applicable").
    ...(price.validUntil ? { priceValidUntil: price.validUntil.slice(0, 10) } : {}),
    itemCondition: CONDITION[variant.condition],
    ...stockFields(summarizeStock(levels)),
  };
  if (!full) return [base];

  const specs = priceSpecification(price, variant);
  // tax for the buyer's destination: whether the price includes it, its rate, in the engine's words
  const tax = contextTax(env, env.context);
  if (tax) {
    specs.push({
      '@type': 'UnitPriceSpecification',
      price: money(price.amount, price.currency),
      priceCurrency: price.currency,
      ...(tax.configured ? { valueAddedTaxIncluded: tax.rate.included, taxRate: tax.rate.rate } : {}),
      description: taxNote(tax, destinationText(contextDestination(env.context)!)),
    } as UnitPriceSpecification);
  }
  if (specs.length) base.priceSpecification = specs;
  const productUrl = env.urls.product(record.product.id);
  const basket = { subtotal: price.amount, currency: price.currency, itemIds: [record.product.id, variant.id] };
  const shipping = destinationsFor(env, env.context, price.currency).flatMap((destination) => shippingOptions(env, destination, basket));
  for (const o of shipping) holdsUntil(env, o.window?.validUntil);
  if (shipping.length) {
    base.shippingDetails = shipping.map((option) => {
      // a rate made free by a promotion is a node of its own (its own @id)
      const node = shippingDetailsNode(productUrl, option);
      return nodes.once(node['@id'], () => node);
    }) as never;
  }
  const policies = returnPoliciesFor(env.policies, record.product.returnPolicyId, env.context.country);
  if (policies.length) {
    const refs = policies.map((p) => nodes.once(env.urls.returnPolicy(p.id), () => returnPolicyNode(p, servedBy(env), env.urls)));
    base.hasMerchantReturnPolicy = (refs.length === 1 ? refs[0] : refs) as never;
  }
  base.seller = nodes.once(env.urls.storeId, () => sellerNode(env.merchant, env.urls)) as never;

  const offers: OfferNode[] = [base];
  for (const pickup of pickupOptions(env, levels, env.context.country ? { country: env.context.country } : {})) {
    holdsUntil(env, pickup.ready?.validUntil);
    offers.push({
      '@type': 'Offer',
      url,
      price: base.price,
      priceCurrency: base.priceCurrency,
      itemCondition: base.itemCondition,
      availableDeliveryMethod: 'https://schema.org/OnSitePickup',
      availableAtOrFrom: nodes.once(env.urls.location(pickup.location.id), () => placeNode(pickup.location, env.urls)) as never,
      ...stockFields(pickup.stock),
      ...pickupFields(pickup),
      seller: { '@id': env.urls.storeId },
    });
  }
  return offers;
}

function images(media: ProductRecord['product']['media'], urls: Urls): ImageObject[] {
  return media
    .filter((m) => m.type === 'image')
    .map((m) => ({
      '@type': 'ImageObject',
      url: urls.absolute(m.url),
      contentUrl: urls.absolute(m.url),
      ...(m.alt ? { caption: m.alt } : {}),
      ...(m.width ? { width: { '@type': 'QuantitativeValue', value: m.width, unitCode: 'E37' } } : {}),
      ...(m.height ? { height: { '@type': 'QuantitativeValue', value: m.height, unitCode: 'E37' } } : {}),
      ...(m.mimeType ? { encodingFormat: m.mimeType } : {}),
    }));
}

function categories(record: ProductRecord): string[] {
  return record.product.categories.map((c) => c.path);
}

/** Colour, size, material, pattern as schema.org properties; other options as PropertyValues. */
function optionFields(variant: Variant): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const other: PropertyValue[] = [];
  for (const o of variant.options) {
    const prop = OPTION_PROPERTY[o.name.toLowerCase()];
    if (prop) out[prop] = o.value;
    else other.push({ '@type': 'PropertyValue', name: o.name, value: o.value });
  }
  if (other.length) out.additionalProperty = other;
  return out;
}

function physical(variant: Variant): Record<string, QuantitativeValue> {
  const out: Record<string, QuantitativeValue> = {};
  if (variant.weight) out.weight = { '@type': 'QuantitativeValue', value: variant.weight.value, unitCode: UNIT_CODE[variant.weight.unit]! };
  if (variant.dimensions) {
    const d = variant.dimensions;
    const q = (value: number): QuantitativeValue => ({ '@type': 'QuantitativeValue', value, unitCode: UNIT_CODE[d.unit]! });
    out.depth = q(d.length);
    out.width = q(d.width);
    out.height = q(d.height);
  }
  return out;
}

function identifiers(variant: Variant): Record<string, string> {
  return {
    ...(variant.sku ? { sku: variant.sku } : {}),
    ...(variant.gtin ? { gtin: variant.gtin } : {}),
    ...(variant.mpn ? { mpn: variant.mpn } : {}),
  };
}

function aggregate(record: ProductRecord, full: boolean): (SchemaAggregateRating & Ext) | undefined {
  const r = record.rating;
  if (!r) return undefined;
  return {
    '@type': 'AggregateRating',
    ratingValue: r.value,
    reviewCount: r.count,
    ratingCount: r.count,
    bestRating: 5,
    worstRating: 1,
    ...(full ? { ratingHistogram: [...r.distribution] } : {}),
  };
}

/** Reviews are fragments of their product's document (verified-review credentials are about them). */
export function reviewId(productUrl: string, reviewIdValue: string): string {
  return `${productUrl}#review-${encodeURIComponent(reviewIdValue)}`;
}

function reviewNode(r: Review, productUrl: string): SchemaReview & Ext {
  return {
    '@type': 'Review',
    '@id': reviewId(productUrl, r.id),
    author: { '@type': 'Person', name: r.author },
    datePublished: r.date,
    ...(r.title ? { name: r.title } : {}),
    reviewBody: r.body,
    reviewRating: { '@type': 'Rating', ratingValue: r.rating, bestRating: r.bestRating, worstRating: r.worstRating },
    verifiedPurchase: r.verifiedPurchase,
  };
}

function certificationNode(c: ProductRecord['product']['certifications'][number], urls: Urls): SchemaCertification {
  return {
    '@type': 'Certification',
    name: c.name,
    issuedBy: { '@type': 'Organization', name: c.certifier },
    ...(c.identifier ? { certificationIdentification: c.identifier } : {}),
    ...(c.url ? { url: urls.absolute(c.url) } : {}),
    ...(c.validFrom ? { validFrom: c.validFrom } : {}),
    ...(c.validUntil ? { expires: c.validUntil } : {}),
  };
}

export interface RenderOptions {
  /** Full document (description, shipping, pickup, reviews) or the compact feed form. */
  full: boolean;
  reviews?: Review[];
}

/** Product or ProductGroup node for one record (no @context: callers wrap it). */
export function productNode(record: ProductRecord, env: PublishEnv, opts: RenderOptions, nodes = new NodeSet()): ProductNode {
  const { product } = record;
  const { urls } = env;
  const url = urls.product(product.id);
  const grouped = product.options.length > 0 || product.variants.length > 1;
  const brand = product.brand ? { '@type': 'Brand', name: product.brand } : undefined;
  // The compact (feed) form leaves out `url`: it equals @id, and feed pages are mostly URLs otherwise.
  const common: Record<string, unknown> = {
    '@id': url,
    ...(opts.full ? { url } : {}),
    name: product.title,
    ...(brand ? { brand } : {}),
  };
  const cats = categories(record);
  if (cats.length) common.category = cats.length === 1 ? cats[0] : cats;
  const imgs = images(product.media, urls);
  if (imgs.length) common.image = opts.full ? imgs : imgs[0]!.url;
  const rating = aggregate(record, opts.full);
  if (rating) common.aggregateRating = rating;
  const text = product.description.plain ?? product.description.markdown ?? product.description.html;
  if (opts.full) {
    if (text) common.description = text;
    if (product.tags.length) common.keywords = product.tags.join(', ');
    if (product.attributes.material) common.material = product.attributes.material;
    if (product.certifications.length) common.hasCertification = product.certifications.map((c) => certificationNode(c, urls));
    if (opts.reviews?.length) common.review = opts.reviews.map((r) => reviewNode(r, url));
    const other = Object.entries(product.attributes).filter(([k]) => k !== 'material');
    if (other.length) common.additionalProperty = other.map(([name, value]) => ({ '@type': 'PropertyValue', name, value }));
  }

  if (!grouped) {
    const variant = product.variants[0];
    return {
      '@type': 'Product',
      ...common,
      ...(variant ? { ...identifiers(variant), ...optionFields(variant), ...(opts.full ? physical(variant) : {}) } : {}),
      ...(variant ? { offers: offersFor({ record, variant, url, full: opts.full }, env, nodes) } : {}),
    } as ProductNode;
  }

  return {
    '@type': 'ProductGroup',
    ...common,
    productGroupID: product.id,
    variesBy: product.options.map((o) => {
      const prop = OPTION_PROPERTY[o.name.toLowerCase()];
      return prop ? `https://schema.org/${prop}` : o.name;
    }),
    hasVariant: product.variants.map((variant) => {
      const vurl = urls.variant(product.id, variant.id);
      // Each variant is a listing of its own (Google's product-variant rules): it carries its image
      // (its own, else the product's: a variant of a product with an image always has one), and in the
      // full form the product's brand and description and its group's id. The feed stays compact: the
      // image (its first URL) only, the rest is one dereference of the @id away.
      const own = images(variant.media, urls);
      const vimgs = own.length ? own : imgs;
      return {
        '@type': 'Product',
        '@id': vurl,
        ...(opts.full ? { url: vurl } : {}),
        name: variant.title ?? `${product.title} (${variant.options.map((o) => o.value).join(', ')})`,
        ...(opts.full && brand ? { brand } : {}),
        ...(opts.full && text ? { description: text } : {}),
        ...identifiers(variant),
        ...optionFields(variant),
        ...(vimgs.length ? { image: opts.full ? vimgs : vimgs[0]!.url } : {}),
        ...(opts.full ? physical(variant) : {}),
        isVariantOf: { '@id': url },
        ...(opts.full ? { inProductGroupWithID: product.id } : {}),
        offers: offersFor({ record, variant, url: vurl, full: opts.full }, env, nodes),
      };
    }),
  } as ProductNode;
}

/** The document served at /products/{id}. */
export function productDocument(record: ProductRecord, env: PublishEnv, reviews: Review[]): Record<string, unknown> {
  return { '@context': DOCUMENT_CONTEXT(env.urls), ...productNode(record, env, { full: true, reviews }) };
}
