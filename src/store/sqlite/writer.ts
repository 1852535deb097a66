/**
 * Write side of the SQLite store. Every change to a product, variant, price or stock level is recorded in
 * the change log with a monotonic sequence number, and the owning product's `seq`/`updated_at` move with
 * it, so `modified_since`, ETags and the change feed all derive from one place. Callers wrap calls in a
 * transaction; the writer itself never commits.
 */
import type { Customer, CustomerAddress, DiscountCode, Location, Merchant, PaymentInstrument, Promotion, ReturnPolicy, Review, Price, ShippingRate, TaxRate } from '../../catalog/model.js';
import { invalidInput, notFound } from '../../catalog/errors.js';
import { MAX_STOCK_UNITS } from '../../catalog/availability.js';
import { oldestSync } from '../../catalog/quality.js';
import { storedQualityMask, type PreparedProduct, type PreparedVariant } from '../prepared.js';
import { aggregateRating } from '../../catalog/reviews.js';
import type { ChangeEntity, ChangeKind, InventoryInput, PriceInput, PutOutcome, StockChange } from '../store.js';
import type { Db } from './db.js';
import type { CatalogQueries } from './queries.js';
import { hashOf, type InventoryRow, type PriceRow, type VariantRow } from './rows.js';

export const DEFAULT_LOCATION_ID = 'default';

/** Customer data is not published, so changing it does not touch the change log or store ETags. */
const PRIVATE_TABLES = new Set(['customers', 'addresses', 'payment_instruments']);

interface LevelState {
  on_hand: number | null;
  low_stock_threshold: number | null;
  restock_date: string | null;
  backorder: number;
  preorder: number;
}

export class CatalogWriter {
  private readonly s;
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
      levelsOfVariant: db.prepare<[string], InventoryRow>('SELECT * FROM inventory WHERE variant_id = ?'),
      level: db.prepare<[string, string], InventoryRow>('SELECT * FROM inventory WHERE variant_id = ? AND location_id = ?'),
      insertLevel: db.prepare(
        `INSERT INTO inventory (variant_id, location_id, on_hand, low_stock_threshold, restock_date, backorder, preorder, updated_at, synced_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      updateLevel: db.prepare(
        `UPDATE inventory SET on_hand = ?, low_stock_threshold = ?, restock_date = ?, backorder = ?, preorder = ?, updated_at = ?, synced_at = ?
         WHERE variant_id = ? AND location_id = ?`,
      ),
      syncLevel: db.prepare('UPDATE inventory SET synced_at = ? WHERE variant_id = ? AND location_id = ?'),
      deleteLevel: db.prepare('DELETE FROM inventory WHERE variant_id = ? AND location_id = ?'),
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

  /** Store-wide documents (merchant, locations, rates, policies, ...): replace when the content differs. */
  private putDoc(table: string, key: string, id: string, doc: string, extra: Record<string, string | number> = {}): PutOutcome {
    const existing = this.db.prepare<[string], { doc: string }>(`SELECT doc FROM ${table} WHERE ${key} = ?`).get(id);
    if (existing?.doc === doc) return 'unchanged';
    const cols = [key, 'doc', ...Object.keys(extra)];
    const updates = cols
      .slice(1)
      .map((c) => `${c} = excluded.${c}`)
      .join(', ');
    this.db.prepare(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')}) ON CONFLICT (${key}) DO UPDATE SET ${updates}`).run(id, doc, ...Object.values(extra));
    if (!PRIVATE_TABLES.has(table)) this.change('store', existing ? 'update' : 'create', null);
    return existing ? 'updated' : 'created';
  }

  putMerchant(merchant: Merchant): PutOutcome {
    const outcome = this.putDoc('merchant', 'id', '1', JSON.stringify(merchant), { updated_at: this.at });
    const previous = this.currency;
    this.currency = merchant.currencies[0] ?? this.currency;
    if (previous !== this.currency)
      this.db
        .prepare('SELECT id FROM products')
        .all()
        .forEach((r) => this.dirty.add((r as { id: string }).id));
    return outcome;
  }

  putLocation(location: Location, priority: number): PutOutcome {
    this.locationIds.add(location.id);
    return this.putDoc('locations', 'id', location.id, JSON.stringify(location), { priority, updated_at: this.at });
  }
  putShippingRate(rate: ShippingRate): PutOutcome {
    return this.putDoc('shipping_rates', 'id', rate.id, JSON.stringify(rate));
  }
  putTaxRate(rate: TaxRate): PutOutcome {
    return this.putDoc('tax_rates', 'id', rate.id, JSON.stringify(rate));
  }
  putReturnPolicy(policy: ReturnPolicy): PutOutcome {
    this.policyIds.add(policy.id);
    return this.putDoc('return_policies', 'id', policy.id, JSON.stringify(policy));
  }
  putDiscount(discount: DiscountCode): PutOutcome {
    return this.putDoc('discounts', 'code', discount.code, JSON.stringify(discount));
  }
  putPromotion(promotion: Promotion): PutOutcome {
    return this.putDoc('promotions', 'id', promotion.id, JSON.stringify(promotion));
  }
  putCustomer(customer: Customer): PutOutcome {
    return this.putDoc('customers', 'id', customer.id, JSON.stringify(customer), { email: customer.email });
  }
  putPaymentInstrument(instrument: PaymentInstrument): PutOutcome {
    return this.putDoc('payment_instruments', 'id', instrument.id, JSON.stringify(instrument));
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
    return this.putDoc('addresses', 'id', address.id, JSON.stringify(address), { customer_id: address.customerId, content_hash: hash });
  }

  /** Delete rows of a store-wide table; logs one store change when anything went. */
  deleteDocs(table: string, key: string, ids: readonly string[]): number {
    const stmt = this.db.prepare(`DELETE FROM ${table} WHERE ${key} = ?`);
    let n = 0;
    for (const id of ids) n += stmt.run(id).changes;
    if (n > 0 && !PRIVATE_TABLES.has(table)) this.change('store', 'delete', null);
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
    const old = new Map(this.s.levelsOfVariant.all(variantId).map((l) => [l.location_id, l]));
    let seq = 0;
    for (const input of levels) {
      const locationId = this.resolveLocation(input.locationId);
      old.delete(locationId);
      if (this.upsertLevel(variantId, { ...input, locationId })) seq = this.change('inventory', 'update', productId, variantId, locationId);
    }
    for (const locationId of old.keys()) {
      this.s.deleteLevel.run(variantId, locationId);
      seq = this.change('inventory', 'delete', productId, variantId, locationId);
    }
    return seq;
  }

  private insertLevel(variantId: string, input: InventoryInput): void {
    const s = levelState(input, undefined);
    this.s.insertLevel.run(variantId, this.resolveLocation(input.locationId), s.on_hand, s.low_stock_threshold, s.restock_date, s.backorder, s.preorder, this.at, this.at);
  }

  /** Insert or update one level; true when its published state changed (a re-stated level only syncs). */
  private upsertLevel(variantId: string, input: InventoryInput & { locationId: string }): boolean {
    const old = this.s.level.get(variantId, input.locationId);
    const next = levelState(input, old);
    if (!old) {
      this.s.insertLevel.run(variantId, input.locationId, next.on_hand, next.low_stock_threshold, next.restock_date, next.backorder, next.preorder, this.at, this.at);
      return true;
    }
    const same =
      old.on_hand === next.on_hand &&
      old.low_stock_threshold === next.low_stock_threshold &&
      old.restock_date === next.restock_date &&
      old.backorder === next.backorder &&
      old.preorder === next.preorder;
    if (same) {
      this.s.syncLevel.run(this.at, variantId, input.locationId);
      return false;
    }
    this.s.updateLevel.run(next.on_hand, next.low_stock_threshold, next.restock_date, next.backorder, next.preorder, this.at, this.at, variantId, input.locationId);
    return true;
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
    const existed = this.s.level.get(input.variantId, locationId) !== undefined;
    const changed = this.upsertLevel(input.variantId, { ...input, locationId });
    this.dirty.add(owner.product_id);
    if (!changed) return { outcome: 'unchanged' };
    this.touch(owner.product_id, this.change('inventory', existed ? 'update' : 'create', owner.product_id, input.variantId, locationId));
    const level = this.s.level.get(input.variantId, locationId)!;
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

/** The stored state a stock input produces from the previous state (undefined fields keep their value). */
function levelState(input: InventoryInput, old: InventoryRow | undefined): LevelState {
  let onHand: number | null;
  if (input.adjust !== undefined) {
    const base = old ? old.on_hand : 0;
    if (base === null) throw invalidInput('untracked_stock', `stock of variant "${input.variantId}" is not tracked; set on_hand instead of adjusting it`);
    onHand = base + input.adjust;
    if (onHand < 0) throw invalidInput('negative_stock', `adjusting by ${input.adjust} would make on-hand stock of "${input.variantId}" negative (${onHand})`);
    if (onHand > MAX_STOCK_UNITS) throw invalidInput('stock_too_large', `adjusting by ${input.adjust} would make on-hand stock of "${input.variantId}" exceed ${MAX_STOCK_UNITS}`);
  } else if (input.onHand !== undefined) {
    onHand = input.onHand;
  } else if (old) {
    onHand = old.on_hand;
  } else {
    throw notFound('unknown_stock_level', `variant "${input.variantId}" has no stock level at this location yet; give on_hand`);
  }
  const keep = <T>(next: T | null | undefined, prev: T | null): T | null => (next === undefined ? prev : next);
  return {
    on_hand: onHand,
    low_stock_threshold: keep(input.lowStockThreshold, old?.low_stock_threshold ?? null),
    restock_date: keep(input.restockDate, old?.restock_date ?? null),
    backorder: input.backorder === undefined ? (old?.backorder ?? 0) : Number(input.backorder),
    preorder: input.preorder === undefined ? (old?.preorder ?? 0) : Number(input.preorder),
  };
}
