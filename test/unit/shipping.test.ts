import { describe, expect, test } from '@jest/globals';
import type { ReturnPolicy, ShippingRate } from '../../src/catalog/model.js';
import { deliveryDays, destinationRates, ratesFor, returnPoliciesFor, servedCountries } from '../../src/catalog/shipping.js';

const rate = (id: string, country: string, serviceLevel: string, price: number, over: Partial<ShippingRate> = {}): ShippingRate => ({
  id,
  title: id,
  country,
  serviceLevel,
  price,
  currency: 'USD',
  ...over,
});
const rates = [
  rate('std', '*', 'standard', 500),
  rate('exp-intl', '*', 'express', 2500),
  rate('exp-us', 'US', 'express', 1500),
  rate('std-us', 'US', 'standard', 700),
  rate('std-ak', 'US', 'standard', 1900, { region: 'AK' }),
  rate('std-nyc', 'US', 'standard', 300, { postalPrefix: '100' }),
];

describe('rates for a destination', () => {
  test.each([
    [{ country: 'US' }, ['std-us', 'exp-us']],
    [{ country: 'US', region: 'AK' }, ['exp-us', 'std-ak']],
    [{ country: 'US', region: 'NY', postalCode: '10012' }, ['std-nyc', 'exp-us']],
    [{ country: 'FR' }, ['std', 'exp-intl']],
  ])('%j -> %j (most specific per service level, cheapest first)', (dest, ids) => {
    expect(ratesFor(rates, dest).map((r) => r.id)).toEqual(ids);
  });

  test('the flower shop: the default standard rate applies in the US next to the US express rate', () => {
    const flower = [rate('std-ship', '*', 'standard', 500), rate('exp-ship-us', 'US', 'express', 1500), rate('exp-ship-intl', '*', 'express', 2500)];
    expect(ratesFor(flower, { country: 'US' }).map((r) => r.id)).toEqual(['std-ship', 'exp-ship-us']);
    expect(destinationRates(flower, ['US']).map((d) => [d.destination, d.rate.id])).toEqual([
      [{ country: 'US' }, 'std-ship'],
      [{ country: 'US' }, 'exp-ship-us'],
    ]);
  });

  test('context-free destinations include region- and postal-specific rates for their own area', () => {
    expect(destinationRates(rates, ['US']).map((d) => `${JSON.stringify(d.destination)} ${d.rate.id}`)).toEqual([
      '{"country":"US"} std-us',
      '{"country":"US"} exp-us',
      '{"country":"US","region":"AK"} std-ak',
      '{"country":"US","postalCode":"100"} std-nyc',
    ]);
  });

  test('served countries', () => {
    expect(servedCountries({ country: 'US' }, rates, [{ countries: ['GB'] } as ReturnPolicy], [])).toEqual(['GB', 'US']);
  });

  test('delivery days add handling and transit', () => {
    expect(deliveryDays(rate('x', 'US', 'standard', 1, { handlingDays: { min: 0, max: 1 }, transitDays: { min: 3, max: 5 } }))).toEqual({ min: 3, max: 6 });
    expect(deliveryDays(rate('x', 'US', 'standard', 1))).toBeUndefined();
  });
});

describe('return policies', () => {
  const p = (id: string, countries: string[], isDefault = false) => ({ id, countries, isDefault }) as ReturnPolicy;
  const policies = [p('standard', ['US', 'CA'], true), p('intl', ['GB', 'DE']), p('final', [])];
  test('a product override wins; else the country policy; else all store-level ones', () => {
    expect(returnPoliciesFor(policies, 'final', 'US').map((x) => x.id)).toEqual(['final']);
    expect(returnPoliciesFor(policies, undefined, 'GB').map((x) => x.id)).toEqual(['intl']);
    expect(returnPoliciesFor(policies, undefined, undefined).map((x) => x.id)).toEqual(['standard', 'intl']);
    expect(returnPoliciesFor(policies, undefined, 'JP')).toEqual([]);
    expect(returnPoliciesFor([p('any', [], true)], undefined, 'JP').map((x) => x.id)).toEqual(['any']);
  });
});
