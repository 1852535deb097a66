/**
 * UCP 2026-08-25 beside 2026-04-08 on the UCP reference store: a platform at 2026-08-25 gets every
 * operation in that version's shapes (valid against its official schemas, with the negotiated
 * extensions' forms), buyer consent per purpose and segment, sale units, and order webhooks in the
 * version the order was placed at; a 2026-04-08 platform's consent booleans are statements on the same
 * purposes.
 */
import { describe, expect, test } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { Json } from '../helpers/json.js';
import { checkoutSuite, PAY_OK, roses, shipping } from '../helpers/ucp-checkout.js';
import { checkoutSchemaRefs } from '../../src/ucp/schemas.js';
import { ALL_SHOPPING_CAPS, expectValid } from '../helpers/ucp.js';

const V = '2026-08-25';
const ALL = ALL_SHOPPING_CAPS;
const CHECKOUT_REFS = checkoutSchemaRefs(new Set(ALL));
const CART_REFS = ['shopping/cart.json', 'shopping/discount.json#/$defs/dev.ucp.shopping.cart', 'shopping/buyer_consent.json#/$defs/dev.ucp.shopping.cart'];
const MARKETING = 'dev.ucp.consent.marketing';
const EMAIL = 'dev.ucp.consent.marketing.email';
const SMS = 'dev.ucp.consent.marketing.sms';

/** Valid against each ref in 2026-08-25, and the envelope says 2026-08-25. */
function valid(refs: string[], body: Json): Json {
  expect(body.ucp.version).toBe(V);
  for (const ref of refs) expectValid(ref, body, V);
  return body;
}

/** A confirmation of every advertised choice as advertised, with `changes` applied (purpose or purpose.segment -> granted, stated by the buyer). */
function confirm(advertised: Json, changes: Record<string, boolean> = {}): Json {
  const out: Json = {};
  for (const [id, p] of Object.entries(advertised)) {
    const segments = p.segments
      ? Object.fromEntries(
          Object.entries(p.segments as Json).map(([k, s]) => [k, k in changes ? { granted: changes[k], source: 'platform' } : { granted: (s as Json).granted, source: (s as Json).source }]),
        )
      : undefined;
    out[id] = { ...(id in changes ? { granted: changes[id], source: 'platform' } : { granted: p.granted, source: p.source }), ...(segments ? { segments } : {}) };
  }
  return out;
}

/** A checkout's lines as an update sends them back. */
const linesOf = (c: Json) => c.line_items.map((l: Json) => ({ id: l.id, item: { id: l.item.id }, quantity: l.quantity }));

/** Fulfillment choosing the first option of the checkout's shipping method. */
function firstOption(c: Json): Json {
  const m = c.fulfillment.methods[0];
  return {
    methods: [
      {
        id: m.id,
        type: 'shipping',
        line_item_ids: m.line_item_ids,
        selected_destination_id: m.selected_destination_id,
        groups: [{ id: m.groups[0].id, selected_option_id: m.groups[0].options[0].id }],
      },
    ],
  };
}

const shipTo = () => {
  const s = shipping() as Json;
  s.fulfillment.methods[0].destinations[0].type = 'shipping_address';
  return s;
};

describe('a platform at 2026-08-25', () => {
  const suite = checkoutSuite({ version: V, capabilities: ALL });

  test('every operation answers in 2026-08-25 shapes, valid against its schemas and the negotiated extensions', async () => {
    const search = valid(
      ['shopping/catalog_search.json#/$defs/search_response', 'shopping/fulfillment.json#/$defs/fulfillment_search_response'],
      (await suite.call('post', '/catalog/search', { query: 'roses' })).body,
    );
    expect(search.products.length).toBeGreaterThan(0);
    // fulfillment extends the catalog: every variant says how it can be fulfilled
    for (const p of search.products) for (const v of p.variants) expect(v.fulfillment.methods.map((m: Json) => m.type)).toContain('shipping');
    valid(
      ['shopping/catalog_lookup.json#/$defs/lookup_response', 'shopping/fulfillment.json#/$defs/fulfillment_lookup_response'],
      (await suite.call('post', '/catalog/lookup', { ids: ['bouquet_roses'] })).body,
    );
    valid(
      ['shopping/catalog_lookup.json#/$defs/get_product_response', 'shopping/fulfillment.json#/$defs/fulfillment_get_product_response'],
      (await suite.call('post', '/catalog/product', { id: 'bouquet_roses' })).body,
    );

    const cart = valid(CART_REFS, (await suite.call('post', '/carts', roses(2))).body);
    valid(CART_REFS, (await suite.call('get', `/carts/${cart.id}`)).body);
    // 2026-08-25 carts take their id from the path alone
    const updatedCart = valid(CART_REFS, (await suite.call('put', `/carts/${cart.id}`, roses(3))).body);
    expect(updatedCart.line_items[0].quantity).toBe(3);
    valid(CART_REFS, (await suite.call('post', `/carts/${cart.id}/cancel`, undefined, { key: randomUUID() })).body);

    const created = valid(CHECKOUT_REFS, (await suite.call('post', '/checkout-sessions', { ...roses(1), ...shipTo() })).body);
    const m = created.fulfillment.methods[0];
    expect(m.destinations[0].type).toBe('shipping_address');
    expect(m.groups[0].options[0].description).toEqual({ plain: expect.any(String) });
    valid(CHECKOUT_REFS, (await suite.call('get', `/checkout-sessions/${created.id}`)).body);
    const chosen = firstOption(created);
    const lines = linesOf(created);
    const updated = valid(
      CHECKOUT_REFS,
      (await suite.call('put', `/checkout-sessions/${created.id}`, { id: created.id, line_items: lines, fulfillment: chosen, buyer: { email: 'v0825@example.com' } })).body,
    );
    expect(updated.status).toBe('ready_for_complete');
    const done = valid(CHECKOUT_REFS, (await suite.call('post', `/checkout-sessions/${created.id}/complete`, PAY_OK, { key: randomUUID() })).body);
    expect(done.status).toBe('completed');
    const order = valid(['shopping/order.json'], (await suite.call('get', `/orders/${done.order.id}`)).body);
    expect(order.policies).toEqual(expect.any(Array));

    const other = (await suite.call('post', '/checkout-sessions', roses(1))).body;
    valid(CHECKOUT_REFS, (await suite.call('post', `/checkout-sessions/${other.id}/cancel`, undefined, { key: randomUUID() })).body);
    const missing = (await suite.call('get', '/orders/ord_none')).body;
    expectValid('common/types/error_response.json', missing, V);
    expect(missing.ucp.version).toBe(V);
  });

  test('buyer consent: every purpose advertised, a confirmation recorded per purpose and segment, unadvertised keys ignored, an omitted map keeps what was said', async () => {
    const created = (await suite.call('post', '/checkout-sessions', roses(1))).body;
    const advertised = created.buyer.consent as Json;
    expect(Object.keys(advertised).sort()).toEqual(['dev.ucp.consent.analytics', MARKETING, 'dev.ucp.consent.preferences', 'dev.ucp.consent.sale_or_sharing']);
    for (const p of Object.values(advertised) as Json[]) expect(p).toMatchObject({ granted: false, source: 'business', description: expect.any(String) });
    expect(Object.keys(advertised[MARKETING].segments).sort()).toEqual([EMAIL, SMS]);

    const lines = linesOf(created);
    const consent = { ...confirm(advertised, { [EMAIL]: true, 'dev.ucp.consent.analytics': true }), 'com.example.never_advertised': { granted: true, source: 'platform' } };
    const put = (buyer: Json) => suite.call('put', `/checkout-sessions/${created.id}`, { id: created.id, line_items: lines, buyer });
    const after = valid(CHECKOUT_REFS, (await put({ email: 'consent@example.com', consent })).body);
    expect(after.buyer.consent['dev.ucp.consent.analytics']).toMatchObject({ granted: true, source: 'platform' });
    expect(after.buyer.consent[MARKETING]).toMatchObject({ granted: false, source: 'business' });
    expect(after.buyer.consent[MARKETING].segments[EMAIL]).toMatchObject({ granted: true, source: 'platform' });
    expect(after.buyer.consent[MARKETING].segments[SMS]).toMatchObject({ granted: false, source: 'business' });
    expect(after.buyer.consent['com.example.never_advertised']).toBeUndefined();

    // no consent map: nothing changes
    const kept = (await put({ email: 'consent@example.com' })).body;
    expect(kept.buyer.consent).toEqual(after.buyer.consent);
    // a choice handed back to the business default
    const reset = (await put({ email: 'consent@example.com', consent: confirm(after.buyer.consent, {}) })).body;
    expect(reset.buyer.consent['dev.ucp.consent.analytics']).toMatchObject({ granted: true, source: 'platform' });
    const backToDefault = confirm(after.buyer.consent);
    (backToDefault['dev.ucp.consent.analytics'] as Json).source = 'business';
    expect((await put({ email: 'consent@example.com', consent: backToDefault })).body.buyer.consent['dev.ucp.consent.analytics']).toMatchObject({ granted: false, source: 'business' });
  });

  test('consent that needs data the checkout lacks: a warning while open, and completion refused until it is given', async () => {
    const created = (await suite.call('post', '/checkout-sessions', { ...roses(1), ...shipTo() })).body;
    const lines = linesOf(created);
    const chosen = firstOption(created);
    const sms = confirm(created.buyer.consent, { [SMS]: true });
    const updated = (await suite.call('put', `/checkout-sessions/${created.id}`, { id: created.id, line_items: lines, fulfillment: chosen, buyer: { email: 'sms@example.com', consent: sms } })).body;
    expect(updated.messages).toContainEqual(expect.objectContaining({ type: 'warning', code: 'missing_consent_data', path: '$.buyer.phone_number' }));
    const refused = (await suite.call('post', `/checkout-sessions/${created.id}/complete`, PAY_OK, { key: randomUUID() })).body;
    expectValid('common/types/error_response.json', refused, V);
    expect(refused.messages).toContainEqual(expect.objectContaining({ type: 'error', code: 'missing_consent_data', severity: 'recoverable' }));
    // the platform withdraws the SMS choice alongside payment: the order is placed
    const done = (await suite.call('post', `/checkout-sessions/${created.id}/complete`, { ...PAY_OK, buyer: { consent: confirm(created.buyer.consent, { [SMS]: false }) } }, { key: randomUUID() }))
      .body;
    expect(done.status).toBe('completed');
    expect(done.buyer.consent[MARKETING].segments[SMS]).toMatchObject({ granted: false, source: 'platform' });
  });

  test('a cart becoming a checkout keeps the consent the buyer stated on the cart', async () => {
    const cart = (await suite.call('post', '/carts', roses(1))).body;
    const said = (await suite.call('put', `/carts/${cart.id}`, { ...roses(1), buyer: { consent: confirm(cart.buyer.consent, { [EMAIL]: true }) } })).body;
    expect(said.buyer.consent[MARKETING].segments[EMAIL]).toMatchObject({ granted: true, source: 'platform' });
    const checkout = (await suite.call('post', '/checkout-sessions', { cart_id: cart.id })).body;
    expect(checkout.buyer.consent[MARKETING].segments[EMAIL]).toMatchObject({ granted: true, source: 'platform' });
  });

  test('a line asserting a sale unit other than each is refused (recoverable), never reinterpreted; each (C62) is accepted', async () => {
    const lbs = { line_items: [{ item: { id: 'bouquet_roses', quantity_unit: { unit: 'LBR', scale: 2, display_text: 'lb' } }, quantity: 150 }] };
    const refused = (await suite.call('post', '/checkout-sessions', lbs)).body;
    expectValid('common/types/error_response.json', refused, V);
    expect(refused.messages).toEqual([expect.objectContaining({ code: 'quantity_unit_mismatch', severity: 'recoverable', path: '$.line_items[0].item.quantity_unit' })]);
    const each = { line_items: [{ item: { id: 'bouquet_roses', quantity_unit: { unit: 'C62', display_text: 'each' } }, quantity: 2 }] };
    const ok = valid(CHECKOUT_REFS, (await suite.call('post', '/checkout-sessions', each)).body);
    expect(ok.line_items[0].quantity).toBe(2);
  });

  test('the order webhook speaks the version the order was placed at', async () => {
    const { t } = suite.current();
    const created = (await suite.call('post', '/checkout-sessions', { ...roses(1), ...shipTo() })).body;
    const lines = linesOf(created);
    const chosen = firstOption(created);
    await suite.call('put', `/checkout-sessions/${created.id}`, { id: created.id, line_items: lines, fulfillment: chosen, buyer: { email: 'hook@example.com' } });
    const done = (await suite.call('post', `/checkout-sessions/${created.id}/complete`, PAY_OK, { key: randomUUID() })).body;
    const hooks = await t.store.listWebhooks(done.order.id);
    expect(hooks).toHaveLength(1);
    const body = JSON.parse(hooks[0]!.body.toString()) as Json;
    valid(['shopping/order.json'], body);
    expect(body.fulfillment.expectations[0].method_type).toBe('shipping');
  });
});

describe('a platform at 2026-04-08 beside it', () => {
  const suite = checkoutSuite();

  test("consent booleans are the buyer's statements on the same purposes: echoed as booleans, defaults never sent", async () => {
    const created = (await suite.call('post', '/checkout-sessions', roses(1))).body;
    expect(created.ucp.version).toBe('2026-04-08');
    expect(created.buyer).toBeUndefined();
    const lines = linesOf(created);
    const updated = (
      await suite.call('put', `/checkout-sessions/${created.id}`, { id: created.id, line_items: lines, buyer: { email: 'old@example.com', consent: { marketing: true, sale_of_data: false } } })
    ).body;
    for (const ref of CHECKOUT_REFS) expectValid(ref, updated);
    expect(updated.buyer.consent).toEqual({ marketing: true, sale_of_data: false });
    // no policies in 2026-04-08 bodies
    expect(updated.policies).toBeUndefined();
  });
});
