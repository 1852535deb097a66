/**
 * UCP commerce as the store keeps it: checkout sessions and carts, orders, the webhook outbox, stored
 * idempotent responses, and what completing a checkout takes and answers (stock lines, the order, its
 * webhooks and the discount codes it redeems, with their limits). Documents are the service's own JSON;
 * the store only versions them. The methods are CommerceStore in contract.ts.
 */
import type { ReserveLine } from './inventory-records.js';

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
