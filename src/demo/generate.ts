/**
 * Deterministic generator for the demo outdoor-gear store (demo/outdoor-gear.jsonl, ~200 products) and
 * for synthetic catalogs of any size (bench/import uses 100,000 products x 3 variants). Same options,
 * same bytes: all randomness comes from a seeded PRNG and dates are relative to a fixed epoch.
 */
import { gtinCheckDigit } from '../catalog/identifiers.js';
import type {
  CustomerRecord,
  DiscountRecord,
  FeedRecord,
  LocationRecord,
  MerchantRecord,
  ProductRecordWire,
  PromotionRecord,
  ReturnPolicyRecord,
  ReviewRecord,
  ShippingRateRecord,
  TaxRateRecord,
  WireStock,
  WireVariant,
} from '../feed/records.js';
import { BRANDS, CATEGORIES, CERTIFICATIONS, COLORS, FIRST_NAMES, LAST_INITIALS, MODEL_NAMES, type CategorySpec } from './content.js';

export interface GenerateOptions {
  products: number;
  seed?: number;
  /** 'demo': realistic variant counts; 'fixed3': exactly three variants per product (benchmarks). */
  variants?: 'demo' | 'fixed3';
  reviews?: boolean;
  /** Currencies priced for every variant (first = default). */
  currencies?: string[];
}

/** Dates in the generated feed are relative to this instant, never to the wall clock. */
export const DEMO_EPOCH = Date.UTC(2026, 9, 1); // 2026-10-01

/** mulberry32: small, fast, good enough for test data; never for secrets. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FX: Record<string, number> = { USD: 1, CAD: 1.37, EUR: 0.92, GBP: 0.79 };

/** Shop-style price in another currency: converted, then ending in .99 (or .95 for GBP). */
function convert(usdCents: number, currency: string): number {
  const raw = usdCents * (FX[currency] ?? 1);
  const whole = Math.max(1, Math.round(raw / 100));
  return whole * 100 - (currency === 'GBP' ? 5 : 1);
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function* generateFeed(options: GenerateOptions): Generator<FeedRecord> {
  const rand = prng(options.seed ?? 20261001);
  const between = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const chance = (p: number) => rand() < p;
  const currencies = options.currencies ?? ['USD', 'CAD', 'EUR', 'GBP'];
  const fixed3 = options.variants === 'fixed3';
  const withReviews = options.reviews ?? true;
  let gtinCounter = 0;
  const nextGtin = () => {
    const body = `0841234${String(gtinCounter++).padStart(5, '0')}`.slice(-12);
    return body + gtinCheckDigit(body);
  };
  // GTIN bodies have 5 counter digits; bigger catalogs switch to a second company prefix per 100,000.
  const gtinFor = () => {
    if (gtinCounter < 100000) return nextGtin();
    const n = gtinCounter++;
    const body = `${String(850 + Math.floor(n / 100000)).padStart(3, '0')}00${String(n % 100000).padStart(5, '0')}00`.slice(0, 12);
    return body + gtinCheckDigit(body);
  };

  yield {
    type: 'header',
    format: 'ucpd-feed',
    version: 1,
    generated_at: new Date(DEMO_EPOCH).toISOString(),
    description: `ucpd demo outdoor-gear store: ${options.products} products (seed ${options.seed ?? 20261001})`,
  };
  yield* storeRecords(currencies);

  const locations = ['wh-reno', 'store-denver', 'store-portland'];
  for (let i = 0; i < options.products; i++) {
    const cat = CATEGORIES[i % CATEGORIES.length]!;
    const brand = BRANDS[Math.floor(i / CATEGORIES.length) % BRANDS.length]!;
    const model = MODEL_NAMES[Math.floor(i / (CATEGORIES.length * BRANDS.length)) % MODEL_NAMES.length]!;
    const generation = Math.floor(i / (CATEGORIES.length * BRANDS.length * MODEL_NAMES.length));
    const id = `${brand.code.toLowerCase()}-${slug(model)}-${cat.key}${generation ? `-${generation + 1}` : ''}`;
    const title = `${brand.name} ${model}${generation ? ` ${generation + 1}` : ''} ${cat.noun}`;
    const usd = Math.round(between(cat.price[0], cat.price[1]) / 1000) * 1000 - 100;
    const onSale = chance(0.15);
    const options_ = optionsFor(cat, fixed3, rand);
    const combos = combinations(options_);
    const colorIndex = options_.findIndex((o) => o.name === 'Color');
    const certifications = certificationsFor(cat, i, prng((options.seed ?? 20261001) + i));
    const thin = !fixed3 && chance(0.08); // a few products fail the quality gate on purpose
    const clearance = !fixed3 && onSale && chance(0.3);
    const preorder = !fixed3 && chance(0.03);

    const variants: WireVariant[] = combos.map((values, v) => {
      const vid = combos.length === 1 ? id : `${id}-${values.map(slug).join('-')}`;
      const sizeBump = cat.options === 'apparel' && values[0] === 'XXL' ? 1000 : 0;
      const amount = usd + sizeBump;
      const variant: WireVariant = {
        id: vid,
        sku: `${brand.code}-${String(i).padStart(5, '0')}-${String(v).padStart(2, '0')}`,
        ...(thin && v === 0 ? {} : { gtin: gtinFor() }),
        mpn: `${brand.code}${String(1000 + i)}-${v}`,
        title: values.length ? `${title} - ${values.join(' / ')}` : title,
        ...(options_.length ? { options: Object.fromEntries(options_.map((o, k) => [o.name, values[k]!])) } : {}),
        condition: 'new',
        prices: currencies.map((c) => {
          const price = convert(amount, c);
          return onSale ? { currency: c, amount: Math.round((price * 0.8) / 100) * 100 - (c === 'GBP' ? 5 : 1), list_amount: price } : { currency: c, amount: price };
        }),
        weight: { value: between(cat.weightGrams[0], cat.weightGrams[1]), unit: 'g' },
        ...(cat.options === 'capacity' || cat.options === 'pack' ? { dimensions: { length: between(40, 60), width: between(14, 22), height: between(14, 30), unit: 'cm' as const } } : {}),
      };
      const color = values[colorIndex];
      if (color !== undefined) {
        variant.media = [{ type: 'image', url: `/demo/media/${id}-${slug(color)}.svg`, alt: `${title} in ${color}`, width: 1200, height: 1200, mime_type: 'image/svg+xml' }];
      }
      if (preorder) {
        variant.inventory = [{ location_id: 'wh-reno', on_hand: 0, preorder: true, restock_date: isoDay(DEMO_EPOCH + between(20, 60) * 86400000) }];
      } else {
        variant.inventory = stockFor(locations, fixed3, rand);
      }
      return variant;
    });

    const imageCount = thin ? 2 : between(3, 6);
    const product: ProductRecordWire = {
      type: 'product',
      id,
      handle: id,
      title,
      description: describe(cat, brand.name, model, thin, rand),
      brand: brand.name,
      categories: [
        { taxonomy: 'google', id: cat.google.id, path: cat.google.path },
        { taxonomy: 'merchant', path: cat.merchant },
      ],
      tags: [...cat.tags],
      media: Array.from({ length: imageCount }, (_, n) => ({
        type: 'image' as const,
        url: `/demo/media/${id}-${n + 1}.svg`,
        alt: `${title}, ${['front', 'back', 'detail', 'in use', 'packed', 'side'][n]} view`,
        width: 1200,
        height: 1200,
        mime_type: 'image/svg+xml',
      })),
      ...(options_.length ? { options: options_ } : {}),
      attributes: { material: cat.material.join(', '), ...(cat.options === 'apparel' || cat.options === 'footwear' ? { gender: 'unisex', age_group: 'adult' } : {}) },
      ...(clearance ? { return_policy_id: 'final-sale' } : {}),
      ...(certifications.length ? { certifications } : {}),
      variants,
    };
    yield product;

    if (withReviews) {
      const count = thin ? 0 : between(0, 7) + (chance(0.7) ? 1 : 0);
      for (let r = 0; r < count; r++) yield review(product, cat, r, rand);
    }
  }

  yield* promotionsAndCustomers();
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function optionsFor(cat: CategorySpec, fixed3: boolean, rand: () => number): { name: string; values: string[] }[] {
  const colors = (n: number) => {
    const start = Math.floor(rand() * COLORS.length);
    return Array.from({ length: n }, (_, k) => COLORS[(start + k) % COLORS.length]!);
  };
  if (fixed3) return [{ name: 'Size', values: ['S', 'M', 'L'] }];
  switch (cat.options) {
    case 'apparel':
      return [
        { name: 'Size', values: rand() < 0.5 ? ['S', 'M', 'L', 'XL'] : ['XS', 'S', 'M', 'L', 'XL', 'XXL'] },
        { name: 'Color', values: colors(1 + Math.floor(rand() * 3)) },
      ];
    case 'footwear':
      return [
        { name: 'Size', values: ['US 7', 'US 8', 'US 9', 'US 10', 'US 11', 'US 12'] },
        { name: 'Color', values: colors(1 + Math.floor(rand() * 2)) },
      ];
    case 'capacity':
      return [{ name: 'Capacity', values: rand() < 0.5 ? ['1-person', '2-person'] : ['2-person', '3-person', '4-person'] }];
    case 'pack':
      return [
        { name: 'Size', values: ['S/M', 'M/L'] },
        { name: 'Color', values: colors(2) },
      ];
    case 'color':
      return rand() < 0.3 ? [] : [{ name: 'Color', values: colors(2 + Math.floor(rand() * 2)) }];
    case 'none':
      return [];
  }
}

function combinations(options: { name: string; values: string[] }[]): string[][] {
  return options.reduce<string[][]>((acc, o) => acc.flatMap((prefix) => o.values.map((v) => [...prefix, v])), [[]]);
}

function stockFor(locations: string[], fixed3: boolean, rand: () => number): WireStock[] {
  if (fixed3) return [{ location_id: locations[0]!, on_hand: Math.floor(rand() * 200), low_stock_threshold: 5 }];
  const soldOut = rand() < 0.07;
  const restock = isoDay(DEMO_EPOCH + (10 + Math.floor(rand() * 40)) * 86400000);
  return locations.map((location_id, k) => {
    const warehouse = k === 0;
    const onHand = soldOut ? 0 : warehouse ? Math.floor(rand() * 120) : Math.floor(rand() * 12);
    const level: WireStock = { location_id, on_hand: onHand, low_stock_threshold: warehouse ? 5 : 2 };
    if (soldOut && warehouse) {
      level.restock_date = restock;
      if (rand() < 0.3) level.backorder = true;
    }
    return level;
  });
}

function describe(cat: CategorySpec, brand: string, model: string, thin: boolean, rand: () => number): { plain: string; html: string } {
  const pickN = (list: readonly string[], n: number) => {
    const copy = [...list];
    const out: string[] = [];
    while (out.length < n && copy.length) out.push(copy.splice(Math.floor(rand() * copy.length), 1)[0]!);
    return out;
  };
  if (thin) {
    const text = `The ${brand} ${model} ${cat.noun.toLowerCase()} with ${pickN(cat.features, 1)[0]}.`;
    return { plain: text, html: `<p>${escapeHtml(text)}</p>` };
  }
  const features = pickN(cat.features, Math.min(cat.features.length, 4 + Math.floor(rand() * 2)));
  const uses = pickN(cat.uses, 2);
  const intro = `The ${model} ${cat.noun.toLowerCase()} from ${brand} is built for ${uses[0]} and ${uses[1]}, and it is just as much at home on an ordinary weekend outside.`;
  const body = `It combines ${features.slice(0, -1).join(', ')} and ${features[features.length - 1]}.`;
  const material = `It is made from ${cat.material.join(' and ')}, chosen to last for seasons of hard use while keeping weight down.`;
  const care = 'Every piece is inspected before it ships, and our repair team can fix zips, seams and buckles long after the warranty ends.';
  const plain = [intro, body, material, care].join(' ');
  const html = `<p>${escapeHtml(intro)}</p><ul>${features.map((f) => `<li>${escapeHtml(f)}</li>`).join('')}</ul><p>${escapeHtml(material)} ${escapeHtml(care)}</p>`;
  return { plain, html };
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function certificationsFor(cat: CategorySpec, i: number, rand: () => number) {
  const certs = [];
  const year = 2025 + (i % 2);
  if ((cat.key === 'rain-jacket' || cat.key === 'fleece' || cat.key === 'backpack') && i % 5 === 0) certs.push(CERTIFICATIONS[0]);
  if ((cat.key === 'fleece' || cat.key === 'down-jacket') && i % 7 === 1) certs.push(CERTIFICATIONS[1]);
  if (cat.key === 'down-jacket' && i % 3 === 1) certs.push(CERTIFICATIONS[2]);
  return certs.map((c) => ({
    name: c.name,
    certifier: c.certifier,
    identifier: `${c.prefix}-${year}-${String(Math.floor(rand() * 90000) + 10000)}`,
    url: c.url,
    valid_from: `${year}-01-01`,
    valid_until: `${year + 2}-12-31`,
  }));
}

function review(product: ProductRecordWire, cat: CategorySpec, n: number, rand: () => number): ReviewRecord {
  const roll = rand();
  const rating = roll < 0.05 ? 2 : roll < 0.15 ? 3 : roll < 0.45 ? 4 : 5;
  const first = FIRST_NAMES[Math.floor(rand() * FIRST_NAMES.length)]!;
  const initial = LAST_INITIALS[Math.floor(rand() * LAST_INITIALS.length)]!;
  const bodies = [...cat.reviewBodies];
  const body = [0, 1, 2]
    .map(() => bodies.splice(Math.floor(rand() * bodies.length), 1)[0])
    .filter(Boolean)
    .join(' ');
  const days = 20 + Math.floor(rand() * 400);
  return {
    type: 'review',
    id: `${product.id}-r${n + 1}`,
    product_id: product.id,
    variant_id: product.variants[Math.floor(rand() * product.variants.length)]!.id,
    rating,
    title: cat.reviewTitles[Math.floor(rand() * cat.reviewTitles.length)]!,
    body: rating <= 3 ? `${body} Not perfect for me, but it does the job.` : body,
    author: `${first} ${initial}.`,
    date: isoDay(DEMO_EPOCH - days * 86400000),
    verified_purchase: rand() < 0.65,
  };
}

function* storeRecords(currencies: string[]): Generator<FeedRecord> {
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

function* promotionsAndCustomers(): Generator<FeedRecord> {
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

/**
 * The feed as JSON Lines. The header carries the record count (so a truncated copy fails to import); it is
 * counted in a first pass, which is cheap and keeps memory flat because generation is deterministic.
 */
export function* feedLines(options: GenerateOptions): Generator<string> {
  let count = 0;
  for (const r of generateFeed(options)) if (r.type !== 'header') count++;
  for (const r of generateFeed(options)) {
    yield `${JSON.stringify(r.type === 'header' ? { ...r, record_count: count } : r)}\n`;
  }
}
