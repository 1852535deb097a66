/**
 * The Store contract, one capability at a time: catalog reads, the change log, customers, stock and
 * prices, API tokens, feed imports and their history, verifiable credentials, meta and write health,
 * search, and UCP commerce; Store is all of them plus `kind` and `close`. Every method is async so that a
 * networked database fits without changing callers. The shapes the methods take and return live in the
 * *-records.ts files and catalog-import.ts next to this one; importers use store.ts, which re-exports all.
 */
import type {
  Customer,
  CustomerAddress,
  DiscountCode,
  InventoryLevel,
  Location,
  Merchant,
  PaymentInstrument,
  Price,
  Promotion,
  ReturnPolicy,
  Review,
  ShippingRate,
  TaxRate,
} from '../catalog/model.js';
import type { ImportOptions, ImportRecord, ImportSession } from './catalog-import.js';
import type { ChangeEntry, ProductKey, ProductKeyPage, ProductListQuery, ProductPage, ProductRecord, ResolvedKey, SearchQuery, SearchResult, VariantRef } from './catalog-records.js';
import type { CompleteInput, CompleteResult, DiscountUsageCounts, IdempotencyBegin, OrderRecord, OutboxInsert, OutboxRecord, SessionRecord, StoredResponse } from './commerce-records.js';
import type { CredentialQuery, CredentialRecord, StatusListRecord, TokenRecord } from './credential-records.js';
import type { InventoryInput, PriceInput, ReserveLine, ReserveResult, StockChange } from './inventory-records.js';

export interface CatalogReader {
  getMerchant(): Promise<Merchant | undefined>;
  listLocations(): Promise<Location[]>;
  listShippingRates(): Promise<ShippingRate[]>;
  listTaxRates(): Promise<TaxRate[]>;
  listReturnPolicies(): Promise<ReturnPolicy[]>;
  listPromotions(): Promise<Promotion[]>;
  listDiscounts(): Promise<DiscountCode[]>;
  getDiscount(code: string): Promise<DiscountCode | undefined>;
  getProduct(id: string): Promise<ProductRecord | undefined>;
  getProducts(ids: readonly string[]): Promise<ProductRecord[]>;
  /** The id of the product with this handle (URL slug), if any. */
  findProductByHandle(handle: string): Promise<string | undefined>;
  /**
   * Resolve many identifiers at once: product ids, then variant ids, SKUs, GTINs and product handles
   * (first match wins), each to its product and current product version; unknown keys are absent.
   */
  resolveKeys(keys: readonly string[]): Promise<Map<string, ResolvedKey>>;
  /** Resolve a variant id, SKU or GTIN to its product. */
  findVariant(key: string): Promise<VariantRef | undefined>;
  listProducts(query: ProductListQuery): Promise<ProductPage>;
  /** The same page as listProducts, versions only (cheap: no documents are read). */
  listProductKeys(query: ProductListQuery): Promise<ProductKeyPage>;
  /** Current version of one product, without reading it. */
  getProductKey(id: string): Promise<ProductKey | undefined>;
  /** Ids of products deleted at or after `since`, with the deletion time. */
  listDeletedProducts(since: string, limit: number, after?: string): Promise<{ id: string; at: string }[]>;
  countProducts(): Promise<number>;
  listReviews(productId: string, limit: number): Promise<Review[]>;
  /** Every product, in id order, in pages; for whole-catalog jobs (quality report, sitemaps). */
  scanProducts(batchSize?: number): AsyncIterable<ProductRecord>;
}

export interface ChangeLog {
  /** Changes with seq > since, in order. */
  listChanges(since: number, limit: number): Promise<ChangeEntry[]>;
  lastSeq(): Promise<number>;
  /** The last change to store-wide data (merchant, locations, rates, policies, promotions); seq 0 if none. */
  storeVersion(): Promise<{ seq: number; at?: string }>;
}

export interface CustomerStore {
  findCustomerByEmail(email: string): Promise<Customer | undefined>;
  listAddresses(customerId: string): Promise<CustomerAddress[]>;
  listPaymentInstruments(): Promise<PaymentInstrument[]>;
}

export interface InventoryStore {
  getLevels(variantIds: readonly string[]): Promise<InventoryLevel[]>;
  /** Apply stock updates atomically: all or none. Unknown variant or location -> error, nothing applied. */
  applyInventory(updates: readonly InventoryInput[]): Promise<StockChange[]>;
  /** Apply price updates atomically. */
  applyPrices(updates: readonly PriceInput[]): Promise<Price[]>;
  /** Hold stock for a pending purchase; all lines or none. */
  reserve(reservationId: string, lines: readonly ReserveLine[], expiresAt: string): Promise<ReserveResult>;
  /** Give held stock back. Idempotent. */
  release(reservationId: string): Promise<void>;
  /** Turn a hold into a sale: on hand and reserved both drop. Idempotent. */
  commitReservation(reservationId: string): Promise<void>;
  /** Release holds whose expiry has passed; returns how many. */
  releaseExpired(now: Date): Promise<number>;
}

export interface TokenStore {
  insertToken(token: TokenRecord & { hash: string }): Promise<void>;
  listTokens(): Promise<TokenRecord[]>;
  revokeToken(id: string): Promise<boolean>;
  /** The active (not revoked) token with this hash; records the use. */
  useToken(hash: string): Promise<TokenRecord | undefined>;
}

export interface CredentialStore {
  insertCredential(record: CredentialRecord): Promise<void>;
  getCredential(id: string): Promise<CredentialRecord | undefined>;
  listCredentials(query: CredentialQuery): Promise<{ items: CredentialRecord[]; next?: string }>;
  /** Active (not revoked) credentials with a subject key, for re-issue decisions. */
  activeCredentialsByKey(): Promise<Map<string, { id: string; contentHash: string; keyId: string; productId?: string; validUntil?: string }>>;
  /** Marks revoked and sets the status bit, in one transaction. False if unknown or already revoked. */
  revokeCredential(id: string, at: string): Promise<CredentialRecord | undefined>;
  /** Key ids that still sign some unrevoked, unexpired credential. */
  credentialKeyIds(now: string): Promise<Set<string>>;
  getStatusList(id: string): Promise<StatusListRecord | undefined>;
  createStatusList(record: StatusListRecord): Promise<void>;
  /** Reserve the next unused index of a list (the caller maps it to a position). */
  allocateStatusIndex(listId: string): Promise<number>;
  saveStatusListVc(listId: string, vc: string, at: string): Promise<void>;
}

export interface ImportLog {
  beginImport(options: ImportOptions): Promise<ImportSession>;
  /** Add to the import history; while another writer holds the lock it is written when the lock frees. */
  recordImport(record: ImportRecord): Promise<void>;
  listImports(limit: number): Promise<ImportRecord[]>;
}

export interface SearchStore {
  searchProducts(query: SearchQuery): Promise<SearchResult>;
  /** Which fields of a product's search document contain a term (for explanations). */
  searchMatchedFields(productId: string, match: string): Promise<{ title: boolean; brand: boolean; body: boolean }>;
  /** Bring the search index up to date with the catalog. */
  syncSearchIndex(): Promise<{ indexed: number; removed: number; full: boolean }>;
}

export interface CommerceStore {
  insertSession(r: SessionRecord): Promise<void>;
  getSession(id: string): Promise<SessionRecord | undefined>;
  /** Replace the session when its stored version is `expectedVersion`; false when someone else wrote first. */
  updateSession(r: SessionRecord, expectedVersion: number): Promise<boolean>;
  /** The open (not completed, not canceled) checkout created from a cart. */
  openCheckoutForCart(cartId: string): Promise<SessionRecord | undefined>;
  /**
   * Completion, atomically: take the stock for every line (all or none, the last unit sold once), store
   * the order, store the completed checkout (only if still at `expectedVersion`), queue its webhooks,
   * and redeem its discount codes (refused when a limit would be passed: never exceeded under concurrency).
   */
  completeCheckout(input: CompleteInput): Promise<CompleteResult>;
  /** How often these codes were redeemed, in total and by `buyer`, and how many orders `buyer` placed. */
  discountUsage(codes: readonly string[], buyer?: string): Promise<DiscountUsageCounts>;
  getOrder(id: string): Promise<OrderRecord | undefined>;
  /** Replace the order at `expectedVersion` and queue webhooks in the same transaction. */
  updateOrder(r: OrderRecord, expectedVersion: number, webhooks: readonly OutboxInsert[]): Promise<boolean>;

  /**
   * Claim an idempotency key for a request (hash of its body) as `claim` until `leaseUntil`. A claim whose
   * lease ran out (its process died) is taken over: the answer is 'new' again.
   */
  beginIdempotent(scope: string, key: string, requestHash: string, lease: { at: string; leaseUntil: string; claim: string }): Promise<IdempotencyBegin>;
  /** Extend a claim still held by `claim`; false when it was finished or taken over. */
  renewIdempotent(scope: string, key: string, claim: string, leaseUntil: string): Promise<boolean>;
  /** Store the answer of the request holding `claim`. */
  finishIdempotent(scope: string, key: string, claim: string, response: StoredResponse, at: string): Promise<void>;
  /** Forget a claim whose request failed before producing a response (so a retry can run). */
  abandonIdempotent(scope: string, key: string, claim: string): Promise<void>;
  /** Drop keys created before `before` (answered or not); returns how many. */
  purgeIdempotency(before: string): Promise<number>;

  /** Undelivered webhooks due at `now`, oldest first. */
  dueWebhooks(now: string, limit: number): Promise<OutboxRecord[]>;
  markWebhook(id: string, result: { delivered: true; at: string } | { delivered: false; error: string; nextAttemptAt: string }): Promise<void>;
  listWebhooks(orderId: string): Promise<OutboxRecord[]>;

  /** Save a buyer's address under the customer with this email (created when new); same content = same row. */
  saveBuyerAddress(email: string, name: string | undefined, address: Omit<CustomerAddress, 'id' | 'customerId'>): Promise<CustomerAddress>;
}

export interface MetaStore {
  /**
   * Whether a write could take the store's write lock now, without waiting; when it is held elsewhere,
   * for how long writes have been shut out. Not writable: held longer than the store's limit.
   */
  writeHealth(): Promise<{ writable: boolean; lockHeldMs?: number }>;
  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
}

export interface Store extends CatalogReader, ChangeLog, CustomerStore, InventoryStore, TokenStore, ImportLog, CredentialStore, MetaStore, SearchStore, CommerceStore {
  readonly kind: string;
  close(): Promise<void>;
}
