/**
 * Wire types of ucpd's native feed (JSON Lines). schemas/ucpd-feed-v1.schema.json is the normative
 * definition; these types mirror it for the mapping code. CSV and Merchant Center feeds are converted to
 * these records too, so every format goes through one validator and one mapper.
 */

export interface WireMoney {
  amount: number;
  currency: string;
}

export interface WireAddress {
  street?: string;
  locality?: string;
  region?: string;
  postal_code?: string;
  country: string;
}

export interface WireMedia {
  type?: 'image' | 'video' | 'model';
  url: string;
  alt?: string;
  width?: number;
  height?: number;
  size?: number;
  mime_type?: string;
}

export interface WireStock {
  location_id?: string;
  on_hand?: number | null;
  low_stock_threshold?: number | null;
  restock_date?: string | null;
  backorder?: boolean;
  preorder?: boolean;
}

export interface HeaderRecord {
  type: 'header';
  format: 'ucpd-feed';
  version: 1;
  generated_at?: string;
  record_count?: number;
  description?: string;
}

export interface MerchantRecord {
  type: 'merchant';
  legal_name: string;
  name: string;
  url: string;
  logo?: string;
  description?: string;
  support?: { email?: string; phone?: string; url?: string };
  policies?: { privacy?: string; terms?: string; refund?: string; shipping?: string; faq?: string };
  country: string;
  currencies: string[];
  languages?: string[];
  vat_id?: string;
  registration_id?: string;
  address?: WireAddress;
}

export interface LocationRecord {
  type: 'location';
  id: string;
  name: string;
  kind: 'warehouse' | 'store';
  address: WireAddress;
  pickup?: boolean;
  phone?: string;
  hours?: { days: string[]; opens: string; closes: string }[];
  ships_to?: string[];
  priority?: number;
  time_zone?: string;
  business_days?: string[];
  holidays?: string[];
  pickup_ready_minutes?: number;
}

export interface ShippingRateRecord {
  type: 'shipping_rate';
  id: string;
  title: string;
  country: string;
  region?: string;
  postal_prefix?: string;
  service_level: string;
  price: WireMoney;
  handling_days?: { min: number; max: number };
  transit_days?: { min: number; max: number };
  cutoff_time?: string;
  time_zone?: string;
  ships_from?: string;
}

export interface TaxRateRecord {
  type: 'tax_rate';
  id: string;
  country: string;
  region?: string;
  postal_prefix?: string;
  /** Percent, e.g. 8.625. */
  rate: number;
  /** Default false: the tax is added at checkout. */
  included?: boolean;
  /** Default: the same as `included`. */
  shipping?: boolean;
  /** Default "VAT" when included, else "Sales tax". */
  name?: string;
}

export interface ReturnPolicyRecord {
  type: 'return_policy';
  id: string;
  default?: boolean;
  countries?: string[];
  category: 'finite' | 'unlimited' | 'not_permitted';
  window_days?: number;
  fees?: 'free' | 'customer_pays_shipping' | 'restocking_fee';
  shipping_fee?: WireMoney;
  restocking_fee_percent?: number;
  methods?: ('mail' | 'in_store' | 'kiosk')[];
  url?: string;
}

export interface WireVariant {
  id: string;
  sku?: string;
  gtin?: string;
  mpn?: string;
  title?: string;
  options?: Record<string, string>;
  condition?: 'new' | 'refurbished' | 'used';
  prices: { currency: string; amount: number; list_amount?: number; valid_until?: string }[];
  unit_pricing?: { measure: { value: number; unit: string }; base: { value: number; unit: string } };
  weight?: { value: number; unit: 'g' | 'kg' | 'oz' | 'lb' };
  dimensions?: { length: number; width: number; height: number; unit: 'mm' | 'cm' | 'm' | 'in' | 'ft' };
  media?: WireMedia[];
  inventory?: WireStock[];
  availability?: 'in_stock' | 'out_of_stock' | 'preorder' | 'backorder';
  availability_date?: string;
}

export interface ProductRecordWire {
  type: 'product';
  id: string;
  handle?: string;
  title: string;
  description?: string | { plain?: string; markdown?: string; html?: string };
  brand?: string;
  url?: string;
  categories?: { taxonomy: 'google' | 'merchant'; path: string; id?: string }[];
  tags?: string[];
  media?: WireMedia[];
  options?: { name: string; values: string[] }[];
  attributes?: Record<string, string>;
  return_policy_id?: string;
  certifications?: { name: string; certifier: string; identifier?: string; url?: string; valid_from?: string; valid_until?: string }[];
  shipping?: { country: string; region?: string; postal_prefix?: string; service?: string; price: WireMoney }[];
  variants: WireVariant[];
}

export interface InventoryRecord extends WireStock {
  type: 'inventory';
  variant_id?: string;
  sku?: string;
  adjust?: number;
}

export interface PriceRecord {
  type: 'price';
  variant_id?: string;
  sku?: string;
  currency: string;
  amount: number;
  list_amount?: number | null;
  valid_until?: string | null;
}

export interface ReviewRecord {
  type: 'review';
  id: string;
  product_id: string;
  variant_id?: string;
  rating: number;
  best_rating?: number;
  worst_rating?: number;
  title?: string;
  body: string;
  author: string;
  date: string;
  verified_purchase?: boolean;
}

export interface DiscountRecord {
  type: 'discount';
  code: string;
  discount_type: 'percentage' | 'fixed_amount';
  value: number;
  currency?: string;
  description?: string;
  starts_at?: string;
  ends_at?: string;
  /** Minimum merchandise subtotal, one per currency the code is valid in. */
  min_subtotal?: WireMoney | WireMoney[];
  first_order?: boolean;
  usage_limit?: number;
  per_buyer_limit?: number;
  eligible_ids?: string[];
  eligible_categories?: string[];
  countries?: string[];
  combinable?: boolean;
}

export interface PromotionRecord {
  type: 'promotion';
  id: string;
  promotion_type: 'free_shipping' | 'percentage' | 'fixed_amount';
  /** The currency of a fixed amount (or of the minimum); the promotion applies only to baskets in it. */
  currency?: string;
  description?: string;
  min_subtotal?: WireMoney;
  eligible_ids?: string[];
  countries?: string[];
  service_levels?: string[];
  value?: number;
  starts_at?: string;
  ends_at?: string;
}

export interface WireCustomerAddress {
  id: string;
  name?: string;
  street: string;
  locality: string;
  region?: string;
  postal_code: string;
  country: string;
}

export interface CustomerRecord {
  type: 'customer';
  id: string;
  name: string;
  email: string;
  addresses?: WireCustomerAddress[];
}

export interface AddressRecord extends WireCustomerAddress {
  type: 'address';
  customer_id: string;
}

export interface PaymentInstrumentRecord {
  type: 'payment_instrument';
  id: string;
  instrument_type: string;
  brand?: string;
  last_digits?: string;
  token: string;
  handler_id: string;
  customer_id?: string;
}

export interface DeleteRecord {
  type: 'delete';
  product_id: string;
}

export type FeedRecord =
  | HeaderRecord
  | MerchantRecord
  | LocationRecord
  | ShippingRateRecord
  | TaxRateRecord
  | ReturnPolicyRecord
  | ProductRecordWire
  | InventoryRecord
  | PriceRecord
  | ReviewRecord
  | DiscountRecord
  | PromotionRecord
  | CustomerRecord
  | AddressRecord
  | PaymentInstrumentRecord
  | DeleteRecord;

export type RecordType = FeedRecord['type'];

/** Where a record came from, for error messages: file and 1-based line. */
export interface SourceRef {
  file: string;
  line: number;
}

/** What a format reader yields: a record to validate, or a problem it found parsing the source. */
export type SourceItem = { ref: SourceRef; record: FeedRecord } | { ref: SourceRef; error: string; field?: string };

export interface FeedSource {
  readonly format: string;
  /** Human-readable origin (a path, "stdin", "request body"). */
  readonly description: string;
  /** Total bytes when known, for progress. */
  readonly totalBytes?: number;
  /** Bytes consumed so far. */
  bytesRead(): number;
  /** How to open this source again elsewhere (a worker thread); only file-backed sources have one. */
  readonly spec?: { target: string; format?: 'jsonl' | 'ucp-csv' | 'gmc'; currency: string };
  records(): AsyncIterable<SourceItem>;
}
