/**
 * The one storage contract. SQLite (src/store/sqlite) is the embedded default; a PostgreSQL implementation
 * must pass the same contract tests (test/store/contract.ts). Every method is async so that a networked
 * database fits without changing callers.
 */
import type {
  AggregateRating,
  Customer,
  CustomerAddress,
  DiscountCode,
  InventoryLevel,
  Location,
  Merchant,
  PaymentInstrument,
  Price,
  Product,
  Promotion,
  ReturnPolicy,
  Review,
  ShippingRate,
  TaxRate,
} from '../catalog/model.js';
import type { PreparedProduct } from './prepared.js';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * An error that means "another writer holds the lock; try again" (SQLITE_BUSY and its extended codes,
 * SQLITE_LOCKED), whichever store raised it: the protocols answer it 503 with Retry-After, never 500.
 */
export function isStoreBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

// ---------------------------------------------------------------------------------------------- reads

/** A product with everything needed to publish it: variants, prices, stock and rating. */
export interface ProductRecord {
  product: Product;
  levels: InventoryLevel[];
  rating?: AggregateRating;
  /** Sequence number of the last change that touched this product (variants, prices, stock, reviews). */
  seq: number;
  createdAt: string;
  updatedAt: string;
  /** Bitmask of failing time-independent quality checks (see catalog/quality.ts). */
  qualityMask: number;
  reviewCount: number;
  /** Oldest confirmation time of the product's stock levels. */
  stockSyncedAt?: string;
}

export interface ProductListQuery {
  /** Opaque position from a previous page (the store's own encoding). */
  after?: string;
  limit: number;
  /** Only products modified at or after this instant (RFC 3339). */
  modifiedSince?: string;
  brand?: string;
  /** Category path prefix (either taxonomy). */
  category?: string;
  /** Words that must all appear in the title, brand or category paths (case-insensitive). */
  text?: string;
  /** Exclude products failing any of these checks (see catalog/quality.ts). */
  quality?: { mask: number; requireReviews: boolean; freshSince?: string };
  /**
   * in_stock: some variant can be sold now; out_of_stock: none can; backorder / preorder: none can be
   * sold from stock but some variant takes backorders / preorders.
   */
  availability?: 'in_stock' | 'out_of_stock' | 'backorder' | 'preorder';
}

/** Full-text search with filters; `match` is an FTS5 query (already built from safe, quoted terms). */
export interface SearchQuery {
  match?: string;
  /** Category path prefixes or Google taxonomy ids (digits), any of them (OR). */
  categories?: string[];
  brand?: string;
  /** Some variant priced within [min, max] in this currency, minor units. */
  price?: { currency: string; min?: number; max?: number };
  /** Some variant with one of these values for the option (case-insensitive), e.g. Size: ["10", "us 10"]. */
  options?: { name: string; values: string[] }[];
  /** Some variant that can be bought now (stock, backorder or preorder). */
  inStock?: boolean;
  quality?: { mask: number; requireReviews: boolean; freshSince?: string };
  offset: number;
  limit: number;
}

export interface SearchResult {
  /** Product ids, best first; score = BM25 (lower is better; 0 when browsing). */
  hits: { id: string; score: number }[];
  hasMore: boolean;
  /** Total matches, when known without extra work. */
  total?: number;
  /** Filters were applied to the best-ranked matches only (a bounded scan); more may match further down. */
  truncated?: boolean;
}

/** What identifies a product's current version: enough to validate a cached rendering. */
export interface ProductKey {
  id: string;
  seq: number;
  updatedAt: string;
}

export interface ProductKeyPage {
  items: ProductKey[];
  next?: string;
}

export interface ProductPage {
  items: ProductRecord[];
  /** Position after the last item, when more may follow. */
  next?: string;
}

export type ChangeEntity = 'product' | 'variant' | 'price' | 'inventory' | 'review' | 'store' | 'credential';
export type ChangeKind = 'create' | 'update' | 'delete';

export interface ChangeEntry {
  seq: number;
  at: string;
  entity: ChangeEntity;
  kind: ChangeKind;
  productId?: string;
  variantId?: string;
  locationId?: string;
  importId?: string;
}

export interface ResolvedKey {
  productId: string;
  /** Set when the key named a variant (id, SKU or GTIN). */
  variantId?: string;
  /** The product's change sequence (its version). */
  seq: number;
}

export interface VariantRef {
  productId: string;
  variantId: string;
}

// --------------------------------------------------------------------------------------------- writes

export type PutOutcome = 'created' | 'updated' | 'unchanged';

/** Stock as a feed or the admin API states it. */
export interface InventoryInput {
  variantId: string;
  /** Omitted = the store's default location. */
  locationId?: string;
  /** Absolute on-hand quantity; null = not tracked. Exactly one of onHand / adjust. */
  onHand?: number | null;
  /** Relative change to on-hand. */
  adjust?: number;
  lowStockThreshold?: number | null;
  restockDate?: string | null;
  backorder?: boolean;
  preorder?: boolean;
}

export interface PriceInput {
  variantId: string;
  currency: string;
  amount: number;
  listAmount?: number | null;
  validUntil?: string | null;
}

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

export interface StockChange {
  variantId: string;
  productId: string;
  locationId: string;
  onHand: number | null;
  reserved: number;
}

// ------------------------------------------------------------------------------------- reservations

export interface ReserveLine {
  variantId: string;
  quantity: number;
  /** Take from this location only (store pickup). */
  locationId?: string;
}

export interface ReservedLine {
  variantId: string;
  locationId: string;
  quantity: number;
}

export type ReserveResult = { ok: true; lines: ReservedLine[] } | { ok: false; shortages: { variantId: string; requested: number; available: number }[] };

// --------------------------------------------------------------------------------------------- tokens

export interface TokenRecord {
  id: string;
  name: string;
  scopes: string[];
  createdAt: string;
  lastUsedAt?: string;
  revokedAt?: string;
}

// ---------------------------------------------------------------------------------------- credentials

export interface CredentialRecord {
  id: string;
  type: string;
  /** What the credential attests, for automatic re-issue: 'merchant', 'return-policy:<id>', ... */
  subjectKey?: string;
  /** The credential subject's @id (the same @id as in the JSON-LD catalog). */
  subjectId: string;
  /** The product it covers, when it covers one (its catalog document links to it). */
  productId?: string;
  contentHash: string;
  statusList: string;
  statusIndex: number;
  keyId: string;
  issuedAt: string;
  validUntil?: string;
  revokedAt?: string;
  /** The Data Integrity secured credential (JSON). */
  vc: string;
  /** The same credential as application/vc+jwt. */
  jwt: string;
}

export interface CredentialQuery {
  limit: number;
  after?: string;
  type?: string;
  subjectId?: string;
  productId?: string;
  includeRevoked?: boolean;
}

export interface StatusListRecord {
  id: string;
  purpose: string;
  length: number;
  allocated: number;
  bits: Buffer;
  vc?: string;
  updatedAt: string;
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

// ---------------------------------------------------------------------------------------------- store

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

// ------------------------------------------------------------------------ checkouts, carts, orders

/** A UCP checkout session or cart; `doc` is the service's own JSON (the store does not read it). */
export interface SessionRecord {
  id: string;
  kind: 'checkout' | 'cart';
  /** The platform (profile URL) that created it: only it may read or change it. */
  platform: string;
  status: string;
  cartId?: string;
  orderId?: string;
  /** Bumped on every write: updates name the version they read (optimistic concurrency). */
  version: number;
  doc: string;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
}

export interface OrderRecord {
  id: string;
  checkoutId: string;
  platform: string;
  version: number;
  doc: string;
  createdAt: string;
  updatedAt: string;
}

/** A webhook delivery waiting in (or done with) the persistent outbox. */
export interface OutboxRecord {
  /** Also the Webhook-Id. */
  id: string;
  orderId: string;
  url: string;
  body: Buffer;
  attempts: number;
  nextAttemptAt: string;
  deliveredAt?: string;
  lastError?: string;
  createdAt: string;
}

export type OutboxInsert = Pick<OutboxRecord, 'id' | 'orderId' | 'url' | 'body'>;

export interface StoredResponse {
  status: number;
  contentType: string;
  body: Buffer;
}

export type IdempotencyBegin =
  /** First use: the caller runs the request and records its response. */
  | { state: 'new' }
  /** Seen with the same request: replay this response. */
  | { state: 'replay'; response: StoredResponse }
  /** Seen with a different request body. */
  | { state: 'mismatch' }
  /** The first request with this key is still running; its claim lasts until `leaseUntil` unless renewed. */
  | { state: 'pending'; leaseUntil?: string };

export type CompleteResult =
  | { ok: true }
  | { ok: false; reason: 'conflict' }
  | { ok: false; reason: 'shortage'; shortages: { variantId: string; requested: number; available: number }[] }
  /** A code's limit was reached by orders committed since the checkout was evaluated. */
  | { ok: false; reason: 'discount'; code: string; limit: 'usage_limit' | 'per_buyer_limit' | 'first_order' };

/** A discount code an order uses, with the limits its commit must hold to. */
export interface Redemption {
  /** Upper case. */
  code: string;
  usageLimit?: number;
  perBuyerLimit?: number;
  firstOrder?: boolean;
}

export interface CompleteInput {
  checkout: SessionRecord;
  expectedVersion: number;
  lines: readonly ReserveLine[];
  order: OrderRecord;
  webhooks: readonly OutboxInsert[];
  /** The buyer's normalised email, when known (first-order and per-buyer conditions count by it). */
  buyer?: string;
  redemptions?: readonly Redemption[];
}

/** Redemptions of codes (upper case) in total and by one buyer, and that buyer's completed orders. */
export interface DiscountUsageCounts {
  total: Record<string, number>;
  byBuyer: Record<string, number>;
  buyerOrders: number;
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
