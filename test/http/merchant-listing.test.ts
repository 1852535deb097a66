/**
 * Google's merchant-listing rules (src/check/listing.ts) over the demo store's product pages: the first
 * 20 products of the catalog feed (product groups with variants, some variants without images of their
 * own, and single products), each as JSON-LD and as the HTML page that embeds it. Zero errors, and every
 * warning is about data the demo store does not have (a variant without gtin or mpn in the feed, a price
 * without an end date); nothing the store has may be missing from a page.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import type { Variant } from '../../src/catalog/model.js';
import { embeddedJsonLd } from '../../src/check/checks/commerce.js';
import { availabilityRules, offerRules, priceRules, priceValidityRules, productRules, ratingRules, returnPolicyRules, shippingRules, type Problem, type RuleResult } from '../../src/check/listing.js';
import { nodesOf, type LdNode } from '../../src/check/nodes.js';
import { importFeed } from '../../src/feed/pipeline.js';
import { jsonlFile } from '../../src/feed/formats/jsonl.js';
import { projectPath } from '../../src/paths.js';
import type { ProductRecord } from '../../src/store/store.js';
import { testApp, type TestApp } from '../helpers/app.js';
import type { Json } from '../helpers/json.js';
import { expandChecked } from '../helpers/jsonld.js';

const BASE = 'https://shop.example';
const PAGES = 20;
const local = (url: string) => url.replace(BASE, '');

/** Every listing rule, Google's priceValidUntil recommendation included. */
const RULES: [string, (n: LdNode[]) => RuleResult][] = [
  ['product', productRules],
  ['offer', offerRules],
  ['priceValidity', priceValidityRules],
  ['shipping', shippingRules],
  ['returnPolicy', returnPolicyRules],
  ['rating', ratingRules],
  ['price', priceRules],
  ['availability', availabilityRules],
];

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
  const report = await importFeed(t.store, jsonlFile(projectPath('demo', 'outdoor-gear.jsonl')), { clock: t.clock });
  expect(report.status).toBe('applied');
});
afterAll(async () => {
  t.app.close();
  await t.close();
});

const get = (path: string, accept = 'application/ld+json') => request(t.app).get(path).set('Accept', accept);

/** The record variant a problem is about: `at` starts with the variant's @id (or a single product's). */
function variantOf(record: ProductRecord, at: string): Variant | undefined {
  const id = new URL(at.split(' > ')[0]!).searchParams.get('variant');
  return id === null ? (record.product.variants.length === 1 ? record.product.variants[0] : undefined) : record.product.variants.find((v) => v.id === id);
}

const descriptionOf = (record: ProductRecord) => record.product.description.plain ?? record.product.description.markdown ?? record.product.description.html;

/** Why the store cannot state what a warning asks for, or undefined when it could (a real gap). */
function absentData(record: ProductRecord, w: Problem, currency: string, now: Date): string | undefined {
  const variant = variantOf(record, w.at);
  if (!variant) return undefined;
  switch (w.message) {
    case 'Product has neither gtin nor mpn':
      return !variant.gtin && !variant.mpn ? 'the feed has neither gtin nor mpn for this variant' : undefined;
    case 'Product has no sku':
      return variant.sku ? undefined : 'the feed has no sku for this variant';
    case 'variant has no brand':
      return record.product.brand ? undefined : 'the product has no brand';
    case 'variant has no description':
      return descriptionOf(record) ? undefined : 'the product has no description';
    case 'Offer has no priceValidUntil': {
      const price = variant.prices.find((p) => p.currency === currency);
      return price && (price.validUntil === undefined || price.validUntil <= now.toISOString()) ? 'the price has no end date' : undefined;
    }
    default:
      return undefined;
  }
}

describe('merchant listing: the first 20 product pages of the demo store', () => {
  test('0 errors; every warning is about data the store does not have', async () => {
    const feed = await get(`/.well-known/commerce/catalog?limit=${PAGES}`);
    expect(feed.status).toBe(200);
    const items = (feed.body.dataFeedElement as Json[]).map((e) => e.item as Json);
    expect(items).toHaveLength(PAGES);

    // the compact feed form: every variant has an image (its own, else the product's first), and no more
    const compact: string[] = [];
    for (const item of items) {
      for (const v of (item.hasVariant as Json[] | undefined) ?? []) {
        if (typeof v.image !== 'string') compact.push(`${v['@id']}: no image`);
        for (const key of ['brand', 'description', 'inProductGroupWithID']) if (key in v) compact.push(`${v['@id']}: ${key} in the feed`);
      }
    }

    let nodes = 0;
    let variants = 0;
    let inherited = 0;
    const errors: Problem[] = [];
    const warnings = new Map<string, number>();
    const unexplained: Problem[] = [];
    const shape: unknown[] = [];
    const now = t.clock.now();
    for (const item of items) {
      const url = item['@id'] as string;
      const record = (await t.store.getProduct(decodeURIComponent(url.split('/products/')[1]!)))!;
      const res = await get(local(url));
      expect(res.status).toBe(200);
      const doc = res.body as Json;
      // the HTML page embeds the very same document
      const html = await get(local(url), 'text/html');
      expect(html.status).toBe(200);
      expect(embeddedJsonLd(html.text)).toEqual([doc]);

      // what the rules read: each variant a listing of its own, in the full form
      for (const v of (doc.hasVariant as Json[] | undefined) ?? []) {
        variants++;
        const source = variantOf(record, v['@id'] as string)!;
        const own = source.media.some((m) => m.type === 'image');
        if (!own) inherited++;
        const expected = { brand: doc.brand, description: doc.description, inProductGroupWithID: doc.productGroupID, ...(own ? {} : { image: doc.image }) };
        const got = Object.fromEntries(Object.keys(expected).map((k) => [k, v[k]]));
        if (JSON.stringify(got) !== JSON.stringify(expected)) shape.push({ variant: v['@id'], expected, got });
      }

      const currency = (((doc.hasVariant as Json[] | undefined)?.[0] ?? doc).offers as Json[])[0]!.priceCurrency as string;
      const ld = nodesOf((await expandChecked(doc, BASE)).expanded, url);
      nodes += ld.length;
      for (const [, rule] of RULES) {
        const r = rule(ld);
        errors.push(...r.errors);
        for (const w of r.warnings) {
          warnings.set(w.message, (warnings.get(w.message) ?? 0) + 1);
          if (!absentData(record, w, currency, now)) unexplained.push(w);
        }
      }
    }

    const total = [...warnings.values()].reduce((a, b) => a + b, 0);
    const byMessage = [...warnings].map(([m, n]) => `${m}: ${n}`).join('; ');
    console.log(`merchant listing: ${items.length} pages, ${nodes} nodes checked, ${errors.length} errors, ${total} warnings (${byMessage || 'none'})`);

    // the sample covers product groups, variants that fall back to the product's images, single products
    expect(items.some((i) => i['@type'] === 'ProductGroup')).toBe(true);
    expect(items.some((i) => i['@type'] === 'Product')).toBe(true);
    expect(variants).toBeGreaterThan(PAGES);
    expect(inherited).toBeGreaterThan(0);

    expect(errors).toEqual([]);
    expect(unexplained).toEqual([]);
    expect(shape).toEqual([]);
    expect(compact).toEqual([]);
  });
});
