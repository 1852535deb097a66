/** The conformance suite's pure parts: merchant-listing rules over expanded JSON-LD, report formats. */
import { describe, expect, test } from '@jest/globals';
import { embeddedJsonLd, firstDifference } from '../../src/check/checks/commerce.js';
import { expandChecked } from '../../src/check/jsonld.js';
import { availabilityRules, offerRules, priceRules, priceValidityRules, productRules, ratingRules, returnPolicyRules, shippingRules } from '../../src/check/listing.js';
import type { Report } from '../../src/check/model.js';
import { idsIn, nodesOf } from '../../src/check/nodes.js';
import { junitReport, formatReport } from '../../src/check/report.js';

const BASE = 'https://shop.example';

async function nodes(doc: object) {
  const x = await expandChecked({ '@context': 'https://schema.org', ...doc }, BASE);
  return nodesOf(x.expanded, `${BASE}/doc`);
}

const offer = (over: object = {}) => ({
  '@type': 'Offer',
  price: '19.99',
  priceCurrency: 'USD',
  availability: 'https://schema.org/InStock',
  itemCondition: 'https://schema.org/NewCondition',
  inventoryLevel: { '@type': 'QuantitativeValue', value: 3 },
  ...over,
});
const product = (over: object = {}) => ({
  '@type': 'Product',
  '@id': `${BASE}/p/1`,
  name: 'Tent',
  image: `${BASE}/t.jpg`,
  sku: 'T1',
  gtin: '0841234008321',
  brand: { '@type': 'Brand', name: 'B' },
  description: 'A tent',
  offers: offer(),
  ...over,
});

describe('listing rules', () => {
  test('a complete product passes every rule; each missing required property is named', async () => {
    const good = await nodes(product());
    expect(productRules(good)).toMatchObject({ checked: 1, errors: [], warnings: [] });
    expect(offerRules(good)).toMatchObject({ checked: 1, errors: [], warnings: [] });
    const bad = await nodes(product({ name: undefined, image: undefined, offers: offer({ priceCurrency: undefined, availability: undefined }) }));
    expect(productRules(bad).errors.map((e) => e.message)).toEqual(['Product has no name', 'Product has no image']);
    expect(offerRules(bad).errors.map((e) => e.message)).toEqual(['Offer has no priceCurrency', 'Offer has no availability']);
    expect(offerRules(bad).errors[0]!.at).toBe(`${BASE}/p/1 > offers(Offer)`);
  });

  test('a price in priceSpecification counts', async () => {
    const spec = await nodes(
      product({ offers: offer({ price: undefined, priceCurrency: undefined, priceSpecification: { '@type': 'UnitPriceSpecification', price: '5.00', priceCurrency: 'EUR' } }) }),
    );
    expect(offerRules(spec).errors).toEqual([]);
    const empty = await nodes({ '@type': 'ProductGroup', '@id': `${BASE}/g`, name: 'G' });
    expect(productRules(empty).errors.map((e) => e.message)).toEqual(['ProductGroup has no productGroupID', 'ProductGroup has no hasVariant']);
  });

  describe('product groups: each variant is a listing of its own', () => {
    const variant = (over: object = {}) => product({ '@id': `${BASE}/g?variant=1`, inProductGroupWithID: 'g', ...over });
    const group = (...variants: object[]) =>
      nodes({
        '@type': 'ProductGroup',
        '@id': `${BASE}/g`,
        name: 'G',
        productGroupID: 'g',
        image: `${BASE}/g.jpg`,
        variesBy: 'https://schema.org/size',
        brand: { '@type': 'Brand', name: 'B' },
        description: 'd',
        hasVariant: variants,
      });

    test('a complete variant passes; without its own image it is an error, whatever the group has', async () => {
      expect(productRules(await group(variant()))).toMatchObject({ checked: 2, errors: [], warnings: [] });
      const bare = productRules(await group(variant({ image: undefined })));
      expect(bare.errors).toEqual([{ at: `${BASE}/g?variant=1`, message: 'variant has no image of its own (its group image does not count)' }]);
      expect(bare.warnings).toEqual([]);
      // a variant named by isVariantOf alone (not nested) is judged the same way
      const linked = await nodes(variant({ inProductGroupWithID: undefined, isVariantOf: { '@id': `${BASE}/g` }, image: undefined }));
      expect(productRules(linked).errors.map((e) => e.message)).toEqual(['variant has no image of its own (its group image does not count)']);
      // a product that is no variant keeps its own message
      expect(productRules(await nodes(product({ image: undefined }))).errors.map((e) => e.message)).toEqual(['Product has no image']);
    });

    test('brand, description and inProductGroupWithID are warned per variant, not inherited from the group', async () => {
      const r = productRules(await group(variant({ brand: undefined, description: undefined, inProductGroupWithID: undefined, gtin: undefined, sku: undefined })));
      expect(r.errors).toEqual([]);
      expect(r.warnings.map((w) => w.message)).toEqual([
        'Product has neither gtin nor mpn',
        'Product has no sku',
        'variant has no brand',
        'variant has no description',
        'variant has no inProductGroupWithID',
      ]);
      expect(new Set(r.warnings.map((w) => w.at))).toEqual(new Set([`${BASE}/g?variant=1`]));
      // an mpn stands in for a gtin; each property added takes its warning away
      expect(productRules(await group(variant({ gtin: undefined, mpn: 'M-1', description: undefined }))).warnings.map((w) => w.message)).toEqual(['variant has no description']);
    });

    test("an inProductGroupWithID other than the group's productGroupID is an error", async () => {
      const r = productRules(await group(variant({ inProductGroupWithID: 'other' })));
      expect(r.errors.map((e) => e.message)).toEqual(['inProductGroupWithID "other" is not its group\'s productGroupID "g"']);
    });
  });

  test('priceValidUntil: a warning of its own rule on shipped offers, none on pickup offers, none in offerRules', async () => {
    const pickup = offer({ availableDeliveryMethod: 'https://schema.org/OnSitePickup', availableAtOrFrom: { '@id': `${BASE}/#store` } });
    const n = await nodes(product({ offers: [offer(), offer({ priceValidUntil: '2026-12-31' }), pickup] }));
    expect(priceValidityRules(n)).toEqual({ checked: 2, errors: [], warnings: [{ at: `${BASE}/p/1 > offers(Offer)`, message: 'Offer has no priceValidUntil' }] });
    expect(offerRules(n)).toMatchObject({ checked: 3, errors: [], warnings: [] });
    // the pickup method written as a compact IRI or a plain string is still a pickup offer
    const other = await nodes(
      product({ offers: [offer({ availableDeliveryMethod: 'OnSitePickup', priceValidUntil: undefined }), offer({ availableDeliveryMethod: { '@id': 'schema:OnSitePickup' } })] }),
    );
    expect(priceValidityRules(other)).toMatchObject({ checked: 0, warnings: [] });
  });

  test('prices: decimal strings with an ISO 4217 currency, on offers and amounts', async () => {
    const n = await nodes(product({ offers: [offer({ price: 19.99 }), offer({ price: '1,299.00' }), offer({ price: '$5' }), offer({ priceCurrency: 'usd' })] }));
    expect(priceRules(n).errors.map((e) => e.message)).toEqual([
      'price 19.99 is a JSON number, not a decimal string',
      'price "1,299.00" is not a plain decimal (digits, optional "." and decimals; no symbols, no thousands separators)',
      'price "$5" is not a plain decimal (digits, optional "." and decimals; no symbols, no thousands separators)',
      'priceCurrency "usd" is not an ISO 4217 code',
    ]);
    const rate = await nodes(
      product({
        offers: offer({
          shippingDetails: { '@type': 'OfferShippingDetails', shippingDestination: { '@type': 'DefinedRegion', addressCountry: 'US' }, shippingRate: { '@type': 'MonetaryAmount', value: 4.95 } },
        }),
      }),
    );
    expect(priceRules(rate).errors.map((e) => e.message)).toEqual(['shippingRate value 4.95 is a JSON number, not a decimal string', 'shippingRate value has no currency']);
  });

  test('availability: an ItemAvailability IRI that agrees with the stock level', async () => {
    const n = await nodes(
      product({
        offers: [
          offer({ availability: 'https://schema.org/OutOfStock' }),
          offer({ inventoryLevel: { '@type': 'QuantitativeValue', value: 0 } }),
          offer({ availability: 'InStock' }),
          offer({ availability: 'https://schema.org/BackOrder', inventoryLevel: { '@type': 'QuantitativeValue', value: 0 } }),
        ],
      }),
    );
    expect(availabilityRules(n).errors.map((e) => e.message)).toEqual([
      'availability OutOfStock but inventoryLevel 3',
      'availability InStock but inventoryLevel 0',
      'availability "InStock" is not a schema.org ItemAvailability IRI',
    ]);
  });

  test('shipping details, return policies, ratings and reviews', async () => {
    const ship = await nodes(
      product({
        offers: offer({
          shippingDetails: [
            { '@type': 'OfferShippingDetails', shippingRate: { '@type': 'MonetaryAmount', value: '0', currency: 'USD' } },
            { '@type': 'OfferShippingDetails', shippingDestination: { '@type': 'DefinedRegion', addressCountry: 'US' }, doesNotShip: true },
          ],
        }),
      }),
    );
    expect(shippingRules(ship)).toMatchObject({
      checked: 2,
      errors: [{ message: 'OfferShippingDetails has no shippingDestination' }],
      warnings: [{ message: 'OfferShippingDetails has no deliveryTime' }],
    });
    // a country-wide rate: no addressRegion, no postalCode, and no warning for them (Google lists them as optional)
    const countryWide = await nodes(
      product({
        offers: offer({
          shippingDetails: {
            '@type': 'OfferShippingDetails',
            shippingDestination: { '@type': 'DefinedRegion', addressCountry: 'US' },
            shippingRate: { '@type': 'MonetaryAmount', value: '7.95', currency: 'USD' },
            deliveryTime: {
              '@type': 'ShippingDeliveryTime',
              handlingTime: { '@type': 'QuantitativeValue', minValue: 0, maxValue: 1 },
              transitTime: { '@type': 'QuantitativeValue', minValue: 3, maxValue: 5 },
            },
          },
        }),
      }),
    );
    expect(shippingRules(countryWide)).toEqual({ checked: 1, errors: [], warnings: [] });
    const noCountry = await nodes(
      product({
        offers: offer({
          shippingDetails: {
            '@type': 'OfferShippingDetails',
            shippingDestination: { '@type': 'DefinedRegion', addressRegion: 'CA' },
            shippingRate: { '@type': 'MonetaryAmount', value: '0', currency: 'USD' },
          },
        }),
      }),
    );
    expect(shippingRules(noCountry).errors.map((e) => e.message)).toEqual(['shippingDestination has no addressCountry']);
    const returns = await nodes({
      '@type': 'OnlineStore',
      '@id': `${BASE}/#s`,
      hasMerchantReturnPolicy: [
        { '@type': 'MerchantReturnPolicy', applicableCountry: 'US', returnPolicyCategory: 'https://schema.org/MerchantReturnFiniteReturnWindow' },
        { '@type': 'MerchantReturnPolicy', returnPolicyCategory: 'https://schema.org/ThirtyDays' },
        { '@type': 'MerchantReturnPolicy', applicableCountry: 'US', returnPolicyCategory: 'https://schema.org/MerchantReturnNotPermitted' },
      ],
    });
    expect(returnPolicyRules(returns).errors.map((e) => e.message)).toEqual([
      'a finite return window needs merchantReturnDays',
      'returnPolicyCategory "https://schema.org/ThirtyDays" is not a MerchantReturnEnumeration member',
      'MerchantReturnPolicy has no applicableCountry',
    ]);
    const ratings = await nodes(
      product({
        aggregateRating: { '@type': 'AggregateRating', ratingValue: 6, reviewCount: 2 },
        review: [
          { '@type': 'Review', reviewRating: { '@type': 'Rating', ratingValue: 4 }, author: { '@type': 'Person', name: 'A' }, datePublished: '2026-01-01' },
          { '@type': 'Review', reviewRating: { '@type': 'Rating', ratingValue: 0, worstRating: 1 } },
        ],
      }),
    );
    expect(ratingRules(ratings).errors.map((e) => e.message)).toEqual(['ratingValue 6 is outside 1..5', 'Review has no author', 'reviewRating 0 is outside 1..5']);
  });
});

describe('helpers', () => {
  test('embedded JSON-LD, identifiers, first difference', () => {
    const html = '<html><script type="application/ld+json">{"@id":"a","x":1}</script><script type=application/ld+json>{"bad"</script></html>';
    expect(embeddedJsonLd(html)).toEqual([{ '@id': 'a', x: 1 }, undefined]);
    expect([...idsIn({ '@id': '/p/1', offers: [{ id: 'https://x.example/c' }] }, `${BASE}/doc`)]).toEqual([`${BASE}/p/1`, 'https://x.example/c']);
    expect(firstDifference({ a: [1, { b: 2 }] }, { a: [1, { b: 3 }] })).toBe('$.a[1].b: 2 vs 3');
    expect(firstDifference({ a: 1 }, { a: 1 })).toBeUndefined();
  });

  test('reports: text summary, JUnit with failures escaped and skips', () => {
    const report: Report = {
      base: BASE,
      startedAt: '2026-11-29T00:00:00.000Z',
      durationMs: 1500,
      requests: 3,
      ok: false,
      summary: { pass: 1, fail: 1, warn: 0, skip: 1 },
      results: [
        { id: 'a.one', group: 'commerce', severity: 'required', title: 't', spec: 's', status: 'pass', message: 'fine', evidence: [], ms: 1 },
        { id: 'a.two', group: 'commerce', severity: 'required', title: 't', spec: 'RFC <1>', status: 'fail', message: 'bad "x" & <y>', evidence: [{ url: 'u', expected: 'e', got: 'g' }], ms: 2 },
        { id: 'b.one', group: 'trust', severity: 'required', title: 't', spec: 's', status: 'skip', message: 'no DID', evidence: [], ms: 0 },
      ],
    };
    expect(formatReport(report)).toMatch(/FAIL {2}a\.two\s+bad "x" & <y>\n\s+at: u\n\s+expected: e\n\s+got: g\n\s+spec: RFC <1>/);
    expect(formatReport(report)).toMatch(/1 passed, 1 failed, 0 warnings, 1 skipped in 1\.5 s \(3 requests\)\nresult: FAILED/);
    const xml = junitReport(report);
    expect(xml).toContain('<failure message="bad &quot;x&quot; &amp; &lt;y&gt;" type="required">');
    expect(xml).toContain('<skipped message="no DID"/>');
    expect(xml).toMatch(/<testsuite name="commerce" tests="2" failures="1" skipped="0"/);
  });
});
