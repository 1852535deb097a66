/**
 * 2026-08-25 on the demo store's catalog: variants say how they can be fulfilled where the buyer names
 * (filters.fulfills_to, by locality or by store) with the offer engine's options and pickup readiness,
 * filters.methods restricts the results, and policies[] states the return policies in the refund page's
 * words, per product where a product has its own.
 */
import { describe, expect, test } from '@jest/globals';
import request from 'supertest';
import type { Json } from '../helpers/json.js';
import { CURRENT, expectValid } from '../helpers/ucp.js';
import { PINNED_CURRENT, ucpDemoSuite } from '../helpers/ucp-demo.js';

const suite = ucpDemoSuite();
const post = (op: string, body: unknown) => suite.post(op, body, { profile: PINNED_CURRENT });
const methods = (v: Json): Json[] => v.fulfillment.methods;

describe('fulfillment on catalog variants', () => {
  test('shipping to a named locality: the service levels checkout offers there, in the words every surface uses', async () => {
    const res = await post('/catalog/search', { query: 'tent', filters: { fulfills_to: { address_country: 'US', address_region: 'CO', postal_code: '80202' } } });
    expect(res.status).toBe(200);
    expectValid('shopping/fulfillment.json#/$defs/fulfillment_search_response', res.body, CURRENT);
    const variants = res.body.products.flatMap((p: Json) => p.variants) as Json[];
    expect(variants.length).toBeGreaterThan(0);
    for (const v of variants) {
      const shipping = methods(v).find((m) => m.type === 'shipping')!;
      expect(shipping.availability.available).toBe(v.availability.available);
      expect(shipping.description.plain).toMatch(/^Ships to US CO 80202/);
      expect(shipping.options.map((o: Json) => o.id).sort()).toEqual(['us-express', 'us-standard']);
      // no prices as fields before checkout: the option's description carries the offer's terms
      for (const o of shipping.options) expect(Object.keys(o).sort()).toEqual(['description', 'id', 'title']);
    }
    // elsewhere in the world: only the international service ships there
    const abroad = await post('/catalog/search', { query: 'tent', filters: { fulfills_to: { address_country: 'JP' }, methods: ['shipping'] } });
    expect(abroad.body.products.length).toBeGreaterThan(0);
    for (const p of abroad.body.products as Json[]) for (const v of p.variants as Json[]) expect(methods(v)[0]!.options.map((o: Json) => o.id)).toEqual(['intl-express']);
  });

  test("pickup at a named store: availability from that store's stock; an unknown store is no pickup at all", async () => {
    const res = await post('/catalog/search', { query: 'tent', filters: { fulfills_to: { location: 'store-denver' } } });
    const variants = res.body.products.flatMap((p: Json) => p.variants) as Json[];
    expect(variants.length).toBeGreaterThan(0);
    for (const v of variants) {
      const pickup = methods(v).find((m) => m.type === 'pickup')!;
      expect(pickup.location).toBe('store-denver');
      const level = (v.inventory.locations as Json[]).find((l) => l.id === 'store-denver');
      expect(pickup.availability.available).toBe(level?.available === true);
      expect(pickup.description.plain).toMatch(pickup.availability.available ? /^Pick up at Summit & Trail Denver/ : /^Not available for pickup at Summit & Trail Denver/);
    }
    // no store named: the one nearest the destination that has it (here Portland for a Portland postal code)
    const near = await post('/catalog/search', { query: 'tent', filters: { fulfills_to: { address_country: 'US', postal_code: '97209' }, methods: ['pickup'] } });
    let portland = 0;
    for (const p of near.body.products as Json[])
      for (const v of p.variants as Json[]) {
        const there = (v.inventory.locations as Json[]).find((l) => l.id === 'store-portland')?.available === true;
        if (there) portland++;
        if (there) expect(methods(v)[0]!.location).toBe('store-portland');
      }
    expect(portland).toBeGreaterThan(0);
    const unknown = await post('/catalog/search', { query: 'tent', filters: { fulfills_to: { location: 'store-nowhere' }, methods: ['pickup'] } });
    expect(unknown.body.products).toEqual([]);
  });

  test('filters.methods keeps only those methods, and only variants that can be fulfilled by them', async () => {
    const res = await post('/catalog/search', { query: 'jacket', filters: { methods: ['pickup'] } });
    expect(res.status).toBe(200);
    for (const p of res.body.products as Json[])
      for (const v of p.variants as Json[]) {
        expect(methods(v).map((m) => m.type)).toEqual(['pickup']);
        expect(methods(v)[0]!.availability.available).toBe(true);
      }
  });

  test('a 2026-04-08 platform gets no fulfillment on variants (the extension extends only checkout there)', async () => {
    const res = await suite.post('/catalog/search', { query: 'tent' });
    expect(res.body.ucp.version).toBe('2026-04-08');
    for (const p of res.body.products as Json[]) for (const v of p.variants as Json[]) expect(v.fulfillment).toBeUndefined();
    expect(res.body.policies).toBeUndefined();
  });
});

describe('policies[]', () => {
  test("the store policy where the buyer is, and a product's own policy targeted at it, in the refund page's words", async () => {
    const lookupAll = await post('/catalog/search', { query: 'a', filters: { price: { min: 0 } }, pagination: { limit: 50 }, context: { address_country: 'US' } });
    expectValid('shopping/catalog_search.json#/$defs/search_response', lookupAll.body, CURRENT);
    const policies = lookupAll.body.policies as Json[];
    expect(policies[0]).toEqual({
      type: 'dev.ucp.shopping.policy.return',
      description: { plain: 'Returns within 60 days of delivery, free of charge, by mail or in store.' },
      url: 'https://shop.example/policies/returns',
    });
    const page = await request(suite.current().env.app).get('/policies/returns');
    expect(page.text).toContain('returns within 60 days of delivery, free of charge, by mail or in store.');
    const finalSale = policies.filter((p) => p.applies_to);
    for (const p of finalSale) {
      expect(p.description).toEqual({ plain: 'Final sale, returns are not accepted.' });
      const index = Number(/^\$\.products\[(\d+)\]$/.exec((p.applies_to as string[])[0]!)![1]);
      expect(lookupAll.body.products[index]).toBeDefined();
    }
    // nowhere in particular: the store's default policy
    const anywhere = await post('/catalog/search', { query: 'tent' });
    expect(anywhere.body.policies[0].description.plain).toBe('Returns within 60 days of delivery, free of charge, by mail or in store.');
    // abroad, the store policy for that country
    const gb = await post('/catalog/product', { id: lookupAll.body.products[0].id, context: { address_country: 'GB' } });
    expect(gb.body.policies[0].description.plain).toBe('Returns within 30 days of delivery, return shipping 9.95 EUR paid by the customer, by mail.');
  });

  test('a product with a final-sale policy has it targeted at $.product', async () => {
    const state = suite.current().env;
    const all = await state.store.searchProducts({ offset: 0, limit: 500 });
    const records = await state.store.getProducts(all.hits.map((h) => h.id));
    const finalSale = records.find((r) => r.product.returnPolicyId === 'final-sale');
    expect(finalSale).toBeDefined();
    const res = await post('/catalog/product', { id: finalSale!.product.id, context: { address_country: 'US' } });
    expect(res.body.policies).toContainEqual({
      type: 'dev.ucp.shopping.policy.return',
      description: { plain: 'Final sale, returns are not accepted.' },
      url: 'https://shop.example/policies/returns#final-sale',
      applies_to: ['$.product'],
    });
  });
});

describe("ucpd's own extensions", () => {
  test('their JSON Schemas are served from the store and named in the profile; every product and variant metadata follows them', async () => {
    const { app } = suite.current().env;
    const profile = (await request(app).get('/.well-known/ucp')).body;
    const copies = profile.ucp.capabilities['dev.ucpd.shopping.inventory'][0].config.schemas as string[];
    expect(copies).toEqual(['https://shop.example/schemas/ucpd/inventory.json', 'https://shop.example/schemas/ucpd/metadata.json']);
    for (const url of copies) {
      const res = await request(app).get(new URL(url).pathname);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/schema\+json/);
      expect(JSON.parse(res.text).$id).toMatch(/^https:\/\/ucpd\.dev\/schemas\/shopping\//);
    }
    expect((await request(app).get('/schemas/ucpd/../package.json')).status).toBe(404);
    // in both versions, with shipping and tax hints for a destination in context
    for (const profileUrl of [PINNED_CURRENT, undefined]) {
      const res = await suite.post('/catalog/search', { query: 'jacket', context: { address_country: 'US', address_region: 'CO', postal_code: '80202' } }, profileUrl ? { profile: profileUrl } : {});
      const products = res.body.products as Json[];
      expect(products.length).toBeGreaterThan(0);
      let hinted = 0;
      for (const p of products) {
        expectValid('https://ucpd.dev/schemas/shopping/metadata.json#/$defs/product_metadata', p.metadata);
        for (const v of p.variants as Json[]) {
          if (v.metadata === undefined) continue;
          expectValid('https://ucpd.dev/schemas/shopping/metadata.json#/$defs/variant_metadata', v.metadata);
          if (v.metadata.shipping) hinted++;
        }
      }
      expect(hinted).toBeGreaterThan(0);
    }
  });
});
