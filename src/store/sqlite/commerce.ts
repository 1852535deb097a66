/**
 * Checkout sessions, carts, orders, idempotency keys and the webhook outbox. Writes that must not be
 * split are single IMMEDIATE transactions: completion takes the stock, stores the order, closes the
 * checkout and queues its webhooks together, so the last unit is sold once and a stored order always
 * has its webhook queued (a crash loses neither). Sessions and orders use optimistic versions.
 */
import { createHash } from 'node:crypto';
import type { CustomerAddress, Customer } from '../../catalog/model.js';
import type { CompleteInput, CompleteResult, DiscountUsageCounts, IdempotencyBegin, OrderRecord, OutboxInsert, OutboxRecord, SessionRecord, StoredResponse } from '../store.js';
import type { Db } from './db.js';
import type { Reservations } from './reservations.js';
import { hashOf } from './rows.js';

interface SessionRow {
  id: string;
  kind: 'checkout' | 'cart';
  platform: string;
  status: string;
  cart_id: string | null;
  order_id: string | null;
  version: number;
  doc: string;
  created_at: string;
  updated_at: string;
  expires_at: string;
}

interface OrderRow {
  id: string;
  checkout_id: string;
  platform: string;
  version: number;
  doc: string;
  created_at: string;
  updated_at: string;
}

interface OutboxRow {
  id: string;
  order_id: string;
  url: string;
  body: Buffer;
  attempts: number;
  next_attempt_at: string;
  delivered_at: string | null;
  last_error: string | null;
  created_at: string;
}

const session = (r: SessionRow): SessionRecord => ({
  id: r.id,
  kind: r.kind,
  platform: r.platform,
  status: r.status,
  ...(r.cart_id !== null ? { cartId: r.cart_id } : {}),
  ...(r.order_id !== null ? { orderId: r.order_id } : {}),
  version: r.version,
  doc: r.doc,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  expiresAt: r.expires_at,
});

const order = (r: OrderRow): OrderRecord => ({ id: r.id, checkoutId: r.checkout_id, platform: r.platform, version: r.version, doc: r.doc, createdAt: r.created_at, updatedAt: r.updated_at });

const outbox = (r: OutboxRow): OutboxRecord => ({
  id: r.id,
  orderId: r.order_id,
  url: r.url,
  body: r.body,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  ...(r.delivered_at !== null ? { deliveredAt: r.delivered_at } : {}),
  ...(r.last_error !== null ? { lastError: r.last_error } : {}),
  createdAt: r.created_at,
});

export class CommerceTables {
  private readonly s;

  constructor(
    private readonly db: Db,
    private readonly reservations: Reservations,
    private readonly now: () => string,
  ) {
    this.s = {
      insertSession: db.prepare(
        `INSERT INTO ucp_sessions (id, kind, platform, status, cart_id, order_id, version, doc, created_at, updated_at, expires_at)
         VALUES (@id, @kind, @platform, @status, @cartId, @orderId, @version, @doc, @createdAt, @updatedAt, @expiresAt)`,
      ),
      getSession: db.prepare<[string], SessionRow>('SELECT * FROM ucp_sessions WHERE id = ?'),
      updateSession: db.prepare(
        `UPDATE ucp_sessions SET status = @status, cart_id = @cartId, order_id = @orderId, version = @version, doc = @doc, updated_at = @updatedAt, expires_at = @expiresAt
         WHERE id = @id AND version = @expected`,
      ),
      openForCart: db.prepare<[string], SessionRow>("SELECT * FROM ucp_sessions WHERE cart_id = ? AND kind = 'checkout' AND status NOT IN ('completed', 'canceled') ORDER BY created_at DESC LIMIT 1"),
      redeemedTotal: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM discount_redemptions WHERE code = ?'),
      redeemedByBuyer: db.prepare<[string, string], { n: number }>('SELECT count(*) AS n FROM discount_redemptions WHERE code = ? AND buyer = ?'),
      buyerOrders: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM buyer_orders WHERE buyer = ?'),
      redeem: db.prepare<[string, string | null, string, string]>('INSERT INTO discount_redemptions (code, buyer, order_id, at) VALUES (?, ?, ?, ?)'),
      buyerOrder: db.prepare<[string, string, string]>('INSERT INTO buyer_orders (order_id, buyer, at) VALUES (?, ?, ?)'),
      insertOrder: db.prepare('INSERT INTO orders (id, checkout_id, platform, version, doc, created_at, updated_at) VALUES (@id, @checkoutId, @platform, @version, @doc, @createdAt, @updatedAt)'),
      getOrder: db.prepare<[string], OrderRow>('SELECT * FROM orders WHERE id = ?'),
      updateOrder: db.prepare('UPDATE orders SET version = @version, doc = @doc, updated_at = @updatedAt WHERE id = @id AND version = @expected'),
      idemGet: db.prepare<[string, string], { request_hash: string; status: number | null; content_type: string | null; body: Buffer | null; lease_until: string | null }>(
        'SELECT request_hash, status, content_type, body, lease_until FROM idempotency WHERE scope = ? AND key = ?',
      ),
      idemInsert: db.prepare('INSERT INTO idempotency (scope, key, request_hash, created_at, lease_until, claim) VALUES (?, ?, ?, ?, ?, ?)'),
      idemTakeOver: db.prepare('UPDATE idempotency SET created_at = ?, lease_until = ?, claim = ? WHERE scope = ? AND key = ? AND status IS NULL'),
      idemRenew: db.prepare('UPDATE idempotency SET lease_until = ? WHERE scope = ? AND key = ? AND claim = ? AND status IS NULL'),
      idemFinish: db.prepare('UPDATE idempotency SET status = ?, content_type = ?, body = ?, completed_at = ?, lease_until = NULL, claim = NULL WHERE scope = ? AND key = ? AND claim = ?'),
      idemDelete: db.prepare('DELETE FROM idempotency WHERE scope = ? AND key = ? AND status IS NULL AND claim = ?'),
      idemPurge: db.prepare('DELETE FROM idempotency WHERE created_at < ?'),
      outboxInsert: db.prepare('INSERT INTO webhook_outbox (id, order_id, url, body, next_attempt_at, created_at) VALUES (@id, @orderId, @url, @body, @at, @at)'),
      outboxDue: db.prepare<[string, number], OutboxRow>('SELECT * FROM webhook_outbox WHERE delivered_at IS NULL AND next_attempt_at <= ? ORDER BY next_attempt_at, created_at LIMIT ?'),
      outboxDelivered: db.prepare('UPDATE webhook_outbox SET delivered_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?'),
      outboxFailed: db.prepare('UPDATE webhook_outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?'),
      outboxForOrder: db.prepare<[string], OutboxRow>('SELECT * FROM webhook_outbox WHERE order_id = ? ORDER BY created_at, id'),
      customerByEmail: db.prepare<[string], { id: string; doc: string }>('SELECT id, doc FROM customers WHERE email = ?'),
      insertCustomer: db.prepare('INSERT INTO customers (id, email, doc) VALUES (?, ?, ?)'),
      addressByHash: db.prepare<[string, string], { doc: string }>('SELECT doc FROM addresses WHERE customer_id = ? AND content_hash = ?'),
      insertAddress: db.prepare('INSERT INTO addresses (id, customer_id, content_hash, doc) VALUES (?, ?, ?, ?)'),
      storeChange: db.prepare("INSERT INTO changes (at, entity, kind) VALUES (?, 'store', 'update')"),
    };
  }

  insertSession(r: SessionRecord): void {
    this.s.insertSession.run(this.sessionParams(r));
  }

  private sessionParams(r: SessionRecord) {
    return { ...r, cartId: r.cartId ?? null, orderId: r.orderId ?? null };
  }

  getSession(id: string): SessionRecord | undefined {
    const row = this.s.getSession.get(id);
    return row ? session(row) : undefined;
  }

  updateSession(r: SessionRecord, expectedVersion: number): boolean {
    return this.s.updateSession.run({ ...this.sessionParams(r), expected: expectedVersion }).changes === 1;
  }

  openCheckoutForCart(cartId: string): SessionRecord | undefined {
    const row = this.s.openForCart.get(cartId);
    return row ? session(row) : undefined;
  }

  completeCheckout(input: CompleteInput): CompleteResult {
    return this.db
      .transaction((): CompleteResult => {
        const current = this.s.getSession.get(input.checkout.id);
        if (!current || current.version !== input.expectedVersion) return { ok: false, reason: 'conflict' };
        const planned = this.reservations.plan(input.lines);
        if (!planned.ok) return { ok: false, reason: 'shortage', shortages: planned.shortages };
        // limits are counted inside the write transaction: concurrent completions cannot pass them
        for (const r of input.redemptions ?? []) {
          if (r.usageLimit !== undefined && this.s.redeemedTotal.get(r.code)!.n >= r.usageLimit) return { ok: false, reason: 'discount', code: r.code, limit: 'usage_limit' };
          if (r.perBuyerLimit !== undefined && (!input.buyer || this.s.redeemedByBuyer.get(r.code, input.buyer)!.n >= r.perBuyerLimit))
            return { ok: false, reason: 'discount', code: r.code, limit: 'per_buyer_limit' };
          if (r.firstOrder && (!input.buyer || this.s.buyerOrders.get(input.buyer)!.n > 0)) return { ok: false, reason: 'discount', code: r.code, limit: 'first_order' };
        }
        const at = this.now();
        this.reservations.sellPlanned(planned.plan, at);
        this.s.insertOrder.run(input.order);
        for (const r of input.redemptions ?? []) this.s.redeem.run(r.code, input.buyer ?? null, input.order.id, at);
        if (input.buyer) this.s.buyerOrder.run(input.order.id, input.buyer, at);
        this.s.updateSession.run({ ...this.sessionParams(input.checkout), expected: input.expectedVersion });
        for (const w of input.webhooks) this.s.outboxInsert.run({ ...w, at });
        return { ok: true };
      })
      .immediate();
  }

  discountUsage(codes: readonly string[], buyer?: string): DiscountUsageCounts {
    const total: Record<string, number> = {};
    const byBuyer: Record<string, number> = {};
    for (const raw of new Set(codes.map((c) => c.trim().toUpperCase()))) {
      total[raw] = this.s.redeemedTotal.get(raw)!.n;
      if (buyer) byBuyer[raw] = this.s.redeemedByBuyer.get(raw, buyer)!.n;
    }
    return { total, byBuyer, buyerOrders: buyer ? this.s.buyerOrders.get(buyer)!.n : 0 };
  }

  getOrder(id: string): OrderRecord | undefined {
    const row = this.s.getOrder.get(id);
    return row ? order(row) : undefined;
  }

  updateOrder(r: OrderRecord, expectedVersion: number, webhooks: readonly OutboxInsert[]): boolean {
    return this.db
      .transaction(() => {
        if (this.s.updateOrder.run({ ...r, expected: expectedVersion }).changes !== 1) return false;
        const at = this.now();
        for (const w of webhooks) this.s.outboxInsert.run({ ...w, at });
        return true;
      })
      .immediate();
  }

  beginIdempotent(scope: string, key: string, requestHash: string, lease: { at: string; leaseUntil: string; claim: string }): IdempotencyBegin {
    return this.db
      .transaction((): IdempotencyBegin => {
        const row = this.s.idemGet.get(scope, key);
        if (!row) {
          this.s.idemInsert.run(scope, key, requestHash, lease.at, lease.leaseUntil, lease.claim);
          return { state: 'new' };
        }
        if (row.request_hash !== requestHash) return { state: 'mismatch' };
        if (row.status !== null) return { state: 'replay', response: { status: row.status, contentType: row.content_type ?? 'application/json', body: row.body ?? Buffer.alloc(0) } };
        // a claim nobody renewed (its process died; NULL: claimed before leases existed) is taken over
        if (row.lease_until === null || row.lease_until <= lease.at) {
          this.s.idemTakeOver.run(lease.at, lease.leaseUntil, lease.claim, scope, key);
          return { state: 'new' };
        }
        return { state: 'pending', leaseUntil: row.lease_until };
      })
      .immediate();
  }

  renewIdempotent(scope: string, key: string, claim: string, leaseUntil: string): boolean {
    return this.s.idemRenew.run(leaseUntil, scope, key, claim).changes === 1;
  }

  finishIdempotent(scope: string, key: string, claim: string, response: StoredResponse, at: string): void {
    this.s.idemFinish.run(response.status, response.contentType, response.body, at, scope, key, claim);
  }

  abandonIdempotent(scope: string, key: string, claim: string): void {
    this.s.idemDelete.run(scope, key, claim);
  }

  purgeIdempotency(before: string): number {
    return this.s.idemPurge.run(before).changes;
  }

  dueWebhooks(now: string, limit: number): OutboxRecord[] {
    return this.s.outboxDue.all(now, limit).map(outbox);
  }

  markWebhook(id: string, result: { delivered: true; at: string } | { delivered: false; error: string; nextAttemptAt: string }): void {
    if (result.delivered) this.s.outboxDelivered.run(result.at, id);
    else this.s.outboxFailed.run(result.error.slice(0, 500), result.nextAttemptAt, id);
  }

  listWebhooks(orderId: string): OutboxRecord[] {
    return this.s.outboxForOrder.all(orderId).map(outbox);
  }

  saveBuyerAddress(rawEmail: string, name: string | undefined, address: Omit<CustomerAddress, 'id' | 'customerId'>): CustomerAddress {
    const email = rawEmail.trim().toLowerCase();
    return this.db
      .transaction((): CustomerAddress => {
        let customer = this.s.customerByEmail.get(email);
        if (!customer) {
          const id = `cust_${createHash('sha256').update(email.toLowerCase()).digest('base64url').slice(0, 16)}`;
          const doc: Customer = { id, name: name ?? email, email };
          this.s.insertCustomer.run(id, email, JSON.stringify(doc));
          this.s.storeChange.run(this.now());
          customer = { id, doc: JSON.stringify(doc) };
        }
        // the shape and key order feed imports give addresses (feed/map.ts toAddress), so one content hash
        const normalized = {
          customerId: customer.id,
          name: address.name,
          street: address.street,
          locality: address.locality,
          region: address.region,
          postalCode: address.postalCode,
          country: address.country,
        };
        // the content hash the feed import uses for customers' addresses (writer.putAddress)
        const hash = hashOf(JSON.stringify(normalized));
        const existing = this.s.addressByHash.get(customer.id, hash);
        if (existing) return JSON.parse(existing.doc) as CustomerAddress;
        const saved = JSON.parse(JSON.stringify({ id: `addr_${hash.slice(0, 16)}`, ...normalized })) as CustomerAddress;
        this.s.insertAddress.run(saved.id, customer.id, hash, JSON.stringify(saved));
        return saved;
      })
      .immediate();
  }
}
