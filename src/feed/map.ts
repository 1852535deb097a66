/** Validated wire records -> canonical catalog types. Pure; assumes validateRecord() passed. */
import type {
  Customer,
  CustomerAddress,
  DiscountCode,
  Location,
  Media,
  Merchant,
  PaymentInstrument,
  PostalAddress,
  Product,
  Promotion,
  ReturnPolicy,
  Review,
  ShippingRate,
  TaxRate,
  Variant,
} from '../catalog/model.js';
import type { InventoryInput, PriceInput } from '../store/store.js';
import type {
  AddressRecord,
  CustomerRecord,
  DiscountRecord,
  InventoryRecord,
  LocationRecord,
  MerchantRecord,
  PaymentInstrumentRecord,
  PriceRecord,
  ProductRecordWire,
  PromotionRecord,
  ReturnPolicyRecord,
  ReviewRecord,
  ShippingRateRecord,
  TaxRateRecord,
  WireAddress,
  WireCustomerAddress,
  WireMedia,
  WireStock,
  WireVariant,
} from './records.js';

// Optional fields may hold `undefined`: JSON.stringify drops them, so stored documents carry only what was given.

function address(a: WireAddress): PostalAddress {
  return { street: a.street, locality: a.locality, region: a.region, postalCode: a.postal_code, country: a.country };
}

function media(m: WireMedia): Media {
  return { type: m.type ?? 'image', url: m.url, alt: m.alt, width: m.width, height: m.height, size: m.size, mimeType: m.mime_type };
}

export function toMerchant(r: MerchantRecord): Merchant {
  return {
    legalName: r.legal_name,
    name: r.name,
    url: r.url,
    logo: r.logo,
    description: r.description,
    support: { ...r.support },
    policies: { ...r.policies },
    country: r.country,
    currencies: r.currencies,
    languages: r.languages ?? ['en'],
    vatId: r.vat_id,
    registrationId: r.registration_id,
    address: r.address ? address(r.address) : undefined,
  };
}

export function toLocation(r: LocationRecord): Location {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    address: address(r.address),
    pickup: r.pickup ?? false,
    hours: r.hours ?? [],
    phone: r.phone,
    shipsTo: r.ships_to,
    priority: r.priority,
    timeZone: r.time_zone,
    businessDays: r.business_days,
    holidays: r.holidays,
    pickupReadyMinutes: r.pickup_ready_minutes,
  };
}

export function toShippingRate(r: ShippingRateRecord): ShippingRate {
  return {
    id: r.id,
    title: r.title,
    country: r.country,
    region: r.region,
    postalPrefix: r.postal_prefix,
    serviceLevel: r.service_level,
    price: r.price.amount,
    currency: r.price.currency,
    handlingDays: r.handling_days,
    transitDays: r.transit_days,
    cutoffTime: r.cutoff_time,
    timeZone: r.time_zone,
    shipsFrom: r.ships_from,
  };
}

/** Defaults follow the two common kinds: VAT is included in prices and taxes shipping too; sales tax is added at checkout and often leaves shipping alone. */
export function toTaxRate(r: TaxRateRecord): TaxRate {
  const included = r.included ?? false;
  return {
    id: r.id,
    country: r.country,
    region: r.region,
    postalPrefix: r.postal_prefix,
    rate: r.rate,
    included,
    shipping: r.shipping ?? included,
    name: r.name ?? (included ? 'VAT' : 'Sales tax'),
  };
}

export function toReturnPolicy(r: ReturnPolicyRecord): ReturnPolicy {
  return {
    id: r.id,
    countries: r.countries ?? [],
    category: r.category,
    windowDays: r.window_days,
    fees: r.fees ?? 'free',
    shippingFee: r.shipping_fee,
    restockingFeePercent: r.restocking_fee_percent,
    methods: r.methods ?? ['mail'],
    url: r.url,
    isDefault: r.default ?? false,
  };
}

function variant(v: WireVariant): Variant {
  return {
    id: v.id,
    sku: v.sku,
    gtin: v.gtin,
    mpn: v.mpn,
    title: v.title,
    options: Object.entries(v.options ?? {}).map(([name, value]) => ({ name, value })),
    condition: v.condition ?? 'new',
    prices: v.prices.map((p) => ({ currency: p.currency, amount: p.amount, listAmount: p.list_amount, validUntil: p.valid_until })),
    unitPricing: v.unit_pricing,
    weight: v.weight,
    dimensions: v.dimensions,
    media: (v.media ?? []).map(media),
  };
}

function stock(variantId: string, s: WireStock): InventoryInput {
  return {
    variantId,
    locationId: s.location_id,
    onHand: s.on_hand === undefined ? 0 : s.on_hand,
    lowStockThreshold: s.low_stock_threshold,
    restockDate: s.restock_date,
    backorder: s.backorder ?? false,
    preorder: s.preorder ?? false,
  };
}

/** Stock stated as an availability (feeds without quantities): one level at the primary location. */
function availabilityStock(v: WireVariant): InventoryInput[] | undefined {
  if (!v.availability) return undefined;
  return [
    {
      variantId: v.id,
      onHand: v.availability === 'in_stock' ? null : 0,
      restockDate: v.availability_date ?? null,
      backorder: v.availability === 'backorder',
      preorder: v.availability === 'preorder',
      lowStockThreshold: null,
    },
  ];
}

export function toProduct(r: ProductRecordWire): { product: Product; inventory: Map<string, InventoryInput[]> } {
  const description = typeof r.description === 'string' ? { plain: r.description } : { ...r.description };
  const product: Product = {
    id: r.id,
    handle: r.handle,
    title: r.title,
    description,
    brand: r.brand,
    url: r.url,
    categories: r.categories ?? [],
    tags: r.tags ?? [],
    media: (r.media ?? []).map(media),
    options: r.options ?? [],
    attributes: r.attributes ?? {},
    returnPolicyId: r.return_policy_id,
    certifications: (r.certifications ?? []).map((c) => ({ name: c.name, certifier: c.certifier, identifier: c.identifier, url: c.url, validFrom: c.valid_from, validUntil: c.valid_until })),
    shippingOverrides: (r.shipping ?? []).map((s) => ({ country: s.country, region: s.region, postalPrefix: s.postal_prefix, service: s.service, price: s.price.amount, currency: s.price.currency })),
    variants: r.variants.map(variant),
  };
  const inventory = new Map<string, InventoryInput[]>();
  for (const v of r.variants) {
    const levels = v.inventory ? v.inventory.map((s) => stock(v.id, s)) : availabilityStock(v);
    if (levels) inventory.set(v.id, levels);
  }
  return { product, inventory };
}

/** `variantId` is resolved by the caller when the record names a SKU. */
export function toInventoryInput(r: InventoryRecord, variantId: string): InventoryInput {
  return {
    variantId,
    locationId: r.location_id,
    onHand: r.on_hand,
    adjust: r.adjust,
    lowStockThreshold: r.low_stock_threshold,
    restockDate: r.restock_date,
    backorder: r.backorder,
    preorder: r.preorder,
  };
}

export function toPriceInput(r: PriceRecord, variantId: string): PriceInput {
  return { variantId, currency: r.currency, amount: r.amount, listAmount: r.list_amount, validUntil: r.valid_until };
}

export function toReview(r: ReviewRecord): Review {
  return {
    id: r.id,
    productId: r.product_id,
    variantId: r.variant_id,
    rating: r.rating,
    bestRating: r.best_rating ?? 5,
    worstRating: r.worst_rating ?? 1,
    title: r.title,
    body: r.body,
    author: r.author,
    date: r.date,
    verifiedPurchase: r.verified_purchase ?? false,
  };
}

export function toDiscount(r: DiscountRecord): DiscountCode {
  return {
    code: r.code,
    type: r.discount_type,
    value: r.value,
    currency: r.currency,
    description: r.description ?? r.code,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    minSubtotal: r.min_subtotal === undefined ? undefined : Object.fromEntries((Array.isArray(r.min_subtotal) ? r.min_subtotal : [r.min_subtotal]).map((m) => [m.currency, m.amount])),
    firstOrder: r.first_order,
    usageLimit: r.usage_limit,
    perBuyerLimit: r.per_buyer_limit,
    eligibleIds: r.eligible_ids,
    eligibleCategories: r.eligible_categories,
    countries: r.countries,
    combinable: r.combinable,
  };
}

export function toPromotion(r: PromotionRecord): Promotion {
  return {
    id: r.id,
    type: r.promotion_type,
    description: r.description ?? r.id,
    minSubtotal: r.min_subtotal?.amount,
    currency: r.currency ?? r.min_subtotal?.currency,
    eligibleIds: r.eligible_ids ?? [],
    countries: r.countries ?? [],
    ...(r.service_levels ? { serviceLevels: r.service_levels } : {}),
    value: r.value,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
  };
}

export function toCustomer(r: CustomerRecord): Customer {
  return { id: r.id, name: r.name, email: r.email.toLowerCase() };
}

export function toAddress(a: WireCustomerAddress, customerId: string): CustomerAddress {
  return {
    id: a.id,
    customerId,
    name: a.name,
    street: a.street,
    locality: a.locality,
    region: a.region,
    postalCode: a.postal_code,
    country: a.country,
  };
}

export function toAddressRecord(r: AddressRecord): CustomerAddress {
  return toAddress(r, r.customer_id);
}

export function toPaymentInstrument(r: PaymentInstrumentRecord): PaymentInstrument {
  return {
    id: r.id,
    type: r.instrument_type,
    brand: r.brand,
    lastDigits: r.last_digits,
    token: r.token,
    handlerId: r.handler_id,
    customerId: r.customer_id,
  };
}
