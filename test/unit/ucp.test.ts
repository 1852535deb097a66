import { describe, expect, test } from '@jest/globals';
import { isCurrencyCode, minorUnitExponent } from '../../src/catalog/money.js';
import { canonicalJson, isCanonical, withKey } from '../../src/util/canonical-json.js';
import { ftsQuery, mentions, sizeValues, stemOf, understand } from '../../src/ucp/catalog/query.js';
import { countryCode, offerContext, regionCode } from '../../src/ucp/context.js';
import { UcpProtocolError } from '../../src/ucp/errors.js';
import { envelope, intersect, negotiate, profileUrlFromHeader, type PlatformProfile } from '../../src/ucp/negotiation.js';
import { profileProblems, ttlSeconds } from '../../src/ucp/platforms.js';
import { projectPath } from '../../src/paths.js';
import { readFileSync } from 'node:fs';
import { businessProfile, catalogCapabilities } from '../../src/ucp/profile.js';
import { BUSINESS_PROFILE, expectValid } from '../helpers/ucp.js';

const SEARCH = 'dev.ucp.shopping.catalog.search';
const LOOKUP = 'dev.ucp.shopping.catalog.lookup';
const INV = 'dev.ucpd.shopping.inventory';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof UcpProtocolError) return `${err.code} ${err.status}`;
    throw err;
  }
  return undefined;
}

describe('UCP-Agent header', () => {
  test('reads the profile member of an RFC 8941 dictionary', () => {
    expect(profileUrlFromHeader('profile="https://agent.example/p.json"')).toBe('https://agent.example/p.json');
    expect(profileUrlFromHeader('version="2026-04-08", profile="https://agent.example/p.json";x=1')).toBe('https://agent.example/p.json');
  });
  test('reads an unquoted URL leniently (validated strictly afterwards)', () => {
    expect(profileUrlFromHeader('profile=https://agent.example/p.json')).toBe('https://agent.example/p.json');
  });
  test('missing header or member is invalid_profile_url 400', () => {
    expect(code(() => profileUrlFromHeader(undefined))).toBe('invalid_profile_url 400');
    expect(code(() => profileUrlFromHeader(''))).toBe('invalid_profile_url 400');
    expect(code(() => profileUrlFromHeader('agent="x"'))).toBe('invalid_profile_url 400');
    expect(code(() => profileUrlFromHeader('profile=?1'))).toBe('invalid_profile_url 400');
  });
});

describe('capability intersection', () => {
  const business = catalogCapabilities();
  test('keeps shared capabilities at the highest version both list', () => {
    const got = intersect({ [SEARCH]: [{ version: '2026-01-01' }, { version: '2026-04-08' }, { version: '2026-09-01' }] }, { [SEARCH]: [{ version: '2026-01-01' }, { version: '2026-04-08' }] });
    expect(got.get(SEARCH)?.version).toBe('2026-04-08');
  });
  test('drops capabilities without a common version, and capabilities the platform does not list', () => {
    const got = intersect(business, { [SEARCH]: [{ version: '2025-01-01' }], [LOOKUP]: [{ version: '2026-04-08' }] });
    expect([...got.keys()]).toEqual([LOOKUP]);
  });
  test('prunes an extension whose parents all went (multi-parent: one parent is enough)', () => {
    expect([...intersect(business, { [LOOKUP]: [{ version: '2026-04-08' }], [INV]: [{ version: '2026-04-08' }] }).keys()].sort()).toEqual([LOOKUP, INV].sort());
    expect([...intersect(business, { [INV]: [{ version: '2026-04-08' }] }).keys()]).toEqual([]);
  });
  test('prunes transitively until stable', () => {
    const got = intersect({ a: [{ version: '1' }], 'a.b': [{ version: '1', extends: 'a' }], 'a.b.c': [{ version: '1', extends: 'a.b' }] }, { 'a.b': [{ version: '1' }], 'a.b.c': [{ version: '1' }] });
    expect(got.size).toBe(0);
  });
});

describe('version negotiation', () => {
  const caps = catalogCapabilities();
  const business = {
    current: '2026-04-08',
    byVersion: new Map([
      ['2026-04-08', caps],
      ['2026-01-23', caps],
    ]),
  };
  const platform = (version: string): PlatformProfile => ({ url: 'https://a.example/p', version, capabilities: { [SEARCH]: [{ version: '2026-04-08' }] }, signingKeys: [], source: 'registry' });
  test('equal version', () => {
    const n = negotiate(business, platform('2026-04-08'));
    expect(n.version).toBe('2026-04-08');
    expect(envelope(n, SEARCH)).toEqual({ version: '2026-04-08', capabilities: { [SEARCH]: [{ version: '2026-04-08' }] } });
  });
  test('an older version the business supports: the response carries that version', () => {
    expect(negotiate(business, platform('2026-01-23')).version).toBe('2026-01-23');
  });
  test('any other version is version_unsupported 422', () => {
    expect(code(() => negotiate(business, platform('2025-12-31')))).toBe('version_unsupported 422');
    expect(code(() => negotiate(business, platform('2027-01-01')))).toBe('version_unsupported 422');
  });
  test('the envelope lists the capability and its negotiated extensions only', () => {
    const n = negotiate(business, { ...platform('2026-04-08'), capabilities: { [SEARCH]: [{ version: '2026-04-08' }], [LOOKUP]: [{ version: '2026-04-08' }], [INV]: [{ version: '2026-04-08' }] } });
    expect(Object.keys(envelope(n, LOOKUP).capabilities).sort()).toEqual([LOOKUP, INV].sort());
  });
});

describe('business profile', () => {
  test('validates against the official profile schema; dev.ucp.* URLs stay on ucp.dev, ucpd URLs on ucpd.dev', () => {
    const doc = businessProfile({
      endpoint: 'https://shop.example/ucp/v1',
      capabilities: catalogCapabilities(),
      signingKeys: [{ kid: 'k1', kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }],
      supportedVersions: { '2026-01-23': 'https://shop.example/.well-known/ucp/2026-01-23' },
      version: '2026-04-08',
    });
    expectValid(BUSINESS_PROFILE, doc);
    for (const [name, entries] of Object.entries(doc.ucp.capabilities!)) {
      const authority = name.split('.').slice(0, 2).reverse().join('.');
      for (const e of entries) {
        expect(new URL(e.spec!).host).toBe(authority);
        expect(new URL(e.schema!).host).toBe(authority);
      }
    }
    expect(doc.signing_keys).toEqual([{ kid: 'k1', kty: 'EC', crv: 'P-256', x: 'x', y: 'y', use: 'sig', alg: 'ES256' }]);
  });
  test('the example agent profile in demo/ (used by the README) is a valid platform profile', () => {
    const doc = JSON.parse(readFileSync(projectPath('demo', 'agent-profile.json'), 'utf8')) as unknown;
    expect(profileProblems(doc)).toEqual([]);
  });
  test('cache lifetime of fetched profiles: max-age clamped to [60 s, 1 h]', () => {
    expect(ttlSeconds(undefined)).toBe(60);
    expect(ttlSeconds('no-store')).toBe(60);
    expect(ttlSeconds('public, max-age=5')).toBe(60);
    expect(ttlSeconds('public, max-age=600')).toBe(600);
    expect(ttlSeconds('max-age=999999')).toBe(3600);
  });
});

describe('reading the query text', () => {
  const o = { isCurrency: isCurrencyCode, exponent: minorUnitExponent, dollar: 'USD', fallbackCurrency: 'USD' };
  test.each([
    ['waterproof jacket under $100', { max: 10000, currency: 'USD' }, ['waterproof', 'jacket']],
    ['boots below 80 euros', { max: 8000, currency: 'EUR' }, ['boots']],
    ['tent between 200 and 350 USD', { min: 20000, max: 35000, currency: 'USD' }, ['tent']],
    ['pack $50-$80', { min: 5000, max: 8000, currency: 'USD' }, ['pack']],
    ['sleeping bag over £150', { min: 15000, currency: 'GBP' }, ['sleeping', 'bag']],
    ['stove under 30', { max: 3000 }, ['stove']],
    ['headlamp <= 45.50 cad', { max: 4550, currency: 'CAD' }, ['headlamp']],
  ])('%s', (text, price, terms) => {
    const q = understand(text, o);
    expect(q.price).toMatchObject(price);
    expect(q.terms).toEqual(terms);
  });
  test('"$" means the buyer\'s dollar currency', () => {
    expect(understand('jacket under $100', { ...o, dollar: 'CAD' }).price).toMatchObject({ max: 10000, currency: 'CAD' });
  });
  test('numbers that are not prices stay words: "2-person tent", "10-20 litre"', () => {
    expect(understand('2-person tent', o)).toEqual({ terms: ['2', 'person', 'tent'], inStock: false, options: [] });
    expect(understand('pack 10-20 litre', o).price).toBeUndefined();
  });
  test('in stock, sizes, stopwords', () => {
    const q = understand('I need some waterproof hiking boots in size 10 that are in stock', o);
    expect(q.inStock).toBe(true);
    expect(q.options).toEqual([{ name: 'size', values: ['10', 'us 10', '10 us', 'eu 10', 'uk 10'], text: 'in size 10' }]);
    expect(q.terms).toEqual(['waterproof', 'hiking', 'boots']);
    expect(understand('fleece size medium', o).options[0]!.values).toEqual(['m', 'medium', 's/m', 'm/l']);
    expect(sizeValues('XL')).toEqual(['xl', 'x-large', 'extra large', 'l/xl', 'xl/xxl']);
  });
  test('FTS queries quote every word, so operators cannot be injected', () => {
    expect(ftsQuery(['rain', 'jacket'], 'all')).toBe('"rain" "jacket"');
    expect(ftsQuery(['a"b', 'NEAR'], 'any')).toBe('"a""b" OR "NEAR"');
  });
  test('explanations find stems at word starts only', () => {
    expect(stemOf('jackets')).toBe('jacket');
    expect(stemOf('hiking')).toBe('hik');
    expect(mentions('Rain Jacket', stemOf('jackets'))).toBe(true);
    expect(mentions('Overjacket', 'jacket')).toBe(false);
  });
});

describe('buyer context', () => {
  test('countries as alpha-2, alpha-3 or English names; regions as codes or names', () => {
    expect(countryCode('us')).toBe('US');
    expect(countryCode('SGP')).toBe('SG');
    expect(countryCode('Singapore')).toBe('SG');
    expect(countryCode('Atlantis')).toBeUndefined();
    expect(regionCode('US', 'California')).toBe('CA');
    expect(regionCode('US', 'US-CA')).toBe('CA');
    expect(regionCode('CA', 'Québec')).toBe('QC');
  });
  const rules = (currencies: string[]) => ({
    merchant: { legalName: 'S', name: 'S', url: 'http://127.0.0.1', support: {}, policies: {}, country: 'US', currencies, languages: ['en'] },
    defaultCurrency: 'USD',
    rates: [],
  });
  test('unusable hints are ignored with a warning, never an error', () => {
    const { context, messages } = offerContext({ address_country: 'Atlantis', address_region: 'X', postal_code: '!!', currency: 'dollars', language: 'en-CA' }, rules(['USD']));
    expect(context).toEqual({ lang: 'en-ca' });
    expect(messages.map((m) => (m.type === 'warning' ? m.path : m.type))).toEqual(['$.context.address_country', '$.context.address_region', '$.context.postal_code', '$.context.currency']);
  });
  test('a currency the store does not sell in is kept (prices fall back) and said', () => {
    const { context, messages } = offerContext({ address_country: 'DE', currency: 'eur' }, rules(['USD', 'CAD']));
    expect(context).toEqual({ country: 'DE', currency: 'EUR' });
    expect(messages).toEqual([expect.objectContaining({ type: 'info', code: 'currency_unavailable' })]);
  });
});

describe('canonical JSON (RFC 8785 for the values ucpd emits)', () => {
  test('keys sorted recursively by code unit, undefined dropped, numbers and strings as ECMAScript prints them', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: undefined, x: 'é' }], c: 1e21 }, A: 0.1 })).toBe('{"A":0.1,"a":{"c":1e+21,"d":[3,{"x":"é","z":1}]},"b":1}');
  });
  test('withKey keeps a sorted object sorted (insert, replace, append)', () => {
    const o = { a: 1, c: 3, e: 5 };
    expect(JSON.stringify(withKey(o, 'b', 2))).toBe('{"a":1,"b":2,"c":3,"e":5}');
    expect(JSON.stringify(withKey(o, 'c', 9))).toBe('{"a":1,"c":9,"e":5}');
    expect(JSON.stringify(withKey(o, 'z', 0))).toBe('{"a":1,"c":3,"e":5,"z":0}');
    expect(isCanonical(withKey(o, 'b', { y: 1, x: 2 }))).toBe(false);
    expect(o).toEqual({ a: 1, c: 3, e: 5 });
  });
});
