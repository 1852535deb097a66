/**
 * Checkout over REST against the UCP reference store (../shared/fixtures/flower_shop): the reference
 * merchant's numbers, the status machine, payment, the continue_url page, and buyers with their saved
 * addresses and consent. Every checkout is validated against the official schemas with each negotiated
 * extension, and every error response against the error schema.
 * (Idempotency: checkout-idempotency.test.ts; carts and orders: carts-orders.test.ts.)
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import type { Json } from '../helpers/json.js';
import type { TestStore } from '../helpers/store.js';
import { type CheckoutApp, checkoutSuite, expectCheckout, expectError, OTHER, PAY_FAIL, PAY_OK, roses, shipping } from '../helpers/ucp-checkout.js';

const suite = checkoutSuite();
const call = suite.call;
let t: TestStore;
let app: CheckoutApp;
beforeAll(() => {
  ({ t, app } = suite.current());
});

describe('the reference merchant', () => {
  test('bouquet_roses at 3500 with 10OFF then WELCOME20 totals 2520; FIXED500 gives 3000; both discounts allocated to the line', async () => {
    const a = await call('post', '/checkout-sessions', { ...roses(), discounts: { codes: ['10OFF', 'WELCOME20'] } });
    expect(a.status).toBe(201);
    expectCheckout(a.body);
    expect(a.body.line_items[0].item).toEqual({ id: 'bouquet_roses', title: 'Bouquet of Red Roses', price: 3500, image_url: 'https://example.com/roses.jpg' });
    expect(a.body.totals.find((x: Json) => x.type === 'total').amount).toBe(2520);
    expect(a.body.discounts.applied.map((d: Json) => [d.code, d.amount, d.priority, d.allocations])).toEqual([
      ['10OFF', 350, 1, [{ path: '$.line_items[0]', amount: 350 }]],
      ['WELCOME20', 630, 2, [{ path: '$.line_items[0]', amount: 630 }]],
    ]);
    const b = await call('post', '/checkout-sessions', { ...roses(), discounts: { codes: ['fixed500'] } });
    expectCheckout(b.body);
    expect(b.body.totals.find((x: Json) => x.type === 'total').amount).toBe(3000);
    expect(b.body.discounts.applied[0]).toMatchObject({ code: 'FIXED500', amount: 500 });
  });

  test('unknown and repeated codes are ignored with warnings naming the code', async () => {
    const res = await call('post', '/checkout-sessions', { ...roses(), discounts: { codes: ['10OFF', 'NOPE', '10off'] } });
    expectCheckout(res.body);
    expect(res.body.discounts.applied).toHaveLength(1);
    expect(res.body.messages).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'warning', code: 'discount_code_invalid', path: '$.discounts.codes[1]' }),
        expect.objectContaining({ type: 'warning', code: 'discount_code_already_applied', path: '$.discounts.codes[2]' }),
      ]),
    );
  });

  test('gardenias (no stock) are refused as out of stock; an unknown item as not found', async () => {
    const out = await call('post', '/checkout-sessions', { line_items: [{ item: { id: 'gardenias' }, quantity: 1 }] });
    expect(expectError(out, 200, 'out_of_stock').content).toMatch(/Insufficient stock/);
    const unknown = await call('post', '/checkout-sessions', { line_items: [{ item: { id: 'pink_wumpus' }, quantity: 1 }] });
    expect(expectError(unknown, 200, 'not_found').content).toMatch(/not found/);
  });

  test('free shipping: roses always ship free on the standard rate; other orders from 10000', async () => {
    const r = await call('post', '/checkout-sessions', { ...roses(), ...shipping() });
    expectCheckout(r.body);
    const opts = r.body.fulfillment.methods[0].groups[0].options;
    expect(opts.map((o: Json) => [o.id, o.title, o.totals.find((x: Json) => x.type === 'total').amount])).toEqual([
      ['std-ship', 'Standard Shipping (Free)', 0],
      ['exp-ship-us', 'Express Shipping (US)', 1500],
    ]);
    const small = await call('post', '/checkout-sessions', { line_items: [{ item: { id: 'pot_ceramic' }, quantity: 6 }], ...shipping() });
    expect(small.body.fulfillment.methods[0].groups[0].options[0]).toMatchObject({ id: 'std-ship', title: 'Standard Shipping' });
    const big = await call('post', '/checkout-sessions', { line_items: [{ item: { id: 'pot_ceramic' }, quantity: 7 }], ...shipping() });
    expect(big.body.fulfillment.methods[0].groups[0].options[0]).toMatchObject({ id: 'std-ship', title: 'Standard Shipping (Free)' });
    const ca = await call('post', '/checkout-sessions', {
      ...roses(),
      fulfillment: { methods: [{ type: 'shipping', destinations: [{ id: 'd', address_country: 'CA', postal_code: 'M5V 2H1' }], selected_destination_id: 'd' }] },
    });
    expect(ca.body.fulfillment.methods[0].groups[0].options.map((o: Json) => o.id)).toEqual(['std-ship', 'exp-ship-intl']);
  });
});

describe('the checkout status machine', () => {
  test('incomplete -> ready_for_complete -> completed with an order; the selected option is paid; the completed checkout is frozen', async () => {
    const created = await call('post', '/checkout-sessions', { ...roses(2), ...shipping() });
    expect(created.status).toBe(201);
    expectCheckout(created.body);
    expect(created.body.status).toBe('incomplete');
    expect(created.body.continue_url).toBe(`https://shop.example/checkout/${created.body.id}`);
    expect(new Date(created.body.expires_at).getTime() - t.clock.now().getTime()).toBe(6 * 3600_000);
    const id = created.body.id as string;
    const ready = await call('put', `/checkout-sessions/${id}`, {
      line_items: [{ id: created.body.line_items[0].id, item: { id: 'bouquet_roses' }, quantity: 2 }],
      fulfillment: { methods: [{ id: created.body.fulfillment.methods[0].id, line_item_ids: [created.body.line_items[0].id], groups: [{ id: 'group_1', selected_option_id: 'exp-ship-us' }] }] },
    });
    expect(ready.status).toBe(200);
    expectCheckout(ready.body);
    expect(ready.body.status).toBe('ready_for_complete');
    expect(ready.body.totals.map((x: Json) => [x.type, x.amount])).toEqual([
      ['subtotal', 7000],
      ['fulfillment', 1500],
      ['total', 8500],
    ]);
    const done = await call('post', `/checkout-sessions/${id}/complete`, PAY_OK);
    expect(done.status).toBe(200);
    expectCheckout(done.body);
    expect(done.body.status).toBe('completed');
    expect(done.body.order.permalink_url).toBe(`https://shop.example/order/${done.body.order.id}`);
    expect(done.body.continue_url).toBeUndefined();
    expect(JSON.stringify(done.body.payment)).not.toMatch(/success_token/); // credentials are never echoed
    const again = await call('get', `/checkout-sessions/${id}`);
    expect(again.body).toEqual(done.body);

    for (const [m, p, b] of [
      ['put', `/checkout-sessions/${id}`, roses()],
      ['post', `/checkout-sessions/${id}/complete`, PAY_OK],
      ['post', `/checkout-sessions/${id}/cancel`, {}],
    ] as const) {
      expectError(await call(m, p, b), 200, 'checkout_completed');
    }
  });

  test('completion without a destination and option is refused with a clear message', async () => {
    const c = await call('post', '/checkout-sessions', roses());
    const res = await call('post', `/checkout-sessions/${c.body.id}/complete`, PAY_OK);
    expect(expectError(res, 200, 'fulfillment_required').content).toMatch(/Fulfillment address and option must be selected/);
  });

  test('a declined payment is a message (HTTP 200: a business outcome), and the checkout can still be paid', async () => {
    const c = await call('post', '/checkout-sessions', { ...roses(), ...shipping('std-ship') });
    expect(c.body.status).toBe('ready_for_complete');
    expectError(await call('post', `/checkout-sessions/${c.body.id}/complete`, PAY_FAIL), 200, 'payment_declined');
    const ok = await call('post', `/checkout-sessions/${c.body.id}/complete`, PAY_OK);
    expect(ok.body.status).toBe('completed');
  });

  test('cancel: canceled, then no update or completion', async () => {
    const c = await call('post', '/checkout-sessions', roses());
    const canceled = await call('post', `/checkout-sessions/${c.body.id}/cancel`);
    expect(canceled.status).toBe(200);
    expectCheckout(canceled.body);
    expect(canceled.body.status).toBe('canceled');
    expectError(await call('put', `/checkout-sessions/${c.body.id}`, roses()), 200, 'checkout_canceled');
    expectError(await call('post', `/checkout-sessions/${c.body.id}/complete`, PAY_OK), 200, 'checkout_canceled');
  });

  test('expired sessions are canceled', async () => {
    const c = await call('post', '/checkout-sessions', roses());
    t.clock.advance(6 * 3600_000 + 1000);
    try {
      const res = await call('get', `/checkout-sessions/${c.body.id}`);
      expect(res.body.status).toBe('canceled');
      expect(res.body.messages).toContainEqual(expect.objectContaining({ code: 'expired' }));
    } finally {
      t.clock.advance(-(6 * 3600_000 + 1000));
    }
  });

  test('another platform cannot see or change a checkout (not found), and unknown ids are not found', async () => {
    const c = await call('post', '/checkout-sessions', roses());
    expectError(await call('get', `/checkout-sessions/${c.body.id}`, undefined, { profile: OTHER }), 200, 'not_found');
    expectError(await call('get', '/checkout-sessions/chk_nope'), 200, 'not_found');
  });

  test('quantities above the stock are reduced with a quantity_adjusted warning', async () => {
    const inStock = (await t.store.getProduct('bouquet_roses'))!.levels.reduce((s, l) => s + (l.onHand ?? 0) - l.reserved, 0);
    expect(inStock).toBeGreaterThan(900); // 1000 in the fixture, less what earlier tests sold
    const res = await call('post', '/checkout-sessions', roses(10_001));
    expectCheckout(res.body);
    expect(res.body.line_items[0].quantity).toBe(inStock);
    expect(res.body.messages).toContainEqual(expect.objectContaining({ type: 'warning', code: 'quantity_adjusted', path: '$.line_items[0].quantity' }));
  });

  test('client-sent titles and prices are ignored', async () => {
    const res = await call('post', '/checkout-sessions', { line_items: [{ item: { id: 'bouquet_roses', title: 'Free roses', price: 1 }, quantity: 1 }] });
    expect(res.body.line_items[0].item).toMatchObject({ title: 'Bouquet of Red Roses', price: 3500 });
  });
});

describe('the continue_url page', () => {
  test('a buyer finishes there: address, delivery option, test card -> the order page', async () => {
    const c = await call('post', '/checkout-sessions', roses());
    const url = new URL(c.body.continue_url as string).pathname;
    const page = await request(app).get(url);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/Bouquet of Red Roses/);
    expect(page.text).toMatch(/<form method="post">/);
    const address = {
      email: 'page.buyer@example.com',
      first_name: 'Page',
      last_name: 'Buyer',
      street_address: '5 Pine St',
      address_locality: 'Seattle',
      address_region: 'WA',
      postal_code: '98101',
      address_country: 'us',
    };
    const withAddress = await request(app).post(url).type('form').send(address);
    expect(withAddress.status).toBe(200);
    expect(withAddress.text).toMatch(/name="option" value="std-ship"/);
    const declined = await request(app)
      .post(url)
      .type('form')
      .send({ ...address, option: 'exp-ship-us', card: '4000 0000 0000 0002' });
    expect(declined.text).toMatch(/Payment failed/);
    const paid = await request(app)
      .post(url)
      .type('form')
      .send({ ...address, option: 'exp-ship-us', card: '4242 4242 4242 4242' });
    expect(paid.status).toBe(303);
    expect(paid.headers.location).toMatch(/^\/order\/ord_/);
    const order = await request(app).get(paid.headers.location as string);
    expect(order.text).toMatch(/Express Shipping/);
    const after = await call('get', `/checkout-sessions/${c.body.id}`);
    expect(after.body.status).toBe('completed');
    expect(after.body.buyer).toMatchObject({ email: 'page.buyer@example.com' });
  });
});

describe('buyers and addresses', () => {
  test("a known buyer's saved addresses are offered; choosing one prices it", async () => {
    const c = await call('post', '/checkout-sessions', { ...roses(), buyer: { email: 'john.doe@example.com', first_name: 'John' } });
    const u = await call('put', `/checkout-sessions/${c.body.id}`, {
      line_items: [{ id: c.body.line_items[0].id, item: { id: 'bouquet_roses' }, quantity: 1 }],
      fulfillment: { methods: [{ type: 'shipping', line_item_ids: [c.body.line_items[0].id] }] },
    });
    expectCheckout(u.body);
    const dests = u.body.fulfillment.methods[0].destinations;
    expect(dests.map((d: Json) => [d.id, d.street_address, d.address_locality, d.address_region, d.postal_code, d.address_country])).toEqual([
      ['addr_1', '123 Main St', 'Springfield', 'IL', '62704', 'US'],
      ['addr_2', '456 Oak Ave', 'Metropolis', 'NY', '10012', 'US'],
    ]);
    const chosen = await call('put', `/checkout-sessions/${c.body.id}`, {
      line_items: [{ id: c.body.line_items[0].id, item: { id: 'bouquet_roses' }, quantity: 1 }],
      fulfillment: { methods: [{ id: u.body.fulfillment.methods[0].id, line_item_ids: [c.body.line_items[0].id], selected_destination_id: 'addr_2' }] },
    });
    expect(chosen.body.fulfillment.methods[0].selected_destination_id).toBe('addr_2');
    expect(chosen.body.fulfillment.methods[0].groups[0].options.length).toBeGreaterThan(0);
  });

  test('a new address is saved for the buyer (de-duplicated by content) and offered on the next checkout', async () => {
    const buyer = { email: 'new.buyer@example.com', first_name: 'New', last_name: 'Buyer' };
    const address = { id: '', street_address: '9 Elm St', address_locality: 'Boulder', address_region: 'CO', postal_code: '80302', address_country: 'US' };
    const first = await call('post', '/checkout-sessions', { ...roses(), buyer, fulfillment: { methods: [{ type: 'shipping', destinations: [address] }] } });
    const savedId = first.body.fulfillment.methods[0].destinations[0].id;
    expect(savedId).toMatch(/^addr_/);
    const second = await call('post', '/checkout-sessions', { ...roses(), buyer, fulfillment: { methods: [{ type: 'shipping', destinations: [address] }] } });
    expect(second.body.fulfillment.methods[0].destinations[0].id).toBe(savedId);
    const third = await call('post', '/checkout-sessions', { ...roses(), buyer, fulfillment: { methods: [{ type: 'shipping' }] } });
    expect(third.body.fulfillment.methods[0].destinations.map((d: Json) => d.id)).toEqual([savedId]);
    const customer = (await t.store.findCustomerByEmail('new.buyer@example.com'))!;
    expect(await t.store.listAddresses(customer.id)).toHaveLength(1);
  });

  test('buyer consent is kept as sent', async () => {
    const c = await call('post', '/checkout-sessions', { ...roses(), buyer: { email: 'jane.smith@example.com', consent: { marketing: true, analytics: false } } });
    const got = await call('get', `/checkout-sessions/${c.body.id}`);
    expect(got.body.buyer).toEqual({ email: 'jane.smith@example.com', consent: { marketing: true, analytics: false } });
  });
});
