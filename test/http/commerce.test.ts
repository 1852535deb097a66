/** The JSON-LD catalog over the demo store: documents, offers, feed, freshness, bad input. */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { readFileSync } from 'node:fs';
import { summarizeStock } from '../../src/catalog/availability.js';
import { parseDecimal } from '../../src/catalog/money.js';
import { importFeed } from '../../src/feed/pipeline.js';
import { jsonlFile } from '../../src/feed/formats/jsonl.js';
import { projectPath } from '../../src/paths.js';
import { expandChecked } from '../helpers/jsonld.js';
import { testApp, type TestApp } from '../helpers/app.js';

const BASE = 'https://shop.example';
const local = (url: string) => url.replace(BASE, '');
type Node = Record<string, unknown> & { '@type'?: string; '@id'?: string };

let t: TestApp;
let admin: string;
beforeAll(async () => {
  t = await testApp();
  const report = await importFeed(t.store, jsonlFile(projectPath('demo', 'outdoor-gear.jsonl')), { clock: t.clock });
  expect(report.status).toBe('applied');
  admin = await t.token();
});
afterAll(async () => {
  t.app.close();
  await t.close();
});

const get = (path: string, accept = 'application/ld+json') => request(t.app).get(path).set('Accept', accept);

async function crawl(start: string): Promise<{ pages: Node[]; items: Node[] }> {
  const pages: Node[] = [];
  let next: string | undefined = start;
  while (next) {
    const res = await get(next);
    expect(res.status).toBe(200);
    const page = res.body as Node;
    pages.push(page);
    const link = res.headers.link as string | undefined;
    expect(link ? /<([^>]+)>; rel="next"/.exec(link)?.[1] : undefined).toBe(page.next);
    next = page.next ? local(page.next as string) : undefined;
  }
  return { pages, items: pages.flatMap((p) => p.dataFeedElement as Node[]) };
}

function offersOf(node: Node): Node[] {
  const variants = (node.hasVariant as Node[] | undefined) ?? [node];
  return variants.flatMap((v) => v.offers as Node[]);
}

describe('the store document', () => {
  test('is an OnlineStore with policies, shipping services, locations and links', async () => {
    const res = await get('/.well-known/commerce');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/ld+json');
    expect(res.headers['cache-control']).toMatch(/max-age=300/);
    const doc = res.body as Node;
    expect(doc).toMatchObject({
      '@context': ['https://schema.org', `${BASE}/.well-known/commerce/context.jsonld`],
      '@type': 'OnlineStore',
      '@id': `${BASE}/.well-known/commerce#store`,
      name: 'Summit & Trail Outfitters',
      currenciesAccepted: 'USD, CAD, EUR, GBP',
      contactPoint: { '@type': 'ContactPoint', email: 'support@summit-trail.example' },
      catalogFeed: `${BASE}/.well-known/commerce/catalog`,
      changeFeed: `${BASE}/.well-known/commerce/changes`,
      sitemap: `${BASE}/sitemap.xml`,
      potentialAction: { '@type': 'SearchAction', target: { urlTemplate: `${BASE}/.well-known/commerce/catalog?q={q}` } },
    });
    expect((doc.areaServed as Node[]).map((a) => a.name)).toEqual(['CA', 'DE', 'GB', 'US']);
    expect((doc.hasMerchantReturnPolicy as Node[]).map((p) => p['@id'])).toContain(`${BASE}/.well-known/commerce#return-policy-standard`);
    expect((doc.location as Node[]).map((l) => l['@type'])).toEqual(['Place', 'Store', 'Store']);
    const standard = (doc.hasShippingService as Node[]).find((s) => s.name === 'Standard shipping')!;
    expect(standard.shippingConditions).toContainEqual(
      expect.objectContaining({ orderValue: { '@type': 'MonetaryAmount', minValue: 99, currency: 'USD' }, shippingRate: { '@type': 'MonetaryAmount', value: '0.00', currency: 'USD' } }),
    );
  });

  test('links that dereference: policy pages and contexts are served', async () => {
    const doc = (await get('/.well-known/commerce')).body as Node;
    for (const key of ['privacyPolicy', 'termsOfUse', 'refundPolicy', 'shippingPolicy', 'faq', 'catalogFeed', 'changeFeed', 'sitemap']) {
      const res = await get(local(doc[key] as string), '*/*');
      expect([key, res.status]).toEqual([key, 200]);
    }
    const ctx = await get('/.well-known/commerce/context.jsonld');
    expect(ctx.body['@context'].ucpd).toBe('https://ucpd.dev/ns#');
    const schema = await get('/.well-known/commerce/schemaorg-context.jsonld');
    expect(Buffer.from(schema.text ?? JSON.stringify(schema.body)).length).toBeGreaterThan(200_000);
    expect((await get('/.well-known/commerce/NOTICE', '*/*')).text).toMatch(/Apache License 2.0/);
  });
});

describe('every document expands offline with only known terms', () => {
  test('store document, change feed, the whole catalog feed, and every product document', async () => {
    const docs: [string, unknown][] = [
      ['store', (await get('/.well-known/commerce')).body],
      ['changes', (await get('/.well-known/commerce/changes?limit=50')).body],
    ];
    const { pages, items } = await crawl('/.well-known/commerce/catalog?limit=50');
    pages.forEach((p, i) => {
      docs.push([`catalog page ${i}`, p]);
    });
    for (const item of items) {
      const id = (item.item as Node)['@id'] as string;
      docs.push([id, (await get(local(id))).body]);
    }
    expect(docs.length).toBe(2 + pages.length + 200);
    const seenTypes = new Set<string>();
    const seenPredicates = new Set<string>();
    for (const [name, doc] of docs) {
      const x = await expandChecked(doc, BASE);
      expect([name, x.unknown]).toEqual([name, []]);
      expect(x.loaded.every((u) => u === 'https://schema.org' || u === `${BASE}/.well-known/commerce/context.jsonld`)).toBe(true);
      x.types.forEach((ty) => {
        seenTypes.add(ty);
      });
      x.predicates.forEach((p) => {
        seenPredicates.add(p);
      });
    }
    for (const type of [
      'OnlineStore',
      'DataFeed',
      'DataFeedItem',
      'ProductGroup',
      'Product',
      'Offer',
      'OfferShippingDetails',
      'MerchantReturnPolicy',
      'AggregateRating',
      'Review',
      'Certification',
      'Store',
      'ShippingService',
      'DefinedRegion',
      'ShippingDeliveryTime',
    ]) {
      expect(seenTypes).toContain(`http://schema.org/${type}`);
    }
    for (const p of [
      'price',
      'priceCurrency',
      'availability',
      'inventoryLevel',
      'shippingDetails',
      'hasMerchantReturnPolicy',
      'availableAtOrFrom',
      'availableDeliveryMethod',
      'isVariantOf',
      'hasVariant',
      'variesBy',
      'productGroupID',
      'gtin',
      'sku',
      'dataFeedElement',
      'dateModified',
      'hasCertification',
      'priceSpecification',
    ]) {
      expect(seenPredicates).toContain(`http://schema.org/${p}`);
    }
    expect(seenPredicates).toContain('https://ucpd.dev/ns#verifiedPurchase');
    expect(seenPredicates).toContain('https://ucpd.dev/ns#lowStock');
  });

  test('the loader fails closed on anything it does not ship', async () => {
    const err = await expandChecked({ '@context': 'https://example.com/ctx.jsonld', name: 'x' }, BASE).catch((e: unknown) => e);
    expect(err).toMatchObject({ details: { cause: { code: 'unknown_document', url: 'https://example.com/ctx.jsonld' } } });
  });
});

describe('product documents', () => {
  const id = 'rdg-talus-tent';
  test('a ProductGroup whose offers match the store: prices round-trip, availability and stock', async () => {
    const record = (await t.store.getProduct(id))!;
    const doc = (await get(`/products/${id}`)).body as Node;
    expect(doc).toMatchObject({ '@type': 'ProductGroup', '@id': `${BASE}/products/${id}`, productGroupID: id, variesBy: ['Capacity'] });
    const variants = doc.hasVariant as Node[];
    expect(variants).toHaveLength(record.product.variants.length);
    for (const v of variants) {
      const variantId = new URL(v['@id'] as string).searchParams.get('variant')!;
      const source = record.product.variants.find((x) => x.id === variantId)!;
      expect(v).toMatchObject({ isVariantOf: { '@id': `${BASE}/products/${id}` }, sku: source.sku, gtin: source.gtin });
      const [online, ...pickup] = v.offers as Node[];
      const usd = source.prices.find((p) => p.currency === 'USD')!;
      expect(parseDecimal(online!.price as string, online!.priceCurrency as string)).toBe(usd.amount);
      const stock = summarizeStock(record.levels.filter((l) => l.variantId === variantId));
      expect(online!.availability).toBe(
        {
          in_stock: 'https://schema.org/InStock',
          limited: 'https://schema.org/LimitedAvailability',
          out_of_stock: 'https://schema.org/OutOfStock',
          backorder: 'https://schema.org/BackOrder',
          preorder: 'https://schema.org/PreOrder',
        }[stock.availability],
      );
      expect((online!.inventoryLevel as Node | undefined)?.value).toBe(stock.quantity ?? undefined);
      expect(pickup.map((o) => (o.availableAtOrFrom as Node)['@id'])).toEqual([`${BASE}/.well-known/commerce#location-store-denver`, `${BASE}/.well-known/commerce#location-store-portland`]);
      for (const o of pickup) {
        const locationId = decodeURIComponent(((o.availableAtOrFrom as Node)['@id'] as string).split('#location-')[1]!);
        expect(o.availableDeliveryMethod).toBe('https://schema.org/OnSitePickup');
        expect((o.inventoryLevel as Node).value).toBe(summarizeStock(record.levels.filter((l) => l.variantId === variantId && l.locationId === locationId)).quantity);
      }
    }
  });

  test('every offer in the catalog has a decimal string price that round-trips to the stored minor units', async () => {
    const { items } = await crawl('/.well-known/commerce/catalog?limit=200&currency=EUR');
    let checked = 0;
    for (const item of items) {
      const node = item.item as Node;
      const record = (await t.store.getProduct(decodeURIComponent((node['@id'] as string).split('/products/')[1]!)))!;
      for (const v of (node.hasVariant as Node[] | undefined) ?? [node]) {
        const variantId = v['@id'] === node['@id'] ? record.product.variants[0]!.id : new URL(v['@id'] as string).searchParams.get('variant')!;
        const price = record.product.variants.find((x) => x.id === variantId)!.prices.find((p) => p.currency === 'EUR')!;
        const [offer] = v.offers as Node[];
        expect(offer).toMatchObject({ priceCurrency: 'EUR', price: expect.stringMatching(/^\d+\.\d{2}$/) });
        expect(parseDecimal(offer!.price as string, 'EUR')).toBe(price.amount);
        checked++;
      }
    }
    expect(checked).toBe(1230);
  });

  test('shipping details and return policies follow the buyer context', async () => {
    const all = (await get(`/products/${id}`)).body as Node;
    const destinations = (o: Node) => (o.shippingDetails as Node[]).map((s) => s['@id'] ?? s);
    const [first] = offersOf(all);
    const countries = new Set((first!.shippingDetails as Node[]).map((s) => (s.shippingDestination as Node).addressCountry as string));
    expect(countries).toEqual(new Set(['US', 'CA', 'GB', 'DE']));
    const fullNode = (first!.shippingDetails as Node[])[0]!;
    expect(fullNode).toMatchObject({
      '@type': 'OfferShippingDetails',
      shippingRate: { '@type': 'MonetaryAmount' },
      deliveryTime: { handlingTime: { unitCode: 'DAY' }, transitTime: { unitCode: 'DAY' } },
    });
    // later offers refer to the same nodes by @id (and every @id is defined in the document)
    const later = offersOf(all)[3]!;
    expect(destinations(later)).toEqual(destinations(first!).map((d) => (typeof d === 'string' ? d : (d as Node)['@id'])));

    const ca = (await get(`/products/${id}?country=CA&currency=CAD`)).body as Node;
    const [caOffer, ...caPickup] = (ca.hasVariant as Node[])[0]!.offers as Node[];
    expect(caOffer!.priceCurrency).toBe('CAD');
    expect((caOffer!.shippingDetails as Node[]).map((s) => (s.shippingRate as Node).currency as string)).toEqual(['CAD', 'CAD']);
    expect(caPickup).toEqual([]); // the stores are in the US
    expect((caOffer!.hasMerchantReturnPolicy as Node)['@id']).toBe(`${BASE}/.well-known/commerce#return-policy-standard`);

    const fr = (await get(`/products/${id}?country=FR`)).body as Node;
    const frOffer = offersOf(fr)[0]!;
    expect((frOffer.shippingDetails as Node[]).map((s) => s.shippingLabel)).toEqual(['International Express']);
    expect(frOffer.hasMerchantReturnPolicy).toBeUndefined();
  });

  test('free standard shipping over $99 shows as a zero rate that says why', async () => {
    const record = (await t.store.listProducts({ limit: 500 })).items.find((r) => r.product.variants[0]!.prices.find((p) => p.currency === 'USD')!.amount >= 9900)!;
    const doc = (await get(`/products/${record.product.id}?country=US`)).body as Node;
    const standard = (offersOf(doc)[0]!.shippingDetails as Node[]).find((s) => String(s.shippingLabel).startsWith('Standard (US)'))!;
    expect(standard).toMatchObject({ shippingRate: { value: '0.00', currency: 'USD' }, shippingLabel: 'Standard (US) (free: Free standard shipping on US orders over $99)' });
  });

  test('reviews, rating with histogram, certifications', async () => {
    const certified = (await t.store.listProducts({ limit: 500 })).items.find((r) => r.product.certifications.length && r.reviewCount)!;
    const doc = (await get(`/products/${certified.product.id}`)).body as Node;
    expect(doc.aggregateRating).toEqual({
      '@type': 'AggregateRating',
      ratingValue: certified.rating!.value,
      reviewCount: certified.rating!.count,
      ratingCount: certified.rating!.count,
      bestRating: 5,
      worstRating: 1,
      ratingHistogram: certified.rating!.distribution,
    });
    expect((doc.review as Node[])[0]).toMatchObject({ '@type': 'Review', author: { '@type': 'Person' }, reviewRating: { '@type': 'Rating', bestRating: 5 }, verifiedPurchase: expect.any(Boolean) });
    expect((doc.hasCertification as Node[])[0]).toMatchObject({ '@type': 'Certification', issuedBy: { '@type': 'Organization' }, certificationIdentification: expect.any(String) });
  });

  test('HTML for browsers, with the same JSON-LD embedded; JSON for application/json; 406 otherwise', async () => {
    const html = await get(`/products/${id}`, 'text/html,application/xhtml+xml,*/*;q=0.8');
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(html.headers.vary).toBe('Accept');
    const embedded = /<script type="application\/ld\+json">(.*?)<\/script>/s.exec(html.text)![1]!;
    expect(JSON.parse(embedded)).toEqual((await get(`/products/${id}`)).body);
    expect(html.text).toContain('<h1>Ridgeline Talus Backpacking Tent</h1>');
    const json = await get(`/products/${id}`, 'application/json');
    expect(json.headers['content-type']).toBe('application/json');
    const none = await get(`/products/${id}`, 'image/png');
    expect(none.status).toBe(406);
    expect(none.body.code).toBe('not_acceptable');
  });

  test('variant @ids dereference to the product document', async () => {
    const doc = (await get(`/products/${id}`)).body as Node;
    const variantId = (doc.hasVariant as Node[])[1]!['@id'] as string;
    const res = await get(local(variantId));
    expect(res.status).toBe(200);
    expect(res.body['@id']).toBe(`${BASE}/products/${id}`);
    expect((await get(`/products/${id}?variant=nope`)).status).toBe(404);
  });
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

describe('bad input and other routes', () => {
  test('unknown product: 404 problem JSON; bad encoding 400; writes are 405', async () => {
    const missing = await get('/products/does-not-exist');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toBe('application/problem+json');
    expect(missing.body).toMatchObject({ code: 'product_not_found', status: 404 });
    expect((await get('/products/%E0%A4%A')).status).toBe(400);
    expect((await get('/products/a/b')).status).toBe(404);
    const post = await request(t.app).post('/.well-known/commerce').send({});
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD, OPTIONS');
    expect((await get('/.well-known/commerce/changes?since=-1')).status).toBe(400);
    expect((await get('/.well-known/commerce/nope')).status).toBe(404);
  });

  test('sitemap and robots.txt point crawlers at product pages and the feed', async () => {
    const robots = await get('/robots.txt', 'text/plain');
    expect(robots.text).toContain(`Sitemap: ${BASE}/sitemap.xml`);
    expect(robots.text).toContain(`${BASE}/.well-known/commerce`);
    const index = await get('/sitemap.xml', '*/*');
    expect(index.text).toContain(`<loc>${BASE}/sitemap-products-1.xml</loc>`);
    const part = await get('/sitemap-products-1.xml', '*/*');
    expect(part.text.match(/<url>/g)).toHaveLength(await t.store.countProducts());
    expect((await get('/sitemap-products-2.xml', '*/*')).status).toBe(404);
  });

  test('the schema.org context copy is byte-identical to the shared one', async () => {
    const res = await request(t.app)
      .get('/.well-known/commerce/schemaorg-context.jsonld')
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(Buffer.compare(res.body as Buffer, readFileSync(projectPath('well-known', 'schemaorg-30.0-context.jsonld')))).toBe(0);
  });
});

describe('the quality gate hides failing products from agents when configured', () => {
  test('UCPD_QUALITY_EXCLUDE=description,reviews: thin products are not in the feed and their documents are 404', async () => {
    const gated = await testApp([], { UCPD_QUALITY_EXCLUDE: 'description,reviews' });
    try {
      await importFeed(gated.store, jsonlFile(projectPath('demo', 'outdoor-gear.jsonl')), { clock: gated.clock });
      const thin = (await gated.store.listProducts({ limit: 500 })).items.filter((r) => r.qualityMask !== 0 || r.reviewCount === 0);
      expect(thin.length).toBeGreaterThan(0);
      const res = await request(gated.app).get('/.well-known/commerce/catalog?limit=1000').set('Accept', 'application/ld+json');
      const listed = new Set((res.body.dataFeedElement as Node[]).map((i) => (i.item as Node)['@id']));
      expect(listed.size).toBe(200 - thin.length);
      for (const r of thin) {
        expect(listed.has(`${BASE}/products/${r.product.id}`)).toBe(false);
        expect((await request(gated.app).get(`/products/${r.product.id}`)).status).toBe(404);
      }
      const sitemap = await request(gated.app).get('/sitemap-products-1.xml');
      expect(sitemap.text.match(/<url>/g)).toHaveLength(200 - thin.length);
    } finally {
      gated.app.close();
      await gated.close();
    }
  });
});
