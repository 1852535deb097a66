/** The embedded store: one SQLite file (WAL) in the data directory. */
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
import { UcpdError, invalidInput } from '../../catalog/errors.js';
import type {
  ChangeEntry,
  Clock,
  CredentialQuery,
  CredentialRecord,
  ImportOptions,
  ImportRecord,
  ImportSession,
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
import { isStoreBusy, systemClock } from '../store.js';
import { WriteLock } from './write-lock.js';
import { openDatabase, type Db } from './db.js';
import { SqliteImportSession } from './import-session.js';
import { CredentialTable } from './credentials.js';
import { CommerceTables } from './commerce.js';
import { SearchIndex, SYNC_CHUNK } from './search.js';
import { CatalogQueries, type KeyRow } from './queries.js';
import { Reservations } from './reservations.js';
import { levelFromRow, priceFromRow, type InventoryRow, type PriceRow } from './rows.js';
import { CatalogWriter } from './writer.js';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { projectPath } from '../../paths.js';

export interface SqliteStoreOptions {
  /** Database file, or ":memory:" for throwaway stores (imports then share the one connection). */
  file: string;
  clock?: Clock;
  /** How long a write waits for the write lock before a 503 (default WRITE_WAIT_MS, write-lock.ts). */
  writeWaitMs?: number;
  /** A write lock held elsewhere this long makes the store not writable (default STUCK_LOCK_MS). */
  stuckLockMs?: number;
}

interface TokenRow {
  id: string;
  name: string;
  scopes: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** Token use is recorded at most once a minute per token, so authenticated reads do not all write. */
const TOKEN_TOUCH_MS = 60_000;
/** Syncs of more products than one chunk run on a worker thread (they take seconds of CPU). */
const WORKER_SYNC_MIN = SYNC_CHUNK;

type SyncResult = { indexed: number; removed: number; full: boolean };

/** The compiled worker next to this module, or in dist/ when running from TypeScript sources (tests). */
function searchWorkerUrl(): URL {
  const here = new URL('./search-worker.js', import.meta.url);
  return existsSync(fileURLToPath(here)) ? here : pathToFileURL(projectPath('dist', 'src', 'store', 'sqlite', 'search-worker.js'));
}

function rebuildInWorker(file: string): Promise<SyncResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(searchWorkerUrl(), { workerData: { file } });
    worker.once('message', (m: { ok: true; result: SyncResult } | { ok: false; message: string }) => (m.ok ? resolve(m.result) : reject(new Error(`search index rebuild failed: ${m.message}`))));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`search index worker exited with code ${code}`));
    });
  });
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  private readonly db: Db;
  private readonly q: CatalogQueries;
  private readonly clock: Clock;
  private readonly holds: Reservations;
  private importing = false;
  private readonly creds: CredentialTable;
  private readonly search: SearchIndex;
  private indexing?: Promise<SyncResult>;
  private readonly commerce: CommerceTables;
  private checkpointer?: Worker;
  private readonly lock: WriteLock;

  constructor(private readonly options: SqliteStoreOptions) {
    this.db = openDatabase({ file: options.file });
    this.lock = new WriteLock(this.db, {
      ...(options.writeWaitMs !== undefined ? { waitMs: options.writeWaitMs } : {}),
      ...(options.stuckLockMs !== undefined ? { stuckMs: options.stuckLockMs } : {}),
    });
    this.q = new CatalogQueries(this.db);
    this.clock = options.clock ?? systemClock;
    this.holds = new Reservations(this.db, () => this.clock.now().toISOString());
    this.creds = new CredentialTable(this.db);
    this.search = new SearchIndex(this.db);
    this.commerce = new CommerceTables(this.db, this.holds, () => this.clock.now().toISOString());
  }

  /** A write, waiting asynchronously while the write lock is held elsewhere (see write-lock.ts). */
  private write<T>(fn: () => T): Promise<T> {
    return this.lock.run(fn);
  }

  async writeHealth(): Promise<{ writable: boolean; lockHeldMs?: number }> {
    // a memory store importing shares this connection, inside the import's transaction
    if (this.options.file === ':memory:' && this.importing) return { writable: true };
    return this.lock.health();
  }

  /** The raw connection, for benchmarks and the contract tests' snapshot helper only. */
  get connection(): Db {
    return this.db;
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

  /**
   * For a long-running server: move WAL checkpoints to a worker thread (PASSIVE, every `intervalMs`),
   * so no request pays for copying the log into the database.
   */
  startBackgroundCheckpoints(intervalMs = 1000): void {
    if (this.checkpointer || this.options.file === ':memory:') return;
    const here = new URL('./checkpoint-worker.js', import.meta.url);
    const url = existsSync(fileURLToPath(here)) ? here : pathToFileURL(projectPath('dist', 'src', 'store', 'sqlite', 'checkpoint-worker.js'));
    this.checkpointer = new Worker(url, { workerData: { file: this.options.file, intervalMs } });
    this.checkpointer.unref();
    this.db.pragma('wal_autocheckpoint = 0');
  }

  async close(): Promise<void> {
    if (this.checkpointer) {
      const worker = this.checkpointer;
      this.checkpointer = undefined;
      const exited = new Promise((r) => worker.once('exit', r));
      worker.postMessage('stop');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
      await worker.terminate();
    }
    if (this.db.open) this.db.close();
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
    const stmt = this.db.prepare<[string], InventoryRow>('SELECT * FROM inventory WHERE variant_id = ? ORDER BY location_id');
    return variantIds.flatMap((id) => stmt.all(id).map(levelFromRow));
  }

  private writer(): CatalogWriter {
    const currency = this.q.merchant()?.currencies[0] ?? 'USD';
    return new CatalogWriter(this.db, this.q, this.clock.now().toISOString(), null, currency);
  }

  /** All updates or none: the first bad one aborts the transaction with its index in the error. */
  private atomically<T, R>(items: readonly T[], apply: (w: CatalogWriter, item: T) => R | undefined): Promise<R[]> {
    this.assertNotImporting();
    return this.write(() =>
      this.db
        .transaction(() => {
          const w = this.writer();
          const out: R[] = [];
          items.forEach((item, index) => {
            try {
              const r = apply(w, item);
              if (r !== undefined) out.push(r);
            } catch (err) {
              if (err instanceof UcpdError) throw new UcpdError(err.kind, err.code, `updates[${index}]: ${err.message}`, { ...err.details, index });
              throw err;
            }
          });
          w.finish();
          return out;
        })
        .immediate(),
    );
  }

  async applyInventory(updates: readonly InventoryInput[]): Promise<StockChange[]> {
    return this.atomically(updates, (w, u) => w.setInventory(u).change);
  }

  async applyPrices(updates: readonly PriceInput[]): Promise<Price[]> {
    const select = this.db.prepare<[string, string], PriceRow>('SELECT * FROM prices WHERE variant_id = ? AND currency = ?');
    return this.atomically(updates, (w, u) => {
      w.setPrice(u);
      return priceFromRow(select.get(u.variantId, u.currency)!);
    });
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
  async beginImport(options: ImportOptions): Promise<ImportSession> {
    this.assertNotImporting();
    const memory = this.options.file === ':memory:';
    // A connection of its own: readers on the main connection see the previous catalog until COMMIT.
    const db = memory ? this.db : openDatabase({ file: this.options.file });
    if (!memory) db.pragma('busy_timeout = 0');
    try {
      // the import's transaction waits for the write lock like any write: asynchronously
      const session = await this.write(
        () =>
          new SqliteImportSession(db, this.clock, options, () => {
            this.importing = false;
            if (!memory) db.close();
          }),
      );
      this.importing = memory;
      return session;
    } catch (err) {
      if (!memory) db.close();
      throw err;
    }
  }

  private assertNotImporting(): void {
    if (this.importing) throw new UcpdError('unavailable', 'import_in_progress', 'an import is in progress; try again when it finishes');
  }

  async recordImport(record: ImportRecord): Promise<void> {
    const insert = () =>
      this.db
        .prepare(
          `INSERT INTO imports (id, format, mode, source, started_at, finished_at, status, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET finished_at = excluded.finished_at, status = excluded.status, summary = excluded.summary`,
        )
        .run(record.id, record.format, record.mode, record.source, record.startedAt, record.finishedAt ?? null, record.status, JSON.stringify(record.summary));
    try {
      insert();
    } catch (err) {
      if (!isStoreBusy(err)) throw err;
      // the history waits for the lock in the background: a report is never held back by someone else's write
      void this.write(insert).catch(() => undefined);
    }
  }

  async listImports(limit: number): Promise<ImportRecord[]> {
    const rows = this.db
      .prepare<[number], { id: string; format: string; mode: string; source: string; started_at: string; finished_at: string | null; status: ImportRecord['status']; summary: string }>(
        'SELECT * FROM imports ORDER BY started_at DESC, rowid DESC LIMIT ?',
      )
      .all(limit);
    return rows.map((r) => ({
      id: r.id,
      format: r.format,
      mode: r.mode,
      source: r.source,
      startedAt: r.started_at,
      ...(r.finished_at ? { finishedAt: r.finished_at } : {}),
      status: r.status,
      summary: JSON.parse(r.summary) as unknown,
    }));
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

  async getMeta(key: string): Promise<string | undefined> {
    return this.db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(key)?.value;
  }
  async setMeta(key: string, value: string): Promise<void> {
    await this.write(() => this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value));
  }

  // ------------------------------------------------------------------------------------------ tokens
  async insertToken(token: TokenRecord & { hash: string }): Promise<void> {
    if (!token.name.trim()) throw invalidInput('invalid_token_name', 'token name must not be empty');
    await this.write(() =>
      this.db.prepare('INSERT INTO tokens (id, name, hash, scopes, created_at) VALUES (?, ?, ?, ?, ?)').run(token.id, token.name, token.hash, JSON.stringify(token.scopes), token.createdAt),
    );
  }

  async listTokens(): Promise<TokenRecord[]> {
    return this.db.prepare<[], TokenRow>('SELECT id, name, scopes, created_at, last_used_at, revoked_at FROM tokens ORDER BY created_at, id').all().map(tokenFromRow);
  }

  async revokeToken(id: string): Promise<boolean> {
    const at = this.clock.now().toISOString();
    return this.write(() => this.db.prepare('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id).changes > 0);
  }

  async useToken(hash: string): Promise<TokenRecord | undefined> {
    const row = this.db.prepare<[string], TokenRow>('SELECT id, name, scopes, created_at, last_used_at, revoked_at FROM tokens WHERE hash = ? AND revoked_at IS NULL').get(hash);
    if (!row) return undefined;
    const now = this.clock.now();
    if (!row.last_used_at || now.getTime() - Date.parse(row.last_used_at) > TOKEN_TOUCH_MS) {
      row.last_used_at = now.toISOString();
      const touched = row.last_used_at;
      await this.write(() => this.db.prepare('UPDATE tokens SET last_used_at = ? WHERE id = ?').run(touched, row.id));
    }
    return tokenFromRow(row);
  }
}

function keyFromRow(r: KeyRow): ProductKey {
  return { id: r.id, seq: r.seq, updatedAt: r.updated_at };
}

function tokenFromRow(r: TokenRow): TokenRecord {
  return {
    id: r.id,
    name: r.name,
    scopes: JSON.parse(r.scopes) as string[],
    createdAt: r.created_at,
    ...(r.last_used_at ? { lastUsedAt: r.last_used_at } : {}),
    ...(r.revoked_at ? { revokedAt: r.revoked_at } : {}),
  };
}
