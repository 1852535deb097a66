/**
 * The catalog feed over the demo store: paging, filters and bad parameters; freshness (ETag, Last-Modified,
 * HEAD, and a stock change through the admin API showing at once and in the change feed); and incremental
 * sync with modified_since, which must end equal to a fresh crawl.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { summarizeStock } from '../../src/catalog/availability.js';
import type { TestApp } from '../helpers/app.js';
import { BASE, commerceDemoSuite, type Node } from '../helpers/commerce-demo.js';

const suite = commerceDemoSuite();
const get = suite.get;
const crawl = suite.crawl;
let t: TestApp;
let admin: string;
beforeAll(() => {
  ({ t, admin } = suite.current());
});

describe('the catalog feed', () => {
  test('pages cover every product exactly once; Link header and body agree', async () => {
    const { items } = await crawl('/.well-known/commerce/catalog?limit=37');
    const ids = items.map((i) => (i.item as Node)['@id']);
    expect(ids).toHaveLength(200);
    expect(new Set(ids).size).toBe(200);
    expect(items[0]).toMatchObject({ '@type': 'DataFeedItem', dateModified: expect.any(String), dateCreated: expect.any(String) });
    const { items: defaults } = await crawl('/.well-known/commerce/catalog');
    expect(defaults).toHaveLength(200);
  });

  test('filters: category, brand, availability, text', async () => {
    const ids = async (q: string) => (await crawl(`/.well-known/commerce/catalog?${q}&limit=1000`)).items.map((i) => (i.item as Node)['@id'] as string);
    const tents = await ids('category=Camping%20%3E%20Tents');
    expect(tents.length).toBe(20);
    expect(tents.every((u) => u.endsWith('-tent') || /-tent-\d+$/.test(u))).toBe(true);
    expect((await ids('brand=ridgeline')).every((u) => u.includes('/products/rdg-'))).toBe(true);
    const inStock = await ids('availability=in_stock');
    const out = await ids('availability=out_of_stock');
    expect(inStock.length + out.length).toBe(200);
    const talus = await ids('q=talus%20tent');
    expect(talus).toContain(`${BASE}/products/rdg-talus-tent`);
    for (const u of talus) expect(u).toMatch(/-talus-tent/);
  });

  test('bad parameters are 400 problems naming the parameter', async () => {
    for (const [q, parameter] of [
      ['limit=0', 'limit'],
      ['limit=1001', 'limit'],
      ['limit=ten', 'limit'],
      ['cursor=%%%', 'cursor'],
      ['cursor=eyJwIjoieCJ9', 'cursor'],
      ['modified_since=yesterday', 'modified_since'],
      ['modified_since=2026-13-01T00:00:00Z', 'modified_since'],
      ['availability=maybe', 'availability'],
      ['country=USA', 'country'],
    ]) {
      const res = await get(`/.well-known/commerce/catalog?${q}`);
      expect([q, res.status, res.headers['content-type'], res.body.parameter]).toEqual([q, 400, 'application/problem+json', parameter]);
    }
    const first = (await get('/.well-known/commerce/catalog?limit=5')).body as Node;
    const cursor = new URL(first.next as string).searchParams.get('cursor')!;
    const mixed = await get(`/.well-known/commerce/catalog?limit=5&modified_since=2026-01-01T00:00:00Z&cursor=${cursor}`);
    expect(mixed.status).toBe(400);
  });
});

describe('freshness', () => {
  test('ETag and Last-Modified give 304; HEAD has headers only', async () => {
    for (const path of ['/.well-known/commerce', '/products/rdg-talus-tent', '/.well-known/commerce/catalog?limit=10']) {
      const first = await get(path);
      expect(first.headers.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
      const again = await get(path).set('If-None-Match', first.headers.etag!);
      expect(again.status).toBe(304);
      expect(again.text).toBe('');
      expect(again.headers.etag).toBe(first.headers.etag);
      const weak = await get(path).set('If-None-Match', `"other", W/${first.headers.etag}`);
      expect(weak.status).toBe(304);
      expect((await get(path).set('If-Modified-Since', first.headers['last-modified']!)).status).toBe(304);
      expect((await get(path).set('If-None-Match', '"stale"').set('If-Modified-Since', first.headers['last-modified']!)).status).toBe(200);
      const head = await request(t.app).head(path).set('Accept', 'application/ld+json');
      expect(head.status).toBe(200);
      expect(head.headers['content-length']).toBe(String(first.body ? Buffer.byteLength(JSON.stringify(first.body)) : 0));
    }
  });

  test('a stock change through the admin API shows on the very next request and in the change feed', async () => {
    const before = await get('/products/rdg-talus-tent');
    const variant = (before.body.hasVariant as Node[])[0]!;
    const variantId = new URL(variant['@id'] as string).searchParams.get('variant')!;
    const seq = (await get('/.well-known/commerce/changes?limit=1000')).body.lastSequence as number;
    t.clock.advance(2000);
    const res = await request(t.app)
      .post('/admin/v1/inventory')
      .set('Authorization', `Bearer ${admin}`)
      .send({ updates: [{ variant_id: variantId, location_id: 'wh-reno', on_hand: 321 }] });
    expect(res.status).toBe(200);
    const after = await get('/products/rdg-talus-tent').set('If-None-Match', before.headers.etag!);
    expect(after.status).toBe(200);
    expect(after.headers.etag).not.toBe(before.headers.etag);
    const offer = ((after.body.hasVariant as Node[])[0]!.offers as Node[])[0]!;
    const levels = await t.store.getLevels([variantId]);
    expect((offer.inventoryLevel as Node).value).toBe(summarizeStock(levels).quantity);
    const changes = (await get(`/.well-known/commerce/changes?since=${seq}`)).body;
    expect(changes.changes).toEqual([
      {
        '@type': 'Change',
        sequence: seq + 1,
        changedAt: t.clock.now().toISOString(),
        changeKind: 'update',
        changedEntity: 'inventory',
        changedDocument: `${BASE}/products/rdg-talus-tent`,
        changedVariant: variant['@id'],
        changedLocation: `${BASE}/.well-known/commerce#location-wh-reno`,
      },
    ]);
  });
});

describe('incremental sync', () => {
  test('crawl, change stock and price, delete and add products, sync with modified_since: equal to a fresh crawl', async () => {
    const snapshot = async (path: string) => new Map((await crawl(path)).items.map((i) => [(i.item as Node)['@id'] as string, i]));
    const copy = await snapshot('/.well-known/commerce/catalog?limit=64');
    t.clock.advance(60_000);
    const since = t.clock.now().toISOString();
    const some = [...copy.keys()].slice(10, 13).map((u) => decodeURIComponent(u.split('/products/')[1]!));
    const record = (await t.store.getProduct(some[0]!))!;
    await request(t.app)
      .post('/admin/v1/inventory')
      .set('Authorization', `Bearer ${admin}`)
      .send({ updates: [{ variant_id: record.product.variants[0]!.id, adjust: 5 }] })
      .expect(200);
    const priced = (await t.store.getProduct(some[1]!))!;
    await request(t.app)
      .post('/admin/v1/prices')
      .set('Authorization', `Bearer ${admin}`)
      .send({ updates: [{ variant_id: priced.product.variants[0]!.id, currency: 'USD', amount: 4242 }] })
      .expect(200);
    const feed = [
      JSON.stringify({ type: 'delete', product_id: some[2] }),
      JSON.stringify({
        type: 'product',
        id: 'zz-new',
        title: 'New thing',
        variants: [{ id: 'zz-new-1', prices: [{ currency: 'USD', amount: 1000 }], inventory: [{ location_id: 'wh-reno', on_hand: 2 }] }],
      }),
    ].join('\n');
    await request(t.app).post('/admin/v1/feed').set('Authorization', `Bearer ${admin}`).set('Content-Type', 'application/x-ndjson').send(feed).expect(200);

    const delta = (await crawl(`/.well-known/commerce/catalog?limit=2&modified_since=${encodeURIComponent(since)}`)).items;
    expect(delta.filter((i) => i.dateDeleted).map((i) => (i.item as Node)['@id'])).toEqual([`${BASE}/products/${some[2]}`]);
    expect(new Set(delta.filter((i) => !i.dateDeleted).map((i) => (i.item as Node)['@id']))).toEqual(new Set([some[0], some[1], 'zz-new'].map((id) => `${BASE}/products/${id}`)));
    for (const item of delta) {
      const key = (item.item as Node)['@id'] as string;
      if (item.dateDeleted) copy.delete(key);
      else copy.set(key, item);
    }
    const fresh = await snapshot('/.well-known/commerce/catalog?limit=1000');
    expect([...copy.keys()].sort()).toEqual([...fresh.keys()].sort());
    for (const [key, item] of fresh) expect([key, copy.get(key)]).toEqual([key, item]);
  });
});
