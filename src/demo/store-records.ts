/**
 * The store-level records of the demo feed, the same for every catalog size: the merchant, its warehouse
 * and two pickup stores, shipping rates, tax rates, return policies, discount codes, the free-shipping
 * promotion and two demo customers. Fixed data, no randomness.
 */
import type { CustomerRecord, DiscountRecord, FeedRecord, LocationRecord, MerchantRecord, PromotionRecord, ReturnPolicyRecord, ShippingRateRecord, TaxRateRecord } from '../feed/records.js';

/** The merchant, its locations, shipping rates, tax rates and return policies; `currencies` are the ones the store prices in. */
export function* storeRecords(currencies: string[]): Generator<FeedRecord> {
  const merchant: MerchantRecord = {
    type: 'merchant',
    legal_name: 'Summit & Trail Outfitters, Inc.',
    name: 'Summit & Trail Outfitters',
    url: '/',
    logo: '/demo/media/logo.svg',
    description: 'Independent outdoor-gear retailer since 1998: jackets, boots, tents and packs, tested on our local trails.',
    support: { email: 'support@summit-trail.example', phone: '+1-303-555-0142', url: '/help' },
    policies: { privacy: '/policies/privacy', terms: '/policies/terms', refund: '/policies/returns', shipping: '/policies/shipping', faq: '/help/faq' },
    country: 'US',
    currencies,
    languages: ['en'],
    registration_id: 'CO-20241234567',
    vat_id: 'DE312345678',
    address: { street: '1550 Wynkoop St', locality: 'Denver', region: 'CO', postal_code: '80202', country: 'US' },
  };
  yield merchant;
  const weekdays = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'];
  // US federal holidays the warehouse and stores close for, through the end of 2027
  const holidays = ['2026-11-26', '2026-12-25', '2027-01-01', '2027-05-31', '2027-07-05', '2027-09-06', '2027-11-25', '2027-12-24', '2027-12-31'];
  const locations: LocationRecord[] = [
    {
      type: 'location',
      id: 'wh-reno',
      name: 'Reno fulfilment centre',
      kind: 'warehouse',
      pickup: false,
      address: { street: '4900 Longley Ln', locality: 'Reno', region: 'NV', postal_code: '89502', country: 'US' },
      time_zone: 'America/Los_Angeles',
      business_days: weekdays,
      holidays,
    },
    {
      type: 'location',
      id: 'store-denver',
      name: 'Summit & Trail Denver',
      kind: 'store',
      pickup: true,
      phone: '+1-303-555-0100',
      address: { street: '1550 Wynkoop St', locality: 'Denver', region: 'CO', postal_code: '80202', country: 'US' },
      hours: [
        { days: weekdays, opens: '10:00', closes: '20:00' },
        { days: ['Saturday', 'Sunday'], opens: '09:00', closes: '18:00' },
      ],
      time_zone: 'America/Denver',
      business_days: [...weekdays, 'Saturday', 'Sunday'],
      holidays,
      pickup_ready_minutes: 60,
    },
    {
      type: 'location',
      id: 'store-portland',
      name: 'Summit & Trail Portland',
      kind: 'store',
      pickup: true,
      phone: '+1-503-555-0177',
      address: { street: '820 NW Glisan St', locality: 'Portland', region: 'OR', postal_code: '97209', country: 'US' },
      hours: [
        { days: weekdays, opens: '10:00', closes: '19:00' },
        { days: ['Saturday'], opens: '10:00', closes: '18:00' },
      ],
      time_zone: 'America/Los_Angeles',
      business_days: [...weekdays, 'Saturday'],
      holidays,
      pickup_ready_minutes: 120,
    },
  ];
  yield* locations;
  const rate = (id: string, country: string, service: string, title: string, amount: number, currency: string, handling: [number, number], transit: [number, number]): ShippingRateRecord => ({
    type: 'shipping_rate',
    id,
    title,
    country,
    service_level: service,
    price: { amount, currency },
    handling_days: { min: handling[0], max: handling[1] },
    transit_days: { min: transit[0], max: transit[1] },
    cutoff_time: '14:00',
    ships_from: 'wh-reno',
  });
  yield* [
    rate('us-standard', 'US', 'standard', 'Standard (US)', 795, 'USD', [0, 1], [3, 5]),
    rate('us-express', 'US', 'express', 'Express (US)', 1995, 'USD', [0, 1], [1, 2]),
    { ...rate('us-ak-hi-standard', 'US', 'standard', 'Standard (Alaska)', 1995, 'USD', [0, 1], [6, 10]), region: 'AK' },
    rate('ca-standard', 'CA', 'standard', 'Standard (Canada)', 1495, 'CAD', [1, 2], [5, 8]),
    rate('ca-express', 'CA', 'express', 'Express (Canada)', 3495, 'CAD', [0, 1], [2, 3]),
    rate('gb-standard', 'GB', 'standard', 'Standard (UK)', 1295, 'GBP', [1, 2], [5, 9]),
    rate('gb-express', 'GB', 'express', 'Express (UK)', 2995, 'GBP', [0, 1], [2, 4]),
    rate('de-standard', 'DE', 'standard', 'Standard (Germany)', 1495, 'EUR', [1, 2], [5, 9]),
    rate('de-express', 'DE', 'express', 'Express (Germany)', 3495, 'EUR', [0, 1], [2, 4]),
    rate('intl-express', '*', 'express', 'International Express', 4995, 'USD', [1, 2], [4, 10]),
  ];
  // US sales tax at state base rates (local taxes left out, but for San Francisco's by postal prefix), added at
  // checkout and not charged on shipping; a rate of 0 says "no tax here" rather than leaving it unknown.
  // Ontario's HST is added too and taxes shipping; UK and German VAT are included in prices.
  const salesTax = (id: string, where: { region: string } | { postal_prefix: string }, rate: number, name: string): TaxRateRecord => ({
    type: 'tax_rate',
    id,
    country: 'US',
    ...where,
    rate,
    included: false,
    shipping: false,
    name,
  });
  const taxRates: TaxRateRecord[] = [
    salesTax('us-ca', { region: 'CA' }, 7.25, 'California sales tax'),
    salesTax('us-sf', { postal_prefix: '941' }, 8.625, 'San Francisco sales tax'),
    salesTax('us-co', { region: 'CO' }, 2.9, 'Colorado sales tax'),
    salesTax('us-nv', { region: 'NV' }, 6.85, 'Nevada sales tax'),
    salesTax('us-ny', { region: 'NY' }, 4, 'New York sales tax'),
    salesTax('us-or', { region: 'OR' }, 0, 'Oregon: no sales tax'),
    salesTax('us-ak', { region: 'AK' }, 0, 'Alaska: no state sales tax'),
    { type: 'tax_rate', id: 'ca-on', country: 'CA', region: 'ON', rate: 13, included: false, shipping: true, name: 'HST' },
    { type: 'tax_rate', id: 'gb-vat', country: 'GB', rate: 20, included: true, shipping: true, name: 'VAT' },
    { type: 'tax_rate', id: 'de-vat', country: 'DE', rate: 19, included: true, shipping: true, name: 'MwSt.' },
  ];
  yield* taxRates;
  const policies: ReturnPolicyRecord[] = [
    { type: 'return_policy', id: 'standard', default: true, countries: ['US', 'CA'], category: 'finite', window_days: 60, fees: 'free', methods: ['mail', 'in_store'], url: '/policies/returns' },
    {
      type: 'return_policy',
      id: 'international',
      countries: ['GB', 'DE'],
      category: 'finite',
      window_days: 30,
      fees: 'customer_pays_shipping',
      shipping_fee: { amount: 995, currency: 'EUR' },
      methods: ['mail'],
      url: '/policies/returns',
    },
    { type: 'return_policy', id: 'final-sale', category: 'not_permitted', fees: 'free', methods: [], url: '/policies/returns#final-sale' },
  ];
  yield* policies;
}

/** Discount codes, promotions and demo customers: the records that follow the products. */
export function* promotionsAndCustomers(): Generator<FeedRecord> {
  // every description states the code's conditions, and the conditions are enforced
  const tents = ['Camping > Tents', 'Sporting Goods > Outdoor Recreation > Camping & Hiking > Tents'];
  const discounts: DiscountRecord[] = [
    { type: 'discount', code: 'TRAIL10', discount_type: 'percentage', value: 10, description: '10% off your order, once per customer', per_buyer_limit: 1 },
    { type: 'discount', code: 'WELCOME15', discount_type: 'percentage', value: 15, description: '15% off your first order; not combinable with other codes', first_order: true, combinable: false },
    { type: 'discount', code: 'SAVE20', discount_type: 'fixed_amount', value: 2000, currency: 'USD', description: '$20 off orders over $100', min_subtotal: { amount: 10000, currency: 'USD' } },
    { type: 'discount', code: 'TENTS15', discount_type: 'percentage', value: 15, description: '15% off tents, for the first 500 orders', eligible_categories: tents, usage_limit: 500 },
    { type: 'discount', code: 'CANADA10', discount_type: 'percentage', value: 10, description: '10% off orders delivered to Canada', countries: ['CA'] },
  ];
  yield* discounts;
  const promotions: PromotionRecord[] = [
    {
      type: 'promotion',
      id: 'free-shipping-99',
      promotion_type: 'free_shipping',
      description: 'Free standard shipping on US orders over $99',
      min_subtotal: { amount: 9900, currency: 'USD' },
      countries: ['US'],
      service_levels: ['standard'],
    },
  ];
  yield* promotions;
  const customers: CustomerRecord[] = [
    {
      type: 'customer',
      id: 'cust-ava',
      name: 'Ava Thompson',
      email: 'ava.thompson@example.com',
      addresses: [{ id: 'addr-ava-home', name: 'Ava Thompson', street: '2231 Larimer St', locality: 'Denver', region: 'CO', postal_code: '80205', country: 'US' }],
    },
    {
      type: 'customer',
      id: 'cust-ben',
      name: 'Ben Okafor',
      email: 'ben.okafor@example.com',
      addresses: [{ id: 'addr-ben-home', name: 'Ben Okafor', street: '14 Camden Rd', locality: 'London', postal_code: 'NW1 9DP', country: 'GB' }],
    },
  ];
  yield* customers;
}
