/**
 * Orders: made from a completed checkout's view, read by the platform that placed them, and changed by
 * the retailer (fulfillment events, adjustments) with the whole order sent to the platform by webhook.
 */
import type { Clock, OrderRecord, OutboxInsert, Store } from '../../store/store.js';
import { canonicalJson } from '../../util/canonical-json.js';
import { ORDER } from '../constants.js';
import { PREVIOUS_VERSION } from '../versions.js';
import { codecFor } from '../wire/codec.js';
import { error } from '../messages.js';
import { lineItemsOf, totalsOf } from './render.js';
import { sessionPolicies } from './session.js';
import { isObject, newId, str, type Json, type Outcome } from './request.js';
import type { Address, Caller, Env, SessionDoc, View } from './types.js';

/** Adjustment types that take units away from a line ("Negative values represent reductions", adjustment.json). */
const REDUCTIONS: ReadonlySet<string> = new Set(['return', 'refund', 'cancellation']);

/**
 * A stored order's private members: where its webhooks go, and the protocol version it was placed at
 * (orders stored before versions were kept were placed at 2026-04-08).
 */
export function unstored(doc: Json): { order: Json; webhookUrl?: string; version: string } {
  const { webhook_url: url, ucp_version: v, ...order } = doc;
  return { order, ...(typeof url === 'string' ? { webhookUrl: url } : {}), version: typeof v === 'string' ? v : PREVIOUS_VERSION };
}

export class Orders {
  constructor(private readonly o: { store: Store; clock: Clock; onWebhooksQueued?: () => void }) {}

  private now(): Date {
    return this.o.clock.now();
  }

  /** The order for a checkout completing now, from its view. */
  from(id: string, permalink: string, checkoutId: string, doc: SessionDoc, v: View, env: Env): Json {
    const lineItems = lineItemsOf(v).map((l) => ({ ...l, quantity: { original: l.quantity as number, total: l.quantity as number, fulfilled: 0 }, status: 'processing' }));
    const expectations = doc.methods.flatMap((m) => {
      const dest = m.destinations.find((d) => d.id === m.selectedDestinationId);
      return m.groups.map((g) => ({
        id: `exp_${g.id}`,
        line_items: g.lineItemIds.map((lid) => ({ id: lid, quantity: doc.lines.find((l) => l.id === lid)?.quantity ?? 1 })),
        method_type: m.type,
        destination: dest?.address ?? (dest?.locationId ? locationAddress(env, dest.locationId) : { address_country: env.merchant.country }),
        description: v.selectedTitles.get(g.id) ?? m.type,
        fulfillable_on: 'now',
      }));
    });
    return {
      id,
      label: `#${id.slice(4, 10).toUpperCase()}`,
      checkout_id: checkoutId,
      permalink_url: permalink,
      line_items: lineItems,
      fulfillment: { expectations, events: [] },
      adjustments: [],
      currency: doc.currency,
      totals: totalsOf(v, true),
      policies: sessionPolicies(doc, env),
      ...(doc.attribution ? { attribution: doc.attribution } : {}),
    };
  }

  /**
   * The order as UCP shows it, with its `ucp` envelope, in the protocol version the platform placed it at
   * (webhooks and the retailer's API speak it too): from a stored order or one being stored.
   */
  body(doc: Json): Json {
    const { order, version } = unstored(doc);
    const caps = new Map([[ORDER, { version, extends: [] }]]);
    return { ucp: { version, capabilities: { [ORDER]: [{ version }] } }, ...codecFor(version).response('order', order, { capabilities: caps }) };
  }

  webhook(doc: Json, url: string): OutboxInsert {
    return { id: newId('whk'), orderId: doc.id as string, url, body: Buffer.from(canonicalJson(this.body(doc))) };
  }

  async get(id: string, caller: Caller): Promise<Outcome> {
    const rec = await this.o.store.getOrder(id);
    if (!rec || rec.platform !== caller.negotiated.platform.url) return { status: 200, errors: [error('not_found', `no order "${id}"`, 'unrecoverable', '$.id')] };
    return { status: 200, body: unstored(JSON.parse(rec.doc) as Json).order };
  }

  /**
   * A retailer-side change to an order: a fulfillment event (shipped with carrier and tracking, delivered,
   * ...) or an adjustment (refund, return, ...). Appended, never rewritten; the platform gets the whole
   * order by webhook.
   */
  async change(id: string, change: { event?: Json; adjustment?: Json }): Promise<Json | undefined> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const rec = await this.o.store.getOrder(id);
      if (!rec) return undefined;
      const doc = JSON.parse(rec.doc) as Json & { line_items: Json[]; fulfillment: { expectations: Json[]; events: Json[] }; adjustments: Json[]; webhook_url?: string };
      const at = this.now().toISOString();
      const lineRefs = (raw: unknown) =>
        Array.isArray(raw) && raw.length
          ? raw.filter(isObject).map((l) => ({ id: String(l.id), quantity: Number(l.quantity) }))
          : doc.line_items.map((l) => ({ id: l.id as string, quantity: (l.quantity as { total: number }).total }));
      if (change.event) {
        const e = change.event;
        const event = {
          id: `evt_${doc.fulfillment.events.length + 1}`,
          occurred_at: str(e.occurred_at) ?? at,
          type: str(e.type) ?? 'shipped',
          line_items: lineRefs(e.line_items),
          ...(str(e.tracking_number) ? { tracking_number: str(e.tracking_number) } : {}),
          ...(str(e.tracking_url) ? { tracking_url: str(e.tracking_url) } : {}),
          ...(str(e.carrier) ? { carrier: str(e.carrier) } : {}),
          ...(str(e.description) ? { description: str(e.description) } : {}),
        };
        doc.fulfillment.events.push(event);
        if (event.type === 'shipped' || event.type === 'delivered') {
          for (const ref of event.line_items) {
            const line = doc.line_items.find((l) => l.id === ref.id);
            if (!line) continue;
            const q = line.quantity as { total: number; fulfilled: number };
            // shipped and then delivered is the same units: count each unit once
            const shipped = doc.fulfillment.events
              .filter((x) => x.type === 'shipped')
              .flatMap((x) => x.line_items as { id: string; quantity: number }[])
              .filter((r) => r.id === ref.id)
              .reduce((s, r) => s + r.quantity, 0);
            q.fulfilled = Math.min(q.total, Math.max(q.fulfilled, shipped, event.type === 'delivered' ? ref.quantity : 0));
          }
        }
      }
      if (change.adjustment) {
        const a = change.adjustment;
        doc.adjustments.push({
          id: `adj_${doc.adjustments.length + 1}`,
          type: str(a.type) ?? 'refund',
          occurred_at: str(a.occurred_at) ?? at,
          status: str(a.status) ?? 'completed',
          // the retailer names the units affected; the order states them signed: negative for a reduction
          ...(Array.isArray(a.line_items) ? { line_items: lineRefs(a.line_items).map((r) => ({ id: r.id, quantity: REDUCTIONS.has(String(a.type)) ? -Math.abs(r.quantity) : r.quantity })) } : {}),
          ...(Array.isArray(a.totals) ? { totals: a.totals } : typeof a.amount === 'number' ? { totals: [{ type: 'total', amount: -Math.abs(a.amount), display_text: 'Refund' }] } : {}),
          ...(str(a.description) ? { description: str(a.description) } : {}),
        });
        if (a.type === 'return' || a.type === 'cancellation') {
          for (const ref of lineRefs(a.line_items)) {
            const line = doc.line_items.find((l) => l.id === ref.id);
            if (line) (line.quantity as { total: number }).total = Math.max(0, (line.quantity as { total: number }).total - Math.abs(ref.quantity));
          }
        }
      }
      for (const l of doc.line_items) {
        const q = l.quantity as { total: number; fulfilled: number };
        l.status = q.total === 0 ? 'removed' : q.fulfilled >= q.total ? 'fulfilled' : q.fulfilled > 0 ? 'partial' : 'processing';
      }
      const next: OrderRecord = { ...rec, version: rec.version + 1, doc: JSON.stringify(doc), updatedAt: at };
      const url = doc.webhook_url;
      if (await this.o.store.updateOrder(next, rec.version, url ? [this.webhook(doc, url)] : [])) {
        if (url) this.o.onWebhooksQueued?.();
        return doc;
      }
    }
    throw new Error(`order ${id} kept changing concurrently`);
  }
}

function locationAddress(env: Env, locationId: string): Address {
  const a = env.locations.find((l) => l.id === locationId)?.address;
  if (!a) return {};
  return {
    ...(a.street ? { street_address: a.street } : {}),
    ...(a.locality ? { address_locality: a.locality } : {}),
    ...(a.region ? { address_region: a.region } : {}),
    ...(a.postalCode ? { postal_code: a.postalCode } : {}),
    address_country: a.country,
  };
}
