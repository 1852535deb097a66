/**
 * One feed version applied in one SQLite transaction on a connection of its own, so readers on the main
 * connection keep seeing the previous catalog until COMMIT (WAL), and a failure rolls everything back.
 */
import { randomUUID } from 'node:crypto';
import type { Customer, CustomerAddress, DiscountCode, Location, Merchant, PaymentInstrument, Promotion, ReturnPolicy, Review, ShippingRate, TaxRate } from '../../catalog/model.js';
import type { PreparedProduct } from '../prepared.js';
import { CATALOG_ORIGIN, type Clock, type Collection, type ImportOptions, type ImportSession, type InventoryInput, type PriceInput, type PutOutcome } from '../store.js';
import type { Db } from './db.js';
import { CatalogQueries } from './queries.js';
import { CatalogWriter } from './writer.js';

/** Table and key column of each collection that replace mode can prune. */
const TABLES: Record<Exclude<Collection, 'merchant'>, [table: string, key: string]> = {
  locations: ['locations', 'id'],
  shipping_rates: ['shipping_rates', 'id'],
  tax_rates: ['tax_rates', 'id'],
  return_policies: ['return_policies', 'id'],
  products: ['products', 'id'],
  reviews: ['reviews', 'id'],
  discounts: ['discounts', 'code'],
  promotions: ['promotions', 'id'],
  customers: ['customers', 'id'],
  addresses: ['addresses', 'id'],
  payment_instruments: ['payment_instruments', 'id'],
};

export class SqliteImportSession implements ImportSession {
  readonly importId = randomUUID();
  private readonly writer: CatalogWriter;
  private readonly queries: CatalogQueries;
  private readonly seen = new Map<Collection, Set<string>>();
  /** Ids of the products present when the first product arrived (one query, not one lookup per row). */
  private known?: Set<string>;
  private locationsPut = 0;
  private open = true;
  /** The catalog's origin once this import commits (see ImportOptions.origin). */
  private readonly origin: 'demo' | 'feed';

  constructor(
    private readonly db: Db,
    clock: Clock,
    readonly options: ImportOptions,
    private readonly onClose: () => void,
  ) {
    this.queries = new CatalogQueries(db);
    db.exec('BEGIN IMMEDIATE');
    const wasEmpty = db.prepare('SELECT 1 FROM products LIMIT 1').get() === undefined;
    const previous = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(CATALOG_ORIGIN)?.value;
    this.origin = options.origin === 'demo' && (options.mode === 'replace' || wasEmpty || previous === 'demo') ? 'demo' : 'feed';
    const currency = this.queries.merchant()?.currencies[0] ?? 'USD';
    this.writer = new CatalogWriter(db, this.queries, clock.now().toISOString(), this.importId, currency);
  }

  async resolveVariant(key: string): Promise<string | undefined> {
    return this.queries.findVariant(key)?.variantId;
  }

  private mark(collection: Collection, id: string): void {
    let set = this.seen.get(collection);
    if (!set) {
      set = new Set();
      this.seen.set(collection, set);
    }
    set.add(id);
  }

  async putMerchant(merchant: Merchant): Promise<PutOutcome> {
    this.mark('merchant', '1');
    return this.writer.putMerchant(merchant);
  }
  async putLocation(location: Location): Promise<PutOutcome> {
    this.mark('locations', location.id);
    const priority = location.priority ?? (location.kind === 'warehouse' ? 0 : 100) + this.locationsPut++;
    return this.writer.putLocation(location, priority);
  }
  async putShippingRate(rate: ShippingRate): Promise<PutOutcome> {
    this.mark('shipping_rates', rate.id);
    return this.writer.putShippingRate(rate);
  }
  async putTaxRate(rate: TaxRate): Promise<PutOutcome> {
    this.mark('tax_rates', rate.id);
    return this.writer.putTaxRate(rate);
  }
  async putReturnPolicy(policy: ReturnPolicy): Promise<PutOutcome> {
    this.mark('return_policies', policy.id);
    return this.writer.putReturnPolicy(policy);
  }
  async putProduct(product: PreparedProduct): Promise<PutOutcome> {
    this.known ??= new Set(this.db.prepare<[], { id: string }>('SELECT id FROM products').pluck().all() as unknown as string[]);
    const outcome = this.writer.putProduct(product, this.known.has(product.id));
    this.mark('products', product.id);
    return outcome;
  }
  async putReview(review: Review): Promise<PutOutcome> {
    const outcome = this.writer.putReview(review);
    this.mark('reviews', review.id);
    return outcome;
  }
  async putDiscount(discount: DiscountCode): Promise<PutOutcome> {
    this.mark('discounts', discount.code.toUpperCase());
    return this.writer.putDiscount(discount);
  }
  async putPromotion(promotion: Promotion): Promise<PutOutcome> {
    this.mark('promotions', promotion.id);
    return this.writer.putPromotion(promotion);
  }
  async putCustomer(customer: Customer): Promise<PutOutcome> {
    this.mark('customers', customer.id);
    return this.writer.putCustomer(customer);
  }
  async putAddress(address: CustomerAddress): Promise<PutOutcome> {
    const outcome = this.writer.putAddress(address);
    this.mark('addresses', address.id);
    return outcome;
  }
  async putPaymentInstrument(instrument: PaymentInstrument): Promise<PutOutcome> {
    this.mark('payment_instruments', instrument.id);
    return this.writer.putPaymentInstrument(instrument);
  }
  async setInventory(input: InventoryInput): Promise<PutOutcome> {
    return this.writer.setInventory(input).outcome;
  }
  async setPrice(input: PriceInput): Promise<PutOutcome> {
    return this.writer.setPrice(input);
  }
  async deleteProduct(id: string): Promise<boolean> {
    this.known?.delete(id);
    return this.writer.deleteProduct(id);
  }

  async removeUnseen(collections: readonly Collection[]): Promise<Partial<Record<Collection, number>>> {
    const removed: Partial<Record<Collection, number>> = {};
    for (const collection of collections) {
      if (collection === 'merchant') continue;
      const [table, key] = TABLES[collection];
      const seen = this.seen.get(collection) ?? new Set<string>();
      const ids = this.db
        .prepare<[], { id: string }>(`SELECT ${key} AS id FROM ${table}`)
        .all()
        .map((r) => r.id)
        .filter((id) => !seen.has(collection === 'discounts' ? id.toUpperCase() : id));
      if (collection === 'products') {
        for (const id of ids) this.writer.deleteProduct(id);
        removed.products = ids.length;
      } else if (collection === 'reviews') {
        for (const id of ids) this.writer.deleteReview(id);
        removed.reviews = ids.length;
      } else {
        removed[collection] = this.writer.deleteDocs(table, key, ids);
      }
    }
    return removed;
  }

  async commit(): Promise<void> {
    this.assertOpen();
    try {
      this.writer.finish();
      this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(CATALOG_ORIGIN, this.origin);
      this.db.exec('COMMIT');
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    } finally {
      this.close();
    }
  }

  async rollback(): Promise<void> {
    if (!this.open) return;
    try {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
    } finally {
      this.close();
    }
  }

  private assertOpen(): void {
    if (!this.open) throw new Error('import session already finished');
  }

  private close(): void {
    this.open = false;
    this.onClose();
  }
}
