/**
 * Stock holds. Each operation is one IMMEDIATE transaction: it takes SQLite's write lock before reading
 * the levels it decides on, so concurrent buyers (in this process or another) are serialised and the last
 * unit is sold once.
 */
import { allocate } from '../../catalog/allocation.js';
import { availableUnits, MAX_STOCK_UNITS } from '../../catalog/availability.js';
import { invalidInput } from '../../errors.js';
import type { ReserveLine, ReserveResult, ReservedLine } from '../store.js';
import type { Db } from './db.js';

interface HoldLevel {
  location_id: string;
  on_hand: number | null;
  reserved: number;
  backorder: number;
  preorder: number;
  priority: number;
  product_id: string;
}

export class Reservations {
  private readonly s;

  constructor(
    private readonly db: Db,
    private readonly now: () => string,
  ) {
    this.s = {
      get: db.prepare<[string], { status: string }>('SELECT status FROM reservations WHERE id = ?'),
      lines: db.prepare<[string], ReservedLine & { variant_id: string; location_id: string }>(
        'SELECT variant_id, location_id, quantity FROM reservation_lines WHERE reservation_id = ? ORDER BY variant_id, location_id',
      ),
      levels: db.prepare<[string], HoldLevel>(
        `SELECT i.location_id, i.on_hand, i.reserved, i.backorder, i.preorder, l.priority, v.product_id
         FROM inventory i JOIN locations l ON l.id = i.location_id JOIN variants v ON v.id = i.variant_id
         WHERE i.variant_id = ?`,
      ),
      insert: db.prepare("INSERT INTO reservations (id, status, created_at, expires_at) VALUES (?, 'held', ?, ?)"),
      insertLine: db.prepare('INSERT INTO reservation_lines (reservation_id, variant_id, location_id, quantity) VALUES (?, ?, ?, ?)'),
      hold: db.prepare('UPDATE inventory SET reserved = reserved + ?, updated_at = ? WHERE variant_id = ? AND location_id = ?'),
      unhold: db.prepare('UPDATE inventory SET reserved = max(0, reserved - ?), updated_at = ? WHERE variant_id = ? AND location_id = ?'),
      sell: db.prepare(
        `UPDATE inventory SET reserved = max(0, reserved - @quantity), on_hand = CASE WHEN on_hand IS NULL THEN NULL ELSE on_hand - @quantity END,
           updated_at = @at WHERE variant_id = @variantId AND location_id = @locationId`,
      ),
      status: db.prepare('UPDATE reservations SET status = ? WHERE id = ?'),
      sellNow: db.prepare(
        `UPDATE inventory SET on_hand = CASE WHEN on_hand IS NULL THEN NULL ELSE on_hand - @quantity END, updated_at = @at
         WHERE variant_id = @variantId AND location_id = @locationId`,
      ),
      owner: db.prepare<[string], { product_id: string }>('SELECT product_id FROM variants WHERE id = ?'),
      change: db.prepare("INSERT INTO changes (at, entity, kind, product_id, variant_id, location_id) VALUES (?, 'inventory', 'update', ?, ?, ?)"),
      touch: db.prepare('UPDATE products SET seq = ?, updated_at = ? WHERE id = ?'),
      expired: db.prepare<[string], { id: string }>("SELECT id FROM reservations WHERE status = 'held' AND expires_at <= ?"),
    };
  }

  reserve(id: string, lines: readonly ReserveLine[], expiresAt: string): ReserveResult {
    return this.db
      .transaction((): ReserveResult => {
        const existing = this.s.get.get(id);
        if (existing) {
          if (existing.status !== 'held') throw invalidInput('reservation_closed', `reservation "${id}" is already ${existing.status}`);
          return { ok: true, lines: this.lines(id) };
        }
        const planned = this.plan(lines);
        if (!planned.ok) return planned;
        const plan = planned.plan;
        const at = this.now();
        this.s.insert.run(id, at, expiresAt);
        for (const p of plan) {
          this.s.hold.run(p.quantity, at, p.variantId, p.locationId);
          this.s.insertLine.run(id, p.variantId, p.locationId, p.quantity);
          this.logStock(p.productId, p.variantId, p.locationId, at);
        }
        return { ok: true, lines: plan.map(({ productId: _p, ...line }) => line) };
      })
      .immediate();
  }

  /**
   * Where each line's units come from (call inside an IMMEDIATE transaction, so the levels read stay
   * true until the plan is applied), or the lines that cannot be supplied.
   */
  plan(lines: readonly ReserveLine[]): { ok: true; plan: (ReservedLine & { productId: string })[] } | { ok: false; shortages: { variantId: string; requested: number; available: number }[] } {
    const plan: (ReservedLine & { productId: string })[] = [];
    const shortages: { variantId: string; requested: number; available: number }[] = [];
    for (const line of mergeLines(lines)) {
      const levels = this.s.levels.all(line.variantId).filter((l) => line.locationId === undefined || l.location_id === line.locationId);
      const result = allocate(
        levels.map((l) => ({
          locationId: l.location_id,
          available: availableUnits({ onHand: l.on_hand, reserved: l.reserved }),
          backorder: l.backorder === 1,
          preorder: l.preorder === 1,
          priority: l.priority,
        })),
        line.quantity,
      );
      if (result.shortfall > 0 || levels.length === 0) {
        shortages.push({ variantId: line.variantId, requested: line.quantity, available: line.quantity - (levels.length ? result.shortfall : line.quantity) });
        continue;
      }
      const productId = levels[0]!.product_id;
      for (const a of result.allocations) plan.push({ variantId: line.variantId, locationId: a.locationId, quantity: a.quantity, productId });
    }
    return shortages.length ? { ok: false, shortages } : { ok: true, plan };
  }

  /** Sell planned units outright (on hand drops; call in the transaction that made the plan). */
  sellPlanned(plan: readonly (ReservedLine & { productId: string })[], at: string): void {
    for (const p of plan) {
      this.s.sellNow.run({ quantity: p.quantity, at, variantId: p.variantId, locationId: p.locationId });
      this.logStock(p.productId, p.variantId, p.locationId, at);
    }
  }

  release(id: string): void {
    this.finish(id, 'released');
  }

  commit(id: string): void {
    this.finish(id, 'committed');
  }

  releaseExpired(now: Date): number {
    const ids = this.s.expired.all(now.toISOString()).map((r) => r.id);
    for (const id of ids) this.finish(id, 'released');
    return ids.length;
  }

  private finish(id: string, status: 'released' | 'committed'): void {
    this.db
      .transaction(() => {
        const existing = this.s.get.get(id);
        if (!existing) throw invalidInput('unknown_reservation', `no reservation "${id}"`);
        if (existing.status === status) return;
        if (existing.status !== 'held') throw invalidInput('reservation_closed', `reservation "${id}" is already ${existing.status}`);
        const at = this.now();
        for (const line of this.lines(id)) {
          if (status === 'committed') this.s.sell.run({ quantity: line.quantity, at, variantId: line.variantId, locationId: line.locationId });
          else this.s.unhold.run(line.quantity, at, line.variantId, line.locationId);
          const owner = this.s.owner.get(line.variantId);
          if (owner) this.logStock(owner.product_id, line.variantId, line.locationId, at);
        }
        this.s.status.run(status, id);
      })
      .immediate();
  }

  private lines(id: string): ReservedLine[] {
    return this.s.lines.all(id).map((l) => ({ variantId: l.variant_id, locationId: l.location_id, quantity: l.quantity }));
  }

  private logStock(productId: string, variantId: string, locationId: string, at: string): void {
    const seq = Number(this.s.change.run(at, productId, variantId, locationId).lastInsertRowid);
    this.s.touch.run(seq, at, productId);
  }
}

/** Most units of one variant a single hold or sale may take (so stock stays far inside the safe integers). */
const MAX_ORDER_UNITS = MAX_STOCK_UNITS;

/** One line per (variant, location) with the quantities added up. */
function mergeLines(lines: readonly ReserveLine[]): ReserveLine[] {
  const merged = new Map<string, ReserveLine>();
  for (const line of lines) {
    // stock never leaves the integers: a quantity (or a sum of them) beyond the stock limit is refused
    if (!Number.isSafeInteger(line.quantity) || line.quantity <= 0 || line.quantity > MAX_ORDER_UNITS) {
      throw invalidInput('invalid_quantity', `quantity for "${line.variantId}" must be a whole number from 1 to ${MAX_ORDER_UNITS}`);
    }
    const key = `${line.variantId}\u0000${line.locationId ?? ''}`;
    const prev = merged.get(key);
    const quantity = (prev?.quantity ?? 0) + line.quantity;
    if (quantity > MAX_ORDER_UNITS) throw invalidInput('invalid_quantity', `quantity for "${line.variantId}" must be at most ${MAX_ORDER_UNITS} in all`);
    merged.set(key, prev ? { ...prev, quantity } : { ...line });
  }
  return [...merged.values()];
}
