/** Read side of the SQLite store: prepared statements over one connection. */
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
import type { ChangeEntry, ProductListQuery, ProductPage, ProductRecord, ResolvedKey, VariantRef } from '../store.js';
import type { Db } from './db.js';
import type Database from 'better-sqlite3';
import { changeFromRow, levelFromRow, priceFromRow, productRecordFrom, reviewFromDoc, type ChangeRow, type InventoryRow, type PriceRow, type ProductRow, type VariantRow } from './rows.js';

export interface KeyRow {
  id: string;
  seq: number;
  updated_at: string;
}

/** A variant that can be sold now: stock not tracked, or on hand beyond what is reserved. */
const SELLABLE = `EXISTS (SELECT 1 FROM variants v JOIN inventory i ON i.variant_id = v.id
  WHERE v.product_id = products.id AND (i.on_hand IS NULL OR i.on_hand > i.reserved))`;
const FLAGGED = (flag: string) => `EXISTS (SELECT 1 FROM variants v JOIN inventory i ON i.variant_id = v.id
  WHERE v.product_id = products.id AND i.${flag} = 1)`;

const AVAILABILITY_SQL = {
  in_stock: SELLABLE,
  out_of_stock: `NOT ${SELLABLE}`,
  backorder: `NOT ${SELLABLE} AND ${FLAGGED('backorder')}`,
  preorder: `NOT ${SELLABLE} AND ${FLAGGED('preorder')}`,
} as const;

/** SQLite caps bound parameters per statement; batch `IN (...)` lists below it. */
const IN_BATCH = 500;

function placeholders(n: number): string {
  return new Array(n).fill('?').join(',');
}

function docs<T>(rows: { doc: string }[]): T[] {
  return rows.map((r) => JSON.parse(r.doc) as T);
}

export class CatalogQueries {
  /** Statements whose text varies (IN lists of each size, filter combinations), compiled once each. */
  private readonly cache = new Map<string, Database.Statement>();

  private prep<P extends unknown[], R>(sql: string): Database.Statement<P, R> {
    let st = this.cache.get(sql);
    if (!st) {
      if (this.cache.size >= 500) this.cache.delete(this.cache.keys().next().value!);
      st = this.db.prepare(sql);
      this.cache.set(sql, st);
    }
    return st as unknown as Database.Statement<P, R>;
  }

  private readonly s;

  constructor(private readonly db: Db) {
    this.s = {
      merchant: db.prepare<[], { doc: string }>('SELECT doc FROM merchant WHERE id = 1'),
      locations: db.prepare<[], { doc: string }>('SELECT doc FROM locations ORDER BY priority, id'),
      rates: db.prepare<[], { doc: string }>('SELECT doc FROM shipping_rates ORDER BY id'),
      taxRates: db.prepare<[], { doc: string }>('SELECT doc FROM tax_rates ORDER BY id'),
      policies: db.prepare<[], { doc: string }>('SELECT doc FROM return_policies ORDER BY id'),
      promotions: db.prepare<[], { doc: string }>('SELECT doc FROM promotions ORDER BY id'),
      discounts: db.prepare<[], { doc: string }>('SELECT doc FROM discounts ORDER BY code'),
      discount: db.prepare<[string], { doc: string }>('SELECT doc FROM discounts WHERE code = ?'),
      product: db.prepare<[string], ProductRow>('SELECT * FROM products WHERE id = ?'),
      variantsOf: db.prepare<[string], VariantRow>('SELECT * FROM variants WHERE product_id = ? ORDER BY position'),
      pricesOf: db.prepare<[string], PriceRow>('SELECT p.* FROM prices p JOIN variants v ON v.id = p.variant_id WHERE v.product_id = ? ORDER BY p.variant_id, p.currency'),
      levelsOf: db.prepare<[string], InventoryRow>('SELECT i.* FROM inventory i JOIN variants v ON v.id = i.variant_id WHERE v.product_id = ? ORDER BY i.variant_id, i.location_id'),
      variantById: db.prepare<[string], { product_id: string; id: string }>('SELECT product_id, id FROM variants WHERE id = ?'),
      variantBySku: db.prepare<[string], { product_id: string; id: string }>('SELECT product_id, id FROM variants WHERE sku = ? LIMIT 1'),
      variantByGtin: db.prepare<[string], { product_id: string; id: string }>('SELECT product_id, id FROM variants WHERE gtin = ? LIMIT 1'),
      productByHandle: db.prepare<[string], { id: string }>("SELECT id FROM products WHERE json_extract(doc, '$.handle') = ? AND json_extract(doc, '$.handle') IS NOT NULL ORDER BY id LIMIT 1"),
      count: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM products'),
      reviews: db.prepare<[string, number], { doc: string }>('SELECT doc FROM reviews WHERE product_id = ? ORDER BY date DESC, id LIMIT ?'),
      changes: db.prepare<[number, number], ChangeRow>('SELECT * FROM changes WHERE seq > ? ORDER BY seq LIMIT ?'),
      lastSeq: db.prepare<[], { seq: number | null }>('SELECT max(seq) AS seq FROM changes'),
      storeVersion: db.prepare<[], { seq: number; at: string }>("SELECT seq, at FROM changes WHERE entity = 'store' ORDER BY seq DESC LIMIT 1"),
      deleted: db.prepare<[string, string, number], { id: string; at: string }>(
        `SELECT product_id AS id, max(at) AS at FROM changes
         WHERE entity = 'product' AND kind = 'delete' AND at >= ? AND product_id > ?
           AND product_id NOT IN (SELECT id FROM products)
         GROUP BY product_id ORDER BY product_id LIMIT ?`,
      ),
      customerByEmail: db.prepare<[string], { doc: string }>('SELECT doc FROM customers WHERE email = ?'),
      addresses: db.prepare<[string], { doc: string }>('SELECT doc FROM addresses WHERE customer_id = ? ORDER BY id'),
      instruments: db.prepare<[], { doc: string }>('SELECT doc FROM payment_instruments ORDER BY id'),
      scan: db.prepare<[string, number], ProductRow>('SELECT * FROM products WHERE id > ? ORDER BY id LIMIT ?'),
      key: db.prepare<[string], KeyRow>('SELECT id, seq, updated_at FROM products WHERE id = ?'),
    };
  }

  merchant(): Merchant | undefined {
    const row = this.s.merchant.get();
    return row ? (JSON.parse(row.doc) as Merchant) : undefined;
  }
  locations(): Location[] {
    return docs<Location>(this.s.locations.all());
  }
  shippingRates(): ShippingRate[] {
    return docs<ShippingRate>(this.s.rates.all());
  }
  taxRates(): TaxRate[] {
    return docs<TaxRate>(this.s.taxRates.all());
  }
  returnPolicies(): ReturnPolicy[] {
    return docs<ReturnPolicy>(this.s.policies.all());
  }
  promotions(): Promotion[] {
    return docs<Promotion>(this.s.promotions.all());
  }
  discounts(): DiscountCode[] {
    return docs<DiscountCode>(this.s.discounts.all());
  }
  discount(code: string): DiscountCode | undefined {
    const row = this.s.discount.get(code);
    return row ? (JSON.parse(row.doc) as DiscountCode) : undefined;
  }

  product(id: string): ProductRecord | undefined {
    const row = this.s.product.get(id);
    if (!row) return undefined;
    const prices = new Map<string, Price[]>();
    for (const p of this.s.pricesOf.all(id)) push(prices, p.variant_id, priceFromRow(p));
    const levels = this.s.levelsOf.all(id).map(levelFromRow);
    return productRecordFrom(row, this.s.variantsOf.all(id), prices, levels);
  }

  /** Records for many products with four queries per batch, in the order of `rows`. */
  records(rows: readonly ProductRow[]): ProductRecord[] {
    const out: ProductRecord[] = [];
    for (let i = 0; i < rows.length; i += IN_BATCH) {
      const batch = rows.slice(i, i + IN_BATCH);
      const ids = batch.map((r) => r.id);
      const ph = placeholders(ids.length);
      const variants = new Map<string, VariantRow[]>();
      for (const v of this.prep<string[], VariantRow>(`SELECT * FROM variants WHERE product_id IN (${ph}) ORDER BY product_id, position`).all(...ids)) {
        push(variants, v.product_id, v);
      }
      const prices = new Map<string, Price[]>();
      for (const p of this.prep<string[], PriceRow>(`SELECT p.* FROM prices p JOIN variants v ON v.id = p.variant_id WHERE v.product_id IN (${ph}) ORDER BY p.variant_id, p.currency`).all(...ids)) {
        push(prices, p.variant_id, priceFromRow(p));
      }
      const levels = new Map<string, InventoryLevel[]>();
      for (const l of this.prep<string[], InventoryRow & { product_id: string }>(
        `SELECT i.*, v.product_id FROM inventory i JOIN variants v ON v.id = i.variant_id WHERE v.product_id IN (${ph}) ORDER BY i.variant_id, i.location_id`,
      ).all(...ids)) {
        push(levels, l.product_id, levelFromRow(l));
      }
      for (const row of batch) out.push(productRecordFrom(row, variants.get(row.id) ?? [], prices, levels.get(row.id) ?? []));
    }
    return out;
  }

  products(ids: readonly string[]): ProductRecord[] {
    const unique = [...new Set(ids)];
    const rows: ProductRow[] = [];
    for (let i = 0; i < unique.length; i += IN_BATCH) {
      const batch = unique.slice(i, i + IN_BATCH);
      rows.push(...this.prep<string[], ProductRow>(`SELECT * FROM products WHERE id IN (${placeholders(batch.length)})`).all(...batch));
    }
    const byId = new Map(this.records(rows).map((r) => [r.product.id, r]));
    return unique.flatMap((id) => byId.get(id) ?? []);
  }

  resolveKeys(keys: readonly string[]): Map<string, ResolvedKey> {
    const out = new Map<string, ResolvedKey>();
    const unique = [...new Set(keys)];
    for (let i = 0; i < unique.length; i += IN_BATCH) {
      const batch = unique.slice(i, i + IN_BATCH);
      const ph = placeholders(batch.length);
      const products = this.prep<string[], { id: string; seq: number }>(`SELECT id, seq FROM products INDEXED BY products_version WHERE id IN (${ph})`).all(...batch);
      for (const p of products) out.set(p.id, { productId: p.id, seq: p.seq });
      const rest = batch.filter((k) => !out.has(k));
      if (!rest.length) continue;
      const rp = placeholders(rest.length);
      const variants = this.prep<string[], { id: string; sku: string | null; gtin: string | null; product_id: string; seq: number }>(
        `SELECT v.id, v.sku, v.gtin, v.product_id, p.seq FROM variants v JOIN products p INDEXED BY products_version ON p.id = v.product_id
           WHERE v.id IN (${rp}) OR v.sku IN (${rp}) OR v.gtin IN (${rp})`,
      ).all(...rest, ...rest, ...rest);
      // precedence: variant id, then SKU, then GTIN
      for (const field of ['id', 'sku', 'gtin'] as const) {
        for (const v of variants) {
          const key = v[field];
          if (key !== null && rest.includes(key) && !out.has(key)) out.set(key, { productId: v.product_id, variantId: v.id, seq: v.seq });
        }
      }
      const left = rest.filter((k) => !out.has(k));
      if (!left.length) continue;
      const handles = this.prep<string[], { id: string; seq: number; handle: string }>(
        `SELECT id, seq, json_extract(doc, '$.handle') AS handle FROM products WHERE json_extract(doc, '$.handle') IN (${placeholders(left.length)}) AND json_extract(doc, '$.handle') IS NOT NULL ORDER BY id`,
      ).all(...left);
      for (const h of handles) if (!out.has(h.handle)) out.set(h.handle, { productId: h.id, seq: h.seq });
    }
    return out;
  }

  productIdByHandle(handle: string): string | undefined {
    return this.s.productByHandle.get(handle)?.id;
  }

  findVariant(key: string): VariantRef | undefined {
    const row = this.s.variantById.get(key) ?? this.s.variantBySku.get(key) ?? this.s.variantByGtin.get(key);
    return row ? { productId: row.product_id, variantId: row.id } : undefined;
  }

  /**
   * Keyset pagination in id order, or in (updated_at, id) order for `modifiedSince`, so pages stay stable
   * while the catalog changes underneath. The cursor is the last row's key, encoded by the store.
   */
  listKeys(q: ProductListQuery): { rows: KeyRow[]; next?: string } {
    const where: string[] = [];
    const params: (string | number)[] = [];
    const byTime = q.modifiedSince !== undefined;
    const after = q.after === undefined ? undefined : decodeCursor(q.after, byTime);
    if (byTime) {
      where.push('updated_at >= ?');
      params.push(q.modifiedSince!);
      if (after) {
        where.push('(updated_at, id) > (?, ?)');
        params.push(after[0]!, after[1]!);
      }
    } else if (after) {
      where.push('id > ?');
      params.push(after[0]!);
    }
    if (q.brand !== undefined) {
      where.push('brand = ? COLLATE NOCASE');
      params.push(q.brand);
    }
    if (q.category !== undefined) {
      where.push("('\n' || categories) LIKE ? ESCAPE '\\'");
      params.push(`%\n${q.category.replace(/[\\%_]/g, '\\$&')}%`);
    }
    if (q.text !== undefined) {
      for (const word of q.text.split(/\s+/).filter(Boolean).slice(0, 8)) {
        where.push("(title LIKE ? ESCAPE '\\' OR brand LIKE ? ESCAPE '\\' OR categories LIKE ? ESCAPE '\\')");
        const pattern = `%${word.replace(/[\\%_]/g, '\\$&')}%`;
        params.push(pattern, pattern, pattern);
      }
    }
    if (q.quality) {
      if (q.quality.mask) {
        where.push('(quality_mask & ?) = 0');
        params.push(q.quality.mask);
      }
      if (q.quality.requireReviews) where.push('review_count > 0');
      if (q.quality.freshSince !== undefined) {
        where.push('stock_synced_at >= ?');
        params.push(q.quality.freshSince);
      }
    }
    if (q.availability !== undefined) where.push(AVAILABILITY_SQL[q.availability]);
    const sql = `SELECT id, seq, updated_at FROM products ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY ${byTime ? 'updated_at, id' : 'id'} LIMIT ?`;
    const rows = this.prep<(string | number)[], KeyRow>(sql).all(...params, q.limit + 1);
    const more = rows.length > q.limit;
    if (more) rows.pop();
    const last = rows[rows.length - 1];
    return { rows, ...(more && last ? { next: encodeCursor(byTime ? [last.updated_at, last.id] : [last.id]) } : {}) };
  }

  listProducts(q: ProductListQuery): ProductPage {
    const { rows, next } = this.listKeys(q);
    return { items: this.products(rows.map((r) => r.id)), ...(next ? { next } : {}) };
  }

  productKey(id: string): KeyRow | undefined {
    return this.s.key.get(id);
  }

  deletedProducts(since: string, limit: number, after = ''): { id: string; at: string }[] {
    return this.s.deleted.all(since, after, limit);
  }

  count(): number {
    return this.s.count.get()!.n;
  }

  reviews(productId: string, limit: number): Review[] {
    return this.s.reviews.all(productId, limit).map((r) => reviewFromDoc(r.doc));
  }

  changes(since: number, limit: number): ChangeEntry[] {
    return this.s.changes.all(since, limit).map(changeFromRow);
  }
  lastSeq(): number {
    return this.s.lastSeq.get()!.seq ?? 0;
  }
  storeVersion(): { seq: number; at?: string } {
    return this.s.storeVersion.get() ?? { seq: 0 };
  }

  customerByEmail(email: string): Customer | undefined {
    const row = this.s.customerByEmail.get(email);
    return row ? (JSON.parse(row.doc) as Customer) : undefined;
  }
  addresses(customerId: string): CustomerAddress[] {
    return docs<CustomerAddress>(this.s.addresses.all(customerId));
  }
  paymentInstruments(): PaymentInstrument[] {
    return docs<PaymentInstrument>(this.s.instruments.all());
  }

  scanRows(afterId: string, limit: number): ProductRow[] {
    return this.s.scan.all(afterId, limit);
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Cursor = base64url JSON of the last key; validated strictly on the way back in. */
export function encodeCursor(key: string[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string, byTime: boolean): string[] {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  const want = byTime ? 2 : 1;
  if (!Array.isArray(key) || key.length !== want || !key.every((k) => typeof k === 'string')) {
    throw invalidInput('invalid_cursor', 'cursor is not valid for this query', { parameter: 'cursor' });
  }
  return key as string[];
}
