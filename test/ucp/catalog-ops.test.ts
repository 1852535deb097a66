/**
 * The UCP catalog operations over REST against the demo catalog: search, lookup and get_product, each
 * response validated against the official 2026-04-08 schemas, and the platform registry's admin API.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { createToken } from '../../src/auth/tokens.js';
import type { Json } from '../helpers/json.js';
import { ERROR_RESPONSE, LOOKUP_RESPONSE, PRODUCT_RESPONSE, SEARCH_RESPONSE, type AgentKey, expectValid, platformProfile } from '../helpers/ucp.js';
import { type Env, ucpDemoSuite } from '../helpers/ucp-demo.js';

const suite = ucpDemoSuite();
const post = suite.post;
let env: Env;
let key: AgentKey;
beforeAll(() => {
  ({ env, key } = suite.current());
});

describe('catalog search', () => {
  test('full text with stemming, deterministic ranking and an explanation per product', async () => {
    const a = await post('/catalog/search', { query: 'rain jackets' });
    expectValid(SEARCH_RESPONSE, a.body);
    expect(a.body.products.length).toBeGreaterThan(0);
    for (const p of a.body.products) {
      const why = p.metadata['dev.ucpd.search'];
      expect(why.match).toBe('all_terms');
      expect(why.matched.map((m: Json) => m.term).sort()).toEqual(['jackets', 'rain']);
      expect(why.matched.find((m: Json) => m.term === 'jackets').fields.length).toBeGreaterThan(0);
    }
    expect(a.body.products[0].title).toMatch(/Rain Jacket/);
    const b = await post('/catalog/search', { query: 'rain jackets' });
    expect(b.body.products.map((p: Json) => p.id)).toEqual(a.body.products.map((p: Json) => p.id));
  });

  test('constraints in the text become filters: under $X, size, in stock', async () => {
    const res = await post('/catalog/search', { query: 'jacket under $150 size M in stock', pagination: { limit: 50 } });
    expectValid(SEARCH_RESPONSE, res.body);
    expect(res.body.products.length).toBeGreaterThan(0);
    for (const p of res.body.products) {
      const v = p.variants[0];
      expect(v.price.amount).toBeLessThanOrEqual(15000);
      expect(v.availability.available).toBe(true);
      expect(['m', 's/m', 'm/l']).toContain(v.options.find((o: Json) => o.name === 'Size').label.toLowerCase());
      expect(p.metadata['dev.ucpd.search'].constraints).toEqual(expect.arrayContaining([expect.stringMatching(/^price <= 150.00 USD/), 'in stock (from the query)']));
    }
  });

  test('filters: categories (path prefix or Google id) and price in context.currency', async () => {
    const byPath = await post('/catalog/search', { filters: { categories: ['Clothing > Jackets'] }, pagination: { limit: 50 } });
    expectValid(SEARCH_RESPONSE, byPath.body);
    expect(byPath.body.products.length).toBeGreaterThan(0);
    for (const p of byPath.body.products) expect(p.categories.some((c: Json) => c.value.startsWith('Clothing > Jackets'))).toBe(true);
    const googleId = byPath.body.products[0].categories.find((c: Json) => c.taxonomy === 'google_product_category').value;
    const byId = await post('/catalog/search', { filters: { categories: [googleId] }, pagination: { limit: 50 } });
    expect(byId.body.products.length).toBeGreaterThan(0);
    for (const p of byId.body.products) expect(p.categories).toContainEqual({ value: googleId, taxonomy: 'google_product_category' });

    const cad = await post('/catalog/search', { query: 'tent', context: { currency: 'CAD', address_country: 'CA' }, filters: { price: { max: 40000 } }, pagination: { limit: 50 } });
    expectValid(SEARCH_RESPONSE, cad.body);
    expect(cad.body.products.length).toBeGreaterThan(0);
    for (const p of cad.body.products) {
      expect(p.price_range.min.currency).toBe('CAD');
      expect(p.variants[0].price.amount).toBeLessThanOrEqual(40000);
    }
  });

  test('cursor pagination walks every match once; total_count agrees; a cursor is bound to its query', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let total: number | undefined;
    do {
      const res = await post('/catalog/search', { query: 'jacket', pagination: { limit: 7, ...(cursor ? { cursor } : {}) } });
      expectValid(SEARCH_RESPONSE, res.body);
      seen.push(...res.body.products.map((p: Json) => p.id));
      total ??= res.body.pagination.total_count;
      cursor = res.body.pagination.has_next_page ? res.body.pagination.cursor : undefined;
      if (res.body.pagination.has_next_page) expect(typeof cursor).toBe('string');
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(total);
    const first = await post('/catalog/search', { query: 'jacket', pagination: { limit: 7 } });
    const other = await post('/catalog/search', { query: 'tent', pagination: { cursor: first.body.pagination.cursor } });
    expect(other.status).toBe(400);
  });

  test('nothing matched: 200 with products: [] and no messages; no word matches all -> relaxed, and said', async () => {
    const none = await post('/catalog/search', { query: 'xylophone' });
    expect(none.status).toBe(200);
    expectValid(SEARCH_RESPONSE, none.body);
    expect(none.body.products).toEqual([]);
    expect(none.body.messages).toBeUndefined();
    const relaxed = await post('/catalog/search', { query: 'tent xylophone' });
    expect(relaxed.body.products.length).toBeGreaterThan(0);
    expect(relaxed.body.messages).toEqual([expect.objectContaining({ type: 'info', code: 'query_relaxed' })]);
    for (const p of relaxed.body.products) expect(p.metadata['dev.ucpd.search']).toMatchObject({ match: 'some_terms', ignored_terms: ['xylophone'] });
    // the relaxation holds across pages: the cursor remembers it
    const page2 = await post('/catalog/search', { query: 'tent xylophone', pagination: { limit: 2 } });
    const next = await post('/catalog/search', { query: 'tent xylophone', pagination: { limit: 2, cursor: page2.body.pagination.cursor } });
    expect(next.status).toBe(200);
    expect(next.body.products[0].metadata['dev.ucpd.search'].ignored_terms).toEqual(['xylophone']);
  });

  test('limits: default 10, over 50 clamped with a message', async () => {
    const d = await post('/catalog/search', { filters: { categories: ['Clothing'] } });
    expect(d.body.products).toHaveLength(10);
    const big = await post('/catalog/search', { filters: { categories: ['Clothing'] }, pagination: { limit: 500 } });
    expect(big.body.products.length).toBeLessThanOrEqual(50);
    expect(big.body.messages).toContainEqual(expect.objectContaining({ code: 'limit_clamped' }));
  });
});

describe('catalog lookup and product', () => {
  let sample: Json;
  beforeAll(async () => {
    sample = (await post('/catalog/search', { query: 'rain jacket' })).body.products[0];
  });

  test('ids of every kind, deduplicated, each returned variant correlated to its inputs', async () => {
    const variant = sample.variants[1] ?? sample.variants[0];
    const gtinVariant = sample.variants.find((v: Json) => v.barcodes);
    const ids = [sample.id, sample.id, variant.id, variant.sku, gtinVariant.barcodes[0].value, sample.url, 'no-such-thing'];
    const res = await post('/catalog/lookup', { ids });
    expect(res.status).toBe(200);
    expectValid(LOOKUP_RESPONSE, res.body);
    expect(res.body.products).toHaveLength(1);
    const inputs = res.body.products[0].variants.flatMap((v: Json) => v.inputs.map((i: Json) => `${i.id}:${i.match}:${v.id}`));
    expect(inputs).toEqual(expect.arrayContaining([`${variant.id}:exact:${variant.id}`, `${variant.sku}:exact:${variant.id}`, `${gtinVariant.barcodes[0].value}:exact:${gtinVariant.id}`]));
    expect(inputs.filter((i: string) => i.includes(':featured:'))).toHaveLength(2); // product id (once) and product URL
    expect(res.body.messages).toEqual([{ type: 'info', code: 'not_found', content: 'no-such-thing', path: '$.ids[6]' }]);
  });

  test('handles resolve like product ids; unknown ids alone give products: []', async () => {
    const res = await post('/catalog/lookup', { ids: [sample.handle] });
    expect(res.body.products[0].id).toBe(sample.id);
    const none = await post('/catalog/lookup', { ids: ['nope-1', 'nope-2'] });
    expectValid(LOOKUP_RESPONSE, none.body);
    expect(none.body.products).toEqual([]);
    expect(none.body.messages).toHaveLength(2);
  });

  test('over 50 ids: 400 request_too_large', async () => {
    const res = await post('/catalog/lookup', { ids: Array.from({ length: 51 }, (_, i) => `id-${i}`) });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('request_too_large');
  });

  test('filters apply after resolution: a product whose variants all fail the price filter is dropped', async () => {
    const res = await post('/catalog/lookup', { ids: [sample.id], filters: { price: { max: 1 } }, context: { currency: 'USD' } });
    expect(res.body.products).toEqual([]);
  });

  test('get_product: selection, relaxation by preferences, available/exists per option value', async () => {
    const withOptions = sample.options.length >= 2 ? sample : (await post('/catalog/search', { query: 'jacket', pagination: { limit: 50 } })).body.products.find((p: Json) => p.options.length >= 2);
    const [first, second] = withOptions.options as Json[];
    const res = await post('/catalog/product', { id: withOptions.id, selected: [{ name: first!.name, label: first!.values[0].label }] });
    expect(res.status).toBe(200);
    expectValid(PRODUCT_RESPONSE, res.body);
    const product = res.body.product;
    expect(product.selected).toContainEqual({ name: first!.name, label: first!.values[0].label });
    expect(product.variants[0].options).toContainEqual({ name: first!.name, label: first!.values[0].label });
    for (const o of product.options) for (const v of o.values) expect(typeof v.exists === 'boolean' && typeof v.available === 'boolean').toBe(true);

    const impossible = await post('/catalog/product', {
      id: withOptions.id,
      selected: [
        { name: first!.name, label: first!.values[0].label },
        { name: second!.name, label: 'No Such Value' },
      ],
      preferences: [first!.name, second!.name],
    });
    expectValid(PRODUCT_RESPONSE, impossible.body);
    expect(impossible.body.product.selected).toContainEqual({ name: first!.name, label: first!.values[0].label });
    expect(impossible.body.messages).toContainEqual(expect.objectContaining({ type: 'warning', code: 'selection_relaxed' }));
  });

  test('get_product by variant id: that variant first, its options win over selected', async () => {
    const variant = sample.variants[sample.variants.length - 1];
    const res = await post('/catalog/product', { id: variant.id, selected: [{ name: 'Size', label: 'XS' }] });
    expectValid(PRODUCT_RESPONSE, res.body);
    expect(res.body.product.variants[0].id).toBe(variant.id);
    expect(res.body.product.selected).toEqual(variant.options);
  });

  test('get_product not found: 200 error_response, not_found, unrecoverable', async () => {
    const res = await post('/catalog/product', { id: 'no-such-product' });
    expect(res.status).toBe(200);
    expectValid(ERROR_RESPONSE, res.body);
    expectValid(PRODUCT_RESPONSE.replace('get_product_response', 'get_product_request'), { id: 'x' });
    expect(res.body.ucp.status).toBe('error');
    expect(res.body.messages).toEqual([expect.objectContaining({ type: 'error', code: 'not_found', severity: 'unrecoverable' })]);
  });
});

describe('the platform registry through the admin API', () => {
  test('pin, list and remove a platform; invalid profiles are refused', async () => {
    const token = (await createToken(env.store, 'ops', ['admin'], env.clock)).secret;
    const auth = { authorization: `Bearer ${token}` };
    const url = 'https://pinned-by-api.example/p.json';
    const put = await request(env.app)
      .put('/admin/v1/platforms')
      .set(auth)
      .send({ profile_url: url, profile: platformProfile({ keys: [key] }) });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ profile_url: url, version: '2026-04-08', signing_keys: [key.kid] });
    expect((await post('/catalog/search', { query: 'tent' }, { profile: url })).status).toBe(200);
    const list = await request(env.app).get('/admin/v1/platforms').set(auth);
    expect(list.body.platforms.map((p: Json) => p.profile_url)).toContain(url);
    const bad = await request(env.app)
      .put('/admin/v1/platforms')
      .set(auth)
      .send({ profile_url: url, profile: { ucp: {} } });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('invalid_platform');
    expect((await request(env.app).delete('/admin/v1/platforms').query({ profile_url: url }).set(auth)).status).toBe(204);
    expect((await request(env.app).get('/admin/v1/platforms').set({})).status).toBe(401);
  });
});
