/**
 * Cart, checkout and orders over REST against the UCP reference store (../shared/fixtures/flower_shop):
 * the reference merchant's numbers, the status machine, fulfillment, discounts, payment, idempotency,
 * orders and their webhooks queued in the outbox. Every UCP body is validated against the official
 * schemas (the checkout with each negotiated extension; error responses; orders).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { createToken } from '../../src/auth/tokens.js';
import { loadConfig } from '../../src/config.js';
import { importFeed } from '../../src/feed/pipeline.js';
import { openFeed } from '../../src/feed/open.js';
import { createApp } from '../../src/http/app.js';
import { Urls } from '../../src/publish/urls.js';
import { silentLogger } from '../../src/logger.js';
import { openTrust } from '../../src/trust/trust.js';
import { canonicalJson } from '../../src/util/canonical-json.js';
import { FLOWER_SHOP, tempStore, type TestStore } from '../helpers/store.js';
import { ERROR_RESPONSE, expectValid, platformProfile } from '../helpers/ucp.js';
import { checkoutSchemaRefs } from '../../src/ucp/schemas.js';
import type { Json } from '../helpers/json.js';

const AGENT = 'https://agent.example/profile.json';
const OTHER = 'https://other-agent.example/profile.json';
const ALL = ['dev.ucp.shopping.checkout', 'dev.ucp.shopping.cart', 'dev.ucp.shopping.order', 'dev.ucp.shopping.fulfillment', 'dev.ucp.shopping.discount', 'dev.ucp.shopping.buyer_consent'];
const CHECKOUT_REFS = checkoutSchemaRefs(new Set(ALL));
const PAY_OK = {
  payment: {
    instruments: [{ id: 'instr_1', handler_id: 'mock_payment_handler', type: 'card', display: { brand: 'Visa', last_digits: '1234' }, credential: { type: 'token', token: 'success_token' } }],
  },
};
const PAY_FAIL = { payment: { instruments: [{ id: 'instr_fail', handler_id: 'mock_payment_handler', type: 'card', credential: { type: 'token', token: 'fail_token' } }] } };
const US = { id: 'dest_1', street_address: '123 Market St', address_locality: 'San Francisco', address_region: 'CA', postal_code: '94105', address_country: 'US' };

let t: TestStore;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  t = tempStore();
  const report = await importFeed(t.store, openFeed(FLOWER_SHOP, { currency: 'USD' }), { clock: t.clock });
  expect(report.status).toBe('applied');
  mkdirSync(path.join(t.dir, 'platforms'));
  const hook = {
    'dev.ucp.shopping.order': [
      {
        version: '2026-04-08',
        spec: 'https://ucp.dev/2026-04-08/specification/order',
        schema: 'https://ucp.dev/2026-04-08/schemas/shopping/order.json',
        config: { webhook_url: 'https://agent.example/webhooks/orders' },
      },
    ],
  };
  const profile = platformProfile({ capabilities: ALL }) as Json;
  profile.ucp.capabilities = { ...profile.ucp.capabilities, ...hook };
  writeFileSync(path.join(t.dir, 'platforms', 'agent.json'), JSON.stringify({ profile_url: AGENT, profile }));
  writeFileSync(path.join(t.dir, 'platforms', 'other.json'), JSON.stringify({ profile_url: OTHER, profile: platformProfile({ capabilities: ALL }) }));
  const config = loadConfig(
    { dataDir: t.dir, baseUrl: 'https://shop.example' },
    { UCPD_SEED_DEMO: 'false', UCPD_UCP_TEST_PAYMENTS: 'true', UCPD_UCP_SIMULATION_SECRET: 'simulation-secret-0123456789', UCPD_UCP_MAX_LINE_QUANTITY: '100000', UCPD_UCP_SAVED_ADDRESSES: 'by-email' },
  );
  const trust = await openTrust({ store: t.store, dataDir: t.dir, urls: new Urls(config.baseUrl), clock: t.clock, logger: silentLogger });
  app = createApp({ store: t.store, config, clock: t.clock, logger: silentLogger, trust });
  app.ucp.webhooks.stop(); // deliveries are the end-to-end test's business; here the outbox is inspected
});

afterAll(async () => {
  app.close();
  await t.close();
});

let keys = 0;
async function call(method: 'get' | 'post' | 'put', p: string, body?: unknown, o: { profile?: string; key?: string } = {}) {
  let r = request(app)
    [method](`/ucp/v1${p}`)
    .set({ 'ucp-agent': `profile="${o.profile ?? AGENT}"`, 'request-id': `req-${++keys}` });
  if (o.key) r = r.set('idempotency-key', o.key);
  const res = body === undefined ? await r : await r.set('content-type', 'application/json').send(JSON.stringify(body));
  expect(res.text).toBe(canonicalJson(JSON.parse(res.text))); // canonical JSON (RFC 8785)
  return res;
}

/** A checkout response: valid against checkout.json and every negotiated extension's schema; totals add up. */
function expectCheckout(body: Json): void {
  for (const ref of CHECKOUT_REFS) expectValid(ref, body);
  expect(body.ucp.payment_handlers['dev.ucpd.payments.test'][0].id).toBe('mock_payment_handler');
  const total = body.totals.find((x: Json) => x.type === 'total').amount;
  expect(body.totals.filter((x: Json) => x.type !== 'total').reduce((s: number, x: Json) => s + x.amount, 0)).toBe(total);
}

function expectError(res: { status: number; body: Json }, status: number, code: string): Json {
  expect(res.status).toBe(status);
  expectValid(ERROR_RESPONSE, res.body);
  expect(res.body.ucp.status).toBe('error');
  const m = res.body.messages.find((x: Json) => x.code === code);
  expect(m).toBeDefined();
  return m;
}

const roses = (quantity = 1) => ({ line_items: [{ item: { id: 'bouquet_roses' }, quantity }] });
const shipping = (option?: string) => ({
  fulfillment: { methods: [{ type: 'shipping', destinations: [US], selected_destination_id: 'dest_1', groups: [{ id: 'group_1', ...(option ? { selected_option_id: option } : {}) }] }] },
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
    expect(expectError(out, 400, 'out_of_stock').content).toMatch(/Insufficient stock/);
    const unknown = await call('post', '/checkout-sessions', { line_items: [{ item: { id: 'pink_wumpus' }, quantity: 1 }] });
    expect(expectError(unknown, 400, 'not_found').content).toMatch(/not found/);
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
      expectError(await call(m, p, b), 409, 'checkout_completed');
    }
  });

  test('completion without a destination and option is refused with a clear message', async () => {
    const c = await call('post', '/checkout-sessions', roses());
    const res = await call('post', `/checkout-sessions/${c.body.id}/complete`, PAY_OK);
    expect(expectError(res, 400, 'fulfillment_required').content).toMatch(/Fulfillment address and option must be selected/);
  });

  test('a declined payment is a 402 message, and the checkout can still be paid', async () => {
    const c = await call('post', '/checkout-sessions', { ...roses(), ...shipping('std-ship') });
    expect(c.body.status).toBe('ready_for_complete');
    expectError(await call('post', `/checkout-sessions/${c.body.id}/complete`, PAY_FAIL), 402, 'payment_declined');
    const ok = await call('post', `/checkout-sessions/${c.body.id}/complete`, PAY_OK);
    expect(ok.body.status).toBe('completed');
  });

  test('cancel: canceled, then no update or completion', async () => {
    const c = await call('post', '/checkout-sessions', roses());
    const canceled = await call('post', `/checkout-sessions/${c.body.id}/cancel`);
    expect(canceled.status).toBe(200);
    expectCheckout(canceled.body);
    expect(canceled.body.status).toBe('canceled');
    expectError(await call('put', `/checkout-sessions/${c.body.id}`, roses()), 409, 'checkout_canceled');
    expectError(await call('post', `/checkout-sessions/${c.body.id}/complete`, PAY_OK), 409, 'checkout_canceled');
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

describe('idempotency', () => {
  test('same key and body replays the stored response byte for byte; a different body is 409', async () => {
    const key = '0b9e0d9c-6f0e-4d6a-9c3e-1a2b3c4d5e6f';
    const a = await call('post', '/checkout-sessions', roses(), { key });
    const b = await call('post', '/checkout-sessions', roses(), { key });
    expect(b.status).toBe(a.status);
    expect(b.text).toBe(a.text);
    expect(b.headers['idempotent-replayed']).toBe('true');
    const c = await call('post', '/checkout-sessions', roses(3), { key });
    expect(c.status).toBe(409);
    expect(c.body.code).toBe('idempotency_conflict');
  });

  test('two concurrent requests with one key execute once', async () => {
    const c = await call('post', '/checkout-sessions', { ...roses(), ...shipping('std-ship') });
    const key = 'concurrent-complete-key-0001';
    const before = (await t.store.getProduct('bouquet_roses'))!.levels.reduce((s, l) => s + (l.onHand ?? 0), 0);
    const [x, y] = await Promise.all([call('post', `/checkout-sessions/${c.body.id}/complete`, PAY_OK, { key }), call('post', `/checkout-sessions/${c.body.id}/complete`, PAY_OK, { key })]);
    expect(x.status).toBe(200);
    expect(y.text).toBe(x.text);
    const after = (await t.store.getProduct('bouquet_roses'))!.levels.reduce((s, l) => s + (l.onHand ?? 0), 0);
    expect(before - after).toBe(1);
  });

  const scopeOf = (path: string) => `${AGENT} POST /ucp/v1${path}`;
  const hashOf = (body: unknown) => createHash('sha256').update(JSON.stringify(body)).digest('base64url');
  const lease = (ms: number, claim = 'a-process-that-died') => ({ at: t.clock.now().toISOString(), leaseUntil: new Date(t.clock.now().getTime() + ms).toISOString(), claim });

  test('a key whose request was in flight when its process died is taken over once its lease runs out (it used to be stuck forever)', async () => {
    const body = roses(2);
    const key = 'crashed-in-flight-0001';
    expect(await t.store.beginIdempotent(scopeOf('/checkout-sessions'), key, hashOf(body), lease(30_000))).toEqual({ state: 'new' });
    t.clock.advance(31_000); // nobody renewed it
    const started = Date.now();
    const res = await call('post', '/checkout-sessions', body, { key });
    expect(res.status).toBe(201);
    expect(Date.now() - started).toBeLessThan(1000);
    const again = await call('post', '/checkout-sessions', body, { key });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.text).toBe(res.text);
    // a claim left by a version without leases (lease_until NULL) is taken over at once
    const old = 'claimed-before-leases-0001';
    t.store.connection.prepare('INSERT INTO idempotency (scope, key, request_hash, created_at) VALUES (?, ?, ?, ?)').run(scopeOf('/checkout-sessions'), old, hashOf(body), t.clock.now().toISOString());
    expect((await call('post', '/checkout-sessions', body, { key: old })).status).toBe(201);
  });

  test('while another process holds the key: a 409 with Retry-After after a short wait, then its stored answer is replayed', async () => {
    const body = roses(1);
    const key = 'held-by-another-process-0001';
    const scope = scopeOf('/checkout-sessions');
    await t.store.beginIdempotent(scope, key, hashOf(body), lease(30_000, 'other-process'));
    const started = Date.now();
    const busy = await call('post', '/checkout-sessions', body, { key });
    expect(busy.status).toBe(409);
    expect(busy.body.code).toBe('idempotency_conflict');
    expect(Number(busy.headers['retry-after'])).toBe(30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(Date.now() - started).toBeLessThan(5000);
    // the other process renews (its request is still running): still not ours
    expect(await t.store.renewIdempotent(scope, key, 'other-process', new Date(t.clock.now().getTime() + 60_000).toISOString())).toBe(true);
    t.clock.advance(31_000);
    expect((await call('post', '/checkout-sessions', body, { key })).status).toBe(409);
    // it finishes: everyone gets its answer
    await t.store.finishIdempotent(
      scope,
      key,
      'other-process',
      { status: 201, contentType: 'application/json', body: Buffer.from('{"answer":"from the other process"}') },
      t.clock.now().toISOString(),
    );
    const replay = await call('post', '/checkout-sessions', body, { key });
    expect(replay.text).toBe('{"answer":"from the other process"}');
    // a stale holder can no longer write over it
    await t.store.finishIdempotent(scope, key, 'a-stale-holder', { status: 500, contentType: 'application/json', body: Buffer.from('{}') }, t.clock.now().toISOString());
    expect((await call('post', '/checkout-sessions', body, { key })).text).toBe('{"answer":"from the other process"}');
  }, 15_000);

  test('stored answers are purged after the retention (48 h); younger ones stay', async () => {
    const body = roses(1);
    const res = await call('post', '/checkout-sessions', body, { key: 'purge-me-later-0001' });
    expect(res.status).toBe(201);
    const count = () => (t.store.connection.prepare('SELECT count(*) AS n FROM idempotency WHERE key = ?').get('purge-me-later-0001') as { n: number }).n;
    t.clock.advance(47 * 3600_000);
    await app.ucp.idempotency.purge();
    expect(count()).toBe(1);
    t.clock.advance(2 * 3600_000);
    expect(await app.ucp.idempotency.purge()).toBeGreaterThanOrEqual(1);
    expect(count()).toBe(0);
  });

  test('an idempotency store that fails refuses the request (503) and runs nothing', async () => {
    const original = t.store.beginIdempotent.bind(t.store);
    t.store.beginIdempotent = async () => {
      throw new Error('disk full');
    };
    try {
      const res = await call('post', '/checkout-sessions', roses(), { key: 'store-down-key' });
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBeDefined();
    } finally {
      t.store.beginIdempotent = original;
    }
  });
});

describe('carts', () => {
  test('create, convert to a checkout (the cart wins), convert again (same checkout), cancel', async () => {
    const cart = await call('post', '/carts', { line_items: [{ item: { id: 'bouquet_roses' }, quantity: 2 }], discounts: { codes: ['10OFF'] } });
    expect(cart.status).toBe(201);
    expectValid('shopping/cart.json', cart.body);
    expectValid('shopping/discount.json#/$defs/dev.ucp.shopping.cart', cart.body);
    expect(cart.body.totals.find((x: Json) => x.type === 'total').amount).toBe(6300);
    const chk = await call('post', '/checkout-sessions', { cart_id: cart.body.id, line_items: [{ item: { id: 'bouquet_roses' }, quantity: 9 }] });
    expect(chk.status).toBe(201);
    expectCheckout(chk.body);
    expect(chk.body.line_items.map((l: Json) => [l.item.id, l.quantity])).toEqual([['bouquet_roses', 2]]);
    expect(chk.body.discounts.codes).toEqual(['10OFF']);
    const again = await call('post', '/checkout-sessions', { cart_id: cart.body.id, line_items: [] });
    expect(again.body.id).toBe(chk.body.id);
    const canceled = await call('post', `/carts/${cart.body.id}/cancel`);
    expect(canceled.status).toBe(200);
    expect(canceled.body.id).toBe(cart.body.id);
  });
});

describe('orders', () => {
  let orderId: string;
  beforeAll(async () => {
    const c = await call('post', '/checkout-sessions', { ...roses(), ...shipping('std-ship') });
    orderId = (await call('post', `/checkout-sessions/${c.body.id}/complete`, PAY_OK)).body.order.id;
  });

  test('GET /orders/{id}: the order for the platform that placed it, with expectations from the chosen option', async () => {
    const res = await call('get', `/orders/${orderId}`);
    expect(res.status).toBe(200);
    expectValid('shopping/order.json', res.body);
    expect(res.body.line_items[0]).toMatchObject({ quantity: { total: 1, fulfilled: 0 }, status: 'processing' });
    expect(res.body.fulfillment.expectations[0]).toMatchObject({ method_type: 'shipping', description: 'Standard Shipping (Free)', destination: { street_address: '123 Market St' } });
    expectError(await call('get', `/orders/${orderId}`, undefined, { profile: OTHER }), 200, 'not_found');
  });

  test('the order page and the webhook queued with the order', async () => {
    const page = await request(app).get(`/order/${orderId}`);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/Bouquet of Red Roses/);
    const hooks = await t.store.listWebhooks(orderId);
    expect(hooks).toHaveLength(1);
    expect(hooks[0]!.url).toBe('https://agent.example/webhooks/orders');
    const body = JSON.parse(hooks[0]!.body.toString()) as Json;
    expectValid('shopping/order.json', body);
    expect(body.id).toBe(orderId);
  });

  test('retailer events and adjustments append to the order and queue a webhook each', async () => {
    const token = (await createToken(t.store, 'ops', ['admin'], t.clock)).secret;
    const shipped = await request(app)
      .post(`/admin/v1/orders/${orderId}/events`)
      .set('authorization', `Bearer ${token}`)
      .send({ type: 'shipped', carrier: 'UPS', tracking_number: '1Z999', tracking_url: 'https://ups.example/1Z999' });
    expect(shipped.status).toBe(201);
    expectValid('shopping/order.json', shipped.body);
    expect(shipped.body.fulfillment.events[0]).toMatchObject({ type: 'shipped', carrier: 'UPS', tracking_number: '1Z999' });
    expect(shipped.body.line_items[0]).toMatchObject({ quantity: { total: 1, fulfilled: 1 }, status: 'fulfilled' });
    const refund = await request(app)
      .post(`/admin/v1/orders/${orderId}/adjustments`)
      .set('authorization', `Bearer ${token}`)
      .send({ type: 'refund', status: 'completed', amount: 500, description: 'late delivery' });
    expect(refund.status).toBe(201);
    expectValid('shopping/order.json', refund.body);
    expect(refund.body.adjustments[0]).toMatchObject({ type: 'refund', status: 'completed', totals: [{ type: 'total', amount: -500 }] });
    const bad = await request(app).post(`/admin/v1/orders/${orderId}/adjustments`).set('authorization', `Bearer ${token}`).send({ type: 'refund', status: 'INVALID' });
    expect(bad.status).toBe(400);
    expect((await t.store.listWebhooks(orderId)).length).toBe(3);
  });

  test('shipping simulation: 403 without the secret, 200 with it, 404 for an unknown order', async () => {
    expect((await request(app).post(`/testing/simulate-shipping/${orderId}`)).status).toBe(403);
    expect((await request(app).post(`/testing/simulate-shipping/${orderId}`).set('simulation-secret', 'wrong-secret-0123456789')).status).toBe(403);
    const ok = await request(app).post(`/testing/simulate-shipping/${orderId}`).set('simulation-secret', 'simulation-secret-0123456789');
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe('shipped');
    expect((await request(app).post('/testing/simulate-shipping/ord_nope').set('simulation-secret', 'simulation-secret-0123456789')).status).toBe(404);
  });
});
