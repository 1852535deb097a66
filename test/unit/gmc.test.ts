import { describe, expect, test } from '@jest/globals';
import { parseGmcPrice, parseGmcShipping } from '../../src/feed/formats/gmc.js';

describe('Merchant Center attribute parsing', () => {
  test.each([
    ['15.00 USD', { amount: 1500, currency: 'USD' }],
    ['15 USD', { amount: 1500, currency: 'USD' }],
    ['USD 15.5', { amount: 1550, currency: 'USD' }],
    ['1200 JPY', { amount: 1200, currency: 'JPY' }],
  ])('price %s', (text, expected) => expect(parseGmcPrice(text, 'price')).toEqual(expected));

  test.each([['15.00'], ['15,00 EUR'], ['USD 15 USD'], ['15.001 USD'], ['15 XXQ']])('rejects price %s', (text) => {
    expect(() => parseGmcPrice(text, 'price')).toThrow();
  });

  test('shipping: country, region or postal prefix, service and price, several comma-separated', () => {
    expect(parseGmcShipping('US:CA:Overnight:16.00 USD, US::Standard:4.95 USD,US:94*:Courier:9.00 USD')).toEqual([
      { country: 'US', region: 'CA', service: 'Overnight', price: { amount: 1600, currency: 'USD' } },
      { country: 'US', service: 'Standard', price: { amount: 495, currency: 'USD' } },
      { country: 'US', postal_prefix: '94', service: 'Courier', price: { amount: 900, currency: 'USD' } },
    ]);
    expect(() => parseGmcShipping('US:4.95 USD')).toThrow(/country:region:service:price/);
  });
});
