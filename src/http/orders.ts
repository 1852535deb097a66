/**
 * The retailer's order endpoints (/admin/v1/orders/{id}/events, /adjustments), the conformance tooling's
 * shipping simulation, and the buyer's pages behind UCP's `continue_url` and `permalink_url` (checkout,
 * cart, order). Handlers translate; CheckoutService decides. (The UCP operations are in src/ucp/.)
 */
import { timingSafeEqual } from 'node:crypto';
import { Router, urlencoded, type Request, type Response } from 'express';
import { jsonBody } from '../edge/json-body.js';
import { invalidInput, notFound, UcpdError } from '../errors.js';
import { toDecimalString } from '../catalog/money.js';
import { MAX_STOCK_UNITS } from '../catalog/availability.js';
import type { Config } from '../config.js';
import { escapeHtml } from '../linked-data/html.js';
import type { Store } from '../store/store.js';
import type { SessionDoc } from '../ucp/checkout/session.js';
import type { Ucp } from '../ucp/runtime.js';
import { requireScope } from '../edge/require-scope.js';

type Json = Record<string, unknown>;

const TEST_HANDLER_ID = 'mock_payment_handler';

function secretMatches(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

const EVENT_TYPES = ['processing', 'shipped', 'in_transit', 'delivered', 'failed_attempt', 'canceled', 'undeliverable', 'returned_to_sender'];
const ADJUSTMENT_TYPES = ['refund', 'return', 'credit', 'price_adjustment', 'dispute', 'cancellation'];
const ADJUSTMENT_STATUS = ['pending', 'completed', 'failed'];

function objectBody(req: Request): Json {
  if (!req.body || typeof req.body !== 'object' || Array.isArray(req.body)) throw invalidInput('invalid_body', 'the body must be a JSON object');
  return req.body as Json;
}

function lineRefs(body: Json): void {
  if (body.line_items === undefined) return;
  const quantity = (q: unknown) => Number.isSafeInteger(q) && (q as number) >= 1 && (q as number) <= MAX_STOCK_UNITS;
  if (!Array.isArray(body.line_items) || !body.line_items.every((l) => l && typeof l === 'object' && typeof (l as Json).id === 'string' && quantity((l as Json).quantity))) {
    throw invalidInput('invalid_body', `line_items must be [{"id": "<line item id>", "quantity": <whole number from 1 to ${MAX_STOCK_UNITS}>}]`, { field: 'line_items' });
  }
}

/** An adjustment's totals: [{type, amount (signed minor units), display_text?}], every amount exact. */
function adjustmentTotals(body: Json): void {
  if (body.totals === undefined) return;
  const ok =
    Array.isArray(body.totals) &&
    body.totals.length <= 20 &&
    body.totals.every(
      (t) =>
        t &&
        typeof t === 'object' &&
        typeof (t as Json).type === 'string' &&
        Number.isSafeInteger((t as Json).amount) &&
        ((t as Json).display_text === undefined || typeof (t as Json).display_text === 'string'),
    );
  if (!ok) throw invalidInput('invalid_body', 'totals must be [{"type": "...", "amount": <integer minor units>, "display_text"?: "..."}]', { field: 'totals' });
}

/** Retailer endpoints, the shipping simulation and the buyer-facing pages. */
export function ordersRouter(deps: { ucp: Ucp; store: Store; config: Config }): Router {
  const { ucp, store, config } = deps;
  const r = Router();
  const body = jsonBody({ limit: config.jsonLimit });

  r.post('/admin/v1/orders/:id/events', requireScope(store, 'admin'), body, async (req, res) => {
    const b = objectBody(req);
    if (typeof b.type !== 'string' || !EVENT_TYPES.includes(b.type)) throw invalidInput('invalid_body', `type must be one of ${EVENT_TYPES.join(', ')}`, { field: 'type' });
    lineRefs(b);
    for (const f of ['tracking_number', 'tracking_url', 'carrier', 'description', 'occurred_at']) {
      if (b[f] !== undefined && typeof b[f] !== 'string') throw invalidInput('invalid_body', `${f} must be a string`, { field: f });
    }
    const order = await ucp.checkout.changeOrder(String(req.params.id), { event: b });
    if (!order) throw notFound('order_not_found', `no order "${req.params.id}"`);
    res.status(201).json(ucp.checkout.orderBody(order));
  });

  r.post('/admin/v1/orders/:id/adjustments', requireScope(store, 'admin'), body, async (req, res) => {
    const b = objectBody(req);
    if (typeof b.type !== 'string' || !ADJUSTMENT_TYPES.includes(b.type)) throw invalidInput('invalid_body', `type must be one of ${ADJUSTMENT_TYPES.join(', ')}`, { field: 'type' });
    if (b.status !== undefined && (typeof b.status !== 'string' || !ADJUSTMENT_STATUS.includes(b.status)))
      throw invalidInput('invalid_body', `status must be one of ${ADJUSTMENT_STATUS.join(', ')}`, { field: 'status' });
    if (b.amount !== undefined && !(Number.isSafeInteger(b.amount) && (b.amount as number) >= 0))
      throw invalidInput('invalid_body', 'amount must be a non-negative integer (minor units, at most 2^53 - 1)', { field: 'amount' });
    lineRefs(b);
    adjustmentTotals(b);
    const order = await ucp.checkout.changeOrder(String(req.params.id), { adjustment: b });
    if (!order) throw notFound('order_not_found', `no order "${req.params.id}"`);
    res.status(201).json(ucp.checkout.orderBody(order));
  });

  // For the UCP conformance tooling: mark an order shipped. Off unless a secret is configured.
  r.post('/testing/simulate-shipping/:id', async (req, res) => {
    const secret = config.ucp.simulationSecret;
    const given = req.headers['simulation-secret'];
    if (!secret || !secretMatches(typeof given === 'string' ? given : undefined, secret)) {
      throw new UcpdError('forbidden', 'simulation_forbidden', 'shipping simulation needs the Simulation-Secret this server was configured with');
    }
    const order = await ucp.checkout.changeOrder(String(req.params.id), {
      event: { type: 'shipped', carrier: 'Simulated Carrier', tracking_number: `SIM${Date.now()}`, description: 'Simulated shipment' },
    });
    if (!order) throw notFound('order_not_found', `no order "${req.params.id}"`);
    res.json({ status: 'shipped', order_id: req.params.id });
  });

  const page = (res: Response, title: string, main: string) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Robots-Tag', 'noindex');
    res
      .type('html')
      .send(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title></head><body><main>${main}</main></body></html>`,
      );
  };
  // an amount that is not exact (orders stored before amounts were checked) shows as such, never as a 500
  const money = (amount: number, currency: string) => (Number.isSafeInteger(amount) ? `${toDecimalString(amount, currency)} ${currency}` : `(invalid amount) ${currency}`);

  // continue_url: where the buyer sees the checkout and finishes it: address, delivery option, payment
  const form = urlencoded({ extended: false, limit: '16kb' });
  const field = (b: Json, k: string) => (typeof b[k] === 'string' ? (b[k] as string).trim() : '');
  const checkoutPage = async (res: Response, id: string, notice?: string) => {
    const caller = await ucp.checkout.asOwner(id);
    const out = caller && (await ucp.checkout.get('checkout', id, caller));
    if (!out || 'errors' in out) throw notFound('not_found', 'no such checkout');
    const c = out.body as Json & { line_items: Json[]; totals: Json[]; currency: string; status: string; messages?: Json[]; buyer?: Json; fulfillment?: { methods: Json[] }; order?: Json };
    const merchant = await store.getMerchant();
    const lines = (c.line_items as { item: { title: string }; quantity: number; totals: { type: string; amount: number }[] }[])
      .map((l) => `<tr><td>${escapeHtml(l.item.title)}</td><td>${l.quantity}</td><td>${money(l.totals.find((t) => t.type === 'total')?.amount ?? 0, c.currency)}</td></tr>`)
      .join('');
    const totals = c.totals.map((t) => `<tr><th>${escapeHtml(String(t.display_text ?? t.type))}</th><td>${money(t.amount as number, c.currency)}</td></tr>`).join('');
    const method = c.fulfillment?.methods?.[0] as (Json & { destinations: Json[]; selected_destination_id: string | null; groups: Json[] }) | undefined;
    const dest = method?.destinations.find((d) => d.id === method.selected_destination_id) ?? {};
    const options = (method?.groups?.[0]?.options ?? []) as Json[];
    const selected = method?.groups?.[0]?.selected_option_id;
    const messages = (c.messages ?? [])
      .filter((m) => m.code !== 'fulfillment_required')
      .map((m) => `<li>${escapeHtml(String(m.content))}</li>`)
      .join('');
    const done = c.status === 'completed' || c.status === 'canceled';
    const input = (name: string, label: string, value: unknown, type = 'text') =>
      `<label>${label} <input name="${name}" type="${type}" value="${escapeHtml(typeof value === 'string' ? value : '')}" required></label><br>`;
    const testPay = (await ucp.payments.offered()).get(TEST_HANDLER_ID) !== undefined;
    const body =
      `<h1>${escapeHtml(merchant?.name ?? 'Checkout')}</h1>${notice ? `<p role="alert">${escapeHtml(notice)}</p>` : ''}` +
      `<table><thead><tr><th>Item</th><th>Quantity</th><th>Total</th></tr></thead><tbody>${lines}</tbody></table><table>${totals}</table>` +
      (messages ? `<ul>${messages}</ul>` : '') +
      (String(c.continue_url ?? '').endsWith('/authenticate') ? `<p><a href="/checkout/${encodeURIComponent(id)}/authenticate">Confirm your payment</a></p>` : '') +
      (done
        ? `<p>This checkout is ${escapeHtml(c.status)}.${c.order ? ` <a href="${escapeHtml(String(c.order.permalink_url))}">Your order</a>` : ''}</p>`
        : `<form method="post"><fieldset><legend>Contact and delivery</legend>` +
          input('email', 'Email', c.buyer?.email, 'email') +
          input('first_name', 'First name', c.buyer?.first_name) +
          input('last_name', 'Last name', c.buyer?.last_name) +
          input('street_address', 'Street', dest.street_address) +
          input('address_locality', 'City', dest.address_locality) +
          `<label>Region <input name="address_region" value="${escapeHtml(String(dest.address_region ?? ''))}"></label><br>` +
          input('postal_code', 'Postal code', dest.postal_code) +
          input('address_country', 'Country (2 letters)', dest.address_country ?? merchant?.country) +
          `</fieldset>` +
          (options.length
            ? `<fieldset><legend>Delivery option</legend>${options.map((o) => `<label><input type="radio" name="option" value="${escapeHtml(String(o.id))}"${o.id === selected ? ' checked' : ''} required> ${escapeHtml(String(o.title))}: ${money((o.totals as Json[]).find((t) => t.type === 'total')!.amount as number, c.currency)}</label><br>`).join('')}</fieldset>`
            : '') +
          (options.length && testPay
            ? `<fieldset><legend>Payment (test mode)</legend><label>Card number <input name="card" inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242"></label></fieldset>`
            : '') +
          `<button type="submit">${options.length && testPay ? 'Place order' : 'Continue'}</button></form>` +
          (!testPay
            ? `<p>Payment is taken by ${escapeHtml(merchant?.name ?? 'the store')}${merchant?.support.email ? ` (<a href="mailto:${escapeHtml(merchant.support.email)}">${escapeHtml(merchant.support.email)}</a>)` : ''}.</p>`
            : ''));
    page(res, `Checkout · ${merchant?.name ?? 'ucpd store'}`, body);
  };
  r.get('/checkout/:id', async (req, res) => checkoutPage(res, String(req.params.id)));
  r.post('/checkout/:id', form, async (req, res) => {
    const id = String(req.params.id);
    const caller = await ucp.checkout.asOwner(id);
    if (!caller) throw notFound('not_found', 'no such checkout');
    const b = (req.body ?? {}) as Json;
    const current = await ucp.checkout.get('checkout', id, caller);
    if ('errors' in current) throw notFound('not_found', 'no such checkout');
    const c = current.body as Json & { line_items: { id: string; item: { id: string }; quantity: number }[]; fulfillment?: { methods: { id: string }[] } };
    const address = {
      id: 'buyer',
      street_address: field(b, 'street_address'),
      address_locality: field(b, 'address_locality'),
      address_region: field(b, 'address_region'),
      postal_code: field(b, 'postal_code'),
      address_country: field(b, 'address_country').toUpperCase(),
    };
    const updated = await ucp.checkout.update(
      'checkout',
      id,
      {
        line_items: c.line_items.map((l) => ({ id: l.id, item: { id: l.item.id }, quantity: l.quantity })),
        buyer: { email: field(b, 'email'), first_name: field(b, 'first_name'), last_name: field(b, 'last_name') },
        fulfillment: {
          methods: [
            {
              ...(c.fulfillment?.methods?.[0]?.id ? { id: c.fulfillment.methods[0].id } : {}),
              type: 'shipping',
              line_item_ids: c.line_items.map((l) => l.id),
              destinations: [address],
              selected_destination_id: 'buyer',
              groups: [{ ...(field(b, 'option') ? { selected_option_id: field(b, 'option') } : {}) }],
            },
          ],
        },
      },
      caller,
    );
    if ('errors' in updated) return checkoutPage(res, id, updated.errors.map((m) => m.content).join(' '));
    const card = field(b, 'card').replace(/\s+/g, '');
    if (card && (await ucp.payments.offered()).get(TEST_HANDLER_ID) && (updated.body as Json).status === 'ready_for_complete') {
      const done = await ucp.checkout.complete(id, { payment: { instruments: [{ id: 'page', handler_id: TEST_HANDLER_ID, type: 'card', credential: { type: 'card', number: card } }] } }, caller);
      if ('errors' in done) return checkoutPage(res, id, done.errors.map((m) => m.content).join(' '));
      // a card that asks for authentication: on to its challenge
      if (done.body.status === 'requires_escalation') return res.redirect(303, `/checkout/${encodeURIComponent(id)}/authenticate`);
      return res.redirect(303, String((done.body.order as Json).permalink_url).replace(config.baseUrl, '') || '/');
    }
    return checkoutPage(res, id);
  });

  // the payment challenge (a test 3-D Secure page) of a checkout whose payment asks the buyer to authenticate
  r.get('/checkout/:id/authenticate', async (req, res) => {
    const id = String(req.params.id);
    const rec = await store.getSession(id);
    if (rec?.kind !== 'checkout') throw notFound('not_found', 'no such checkout');
    const doc = JSON.parse(rec.doc) as SessionDoc;
    const merchant = await store.getMerchant();
    if (!doc.challenge) return res.redirect(303, doc.order ? `/order/${encodeURIComponent(doc.order.id)}` : `/checkout/${encodeURIComponent(id)}`);
    const caller = (await ucp.checkout.asOwner(id))!;
    const current = await ucp.checkout.get('checkout', id, caller);
    const total = 'errors' in current ? undefined : ((current.body.totals as Json[]).find((t) => t.type === 'total')?.amount as number | undefined);
    const display = doc.challenge.instrument.display as { brand?: string; last_digits?: string } | undefined;
    page(
      res,
      `Confirm your payment · ${merchant?.name ?? 'ucpd store'}`,
      `<h1>Confirm your payment</h1><p>${escapeHtml(merchant?.name ?? 'The store')} asks you to confirm a payment of <strong>${total !== undefined ? money(total, doc.currency) : doc.currency}</strong>` +
        `${display?.last_digits ? ` with the card ending ${escapeHtml(display.last_digits)}` : ''}.</p>` +
        `<p>This is the test payment handler's 3-D Secure challenge: no bank is asked and no money moves.</p>` +
        `<form method="post"><button type="submit" name="answer" value="approve">Approve payment</button> <button type="submit" name="answer" value="decline">Decline</button></form>`,
    );
  });
  r.post('/checkout/:id/authenticate', form, async (req, res) => {
    const id = String(req.params.id);
    const approved = field((req.body ?? {}) as Json, 'answer') === 'approve';
    const out = await ucp.checkout.answerChallenge(id, approved);
    if (!out) {
      const rec = await store.getSession(id);
      if (rec?.kind !== 'checkout') throw notFound('not_found', 'no such checkout');
      return res.redirect(303, `/checkout/${encodeURIComponent(id)}`);
    }
    if ('errors' in out) return checkoutPage(res, id, out.errors.map((m) => m.content).join(' '));
    const order = out.body.order as Json | undefined;
    return res.redirect(303, order ? `/order/${encodeURIComponent(String(order.id))}` : `/checkout/${encodeURIComponent(id)}`);
  });

  r.get('/cart/:id', async (req, res) => {
    const rec = await store.getSession(String(req.params.id));
    if (rec?.kind !== 'cart') throw notFound('not_found', 'no such cart');
    const doc = JSON.parse(rec.doc) as SessionDoc;
    const merchant = await store.getMerchant();
    page(
      res,
      `Cart · ${merchant?.name ?? 'ucpd store'}`,
      `<h1>${escapeHtml(merchant?.name ?? 'Cart')}</h1><p>Cart <code>${escapeHtml(rec.id)}</code> (${escapeHtml(doc.status)})</p><ul>${doc.lines.map((l) => `<li>${escapeHtml(l.itemId)} × ${l.quantity}</li>`).join('')}</ul>`,
    );
  });

  // permalink_url: the order's page (its id is the capability: 128 random bits)
  r.get('/order/:id', async (req, res) => {
    const rec = await store.getOrder(String(req.params.id));
    if (!rec) throw notFound('order_not_found', 'no such order');
    const o = JSON.parse(rec.doc) as {
      label?: string;
      currency: string;
      line_items: { item: { title: string }; quantity: { total: number; fulfilled: number }; status: string; totals: { type: string; amount: number }[] }[];
      totals: { type: string; amount: number; display_text?: string }[];
      fulfillment: { events: { type: string; occurred_at: string; tracking_number?: string; carrier?: string }[] };
    };
    const merchant = await store.getMerchant();
    const rows = o.line_items
      .map(
        (l) =>
          `<tr><td>${escapeHtml(l.item.title)}</td><td>${l.quantity.total}</td><td>${escapeHtml(l.status)}</td><td>${money(l.totals.find((t) => t.type === 'total')?.amount ?? 0, o.currency)}</td></tr>`,
      )
      .join('');
    const totals = o.totals.map((t) => `<tr><th>${escapeHtml(t.display_text ?? t.type)}</th><td>${money(t.amount, o.currency)}</td></tr>`).join('');
    const events = o.fulfillment.events
      .map((e) => `<li>${escapeHtml(e.occurred_at)}: ${escapeHtml(e.type)}${e.carrier ? ` (${escapeHtml(e.carrier)}${e.tracking_number ? ` ${escapeHtml(e.tracking_number)}` : ''})` : ''}</li>`)
      .join('');
    page(
      res,
      `Order ${o.label ?? rec.id} · ${merchant?.name ?? 'ucpd store'}`,
      `<h1>Order ${escapeHtml(o.label ?? rec.id)}</h1><p>${escapeHtml(merchant?.name ?? '')}, placed ${escapeHtml(rec.createdAt)}</p>` +
        `<table><thead><tr><th>Item</th><th>Quantity</th><th>Status</th><th>Total</th></tr></thead><tbody>${rows}</tbody></table><table>${totals}</table>` +
        `<h2>Shipping</h2>${events ? `<ul>${events}</ul>` : '<p>Not shipped yet.</p>'}`,
    );
  });
  return r;
}
