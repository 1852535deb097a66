/**
 * The canonical catalog: what ucpd knows about a store, independent of any wire format.
 *
 * Conventions: money is integer minor units with an ISO 4217 code; countries are ISO 3166-1 alpha-2;
 * times are RFC 3339 UTC strings; URLs are absolute or start with "/" (resolved against the public base
 * URL when published). Feed formats map into these types (src/feed); JSON-LD and UCP map out of them.
 */

export interface PostalAddress {
  street?: string;
  locality?: string;
  region?: string;
  postalCode?: string;
  country: string;
}

export interface Merchant {
  legalName: string;
  name: string;
  url: string;
  logo?: string;
  description?: string;
  support: { email?: string; phone?: string; url?: string };
  policies: { privacy?: string; terms?: string; refund?: string; shipping?: string; faq?: string };
  /** Country of establishment. */
  country: string;
  /** Currencies the store sells in; the first is the default. */
  currencies: string[];
  languages: string[];
  vatId?: string;
  registrationId?: string;
  address?: PostalAddress;
}

export type MediaType = 'image' | 'video' | 'model';

export interface Media {
  type: MediaType;
  url: string;
  alt?: string;
  width?: number;
  height?: number;
  /** Bytes, when known. */
  size?: number;
  mimeType?: string;
}

export type Taxonomy = 'google' | 'merchant';

export interface Category {
  taxonomy: Taxonomy;
  /** Hierarchical path with " > " separators, e.g. "Apparel & Accessories > Clothing > Outerwear". */
  path: string;
  /** Numeric id in the taxonomy when known (Google product category ids). */
  id?: string;
}

export interface ProductOption {
  /** e.g. "Size", "Color". */
  name: string;
  values: string[];
}

export interface OptionValue {
  name: string;
  value: string;
}

export interface Certification {
  name: string;
  certifier: string;
  identifier?: string;
  url?: string;
  validFrom?: string;
  validUntil?: string;
}

export type Condition = 'new' | 'refurbished' | 'used';

export interface Price {
  currency: string;
  /** Selling price, minor units. */
  amount: number;
  /** Regular ("compare at") price when the item is on sale. */
  listAmount?: number;
  /** The sale price holds until (RFC 3339). */
  validUntil?: string;
}

export type MassUnit = 'g' | 'kg' | 'oz' | 'lb';
export type LengthUnit = 'mm' | 'cm' | 'm' | 'in' | 'ft';

export interface Measure {
  value: number;
  unit: string;
}

export interface UnitPricing {
  /** The quantity sold, e.g. 750 ml. */
  measure: Measure;
  /** The reference quantity the unit price is quoted for, e.g. 100 ml. */
  base: Measure;
}

export interface Dimensions {
  length: number;
  width: number;
  height: number;
  unit: LengthUnit;
}

export interface Variant {
  id: string;
  sku?: string;
  gtin?: string;
  mpn?: string;
  title?: string;
  options: OptionValue[];
  condition: Condition;
  prices: Price[];
  unitPricing?: UnitPricing;
  weight?: { value: number; unit: MassUnit };
  dimensions?: Dimensions;
  media: Media[];
}

/** Per-product shipping price for a destination (Google Merchant Center's `shipping` attribute). */
export interface ShippingOverride {
  country: string;
  region?: string;
  postalPrefix?: string;
  service?: string;
  price: number;
  currency: string;
}

export interface Product {
  id: string;
  handle?: string;
  title: string;
  description: { plain?: string; markdown?: string; html?: string };
  brand?: string;
  /** The product's page on the merchant's own site, if it has one. */
  url?: string;
  categories: Category[];
  tags: string[];
  media: Media[];
  options: ProductOption[];
  /** Free-form comparable attributes: material, gender, age_group, pattern, ... */
  attributes: Record<string, string>;
  /** Overrides the store's default return policy. */
  returnPolicyId?: string;
  certifications: Certification[];
  shippingOverrides: ShippingOverride[];
  variants: Variant[];
}

export type LocationKind = 'warehouse' | 'store';

export interface OpeningHours {
  /** schema.org day names: Monday ... Sunday. */
  days: string[];
  opens: string; // "09:00"
  closes: string; // "18:00"
}

export interface Location {
  id: string;
  name: string;
  kind: LocationKind;
  address: PostalAddress;
  pickup: boolean;
  hours: OpeningHours[];
  phone?: string;
  /** Countries this location ships to (empty = all served countries). */
  shipsTo?: string[];
  /** Fulfilment order: lower ships first. Default: warehouses (0) before stores (100). */
  priority?: number;
  /** IANA time zone: opening hours, cutoffs and business days are local to it. */
  timeZone?: string;
  /** Days orders are handled here (schema.org day names); default Monday to Friday. */
  businessDays?: string[];
  /** Local dates (YYYY-MM-DD) with no handling, shipping or pickup. */
  holidays?: string[];
  /** Opening-hours minutes to prepare a pickup order (default 120). */
  pickupReadyMinutes?: number;
}

export interface InventoryLevel {
  variantId: string;
  locationId: string;
  /** null = stock is not tracked for this item here (sold without a quantity limit). */
  onHand: number | null;
  reserved: number;
  lowStockThreshold?: number;
  /** Expected restock date (RFC 3339 date or date-time). */
  restockDate?: string;
  backorder: boolean;
  preorder: boolean;
  /** When the quantity last changed. */
  updatedAt: string;
  /** When the retailer last confirmed this level (a feed or stock update that re-states it). */
  syncedAt: string;
}

export interface DayRange {
  min: number;
  max: number;
}

export interface ShippingRate {
  id: string;
  title: string;
  /** ISO country code, or "*" for the default rate that applies where no country-specific rate exists. */
  country: string;
  region?: string;
  postalPrefix?: string;
  serviceLevel: string; // "standard" | "express" | ...
  price: number;
  currency: string;
  handlingDays?: DayRange;
  transitDays?: DayRange;
  /** Orders placed before this local time ship the same business day, "HH:MM". */
  cutoffTime?: string;
  /** Time zone of the cutoff; default the ships-from location's. */
  timeZone?: string;
  /** The location orders ship from; default the first warehouse. */
  shipsFrom?: string;
}

/**
 * A tax rate for a destination: country, optionally a region (ISO 3166-2 subdivision code without the
 * country prefix) or a postal-code prefix. The most specific rate that matches a destination applies
 * (postal prefix over region over country).
 */
export interface TaxRate {
  id: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
  region?: string;
  postalPrefix?: string;
  /** Percent, e.g. 8.625 or 19. */
  rate: number;
  /** true: prices already include it (EU VAT); false: it is added at checkout (US sales tax). */
  included: boolean;
  /** Whether shipping is taxed at this rate too. */
  shipping: boolean;
  /** How it is called on receipts, e.g. "VAT", "Sales tax", "HST". */
  name: string;
}

export type ReturnCategory = 'finite' | 'unlimited' | 'not_permitted';
export type ReturnFees = 'free' | 'customer_pays_shipping' | 'restocking_fee';
export type ReturnMethod = 'mail' | 'in_store' | 'kiosk';

export interface ReturnPolicy {
  id: string;
  /** Countries the policy applies to; empty = everywhere the store sells. */
  countries: string[];
  category: ReturnCategory;
  windowDays?: number;
  fees: ReturnFees;
  /** Return shipping fee the customer pays, when fees = customer_pays_shipping. */
  shippingFee?: { amount: number; currency: string };
  /** Restocking fee as a percentage of the item price (0..100). */
  restockingFeePercent?: number;
  methods: ReturnMethod[];
  url?: string;
  isDefault: boolean;
}

export interface Review {
  id: string;
  productId: string;
  variantId?: string;
  rating: number;
  bestRating: number;
  worstRating: number;
  title?: string;
  body: string;
  author: string;
  /** RFC 3339 date or date-time. */
  date: string;
  verifiedPurchase: boolean;
}

export interface AggregateRating {
  /** Mean rating normalised to a 1..5 scale, rounded to 2 decimals. */
  value: number;
  count: number;
  /** Number of reviews per star, index 0 = 1 star ... index 4 = 5 stars. */
  distribution: [number, number, number, number, number];
}

export type DiscountType = 'percentage' | 'fixed_amount';

/** Conditions a discount code sets on the order and the buyer (all optional; absent = no condition). */
export interface DiscountConditions {
  /** Minimum merchandise subtotal per currency, minor units; a code with minimums is valid only in those currencies. */
  minSubtotal?: Record<string, number>;
  /** Only a buyer's first order (the buyer is known by email). */
  firstOrder?: boolean;
  /** Completed orders that may use the code, in total. */
  usageLimit?: number;
  /** Completed orders one buyer (by email) may use it on. */
  perBuyerLimit?: number;
  /** Products or variants it discounts; with `eligibleCategories`, either qualifies. Absent: everything. */
  eligibleIds?: string[];
  /** Category paths it discounts (a parent covers its children). */
  eligibleCategories?: string[];
  /** Destination countries (ISO 3166-1 alpha-2) it applies to. */
  countries?: string[];
  /** false: the code applies only alone (no other code with it). Default true. */
  combinable?: boolean;
}

export interface DiscountCode extends DiscountConditions {
  code: string;
  type: DiscountType;
  /** Percent (0..100) for percentage; minor units for fixed_amount. */
  value: number;
  currency?: string;
  description: string;
  startsAt?: string;
  endsAt?: string;
}

export type PromotionType = 'free_shipping' | 'percentage' | 'fixed_amount';

export interface Promotion {
  id: string;
  type: PromotionType;
  description: string;
  /** Order subtotal (minor units, store default currency unless `currency`) that unlocks it. */
  minSubtotal?: number;
  currency?: string;
  /** Products (or variants) it applies to; empty = all. */
  eligibleIds: string[];
  /** Destination countries it applies to; empty or absent = everywhere. */
  countries?: string[];
  /** Free shipping: the service levels it makes free (default ["standard"]). */
  serviceLevels?: string[];
  value?: number;
  startsAt?: string;
  endsAt?: string;
}

export interface Customer {
  id: string;
  name: string;
  email: string;
}

export interface CustomerAddress {
  id: string;
  customerId: string;
  name?: string;
  street: string;
  locality: string;
  region?: string;
  postalCode: string;
  country: string;
}

export interface PaymentInstrument {
  id: string;
  type: string;
  brand?: string;
  lastDigits?: string;
  /** Token the payment handler understands (test handlers only: never real card data). */
  token: string;
  handlerId: string;
  customerId?: string;
}
