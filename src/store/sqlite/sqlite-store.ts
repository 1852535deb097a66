/**
 * The embedded store: one SQLite file (WAL) in the data directory. SqliteStore is the Store contract's
 * SQLite implementation: each method routes to the module that owns its tables (queries.ts for catalog
 * reads, commerce.ts, reservations.ts, credentials.ts, tokens.ts, search.ts, import-history.ts,
 * stock-updates.ts) and runs writes under the write lock. The connections themselves (the main one and
 * each import's own), the lock, checkpoints, meta and close are SqliteConnection's (connection.ts).
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
} from '../../catalog/model.js';
import { invalidInput } from '../../errors.js';
import type {
  ChangeEntry,
  CredentialQuery,
  CredentialRecord,
  ImportRecord,
  InventoryInput,
  PriceInput,
  ProductKey,
  ProductKeyPage,
  ProductListQuery,
  ProductPage,
  ProductRecord,
  ReserveLine,
  ReserveResult,
  SearchQuery,
  SearchResult,
  StatusListRecord,
  StockChange,
  Store,
  TokenRecord,
  VariantRef,
  ResolvedKey,
  SessionRecord,
  OrderRecord,
  OutboxInsert,
  OutboxRecord,
  CompleteInput,
  CompleteResult,
  DiscountUsageCounts,
  IdempotencyBegin,
  StoredResponse,
} from '../store.js';
import { isStoreBusy } from '../store.js';
import { SqliteConnection, type SqliteStoreOptions } from './connection.js';
import { ImportHistory } from './import-history.js';
import { CredentialTable } from './credentials.js';
import { CommerceTables } from './commerce.js';
import { rebuildInWorker, SearchIndex, WORKER_SYNC_MIN, type SyncResult } from './search.js';
import { CatalogQueries, type KeyRow } from './queries.js';
import { Reservations } from './reservations.js';
import { StockUpdates } from './stock-updates.js';
import { TokenTable } from './tokens.js';

export type { SqliteStoreOptions };

export class SqliteStore extends SqliteConnection implements Store {
  readonly kind = 'sqlite';
  private readonly q: CatalogQueries;
  private readonly holds: Reservations;
  private readonly creds: CredentialTable;
  private readonly search: SearchIndex;
  private indexing?: Promise<SyncResult>;
  private readonly commerce: CommerceTables;
  private readonly stock: StockUpdates;
  private readonly history: ImportHistory;
  private readonly tokens: TokenTable;

  constructor(options: SqliteStoreOptions) {
    super(options);
    this.q = new CatalogQueries(this.db);
    this.holds = new Reservations(this.db, () => this.clock.now().toISOString());
    this.creds = new CredentialTable(this.db);
    this.search = new SearchIndex(this.db);
    this.commerce = new CommerceTables(this.db, this.holds, () => this.clock.now().toISOString());
    this.stock = new StockUpdates(this.db, this.q, () => this.clock.now().toISOString());
    this.history = new ImportHistory(this.db);
    this.tokens = new TokenTable(this.db, () => this.clock.now());
  }

  // ------------------------------------------------------------------- checkouts, carts, orders
  async insertSession(r: SessionRecord): Promise<void> {
    await this.write(() => this.commerce.insertSession(r));
  }
  async getSession(id: string): Promise<SessionRecord | undefined> {
    return this.commerce.getSession(id);
  }
  async updateSession(r: SessionRecord, expectedVersion: number): Promise<boolean> {
    return this.write(() => this.commerce.updateSession(r, expectedVersion));
  }
  async openCheckoutForCart(cartId: string): Promise<SessionRecord | undefined> {
    return this.commerce.openCheckoutForCart(cartId);
  }
  async completeCheckout(input: CompleteInput): Promise<CompleteResult> {
    this.assertNotImporting();
    return this.write(() => this.commerce.completeCheckout(input));
  }
  async discountUsage(codes: readonly string[], buyer?: string): Promise<DiscountUsageCounts> {
    return this.commerce.discountUsage(codes, buyer);
  }
  async getOrder(id: string): Promise<OrderRecord | undefined> {
    return this.commerce.getOrder(id);
  }
  async updateOrder(r: OrderRecord, expectedVersion: number, webhooks: readonly OutboxInsert[]): Promise<boolean> {
    return this.write(() => this.commerce.updateOrder(r, expectedVersion, webhooks));
  }
  async beginIdempotent(scope: string, key: string, requestHash: string, lease: { at: string; leaseUntil: string; claim: string }): Promise<IdempotencyBegin> {
    return this.write(() => this.commerce.beginIdempotent(scope, key, requestHash, lease));
  }
  async renewIdempotent(scope: string, key: string, claim: string, leaseUntil: string): Promise<boolean> {
    return this.write(() => this.commerce.renewIdempotent(scope, key, claim, leaseUntil));
  }
  async finishIdempotent(scope: string, key: string, claim: string, response: StoredResponse, at: string): Promise<void> {
    await this.write(() => this.commerce.finishIdempotent(scope, key, claim, response, at));
  }
  async abandonIdempotent(scope: string, key: string, claim: string): Promise<void> {
    await this.write(() => this.commerce.abandonIdempotent(scope, key, claim));
  }
  async purgeIdempotency(before: string): Promise<number> {
    return this.write(() => this.commerce.purgeIdempotency(before));
  }
  async dueWebhooks(now: string, limit: number): Promise<OutboxRecord[]> {
    return this.commerce.dueWebhooks(now, limit);
  }
  async markWebhook(id: string, result: { delivered: true; at: string } | { delivered: false; error: string; nextAttemptAt: string }): Promise<void> {
    await this.write(() => this.commerce.markWebhook(id, result));
  }
  async listWebhooks(orderId: string): Promise<OutboxRecord[]> {
    return this.commerce.listWebhooks(orderId);
  }
  async saveBuyerAddress(email: string, name: string | undefined, address: Omit<CustomerAddress, 'id' | 'customerId'>): Promise<CustomerAddress> {
    return this.write(() => this.commerce.saveBuyerAddress(email, name, address));
  }

  // -------------------------------------------------------------------------------------------- reads
  async getMerchant(): Promise<Merchant | undefined> {
    return this.q.merchant();
  }
  async listLocations(): Promise<Location[]> {
    return this.q.locations();
  }
  async listShippingRates(): Promise<ShippingRate[]> {
    return this.q.shippingRates();
  }
  async listTaxRates(): Promise<TaxRate[]> {
    return this.q.taxRates();
  }
  async listReturnPolicies(): Promise<ReturnPolicy[]> {
    return this.q.returnPolicies();
  }
  async listPromotions(): Promise<Promotion[]> {
    return this.q.promotions();
  }
  async listDiscounts(): Promise<DiscountCode[]> {
    return this.q.discounts();
  }
  async getDiscount(code: string): Promise<DiscountCode | undefined> {
    return this.q.discount(code);
  }
  async getProduct(id: string): Promise<ProductRecord | undefined> {
    return this.q.product(id);
  }
  async getProducts(ids: readonly string[]): Promise<ProductRecord[]> {
    return this.q.products(ids);
  }
  async resolveKeys(keys: readonly string[]): Promise<Map<string, ResolvedKey>> {
    return this.q.resolveKeys(keys);
  }
  async findProductByHandle(handle: string): Promise<string | undefined> {
    return this.q.productIdByHandle(handle);
  }
  async findVariant(key: string): Promise<VariantRef | undefined> {
    return this.q.findVariant(key);
  }
  async listProducts(query: ProductListQuery): Promise<ProductPage> {
    return this.q.listProducts(query);
  }
  async listProductKeys(query: ProductListQuery): Promise<ProductKeyPage> {
    const { rows, next } = this.q.listKeys(query);
    return { items: rows.map(keyFromRow), ...(next ? { next } : {}) };
  }
  async getProductKey(id: string): Promise<ProductKey | undefined> {
    const row = this.q.productKey(id);
    return row ? keyFromRow(row) : undefined;
  }
  async listDeletedProducts(since: string, limit: number, after?: string): Promise<{ id: string; at: string }[]> {
    return this.q.deletedProducts(since, limit, after);
  }
  async countProducts(): Promise<number> {
    return this.q.count();
  }
  async listReviews(productId: string, limit: number): Promise<Review[]> {
    return this.q.reviews(productId, limit);
  }
  async *scanProducts(batchSize = 500): AsyncIterable<ProductRecord> {
    let after = '';
    for (;;) {
      const rows = this.q.scanRows(after, batchSize);
      if (rows.length === 0) return;
      yield* this.q.records(rows);
      after = rows[rows.length - 1]!.id;
    }
  }

  async listChanges(since: number, limit: number): Promise<ChangeEntry[]> {
    return this.q.changes(since, limit);
  }
  async lastSeq(): Promise<number> {
    return this.q.lastSeq();
  }
  async storeVersion(): Promise<{ seq: number; at?: string }> {
    return this.q.storeVersion();
  }

  async findCustomerByEmail(email: string): Promise<Customer | undefined> {
    return this.q.customerByEmail(email);
  }
  async listAddresses(customerId: string): Promise<CustomerAddress[]> {
    return this.q.addresses(customerId);
  }
  async listPaymentInstruments(): Promise<PaymentInstrument[]> {
    return this.q.paymentInstruments();
  }

  // ------------------------------------------------------------------------------------------- stock
  async getLevels(variantIds: readonly string[]): Promise<InventoryLevel[]> {
    return this.stock.levels(variantIds);
  }

  async applyInventory(updates: readonly InventoryInput[]): Promise<StockChange[]> {
    this.assertNotImporting();
    return this.write(() => this.stock.applyInventory(updates));
  }

  async applyPrices(updates: readonly PriceInput[]): Promise<Price[]> {
    this.assertNotImporting();
    return this.write(() => this.stock.applyPrices(updates));
  }

  async reserve(reservationId: string, lines: readonly ReserveLine[], expiresAt: string): Promise<ReserveResult> {
    return this.write(() => this.holds.reserve(reservationId, lines, expiresAt));
  }
  async release(reservationId: string): Promise<void> {
    await this.write(() => this.holds.release(reservationId));
  }
  async commitReservation(reservationId: string): Promise<void> {
    await this.write(() => this.holds.commit(reservationId));
  }
  async releaseExpired(now: Date): Promise<number> {
    return this.write(() => this.holds.releaseExpired(now));
  }

  // ----------------------------------------------------------------------------------------- imports
  async recordImport(record: ImportRecord): Promise<void> {
    const insert = () => this.history.record(record);
    try {
      insert();
    } catch (err) {
      if (!isStoreBusy(err)) throw err;
      // the history waits for the lock in the background: a report is never held back by someone else's write
      void this.write(insert).catch(() => undefined);
    }
  }

  async listImports(limit: number): Promise<ImportRecord[]> {
    return this.history.list(limit);
  }

  // ------------------------------------------------------------------------------------- credentials
  async insertCredential(record: CredentialRecord): Promise<void> {
    await this.write(() => this.creds.insert(record, this.clock.now().toISOString()));
  }
  async getCredential(id: string): Promise<CredentialRecord | undefined> {
    return this.creds.get(id);
  }
  async listCredentials(query: CredentialQuery): Promise<{ items: CredentialRecord[]; next?: string }> {
    return this.creds.list(query);
  }
  async activeCredentialsByKey(): Promise<Map<string, { id: string; contentHash: string; keyId: string; productId?: string; validUntil?: string }>> {
    return this.creds.activeByKey();
  }
  async revokeCredential(id: string, at: string): Promise<CredentialRecord | undefined> {
    return this.write(() => this.creds.revoke(id, at));
  }
  async credentialKeyIds(now: string): Promise<Set<string>> {
    return this.creds.keyIds(now);
  }
  async getStatusList(id: string): Promise<StatusListRecord | undefined> {
    return this.creds.getList(id);
  }
  async createStatusList(record: StatusListRecord): Promise<void> {
    await this.write(() => this.creds.createList(record));
  }
  async allocateStatusIndex(listId: string): Promise<number> {
    return this.write(() => this.creds.allocate(listId));
  }
  async saveStatusListVc(listId: string, vc: string, at: string): Promise<void> {
    await this.write(() => this.creds.saveListVc(listId, vc, at));
  }

  async searchProducts(query: SearchQuery): Promise<SearchResult> {
    return this.search.search(query);
  }
  async searchMatchedFields(productId: string, match: string): Promise<{ title: boolean; brand: boolean; body: boolean }> {
    return this.search.matchedFields(productId, match);
  }
  /**
   * Syncs of a few products run here (one chunk: milliseconds); bigger ones (a first index, an import
   * that changed many products) on a worker thread with its own connection, so this thread keeps
   * serving. Either way the index is written a chunk per transaction (see SearchIndex.sync). Concurrent
   * calls share one run.
   */
  async syncSearchIndex(): Promise<{ indexed: number; removed: number; full: boolean }> {
    this.assertNotImporting();
    this.indexing ??= (async () => {
      try {
        const plan = this.search.plan();
        if (plan.upToDate) return { indexed: 0, removed: 0, full: false };
        if (plan.ids.length > WORKER_SYNC_MIN && this.options.file !== ':memory:') return await rebuildInWorker(this.options.file);
        return await this.write(() => this.search.sync());
      } finally {
        this.indexing = undefined;
      }
    })();
    return this.indexing;
  }

  // ------------------------------------------------------------------------------------------ tokens
  async insertToken(token: TokenRecord & { hash: string }): Promise<void> {
    if (!token.name.trim()) throw invalidInput('invalid_token_name', 'token name must not be empty');
    await this.write(() => this.tokens.insert(token));
  }

  async listTokens(): Promise<TokenRecord[]> {
    return this.tokens.list();
  }

  async revokeToken(id: string): Promise<boolean> {
    const at = this.clock.now().toISOString();
    return this.write(() => this.tokens.revoke(id, at));
  }

  async useToken(hash: string): Promise<TokenRecord | undefined> {
    const found = this.tokens.find(hash);
    if (!found) return undefined;
    const { token, touchAt } = found;
    if (touchAt !== undefined) await this.write(() => this.tokens.touch(token.id, touchAt));
    return token;
  }
}

function keyFromRow(r: KeyRow): ProductKey {
  return { id: r.id, seq: r.seq, updatedAt: r.updated_at };
}
