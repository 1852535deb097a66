/**
 * The consistency property over the whole demo catalog: for every variant, for buyer contexts (US 94110,
 * US AK 99501, CA M5V 2T6, GB, DE; each without and with a currency) and moments (Wednesday before and
 * after the 14:00 Reno cutoff, Friday evening, Wednesday night with both stores closed), what the store
 * publishes about an offer is the same on every surface:
 *
 * - the price (JSON-LD offer, the HTML product table, UCP catalog, a UCP cart line and a checkout line);
 * - each shipping option: title, cost, promotion and delivery dates (JSON-LD shippingDetails, the HTML
 *   shipping list, UCP catalog metadata, and the options of a checkout shipping that unit to the
 *   context's address: every variant sits in a fulfillment group of its own);
 * - pickup: the stores that can hand the unit over, and when it is ready (JSON-LD pickup offers, the
 *   HTML pickup list, UCP inventory, a checkout's pickup destinations and the selected store's option);
 * - tax: rate and whether prices include it (JSON-LD price specification, the HTML note, UCP catalog
 *   metadata, the cart's and the checkout's totals, whose tax amount is checked against the rate).
 *
 * Every surface is read over HTTP from a real server process' handler, as an agent reads it. The HTML
 * page states shipping and pickup for the variant it shows (the first, or ?variant=): those are compared
 * for the first variant of every product; its price table covers every variant. The test prints how many
 * comparisons it made; any mismatch is listed with the variant, context, moment and both values.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { openFeed } from '../../src/feed/open.js';
import { importFeed } from '../../src/feed/pipeline.js';
import { createApp } from '../../src/http/app.js';
import { silentLogger } from '../../src/logger.js';
import { projectPath } from '../../src/paths.js';
import { Urls } from '../../src/publish/urls.js';
import { openTrust } from '../../src/trust/trust.js';
import { tempStore, type TestStore } from '../helpers/store.js';
import { platformProfile } from '../helpers/ucp.js';
import type { Json } from '../helpers/json.js';
import { type Facts, htmlFacts, jsonLdFacts, localDate, money, shippingFact, storeTime, totalsTax, ucpCatalogFacts } from './facts.js';

const AGENT = 'https://agent.example/profile.json';
const CAPS = [
  'dev.ucp.shopping.checkout',
  'dev.ucp.shopping.cart',
  'dev.ucp.shopping.fulfillment',
  'dev.ucp.shopping.discount',
  'dev.ucp.shopping.catalog.search',
  'dev.ucp.shopping.catalog.lookup',
  'dev.ucpd.shopping.inventory',
];
const BASE = 'https://shop.example';

interface Place {
  name: string;
  query: Record<string, string>;
  ucp: Record<string, string>;
  address: Record<string, string>;
}
const PLACES: Place[] = [
  {
    name: 'US 94110',
    query: { country: 'US', postal_code: '94110' },
    ucp: { address_country: 'US', postal_code: '94110' },
    address: { street_address: '3000 24th St', address_locality: 'San Francisco', address_region: 'CA', postal_code: '94110', address_country: 'US' },
  },
  {
    name: 'US AK 99501',
    query: { country: 'US', region: 'AK', postal_code: '99501' },
    ucp: { address_country: 'US', address_region: 'AK', postal_code: '99501' },
    address: { street_address: '632 W 6th Ave', address_locality: 'Anchorage', address_region: 'AK', postal_code: '99501', address_country: 'US' },
  },
  {
    name: 'CA M5V 2T6',
    query: { country: 'CA', region: 'ON', postal_code: 'M5V 2T6' },
    ucp: { address_country: 'CA', address_region: 'ON', postal_code: 'M5V 2T6' },
    address: { street_address: '290 Bremner Blvd', address_locality: 'Toronto', address_region: 'ON', postal_code: 'M5V 2T6', address_country: 'CA' },
  },
  { name: 'GB', query: { country: 'GB' }, ucp: { address_country: 'GB' }, address: { street_address: '10 Downing St', address_locality: 'London', address_country: 'GB' } },
  {
    name: 'DE',
    query: { country: 'DE' },
    ucp: { address_country: 'DE' },
    address: { street_address: 'Platz der Republik 1', address_locality: 'Berlin', postal_code: '11011', address_country: 'DE' },
  },
];
const CURRENCIES = [undefined, 'USD'] as const;
/** In time order: the server's clock only moves forward, as a real one does. */
const MOMENTS = [
  { name: 'Wednesday 10:00 in Reno, before the cutoff', at: '2026-12-02T18:00:00Z' },
  { name: 'Wednesday 15:00 in Reno, after the cutoff', at: '2026-12-02T23:00:00Z' },
  { name: 'Wednesday 21:30 in Denver, both stores closed', at: '2026-12-03T04:30:00Z' },
  { name: 'Friday 19:00 in Reno', at: '2026-12-05T03:00:00Z' },
];

let t: TestStore;
let app: ReturnType<typeof createApp>;
let server: Server;
let origin = '';

beforeAll(async () => {
  t = tempStore();
  const report = await importFeed(t.store, openFeed(projectPath('demo', 'outdoor-gear.jsonl'), { currency: 'USD' }), { clock: t.clock, origin: 'demo' });
  expect(report.errors).toEqual([]);
  mkdirSync(path.join(t.dir, 'platforms'));
  writeFileSync(path.join(t.dir, 'platforms', 'agent.json'), JSON.stringify({ profile_url: AGENT, profile: platformProfile({ capabilities: CAPS }) }));
  const config = loadConfig({ dataDir: t.dir, baseUrl: BASE }, { UCPD_SEED_DEMO: 'false', UCPD_UCP_TEST_PAYMENTS: 'true' });
  const trust = await openTrust({ store: t.store, dataDir: t.dir, urls: new Urls(config.baseUrl), clock: t.clock, logger: silentLogger });
  app = createApp({ store: t.store, config, clock: t.clock, logger: silentLogger, trust });
  app.ucp.webhooks.stop();
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  app.close();
  await t.close();
});

async function get(p: string, accept = 'application/ld+json'): Promise<{ status: number; text: string }> {
  const res = await fetch(`${origin}${p}`, { headers: { accept } });
  return { status: res.status, text: await res.text() };
}

async function ucp(p: string, body: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${origin}/ucp/v1${p}`, { method: 'POST', headers: { 'content-type': 'application/json', 'ucp-agent': `profile="${AGENT}"` }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Json };
}

// ------------------------------------------------------------------------------------------- facts

/** What a surface says about one offer, normalised for comparison. */
interface Variant {
  productId: string;
  variantId: string;
  first: boolean;
}

describe('one offer on every surface', () => {
  test('every variant x 10 buyer contexts x 4 moments: price, shipping, pickup and tax agree across JSON-LD, HTML, UCP catalog, cart and checkout', async () => {
    const ids = await t.store.listProductKeys({ limit: 1000 });
    const variants: Variant[] = [];
    const productIds = ids.items.map((k) => k.id);
    for (const id of productIds) {
      const record = (await t.store.getProduct(id))!;
      record.product.variants.forEach((v, i) => {
        variants.push({ productId: id, variantId: v.id, first: i === 0 });
      });
    }
    const locationZones = new Map((await t.store.listLocations()).map((l) => [l.id, l.timeZone ?? 'UTC']));
    const locationNames = new Map((await t.store.listLocations()).map((l) => [l.name, l.id]));

    const mismatches: string[] = [];
    let compared = 0;
    const combinations = new Set<string>();
    const same = (where: string, surface: string, expected: unknown, actual: unknown) => {
      compared++;
      if (JSON.stringify(expected) !== JSON.stringify(actual)) mismatches.push(`${where} ${surface}: JSON-LD ${JSON.stringify(expected)} vs ${JSON.stringify(actual)}`);
    };

    for (const moment of MOMENTS) {
      t.clock.set(moment.at);
      for (const place of PLACES) {
        for (const currency of CURRENCIES) {
          const label = `[${moment.name} | ${place.name}${currency ? ` | ${currency}` : ''}]`;
          const query = new URLSearchParams({ ...place.query, ...(currency ? { currency } : {}) }).toString();
          const context = { ...place.ucp, ...(currency ? { currency } : {}) };

          // JSON-LD and HTML, product by product
          const ld = new Map<string, Facts>();
          const html = new Map<string, { prices: Map<string, string>; shown: Facts }>();
          for (const id of productIds) {
            const doc = await get(`/products/${encodeURIComponent(id)}?${query}`);
            expect(doc.status).toBe(200);
            const own = variants.filter((v) => v.productId === id);
            for (const [vid, f] of jsonLdFacts(JSON.parse(doc.text), own.length === 1 ? own[0]!.variantId : undefined, locationZones)) ld.set(vid, f);
            const page = await get(`/products/${encodeURIComponent(id)}?${query}`, 'text/html');
            html.set(id, htmlFacts(page.text));
          }

          // UCP catalog, 50 variants per lookup
          const catalog = new Map<string, Facts>();
          const unavailable = new Set<string>();
          for (let i = 0; i < variants.length; i += 50) {
            const res = await ucp('/catalog/lookup', { ids: variants.slice(i, i + 50).map((v) => v.variantId), context });
            expect(res.status).toBe(200);
            for (const [vid, f] of ucpCatalogFacts(res.body.products, place.query.country!, unavailable)) catalog.set(vid, f);
          }

          const sellable = variants.filter((v) => ld.get(v.variantId)?.price !== undefined);
          for (const v of variants) {
            const where = `${label} ${v.variantId}`;
            const expected = ld.get(v.variantId)!;
            combinations.add(`${moment.at}|${place.name}|${currency}|${v.variantId}`);
            const page = html.get(v.productId)!;
            same(where, 'HTML price', expected.price, page.prices.get(v.variantId) ? page.prices.get(v.variantId) : undefined);
            const fromCatalog = catalog.get(v.variantId) ?? {};
            same(where, 'UCP catalog price', expected.price, fromCatalog.price);
            if (expected.price === undefined) continue;
            same(where, 'UCP catalog shipping', expected.shipping, fromCatalog.shipping);
            same(
              where,
              'UCP catalog pickup',
              expected.pickup!.map((p) => p.split(' | ').slice(0, 3).join(' | ')),
              fromCatalog.pickup,
            );
            same(where, 'UCP catalog tax', expected.tax, fromCatalog.tax);
            if (v.first) {
              same(where, 'HTML shipping', expected.shipping, page.shown.shipping);
              const pickupText = expected.pickup!.map((p) => {
                const [loc, ready, opens, zone] = p.split(' | ');
                const name = [...locationNames].find(([, lid]) => lid === loc)![0];
                return [name, ready ? storeTime(ready, zone!) : '', opens ? storeTime(opens, zone!) : ''].join(' | ');
              });
              same(where, 'HTML pickup', pickupText.sort(), page.shown.pickup);
              same(where, 'HTML tax', expected.tax, page.shown.tax);
            }
          }

          // carts: the price of every sellable variant and the tax on them, 250 lines per cart
          // what a buyer can put in a cart: sold in this context and available (the catalog says)
          const buyable = sellable.filter((v) => !unavailable.has(v.variantId));
          for (let i = 0; i < buyable.length; i += 250) {
            const batch = buyable.slice(i, i + 250);
            const res = await ucp('/carts', { line_items: batch.map((v) => ({ item: { id: v.variantId }, quantity: 1 })), context });
            expect(res.status).toBe(201);
            const taxProblems: string[] = [];
            batch.forEach((v, j) => {
              const line = res.body.line_items[j] as Json;
              same(`${label} ${v.variantId}`, 'cart price', ld.get(v.variantId)!.price, money(line.item.price, res.body.currency));
            });
            const discount = -(res.body.totals as Json[]).filter((x) => x.type === 'discount' || x.type === 'items_discount').reduce((sum, x) => sum + (x.amount as number), 0);
            const subtotal = (res.body.totals as Json[]).find((x) => x.type === 'subtotal')!.amount as number;
            same(`${label} cart of ${batch.length}`, 'cart tax', ld.get(batch[0]!.variantId)!.tax, totalsTax(res.body, subtotal - discount, taxProblems));
            for (const p of taxProblems) mismatches.push(`${label} cart: ${p}`);
          }

          // checkouts: 10 variants each, every one in a shipping group and a pickup group of its own
          for (let i = 0; i < buyable.length; i += 10) {
            const batch = buyable.slice(i, i + 10);
            const firstStore = (v: Variant) => ld.get(v.variantId)!.pickup![0]?.split(' | ')[0];
            const res = await ucp('/checkout-sessions', {
              line_items: batch.map((v, j) => ({ id: `l${j}`, item: { id: v.variantId }, quantity: 1 })),
              context,
              fulfillment: {
                methods: [
                  ...batch.map((_v, j) => ({
                    id: `s${j}`,
                    type: 'shipping',
                    line_item_ids: [`l${j}`],
                    destinations: [{ id: 'home', ...place.address }],
                    selected_destination_id: 'home',
                    groups: [{ id: `gs${j}` }],
                  })),
                  ...batch.map((v, j) => ({ id: `p${j}`, type: 'pickup', line_item_ids: [`l${j}`], ...(firstStore(v) ? { selected_destination_id: firstStore(v) } : {}), groups: [{ id: `gp${j}` }] })),
                ],
              },
            });
            expect(res.status).toBe(201);
            const methods = new Map<string, Json>((res.body.fulfillment.methods as Json[]).map((m) => [m.id as string, m]));
            batch.forEach((v, j) => {
              const where = `${label} ${v.variantId}`;
              const expected = ld.get(v.variantId)!;
              same(where, 'checkout price', expected.price, money(res.body.line_items[j].item.price, res.body.currency));
              const options = (methods.get(`s${j}`)!.groups[0].options as Json[]).map((o) => {
                const promo = /\(free: (.*?)\)(?:, arrives|$)/.exec(o.description ?? '')?.[1];
                return shippingFact(
                  o.title.replace(/ \(Free\)$/, ''),
                  money(o.totals[0].amount, res.body.currency),
                  promo,
                  o.earliest_fulfillment_time ? localDate(o.earliest_fulfillment_time) : undefined,
                  o.latest_fulfillment_time ? localDate(o.latest_fulfillment_time) : undefined,
                );
              });
              same(where, 'checkout shipping', expected.shipping, options.sort());
              const pickup = methods.get(`p${j}`)!;
              same(where, 'checkout pickup stores', expected.pickup!.map((p) => p.split(' | ')[0]).sort(), (pickup.destinations as Json[]).map((d) => d.id).sort());
              if (firstStore(v)) {
                const option = pickup.groups[0].options[0];
                same(where, 'checkout pickup ready', expected.pickup![0]!.split(' | ')[1], option?.earliest_fulfillment_time ?? '');
              }
            });
            const taxProblems: string[] = [];
            const discount = -(res.body.totals as Json[]).filter((x) => x.type === 'discount' || x.type === 'items_discount').reduce((sum, x) => sum + (x.amount as number), 0);
            const subtotal = (res.body.totals as Json[]).find((x) => x.type === 'subtotal')!.amount as number;
            same(`${label} checkout of ${batch.length}`, 'checkout tax', ld.get(batch[0]!.variantId)!.tax, totalsTax(res.body, subtotal - discount, taxProblems));
            for (const p of taxProblems) mismatches.push(`${label} checkout: ${p}`);
          }
        }
      }
    }

    process.stdout.write(
      `consistency: ${variants.length} variants x ${PLACES.length * CURRENCIES.length} contexts x ${MOMENTS.length} moments = ${combinations.size} combinations, ${compared} comparisons, ${mismatches.length} mismatches\n`,
    );
    expect(mismatches.slice(0, 20)).toEqual([]);
    expect(combinations.size).toBe(variants.length * PLACES.length * CURRENCIES.length * MOMENTS.length);
  }, 600_000);
});
