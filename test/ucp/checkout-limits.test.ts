/**
 * Checkout cannot be cheated with numbers (hardening): quantities are whole numbers within the per-line
 * maximum for every kind of stock (tracked, backorder, untracked), every amount stays exact or the
 * checkout cannot complete, lines of one variant share its stock, ids carry 128 random bits, and the test
 * payment handler is offered only for the bundled demo catalog or when explicitly enabled.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { loadConfig } from '../../src/config.js';
import { importFeed } from '../../src/feed/pipeline.js';
import { createApp } from '../../src/http/app.js';
import { Urls } from '../../src/publish/urls.js';
import { silentLogger } from '../../src/logger.js';
import { openTrust } from '../../src/trust/trust.js';
import { TestPaymentHandler } from '../../src/ucp/payments.js';
import { linesSource, tempStore, type TestStore } from '../helpers/store.js';
import { location, merchant } from '../helpers/records.js';
import { ERROR_RESPONSE, expectValid, platformProfile } from '../helpers/ucp.js';
import type { Json } from '../helpers/json.js';

const AGENT = 'https://agent.example/profile.json';
const ALL = ['dev.ucp.shopping.checkout', 'dev.ucp.shopping.cart', 'dev.ucp.shopping.order', 'dev.ucp.shopping.fulfillment', 'dev.ucp.shopping.discount'];
const PAY = { payment: { instruments: [{ id: 'i1', handler_id: 'mock_payment_handler', type: 'card', credential: { type: 'token', token: 'success_token' } }] } };
const US = { id: 'd1', street_address: '1 Main St', address_locality: 'Denver', address_region: 'CO', postal_code: '80202', address_country: 'US' };
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

const variant = (id: string, amount: number, stock: Record<string, unknown>) => ({
  id,
  sku: `SKU-${id}`,
  options: {},
  prices: [{ currency: 'USD', amount }],
  inventory: [{ location_id: 'wh', ...stock }],
});
const single = (id: string, amount: number, stock: Record<string, unknown>) => ({
  type: 'product',
  id,
  title: `Product ${id}`,
  brand: 'Acme',
  description: 'A product.',
  variants: [variant(`${id}-v`, amount, stock)],
});
const FEED = [
  merchant({ currencies: ['USD'] }),
  location('wh'),
  { type: 'shipping_rate', id: 'us', title: 'Standard (US)', country: 'US', service_level: 'standard', price: { amount: 500, currency: 'USD' } },
  single('tracked', 1000, { on_hand: 5 }),
  single('backorder', 1000, { on_hand: 0, backorder: true }),
  single('preorder', 1000, { on_hand: 0, preorder: true }),
  single('untracked', 1000, { on_hand: null }),
  single('priceless', MAX_SAFE - 1000, { on_hand: null }),
];

interface Harness extends TestStore {
  app: ReturnType<typeof createApp>;
}

async function harness(env: Record<string, string>, feed: object[] = FEED, origin: 'demo' | 'feed' = 'feed'): Promise<Harness> {
  const t = tempStore();
  const report = await importFeed(t.store, linesSource(feed), { clock: t.clock, origin });
  expect(report.errors).toEqual([]);
  mkdirSync(path.join(t.dir, 'platforms'));
  writeFileSync(path.join(t.dir, 'platforms', 'agent.json'), JSON.stringify({ profile_url: AGENT, profile: platformProfile({ capabilities: ALL }) }));
  const config = loadConfig({ dataDir: t.dir, baseUrl: 'https://shop.example' }, { UCPD_SEED_DEMO: 'false', ...env });
  const trust = await openTrust({ store: t.store, dataDir: t.dir, urls: new Urls(config.baseUrl), clock: t.clock, logger: silentLogger });
  const app = createApp({ store: t.store, config, clock: t.clock, logger: silentLogger, trust });
  app.ucp.webhooks.stop();
  return { ...t, app };
}

async function call(h: Harness, method: 'get' | 'post' | 'put', p: string, body?: unknown) {
  const r = request(h.app)
    [method](`/ucp/v1${p}`)
    .set({ 'ucp-agent': `profile="${AGENT}"` });
  return body === undefined ? r : r.set('content-type', 'application/json').send(JSON.stringify(body));
}

const line = (id: string, quantity: unknown) => ({ item: { id }, quantity });
const ship = { fulfillment: { methods: [{ type: 'shipping', destinations: [US], selected_destination_id: 'd1', groups: [{ selected_option_id: 'us' }] }] } };

async function stockOf(h: Harness, variantId: string): Promise<number | null> {
  return (await h.store.getLevels([variantId]))[0]!.onHand;
}

let h: Harness;
beforeAll(async () => {
  h = await harness({ UCPD_UCP_TEST_PAYMENTS: 'true' });
});
afterAll(async () => {
  h.app.close();
  await h.close();
});

describe('quantities', () => {
  test('not a whole number from 1 to the per-line maximum: invalid_quantity (a business outcome, HTTP 200) for every kind of stock, nothing stored', async () => {
    const before = (await h.store.connection.prepare('SELECT count(*) AS n FROM ucp_sessions').get()) as { n: number };
    for (const item of ['tracked-v', 'backorder-v', 'preorder-v', 'untracked-v']) {
      // integers the schema accepts but the business refuses: an error response naming the line
      for (const q of [1e20, 1e308, 1001, 2 ** 53]) {
        const res = await call(h, 'post', '/checkout-sessions', { line_items: [line(item, q)] });
        expect({ item, q, status: res.status }).toEqual({ item, q, status: 200 });
        expectValid(ERROR_RESPONSE, res.body);
        expect(res.body.messages[0]).toMatchObject({ type: 'error', code: 'invalid_quantity', path: '$.line_items[0].quantity' });
      }
      // not an integer of at least 1: the request schema refuses it (a UCP protocol error)
      for (const q of [0, -1, 1.5, '3', null]) {
        const res = await call(h, 'post', '/checkout-sessions', { line_items: [line(item, q)] });
        expect({ item, q, status: res.status, code: res.body.code }).toEqual({ item, q, status: 400, code: 'invalid_request' });
      }
    }
    // also on update and on carts
    const ok = await call(h, 'post', '/checkout-sessions', { line_items: [line('untracked-v', 1000)] });
    expect(ok.status).toBe(201);
    const upd = await call(h, 'put', `/checkout-sessions/${ok.body.id}`, { line_items: [line('untracked-v', 1e20)] });
    expect(upd.status).toBe(200);
    expect(upd.body.messages[0].code).toBe('invalid_quantity');
    const cart = await call(h, 'post', '/carts', { line_items: [line('backorder-v', 1e308)] });
    expect([cart.status, cart.body.messages[0].code]).toEqual([200, 'invalid_quantity']);
    const after = (await h.store.connection.prepare('SELECT count(*) AS n FROM ucp_sessions').get()) as { n: number };
    expect(after.n).toBe(before.n + 1);
  });

  test('the per-line maximum is configurable; the 1e20 backorder order of the report cannot be placed, stock stays an exact integer', async () => {
    const small = await harness({ UCPD_UCP_TEST_PAYMENTS: 'true', UCPD_UCP_MAX_LINE_QUANTITY: '3' });
    try {
      const over = await call(small, 'post', '/checkout-sessions', { line_items: [line('backorder-v', 4)] });
      expect([over.status, over.body.messages[0].code]).toEqual([200, 'invalid_quantity']);
      const ok = await call(small, 'post', '/checkout-sessions', { line_items: [line('backorder-v', 3)], ...ship });
      expect(ok.status).toBe(201);
      expect(ok.body.status).toBe('ready_for_complete');
      const done = await call(small, 'post', `/checkout-sessions/${ok.body.id}/complete`, PAY);
      expect(done.status).toBe(200);
      expect(await stockOf(small, 'backorder-v')).toBe(-3);
    } finally {
      small.app.close();
      await small.close();
    }
    expect(() => loadConfig({}, { UCPD_UCP_MAX_LINE_QUANTITY: '0' })).toThrow(/MAX_LINE_QUANTITY/);
    expect(() => loadConfig({}, { UCPD_UCP_MAX_LINE_QUANTITY: '1e3' })).toThrow(/MAX_LINE_QUANTITY/);
  });

  test('amounts beyond 2^53 - 1 minor units: the checkout says so and cannot complete; nothing is sold', async () => {
    const res = await call(h, 'post', '/checkout-sessions', { line_items: [line('priceless-v', 2)], ...ship });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('incomplete');
    expect(res.body.messages).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'error', code: 'amount_too_large' })]));
    const done = await call(h, 'post', `/checkout-sessions/${res.body.id}/complete`, PAY);
    expect([done.status, done.body.status]).toEqual([200, undefined]);
    expect(done.body.messages.map((m: Json) => m.code)).toContain('amount_too_large');
    expect((await h.store.connection.prepare('SELECT count(*) AS n FROM orders').get()) as { n: number }).toEqual({ n: 0 });
    // one unit is exact and can be bought
    const one = await call(h, 'post', '/checkout-sessions', { line_items: [line('priceless-v', 1)], ...ship });
    expect(one.body.status).toBe('ready_for_complete');
    expect(one.body.totals.find((x: Json) => x.type === 'total').amount).toBe(MAX_SAFE - 1000 + 500);
  });
});

describe('lines of one variant share its stock', () => {
  test('create: the second line gets what the first left; a line with nothing left is refused', async () => {
    const res = await call(h, 'post', '/checkout-sessions', { line_items: [line('tracked-v', 3), line('tracked-v', 3)], ...ship });
    expect(res.status).toBe(201);
    expect(res.body.line_items.map((l: Json) => l.quantity)).toEqual([3, 2]);
    expect(res.body.messages).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'warning', code: 'quantity_adjusted', path: '$.line_items[1].quantity' })]));
    const refused = await call(h, 'post', '/checkout-sessions', { line_items: [line('tracked-v', 5), line('tracked-v', 1)] });
    expect(refused.status).toBe(200);
    expect(refused.body.messages[0]).toMatchObject({ code: 'out_of_stock', path: '$.line_items[1]' });
  });

  test('a checkout whose lines together exceed the stock is not ready_for_complete (it never completed before); it completes once stock allows', async () => {
    const res = await call(h, 'post', '/checkout-sessions', { line_items: [line('tracked-v', 3), line('tracked-v', 2)], ...ship });
    expect(res.body.status).toBe('ready_for_complete');
    // stock drops to 4 (a sale elsewhere): each line alone fits, together they do not
    await h.store.applyInventory([{ variantId: 'tracked-v', locationId: 'wh', onHand: 4 }]);
    const got = await call(h, 'get', `/checkout-sessions/${res.body.id}`);
    expect(got.body.status).toBe('incomplete');
    expect(got.body.messages).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'out_of_stock', content: expect.stringMatching(/5 requested across 2 lines/) })]));
    const refused = await call(h, 'post', `/checkout-sessions/${res.body.id}/complete`, PAY);
    expect([refused.status, refused.body.messages[0].code]).toEqual([200, 'out_of_stock']);
    await h.store.applyInventory([{ variantId: 'tracked-v', locationId: 'wh', onHand: 5 }]);
    const done = await call(h, 'post', `/checkout-sessions/${res.body.id}/complete`, PAY);
    expect(done.status).toBe(200);
    expect(done.body.status).toBe('completed');
    expect(await stockOf(h, 'tracked-v')).toBe(0);
  });
});

describe('what one request may ask for', () => {
  test('at most 20 fulfillment methods, 20 destinations per method, 20 discount codes: an error naming the list, nothing stored', async () => {
    const before = (h.store.connection.prepare('SELECT count(*) AS n FROM ucp_sessions').get() as { n: number }).n;
    const lines = { line_items: [line('untracked-v', 1)] };
    const methods = await call(h, 'post', '/checkout-sessions', { ...lines, fulfillment: { methods: Array.from({ length: 200 }, () => ({ type: 'pickup' })) } });
    expect(methods.status).toBe(200);
    expect(methods.body.messages[0]).toMatchObject({ code: 'too_many_methods', path: '$.fulfillment.methods' });
    const dests = await call(h, 'post', '/checkout-sessions', {
      ...lines,
      fulfillment: { methods: [{ type: 'shipping', destinations: Array.from({ length: 21 }, (_, i) => ({ ...US, id: `d${i}` })) }] },
    });
    expect(dests.body.messages[0]).toMatchObject({ code: 'too_many_destinations', path: '$.fulfillment.methods[0].destinations' });
    const codes = await call(h, 'post', '/carts', { ...lines, discounts: { codes: Array.from({ length: 21 }, (_, i) => `CODE${i}`) } });
    expect(codes.status).toBe(200);
    expect(codes.body.messages[0]).toMatchObject({ code: 'too_many_codes' });
    const ok = await call(h, 'post', '/checkout-sessions', {
      ...lines,
      discounts: { codes: Array.from({ length: 20 }, (_, i) => `CODE${i}`) },
      fulfillment: { methods: Array.from({ length: 20 }, () => ({ type: 'pickup' })) },
    });
    expect(ok.status).toBe(201);
    const after = (h.store.connection.prepare('SELECT count(*) AS n FROM ucp_sessions').get() as { n: number }).n;
    expect(after).toBe(before + 1);
  });
});

describe("a buyer's saved addresses are not anyone's to read or write (default)", () => {
  test('naming an email neither reveals its addresses nor saves new ones, nor creates a customer', async () => {
    await importFeed(
      h.store,
      linesSource([
        {
          type: 'customer',
          id: 'c-ava',
          name: 'Ava T',
          email: 'ava@example.com',
          addresses: [{ id: 'a-home', street: '2231 Larimer St', locality: 'Denver', region: 'CO', postal_code: '80205', country: 'US' }],
        },
      ]),
      { clock: h.clock },
    );
    const seq = await h.store.lastSeq();
    const read = await call(h, 'post', '/checkout-sessions', { line_items: [line('untracked-v', 1)], buyer: { email: 'ava@example.com' }, fulfillment: { methods: [{ type: 'shipping' }] } });
    expect(read.status).toBe(201);
    expect(JSON.stringify(read.body)).not.toMatch(/Larimer/);
    expect(read.body.fulfillment.methods[0].destinations).toEqual([]);
    const plant = await call(h, 'post', '/checkout-sessions', {
      line_items: [line('untracked-v', 1)],
      buyer: { email: 'ava@example.com' },
      fulfillment: { methods: [{ type: 'shipping', destinations: [{ street_address: '666 Attacker Way', postal_code: '99999', address_country: 'US' }] }] },
    });
    expect(plant.status).toBe(201);
    const ava = (await h.store.findCustomerByEmail('ava@example.com'))!;
    expect((await h.store.listAddresses(ava.id)).map((a) => a.street)).toEqual(['2231 Larimer St']);
    await call(h, 'post', '/checkout-sessions', {
      line_items: [line('untracked-v', 1)],
      buyer: { email: 'stranger@example.com' },
      fulfillment: { methods: [{ type: 'shipping', destinations: [US] }] },
    });
    expect(await h.store.findCustomerByEmail('stranger@example.com')).toBeUndefined();
    expect(await h.store.lastSeq()).toBe(seq); // no store change: caches and change streams untouched
  });
});

describe('ids and the test handler', () => {
  test('checkout, cart and order ids carry 128 random bits (26 base32 characters)', async () => {
    const chk = await call(h, 'post', '/checkout-sessions', { line_items: [line('untracked-v', 1)], ...ship });
    const cart = await call(h, 'post', '/carts', { line_items: [line('untracked-v', 1)] });
    const done = await call(h, 'post', `/checkout-sessions/${chk.body.id}/complete`, PAY);
    expect(chk.body.id).toMatch(/^chk_[a-z2-7]{26}$/);
    expect(cart.body.id).toMatch(/^cart_[a-z2-7]{26}$/);
    expect(done.body.order.id).toMatch(/^ord_[a-z2-7]{26}$/);
    // 25 characters carry 125 bits, the last one the remaining 3: one of the 8 characters whose low 2 bits are 0
    const tails = new Set<string>();
    for (let i = 0; i < 40; i++) tails.add((await call(h, 'post', '/carts', { line_items: [line('untracked-v', 1)] })).body.id.slice(-1));
    for (const c of tails) expect('aeimquy4').toContain(c);
    expect(tails.size).toBeGreaterThan(3);
  });

  test('the test handler remembers a bounded number of authorisations', async () => {
    const handler = new TestPaymentHandler();
    const instrument = { id: 'i', handler_id: handler.id, type: 'card', credential: { type: 'token', token: 'success_token' } };
    const first = await handler.authorize(instrument, 100, 'USD', 'key-0');
    expect(await handler.authorize(instrument, 100, 'USD', 'key-0')).toEqual(first); // a retry gets the same reference
    for (let i = 1; i <= 10_000; i++) await handler.authorize(instrument, 100, 'USD', `key-${i}`);
    expect(await handler.authorize(instrument, 100, 'USD', 'key-0')).not.toEqual(first); // forgotten: the map is bounded
  });
});

describe('test payments are off for a real catalog', () => {
  test('a retailer feed: no mock_payment_handler in the profile, checkouts or completion; healthz says so', async () => {
    const real = await harness({});
    try {
      const profile = await request(real.app).get('/.well-known/ucp');
      expect(JSON.stringify(profile.body.ucp.payment_handlers)).not.toMatch(/mock_payment_handler/);
      const chk = await call(real, 'post', '/checkout-sessions', { line_items: [line('tracked-v', 5)], ...ship });
      expect(chk.body.ucp.payment_handlers).toEqual({});
      const done = await call(real, 'post', `/checkout-sessions/${chk.body.id}/complete`, PAY);
      expect([done.status, done.body.status]).toEqual([200, undefined]);
      expect(done.body.messages[0].code).toBe('payment_handler_unknown');
      expect(await stockOf(real, 'tracked-v')).toBe(5);
      expect((await request(real.app).get('/healthz')).body.testPayments).toBe(false);
      expect((await request(real.app).get(`/checkout/${chk.body.id}`)).text).not.toMatch(/test mode/);
    } finally {
      real.app.close();
      await real.close();
    }
  });

  test('the bundled demo catalog offers it (and says so loudly) until a retailer feed is imported over it', async () => {
    const demo = await harness({}, FEED, 'demo');
    try {
      const entry = (await request(demo.app).get('/.well-known/ucp')).body.ucp.payment_handlers['dev.ucpd.payments.test'][0];
      expect(entry).toMatchObject({ id: 'mock_payment_handler', config: { environment: 'test', warning: expect.stringMatching(/^TEST PAYMENTS/) } });
      expect((await request(demo.app).get('/healthz')).body.testPayments).toBe(true);
      // the retailer's own feed (upsert over the demo) makes it a real catalog: off at once
      const report = await importFeed(demo.store, linesSource([single('real', 2500, { on_hand: 3 })]), { clock: demo.clock });
      expect(report.status).toBe('applied');
      expect((await request(demo.app).get('/.well-known/ucp')).body.ucp.payment_handlers).toEqual({});
      const chk = await call(demo, 'post', '/checkout-sessions', { line_items: [line('real-v', 1)], ...ship });
      const refused = await call(demo, 'post', `/checkout-sessions/${chk.body.id}/complete`, PAY);
      expect([refused.status, refused.body.messages[0].code]).toEqual([200, 'payment_handler_unknown']);
      // re-importing the demo in replace mode makes it the demo store again
      await importFeed(demo.store, linesSource(FEED), { clock: demo.clock, origin: 'demo', mode: 'replace' });
      expect((await request(demo.app).get('/healthz')).body.testPayments).toBe(true);
      // explicitly off wins over the demo
      expect(loadConfig({}, { UCPD_UCP_TEST_PAYMENTS: 'false' }).ucp.testPayments).toBe('never');
      expect(loadConfig({}, {}).ucp.testPayments).toBe('demo');
    } finally {
      demo.app.close();
      await demo.close();
    }
  });
});
