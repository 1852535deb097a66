import { describe, expect, test } from '@jest/globals';
import type { InventoryLevel, Location, Merchant, Promotion, ShippingRate, TaxRate } from '../../src/catalog/model.js';
import { orderTax, taxFor, taxNote } from '../../src/publish/tax.js';
import { addBusinessDays, calendar, localTime, offsetMinutes, zonedInstant } from '../../src/publish/calendar.js';
import { arrivalInstants, deliveryWindow } from '../../src/publish/delivery.js';
import { pickupReadiness } from '../../src/publish/pickup.js';
import { currencyFor, freeShipping, nextPromotionChange, pickupOptions, priceFor, priceIn, shippingOptions, type OfferRules } from '../../src/publish/offers.js';

const merchant: Merchant = { legalName: 'S', name: 'S', url: 'http://127.0.0.1', support: {}, policies: {}, country: 'US', currencies: ['USD', 'CAD', 'EUR', 'GBP'], languages: ['en'] };
const rate = (id: string, country: string, serviceLevel: string, price: number, currency: string, over: Partial<ShippingRate> = {}): ShippingRate => ({
  id,
  title: id,
  country,
  serviceLevel,
  price,
  currency,
  handlingDays: { min: 0, max: 1 },
  transitDays: { min: 3, max: 5 },
  cutoffTime: '14:00',
  ...over,
});
const weekdays = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'];
const reno: Location = {
  id: 'wh',
  name: 'Reno',
  kind: 'warehouse',
  pickup: false,
  address: { country: 'US', locality: 'Reno' },
  hours: [],
  timeZone: 'America/Los_Angeles',
  businessDays: weekdays,
  holidays: ['2026-12-25'],
};
const denver: Location = {
  id: 'den',
  name: 'Denver',
  kind: 'store',
  pickup: true,
  address: { country: 'US', locality: 'Denver' },
  hours: [
    { days: weekdays, opens: '10:00', closes: '20:00' },
    { days: ['Saturday'], opens: '09:00', closes: '18:00' },
  ],
  timeZone: 'America/Denver',
  businessDays: [...weekdays, 'Saturday'],
  holidays: ['2026-12-25'],
  pickupReadyMinutes: 60,
};
const freeUs: Promotion = {
  id: 'free',
  type: 'free_shipping',
  description: 'Free standard shipping on US orders over $99',
  minSubtotal: 9900,
  currency: 'USD',
  eligibleIds: [],
  countries: ['US'],
  serviceLevels: ['standard'],
};
const rules = (over: Partial<OfferRules> = {}): OfferRules => ({
  merchant,
  locations: [reno, denver],
  rates: [
    rate('us-std', 'US', 'standard', 795, 'USD'),
    rate('us-exp', 'US', 'express', 1995, 'USD', { transitDays: { min: 1, max: 2 } }),
    rate('ak-std', 'US', 'standard', 1995, 'USD', { region: 'AK', transitDays: { min: 6, max: 10 } }),
    rate('ca-std', 'CA', 'standard', 1495, 'CAD'),
    rate('de-std', 'DE', 'standard', 1495, 'EUR'),
    rate('intl', '*', 'express', 4995, 'USD'),
  ],
  taxRates: [],
  promotions: [freeUs],
  policies: [],
  defaultCurrency: 'USD',
  now: new Date('2026-12-02T18:00:00Z'), // Wednesday 10:00 in Reno
  ...over,
});

describe('business calendar', () => {
  test('local times and offsets follow the zone, across daylight saving changes', () => {
    expect(localTime(new Date('2026-12-02T18:00:00Z'), 'America/Los_Angeles')).toEqual({ date: '2026-12-02', minutes: 600 });
    expect(offsetMinutes(new Date('2026-12-02T18:00:00Z'), 'America/Denver')).toBe(-420);
    expect(offsetMinutes(new Date('2026-07-02T18:00:00Z'), 'America/Denver')).toBe(-360);
    expect(zonedInstant('2026-03-08', '14:00', 'America/Los_Angeles').toISOString()).toBe('2026-03-08T21:00:00.000Z');
    expect(zonedInstant('2026-03-07', '14:00', 'America/Los_Angeles').toISOString()).toBe('2026-03-07T22:00:00.000Z');
    expect(zonedInstant('2026-12-02', '00:00', 'Asia/Kolkata').toISOString()).toBe('2026-12-01T18:30:00.000Z');
  });
  test('business days skip weekends and holidays', () => {
    const cal = calendar('America/Los_Angeles', weekdays, ['2026-12-25']);
    expect(addBusinessDays('2026-12-24', 1, cal)).toBe('2026-12-28'); // Thu -> (Fri holiday, weekend) -> Mon
    expect(addBusinessDays('2026-12-04', 0, cal)).toBe('2026-12-04');
    expect(addBusinessDays('2026-12-05', 0, cal)).toBe('2026-12-07'); // a Saturday starts on Monday
  });
});

describe('delivery window', () => {
  const cal = calendar('America/Los_Angeles', weekdays, ['2026-12-25']);
  const r = { handlingDays: { min: 0, max: 1 }, transitDays: { min: 3, max: 5 }, cutoffTime: '14:00' };
  test('before the cutoff, handling starts today; the answer holds until the cutoff', () => {
    const w = deliveryWindow(new Date('2026-12-02T18:00:00Z'), r, cal)!;
    expect(w.startsOn).toBe('2026-12-02');
    expect(w.arrives).toEqual({ earliest: '2026-12-07', latest: '2026-12-10' });
    expect(w.cutoff).toEqual({ time: '14:00', timeZone: 'America/Los_Angeles', offset: '-08:00' });
    expect(w.validUntil.toISOString()).toBe('2026-12-02T22:00:00.000Z');
  });
  test('after the cutoff, handling starts on the next business day', () => {
    const w = deliveryWindow(new Date('2026-12-02T22:00:00Z'), r, cal)!;
    expect(w.startsOn).toBe('2026-12-03');
    expect(w.arrives).toEqual({ earliest: '2026-12-08', latest: '2026-12-11' });
  });
  test('Friday evening starts on Monday; a holiday is skipped', () => {
    expect(deliveryWindow(new Date('2026-12-05T03:00:00Z'), r, cal)!.startsOn).toBe('2026-12-07'); // Fri 19:00 local
    const xmas = deliveryWindow(new Date('2026-12-24T23:00:00Z'), r, cal)!; // Thu 15:00, after cutoff; Fri is a holiday
    expect(xmas.startsOn).toBe('2026-12-28');
  });
  test('the arrival instants cover the whole local days', () => {
    const w = deliveryWindow(new Date('2026-12-02T18:00:00Z'), r, cal)!;
    const at = arrivalInstants(w);
    expect(at.earliest.toISOString()).toBe('2026-12-07T08:00:00.000Z');
    expect(at.latest.toISOString()).toBe('2026-12-11T07:59:59.000Z');
  });
  test('a rate without handling or transit has no window', () => {
    expect(deliveryWindow(new Date(), {}, cal)).toBeUndefined();
  });
});

describe('pickup readiness', () => {
  const cal = calendar('America/Denver', [...weekdays, 'Saturday'], ['2026-12-25']);
  const hours = denver.hours;
  test('open now: ready after the preparation time, rounded to the quarter hour', () => {
    const r = pickupReadiness(new Date('2026-12-02T18:05:00Z'), hours, cal, 60)!; // 11:05 Denver
    expect(r.openNow).toBe(true);
    expect(r.readyAt.toISOString()).toBe('2026-12-02T19:00:00.000Z'); // 12:00
    expect(r.opensAt).toBeUndefined();
  });
  test('closed at 21:00: says when it opens, and the order is ready an hour after', () => {
    const r = pickupReadiness(new Date('2026-12-03T04:00:00Z'), hours, cal, 60)!; // Wed 21:00 Denver
    expect(r.openNow).toBe(false);
    expect(r.opensAt!.toISOString()).toBe('2026-12-03T17:00:00.000Z'); // Thu 10:00
    expect(r.readyAt.toISOString()).toBe('2026-12-03T18:00:00.000Z');
  });
  test('preparation that does not fit before closing continues the next open day; holidays and Sundays are closed', () => {
    const r = pickupReadiness(new Date('2026-12-25T02:30:00Z'), hours, cal, 60)!; // Thu 19:30; Fri 25th holiday
    expect(r.readyAt.toISOString()).toBe('2026-12-26T16:30:00.000Z'); // 30 min Thu + 30 min from Sat 09:00
  });
  test('no hours published: no readiness claimed', () => {
    expect(pickupReadiness(new Date(), [], cal, 60)).toBeUndefined();
  });
});

describe('currency rule', () => {
  const r = rules();
  test.each([
    [{}, 'USD'],
    [{ currency: 'EUR' }, 'EUR'],
    [{ currency: 'JPY' }, 'USD'],
    [{ country: 'CA' }, 'CAD'],
    [{ country: 'DE' }, 'EUR'],
    [{ country: 'GB' }, 'USD'], // the store ships to GB only by the USD international rate
    [{ country: 'FR' }, 'USD'],
    [{ country: 'CA', currency: 'USD' }, 'USD'],
  ])('%j -> %s', (ctx, currency) => {
    expect(currencyFor(r, ctx)).toBe(currency);
  });
  test('a price is in the context currency, else the store currency, never a third one', () => {
    const prices = [
      { currency: 'USD', amount: 1000 },
      { currency: 'CAD', amount: 1400 },
    ];
    expect(priceFor(r, prices, { country: 'CA' })).toEqual({ currency: 'CAD', amount: 1400 });
    expect(priceFor(r, prices, { country: 'DE' })).toEqual({ currency: 'USD', amount: 1000 });
    expect(priceFor(r, [{ currency: 'CAD', amount: 1400 }], { country: 'DE' })).toBeUndefined();
  });
  test('a sale past its end is the regular price', () => {
    const sale = [{ currency: 'USD', amount: 800, listAmount: 1000, validUntil: '2026-12-01T00:00:00Z' }];
    expect(priceIn(r, sale, 'USD')).toEqual({ currency: 'USD', amount: 1000 });
    expect(priceIn({ now: new Date('2026-11-01T00:00:00Z') }, sale, 'USD')?.amount).toBe(800);
  });
});

describe('shipping options', () => {
  const basket = (subtotal: number, currency = 'USD') => ({ subtotal, currency, itemIds: ['p1', 'v1'] });
  test('the most specific rate per service level, in the basket currency, with the ships-from calendar', () => {
    const ak = shippingOptions(rules(), { country: 'US', region: 'AK' }, basket(5000));
    expect(ak.map((o) => [o.rate.id, o.amount])).toEqual([
      ['ak-std', 1995],
      ['us-exp', 1995],
    ]);
    expect(ak[0]!.window!.timeZone).toBe('America/Los_Angeles');
    expect(shippingOptions(rules(), { country: 'CA' }, basket(5000)).map((o) => o.rate.id)).toEqual(['intl']);
    expect(shippingOptions(rules(), { country: 'CA' }, basket(5000, 'CAD')).map((o) => o.rate.id)).toEqual(['ca-std']);
  });
  test.each([
    ['US over the minimum', { country: 'US' }, basket(9900), 'free'],
    ['US under the minimum', { country: 'US' }, basket(9899), undefined],
    ['Alaska is in the US', { country: 'US', region: 'AK' }, basket(12000), 'free'],
    ['not Canada', { country: 'CA' }, basket(20000, 'CAD'), undefined],
    ['not Germany', { country: 'DE' }, basket(20000, 'EUR'), undefined],
  ])('free shipping: %s', (_name, destination, b, expected) => {
    const standard = shippingOptions(rules(), destination, b).find((o) => o.rate.serviceLevel === 'standard');
    expect(standard?.free?.id).toBe(expected);
    if (standard) expect(standard.amount).toBe(expected ? 0 : standard.rate.price);
  });
  test('free shipping applies to its service levels only, and only while it runs', () => {
    const r = rules();
    const express = r.rates.find((x) => x.id === 'us-exp')!;
    expect(freeShipping(r, express, { country: 'US' }, basket(20000))).toBeUndefined();
    const ended = rules({ promotions: [{ ...freeUs, endsAt: '2026-12-01T00:00:00Z' }] });
    expect(freeShipping(ended, ended.rates[0]!, { country: 'US' }, basket(20000))).toBeUndefined();
  });
  test('the next promotion change is the earliest future start or end', () => {
    const now = new Date('2026-12-02T00:00:00Z');
    expect(nextPromotionChange([{ startsAt: '2026-12-10T00:00:00Z' }, { endsAt: '2026-12-05T00:00:00Z' }, { endsAt: '2026-11-01T00:00:00Z' }], now)?.toISOString()).toBe('2026-12-05T00:00:00.000Z');
    expect(nextPromotionChange([{}], now)).toBeUndefined();
  });
});

describe('remembered answers', () => {
  test('a delivery window and a pickup readiness are reused while they hold and recomputed the moment they change, in either direction of time', () => {
    // one snapshot (one locations array) asked at instants around Reno's 14:00 cutoff and day ends, forward and back
    const locations = [reno, denver];
    const instants = [
      '2026-12-02T18:00:00Z',
      '2026-12-02T21:59:59.999Z', // 13:59:59.999 in Reno
      '2026-12-02T22:00:00Z', // the cutoff
      '2026-12-03T07:59:59.999Z',
      '2026-12-03T08:00:00Z', // Reno's day rolls over
      '2026-12-02T18:00:00Z', // back in time
      '2026-12-04T23:30:00Z', // Friday after the cutoff
      '2026-12-02T19:14:59.999Z',
      '2026-12-02T19:15:00Z', // the next quarter hour for pickup
    ];
    for (const at of instants) {
      const r = rules({ locations, now: new Date(at) });
      for (const o of shippingOptions(r, { country: 'US' }, { subtotal: 5000, currency: 'USD', itemIds: ['v1'] })) {
        expect({ at, rate: o.rate.id, window: o.window }).toEqual({ at, rate: o.rate.id, window: deliveryWindow(r.now, o.rate, calendar(reno.timeZone!, reno.businessDays, reno.holidays)) });
      }
      const den = pickupOptions(r, [{ variantId: 'v1', locationId: 'den', onHand: 3, reserved: 0 } as InventoryLevel])[0]!;
      expect({ at, ready: den.ready }).toEqual({ at, ready: pickupReadiness(r.now, denver.hours, calendar(denver.timeZone!, denver.businessDays, denver.holidays), 60) });
    }
  });
});

describe('pickup options', () => {
  const levels: InventoryLevel[] = [{ variantId: 'v1', locationId: 'den', onHand: 3, reserved: 0 } as InventoryLevel, { variantId: 'v1', locationId: 'wh', onHand: 50, reserved: 0 } as InventoryLevel];
  test('only stores with pickup that hold the item, in the buyer country, with enough stock', () => {
    const r = rules();
    expect(pickupOptions(r, levels).map((p) => p.location.id)).toEqual(['den']);
    expect(pickupOptions(r, levels, { country: 'CA' })).toEqual([]);
    expect(pickupOptions(r, levels, { quantity: 4 })).toEqual([]);
    expect(pickupOptions(r, [], {})).toEqual([]);
    const den = pickupOptions(r, levels)[0]!;
    expect(den.ready!.readyAt.toISOString()).toBe('2026-12-02T19:00:00.000Z'); // 11:00 Denver + 60 min
  });
});

describe('tax', () => {
  const rate = (id: string, over: Partial<TaxRate>): TaxRate => ({ id, country: 'US', rate: 0, included: false, shipping: false, name: id, ...over });
  const table = [
    rate('ca', { region: 'CA', rate: 7.25, name: 'California sales tax' }),
    rate('sf', { postalPrefix: '941', rate: 8.625, name: 'San Francisco sales tax' }),
    rate('ak', { region: 'AK', rate: 0, name: 'Alaska: no state sales tax' }),
    rate('on', { country: 'CA', region: 'ON', rate: 13, shipping: true, name: 'HST' }),
    rate('de', { country: 'DE', rate: 19, included: true, shipping: true, name: 'MwSt.' }),
  ];
  test('the most specific rate applies: postal prefix over region over country; none is "not configured"', () => {
    expect(taxFor(table, { country: 'US', region: 'CA', postalCode: '94110' })).toEqual({ configured: true, rate: table[1] });
    expect(taxFor(table, { country: 'US', postalCode: '94110' })).toEqual({ configured: true, rate: table[1] });
    expect(taxFor(table, { country: 'US', region: 'CA', postalCode: '90210' })).toEqual({ configured: true, rate: table[0] });
    expect(taxFor(table, { country: 'US', region: 'TX' })).toEqual({ configured: false });
    expect(taxFor(table, { country: 'GB' })).toEqual({ configured: false });
    expect(taxFor(table, undefined)).toEqual({ configured: false });
  });
  test('added tax: rate x (goods after discounts [+ shipping]), half up, once per order', () => {
    expect(orderTax(taxFor(table, { country: 'US', postalCode: '94110' }), 3899, 795)).toEqual({ rate: table[1], amount: 336, taxable: 3899 }); // 336.29
    expect(orderTax(taxFor(table, { country: 'CA', region: 'ON' }), 10000, 1495)!.amount).toBe(1494); // 13% of 114.95 = 14.9435
    expect(orderTax(taxFor(table, { country: 'US', region: 'AK' }), 10000, 0)!.amount).toBe(0);
    expect(orderTax({ configured: false }, 10000, 0)).toBeUndefined();
    expect(orderTax(taxFor([rate('x', { rate: 10 })], { country: 'US' }), Number.MAX_SAFE_INTEGER, 0)!.amount).toBe(900719925474099); // exact, no float drift
  });
  test('included tax is the tax part of the gross amount', () => {
    expect(orderTax(taxFor(table, { country: 'DE' }), 11900, 1495)).toEqual({ rate: table[4], amount: 2139, taxable: 13395 }); // 13395 x 19/119 = 2138.76
  });
  test('the words every surface uses', () => {
    expect(taxNote(taxFor(table, { country: 'DE' }), 'DE')).toBe('Price includes 19% MwSt.');
    expect(taxNote(taxFor(table, { country: 'US', postalCode: '94110' }), 'US 94110…')).toBe('Plus 8.625% San Francisco sales tax, added at checkout');
    expect(taxNote(taxFor(table, { country: 'US', region: 'AK' }), 'US AK')).toBe('No tax (Alaska: no state sales tax)');
    expect(taxNote({ configured: false }, 'GB')).toBe('No tax rate is configured for GB; the price excludes any tax due there');
  });
});
