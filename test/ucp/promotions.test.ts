/**
 * Automatic promotions (percentage or fixed amount, no code) are part of the offer: the price one unit is
 * published at in JSON-LD, on the HTML page and in the UCP catalog is what a cart of that one unit costs
 * (before shipping and tax), for each buyer country; a promotion with a basket condition one unit does
 * not meet is not in the unit price, and checkout still applies it once the basket does.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { type TestApp, testApp } from '../helpers/app.js';
import type { Json } from '../helpers/json.js';
import { location, merchant } from '../helpers/records.js';
import { platformProfile } from '../helpers/ucp.js';

const AGENT = 'https://agent.example/profile.json';
const ALL = ['dev.ucp.shopping.checkout', 'dev.ucp.shopping.cart', 'dev.ucp.shopping.discount', 'dev.ucp.shopping.catalog.lookup'];
const item = (id: string, usd: number, cad: number) => ({
  type: 'product',
  id,
  title: `Item ${id}`,
  brand: 'Acme',
  description: `The ${id}.`,
  categories: [{ taxonomy: 'merchant', path: 'Gear' }],
  variants: [
    {
      id: `${id}-v`,
      sku: id.toUpperCase(),
      options: {},
      prices: [
        { currency: 'USD', amount: usd },
        { currency: 'CAD', amount: cad },
      ],
      inventory: [{ location_id: 'wh', on_hand: 100 }],
    },
  ],
});
const FEED = [
  merchant({ currencies: ['USD', 'CAD'] }),
  location('wh', { time_zone: 'America/Denver' }),
  { type: 'shipping_rate', id: 'us', title: 'Standard (US)', country: 'US', service_level: 'standard', price: { amount: 500, currency: 'USD' } },
  { type: 'shipping_rate', id: 'ca', title: 'Standard (Canada)', country: 'CA', service_level: 'standard', price: { amount: 900, currency: 'CAD' } },
  item('lamp', 3899, 5299),
  item('tent', 24999, 33999),
  item('sock', 1299, 1799),
  { type: 'promotion', id: 'lamp15', promotion_type: 'percentage', value: 15, description: '15% off headlamps', eligible_ids: ['lamp'] },
  { type: 'promotion', id: 'ca5', promotion_type: 'fixed_amount', value: 500, currency: 'CAD', description: 'CA$5 off for Canada', countries: ['CA'] },
  { type: 'promotion', id: 'big10', promotion_type: 'percentage', value: 10, description: '10% off orders over $200', min_subtotal: { amount: 20000, currency: 'USD' } },
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

const ucp = (p: string, body: unknown) =>
  request(app)
    .post(`/ucp/v1${p}`)
    .set({ 'ucp-agent': `profile="${AGENT}"`, 'content-type': 'application/json' })
    .send(JSON.stringify(body));

const money = (amount: number, currency: string) => `${(amount / 100).toFixed(2)} ${currency}`;

/** What each surface says one unit costs, and what a one-unit cart charges before shipping and tax. */
async function surfaces(id: string, country: string) {
  const ld = (await request(app).get(`/products/${id}?country=${country}`).set('accept', 'application/ld+json')).body;
  const offer = ld.offers.find((o: Json) => o.availableDeliveryMethod === undefined);
  const html = (await request(app).get(`/products/${id}?country=${country}`).set('accept', 'text/html')).text;
  const row = /<tr[^>]* data-variant="[^"]+"><td>.*?<\/td><td>.*?<\/td><td>([^<]*)/.exec(html)![1]!.trim();
  const lookup = await ucp('/catalog/lookup', { ids: [`${id}-v`], context: { address_country: country } });
  const v = lookup.body.products[0].variants[0];
  const cart = await ucp('/carts', { line_items: [{ item: { id: `${id}-v` }, quantity: 1 }], context: { address_country: country } });
  expect(cart.status).toBe(201);
  const totals = new Map<string, number>(cart.body.totals.map((x: Json) => [x.type, x.amount]));
  return {
    jsonld: `${offer.price} ${offer.priceCurrency}`,
    html: row,
    catalog: money(v.price.amount, v.price.currency),
    cart: money(totals.get('subtotal')! - Math.abs(totals.get('items_discount') ?? 0) - Math.abs(totals.get('discount') ?? 0), cart.body.currency),
    catalogPromotions: (v.metadata?.promotions ?? []).map((p: Json) => [p.title, p.amount.amount]),
    strikethrough: (offer.priceSpecification ?? []).find((s: Json) => s.priceType === 'https://schema.org/StrikethroughPrice')?.price,
  };
}

describe('automatic promotions are in the published unit price', () => {
  test('a percentage promotion on one product: every surface shows the promoted price, the cart charges it', async () => {
    const s = await surfaces('lamp', 'US');
    // 3899 less floor(15% of 3899) = 3899 - 584
    expect([s.jsonld, s.html, s.catalog, s.cart]).toEqual(Array(4).fill('33.15 USD'));
    expect(s.strikethrough).toBe('38.99');
    expect(s.catalogPromotions).toEqual([['15% off headlamps', 584]]);
  });

  test('a country promotion applies where it says, in its currency, with the product one on top', async () => {
    const ca = await surfaces('lamp', 'CA');
    // promotions apply one after the other, each on what the earlier left (as checkout does):
    // CAD 5299 - 500 (CA$5) = 4799, less 15% of it (719) = 4080
    expect([ca.jsonld, ca.html, ca.catalog, ca.cart]).toEqual(Array(4).fill('40.80 CAD'));
    expect(ca.catalogPromotions).toEqual([
      ['CA$5 off for Canada', 500],
      ['15% off headlamps', 719],
    ]);
    const sockUs = await surfaces('sock', 'US');
    expect([sockUs.jsonld, sockUs.html, sockUs.catalog, sockUs.cart]).toEqual(Array(4).fill('12.99 USD'));
    expect(sockUs.strikethrough).toBeUndefined();
    const sockCa = await surfaces('sock', 'CA');
    expect([sockCa.jsonld, sockCa.html, sockCa.catalog, sockCa.cart]).toEqual(Array(4).fill('12.99 CAD'));
  });

  test('a basket minimum one unit meets is in the unit price; one it does not meet is not, and checkout applies it when met', async () => {
    const tent = await surfaces('tent', 'US');
    // 24999 is over $200: 10% off (2499)
    expect([tent.jsonld, tent.html, tent.catalog, tent.cart]).toEqual(Array(4).fill('225.00 USD'));
    const sock = await surfaces('sock', 'US');
    expect(sock.jsonld).toBe('12.99 USD');
    // sixteen pairs of socks pass $200: the promotion applies to the basket
    const cart = await ucp('/carts', { line_items: [{ item: { id: 'sock-v' }, quantity: 16 }], context: { address_country: 'US' } });
    // allocated to the lines: items_discount, and each line's totals carry its share (discount.md)
    const discount = cart.body.totals.find((x: Json) => x.type === 'items_discount');
    expect(cart.body.totals.find((x: Json) => x.type === 'discount')).toBeUndefined();
    expect(cart.body.line_items.reduce((s: number, l: Json) => s + (l.totals.find((x: Json) => x.type === 'items_discount')?.amount ?? 0), 0)).toBe(discount.amount);
    for (const l of cart.body.line_items)
      expect(l.totals.find((x: Json) => x.type === 'total').amount).toBe(
        l.totals.find((x: Json) => x.type === 'subtotal').amount + (l.totals.find((x: Json) => x.type === 'items_discount')?.amount ?? 0),
      );
    expect(Math.abs(discount.amount)).toBe(Math.floor((16 * 1299 * 10) / 100));
  });
});
