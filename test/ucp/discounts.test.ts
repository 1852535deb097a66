/**
 * Discount conditions over UCP REST: refused codes say why (a warning with the code's path), limits are
 * counted when orders are committed and never exceeded under concurrent completions, a code that stops
 * applying before completion is never silently dropped from a total the buyer saw; and a destination the
 * store cannot ship to gets a clear address_undeliverable message.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { checkoutSchemaRefs } from '../../src/ucp/schemas.js';
import { location, merchant } from '../helpers/records.js';
import { ERROR_RESPONSE, expectValid, platformProfile } from '../helpers/ucp.js';
import { type TestApp, testApp } from '../helpers/app.js';
import type { Json } from '../helpers/json.js';

const AGENT = 'https://agent.example/profile.json';
const ALL = ['dev.ucp.shopping.checkout', 'dev.ucp.shopping.cart', 'dev.ucp.shopping.order', 'dev.ucp.shopping.fulfillment', 'dev.ucp.shopping.discount'];
const REFS = checkoutSchemaRefs(new Set(ALL));
const PAY = { payment: { instruments: [{ id: 'i1', handler_id: 'mock_payment_handler', type: 'card', credential: { type: 'token', token: 'success_token' } }] } };
const US = { id: 'd1', street_address: '1 Main St', address_locality: 'Denver', address_region: 'CO', postal_code: '80202', address_country: 'US' };
const FEED = [
  merchant({ currencies: ['USD', 'CAD'] }),
  location('wh', { time_zone: 'America/Denver' }),
  { type: 'shipping_rate', id: 'us', title: 'Standard (US)', country: 'US', service_level: 'standard', price: { amount: 500, currency: 'USD' } },
  { type: 'shipping_rate', id: 'ca', title: 'Standard (Canada)', country: 'CA', service_level: 'standard', price: { amount: 900, currency: 'CAD' } },
  {
    type: 'product',
    id: 'lamp',
    title: 'Headlamp',
    brand: 'Acme',
    description: 'A headlamp.',
    categories: [{ taxonomy: 'merchant', path: 'Accessories > Lighting' }],
    variants: [
      {
        id: 'lamp-v',
        sku: 'LAMP',
        options: {},
        prices: [
          { currency: 'USD', amount: 3899 },
          { currency: 'CAD', amount: 5299 },
        ],
        inventory: [{ location_id: 'wh', on_hand: 10000 }],
      },
    ],
  },
  { type: 'discount', code: 'LIMITED', discount_type: 'percentage', value: 10, description: '10% off, first 5 orders', usage_limit: 5 },
  { type: 'discount', code: 'ONCE', discount_type: 'percentage', value: 10, description: '10% off, once per customer', per_buyer_limit: 1 },
  { type: 'discount', code: 'FIRST', discount_type: 'percentage', value: 15, description: '15% off your first order', first_order: true, combinable: false },
  { type: 'discount', code: 'SAVE20', discount_type: 'fixed_amount', value: 2000, currency: 'USD', description: '$20 off orders over $100', min_subtotal: { amount: 10000, currency: 'USD' } },
];

let t: TestApp;
let app: TestApp['app'];

beforeAll(async () => {
  t = await testApp(FEED, { UCPD_SEED_DEMO: 'false', UCPD_UCP_TEST_PAYMENTS: 'true' }, undefined, [[AGENT, platformProfile({ capabilities: ALL })]]);
  app = t.app;
  app.ucp.webhooks.stop();
});

afterAll(async () => {
  app.close();
  await t.close();
});

async function call(method: 'get' | 'post' | 'put', p: string, body?: unknown) {
  const r = request(app)
    [method](`/ucp/v1${p}`)
    .set({ 'ucp-agent': `profile="${AGENT}"` });
  return body === undefined ? r : r.set('content-type', 'application/json').send(JSON.stringify(body));
}

/** A checkout ready to complete: one headlamp shipped to Denver, a buyer, the codes. */
async function ready(email: string | undefined, codes: string[]): Promise<Json> {
  const res = await call('post', '/checkout-sessions', {
    line_items: [{ item: { id: 'lamp-v' }, quantity: 1 }],
    ...(email ? { buyer: { email } } : {}),
    discounts: { codes },
    fulfillment: { methods: [{ type: 'shipping', destinations: [US], selected_destination_id: 'd1', groups: [{ selected_option_id: 'us' }] }] },
  });
  expect(res.status).toBe(201);
  for (const ref of REFS) expectValid(ref, res.body);
  return res.body;
}

const warnings = (body: Json) => (body.messages ?? []).filter((m: Json) => m.type === 'warning').map((m: Json) => [m.code, m.path]);

describe('refused codes say why, with the code path', () => {
  test('a minimum not met, a first-order code without an email, then with one', async () => {
    const anon = await ready(undefined, ['SAVE20', 'FIRST']);
    expect(warnings(anon)).toEqual([
      ['discount_code_user_ineligible', '$.discounts.codes[0]'],
      ['discount_code_user_not_logged_in', '$.discounts.codes[1]'],
    ]);
    expect(anon.totals.find((x: Json) => x.type === 'total').amount).toBe(3899 + 500);
    const known = await ready('first@example.com', ['SAVE20', 'FIRST']);
    expect(known.discounts.applied.map((a: Json) => [a.code, a.amount])).toEqual([['FIRST', 584]]);
    expect(known.totals.find((x: Json) => x.type === 'total').amount).toBe(3899 - 584 + 500);
  });

  test('a first-order code is refused once the buyer has an order', async () => {
    const first = await ready('repeat@example.com', ['FIRST']);
    expect((await call('post', `/checkout-sessions/${first.id}/complete`, PAY)).status).toBe(200);
    const second = await ready('Repeat@Example.com', ['FIRST']);
    expect(warnings(second)).toEqual([['discount_code_user_ineligible', '$.discounts.codes[0]']]);
    expect(second.messages.find((m: Json) => m.type === 'warning').content).toBe('discount code "FIRST" is for a first order; this buyer has ordered before');
  });
});

describe('usage limits hold under concurrent completions', () => {
  test('50 buyers complete at once with a code limited to 5 orders: exactly 5 get it, the others are told and charged nothing', async () => {
    const sessions = [];
    for (let i = 0; i < 50; i++) sessions.push(await ready(`buyer${i}@example.com`, ['LIMITED']));
    expect(sessions.every((s) => s.status === 'ready_for_complete' && s.discounts.applied.length === 1)).toBe(true);
    const results = await Promise.all(sessions.map((s) => call('post', `/checkout-sessions/${s.id}/complete`, PAY)));
    // refusals are business outcomes: HTTP 200 with messages, and no order
    expect(results.every((r) => r.status === 200)).toBe(true);
    const done = results.filter((r) => r.body.status === 'completed');
    const refused = results.filter((r) => r.body.status !== 'completed');
    expect(done.length).toBe(5);
    expect(done.every((r) => r.body.discounts.applied[0].code === 'LIMITED')).toBe(true);
    expect(refused.length).toBe(45);
    for (const r of refused) {
      expect(r.status).toBe(200);
      expectValid(ERROR_RESPONSE, r.body);
      expect(r.body.messages[0]).toMatchObject({ type: 'error', code: 'discount_code_expired', path: '$.discounts.codes[0]' });
    }
    expect((await t.store.discountUsage(['LIMITED'])).total.LIMITED).toBe(5);
    // a refused buyer now sees the full price and can complete without the code
    const loser = sessions[results.findIndex((r) => r.body.status !== 'completed')]!;
    const again = await call('post', `/checkout-sessions/${loser.id}/complete`, PAY);
    expect([again.status, again.body.status]).toEqual([200, 'completed']);
    expect(again.body.totals.find((x: Json) => x.type === 'total').amount).toBe(3899 + 500);
    expect((await t.store.discountUsage(['LIMITED'])).total.LIMITED).toBe(5);
  });

  test('10 checkouts of one buyer complete at once with a once-per-customer code: one gets it', async () => {
    const sessions = [];
    for (let i = 0; i < 10; i++) sessions.push(await ready('same@example.com', ['ONCE']));
    const results = await Promise.all(sessions.map((s) => call('post', `/checkout-sessions/${s.id}/complete`, PAY)));
    expect(results.filter((r) => r.body.status === 'completed').length).toBe(1);
    expect(results.filter((r) => r.status === 200 && r.body.messages?.[0]?.code === 'discount_code_user_ineligible').length).toBe(9);
    expect((await t.store.discountUsage(['ONCE'], 'same@example.com')).byBuyer.ONCE).toBe(1);
  });
});

describe('cannot ship there', () => {
  test('an address the store has no rate for: address_undeliverable on the destination, no option, not an endless "choose an option"', async () => {
    const res = await call('post', '/checkout-sessions', {
      line_items: [{ item: { id: 'lamp-v' }, quantity: 1 }],
      fulfillment: {
        methods: [
          { type: 'shipping', destinations: [{ id: 'fr', street_address: '1 rue de Rivoli', address_locality: 'Paris', postal_code: '75001', address_country: 'FR' }], selected_destination_id: 'fr' },
        ],
      },
    });
    expect(res.status).toBe(201);
    for (const ref of REFS) expectValid(ref, res.body);
    expect(res.body.status).toBe('incomplete');
    const m = res.body.messages.find((x: Json) => x.code === 'address_undeliverable');
    expect(m).toMatchObject({ type: 'error', severity: 'recoverable', path: '$.fulfillment.methods[0].destinations[0]', content: 'this store does not ship to FR 75001; choose another address' });
    expect(res.body.fulfillment.methods[0].groups[0].options).toEqual([]);
  });

  test('Canada in a USD checkout: the store ships there in CAD and says so', async () => {
    const res = await call('post', '/checkout-sessions', {
      line_items: [{ item: { id: 'lamp-v' }, quantity: 1 }],
      context: { currency: 'USD' },
      fulfillment: {
        methods: [
          {
            type: 'shipping',
            destinations: [{ id: 'to', street_address: '1 King St W', address_locality: 'Toronto', address_region: 'Ontario', postal_code: 'M5V 2T6', address_country: 'CA' }],
            selected_destination_id: 'to',
          },
        ],
      },
    });
    expect(res.body.currency).toBe('USD');
    expect(res.body.messages.find((x: Json) => x.code === 'address_undeliverable').content).toBe(
      'this store does not ship to CA ON M5V 2T6 in USD; a checkout in CAD (context.currency) can ship there',
    );
    const cad = await call('post', '/checkout-sessions', {
      line_items: [{ item: { id: 'lamp-v' }, quantity: 1 }],
      context: { address_country: 'CA' },
      fulfillment: {
        methods: [
          {
            type: 'shipping',
            destinations: [{ id: 'to', street_address: '1 King St W', address_locality: 'Toronto', address_region: 'ON', postal_code: 'M5V 2T6', address_country: 'CA' }],
            selected_destination_id: 'to',
          },
        ],
      },
    });
    expect(cad.body.currency).toBe('CAD');
    expect(cad.body.fulfillment.methods[0].groups[0].options.map((o: Json) => [o.id, o.totals[0].amount])).toEqual([['ca', 900]]);
  });
});
