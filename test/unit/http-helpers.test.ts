import { describe, expect, test } from '@jest/globals';
import { negotiate } from '../../src/edge/accept.js';
import { parseOfferContext } from '../../src/publish/context.js';

describe('content negotiation', () => {
  const offered = ['application/ld+json', 'application/json', 'text/html'];
  test.each([
    [undefined, 'application/ld+json'],
    ['*/*', 'application/ld+json'],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'text/html'],
    ['application/json', 'application/json'],
    ['application/ld+json;profile="https://schema.org", */*;q=0.1', 'application/ld+json'],
    ['application/*;q=0.5, text/html;q=0.4', 'application/ld+json'],
    ['image/png', undefined],
    ['text/html;q=0', undefined],
  ])('Accept: %s -> %s', (accept, expected) => expect(negotiate(accept, offered)).toBe(expected));
});

describe('offer context', () => {
  test('query parameters, then a header with the same keys', () => {
    expect(parseOfferContext(new URLSearchParams('country=ca&region=ON&postal_code=m5v 2t6&currency=cad&lang=fr-CA'))).toEqual({
      country: 'CA',
      region: 'ON',
      postalCode: 'M5V 2T6',
      currency: 'CAD',
      lang: 'fr-ca',
    });
    expect(parseOfferContext(new URLSearchParams('currency=EUR'), 'country=DE, currency=USD')).toEqual({ country: 'DE', currency: 'EUR' });
    expect(parseOfferContext(new URLSearchParams(''))).toEqual({});
  });
  test.each([
    ['country=USA', 'country'],
    ['currency=EURO', 'currency'],
    ['region=CA', 'region'],
    ['country=US&postal_code=<script>', 'postal_code'],
    ['lang=english!', 'lang'],
  ])('%s is a 400 naming %s', (q, parameter) => {
    expect(() => parseOfferContext(new URLSearchParams(q))).toThrow(expect.objectContaining({ kind: 'invalid_input', details: { parameter } }) as never);
  });
});
