/**
 * Merchant-listing rules over schema.org nodes: what Product, ProductGroup, Offer, OfferShippingDetails,
 * MerchantReturnPolicy, AggregateRating and Review must (errors) and should (warnings) carry for a
 * shopping agent to use a listing without guessing. Pure: nodes in, problems out.
 *
 * The required/recommended split follows Google's merchant listing structured data and schema.org's
 * definitions; on top of them, ucpd's own conventions for agents: prices as decimal strings with an ISO
 * 4217 currency, and availability that agrees with the stock level it states.
 *
 * Error or warning, and why:
 * - An error is what makes a listing ineligible (a property Google's merchant listing requires) or a
 *   stated fact wrong or unreadable (a price that is not a decimal, availability against the stock
 *   level). A warning is a property Google recommends: the listing works without it, with less detail.
 * - Product groups (Google's product-variant rules). A ProductGroup needs name, productGroupID and
 *   hasVariant (errors); variesBy, description and brand are warnings. Every variant (a Product under
 *   hasVariant, or one with isVariantOf / inProductGroupWithID) is a listing of its own: name, image and
 *   offers are errors when missing, and the image must be the variant's OWN. A group's image is not
 *   inherited: Google's validator reports a variant without one as an error, so this rule does too.
 *   Warnings per variant: brand, description and inProductGroupWithID (Google does not carry these down
 *   from the group either), plus gtin/mpn and sku as for any product. An inProductGroupWithID that is
 *   not its group's productGroupID is an error: it files the variant under another group.
 * - Offers (`offerRules`): price, priceCurrency and availability are errors; itemCondition a warning.
 * - priceValidUntil (`priceValidityRules`, a rule of its own): Google recommends it "if applicable",
 *   and it is only applicable to a price that ends (a sale with an end date). Publishers must not
 *   invent one, so on a store with regular prices every offer warns: the warning is about data the
 *   store does not have. It therefore stays out of `offerRules`, whose warnings `ucpd check` reports as
 *   recommended properties a store should add, and is run by callers that want Google's full list.
 *   It covers shipped offers only: a pickup offer (availableDeliveryMethod OnSitePickup) restates the
 *   shipped offer's price for one store's stock, and when that price ends is the shipped offer's to say.
 * - Shipping: a shippingDestination with addressCountry is required. addressRegion and postalCode
 *   (postalCodePrefix, postalCodeRange) are NOT asked for, not even as warnings: Google lists them as
 *   optional, and a country-wide rate has neither; a warning would push publishers to invent a region.
 */
import { isCurrencyCode } from '../catalog/money.js';
import { children, first, has, is, label, local, values, type LdNode } from './nodes.js';

export interface Problem {
  at: string;
  message: string;
}

export interface RuleResult {
  /** How many nodes the rule looked at. */
  checked: number;
  errors: Problem[];
  warnings: Problem[];
}

const result = (): RuleResult => ({ checked: 0, errors: [], warnings: [] });
const p = (n: LdNode, message: string): Problem => ({ at: label(n), message });

/** A reference-only value (`{"@id": ...}`) is not a node to judge here. */
const substantial = (n: LdNode) => Object.keys(n.raw).some((k) => k !== '@id' && k !== '@type');

const isVariant = (n: LdNode) => n.via === 'hasVariant' || has(n, 'isVariantOf') || has(n, 'inProductGroupWithID');

/** A variant is judged as a listing of its own: nothing is inherited from its group (its image: see productRules). */
function variantRules(n: LdNode, r: RuleResult): void {
  if (!has(n, 'brand')) r.warnings.push(p(n, 'variant has no brand'));
  if (!has(n, 'description')) r.warnings.push(p(n, 'variant has no description'));
  if (!has(n, 'inProductGroupWithID')) r.warnings.push(p(n, 'variant has no inProductGroupWithID'));
  else if (n.via === 'hasVariant' && n.parent && has(n.parent, 'productGroupID')) {
    const mine = first(n, 'inProductGroupWithID');
    const group = first(n.parent, 'productGroupID');
    if (String(mine) !== String(group)) r.errors.push(p(n, `inProductGroupWithID ${JSON.stringify(mine)} is not its group's productGroupID ${JSON.stringify(group)}`));
  }
}

export function productRules(nodes: LdNode[]): RuleResult {
  const r = result();
  for (const n of nodes) {
    if (!substantial(n)) continue;
    if (is(n, 'ProductGroup')) {
      r.checked++;
      if (!has(n, 'name')) r.errors.push(p(n, 'ProductGroup has no name'));
      if (!has(n, 'productGroupID')) r.errors.push(p(n, 'ProductGroup has no productGroupID'));
      if (!has(n, 'hasVariant')) r.errors.push(p(n, 'ProductGroup has no hasVariant'));
      if (!has(n, 'variesBy')) r.warnings.push(p(n, 'ProductGroup has no variesBy'));
      if (!has(n, 'description')) r.warnings.push(p(n, 'ProductGroup has no description'));
      if (!has(n, 'brand')) r.warnings.push(p(n, 'ProductGroup has no brand'));
    } else if (is(n, 'Product', 'IndividualProduct', 'ProductModel', 'SomeProducts', 'Vehicle')) {
      r.checked++;
      const variant = isVariant(n);
      if (!has(n, 'name')) r.errors.push(p(n, 'Product has no name'));
      if (!has(n, 'image')) r.errors.push(p(n, variant ? 'variant has no image of its own (its group image does not count)' : 'Product has no image'));
      if (!has(n, 'offers')) r.errors.push(p(n, 'Product has no offers'));
      if (!has(n, 'gtin') && !has(n, 'gtin8') && !has(n, 'gtin12') && !has(n, 'gtin13') && !has(n, 'gtin14') && !has(n, 'mpn')) r.warnings.push(p(n, 'Product has neither gtin nor mpn'));
      if (!has(n, 'sku')) r.warnings.push(p(n, 'Product has no sku'));
      if (variant) variantRules(n, r);
      else {
        if (!has(n, 'description')) r.warnings.push(p(n, 'Product has no description'));
        if (!has(n, 'brand')) r.warnings.push(p(n, 'Product has no brand'));
      }
    }
  }
  return r;
}

/** The price and currency an Offer states, directly or through a priceSpecification. */
function offerPrice(n: LdNode): { price: unknown; currency: unknown } {
  let price = first(n, 'price');
  let currency = first(n, 'priceCurrency');
  for (const spec of children(n, 'priceSpecification')) {
    price ??= first(spec, 'price');
    currency ??= first(spec, 'priceCurrency');
  }
  return { price, currency };
}

export function offerRules(nodes: LdNode[]): RuleResult {
  const r = result();
  for (const n of nodes) {
    if (!is(n, 'Offer') || !substantial(n)) continue;
    r.checked++;
    const { price, currency } = offerPrice(n);
    if (price === undefined) r.errors.push(p(n, 'Offer has no price (nor priceSpecification.price)'));
    if (currency === undefined) r.errors.push(p(n, 'Offer has no priceCurrency'));
    if (!has(n, 'availability')) r.errors.push(p(n, 'Offer has no availability'));
    if (!has(n, 'itemCondition')) r.warnings.push(p(n, 'Offer has no itemCondition'));
  }
  return r;
}

/** A pickup offer: the item handed over at a store (availableDeliveryMethod OnSitePickup). */
const isPickup = (n: LdNode) =>
  values(n, 'availableDeliveryMethod').some((v) => {
    const o = (v && typeof v === 'object' ? v : {}) as { '@id'?: unknown; '@value'?: unknown };
    const iri = o['@id'] ?? o['@value'] ?? v;
    return typeof iri === 'string' && local(iri) === 'OnSitePickup';
  });

/**
 * priceValidUntil on every shipped (non-pickup) Offer: Google's recommendation, kept apart from
 * `offerRules` because a price without an end date has none to state (see the header).
 */
export function priceValidityRules(nodes: LdNode[]): RuleResult {
  const r = result();
  for (const n of nodes) {
    if (!is(n, 'Offer') || !substantial(n) || isPickup(n)) continue;
    r.checked++;
    if (!has(n, 'priceValidUntil')) r.warnings.push(p(n, 'Offer has no priceValidUntil'));
  }
  return r;
}

export function shippingRules(nodes: LdNode[]): RuleResult {
  const r = result();
  for (const n of nodes) {
    if (!is(n, 'OfferShippingDetails') || !substantial(n)) continue;
    r.checked++;
    const dest = children(n, 'shippingDestination');
    if (!dest.length) r.errors.push(p(n, 'OfferShippingDetails has no shippingDestination'));
    else if (!dest.every((d) => has(d, 'addressCountry'))) r.errors.push(p(n, 'shippingDestination has no addressCountry'));
    if (first(n, 'doesNotShip') !== true) {
      const rate = children(n, 'shippingRate');
      if (!rate.length) r.errors.push(p(n, 'OfferShippingDetails has no shippingRate (and does not say doesNotShip)'));
      else for (const x of rate) if (!has(x, 'currency') || !(has(x, 'value') || has(x, 'maxValue'))) r.errors.push(p(n, 'shippingRate needs a value and a currency'));
      const time = children(n, 'deliveryTime');
      if (!time.length) r.warnings.push(p(n, 'OfferShippingDetails has no deliveryTime'));
      else if (!time.every((t) => has(t, 'handlingTime') && has(t, 'transitTime'))) r.warnings.push(p(n, 'deliveryTime should state handlingTime and transitTime'));
    }
  }
  return r;
}

const RETURN_CATEGORIES = ['MerchantReturnFiniteReturnWindow', 'MerchantReturnNotPermitted', 'MerchantReturnUnlimitedWindow', 'MerchantReturnUnspecified'];

export function returnPolicyRules(nodes: LdNode[]): RuleResult {
  const r = result();
  for (const n of nodes) {
    if (!is(n, 'MerchantReturnPolicy') || !substantial(n)) continue;
    r.checked++;
    const category = first(n, 'returnPolicyCategory');
    const name = typeof category === 'string' ? category.replace(/^https?:\/\/schema\.org\//, '') : undefined;
    if (category === undefined) r.errors.push(p(n, 'MerchantReturnPolicy has no returnPolicyCategory'));
    else if (!name || !RETURN_CATEGORIES.includes(name)) r.errors.push(p(n, `returnPolicyCategory ${JSON.stringify(category)} is not a MerchantReturnEnumeration member`));
    if (!has(n, 'applicableCountry')) r.errors.push(p(n, 'MerchantReturnPolicy has no applicableCountry'));
    if (name === 'MerchantReturnFiniteReturnWindow') {
      const days = first(n, 'merchantReturnDays');
      if (days === undefined) r.errors.push(p(n, 'a finite return window needs merchantReturnDays'));
      else if (typeof days !== 'number' || !Number.isInteger(days) || days < 0) r.errors.push(p(n, `merchantReturnDays ${JSON.stringify(days)} is not a whole number of days`));
    }
    if (name && name !== 'MerchantReturnNotPermitted') {
      if (!has(n, 'returnMethod')) r.warnings.push(p(n, 'MerchantReturnPolicy has no returnMethod'));
      if (!has(n, 'returnFees')) r.warnings.push(p(n, 'MerchantReturnPolicy has no returnFees'));
    }
  }
  return r;
}

function bounds(n: LdNode): { best: number; worst: number } {
  const best = Number(first(n, 'bestRating') ?? 5);
  const worst = Number(first(n, 'worstRating') ?? 1);
  return { best, worst };
}

export function ratingRules(nodes: LdNode[]): RuleResult {
  const r = result();
  for (const n of nodes) {
    if (!substantial(n)) continue;
    if (is(n, 'AggregateRating')) {
      r.checked++;
      const value = Number(first(n, 'ratingValue'));
      const { best, worst } = bounds(n);
      if (!has(n, 'ratingValue')) r.errors.push(p(n, 'AggregateRating has no ratingValue'));
      else if (!Number.isFinite(value) || value < worst || value > best) r.errors.push(p(n, `ratingValue ${String(first(n, 'ratingValue'))} is outside ${worst}..${best}`));
      if (!has(n, 'ratingCount') && !has(n, 'reviewCount')) r.errors.push(p(n, 'AggregateRating has neither ratingCount nor reviewCount'));
      const count = Number(first(n, 'ratingCount') ?? first(n, 'reviewCount'));
      if (has(n, 'ratingCount') || has(n, 'reviewCount')) if (!Number.isInteger(count) || count < 0) r.errors.push(p(n, 'the rating count is not a non-negative whole number'));
    } else if (is(n, 'Review')) {
      r.checked++;
      const author = children(n, 'author');
      if (!author.length) r.errors.push(p(n, 'Review has no author'));
      else if (!author.every((a) => has(a, 'name'))) r.errors.push(p(n, 'Review author has no name'));
      const rating = children(n, 'reviewRating');
      if (!rating.length) r.errors.push(p(n, 'Review has no reviewRating'));
      for (const x of rating) {
        const value = Number(first(x, 'ratingValue'));
        const { best, worst } = bounds(x);
        if (!Number.isFinite(value) || value < worst || value > best) r.errors.push(p(n, `reviewRating ${String(first(x, 'ratingValue'))} is outside ${worst}..${best}`));
      }
      if (!has(n, 'datePublished')) r.warnings.push(p(n, 'Review has no datePublished'));
    }
  }
  return r;
}

const DECIMAL = /^\d+(\.\d+)?$/;

/** Every price (Offer, PriceSpecification, MonetaryAmount) a decimal string with an ISO 4217 currency. */
export function priceRules(nodes: LdNode[]): RuleResult {
  const r = result();
  const judge = (n: LdNode, value: unknown, currency: unknown, what: string, currencyProp: string) => {
    if (value === undefined) return;
    r.checked++;
    if (typeof value !== 'string') r.errors.push(p(n, `${what} ${JSON.stringify(value)} is a JSON ${typeof value}, not a decimal string`));
    else if (!DECIMAL.test(value)) r.errors.push(p(n, `${what} "${value}" is not a plain decimal (digits, optional "." and decimals; no symbols, no thousands separators)`));
    if (currency === undefined) r.errors.push(p(n, `${what} has no ${currencyProp}`));
    else if (typeof currency !== 'string' || !isCurrencyCode(currency)) r.errors.push(p(n, `${currencyProp} ${JSON.stringify(currency)} is not an ISO 4217 code`));
  };
  const amount = (n: LdNode, valueProp: string, currencyProp: string, what: string) => judge(n, first(n, valueProp), first(n, currencyProp), what, currencyProp);
  for (const n of nodes) {
    if (is(n, 'Offer', 'AggregateOffer')) {
      // the currency may sit in a priceSpecification
      judge(n, first(n, 'price'), offerPrice(n).currency, 'price', 'priceCurrency');
      if (is(n, 'AggregateOffer')) {
        amount(n, 'lowPrice', 'priceCurrency', 'lowPrice');
        amount(n, 'highPrice', 'priceCurrency', 'highPrice');
      }
    } else if (is(n, 'PriceSpecification', 'UnitPriceSpecification', 'CompoundPriceSpecification')) amount(n, 'price', 'priceCurrency', 'price');
    else if (is(n, 'MonetaryAmount')) amount(n, 'value', 'currency', `${n.via ?? 'MonetaryAmount'} value`);
  }
  return r;
}

const ITEM_AVAILABILITY = ['BackOrder', 'Discontinued', 'InStock', 'InStoreOnly', 'LimitedAvailability', 'MadeToOrder', 'OnlineOnly', 'OutOfStock', 'PreOrder', 'PreSale', 'Reserved', 'SoldOut'];
const SELLABLE_NOW = ['InStock', 'InStoreOnly', 'LimitedAvailability', 'OnlineOnly'];
const NONE_LEFT = ['OutOfStock', 'SoldOut', 'Discontinued'];

/** availability is an ItemAvailability member and agrees with inventoryLevel. */
export function availabilityRules(nodes: LdNode[]): RuleResult {
  const r = result();
  for (const n of nodes) {
    if (!is(n, 'Offer') || !has(n, 'availability')) continue;
    r.checked++;
    const raw = first(n, 'availability');
    const name = typeof raw === 'string' ? raw.replace(/^(https?:\/\/schema\.org\/|schema:)/, '') : '';
    if (!ITEM_AVAILABILITY.includes(name) || name === raw) {
      r.errors.push(p(n, `availability ${JSON.stringify(raw)} is not a schema.org ItemAvailability IRI`));
      continue;
    }
    const level = children(n, 'inventoryLevel')[0];
    const v = level ? first(level, 'value') : first(n, 'inventoryLevel');
    if (v === undefined) continue;
    const qty = Number(v);
    if (!Number.isFinite(qty)) r.errors.push(p(n, `inventoryLevel ${JSON.stringify(v)} is not a number`));
    else if (qty > 0 && NONE_LEFT.includes(name)) r.errors.push(p(n, `availability ${name} but inventoryLevel ${qty}`));
    else if (qty <= 0 && SELLABLE_NOW.includes(name)) r.errors.push(p(n, `availability ${name} but inventoryLevel ${qty}`));
  }
  return r;
}

/** All `values` of a property that are references (`@id`s). */
export function references(n: LdNode, prop: string): string[] {
  return values(n, prop)
    .map((v) => (v && typeof v === 'object' ? (v as { '@id'?: unknown })['@id'] : undefined))
    .filter((x): x is string => typeof x === 'string');
}
