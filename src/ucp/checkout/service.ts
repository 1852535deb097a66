/**
 * Carts, checkout sessions and orders: the writes behind the UCP operations. Every session belongs to
 * the platform that created it; reads and writes by any other platform are "not found". Writes use
 * optimistic versions (a concurrent write loses and is retried once from the fresh state).
 *
 * Outcomes are results, not exceptions: a body to send, or UCP messages with the HTTP status the
 * conformance tooling expects for refusals (400 unknown or out-of-stock items and completion without
 * fulfillment, 402 declined payment, 409 changes to completed or canceled sessions and stock that ran
 * out at completion); not-found is a 200 error response, as the spec says.
 *
 * The parts: request.ts (what a request may carry), items.ts (lines against the catalog), methods.ts
 * (fulfillment methods), session.ts (evaluation), fulfillment.ts and render.ts (UCP shapes),
 * complete.ts (the completion workflow), orders.ts (orders and their webhooks).
 */
import type { Logger } from '../../logger.js';
import { countedCodes } from '../../publish/discounts.js';
import { contextDestination, currencyFor } from '../../publish/offers.js';
import type { StoreSnapshot } from '../../publish/snapshot.js';
import type { Urls } from '../../publish/urls.js';
import type { Clock, SessionRecord, Store } from '../../store/store.js';
import { BUYER_CONSENT, DISCOUNT, FULFILLMENT } from '../constants.js';
import { offerContext } from '../context.js';
import { error } from '../messages.js';
import { withoutCredential, type PaymentHandlers } from '../payments.js';
import { answerChallenge, completeCheckout, type CompletionDeps, type SessionAccess } from './complete.js';
import { ownerCaller } from './owner.js';
import { fulfillmentJson } from './fulfillment.js';
import { catalogItems, linesFrom, type ItemDeps } from './items.js';
import { methodsFrom } from './methods.js';
import { Orders } from './orders.js';
import { asConfirmation, storedConsent } from './consent.js';
import { discountsJson, lineItemsOf, totalsOf } from './render.js';
import { policyLinks } from '../../publish/urls.js';
import { buyerEmail, buyerOf, codesFrom, instrumentsFrom, isObject, newId, overLimits, type Json, type Outcome } from './request.js';
import { appliedCodes, evaluate, sessionPolicies } from './session.js';
import type { Caller, Env, ItemInfo, SessionDoc, View } from './types.js';

export type { Outcome } from './request.js';
export type { Caller } from './types.js';
export { MAX_CODES, MAX_DESTINATIONS, MAX_LINES, MAX_METHODS, newId } from './request.js';

export const CHECKOUT_TTL_MS = 6 * 3600_000;
export const CART_TTL_MS = 7 * 24 * 3600_000;

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

export class CheckoutService implements SessionAccess {
  readonly orders: Orders;
  private readonly itemDeps: ItemDeps;

  constructor(private readonly o: CheckoutOptions) {
    this.orders = new Orders({ store: o.store, clock: o.clock, ...(o.onWebhooksQueued ? { onWebhooksQueued: o.onWebhooksQueued } : {}) });
    this.itemDeps = { store: o.store, urls: o.urls, now: () => this.now(), ...(o.maxLineQuantity !== undefined ? { maxLineQuantity: o.maxLineQuantity } : {}) };
  }

  private now(): Date {
    return this.o.clock.now();
  }

  // ----------------------------------------------------------------------------------- environment

  /** The evaluation environment of a session for a caller (its negotiated extensions). */
  async env(doc: SessionDoc, caller: Caller | undefined, known?: ReadonlyMap<string, ItemInfo>): Promise<Env> {
    const { wide, context } = await this.buyerContext(doc.context);
    const items =
      known && doc.lines.every((l) => known.has(l.itemId))
        ? known
        : await catalogItems(
            this.itemDeps,
            doc.lines.map((l) => l.itemId),
            doc.currency,
          );
    const capabilities = caller?.negotiated.capabilities;
    const destination = contextDestination(context);
    // usage limits and conditions on the buyer need counts from the store: read only for codes that have them
    const email = buyerEmail(doc);
    const counted = doc.codes.length ? countedCodes(doc.codes, wide.discounts) : [];
    const counts = counted.length ? await this.o.store.discountUsage(counted, email) : undefined;
    return {
      urls: this.o.urls,
      merchant: wide.merchant,
      rates: wide.rates,
      taxRates: wide.taxRates,
      promotions: wide.promotions,
      policies: wide.policies,
      defaultCurrency: this.o.defaultCurrency,
      discountCatalog: wide.discounts,
      locations: wide.locations,
      now: this.now(),
      items,
      fulfillment: capabilities?.has(FULFILLMENT) ?? false,
      discounts: capabilities?.has(DISCOUNT) ?? false,
      ...(destination ? { contextDestination: destination } : {}),
      ...(counts ? { buyer: { ...(email ? { email } : {}), orders: counts.buyerOrders }, usage: { total: counts.total, byBuyer: counts.byBuyer } } : {}),
    };
  }

  /** The store-wide snapshot and the buyer's context read against it: one reading for currency and destination. */
  private async buyerContext(context: Json | undefined) {
    const wide = await this.o.snapshot();
    const rules = { merchant: wide.merchant, defaultCurrency: this.o.defaultCurrency, rates: wide.rates };
    return { wide, rules, context: offerContext(context, rules).context };
  }

  /** The session's currency: the offer engine's for the buyer's context, as the catalog priced it. */
  private async currencyFor(context: Json | undefined): Promise<string> {
    const { rules, context: buyer } = await this.buyerContext(context);
    return currencyFor(rules, buyer);
  }

  render(rec: SessionRecord, doc: SessionDoc, v: View, env: Env, caller: Caller): Json {
    const negotiated = caller.negotiated;
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
      links: policyLinks(env.merchant, env.urls),
      policies: sessionPolicies(doc, env),
      expires_at: doc.expiresAt,
      // a payment waiting for the buyer's authentication hands off to its challenge page
      ...(!terminal ? { continue_url: `${env.urls.base}/${checkout ? 'checkout' : 'cart'}/${rec.id}${doc.challenge ? '/authenticate' : ''}` } : {}),
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

  async load(id: string, kind: 'checkout' | 'cart', caller: Caller): Promise<{ rec: SessionRecord; doc: SessionDoc } | undefined> {
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

  notFound(kind: string, id: string): Outcome {
    return { status: 200, errors: [error('not_found', `no ${kind} "${id}"`, 'unrecoverable', '$.id')] };
  }

  /**
   * The buyer at `continue_url`, acting as the platform that created the session (the page's URL, with
   * its 128-bit id, is the capability). Every capability of this business applies.
   */
  async asOwner(id: string): Promise<Caller | undefined> {
    const rec = await this.o.store.getSession(id);
    return rec ? ownerCaller(rec.platform) : undefined;
  }

  async get(kind: 'checkout' | 'cart', id: string, caller: Caller): Promise<Outcome> {
    const found = await this.load(id, kind, caller);
    if (!found) return this.notFound(kind === 'cart' ? 'cart' : 'checkout session', id);
    const env = await this.env(found.doc, caller);
    return { status: 200, body: this.render(found.rec, found.doc, evaluate(found.doc, env), env, caller) };
  }

  // ---------------------------------------------------------------------------------------- writes

  /** Apply the fields a create or update carries (an omitted field leaves what the session has). */
  private async applyFields(doc: SessionDoc, body: Json): Promise<void> {
    if (isObject(body.buyer)) doc.buyer = buyerOf(body.buyer, doc.buyer);
    if (isObject(body.context)) doc.context = body.context;
    if (isObject(body.signals)) doc.signals = body.signals;
    if (isObject(body.attribution)) doc.attribution = body.attribution;
    const codes = codesFrom(body.discounts);
    if (codes) doc.codes = codes;
    if (doc.kind === 'checkout') {
      await methodsFrom({ store: this.o.store, ...(this.o.savedAddresses ? { savedAddresses: this.o.savedAddresses } : {}), env: (d) => this.env(d, undefined) }, body.fulfillment, doc);
      const instruments = instrumentsFrom(body.payment);
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
      body = {
        ...body,
        line_items: cart.doc.lines.map((l) => ({ item: { id: l.itemId }, quantity: l.quantity })),
        ...(cart.doc.buyer ? { buyer: { ...cart.doc.buyer, consent: asConfirmation(storedConsent(cart.doc.buyer.consent)) } } : {}),
        ...(cart.doc.context ? { context: cart.doc.context } : {}),
        discounts: { ...(isObject(body.discounts) ? body.discounts : {}), codes: cart.doc.codes },
      };
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
    const lines = await linesFrom(this.itemDeps, Array.isArray(body.line_items) ? body.line_items : [], doc, currency);
    if (!lines.ok) return lines.outcome;
    await this.applyFields(doc, body);
    doc.notices = lines.notices;
    const env = await this.env(doc, caller, lines.infos);
    const v = evaluate(doc, env);
    doc.status = kind === 'checkout' ? v.status : 'incomplete';
    doc.appliedCodes = appliedCodes(v);
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
    return { status: 201, body: this.render(rec, doc, v, env, caller) };
  }

  closed(kind: string, doc: SessionDoc): Outcome | undefined {
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
      const lines = await linesFrom(this.itemDeps, body.line_items, doc, doc.currency);
      if (!lines.ok) return lines.outcome;
      doc.notices = lines.notices;
      infos = lines.infos;
    } else {
      doc.notices = [];
    }
    await this.applyFields(doc, body);
    const env = await this.env(doc, caller, infos);
    const v = evaluate(doc, env);
    if (kind === 'checkout') doc.status = v.status;
    doc.appliedCodes = appliedCodes(v);
    const next: SessionRecord = { ...rec, status: doc.status, version: rec.version + 1, doc: JSON.stringify(doc), updatedAt: this.now().toISOString() };
    if (!(await this.o.store.updateSession(next, rec.version))) {
      if (attempt === 0) return this.update(kind, id, body, caller, 1);
      return { status: 409, errors: [error('conflict', 'the session changed concurrently; retry', 'recoverable')] };
    }
    return { status: 200, body: this.render(next, doc, v, env, caller) };
  }

  async cancel(kind: 'checkout' | 'cart', id: string, caller: Caller): Promise<Outcome> {
    const found = await this.load(id, kind, caller);
    if (!found) return this.notFound(kind === 'cart' ? 'cart' : 'checkout session', id);
    const { rec, doc } = found;
    if (doc.status === 'completed') return { status: 409, errors: [error('checkout_completed', 'a completed checkout cannot be canceled', 'unrecoverable')] };
    const env = await this.env(doc, caller);
    if (doc.status !== 'canceled') {
      doc.status = 'canceled';
      doc.notices = [];
      const next: SessionRecord = { ...rec, status: 'canceled', version: rec.version + 1, doc: JSON.stringify(doc), updatedAt: this.now().toISOString() };
      if (!(await this.o.store.updateSession(next, rec.version))) return this.cancel(kind, id, caller);
      return { status: 200, body: this.render(next, doc, evaluate(doc, env), env, caller) };
    }
    return { status: 200, body: this.render(rec, doc, evaluate(doc, env), env, caller) };
  }

  // ------------------------------------------------------------------------------------ completion

  private completion(): CompletionDeps {
    return {
      store: this.o.store,
      payments: this.o.payments,
      orders: this.orders,
      logger: this.o.logger,
      now: () => this.now(),
      ...(this.o.onWebhooksQueued ? { onWebhooksQueued: this.o.onWebhooksQueued } : {}),
    };
  }

  complete(id: string, body: Json, caller: Caller): Promise<Outcome> {
    return completeCheckout(this, this.completion(), id, body, caller);
  }

  /** The buyer's answer at a payment's challenge page (complete.ts, answerChallenge). */
  answerChallenge(id: string, approved: boolean): Promise<Outcome | undefined> {
    return answerChallenge(this, this.completion(), id, approved);
  }

  // ---------------------------------------------------------------------------------------- orders

  getOrder(id: string, caller: Caller): Promise<Outcome> {
    return this.orders.get(id, caller);
  }

  changeOrder(id: string, change: { event?: Json; adjustment?: Json }): Promise<Json | undefined> {
    return this.orders.change(id, change);
  }

  orderBody(doc: Json): Json {
    return this.orders.body(doc);
  }
}
