/**
 * Carts, checkout sessions and orders: the writes behind the UCP operations. Every session belongs to
 * the platform that created it; reads and writes by any other platform are "not found". Writes use
 * optimistic versions (a concurrent write loses and is retried once from the fresh state).
 *
 * Outcomes are results, not exceptions: a body to send, or UCP messages with the HTTP status the
 * conformance tooling expects for refusals (400 unknown or out-of-stock items and completion without
 * fulfillment, 402 declined payment, 409 changes to completed or canceled sessions and stock that ran
 * out at completion); not-found is a 200 error response, as the spec says.
 */
import { randomBytes } from 'node:crypto';
import type { CustomerAddress } from '../../catalog/model.js';
import { currencyFor, priceIn } from '../../publish/offers.js';
import type { StoreSnapshot } from '../../publish/snapshot.js';
import type { Urls } from '../../publish/urls.js';
import type { Logger } from '../../logger.js';
import type { Clock, OrderRecord, OutboxInsert, SessionRecord, Store } from '../../store/store.js';
import { canonicalJson } from '../../util/canonical-json.js';
import { DEFAULT_MAX_LINE_QUANTITY } from '../../config.js';
import { BUYER_CONSENT, DISCOUNT, FULFILLMENT, ORDER, UCP_VERSION } from '../constants.js';
import { offerContext } from '../context.js';
import { error, warning, type UcpMessage } from '../messages.js';
import type { Negotiated } from '../negotiation.js';
import { withoutCredential, type PaymentHandlers, type PaymentInstrumentInput } from '../payments.js';
import {
  availableOf,
  discountsJson,
  evaluate,
  fulfillmentJson,
  lineItemsOf,
  linksOf,
  pickupLocations,
  totalsOf,
  type Address,
  type DestinationDoc,
  type Env,
  type ItemInfo,
  type MethodDoc,
  type SessionDoc,
  type View,
} from './session.js';

export const CHECKOUT_TTL_MS = 6 * 3600_000;
export const CART_TTL_MS = 7 * 24 * 3600_000;

type Json = Record<string, unknown>;

export type Outcome = { status: number; body: Json } | { status: number; errors: UcpMessage[]; continueUrl?: string };

export interface CheckoutOptions {
  store: Store;
  urls: Urls;
  clock: Clock;
  logger: Logger;
  payments: PaymentHandlers;
  /** Called after an order change queued webhooks (the dispatcher delivers right away). */
  onWebhooksQueued?: () => void;
  /** The store-wide snapshot every surface shares (publish/snapshot.ts). */
  snapshot: () => Promise<StoreSnapshot>;
  /** The configured default currency (a store without a merchant record yet). */
  defaultCurrency: string;
  /** Largest quantity of one line (default DEFAULT_MAX_LINE_QUANTITY). */
  maxLineQuantity?: number;
  /** Offer and save a buyer's addresses by email (see Config.ucp.savedAddresses); default off. */
  savedAddresses?: 'off' | 'by-email';
}

/** Most lines one cart or checkout may have. */
export const MAX_LINES = 250;
/** Most fulfillment methods, destinations per method, and discount codes one request may send (see overLimits). */
export const MAX_METHODS = 20;
export const MAX_DESTINATIONS = 20;
export const MAX_CODES = 20;

/** A request past the limits on what one session may hold: a 400 naming the list, before any work. */
function overLimits(body: Json): Outcome | undefined {
  const errors: UcpMessage[] = [];
  if (Array.isArray(body.line_items) && body.line_items.length > MAX_LINES) errors.push(error('too_many_lines', `at most ${MAX_LINES} line items; ${body.line_items.length} sent`, 'recoverable', '$.line_items'));
  const methods = isObject(body.fulfillment) && Array.isArray(body.fulfillment.methods) ? body.fulfillment.methods : [];
  if (methods.length > MAX_METHODS) errors.push(error('too_many_methods', `at most ${MAX_METHODS} fulfillment methods; ${methods.length} sent`, 'recoverable', '$.fulfillment.methods'));
  methods.forEach((m, i) => {
    if (isObject(m) && Array.isArray(m.destinations) && m.destinations.length > MAX_DESTINATIONS) {
      errors.push(error('too_many_destinations', `at most ${MAX_DESTINATIONS} destinations per method; ${m.destinations.length} sent`, 'recoverable', `$.fulfillment.methods[${i}].destinations`));
    }
  });
  const codes = isObject(body.discounts) && Array.isArray(body.discounts.codes) ? body.discounts.codes : [];
  if (codes.length > MAX_CODES) errors.push(error('too_many_codes', `at most ${MAX_CODES} discount codes; ${codes.length} sent`, 'recoverable', '$.discounts.codes'));
  return errors.length ? { status: 400, errors } : undefined;
}

export interface Caller {
  negotiated: Negotiated;
  /** Idempotency-Key of the request, when sent (payment authorisations reuse it). */
  idempotencyKey?: string;
}

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
/** `prefix_` + 128 random bits in lower-case base32 (26 characters): ids of sessions and orders are capabilities. */
export function newId(prefix: string): string {
  const bytes = randomBytes(16);
  let out = '';
  let bits = 0;
  let acc = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ID_ALPHABET[(acc >>> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += ID_ALPHABET[(acc << (5 - bits)) & 31];
  return `${prefix}_${out}`;
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A line quantity: a whole number from 1 to `max` (so every amount computed from it stays exact). */
const isQuantity = (v: unknown, max: number): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 && v <= max;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

const ADDRESS_FIELDS = ['street_address', 'extended_address', 'address_locality', 'address_region', 'postal_code', 'address_country', 'first_name', 'last_name', 'phone_number'] as const;

/** The postal-address fields of a destination as sent (tolerating `locality`/`region`/`city`/`state`). */
function addressOf(d: Json): Address {
  const a: Address = {};
  for (const f of ADDRESS_FIELDS) if (typeof d[f] === 'string') a[f] = d[f] as string;
  if (!a.address_locality && typeof (d.locality ?? d.city) === 'string') a.address_locality = String(d.locality ?? d.city);
  if (!a.address_region && typeof (d.region ?? d.state) === 'string') a.address_region = String(d.region ?? d.state);
  if (a.address_country) a.address_country = a.address_country.toUpperCase();
  return a;
}

function savedToAddress(s: CustomerAddress): Address {
  return {
    street_address: s.street,
    address_locality: s.locality,
    ...(s.region ? { address_region: s.region } : {}),
    postal_code: s.postalCode,
    address_country: s.country,
  };
}

const sameAddress = (a: Address, s: CustomerAddress) =>
  (a.street_address ?? '').toLowerCase() === s.street.toLowerCase() &&
  (a.postal_code ?? '').replace(/\s+/g, '').toUpperCase() === s.postalCode.replace(/\s+/g, '').toUpperCase() &&
  (a.address_country ?? '').toUpperCase() === s.country.toUpperCase();

/** Buyer fields per types/buyer.json (+ consent), tolerating `fullName` / `name`. */
function buyerOf(b: Json): Json {
  const out: Json = {};
  for (const f of ['first_name', 'last_name', 'email', 'phone_number'] as const) if (typeof b[f] === 'string') out[f] = b[f];
  const full = str(b.fullName) ?? str(b.full_name) ?? str(b.name);
  if (full && out.first_name === undefined) {
    const [first, ...rest] = full.split(/\s+/);
    out.first_name = first;
    if (rest.length && out.last_name === undefined) out.last_name = rest.join(' ');
  }
  if (isObject(b.consent)) {
    const c: Json = {};
    for (const k of ['analytics', 'preferences', 'marketing', 'sale_of_data']) if (typeof b.consent[k] === 'boolean') c[k] = b.consent[k];
    out.consent = c;
  }
  return out;
}

export class CheckoutService {
  constructor(private readonly o: CheckoutOptions) {}

  private now(): Date {
    return this.o.clock.now();
  }

  // ----------------------------------------------------------------------------------- environment

  /** Catalog facts for the items a session names, in its currency. */
  private async items(itemIds: readonly string[], currency: string): Promise<Map<string, ItemInfo>> {
    const out = new Map<string, ItemInfo>();
    const ids = [...new Set(itemIds)];
    if (!ids.length) return out;
    const resolved = await this.o.store.resolveKeys(ids);
    const records = new Map((await this.o.store.getProducts([...new Set([...resolved.values()].map((r) => r.productId))])).map((r) => [r.product.id, r]));
    for (const id of ids) {
      const hit = resolved.get(id);
      const record = hit && records.get(hit.productId);
      if (!hit || !record) continue;
      const variants = record.product.variants;
      const levelsOf = (vid: string) => record.levels.filter((l) => l.variantId === vid);
      const variant = hit.variantId !== undefined ? variants.find((v) => v.id === hit.variantId) : (variants.find((v) => availableOf(levelsOf(v.id)) !== 0) ?? variants[0]);
      if (!variant) continue;
      // checkout sells in one currency: the item's price in it, as the offer engine states it now
      const price = priceIn({ now: this.now() }, variant.prices, currency);
      const image = variant.media.find((m) => m.type === 'image') ?? record.product.media.find((m) => m.type === 'image');
      const levels = levelsOf(variant.id);
      out.set(id, {
        itemId: id,
        productId: record.product.id,
        variantId: variant.id,
        title: variant.title ?? (variants.length > 1 ? `${record.product.title} (${variant.options.map((x) => x.value).join(', ')})` : record.product.title),
        ...(price ? { price: price.amount } : {}),
        ...(image ? { imageUrl: this.o.urls.absolute(image.url) } : {}),
        available: availableOf(levels),
        levels,
      });
    }
    return out;
  }

  private async env(doc: SessionDoc, negotiated: Negotiated, known?: ReadonlyMap<string, ItemInfo>): Promise<Env> {
    const wide = await this.o.snapshot();
    const items = known && doc.lines.every((l) => known.has(l.itemId)) ? known : await this.items(doc.lines.map((l) => l.itemId), doc.currency);
    return {
      urls: this.o.urls,
      merchant: wide.merchant,
      rates: wide.rates,
      promotions: wide.promotions,
      policies: wide.policies,
      defaultCurrency: this.o.defaultCurrency,
      discountCatalog: wide.discounts,
      locations: wide.locations,
      now: this.now(),
      items,
      fulfillment: negotiated.capabilities.has(FULFILLMENT),
      discounts: negotiated.capabilities.has(DISCOUNT),
    };
  }

  /** The session's currency: the offer engine's for the buyer's context, as the catalog priced it. */
  private async currencyFor(context: Json | undefined): Promise<string> {
    const { merchant, rates } = await this.o.snapshot();
    const rules = { merchant, defaultCurrency: this.o.defaultCurrency, rates };
    return currencyFor(rules, offerContext(context, rules).context);
  }

  // ---------------------------------------------------------------------------------------- render

  private render(rec: SessionRecord, doc: SessionDoc, v: View, env: Env, negotiated: Negotiated): Json {
    if (doc.final) return doc.final;
    const checkout = doc.kind === 'checkout';
    const terminal = doc.status === 'completed' || doc.status === 'canceled';
    const buyer = doc.buyer ? (negotiated.capabilities.has(BUYER_CONSENT) ? doc.buyer : (({ consent: _c, ...b }) => b)(doc.buyer)) : undefined;
    return {
      id: rec.id,
      line_items: lineItemsOf(v),
      ...(buyer && Object.keys(buyer).length ? { buyer } : {}),
      ...(doc.context ? { context: doc.context } : {}),
      ...(checkout ? { status: v.status } : {}),
      currency: doc.currency,
      totals: totalsOf(v, checkout),
      ...(v.messages.length ? { messages: v.messages } : {}),
      links: linksOf(env.merchant, env.urls),
      expires_at: doc.expiresAt,
      ...(!terminal ? { continue_url: `${env.urls.base}/${checkout ? 'checkout' : 'cart'}/${rec.id}` } : {}),
      ...(checkout ? { payment: { instruments: doc.instruments } } : {}),
      ...(checkout && env.fulfillment ? { fulfillment: fulfillmentJson(doc, v, env) } : {}),
      ...(env.discounts || !checkout ? { discounts: discountsJson(doc, v) } : {}),
      ...(doc.order ? { order: doc.order } : {}),
    };
  }

  // ----------------------------------------------------------------------------------------- reads

  private parse(rec: SessionRecord): SessionDoc {
    return JSON.parse(rec.doc) as SessionDoc;
  }

  private async load(id: string, kind: 'checkout' | 'cart', caller: Caller): Promise<{ rec: SessionRecord; doc: SessionDoc } | undefined> {
    const rec = await this.o.store.getSession(id);
    if (!rec || rec.kind !== kind || rec.platform !== caller.negotiated.platform.url) return undefined;
    const doc = this.parse(rec);
    // An expired open session is canceled (and stays so).
    if (doc.status !== 'completed' && doc.status !== 'canceled' && this.now().toISOString() >= doc.expiresAt && kind === 'checkout') {
      doc.status = 'canceled';
      doc.notices = [error('expired', 'this checkout session expired', 'unrecoverable')];
      const next = { ...rec, status: 'canceled', version: rec.version + 1, doc: JSON.stringify(doc), updatedAt: this.now().toISOString() };
      if (await this.o.store.updateSession(next, rec.version)) return { rec: next, doc };
      return this.load(id, kind, caller);
    }
    return { rec, doc };
  }

  private notFound(kind: string, id: string): Outcome {
    return { status: 200, errors: [error('not_found', `no ${kind} "${id}"`, 'unrecoverable', '$.id')] };
  }

  /**
   * The buyer at `continue_url`, acting as the platform that created the session (the page's URL, with
   * its 128-bit id, is the capability). Every capability of this business applies.
   */
  async asOwner(id: string): Promise<Caller | undefined> {
    const rec = await this.o.store.getSession(id);
    if (!rec) return undefined;
    const all = ['dev.ucp.shopping.checkout', 'dev.ucp.shopping.cart', 'dev.ucp.shopping.order', FULFILLMENT, DISCOUNT, BUYER_CONSENT];
    return {
      negotiated: {
        version: UCP_VERSION,
        capabilities: new Map(all.map((c) => [c, { version: UCP_VERSION, extends: [] }])),
        platform: { url: rec.platform, version: UCP_VERSION, capabilities: {}, signingKeys: [], source: 'registry' },
      },
    };
  }

  async get(kind: 'checkout' | 'cart', id: string, caller: Caller): Promise<Outcome> {
    const found = await this.load(id, kind, caller);
    if (!found) return this.notFound(kind === 'cart' ? 'cart' : 'checkout session', id);
    const env = await this.env(found.doc, caller.negotiated);
    return { status: 200, body: this.render(found.rec, found.doc, evaluate(found.doc, env), env, caller.negotiated) };
  }

  // ---------------------------------------------------------------------------------------- writes

  /**
   * Lines from a request: item ids resolved against the catalog, unknown ids and sold-out items refused,
   * quantities above the stock reduced (with a warning). Existing line ids are kept.
   */
  private async linesFrom(raw: unknown[], doc: SessionDoc, currency: string): Promise<{ ok: true; notices: UcpMessage[]; infos: Map<string, ItemInfo> } | { ok: false; outcome: Outcome }> {
    const wanted = raw.filter(isObject).map((l) => ({ id: str(l.id), itemId: str(isObject(l.item) ? l.item.id : undefined) ?? '', quantity: l.quantity, parentId: str(l.parent_id) }));
    const max = this.o.maxLineQuantity ?? DEFAULT_MAX_LINE_QUANTITY;
    const badQuantity = wanted.flatMap((w, i) => (isQuantity(w.quantity, max) ? [] : [i]));
    if (badQuantity.length) {
      return {
        ok: false,
        outcome: { status: 400, errors: badQuantity.map((i) => error('invalid_quantity', `quantity must be a whole number from 1 to ${max}, got ${String(wanted[i]!.quantity).slice(0, 40)}`, 'recoverable', `$.line_items[${i}].quantity`)) },
      };
    }
    const infos = await this.items(wanted.map((w) => w.itemId), currency);
    const unknown = wanted.filter((w) => !infos.has(w.itemId));
    if (unknown.length) {
      return { ok: false, outcome: { status: 400, errors: unknown.map((u) => error('not_found', `item "${u.itemId}" not found`, 'recoverable', `$.line_items[${wanted.indexOf(u)}].item.id`)) } };
    }
    const soldOut = wanted.filter((w) => infos.get(w.itemId)!.available === 0);
    if (soldOut.length) {
      return {
        ok: false,
        outcome: { status: 400, errors: soldOut.map((w) => error('out_of_stock', `Insufficient stock for ${infos.get(w.itemId)!.title}: it is out of stock`, 'recoverable', `$.line_items[${wanted.indexOf(w)}]`)) },
      };
    }
    // Lines of one variant share its stock: each line gets at most what the lines before it left.
    const left = new Map<string, number>();
    const quantities = wanted.map((w) => {
      const info = infos.get(w.itemId)!;
      if (info.available === null) return w.quantity as number;
      const room = left.get(info.variantId) ?? info.available;
      const q = Math.min(w.quantity as number, room);
      left.set(info.variantId, room - q);
      return q;
    });
    const crowdedOut = wanted.flatMap((_w, i) => (quantities[i] === 0 ? [i] : []));
    if (crowdedOut.length) {
      return {
        ok: false,
        outcome: {
          status: 400,
          errors: crowdedOut.map((i) => {
            const info = infos.get(wanted[i]!.itemId)!;
            return error('out_of_stock', `Insufficient stock for ${info.title}: the lines before this one already take all ${info.available} in stock`, 'recoverable', `$.line_items[${i}]`);
          }),
        },
      };
    }
    const notices: UcpMessage[] = [];
    const known = new Set(doc.lines.map((l) => l.id));
    doc.lines = wanted.map((w, i) => {
      const info = infos.get(w.itemId)!;
      const quantity = quantities[i]!;
      if (quantity < (w.quantity as number)) {
        notices.push(warning('quantity_adjusted', `only ${quantity} of ${info.title} available for this line (${info.available} in stock); quantity reduced from ${w.quantity as number} to ${quantity}`, `$.line_items[${i}].quantity`));
      }
      const id = w.id && known.has(w.id) ? w.id : w.id && !doc.lines.some((l) => l.id === w.id) && /^[\w-]{1,64}$/.test(w.id) ? w.id : `li_${++doc.seq}`;
      return { id, itemId: w.itemId, quantity, ...(w.parentId ? { parentId: w.parentId } : {}) };
    });
    // line ids must be unique
    const seen = new Set<string>();
    for (const l of doc.lines) {
      if (seen.has(l.id)) l.id = `li_${++doc.seq}`;
      seen.add(l.id);
    }
    return { ok: true, notices, infos };
  }

  /** Fulfillment methods from a request, merged with what the session has. */
  private async methodsFrom(raw: unknown, doc: SessionDoc): Promise<void> {
    if (!isObject(raw) || !Array.isArray(raw.methods)) return;
    const lineIds = doc.lines.map((l) => l.id);
    // a buyer's saved addresses only when configured (UCP reserves them for user-authenticated buyers)
    const email = this.o.savedAddresses === 'by-email' ? str(doc.buyer?.email) : undefined;
    const customer = email ? await this.o.store.findCustomerByEmail(email.toLowerCase()) : undefined;
    const saved = customer ? await this.o.store.listAddresses(customer.id) : [];
    // the catalog facts pickup needs, read once for all methods
    let pickup: { env: Env; v: View } | undefined;
    const methods: MethodDoc[] = [];
    for (const m of raw.methods.filter(isObject)) {
      const existing = doc.methods.find((x) => x.id === str(m.id));
      const type = m.type === 'pickup' ? 'pickup' : m.type === 'shipping' ? 'shipping' : (existing?.type ?? 'shipping');
      const id = str(m.id) ?? existing?.id ?? `fm_${++doc.seq}`;
      const ids = Array.isArray(m.line_item_ids) ? m.line_item_ids.filter((x): x is string => typeof x === 'string' && lineIds.includes(x)) : [];
      const lineItemIds = ids.length ? ids : (existing?.lineItemIds.filter((x) => lineIds.includes(x)) ?? lineIds);
      let destinations: DestinationDoc[];
      if (type === 'pickup') {
        if (!pickup) {
          const env = await this.env(doc, { capabilities: new Map(), version: UCP_VERSION } as unknown as Negotiated);
          pickup = { env, v: evaluate(doc, env) };
        }
        const { env, v } = pickup;
        destinations = pickupLocations(env, v.lines.filter((l) => lineItemIds.includes(l.doc.id))).map((loc) => ({ id: loc.id, locationId: loc.id }));
      } else if (Array.isArray(m.destinations)) {
        destinations = [];
        for (const d of m.destinations.filter(isObject)) {
          const address = addressOf(d);
          const match = saved.find((s) => sameAddress(address, s));
          let destId = str(d.id) ?? match?.id;
          if (!destId && email && address.street_address && address.address_country && address.postal_code) {
            // a new address of a known email: saved, and offered on the buyer's next checkouts
            const savedNow = await this.o.store.saveBuyerAddress(email, [str(doc.buyer?.first_name), str(doc.buyer?.last_name)].filter(Boolean).join(' ') || undefined, {
              street: address.street_address,
              locality: address.address_locality ?? '',
              ...(address.address_region ? { region: address.address_region } : {}),
              postalCode: address.postal_code,
              country: address.address_country,
            });
            destId = savedNow.id;
          }
          destinations.push({ id: destId ?? `dest_${++doc.seq}`, address });
        }
      } else if (existing?.destinations.length) {
        destinations = existing.destinations;
      } else {
        // no destinations sent: offer the buyer's saved addresses
        destinations = saved.map((s) => ({ id: s.id, address: savedToAddress(s) }));
      }
      const sent = 'selected_destination_id' in m ? (typeof m.selected_destination_id === 'string' ? m.selected_destination_id : null) : undefined;
      const selectedDestinationId = sent !== undefined ? sent : (existing?.selectedDestinationId ?? null);
      const groupsRaw = Array.isArray(m.groups) ? m.groups.filter(isObject) : undefined;
      const groups = groupsRaw?.length
        ? [
            {
              id: str(groupsRaw[0]!.id) ?? existing?.groups[0]?.id ?? `fg_${++doc.seq}`,
              lineItemIds,
              selectedOptionId: typeof groupsRaw[0]!.selected_option_id === 'string' ? groupsRaw[0]!.selected_option_id : (existing?.groups[0]?.selectedOptionId ?? null),
            },
          ]
        : existing?.groups.length
          ? existing.groups.map((g) => ({ ...g, lineItemIds }))
          : [{ id: `fg_${++doc.seq}`, lineItemIds, selectedOptionId: null }];
      methods.push({ id, type, lineItemIds, destinations, selectedDestinationId, groups });
    }
    doc.methods = methods;
  }

  private instrumentsFrom(payment: unknown): PaymentInstrumentInput[] | undefined {
    if (!isObject(payment) || !Array.isArray(payment.instruments)) return undefined;
    return payment.instruments.filter(isObject).filter((i) => typeof i.id === 'string' && typeof i.handler_id === 'string') as unknown as PaymentInstrumentInput[];
  }

  private codesFrom(discounts: unknown): string[] | undefined {
    if (!isObject(discounts) || !Array.isArray(discounts.codes)) return undefined;
    return discounts.codes.filter((c): c is string => typeof c === 'string');
  }

  /** Apply the fields a create or update carries (an omitted field leaves what the session has). */
  private async applyFields(doc: SessionDoc, body: Json): Promise<void> {
    if (isObject(body.buyer)) doc.buyer = buyerOf(body.buyer);
    if (isObject(body.context)) doc.context = body.context;
    if (isObject(body.signals)) doc.signals = body.signals;
    if (isObject(body.attribution)) doc.attribution = body.attribution;
    const codes = this.codesFrom(body.discounts);
    if (codes) doc.codes = codes;
    if (doc.kind === 'checkout') {
      await this.methodsFrom(body.fulfillment, doc);
      const instruments = this.instrumentsFrom(body.payment);
      if (instruments) doc.instruments = instruments.map((i) => withoutCredential(i) as SessionDoc['instruments'][number]);
    }
  }

  async create(kind: 'checkout' | 'cart', body: Json, caller: Caller): Promise<Outcome> {
    const refused = overLimits(body);
    if (refused) return refused;
    const now = this.now();
    const platform = caller.negotiated.platform.url;
    if (kind === 'checkout' && typeof body.cart_id === 'string') {
      // Cart -> checkout: the cart's contents win; an open checkout for the cart is reused.
      const cart = await this.load(body.cart_id, 'cart', caller);
      if (!cart || cart.doc.status === 'canceled') return { status: 400, errors: [error('not_found', `no cart "${body.cart_id}"`, 'recoverable', '$.cart_id')] };
      const open = await this.o.store.openCheckoutForCart(body.cart_id);
      if (open && open.platform === platform) return this.get('checkout', open.id, caller);
      body = { ...body, line_items: cart.doc.lines.map((l) => ({ item: { id: l.itemId }, quantity: l.quantity })), ...(cart.doc.buyer ? { buyer: cart.doc.buyer } : {}), ...(cart.doc.context ? { context: cart.doc.context } : {}), discounts: { ...(isObject(body.discounts) ? body.discounts : {}), codes: cart.doc.codes } };
    }
    const context = isObject(body.context) ? body.context : undefined;
    const currency = await this.currencyFor(context);
    const doc: SessionDoc = {
      kind,
      currency,
      lines: [],
      seq: 0,
      codes: [],
      methods: [],
      instruments: [],
      status: 'incomplete',
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + (kind === 'cart' ? CART_TTL_MS : CHECKOUT_TTL_MS)).toISOString(),
      ...(kind === 'checkout' && typeof body.cart_id === 'string' ? { cartId: body.cart_id } : {}),
    };
    const lines = await this.linesFrom(Array.isArray(body.line_items) ? body.line_items : [], doc, currency);
    if (!lines.ok) return lines.outcome;
    await this.applyFields(doc, body);
    doc.notices = lines.notices;
    const env = await this.env(doc, caller.negotiated, lines.infos);
    const v = evaluate(doc, env);
    doc.status = kind === 'checkout' ? v.status : 'incomplete';
    const rec: SessionRecord = {
      id: newId(kind === 'cart' ? 'cart' : 'chk'),
      kind,
      platform,
      status: doc.status,
      ...(doc.cartId ? { cartId: doc.cartId } : {}),
      version: 1,
      doc: JSON.stringify(doc),
      createdAt: doc.createdAt,
      updatedAt: doc.createdAt,
      expiresAt: doc.expiresAt,
    };
    await this.o.store.insertSession(rec);
    return { status: 201, body: this.render(rec, doc, v, env, caller.negotiated) };
  }

  private closed(kind: string, doc: SessionDoc): Outcome | undefined {
    if (doc.status === 'completed') return { status: 409, errors: [error('checkout_completed', `this ${kind} is completed and cannot change`, 'unrecoverable')] };
    if (doc.status === 'canceled') return { status: 409, errors: [error('checkout_canceled', `this ${kind} is canceled`, 'unrecoverable')] };
    return undefined;
  }

  async update(kind: 'checkout' | 'cart', id: string, body: Json, caller: Caller, attempt = 0): Promise<Outcome> {
    const refused = overLimits(body);
    if (refused) return refused;
    const found = await this.load(id, kind, caller);
    if (!found) return this.notFound(kind === 'cart' ? 'cart' : 'checkout session', id);
    const { rec, doc } = found;
    const closed = this.closed(kind === 'cart' ? 'cart' : 'checkout', doc);
    if (closed) return closed;
    if (typeof body.id === 'string' && body.id !== id) return { status: 400, errors: [error('invalid_id', `the body's id "${body.id}" is not this ${kind}'s id "${id}"`, 'recoverable', '$.id')] };
    let infos: Map<string, ItemInfo> | undefined;
    if (Array.isArray(body.line_items)) {
      const lines = await this.linesFrom(body.line_items, doc, doc.currency);
      if (!lines.ok) return lines.outcome;
      doc.notices = lines.notices;
      infos = lines.infos;
    } else {
      doc.notices = [];
    }
    await this.applyFields(doc, body);
    const env = await this.env(doc, caller.negotiated, infos);
    const v = evaluate(doc, env);
    if (kind === 'checkout') doc.status = v.status;
    const next: SessionRecord = { ...rec, status: doc.status, version: rec.version + 1, doc: JSON.stringify(doc), updatedAt: this.now().toISOString() };
    if (!(await this.o.store.updateSession(next, rec.version))) {
      if (attempt === 0) return this.update(kind, id, body, caller, 1);
      return { status: 409, errors: [error('conflict', 'the session changed concurrently; retry', 'recoverable')] };
    }
    return { status: 200, body: this.render(next, doc, v, env, caller.negotiated) };
  }

  async cancel(kind: 'checkout' | 'cart', id: string, caller: Caller): Promise<Outcome> {
    const found = await this.load(id, kind, caller);
    if (!found) return this.notFound(kind === 'cart' ? 'cart' : 'checkout session', id);
    const { rec, doc } = found;
    if (doc.status === 'completed') return { status: 409, errors: [error('checkout_completed', 'a completed checkout cannot be canceled', 'unrecoverable')] };
    const env = await this.env(doc, caller.negotiated);
    if (doc.status !== 'canceled') {
      doc.status = 'canceled';
      doc.notices = [];
      const next: SessionRecord = { ...rec, status: 'canceled', version: rec.version + 1, doc: JSON.stringify(doc), updatedAt: this.now().toISOString() };
      if (!(await this.o.store.updateSession(next, rec.version))) return this.cancel(kind, id, caller);
      return { status: 200, body: this.render(next, doc, evaluate(doc, env), env, caller.negotiated) };
    }
    return { status: 200, body: this.render(rec, doc, evaluate(doc, env), env, caller.negotiated) };
  }

  // ------------------------------------------------------------------------------------ completion

  async complete(id: string, body: Json, caller: Caller): Promise<Outcome> {
    const found = await this.load(id, 'checkout', caller);
    if (!found) return this.notFound('checkout session', id);
    const { rec, doc } = found;
    const closed = this.closed('checkout', doc);
    if (closed) return closed;
    const instruments = this.instrumentsFrom(body.payment) ?? [];
    if (instruments.length) doc.instruments = instruments.map((i) => withoutCredential(i) as SessionDoc['instruments'][number]);
    doc.notices = [];
    const env = await this.env(doc, caller.negotiated);
    const v = evaluate(doc, env);
    if (v.missingFulfillment) {
      return { status: 400, errors: [error('fulfillment_required', 'Fulfillment address and option must be selected before completing the checkout', 'recoverable', '$.fulfillment')], continueUrl: `${env.urls.base}/checkout/${id}` };
    }
    const blocking = v.messages.filter((m) => m.type === 'error');
    if (blocking.length) {
      const stock = blocking.some((m) => m.code === 'out_of_stock');
      return { status: stock ? 409 : 400, errors: blocking.map((m) => (stock && m.code === 'out_of_stock' ? { ...m, content: `Insufficient stock: ${m.content}` } : m)) };
    }
    const instrument = instruments.find((i) => i.selected) ?? instruments[0];
    if (!instrument) return { status: 400, errors: [error('payment_required', 'payment.instruments must name an instrument to pay with', 'recoverable', '$.payment.instruments')] };
    const handler = (await this.o.payments.offered()).get(instrument.handler_id);
    if (!handler) return { status: 400, errors: [error('payment_handler_unknown', `payment handler "${instrument.handler_id}" is not offered by this business`, 'recoverable', '$.payment.instruments[0].handler_id')] };
    const auth = await handler.authorize(instrument, v.total, doc.currency, caller.idempotencyKey ?? `${id}:${rec.version}`);
    if (!auth.ok) {
      // keep the instrument (without credential) so the buyer sees what was tried
      const next: SessionRecord = { ...rec, version: rec.version + 1, doc: JSON.stringify(doc), updatedAt: this.now().toISOString() };
      await this.o.store.updateSession(next, rec.version);
      return { status: 402, errors: [error(auth.code, `Payment failed: ${auth.message}`, auth.severity, '$.payment.instruments[0]')] };
    }

    // The order, then one transaction: stock, order, completed checkout, webhook.
    const now = this.now();
    const orderId = newId('ord');
    const permalink = `${env.urls.base}/order/${orderId}`;
    const order = this.orderFrom(orderId, permalink, rec.id, doc, v, env);
    const webhookUrl = caller.negotiated.platform.webhookUrl;
    doc.status = 'completed';
    doc.order = { id: orderId, permalink_url: permalink };
    doc.final = this.render({ ...rec, status: 'completed' }, doc, { ...v, status: 'completed', messages: [] }, env, caller.negotiated);
    const orderRec: OrderRecord = { id: orderId, checkoutId: rec.id, platform: rec.platform, version: 1, doc: JSON.stringify({ ...order, ...(webhookUrl ? { webhook_url: webhookUrl } : {}) }), createdAt: now.toISOString(), updatedAt: now.toISOString() };
    const next: SessionRecord = { ...rec, status: 'completed', orderId, version: rec.version + 1, doc: JSON.stringify(doc), updatedAt: now.toISOString() };
    const result = await this.o.store.completeCheckout({
      checkout: next,
      expectedVersion: rec.version,
      lines: v.lines.map((l) => ({ variantId: l.info!.variantId, quantity: l.doc.quantity })),
      order: orderRec,
      webhooks: webhookUrl ? [this.webhook(order, webhookUrl)] : [],
    });
    if (!result.ok) {
      await handler.void(auth.reference);
      if (result.reason === 'conflict') return { status: 409, errors: [error('conflict', 'the checkout changed while completing; retry', 'recoverable')] };
      const titles = result.shortages.map((s) => {
        const line = v.lines.find((l) => l.info?.variantId === s.variantId);
        return `${line?.info?.title ?? s.variantId} (${s.available} left, ${s.requested} requested)`;
      });
      return { status: 409, errors: [error('out_of_stock', `Insufficient stock: ${titles.join(', ')}`, 'recoverable', '$.line_items')] };
    }
    if (webhookUrl) this.o.onWebhooksQueued?.();
    this.o.logger.info('order placed', { order: orderId, checkout: rec.id, total: v.total, currency: doc.currency });
    return { status: 200, body: doc.final };
  }

  // ---------------------------------------------------------------------------------------- orders

  private orderFrom(id: string, permalink: string, checkoutId: string, doc: SessionDoc, v: View, env: Env): Json {
    const lineItems = lineItemsOf(v).map((l) => ({ ...l, quantity: { original: l.quantity as number, total: l.quantity as number, fulfilled: 0 }, status: 'processing' }));
    const expectations = doc.methods.flatMap((m) => {
      const dest = m.destinations.find((d) => d.id === m.selectedDestinationId);
      return m.groups.map((g) => ({
        id: `exp_${g.id}`,
        line_items: g.lineItemIds.map((lid) => ({ id: lid, quantity: doc.lines.find((l) => l.id === lid)?.quantity ?? 1 })),
        method_type: m.type,
        destination: dest?.address ?? (dest?.locationId ? this.locationAddress(env, dest.locationId) : { address_country: env.merchant.country }),
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
      ...(doc.attribution ? { attribution: doc.attribution } : {}),
    };
  }

  private locationAddress(env: Env, locationId: string): Address {
    const a = env.locations.find((l) => l.id === locationId)?.address;
    if (!a) return {};
    return { ...(a.street ? { street_address: a.street } : {}), ...(a.locality ? { address_locality: a.locality } : {}), ...(a.region ? { address_region: a.region } : {}), ...(a.postalCode ? { postal_code: a.postalCode } : {}), address_country: a.country };
  }

  /** The order as UCP shows it (with its `ucp` envelope), for GET /orders and webhooks. */
  orderBody(doc: Json): Json {
    const { webhook_url: _w, ...order } = doc;
    return { ucp: { version: UCP_VERSION, capabilities: { [ORDER]: [{ version: UCP_VERSION }] } }, ...order };
  }

  private webhook(order: Json, url: string): OutboxInsert {
    return { id: newId('whk'), orderId: order.id as string, url, body: Buffer.from(canonicalJson(this.orderBody(order))) };
  }

  async getOrder(id: string, caller: Caller): Promise<Outcome> {
    const rec = await this.o.store.getOrder(id);
    if (!rec || rec.platform !== caller.negotiated.platform.url) return { status: 200, errors: [error('not_found', `no order "${id}"`, 'unrecoverable', '$.id')] };
    const { webhook_url: _w, ...order } = JSON.parse(rec.doc) as Json;
    return { status: 200, body: order };
  }

  /**
   * A retailer-side change to an order: a fulfillment event (shipped with carrier and tracking, delivered,
   * ...) or an adjustment (refund, return, ...). Appended, never rewritten; the platform gets the whole
   * order by webhook.
   */
  async changeOrder(id: string, change: { event?: Json; adjustment?: Json }): Promise<Json | undefined> {
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
            const shipped = doc.fulfillment.events.filter((x) => x.type === 'shipped').flatMap((x) => x.line_items as { id: string; quantity: number }[]).filter((r) => r.id === ref.id).reduce((s, r) => s + r.quantity, 0);
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
          ...(Array.isArray(a.line_items) ? { line_items: lineRefs(a.line_items) } : {}),
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
      const { webhook_url: url, ...order } = doc;
      if (await this.o.store.updateOrder(next, rec.version, url ? [this.webhook(order, url)] : [])) {
        if (url) this.o.onWebhooksQueued?.();
        return order;
      }
    }
    throw new Error(`order ${id} kept changing concurrently`);
  }
}
