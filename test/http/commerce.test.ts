/**
 * The JSON-LD catalog over the demo store: the store document and the links it gives, offline expansion of
 * every document with only known terms, bad input and the other routes (sitemap, robots.txt, the schema.org
 * context copy), and the quality gate. (Product documents: commerce-products.test.ts; the catalog feed,
 * freshness and incremental sync: commerce-feed.test.ts.)
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { readFileSync } from 'node:fs';
import { importFeed } from '../../src/feed/pipeline.js';
import { jsonlFile } from '../../src/feed/formats/jsonl.js';
import { projectPath } from '../../src/paths.js';
import { expandChecked } from '../helpers/jsonld.js';
import { testApp, type TestApp } from '../helpers/app.js';
import { BASE, commerceDemoSuite, local, type Node } from '../helpers/commerce-demo.js';

const suite = commerceDemoSuite();
const get = suite.get;
const crawl = suite.crawl;
let t: TestApp;
beforeAll(() => {
  ({ t } = suite.current());
});

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

  test('sitemap and robots.txt point crawlers at product pages and the feed; robots.txt and the home page point agents at the UCP profile', async () => {
    const robots = await get('/robots.txt', 'text/plain');
    expect(robots.text).toContain(`Sitemap: ${BASE}/sitemap.xml`);
    expect(robots.text).toContain(`${BASE}/.well-known/commerce`);
    expect(robots.text).toContain(`${BASE}/.well-known/ucp`);
    const home = await get('/', 'text/html');
    expect(home.text).toContain(`<link rel="service-desc" type="application/json" href="${BASE}/.well-known/ucp"`);
    expect(home.text).toContain(`<a href="${BASE}/.well-known/ucp">`);
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
