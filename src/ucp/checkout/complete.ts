/**
 * Completing a checkout, as an explicit workflow:
 *
 * 1. validate: the session is open, every line has fulfillment, nothing blocks, an instrument is named
 *    and its handler is offered;
 * 2. authorise the payment for the total;
 * 3. commit in one transaction: stock, the order, the completed (frozen) checkout and the webhook;
 * 4. if the commit fails (stock ran out, the session changed), void the authorisation and say why.
 */
import { toDecimalString } from '../../catalog/money.js';
import type { Logger } from '../../logger.js';
import type { SessionRecord, Store } from '../../store/store.js';
import { error } from '../messages.js';
import { challengeCredential, withoutCredential, type PaymentHandlers, type PaymentInstrumentInput } from '../payments.js';
import { ownerCaller } from './owner.js';
import type { Orders } from './orders.js';
import { limitedCodes } from '../../publish/discounts.js';
import { buyerEmail, buyerOf, instrumentsFrom, isObject, newId, type Json, type Outcome } from './request.js';
import { consentGaps, storedConsent } from './consent.js';
import { appliedCodes, evaluate } from './session.js';
import type { Caller, Env, SessionDoc, View } from './types.js';

/** What the workflow needs of the session lifecycle. */
export interface SessionAccess {
  load(id: string, kind: 'checkout', caller: Caller): Promise<{ rec: SessionRecord; doc: SessionDoc } | undefined>;
  env(doc: SessionDoc, caller: Caller): Promise<Env>;
  render(rec: SessionRecord, doc: SessionDoc, v: View, env: Env, caller: Caller): Json;
  closed(kind: string, doc: SessionDoc): Outcome | undefined;
  notFound(kind: string, id: string): Outcome;
}

export interface CompletionDeps {
  store: Store;
  payments: PaymentHandlers;
  orders: Orders;
  logger: Logger;
  now: () => Date;
  onWebhooksQueued?: () => void;
}

type Step<T> = { ok: true; value: T } | { ok: false; outcome: Outcome };

interface Validated {
  rec: SessionRecord;
  doc: SessionDoc;
  env: Env;
  v: View;
  instrument: PaymentInstrumentInput;
}

/** 1. Everything that can be checked before money moves. */
async function validate(s: SessionAccess, d: CompletionDeps, id: string, body: Json, caller: Caller): Promise<Step<Validated>> {
  const found = await s.load(id, 'checkout', caller);
  if (!found) return { ok: false, outcome: s.notFound('checkout session', id) };
  const { rec, doc } = found;
  const closed = s.closed('checkout', doc);
  if (closed) return { ok: false, outcome: closed };
  const instruments = instrumentsFrom(body.payment) ?? [];
  if (instruments.length) doc.instruments = instruments.map((i) => withoutCredential(i) as SessionDoc['instruments'][number]);
  doc.notices = [];
  // a new attempt supersedes a challenge still waiting for the buyer
  delete doc.challenge;
  // 2026-08-25 lets the platform confirm consent alongside payment
  if (isObject(body.buyer) && isObject(body.buyer.consent)) doc.buyer = buyerOf({ ...(doc.buyer ?? {}), consent: body.buyer.consent }, doc.buyer);
  const env = await s.env(doc, caller);
  const v = evaluate(doc, env);
  const gaps = consentGaps(storedConsent(doc.buyer?.consent), doc.buyer, true);
  if (gaps.length) return { ok: false, outcome: { status: 200, errors: gaps, continueUrl: `${env.urls.base}/checkout/${id}` } };
  if (v.missingFulfillment) {
    return {
      ok: false,
      outcome: {
        status: 400,
        errors: [error('fulfillment_required', 'Fulfillment address and option must be selected before completing the checkout', 'recoverable', '$.fulfillment')],
        continueUrl: `${env.urls.base}/checkout/${id}`,
      },
    };
  }
  // a code the buyer was shown as applied but that no longer applies (used up, limit reached) changes
  // the total: refuse, so nothing is charged that the buyer did not see
  const now = new Set(appliedCodes(v));
  const lost = (doc.appliedCodes ?? []).filter((c) => !now.has(c));
  if (lost.length) {
    const reasons = v.discounts.rejected.filter((r) => lost.includes(r.code.trim().toUpperCase()));
    // the session now shows the new total; completing again accepts it
    doc.appliedCodes = [...now];
    await d.store.updateSession({ ...rec, version: rec.version + 1, doc: JSON.stringify(doc), updatedAt: d.now().toISOString() }, rec.version);
    const total = `${toDecimalString(v.total, doc.currency)} ${doc.currency}`;
    const errors = reasons.length
      ? reasons.map((r) => error(r.reason, `${r.message}; without it the total is ${total}: review, then complete again`, 'requires_buyer_review', `$.discounts.codes[${r.index}]`))
      : [
          error(
            'discount_code_invalid',
            `discount code ${lost.join(', ')} no longer applies; without it the total is ${total}: review, then complete again`,
            'requires_buyer_review',
            '$.discounts.codes',
          ),
        ];
    return { ok: false, outcome: { status: 409, errors } };
  }
  const blocking = v.messages.filter((m) => m.type === 'error');
  if (blocking.length) {
    const stock = blocking.some((m) => m.code === 'out_of_stock');
    return { ok: false, outcome: { status: stock ? 409 : 400, errors: blocking.map((m) => (stock && m.code === 'out_of_stock' ? { ...m, content: `Insufficient stock: ${m.content}` } : m)) } };
  }
  const instrument = instruments.find((i) => i.selected) ?? instruments[0];
  if (!instrument)
    return { ok: false, outcome: { status: 400, errors: [error('payment_required', 'payment.instruments must name an instrument to pay with', 'recoverable', '$.payment.instruments')] } };
  return { ok: true, value: { rec, doc, env, v, instrument } };
}

export async function completeCheckout(s: SessionAccess, d: CompletionDeps, id: string, body: Json, caller: Caller): Promise<Outcome> {
  const checked = await validate(s, d, id, body, caller);
  if (!checked.ok) return checked.outcome;
  const { rec, doc, env, v, instrument } = checked.value;

  // 2. authorise
  const handler = (await d.payments.offered()).get(instrument.handler_id);
  if (!handler)
    return {
      status: 400,
      errors: [error('payment_handler_unknown', `payment handler "${instrument.handler_id}" is not offered by this business`, 'recoverable', '$.payment.instruments[0].handler_id')],
    };
  const auth = await handler.authorize(instrument, v.total, doc.currency, caller.idempotencyKey ?? `${id}:${rec.version}`);
  if (!auth.ok && 'challenge' in auth) {
    // a soft decline: the checkout waits for the buyer at the challenge page (continue_url); nothing is charged yet
    const { negotiated } = caller;
    doc.challenge = {
      id: auth.challenge,
      instrument: withoutCredential(instrument) as SessionDoc['instruments'][number],
      version: negotiated.version,
      ...(negotiated.platform.webhookUrl ? { webhookUrl: negotiated.platform.webhookUrl } : {}),
    };
    const next: SessionRecord = { ...rec, version: rec.version + 1, doc: JSON.stringify(doc), updatedAt: d.now().toISOString() };
    if (!(await d.store.updateSession(next, rec.version))) return { status: 409, errors: [error('conflict', 'the checkout changed while completing; retry', 'recoverable')] };
    return { status: 200, body: s.render(next, doc, evaluate(doc, env), env, caller) };
  }
  if (!auth.ok) {
    // keep the instrument (without credential) so the buyer sees what was tried
    const next: SessionRecord = { ...rec, version: rec.version + 1, doc: JSON.stringify(doc), updatedAt: d.now().toISOString() };
    await d.store.updateSession(next, rec.version);
    return { status: 402, errors: [error(auth.code, `Payment failed: ${auth.message}`, auth.severity, '$.payment.instruments[0]')] };
  }

  // 3. commit: stock, order, completed checkout and webhook in one transaction
  const now = d.now();
  const orderId = newId('ord');
  const permalink = `${env.urls.base}/order/${orderId}`;
  const order = d.orders.from(orderId, permalink, rec.id, doc, v, env);
  const webhookUrl = caller.negotiated.platform.webhookUrl;
  // the order keeps where its webhooks go and the version they speak (the platform's)
  const stored = { ...order, ...(webhookUrl ? { webhook_url: webhookUrl } : {}), ucp_version: caller.negotiated.version };
  doc.status = 'completed';
  doc.order = { id: orderId, permalink_url: permalink };
  doc.final = s.render({ ...rec, status: 'completed' }, doc, { ...v, status: 'completed', messages: [] }, env, caller);
  const result = await d.store.completeCheckout({
    checkout: { ...rec, status: 'completed', orderId, version: rec.version + 1, doc: JSON.stringify(doc), updatedAt: now.toISOString() },
    expectedVersion: rec.version,
    lines: v.lines.map((l) => ({ variantId: l.info!.variantId, quantity: l.doc.quantity })),
    order: {
      id: orderId,
      checkoutId: rec.id,
      platform: rec.platform,
      version: 1,
      doc: JSON.stringify(stored),
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    },
    webhooks: webhookUrl ? [d.orders.webhook(stored, webhookUrl)] : [],
    ...(buyerEmail(doc) ? { buyer: buyerEmail(doc)! } : {}),
    redemptions: limitedCodes(v.discounts, env.discountCatalog),
  });

  // 4. a failed commit voids the authorisation
  if (!result.ok) {
    await handler.void(auth.reference);
    if (result.reason === 'conflict') return { status: 409, errors: [error('conflict', 'the checkout changed while completing; retry', 'recoverable')] };
    if (result.reason === 'discount') {
      // another order took the code's last use since this checkout was priced: nothing was charged
      const i = doc.codes.findIndex((c) => c.trim().toUpperCase() === result.code);
      const why =
        result.limit === 'usage_limit' ? 'has just been used up' : result.limit === 'first_order' ? 'is for a first order and this buyer has just ordered' : "has just reached this buyer's limit";
      return {
        status: 409,
        errors: [
          error(
            result.limit === 'usage_limit' ? 'discount_code_expired' : 'discount_code_user_ineligible',
            `discount code "${doc.codes[i] ?? result.code}" ${why}; the checkout was not charged and its total changes without it`,
            'recoverable',
            `$.discounts.codes[${Math.max(0, i)}]`,
          ),
        ],
      };
    }
    const titles = result.shortages.map((sh) => {
      const line = v.lines.find((l) => l.info?.variantId === sh.variantId);
      return `${line?.info?.title ?? sh.variantId} (${sh.available} left, ${sh.requested} requested)`;
    });
    return { status: 409, errors: [error('out_of_stock', `Insufficient stock: ${titles.join(', ')}`, 'recoverable', '$.line_items')] };
  }
  if (webhookUrl) d.onWebhooksQueued?.();
  d.logger.info('order placed', { order: orderId, checkout: rec.id, total: v.total, currency: doc.currency });
  return { status: 200, body: doc.final };
}

/**
 * The buyer's answer at a payment's challenge page: approved, the checkout completes with the credential
 * the challenge unlocked, as the platform that asked (its version, its webhooks); declined, the challenge
 * is dropped and the checkout says the payment was declined. Undefined: no checkout, or no challenge
 * waiting (answered already, or superseded by a new attempt).
 */
export async function answerChallenge(s: SessionAccess, d: CompletionDeps, id: string, approved: boolean): Promise<Outcome | undefined> {
  const rec = await d.store.getSession(id);
  if (rec?.kind !== 'checkout') return undefined;
  const doc = JSON.parse(rec.doc) as SessionDoc;
  const challenge = doc.challenge;
  if (!challenge) return undefined;
  const handler = (await d.payments.offered()).get(challenge.instrument.handler_id);
  const answered = handler?.resolveChallenge?.(challenge.id, approved) ?? false;
  const caller = ownerCaller(rec.platform, { version: challenge.version, ...(challenge.webhookUrl ? { webhookUrl: challenge.webhookUrl } : {}) });
  if (approved && answered) {
    const instrument = { ...(challenge.instrument as unknown as PaymentInstrumentInput), credential: challengeCredential(challenge.id) };
    return completeCheckout(s, d, id, { payment: { instruments: [instrument] } }, caller);
  }
  delete doc.challenge;
  doc.notices = [
    error(
      'payment_declined',
      answered ? 'the buyer did not authenticate the payment; nothing was charged' : 'the payment authentication expired; complete the checkout again',
      'recoverable',
      '$.payment.instruments[0]',
    ),
  ];
  const next: SessionRecord = { ...rec, version: rec.version + 1, doc: JSON.stringify(doc), updatedAt: d.now().toISOString() };
  if (!(await d.store.updateSession(next, rec.version))) return { status: 409, errors: [error('conflict', 'the checkout changed meanwhile; retry', 'recoverable')] };
  const env = await s.env(doc, caller);
  return { status: 200, body: s.render(next, doc, evaluate(doc, env), env, caller) };
}
