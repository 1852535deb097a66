/**
 * Importing a feed version: the ImportSession every store opens for one (all of a version's writes applied
 * atomically, nothing visible before commit), the options an import starts with, the collections replace
 * mode prunes, the outcome of each put, the catalog's origin (demo or feed) committed with it, and the
 * import history's records.
 */
import type { Customer, CustomerAddress, DiscountCode, Location, Merchant, PaymentInstrument, Promotion, ReturnPolicy, Review, ShippingRate, TaxRate } from '../catalog/model.js';
import type { InventoryInput, PriceInput } from './inventory-records.js';
import type { PreparedProduct } from './prepared.js';

export type PutOutcome = 'created' | 'updated' | 'unchanged';

export type Collection =
  | 'merchant'
  | 'locations'
  | 'shipping_rates'
  | 'tax_rates'
  | 'return_policies'
  | 'products'
  | 'reviews'
  | 'discounts'
  | 'promotions'
  | 'customers'
  | 'addresses'
  | 'payment_instruments';

export interface ImportOptions {
  format: string;
  mode: 'upsert' | 'replace';
  source: string;
  /**
   * Where the feed comes from: the bundled demo catalog, or anything else. Committed with the catalog
   * as its origin (see CATALOG_ORIGIN): the store holds the demo catalog after a demo import into an empty
   * store, in replace mode, or over the demo catalog; any other import makes it a real catalog.
   */
  origin?: 'demo' | 'feed';
}

/** Meta key of the catalog's origin, 'demo' or 'feed', written atomically with each import. */
export const CATALOG_ORIGIN = 'catalog_origin';

/**
 * One feed version applied atomically. Nothing is visible to readers until `commit`; `rollback` (or any
 * failure) leaves the store exactly as it was.
 */
export interface ImportSession {
  readonly importId: string;
  /** Variant id for a variant id or SKU, as this import sees the store (its own writes included). */
  resolveVariant(key: string): Promise<string | undefined>;
  putMerchant(merchant: Merchant): Promise<PutOutcome>;
  putLocation(location: Location): Promise<PutOutcome>;
  putShippingRate(rate: ShippingRate): Promise<PutOutcome>;
  putTaxRate(rate: TaxRate): Promise<PutOutcome>;
  putReturnPolicy(policy: ReturnPolicy): Promise<PutOutcome>;
  /** A product with its variants (see prepared.ts: serialised once, off the database thread). */
  putProduct(product: PreparedProduct): Promise<PutOutcome>;
  putReview(review: Review): Promise<PutOutcome>;
  putDiscount(discount: DiscountCode): Promise<PutOutcome>;
  putPromotion(promotion: Promotion): Promise<PutOutcome>;
  putCustomer(customer: Customer): Promise<PutOutcome>;
  putAddress(address: CustomerAddress): Promise<PutOutcome>;
  putPaymentInstrument(instrument: PaymentInstrument): Promise<PutOutcome>;
  setInventory(input: InventoryInput): Promise<PutOutcome>;
  setPrice(input: PriceInput): Promise<PutOutcome>;
  deleteProduct(id: string): Promise<boolean>;
  /** Replace mode: delete what this import did not put, in the given collections. Returns counts. */
  removeUnseen(collections: readonly Collection[]): Promise<Partial<Record<Collection, number>>>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

export interface ImportRecord {
  id: string;
  format: string;
  mode: string;
  source: string;
  startedAt: string;
  finishedAt?: string;
  status: 'applied' | 'failed' | 'dry_run';
  summary: unknown;
}
