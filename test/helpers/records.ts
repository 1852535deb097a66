/** Small valid feed records for tests; override what a test cares about. */
export const merchant = (over: object = {}) => ({
  type: 'merchant',
  legal_name: 'Test Outfitters LLC',
  name: 'Test Outfitters',
  url: 'https://shop.example',
  country: 'US',
  currencies: ['USD', 'EUR'],
  ...over,
});

export const location = (id: string, over: object = {}) => ({
  type: 'location',
  id,
  name: `Location ${id}`,
  kind: 'warehouse',
  address: { country: 'US' },
  ...over,
});

export const longText = (words: number) => Array.from({ length: words }, (_, i) => `word${i}`).join(' ');

export const product = (id: string, over: Record<string, unknown> = {}) => ({
  type: 'product',
  id,
  title: `Product ${id}`,
  brand: 'Acme',
  description: longText(60),
  media: [1, 2, 3].map((n) => ({ url: `https://img.example/${id}-${n}.jpg` })),
  options: [{ name: 'Size', values: ['S', 'M'] }],
  variants: [
    { id: `${id}-s`, sku: `SKU-${id}-S`, gtin: '4006381333931', options: { Size: 'S' }, prices: [{ currency: 'USD', amount: 1999 }], inventory: [{ location_id: 'wh', on_hand: 5 }] },
    { id: `${id}-m`, sku: `SKU-${id}-M`, mpn: `MPN-${id}`, options: { Size: 'M' }, prices: [{ currency: 'USD', amount: 2499, list_amount: 2999 }], inventory: [{ location_id: 'wh', on_hand: 0 }] },
  ],
  ...over,
});

export const review = (id: string, productId: string, rating = 5, over: object = {}) => ({
  type: 'review',
  id,
  product_id: productId,
  rating,
  body: 'Great.',
  author: 'Sam P.',
  date: '2026-10-01',
  verified_purchase: true,
  ...over,
});

/** A small complete store: merchant, one warehouse, two products, a review. */
export const basicFeed = () => [merchant(), location('wh'), product('p1'), product('p2'), review('r1', 'p1', 4)];
