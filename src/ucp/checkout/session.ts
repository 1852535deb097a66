/**
 * A checkout session (or cart) as ucpd keeps it, and what it looks like right now: pure functions from
 * the stored state plus a snapshot of the catalog to priced lines, discounts, fulfillment options,
 * totals, messages and status, rendered in the UCP 2026-04-08 shapes.
 *
 * Prices always come from the catalog (what a client sends as title or price is ignored) until the
 * checkout completes; the completed rendering is then frozen with the order. Totals follow the spec:
 * signed amounts, exactly one subtotal and one total, and total = the sum of the others.
 */
import { applyDiscounts, type DiscountResult } from '../../catalog/discounts.js';
import type { DiscountCode, InventoryLevel, Location, Merchant } from '../../catalog/model.js';
import type { Destination } from '../../catalog/shipping.js';
import { summarizeStock } from '../../catalog/availability.js';
import { arrivalInstants } from '../../publish/delivery.js';
import { pickupOptions, shippingCurrencies, shippingOptions as offeredShipping, type OfferRules, type ShippingOption } from '../../publish/offers.js';
import type { Urls } from '../../publish/urls.js';
import { readyText, shippingTerms } from '../../publish/wording.js';
import { countryCode, regionCode } from '../context.js';
import { error, info, warning, type UcpMessage } from '../messages.js';

export type CheckoutStatus = 'incomplete' | 'requires_escalation' | 'ready_for_complete' | 'complete_in_progress' | 'completed' | 'canceled';

export interface LineDoc {
  id: string;
  /** The id the platform asked for (a variant id, or a product id standing for its featured variant). */
  itemId: string;
  quantity: number;
  parentId?: string;
}

/** A UCP postal address (types/postal_address.json), as sent. */
export type Address = Record<string, string>;

export interface DestinationDoc {
  id: string;
  /** Shipping: the address. */
  address?: Address;
  /** Pickup: the location. */
  locationId?: string;
}

export interface GroupDoc {
  id: string;
  lineItemIds: string[];
  selectedOptionId: string | null;
}

export interface MethodDoc {
  id: string;
  type: 'shipping' | 'pickup';
  lineItemIds: string[];
  destinations: DestinationDoc[];
  selectedDestinationId: string | null;
  groups: GroupDoc[];
}

export interface InstrumentDoc {
  id: string;
  handler_id: string;
  type: string;
  display?: Record<string, unknown>;
  billing_address?: Record<string, unknown>;
  selected?: boolean;
}

export interface SessionDoc {
  kind: 'checkout' | 'cart';
  currency: string;
  lines: LineDoc[];
  /** Counter for ids this session assigns (li_1, fm_1, dest_1, fg_1). */
  seq: number;
  buyer?: Record<string, unknown>;
  context?: Record<string, unknown>;
  signals?: Record<string, unknown>;
  attribution?: Record<string, unknown>;
  codes: string[];
  methods: MethodDoc[];
  instruments: InstrumentDoc[];
  status: CheckoutStatus;
  createdAt: string;
  expiresAt: string;
  cartId?: string;
  order?: { id: string; permalink_url: string };
  /** The rendering at completion (without `ucp`): a completed checkout never changes. */
  final?: Record<string, unknown>;
  /** Warnings from the last write that the next responses keep showing (quantity adjusted, codes rejected). */
  notices?: UcpMessage[];
}

/** What the catalog says about one requested item, in the session's currency. */
export interface ItemInfo {
  itemId: string;
  productId: string;
  variantId: string;
  title: string;
  /** Unit price, minor units; undefined when not sold in the session's currency. */
  price?: number;
  imageUrl?: string;
  /** Units that can be sold now (null: not tracked); backorders and preorders count as available. */
  available: number | null;
  levels: InventoryLevel[];
}

export interface Env extends OfferRules {
  urls: Urls;
  discountCatalog: readonly DiscountCode[];
  items: ReadonlyMap<string, ItemInfo>;
  /** Negotiated extensions. */
  fulfillment: boolean;
  discounts: boolean;
}

export interface FulfillmentOption {
  id: string;
  title: string;
  description?: string;
  carrier?: string;
  earliest_fulfillment_time?: string;
  latest_fulfillment_time?: string;
  totals: { type: string; amount: number; display_text?: string }[];
  /** Not rendered: the cost, for totals. */
  amount: number;
}

export interface View {
  status: CheckoutStatus;
  lines: { doc: LineDoc; index: number; info?: ItemInfo; unit: number; amount: number }[];
  subtotal: number;
  discounts: DiscountResult;
  options: Map<string, FulfillmentOption[]>; // by group id
  fulfillmentAmount: number;
  /** The selected option's title per group (for the order's expectations). */
  selectedTitles: Map<string, string>;
  total: number;
  messages: UcpMessage[];
  /** Everything the buyer must still provide is provided (fulfillment chosen, items available). */
  missingFulfillment: boolean;
}

/** The units of an item one can buy now (backorder/preorder: unlimited). */
export function availableOf(levels: readonly InventoryLevel[]): number | null {
  const s = summarizeStock(levels);
  if (s.quantity === null || s.backorder || s.preorder) return null;
  return s.quantity;
}

/** Where an address is, as the offer engine matches rates: ISO country, ISO region (names accepted), postal code. */
export function destinationOf(address: Address): Destination | undefined {
  const country = address.address_country ? countryCode(address.address_country) : undefined;
  if (!country) return undefined;
  const rawRegion = address.address_region?.trim();
  const region = rawRegion ? (regionCode(country, rawRegion) ?? rawRegion.toUpperCase()) : undefined;
  const postalCode = address.postal_code?.trim().toUpperCase();
  return { country, ...(region ? { region } : {}), ...(postalCode ? { postalCode } : {}) };
}

/** Why a destination gets no shipping option, and what the buyer can do instead. */
function undeliverable(env: Env, where: Destination, currency: string, pickup: boolean): string {
  const place = [where.country, where.region, where.postalCode].filter(Boolean).join(' ');
  const others = shippingCurrencies(env, where).filter((c) => c !== currency && env.merchant.currencies.includes(c));
  const instead = [others.length ? `a checkout in ${others.join(' or ')} (context.currency) can ship there` : '', pickup ? 'pickup is available' : ''].filter(Boolean).join('; ');
  return `this store does not ship to ${place}${others.length ? ` in ${currency}` : ''}${instead ? `; ${instead}` : '; choose another address'}`;
}

/** A UCP fulfillment option for an engine's shipping option (the same cost, dates and words every surface shows). */
function shippingOption(o: ShippingOption): FulfillmentOption {
  const at = o.window ? arrivalInstants(o.window) : undefined;
  return {
    id: o.rate.id,
    title: o.free ? `${o.rate.title} (Free)` : o.rate.title,
    description: shippingTerms(o),
    ...(at ? { earliest_fulfillment_time: at.earliest.toISOString(), latest_fulfillment_time: at.latest.toISOString() } : {}),
    totals: [
      { type: 'fulfillment', amount: o.amount, display_text: o.rate.title },
      { type: 'total', amount: o.amount },
    ],
    amount: o.amount,
  };
}

/** Shipping options for an address and a basket (subtotal after discounts) in the session's currency: the offer engine's. */
export function shippingOptions(env: Env, address: Address, subtotal: number, currency: string, itemIds: readonly string[]): FulfillmentOption[] {
  const destination = destinationOf(address);
  if (!destination) return [];
  return offeredShipping(env, destination, { currency, subtotal, itemIds }).map(shippingOption);
}

/** The pickup option at a location for the group's lines: free, ready when the engine says the store has it ready. */
function pickupOption(env: Env, loc: Location, lines: readonly { info?: ItemInfo; doc: LineDoc }[]): FulfillmentOption {
  const levels = lines.flatMap((l) => l.info?.levels.filter((lv) => lv.locationId === loc.id) ?? []);
  const ready = pickupOptions(env, levels).find((p) => p.location.id === loc.id)?.ready;
  return {
    id: `pickup-${loc.id}`,
    title: `Pick up at ${loc.name}`,
    description: ready ? `Free pickup, ${readyText(ready, loc.timeZone ?? 'UTC')}` : 'Free pickup',
    ...(ready ? { earliest_fulfillment_time: ready.readyAt.toISOString() } : {}),
    totals: [
      { type: 'fulfillment', amount: 0, display_text: 'Pickup' },
      { type: 'total', amount: 0 },
    ],
    amount: 0,
  };
}

/** Pickup locations that hold enough stock for every line of the group (lines of one variant together). */
export function pickupLocations(env: Env, lines: readonly { info?: ItemInfo; doc: LineDoc }[]): Location[] {
  const wanted = wantedPerVariant(lines);
  return env.locations.filter(
    (loc) =>
      loc.pickup &&
      lines.every((l) => {
        if (!l.info) return false;
        const here = l.info.levels.filter((lv) => lv.locationId === loc.id);
        if (here.length === 0) return false;
        const a = availableOf(here);
        return a === null || a >= wanted.get(l.info.variantId)!.quantity;
      }),
  );
}

/** Units wanted per variant across the lines (lines of one variant share its stock). */
function wantedPerVariant(lines: readonly { info?: ItemInfo; doc: LineDoc }[]): Map<string, { quantity: number; lines: number }> {
  const out = new Map<string, { quantity: number; lines: number }>();
  for (const l of lines) {
    if (!l.info) continue;
    const w = out.get(l.info.variantId) ?? { quantity: 0, lines: 0 };
    out.set(l.info.variantId, { quantity: w.quantity + l.doc.quantity, lines: w.lines + 1 });
  }
  return out;
}

export function evaluate(doc: SessionDoc, env: Env): View {
  const messages: UcpMessage[] = [...(doc.notices ?? [])];
  const wanted = wantedPerVariant(doc.lines.map((line) => ({ doc: line, ...(env.items.has(line.itemId) ? { info: env.items.get(line.itemId)! } : {}) })));
  const lines = doc.lines.map((line, index) => {
    const i = index;
    const info = env.items.get(line.itemId);
    if (!info) {
      messages.push(error('item_unavailable', `"${line.itemId}" is no longer sold`, 'recoverable', `$.line_items[${i}]`));
      return { doc: line, index, unit: 0, amount: 0 };
    }
    if (info.price === undefined) {
      messages.push(error('item_unavailable', `${info.title} is not sold in ${doc.currency}`, 'recoverable', `$.line_items[${i}]`));
      return { doc: line, index, info, unit: 0, amount: 0 };
    }
    const together = wanted.get(info.variantId)!;
    if (info.available !== null && together.quantity > info.available) {
      messages.push(
        info.available === 0
          ? error('out_of_stock', `${info.title} is out of stock`, 'recoverable', `$.line_items[${i}]`)
          : together.lines > 1
            ? error('out_of_stock', `only ${info.available} of ${info.title} in stock; ${together.quantity} requested across ${together.lines} lines`, 'recoverable', `$.line_items[${i}].quantity`)
            : error('out_of_stock', `only ${info.available} of ${info.title} in stock; ${line.quantity} requested`, 'recoverable', `$.line_items[${i}].quantity`),
      );
    }
    return { doc: line, index, info, unit: info.price, amount: info.price * line.quantity };
  });
  const subtotal = lines.reduce((s, l) => s + l.amount, 0);

  const discounts = env.discounts || doc.kind === 'cart'
    ? applyDiscounts({
        lines: lines.map((l, index) => ({ index, productId: l.info?.productId ?? '', variantId: l.info?.variantId ?? '', amount: l.amount })),
        codes: doc.codes,
        catalog: env.discountCatalog,
        promotions: env.promotions,
        currency: doc.currency,
        now: env.now,
      })
    : { applied: [], rejected: [], total: 0 };
  for (const r of discounts.rejected) messages.push(warning(r.reason, r.message, `$.discounts.codes[${r.index}]`));
  const discountOf = new Map<number, number>();
  for (const d of discounts.applied) for (const a of d.allocations) discountOf.set(a.index, (discountOf.get(a.index) ?? 0) + a.amount);
  const allocated = (index: number) => discountOf.get(index) ?? 0;

  const options = new Map<string, FulfillmentOption[]>();
  const selectedTitles = new Map<string, string>();
  let fulfillmentAmount = 0;
  let missingFulfillment = false;
  if (doc.kind === 'checkout') {
    const byLine = new Map(lines.map((l) => [l.doc.id, l]));
    const covered = new Set<string>();
    doc.methods.forEach((m, mi) => {
      const dest = m.destinations.find((d) => d.id === m.selectedDestinationId);
      for (const [gi, g] of m.groups.entries()) {
        const groupLines = g.lineItemIds.map((id) => byLine.get(id)).filter((l): l is (typeof lines)[number] => l !== undefined);
        let opts: FulfillmentOption[] = [];
        if (m.type === 'shipping' && dest?.address) {
          // free-shipping thresholds apply to what the buyer pays for the goods: after discounts
          const groupSubtotal = groupLines.reduce((s, l) => s + l.amount - allocated(l.index), 0);
          const itemIds = groupLines.flatMap((l) => (l.info ? [l.info.productId, l.info.variantId] : []));
          opts = shippingOptions(env, dest.address, groupSubtotal, doc.currency, itemIds);
          if (opts.length === 0 && groupLines.length) {
            const where = destinationOf(dest.address);
            const di = m.destinations.indexOf(dest);
            messages.push(
              error(
                'address_undeliverable',
                where ? undeliverable(env, where, doc.currency, pickupLocations(env, groupLines).length > 0) : 'the address has no country this store recognises (use an ISO 3166-1 code such as "US")',
                'recoverable',
                `$.fulfillment.methods[${mi}].destinations[${di}]`,
              ),
            );
          }
        } else if (m.type === 'pickup' && dest?.locationId) {
          const loc = env.locations.find((l) => l.id === dest.locationId);
          if (loc) opts = [pickupOption(env, loc, groupLines)];
        }
        options.set(g.id, opts);
        const chosen = opts.find((o) => o.id === g.selectedOptionId);
        if (chosen) {
          fulfillmentAmount += chosen.amount;
          selectedTitles.set(g.id, chosen.title);
          for (const id of g.lineItemIds) covered.add(id);
        } else if (dest && g.selectedOptionId !== null) {
          messages.push(error('invalid_option', `fulfillment option "${g.selectedOptionId}" is not available for this destination`, 'recoverable', `$.fulfillment.methods[${mi}].groups[${gi}].selected_option_id`));
        }
      }
      if (m.selectedDestinationId !== null && !dest) {
        messages.push(error('invalid_destination', `destination "${m.selectedDestinationId}" is not one of this method's destinations`, 'recoverable', `$.fulfillment.methods[${mi}].selected_destination_id`));
      }
    });
    missingFulfillment = doc.lines.some((l) => !covered.has(l.id));
  }
  const total = subtotal - discounts.total + fulfillmentAmount;
  // Every amount is charged exactly or not at all: one beyond 2^53 - 1 minor units blocks completion.
  const amounts = [...lines.map((l) => l.amount), subtotal, discounts.total, fulfillmentAmount, total];
  if (!amounts.every((a) => Number.isSafeInteger(a))) {
    messages.push(error('amount_too_large', 'the amounts of this checkout are too large to charge exactly; reduce the quantities', 'recoverable', '$.totals'));
  }

  let status: CheckoutStatus = doc.status;
  if (doc.kind === 'checkout' && status !== 'completed' && status !== 'canceled') {
    const blocking = messages.filter((m) => m.type === 'error');
    if (blocking.some((m) => m.type === 'error' && (m.severity === 'requires_buyer_input' || m.severity === 'requires_buyer_review'))) status = 'requires_escalation';
    else if (blocking.length || missingFulfillment || doc.lines.length === 0) status = 'incomplete';
    else status = 'ready_for_complete';
    if (missingFulfillment && !env.fulfillment && doc.lines.length) {
      // The platform cannot choose delivery over UCP: the buyer finishes at continue_url.
      messages.push(error('fulfillment_required', 'delivery must be chosen on the store\'s checkout page (continue_url)', 'requires_buyer_input', '$.fulfillment'));
      status = 'requires_escalation';
    } else if (missingFulfillment && doc.lines.length) {
      messages.push(info('fulfillment_required', 'choose a shipping or pickup destination and an option for every line item', '$.fulfillment'));
    }
  }
  return { status, lines, subtotal, discounts, options, fulfillmentAmount, selectedTitles, total, messages, missingFulfillment };
}

/** Totals per spec: signed, exactly one subtotal and one total, the invariant holds. */
export function totalsOf(v: View, withFulfillment: boolean): { type: string; amount: number; display_text?: string }[] {
  return [
    { type: 'subtotal', amount: v.subtotal, display_text: 'Subtotal' },
    ...(v.discounts.total > 0 ? [{ type: 'discount', amount: -v.discounts.total, display_text: 'Discounts' }] : []),
    ...(withFulfillment && v.selectedTitles.size ? [{ type: 'fulfillment', amount: v.fulfillmentAmount, display_text: [...v.selectedTitles.values()].join(', ') }] : []),
    { type: 'total', amount: v.total, display_text: 'Total' },
  ];
}

/** The merchant's policy links (types/link.json). */
export function linksOf(m: Merchant, urls: Urls): { type: string; url: string }[] {
  const p = m.policies;
  const links: [string, string | undefined][] = [
    ['privacy_policy', p.privacy],
    ['terms_of_service', p.terms],
    ['refund_policy', p.refund],
    ['shipping_policy', p.shipping],
    ['faq', p.faq],
  ];
  return links.flatMap(([type, url]) => (url ? [{ type, url: urls.absolute(url) }] : []));
}

export function lineItemsOf(v: View): Record<string, unknown>[] {
  return v.lines.map((l) => ({
    id: l.doc.id,
    item: {
      id: l.doc.itemId,
      title: l.info?.title ?? l.doc.itemId,
      price: l.unit,
      ...(l.info?.imageUrl ? { image_url: l.info.imageUrl } : {}),
    },
    quantity: l.doc.quantity,
    totals: [
      { type: 'subtotal', amount: l.amount },
      { type: 'total', amount: l.amount },
    ],
    ...(l.doc.parentId ? { parent_id: l.doc.parentId } : {}),
  }));
}

function destinationJson(d: DestinationDoc, env: Env): Record<string, unknown> {
  if (d.locationId) {
    const loc = env.locations.find((l) => l.id === d.locationId);
    const a = loc?.address;
    return {
      id: d.id,
      name: loc?.name ?? d.locationId,
      ...(a
        ? { address: { ...(a.street ? { street_address: a.street } : {}), ...(a.locality ? { address_locality: a.locality } : {}), ...(a.region ? { address_region: a.region } : {}), ...(a.postalCode ? { postal_code: a.postalCode } : {}), address_country: a.country } }
        : {}),
    };
  }
  return { ...d.address, id: d.id };
}

export function fulfillmentJson(doc: SessionDoc, v: View, env: Env): Record<string, unknown> {
  const all = doc.lines.map((l) => l.id);
  const pickupPossible = pickupLocations(env, v.lines).length > 0;
  return {
    methods: doc.methods.map((m) => ({
      id: m.id,
      type: m.type,
      line_item_ids: m.lineItemIds,
      destinations: m.destinations.map((d) => destinationJson(d, env)),
      selected_destination_id: m.selectedDestinationId,
      groups: m.groups.map((g) => ({
        id: g.id,
        line_item_ids: g.lineItemIds,
        selected_option_id: g.selectedOptionId,
        options: (v.options.get(g.id) ?? []).map(({ amount: _amount, ...o }) => o),
      })),
    })),
    available_methods: [
      { type: 'shipping', line_item_ids: all, fulfillable_on: 'now', description: 'Delivery to an address' },
      ...(pickupPossible ? [{ type: 'pickup', line_item_ids: all, fulfillable_on: 'now', description: 'Collect from a store' }] : []),
    ],
  };
}

export function discountsJson(doc: SessionDoc, v: View): Record<string, unknown> {
  return {
    codes: doc.codes,
    applied: v.discounts.applied.map((d) => ({
      ...(d.code !== undefined ? { code: d.code } : {}),
      title: d.title,
      amount: d.amount,
      automatic: d.automatic,
      method: 'across',
      priority: d.priority,
      allocations: d.allocations.map((a) => ({ path: `$.line_items[${a.index}]`, amount: a.amount })),
    })),
  };
}
