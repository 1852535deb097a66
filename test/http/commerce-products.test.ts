/**
 * Product documents over the demo store: a ProductGroup's offers against the store (prices that round-trip,
 * availability, stock per location), every catalog offer's price, shipping details and return policies by
 * buyer context, reviews and certifications, content negotiation and variant @ids.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { summarizeStock } from '../../src/catalog/availability.js';
import { parseDecimal } from '../../src/catalog/money.js';
import type { TestApp } from '../helpers/app.js';
import { BASE, commerceDemoSuite, local, type Node } from '../helpers/commerce-demo.js';

const suite = commerceDemoSuite();
const get = suite.get;
const crawl = suite.crawl;
let t: TestApp;
beforeAll(() => {
  ({ t } = suite.current());
});

function offersOf(node: Node): Node[] {
  const variants = (node.hasVariant as Node[] | undefined) ?? [node];
  return variants.flatMap((v) => v.offers as Node[]);
}

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
