/**
 * The same facts on both surfaces: for every variant of the whole demo catalog, in several buyer
 * contexts, the UCP catalog and the JSON-LD product documents agree on ids, URLs, prices (currency and
 * amount) and availability (and the inventory extension's quantity on the offer's inventoryLevel).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { loadDemo } from '../../src/cli/context.js';
import { toDecimalString } from '../../src/catalog/money.js';
import { loadConfig } from '../../src/config.js';
import { createApp } from '../../src/http/app.js';
import { Urls } from '../../src/publish/urls.js';
import { silentLogger } from '../../src/logger.js';
import { openTrust } from '../../src/trust/trust.js';
import { tempStore, type TestStore } from '../helpers/store.js';
import { LOOKUP_RESPONSE, expectValid, platformProfile, ucpHeaders } from '../helpers/ucp.js';
import type { Json } from '../helpers/json.js';

const AGENT = 'https://agent.example/profile.json';
const STATUS: Record<string, string> = {
  'https://schema.org/InStock': 'in_stock',
  'https://schema.org/LimitedAvailability': 'in_stock',
  'https://schema.org/BackOrder': 'backorder',
  'https://schema.org/PreOrder': 'preorder',
  'https://schema.org/OutOfStock': 'out_of_stock',
};

let t: TestStore;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  t = tempStore();
  await loadDemo(t.store);
  await t.store.syncSearchIndex();
  mkdirSync(path.join(t.dir, 'platforms'));
  writeFileSync(path.join(t.dir, 'platforms', 'agent.json'), JSON.stringify({ profile_url: AGENT, profile: platformProfile() }));
  const config = loadConfig({ dataDir: t.dir, baseUrl: 'https://shop.example' }, {});
  const trust = await openTrust({ store: t.store, dataDir: t.dir, urls: new Urls(config.baseUrl), clock: t.clock, logger: silentLogger });
  app = createApp({ store: t.store, config, clock: t.clock, logger: silentLogger, trust });
}, 60_000);

afterAll(async () => {
  app.close();
  await t.close();
});

/** Offer facts per variant URL (@id) from the JSON-LD product document. */
function jsonLdOffers(doc: Json): Map<string, { sku?: string; price: string; currency: string; status: string; quantity?: number }> {
  const out = new Map();
  const nodes: Json[] = doc['@type'] === 'ProductGroup' ? doc.hasVariant : [doc];
  for (const n of nodes) {
    const offer = (n.offers as Json[]).find((o) => !o.availableAtOrFrom)!;
    out.set(n['@id'], { sku: n.sku, price: offer.price, currency: offer.priceCurrency, status: STATUS[offer.availability]!, quantity: offer.inventoryLevel?.value });
  }
  return out;
}

describe('UCP catalog and JSON-LD agree on the whole demo catalog', () => {
  test.each([
    ['no context', {}, ''],
    ['Canada, CAD', { address_country: 'CA', currency: 'CAD' }, '?country=CA&currency=CAD'],
    ['California', { address_country: 'US', address_region: 'CA', postal_code: '94043' }, '?country=US&region=CA&postal_code=94043'],
    ['Germany, EUR', { address_country: 'DE', currency: 'EUR' }, '?country=DE&currency=EUR'],
    ['a currency the store does not sell in (JPY): both fall back', { currency: 'JPY' }, '?currency=JPY'],
  ])(
    '%s',
    async (_name, context, query) => {
      const products = (await t.store.listProducts({ limit: 1000 })).items;
      const variantIds = products.flatMap((r) => r.product.variants.map((v) => v.id));
      expect(variantIds.length).toBe(1230);
      const ucp = new Map<string, Json>();
      for (let i = 0; i < variantIds.length; i += 50) {
        const body = JSON.stringify({ ids: variantIds.slice(i, i + 50), context });
        const res = await request(app)
          .post('/ucp/v1/catalog/lookup')
          .set(ucpHeaders(AGENT, body, 'POST', '/ucp/v1/catalog/lookup'))
          .send(body);
        expect(res.status).toBe(200);
        expectValid(LOOKUP_RESPONSE, res.body);
        for (const p of res.body.products as Json[]) for (const v of p.variants) ucp.set(v.id, { ...v, productId: p.id, productUrl: p.url });
      }
      expect(ucp.size).toBe(variantIds.length);

      let compared = 0;
      const statuses = new Set<string>();
      for (const record of products) {
        const doc = await request(app)
          .get(`/products/${encodeURIComponent(record.product.id)}${query}`)
          .set('accept', 'application/ld+json');
        expect(doc.status).toBe(200);
        expect(doc.body['@id']).toBe(`https://shop.example/products/${encodeURIComponent(record.product.id)}`);
        const offers = jsonLdOffers(doc.body);
        for (const variant of record.product.variants) {
          const u = ucp.get(variant.id)!;
          expect(u.productId).toBe(record.product.id);
          expect(u.productUrl).toBe(doc.body['@id']);
          const o = offers.get(u.url);
          expect(o).toBeDefined();
          expect(u.sku).toBe(o!.sku);
          expect(u.price.currency).toBe(o!.currency);
          expect(toDecimalString(u.price.amount, u.price.currency)).toBe(o!.price);
          expect(u.availability.status).toBe(o!.status);
          expect(u.availability.available).toBe(o!.status !== 'out_of_stock');
          expect(u.inventory?.quantity).toBe(o!.quantity);
          statuses.add(u.availability.status);
          compared++;
        }
      }
      expect(compared).toBe(1230);
      // the demo stock covers every state, so every mapping was exercised
      expect([...statuses].sort()).toEqual(['backorder', 'in_stock', 'out_of_stock', 'preorder']);
    },
    60_000,
  );
});
