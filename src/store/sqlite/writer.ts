/**
 * Write side of the SQLite store. Every change to a product, variant, price or stock level is recorded in
 * the change log with a monotonic sequence number, and the owning product's `seq`/`updated_at` move with
 * it, so `modified_since`, ETags and the change feed all derive from one place. Callers wrap calls in a
 * transaction; the writer itself never commits. Store-wide documents are written through StoreDocuments
 * (store-documents.ts) and stock level rows through StockLevelRows (stock-levels.ts).
 */
import type { Customer, CustomerAddress, DiscountCode, Location, Merchant, PaymentInstrument, Promotion, ReturnPolicy, Review, Price, ShippingRate, TaxRate } from '../../catalog/model.js';
import { invalidInput } from '../../errors.js';
import { oldestSync } from '../../catalog/quality.js';
import { storedQualityMask, type PreparedProduct, type PreparedVariant } from '../prepared.js';
import { aggregateRating } from '../../catalog/reviews.js';
import type { ChangeEntity, ChangeKind, InventoryInput, PriceInput, PutOutcome, StockChange } from '../store.js';
import type { Db } from './db.js';
import type { CatalogQueries } from './queries.js';
import { hashOf, type PriceRow, type VariantRow } from './rows.js';
import { levelState, StockLevelRows } from './stock-levels.js';
import { StoreDocuments } from './store-documents.js';

export const DEFAULT_LOCATION_ID = 'default';

export class CatalogWriter {
  private readonly s;
  private readonly docs: StoreDocuments;
  private readonly levels: StockLevelRows;
  private readonly locationIds: Set<string>;
  private readonly policyIds: Set<string>;
  private currency: string;
  /** Products whose derived columns (quality, stock age, rating) must be recomputed before commit. */
  private readonly dirty = new Set<string>();
  private readonly ratingDirty = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly queries: CatalogQueries,
    /** One timestamp per feed version or per admin request. */
    private readonly at: string,
    private readonly importId: string | null,
    defaultCurrency: string,
  ) {
    this.s = {
      change: db.prepare('INSERT INTO changes (at, entity, kind, product_id, variant_id, location_id, import_id) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      touch: db.prepare('UPDATE products SET seq = ?, updated_at = ? WHERE id = ?'),
      insertProduct: db.prepare(
        `INSERT INTO products (id, title, brand, categories, doc, quality_mask, stock_synced_at, created_at, updated_at, seq)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      updateProduct: db.prepare('UPDATE products SET title = @title, brand = @brand, categories = @categories, doc = @doc WHERE id = @id'),
      productDoc: db.prepare<[string], { doc: string }>('SELECT doc FROM products WHERE id = ?'),
      setDerived: db.prepare('UPDATE products SET quality_mask = ?, stock_synced_at = ? WHERE id = ?'),
      setRating: db.prepare('UPDATE products SET review_count = ?, rating = ? WHERE id = ?'),
      deleteProduct: db.prepare('DELETE FROM products WHERE id = ?'),
      variantsOf: db.prepare<[string], Pick<VariantRow, 'id' | 'position' | 'doc'>>('SELECT id, position, doc FROM variants WHERE product_id = ?'),
      variantOwner: db.prepare<[string], { product_id: string }>('SELECT product_id FROM variants WHERE id = ?'),
      insertVariant: db.prepare('INSERT INTO variants (id, product_id, position, sku, gtin, doc) VALUES (?, ?, ?, ?, ?, ?)'),
      insertPrice: db.prepare('INSERT INTO prices (variant_id, currency, amount, list_amount, valid_until) VALUES (?, ?, ?, ?, ?)'),
      updateVariant: db.prepare('UPDATE variants SET position = @position, sku = @sku, gtin = @gtin, doc = @doc WHERE id = @id'),
      deleteVariant: db.prepare('DELETE FROM variants WHERE id = ?'),
      pricesOf: db.prepare<[string], PriceRow>('SELECT * FROM prices WHERE variant_id = ?'),
      upsertPrice: db.prepare(
        `INSERT INTO prices (variant_id, currency, amount, list_amount, valid_until) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (variant_id, currency) DO UPDATE SET amount = excluded.amount, list_amount = excluded.list_amount, valid_until = excluded.valid_until`,
      ),
      deletePrice: db.prepare('DELETE FROM prices WHERE variant_id = ? AND currency = ?'),
      reviewRatings: db.prepare<[string], { doc: string }>('SELECT doc FROM reviews WHERE product_id = ?'),
      reviewOwner: db.prepare<[string], { product_id: string; doc: string }>('SELECT product_id, doc FROM reviews WHERE id = ?'),
      upsertReview: db.prepare(
        `INSERT INTO reviews (id, product_id, date, doc) VALUES (?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET product_id = excluded.product_id, date = excluded.date, doc = excluded.doc`,
      ),
      deleteReview: db.prepare('DELETE FROM reviews WHERE id = ?'),
      productExists: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM products WHERE id = ?'),
      locationIds: db.prepare<[], { id: string }>('SELECT id FROM locations ORDER BY priority, id'),
      policyIds: db.prepare<[], { id: string }>('SELECT id FROM return_policies'),
      customerExists: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM customers WHERE id = ?'),
      addressHash: db.prepare<[string, string], { id: string }>('SELECT id FROM addresses WHERE customer_id = ? AND content_hash = ?'),
    };
    this.docs = new StoreDocuments(db, (kind) => this.change('store', kind, null));
    this.levels = new StockLevelRows(db, at);
    this.locationIds = new Set(this.s.locationIds.all().map((r) => r.id));
    this.policyIds = new Set(this.s.policyIds.all().map((r) => r.id));
    this.currency = defaultCurrency;
  }

  /** Append to the change log; returns the new sequence number. */
  change(entity: ChangeEntity, kind: ChangeKind, productId: string | null, variantId: string | null = null, locationId: string | null = null): number {
    return Number(this.s.change.run(this.at, entity, kind, productId, variantId, locationId, this.importId).lastInsertRowid);
  }

  private touch(productId: string, seq: number): void {
    this.s.touch.run(seq, this.at, productId);
  }

  // ------------------------------------------------------------------------------ store-wide records

  putMerchant(merchant: Merchant): PutOutcome {
    const outcome = this.docs.put('merchant', 'id', '1', JSON.stringify(merchant), { updated_at: this.at });
    const previous = this.currency;
    this.currency = merchant.currencies[0] ?? this.currency;
    if (previous !== this.currency) for (const r of this.db.prepare<[], { id: string }>('SELECT id FROM products').all()) this.dirty.add(r.id);
    return outcome;
  }

  putLocation(location: Location, priority: number): PutOutcome {
    this.locationIds.add(location.id);
    return this.docs.put('locations', 'id', location.id, JSON.stringify(location), { priority, updated_at: this.at });
  }
  putShippingRate(rate: ShippingRate): PutOutcome {
    return this.docs.put('shipping_rates', 'id', rate.id, JSON.stringify(rate));
  }
  putTaxRate(rate: TaxRate): PutOutcome {
    return this.docs.put('tax_rates', 'id', rate.id, JSON.stringify(rate));
  }
  putReturnPolicy(policy: ReturnPolicy): PutOutcome {
    this.policyIds.add(policy.id);
    return this.docs.put('return_policies', 'id', policy.id, JSON.stringify(policy));
  }
  putDiscount(discount: DiscountCode): PutOutcome {
    return this.docs.put('discounts', 'code', discount.code, JSON.stringify(discount));
  }
  putPromotion(promotion: Promotion): PutOutcome {
    return this.docs.put('promotions', 'id', promotion.id, JSON.stringify(promotion));
  }
  putCustomer(customer: Customer): PutOutcome {
    return this.docs.put('customers', 'id', customer.id, JSON.stringify(customer), { email: customer.email });
  }
  putPaymentInstrument(instrument: PaymentInstrument): PutOutcome {
    return this.docs.put('payment_instruments', 'id', instrument.id, JSON.stringify(instrument));
  }

  /** Addresses are de-duplicated by content per customer: the same address twice is one row. */
  putAddress(address: CustomerAddress): PutOutcome {
    if (!this.s.customerExists.get(address.customerId)) {
      throw unknownRef('customer', address.customerId);
    }
    const { id: _id, ...content } = address;
    const hash = hashOf(JSON.stringify(content));
    const same = this.s.addressHash.get(address.customerId, hash);
    if (same && same.id !== address.id) return 'unchanged';
    return this.docs.put('addresses', 'id', address.id, JSON.stringify(address), { customer_id: address.customerId, content_hash: hash });
  }

  /** Delete rows of a store-wide table; logs one store change when anything went. */
  deleteDocs(table: string, key: string, ids: readonly string[]): number {
    const n = this.docs.delete(table, key, ids);
    if (table === 'locations') for (const id of ids) this.locationIds.delete(id);
    if (table === 'return_policies') for (const id of ids) this.policyIds.delete(id);
    return n;
  }

  // ----------------------------------------------------------------------------------------- products

  /**
   * Create or update a product with its variants and prices; a variant that states its stock gets exactly
   * those levels, the others keep theirs. Logs one change per product created, and per variant / price /
   * stock level that actually changed on update (documents are compared as stored, byte for byte).
   * `exists`: whether the product is in the store, when the caller knows (saves a lookup per product).
   */
  putProduct(p: PreparedProduct, exists?: boolean): PutOutcome {
    if (p.returnPolicyId !== undefined && !this.policyIds.has(p.returnPolicyId)) throw unknownRef('return policy', p.returnPolicyId);
    const old = exists === false ? undefined : this.s.productDoc.get(p.id);
    const row = { id: p.id, title: p.title, brand: p.brand, categories: p.categories, doc: p.doc };
    if (!old) {
      const seq = this.change('product', 'create', p.id);
      const stocked = p.variants.some((v) => v.inventory?.length);
      this.s.insertProduct.run(p.id, p.title, p.brand, p.categories, p.doc, p.qualityMask, stocked ? this.at : null, this.at, this.at, seq);
      for (const v of p.variants) {
        this.insertVariant(p.id, v);
        for (const price of v.prices) this.s.insertPrice.run(v.id, price.currency, price.amount, price.listAmount ?? null, price.validUntil ?? null);
        for (const level of v.inventory ?? []) this.insertLevel(v.id, level);
      }
      if (!p.stockComplete) this.dirty.add(p.id);
      return 'created';
    }

    let seq = 0;
    if (old.doc !== p.doc) {
      this.s.updateProduct.run(row);
      seq = this.change('product', 'update', p.id);
    }
    const before = new Map(this.s.variantsOf.all(p.id).map((v) => [v.id, v]));
    for (const v of p.variants) {
      const prev = before.get(v.id);
      before.delete(v.id);
      if (!prev) {
        this.insertVariant(p.id, v);
        seq = this.change('variant', 'create', p.id, v.id);
      } else if (prev.doc !== v.doc || prev.position !== v.position) {
        this.s.updateVariant.run({ id: v.id, position: v.position, sku: v.sku, gtin: v.gtin, doc: v.doc });
        seq = this.change('variant', 'update', p.id, v.id);
      }
      if (this.syncPrices(v.id, v.prices)) seq = this.change('price', 'update', p.id, v.id);
      if (v.inventory) seq = Math.max(seq, this.syncLevels(p.id, v.id, v.inventory));
    }
    for (const gone of before.keys()) {
      this.s.deleteVariant.run(gone);
      seq = this.change('variant', 'delete', p.id, gone);
    }
    if (seq) this.touch(p.id, seq);
    this.refreshDerived(p.id);
    return seq ? 'updated' : 'unchanged';
  }

  /** Insert a variant row; an id that belongs to another product moves here and that product records the loss. */
  private insertVariant(productId: string, v: PreparedVariant): void {
    const row = [v.id, productId, v.position, v.sku, v.gtin, v.doc];
    try {
      this.s.insertVariant.run(row);
    } catch (err) {
      const owner = (err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ? this.s.variantOwner.get(v.id) : undefined;
      if (!owner || owner.product_id === productId) throw err;
      this.s.deleteVariant.run(v.id);
      this.touch(owner.product_id, this.change('variant', 'delete', owner.product_id, v.id));
      this.dirty.add(owner.product_id);
      this.s.insertVariant.run(row);
    }
  }

  /** Make the variant's prices equal to `prices`; true when anything changed. */
  private syncPrices(variantId: string, prices: readonly Price[]): boolean {
    const old = new Map(this.s.pricesOf.all(variantId).map((p) => [p.currency, p]));
    let changed = false;
    for (const p of prices) {
      const o = old.get(p.currency);
      old.delete(p.currency);
      if (!o || o.amount !== p.amount || o.list_amount !== (p.listAmount ?? null) || o.valid_until !== (p.validUntil ?? null)) {
        this.s.upsertPrice.run(variantId, p.currency, p.amount, p.listAmount ?? null, p.validUntil ?? null);
        changed = true;
      }
    }
    for (const currency of old.keys()) {
      this.s.deletePrice.run(variantId, currency);
      changed = true;
    }
    return changed;
  }

  /** Make a variant's stock levels equal to `levels`; returns the last change seq (0 = none). */
  private syncLevels(productId: string, variantId: string, levels: readonly InventoryInput[]): number {
    const old = new Map(this.levels.ofVariant(variantId).map((l) => [l.location_id, l]));
    let seq = 0;
    for (const input of levels) {
      const locationId = this.resolveLocation(input.locationId);
      old.delete(locationId);
      if (this.levels.upsert(variantId, { ...input, locationId })) seq = this.change('inventory', 'update', productId, variantId, locationId);
    }
    for (const locationId of old.keys()) {
      this.levels.delete(variantId, locationId);
      seq = this.change('inventory', 'delete', productId, variantId, locationId);
    }
    return seq;
  }

  private insertLevel(variantId: string, input: InventoryInput): void {
    const s = levelState(input, undefined);
    this.levels.insert(variantId, this.resolveLocation(input.locationId), s);
  }

  /** The given location (which must exist), or the primary one; a store with none gets "default". */
  resolveLocation(locationId: string | undefined): string {
    if (locationId !== undefined) {
      if (!this.locationIds.has(locationId)) throw unknownRef('location', locationId);
      return locationId;
    }
    const primary = this.locationIds.values().next();
    if (!primary.done) return primary.value;
    const merchant = this.queries.merchant();
    const location: Location = {
      id: DEFAULT_LOCATION_ID,
      name: 'Default location',
      kind: 'warehouse',
      address: { country: merchant?.country ?? 'US' },
      pickup: false,
      hours: [],
    };
    this.putLocation(location, 0);
    return DEFAULT_LOCATION_ID;
  }

  /** Stock update for one variant at one location (feeds' inventory records, the admin API). */
  setInventory(input: InventoryInput): { outcome: PutOutcome; change?: StockChange } {
    const owner = this.s.variantOwner.get(input.variantId);
    if (!owner) throw unknownRef('variant', input.variantId);
    const locationId = this.resolveLocation(input.locationId);
    const existed = this.levels.get(input.variantId, locationId) !== undefined;
    const changed = this.levels.upsert(input.variantId, { ...input, locationId });
    this.dirty.add(owner.product_id);
    if (!changed) return { outcome: 'unchanged' };
    this.touch(owner.product_id, this.change('inventory', existed ? 'update' : 'create', owner.product_id, input.variantId, locationId));
    const level = this.levels.get(input.variantId, locationId)!;
    return {
      outcome: existed ? 'updated' : 'created',
      change: { variantId: input.variantId, productId: owner.product_id, locationId, onHand: level.on_hand, reserved: level.reserved },
    };
  }

  setPrice(input: PriceInput): PutOutcome {
    const owner = this.s.variantOwner.get(input.variantId);
    if (!owner) throw unknownRef('variant', input.variantId);
    const old = this.s.pricesOf.all(input.variantId).find((p) => p.currency === input.currency);
    const listAmount = input.listAmount === undefined ? (old?.list_amount ?? null) : input.listAmount;
    const validUntil = input.validUntil === undefined ? (old?.valid_until ?? null) : input.validUntil;
    if (old && old.amount === input.amount && old.list_amount === listAmount && old.valid_until === validUntil) return 'unchanged';
    this.s.upsertPrice.run(input.variantId, input.currency, input.amount, listAmount, validUntil);
    this.touch(owner.product_id, this.change('price', old ? 'update' : 'create', owner.product_id, input.variantId));
    this.dirty.add(owner.product_id);
    return old ? 'updated' : 'created';
  }

  deleteProduct(id: string): boolean {
    if (this.s.deleteProduct.run(id).changes === 0) return false;
    this.change('product', 'delete', id);
    this.dirty.delete(id);
    this.ratingDirty.delete(id);
    return true;
  }

  // ------------------------------------------------------------------------------------------ reviews

  putReview(review: Review): PutOutcome {
    if (!this.s.productExists.get(review.productId)) throw unknownRef('product', review.productId);
    const doc = JSON.stringify(review);
    const old = this.s.reviewOwner.get(review.id);
    if (old?.doc === doc) return 'unchanged';
    this.s.upsertReview.run(review.id, review.productId, review.date, doc);
    if (old && old.product_id !== review.productId) this.reviewChanged(old.product_id, review.id, 'delete');
    this.reviewChanged(review.productId, review.id, old && old.product_id === review.productId ? 'update' : 'create');
    return old ? 'updated' : 'created';
  }

  deleteReview(id: string): boolean {
    const old = this.s.reviewOwner.get(id);
    if (!old) return false;
    this.s.deleteReview.run(id);
    this.reviewChanged(old.product_id, id, 'delete');
    return true;
  }

  private reviewChanged(productId: string, _reviewId: string, kind: ChangeKind): void {
    this.touch(productId, this.change('review', kind, productId));
    this.ratingDirty.add(productId);
  }

  // ---------------------------------------------------------------------------------- derived columns

  /** Recompute the quality mask and stock age of one product from what is stored now. */
  private refreshDerived(productId: string): void {
    const record = this.queries.product(productId);
    if (!record) return;
    const stocked = new Set(record.levels.map((l) => l.variantId));
    const oldest = oldestSync(record.levels) ?? null;
    this.s.setDerived.run(storedQualityMask(record.product, stocked, this.currency), oldest, productId);
    this.dirty.delete(productId);
  }

  /** Bring derived columns up to date for everything touched; call before commit. */
  finish(): void {
    for (const id of this.dirty) this.refreshDerived(id);
    for (const id of this.ratingDirty) {
      const reviews = this.s.reviewRatings.all(id).map((r) => JSON.parse(r.doc) as Review);
      const rating = aggregateRating(reviews);
      this.s.setRating.run(reviews.length, rating ? JSON.stringify(rating) : null, id);
    }
    this.ratingDirty.clear();
  }
}

function unknownRef(what: string, id: string) {
  return invalidInput('unknown_reference', `unknown ${what} "${id}" (not in the store, and not defined earlier in this feed)`, {
    reference: what,
    id,
  });
}
