/**
 * Google Merchant Center product feed, tab-separated with a header row (attribute names, optionally with
 * a "g:" prefix). Each row is an offer (a variant); rows sharing `item_group_id` become one product whose
 * options are the attributes the rows differ by (color, size, ...). Prices are "15.00 USD".
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { isCurrencyCode, parseDecimal } from '../../catalog/money.js';
import type { FeedSource, ProductRecordWire, SourceItem, WireMedia, WireVariant } from '../records.js';
import { FieldError, missingColumns, readRows, type Fields, Fields as FieldReader, type Row } from './delimited.js';
import { ByteCounter } from './lines.js';

const REQUIRED = ['id', 'title', 'price'];
/** Variant-distinguishing attributes, in the order they become product options. */
const OPTION_ATTRIBUTES: [column: string, option: string][] = [
  ['color', 'Color'],
  ['size', 'Size'],
  ['material', 'Material'],
  ['pattern', 'Pattern'],
];

export interface GmcPrice {
  amount: number;
  currency: string;
}

/** "15.00 USD" (or "USD 15.00") -> minor units + currency. */
export function parseGmcPrice(text: string, field: string): GmcPrice {
  const m = /^(?:([A-Z]{3})\s+)?(\d+(?:\.\d+)?)(?:\s+([A-Z]{3}))?$/.exec(text.trim());
  const currency = m?.[1] ?? m?.[3];
  if (!m || !currency || (m[1] && m[3])) throw new FieldError(field, `"${text}" is not a price like "15.00 USD"`);
  if (!isCurrencyCode(currency)) throw new FieldError(field, `"${currency}" is not an ISO 4217 currency code`);
  try {
    return { amount: parseDecimal(m[2]!, currency), currency };
  } catch (err) {
    throw new FieldError(field, (err as Error).message);
  }
}

/** "US:CA:Overnight:16.00 USD,US::Standard:4.95 USD" -> per-destination shipping prices. */
export function parseGmcShipping(text: string): NonNullable<ProductRecordWire['shipping']> {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const parts = entry.split(':');
      if (parts.length !== 4) throw new FieldError('shipping', `"${entry}" is not country:region:service:price`);
      const [country, region, service, price] = parts.map((p) => p.trim()) as [string, string, string, string];
      if (!/^[A-Z]{2}$/.test(country)) throw new FieldError('shipping', `"${country}" is not a two-letter country code`);
      const out: NonNullable<ProductRecordWire['shipping']>[number] = { country, price: parseGmcPrice(price, 'shipping') };
      if (region) {
        if (/^\d/.test(region)) out.postal_prefix = region.replace(/\*$/, '');
        else out.region = region;
      }
      if (service) out.service = service;
      return out;
    });
}

function availability(f: Fields): WireVariant['availability'] {
  const raw = (f.opt('availability') ?? 'in_stock').toLowerCase().replace(/\s+/g, '_');
  if (raw === 'in_stock' || raw === 'out_of_stock' || raw === 'preorder' || raw === 'backorder') return raw;
  throw new FieldError('availability', `"${f.opt('availability')}" must be in_stock, out_of_stock, preorder or backorder`);
}

/** "2026-11-01T00:00-0800/2026-12-01T00:00-0800" -> the end instant in RFC 3339 UTC. */
function saleEnd(text: string | undefined): string | undefined {
  const end = text?.split('/')[1]?.trim();
  if (!end) return undefined;
  const normalized = end.replace(/([+-]\d{2})(\d{2})$/, '$1:$2').replace(/T(\d{2}:\d{2})([+-Z])/, 'T$1:00$2');
  const ms = Date.parse(normalized);
  if (Number.isNaN(ms)) throw new FieldError('sale_price_effective_date', `"${text}" is not a start/end date range`);
  return new Date(ms).toISOString();
}

interface Offer {
  line: number;
  groupId?: string;
  variant: WireVariant;
  attributes: Record<string, string>;
  product: Omit<ProductRecordWire, 'variants' | 'id' | 'options'>;
  images: WireMedia[];
}

function offerFrom(row: Row): Offer {
  const f = new FieldReader(row.fields);
  const id = f.str('id');
  const price = parseGmcPrice(f.str('price'), 'price');
  const sale = f.has('sale_price') ? parseGmcPrice(f.str('sale_price'), 'sale_price') : undefined;
  if (sale && sale.currency !== price.currency) throw new FieldError('sale_price', `currency ${sale.currency} differs from price currency ${price.currency}`);
  const validUntil = sale ? saleEnd(f.opt('sale_price_effective_date')) : undefined;
  const images: WireMedia[] = [];
  if (f.has('image_link')) images.push({ type: 'image', url: f.str('image_link') });
  for (const url of (f.opt('additional_image_link') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean))
    images.push({ type: 'image', url });
  const condition = (f.opt('condition') ?? 'new').toLowerCase();
  if (condition !== 'new' && condition !== 'refurbished' && condition !== 'used') throw new FieldError('condition', `"${condition}" must be new, refurbished or used`);
  const avail = availability(f);
  const variant: WireVariant = {
    id,
    title: f.str('title'),
    ...(f.has('gtin') ? { gtin: f.str('gtin') } : {}),
    ...(f.has('mpn') ? { mpn: f.str('mpn') } : {}),
    condition,
    prices: [
      sale ? { currency: price.currency, amount: sale.amount, list_amount: price.amount, ...(validUntil ? { valid_until: validUntil } : {}) } : { currency: price.currency, amount: price.amount },
    ],
    ...(images[0] ? { media: [images[0]] } : {}),
    availability: avail,
    ...(f.has('availability_date') ? { availability_date: normalizeDate(f.str('availability_date')) } : {}),
  };
  const gpc = f.opt('google_product_category');
  const categories: NonNullable<ProductRecordWire['categories']> = [];
  if (gpc) categories.push(/^\d+$/.test(gpc) ? { taxonomy: 'google', id: gpc, path: gpc } : { taxonomy: 'google', path: gpc });
  if (f.has('product_type')) categories.push({ taxonomy: 'merchant', path: f.str('product_type') });
  const attributes: Record<string, string> = {};
  for (const [column] of OPTION_ATTRIBUTES) if (f.has(column)) attributes[column] = f.str(column);
  return {
    line: row.line,
    ...(f.has('item_group_id') ? { groupId: f.str('item_group_id') } : {}),
    variant,
    attributes,
    images,
    product: {
      type: 'product',
      title: f.str('title'),
      ...(f.has('description') ? { description: f.str('description') } : {}),
      ...(f.has('brand') ? { brand: f.str('brand') } : {}),
      ...(f.has('link') ? { url: f.str('link') } : {}),
      ...(categories.length ? { categories } : {}),
      ...(f.has('shipping') ? { shipping: parseGmcShipping(f.str('shipping')) } : {}),
    },
  };
}

function normalizeDate(text: string): string {
  const ms = Date.parse(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  if (Number.isNaN(ms)) throw new FieldError('availability_date', `"${text}" is not a date`);
  return /^\d{4}-\d{2}-\d{2}$/.test(text) ? text : new Date(ms).toISOString();
}

/** One product from an item group: options are the attributes whose values differ between rows. */
function groupProduct(groupId: string, offers: Offer[]): ProductRecordWire {
  const first = offers[0]!;
  // Color and size are variant attributes whenever given; material and pattern only when rows differ.
  const options = OPTION_ATTRIBUTES.map(([column, name]) => ({
    column,
    name,
    values: [...new Set(offers.map((o) => o.attributes[column]).filter((v): v is string => v !== undefined))],
  })).filter((o) => o.values.length > (o.column === 'color' || o.column === 'size' ? 0 : 1));
  const images = new Map<string, WireMedia>();
  for (const o of offers) for (const m of o.images) images.set(m.url, m);
  return {
    ...first.product,
    id: groupId,
    title: commonTitle(offers.map((o) => o.product.title)),
    ...(options.length ? { options: options.map(({ name, values }) => ({ name, values })) } : {}),
    media: [...images.values()],
    variants: offers.map((o) => ({
      ...o.variant,
      ...(options.length ? { options: Object.fromEntries(options.flatMap(({ column, name }) => (o.attributes[column] === undefined ? [] : [[name, o.attributes[column]]]))) } : {}),
    })),
  };
}

/** The words all variant titles start with ("Trail Jacket - Red - M" ... -> "Trail Jacket"). */
function commonTitle(titles: string[]): string {
  const split = titles.map((t) => t.split(/\s+/));
  const out: string[] = [];
  for (let i = 0; i < split[0]!.length; i++) {
    const word = split[0]![i]!;
    if (!split.every((w) => w[i] === word)) break;
    out.push(word);
  }
  const title = out.join(' ').replace(/[\s,\-–|/]+$/, '');
  return title || titles[0]!;
}

export function gmcFile(file: string): FeedSource {
  return gmcSource(file, path.basename(file), statSync(file).size);
}

/** A Merchant Center TSV from a path or a byte stream (an upload). */
export function gmcSource(input: string | Readable, name: string, totalBytes?: number): FeedSource {
  const counter = new ByteCounter();
  return {
    format: 'gmc',
    description: name,
    ...(totalBytes !== undefined ? { totalBytes } : {}),
    bytesRead: () => counter.bytes,
    async *records(): AsyncGenerator<SourceItem> {
      const groups = new Map<string, Offer[]>();
      let checked = false;
      for await (const item of readRows(input, { delimiter: '\t', normalizeHeader: (h) => h.replace(/^g:/i, '').toLowerCase() }, counter)) {
        if ('error' in item) {
          yield { ref: { file: name, line: item.line }, error: item.error };
          continue;
        }
        if (!checked) {
          checked = true;
          const missing = missingColumns(item.row.fields, REQUIRED);
          if (missing.length) {
            yield { ref: { file: name, line: 1 }, error: `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`, field: missing[0]! };
            return;
          }
        }
        let offer: Offer;
        try {
          offer = offerFrom(item.row);
        } catch (err) {
          if (err instanceof FieldError) {
            yield { ref: { file: name, line: item.row.line }, error: err.message, field: err.field };
            continue;
          }
          throw err;
        }
        if (offer.groupId === undefined) {
          yield { ref: { file: name, line: offer.line }, record: { ...offer.product, id: offer.variant.id, media: offer.images, variants: [offer.variant] } };
        } else {
          const list = groups.get(offer.groupId);
          if (list) list.push(offer);
          else groups.set(offer.groupId, [offer]);
        }
      }
      for (const [groupId, offers] of groups) yield { ref: { file: name, line: offers[0]!.line }, record: groupProduct(groupId, offers) };
    },
  };
}
