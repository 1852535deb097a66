/**
 * Stage one of an import, pure and CPU-bound: validate each record, enforce feed-level rules (header
 * first, merchant before products, ids unique within the feed), map to the catalog model and serialise
 * products. Its output is plain data, so it can run on a worker thread (prepare-worker.ts) while the
 * database thread applies the previous batch.
 */
import type { Collection } from '../store/store.js';
import { prepareProduct, type PreparedProduct } from '../store/prepared.js';
import type { Customer, CustomerAddress, DiscountCode, Location, Merchant, PaymentInstrument, Promotion, ReturnPolicy, Review, ShippingRate, TaxRate } from '../catalog/model.js';
import type { InventoryInput, PriceInput } from '../store/store.js';
import {
  toAddress,
  toAddressRecord,
  toCustomer,
  toDiscount,
  toInventoryInput,
  toLocation,
  toMerchant,
  toPaymentInstrument,
  toPriceInput,
  toProduct,
  toPromotion,
  toReturnPolicy,
  toReview,
  toShippingRate,
  toTaxRate,
} from './map.js';
import type { FeedRecord, SourceItem, SourceRef } from './records.js';
import { validateRecord, type FieldProblem } from './validate.js';

/** A variant named by id, or by SKU (resolved against the store when applied). */
export interface VariantKey {
  key: string;
  bySku: boolean;
}

export type PreparedOp =
  | { op: 'merchant'; merchant: Merchant }
  | { op: 'location'; location: Location }
  | { op: 'shipping_rate'; rate: ShippingRate }
  | { op: 'tax_rate'; rate: TaxRate }
  | { op: 'return_policy'; policy: ReturnPolicy }
  | { op: 'product'; product: PreparedProduct }
  | { op: 'inventory'; variant: VariantKey; input: Omit<InventoryInput, 'variantId'> }
  | { op: 'price'; variant: VariantKey; input: Omit<PriceInput, 'variantId'> }
  | { op: 'review'; review: Review }
  | { op: 'discount'; discount: DiscountCode }
  | { op: 'promotion'; promotion: Promotion }
  | { op: 'customer'; customer: Customer; addresses: CustomerAddress[] }
  | { op: 'address'; address: CustomerAddress }
  | { op: 'payment_instrument'; instrument: PaymentInstrument }
  | { op: 'delete'; productId: string };

export type PreparedItem = { ref: SourceRef; op: PreparedOp } | { ref: SourceRef; problems: FieldProblem[] };

type IdKind = Collection | 'variants';

/** Each record type's collection and the id that must be unique within one feed. */
function identity(record: FeedRecord): [IdKind, string] | undefined {
  switch (record.type) {
    case 'merchant':
      return ['merchant', 'merchant'];
    case 'location':
    case 'shipping_rate':
    case 'tax_rate':
    case 'return_policy':
    case 'review':
    case 'promotion':
    case 'customer':
    case 'address':
    case 'payment_instrument':
      return [collectionOf[record.type], record.id];
    case 'product':
      return ['products', record.id];
    case 'delete':
      return ['products', record.product_id];
    case 'discount':
      return ['discounts', record.code.toUpperCase()];
    default:
      return undefined;
  }
}

const collectionOf = {
  location: 'locations',
  shipping_rate: 'shipping_rates',
  tax_rate: 'tax_rates',
  return_policy: 'return_policies',
  review: 'reviews',
  promotion: 'promotions',
  customer: 'customers',
  address: 'addresses',
  payment_instrument: 'payment_instruments',
} as const satisfies Record<string, Collection>;

export class FeedPreparer {
  private readonly seen = new Map<IdKind, Map<string, number>>();
  private records = 0;
  private header?: { count?: number; ref: SourceRef };
  private productsSeen = false;

  /** `currency`: the store's default currency, until the feed's merchant record says otherwise. */
  constructor(private currency: string) {}

  prepare(item: SourceItem): PreparedItem | undefined {
    this.records++;
    const { ref } = item;
    if ('error' in item) return { ref, problems: [{ field: item.field ?? '', message: item.error }] };
    const record = item.record;
    const problems = validateRecord(record);
    if (problems.length) return { ref, problems };
    if (record.type === 'header') {
      if (this.records !== 1) return problem(ref, 'type', 'the header must be the first record');
      this.header = { ref, ...(record.record_count !== undefined ? { count: record.record_count } : {}) };
      return undefined;
    }
    if (record.type === 'merchant' && this.productsSeen) {
      return problem(ref, 'type', 'the merchant record must come before any product (it sets the default currency)');
    }
    const id = identity(record);
    if (id) {
      const before = this.firstSeen(id[0], id[1], ref.line);
      if (before !== undefined) return problem(ref, 'id', `duplicate ${id[0] === 'merchant' ? 'merchant record' : `id "${id[1]}"`}: already on line ${before}`);
    }
    if (record.type === 'product') {
      this.productsSeen = true;
      const dup: FieldProblem[] = [];
      record.variants.forEach((v, i) => {
        const before = this.firstSeen('variants', v.id, ref.line);
        if (before !== undefined) dup.push({ field: `variants[${i}].id`, message: `duplicate variant id "${v.id}": already on line ${before}` });
      });
      if (dup.length) return { ref, problems: dup };
    }
    return { ref, op: this.toOp(record) };
  }

  /** Feed-level problems known only at the end (a header count that does not match). */
  finish(): PreparedItem[] {
    if (!this.header || this.header.count === undefined) return [];
    const counted = this.records - 1;
    if (counted === this.header.count) return [];
    return [problem(this.header.ref, 'record_count', `header says ${this.header.count} records but the feed has ${counted}: the file may be truncated`)];
  }

  get recordCount(): number {
    return this.records;
  }

  private firstSeen(kind: IdKind, id: string, line: number): number | undefined {
    let ids = this.seen.get(kind);
    if (!ids) {
      ids = new Map();
      this.seen.set(kind, ids);
    }
    const before = ids.get(id);
    if (before === undefined) ids.set(id, line);
    return before;
  }

  private toOp(record: Exclude<FeedRecord, { type: 'header' }>): PreparedOp {
    switch (record.type) {
      case 'merchant': {
        const merchant = toMerchant(record);
        this.currency = merchant.currencies[0] ?? this.currency;
        return { op: 'merchant', merchant };
      }
      case 'location':
        return { op: 'location', location: toLocation(record) };
      case 'shipping_rate':
        return { op: 'shipping_rate', rate: toShippingRate(record) };
      case 'tax_rate':
        return { op: 'tax_rate', rate: toTaxRate(record) };
      case 'return_policy':
        return { op: 'return_policy', policy: toReturnPolicy(record) };
      case 'product': {
        const { product, inventory } = toProduct(record);
        return { op: 'product', product: prepareProduct(product, inventory, this.currency) };
      }
      case 'inventory': {
        const { variantId: _v, ...input } = toInventoryInput(record, '');
        return { op: 'inventory', variant: variantKey(record), input };
      }
      case 'price': {
        const { variantId: _v, ...input } = toPriceInput(record, '');
        return { op: 'price', variant: variantKey(record), input };
      }
      case 'review':
        return { op: 'review', review: toReview(record) };
      case 'discount':
        return { op: 'discount', discount: toDiscount(record) };
      case 'promotion':
        return { op: 'promotion', promotion: toPromotion(record) };
      case 'customer':
        return { op: 'customer', customer: toCustomer(record), addresses: (record.addresses ?? []).map((a) => toAddress(a, record.id)) };
      case 'address':
        return { op: 'address', address: toAddressRecord(record) };
      case 'payment_instrument':
        return { op: 'payment_instrument', instrument: toPaymentInstrument(record) };
      case 'delete':
        return { op: 'delete', productId: record.product_id };
    }
  }
}

function variantKey(record: { variant_id?: string; sku?: string }): VariantKey {
  return record.variant_id !== undefined ? { key: record.variant_id, bySku: false } : { key: record.sku!, bySku: true };
}

function problem(ref: SourceRef, field: string, message: string): PreparedItem {
  return { ref, problems: [{ field, message }] };
}
