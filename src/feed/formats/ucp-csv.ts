/**
 * The UCP reference store's CSV directory layout (as in the UCP conformance fixtures, e.g. flower_shop):
 * products, inventory, shipping_rates, tax_rates, discounts, promotions, customers, addresses,
 * payment_instruments.
 * Each row becomes a native record, so validation and application are the same as for JSON Lines.
 * Amounts in these files are integer minor units; the currency comes from the import options.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { FeedRecord, FeedSource, SourceItem } from '../records.js';
import { FieldError, mapRow, missingColumns, readRows, type Fields } from './delimited.js';
import { ByteCounter } from './lines.js';

interface FileSpec {
  file: string;
  required: string[];
  map: (f: Fields, currency: string) => FeedRecord;
}

/** Files in application order: what a row references is loaded before it. */
const FILES: FileSpec[] = [
  {
    file: 'products.csv',
    required: ['id', 'title', 'price'],
    map: (f, currency) => ({
      type: 'product',
      id: f.str('id'),
      title: f.str('title'),
      ...(f.has('description') ? { description: f.str('description') } : {}),
      ...(f.has('brand') ? { brand: f.str('brand') } : {}),
      ...(f.has('url') ? { url: f.str('url') } : {}),
      ...(f.has('category') ? { categories: [{ taxonomy: 'merchant' as const, path: f.str('category') }] } : {}),
      ...(f.has('image_url') ? { media: [{ type: 'image' as const, url: f.str('image_url') }] } : {}),
      variants: [
        {
          id: f.str('id'),
          ...(f.has('sku') ? { sku: f.str('sku') } : {}),
          ...(f.has('gtin') ? { gtin: f.str('gtin') } : {}),
          ...(f.has('mpn') ? { mpn: f.str('mpn') } : {}),
          prices: [{ currency: f.opt('currency') ?? currency, amount: f.int('price'), ...(f.has('list_price') ? { list_amount: f.int('list_price') } : {}) }],
        },
      ],
    }),
  },
  {
    file: 'inventory.csv',
    required: ['product_id', 'quantity'],
    map: (f) => ({
      type: 'inventory',
      variant_id: f.str('product_id'),
      on_hand: f.int('quantity'),
      ...(f.has('location_id') ? { location_id: f.str('location_id') } : {}),
    }),
  },
  {
    file: 'shipping_rates.csv',
    required: ['id', 'country_code', 'service_level', 'price', 'title'],
    map: (f, currency) => {
      const country = f.str('country_code');
      return {
        type: 'shipping_rate',
        id: f.str('id'),
        title: f.str('title'),
        country: country.toLowerCase() === 'default' ? '*' : country.toUpperCase(),
        service_level: f.str('service_level'),
        price: { amount: f.int('price'), currency: f.opt('currency') ?? currency },
        ...(f.has('ships_from') ? { ships_from: f.str('ships_from') } : {}),
        ...(f.has('cutoff_time') ? { cutoff_time: f.str('cutoff_time') } : {}),
        ...(f.has('handling_days_min') || f.has('handling_days_max')
          ? { handling_days: { min: f.optInt('handling_days_min') ?? 0, max: f.optInt('handling_days_max') ?? f.optInt('handling_days_min') ?? 0 } }
          : {}),
        ...(f.has('transit_days_min') || f.has('transit_days_max')
          ? { transit_days: { min: f.optInt('transit_days_min') ?? 0, max: f.optInt('transit_days_max') ?? f.optInt('transit_days_min') ?? 0 } }
          : {}),
      };
    },
  },
  {
    file: 'tax_rates.csv',
    required: ['id', 'country_code', 'rate'],
    map: (f) => ({
      type: 'tax_rate',
      id: f.str('id'),
      country: f.str('country_code').toUpperCase(),
      ...(f.has('region') ? { region: f.str('region').toUpperCase() } : {}),
      ...(f.has('postal_prefix') ? { postal_prefix: f.str('postal_prefix').toUpperCase() } : {}),
      rate: percent(f, 'rate'),
      ...(f.has('included') ? { included: f.bool('included') } : {}),
      ...(f.has('shipping') ? { shipping: f.bool('shipping') } : {}),
      ...(f.has('name') ? { name: f.str('name') } : {}),
    }),
  },
  {
    file: 'discounts.csv',
    required: ['code', 'type', 'value'],
    map: (f, currency) => {
      const kind = f.str('type');
      if (kind !== 'percentage' && kind !== 'fixed_amount') throw new FieldError('type', `"${kind}" must be percentage or fixed_amount`);
      return {
        type: 'discount',
        code: f.str('code'),
        discount_type: kind,
        value: f.int('value'),
        ...(kind === 'fixed_amount' ? { currency } : {}),
        ...(f.has('description') ? { description: f.str('description') } : {}),
        ...(f.has('min_subtotal') ? { min_subtotal: [{ amount: f.int('min_subtotal'), currency }] } : {}),
        ...(f.has('first_order') ? { first_order: f.bool('first_order') } : {}),
        ...(f.has('usage_limit') ? { usage_limit: f.int('usage_limit', { min: 1 }) } : {}),
        ...(f.has('per_buyer_limit') ? { per_buyer_limit: f.int('per_buyer_limit', { min: 1 }) } : {}),
        ...(f.has('eligible_item_ids') ? { eligible_ids: idList(f.str('eligible_item_ids')) } : {}),
        ...(f.has('eligible_categories') ? { eligible_categories: f.list('eligible_categories') } : {}),
        ...(f.has('countries') ? { countries: f.list('countries').map((c) => c.toUpperCase()) } : {}),
        ...(f.has('combinable') ? { combinable: f.bool('combinable') } : {}),
        ...(f.has('starts_at') ? { starts_at: f.str('starts_at') } : {}),
        ...(f.has('ends_at') ? { ends_at: f.str('ends_at') } : {}),
      };
    },
  },
  {
    file: 'promotions.csv',
    required: ['id', 'type'],
    map: (f, currency) => {
      const kind = f.str('type');
      if (kind !== 'free_shipping' && kind !== 'percentage' && kind !== 'fixed_amount') {
        throw new FieldError('type', `"${kind}" must be free_shipping, percentage or fixed_amount`);
      }
      return {
        type: 'promotion',
        id: f.str('id'),
        promotion_type: kind,
        ...(kind === 'fixed_amount' ? { currency: f.has('currency') ? f.str('currency').toUpperCase() : currency } : {}),
        ...(f.has('description') ? { description: f.str('description') } : {}),
        ...(f.has('min_subtotal') ? { min_subtotal: { amount: f.int('min_subtotal'), currency } } : {}),
        ...(f.has('eligible_item_ids') ? { eligible_ids: idList(f.str('eligible_item_ids')) } : {}),
        ...(f.has('countries') ? { countries: f.list('countries').map((c) => c.toUpperCase()) } : {}),
        ...(f.has('service_levels') ? { service_levels: f.list('service_levels') } : {}),
        ...(f.has('value') ? { value: f.int('value') } : {}),
      };
    },
  },
  {
    file: 'customers.csv',
    required: ['id', 'name', 'email'],
    map: (f) => ({ type: 'customer', id: f.str('id'), name: f.str('name'), email: f.str('email') }),
  },
  {
    file: 'addresses.csv',
    required: ['id', 'customer_id', 'street_address', 'city', 'postal_code', 'country'],
    map: (f) => ({
      type: 'address',
      id: f.str('id'),
      customer_id: f.str('customer_id'),
      street: f.str('street_address'),
      locality: f.str('city'),
      ...(f.has('state') ? { region: f.str('state') } : {}),
      postal_code: f.str('postal_code'),
      country: f.str('country').toUpperCase(),
    }),
  },
  {
    file: 'payment_instruments.csv',
    required: ['id', 'type', 'token', 'handler_id'],
    map: (f) => ({
      type: 'payment_instrument',
      id: f.str('id'),
      instrument_type: f.str('type'),
      ...(f.has('brand') ? { brand: f.str('brand') } : {}),
      ...(f.has('last_digits') ? { last_digits: f.str('last_digits') } : {}),
      token: f.str('token'),
      handler_id: f.str('handler_id'),
      ...(f.has('customer_id') ? { customer_id: f.str('customer_id') } : {}),
    }),
  },
];

/** A decimal percent as written, "8.625" (not minor units like the amounts: a rate has no currency). */
function percent(f: Fields, name: string): number {
  const v = f.str(name);
  if (!/^\d+(\.\d+)?$/.test(v)) throw new FieldError(name, `"${v}" is not a decimal percent like 8.625`);
  return Number(v);
}

/** `["a","b"]` (JSON, as in the fixtures) or `a;b` / `a|b`. */
function idList(text: string): string[] {
  if (text.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new FieldError('eligible_item_ids', 'is not a valid JSON array');
    }
    if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string')) throw new FieldError('eligible_item_ids', 'must be an array of ids');
    return parsed as string[];
  }
  return text
    .split(/[;|]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export function isUcpCsvDirectory(dir: string): boolean {
  return statSync(dir).isDirectory() && FILES.some((s) => existsSync(path.join(dir, s.file)));
}

export function ucpCsvSource(dir: string, currency: string): FeedSource {
  const present = FILES.filter((s) => existsSync(path.join(dir, s.file)));
  const totalBytes = present.reduce((n, s) => n + statSync(path.join(dir, s.file)).size, 0);
  const counter = new ByteCounter();
  return {
    format: 'ucp-csv',
    description: dir,
    totalBytes,
    bytesRead: () => counter.bytes,
    async *records(): AsyncGenerator<SourceItem> {
      if (present.length === 0) {
        const found = readdirSync(dir).join(', ') || 'nothing';
        yield { ref: { file: dir, line: 0 }, error: `no UCP CSV files (${FILES.map((s) => s.file).join(', ')}) in this directory; found ${found}` };
        return;
      }
      for (const spec of present) {
        let checked = false;
        for await (const item of readRows(path.join(dir, spec.file), { delimiter: ',', normalizeHeader: (h) => h.toLowerCase() }, counter)) {
          if ('error' in item) {
            yield { ref: { file: spec.file, line: item.line }, error: item.error };
            continue;
          }
          if (!checked) {
            checked = true;
            const missing = missingColumns(item.row.fields, spec.required);
            if (missing.length) {
              yield { ref: { file: spec.file, line: 1 }, error: `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`, field: missing[0]! };
              break;
            }
          }
          yield mapRow(spec.file, item.row, (f) => spec.map(f, currency));
        }
      }
    },
  };
}
