/**
 * The pieces of one generated product, each drawn from the caller's seeded PRNG: its option sets and the
 * variant combinations they make, stock per location, the description (plain text and HTML),
 * certifications, and customer reviews. Called in a fixed order by generateFeed (./generate.ts): the
 * order of the random draws is part of the output, so changing it changes the demo feed's bytes.
 */
import type { ProductRecordWire, ReviewRecord, WireStock } from '../feed/records.js';
import { CERTIFICATIONS, COLORS, FIRST_NAMES, LAST_INITIALS, type CategorySpec } from './content.js';
import { DEMO_EPOCH, isoDay } from './determinism.js';

export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

export function optionsFor(cat: CategorySpec, fixed3: boolean, rand: () => number): { name: string; values: string[] }[] {
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

export function combinations(options: { name: string; values: string[] }[]): string[][] {
  return options.reduce<string[][]>((acc, o) => acc.flatMap((prefix) => o.values.map((v) => [...prefix, v])), [[]]);
}

export function stockFor(locations: string[], fixed3: boolean, rand: () => number): WireStock[] {
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

export function describe(cat: CategorySpec, brand: string, model: string, thin: boolean, rand: () => number): { plain: string; html: string } {
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

export function certificationsFor(cat: CategorySpec, i: number, rand: () => number) {
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

export function review(product: ProductRecordWire, cat: CategorySpec, n: number, rand: () => number): ReviewRecord {
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
