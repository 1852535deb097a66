/**
 * Record validation: the JSON Schema (schemas/ucpd-feed-v1.schema.json) compiled once with Ajv, then the
 * rules a schema cannot express (currency codes, GTIN check digits, option consistency, sale prices).
 * Every problem names the field by its path inside the record.
 */
import { isTimeZone } from '../publish/calendar.js';
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { isCurrencyCode } from '../catalog/money.js';
import { isValidGtin } from '../catalog/identifiers.js';
import { projectPath } from '../paths.js';
import type { FeedRecord, ProductRecordWire } from './records.js';

export interface FieldProblem {
  field: string;
  message: string;
}

// ajv-formats is CJS with a default export; under NodeNext its namespace import is the function.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

let compiled: ValidateFunction | undefined;

export function feedSchema(): object {
  return JSON.parse(readFileSync(projectPath('schemas', 'ucpd-feed-v1.schema.json'), 'utf8')) as object;
}

/** Compile the schema now (servers call this at start, so no request pays for it). */
export function validator(): ValidateFunction {
  if (!compiled) {
    // multipleOfPrecision: without it Ajv tests `rate / 0.0001` for an exact integer, which binary floating
    // point misses for most decimals (2.9 / 0.0001 = 28999.999999999996); 1e-8 still refuses a fifth decimal.
    const ajv = new Ajv2020({ allErrors: false, discriminator: true, useDefaults: false, strict: false, multipleOfPrecision: 8 });
    addFormats(ajv);
    compiled = ajv.compile(feedSchema());
  }
  return compiled;
}

/** "/variants/0/prices/1/amount" -> "variants[0].prices[1].amount" */
export function fieldPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}

function describe(e: ErrorObject): FieldProblem {
  let field = fieldPath(e.instancePath);
  let message = e.message ?? 'is invalid';
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'additionalProperties') {
    field = field ? `${field}.${String(params.additionalProperty)}` : String(params.additionalProperty);
    message = 'is not a known field';
  } else if (e.keyword === 'required') {
    field = field ? `${field}.${String(params.missingProperty)}` : String(params.missingProperty);
    message = 'is required';
  } else if (e.keyword === 'enum') {
    message = `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  } else if (e.keyword === 'discriminator') {
    field = 'type';
    message = params.error === 'mapping' ? `unknown record type ${JSON.stringify(params.tagValue)}` : 'is required and must be a string';
  } else if (e.keyword === 'pattern' && e.instancePath.endsWith('/id')) {
    message = 'must be 1-256 characters without whitespace, "/", "?" or "#"';
  }
  return { field: field || '(record)', message };
}

/** Schema and semantic problems of one record; empty when it is valid. */
export function validateRecord(record: unknown): FieldProblem[] {
  const validate = validator();
  if (!validate(record)) return (validate.errors ?? []).slice(0, 5).map(describe);
  return semanticProblems(record as FeedRecord);
}

function timeZoneProblem(field: string, tz: string | undefined): FieldProblem[] {
  return tz === undefined || isTimeZone(tz) ? [] : [{ field, message: `"${tz}" is not an IANA time zone (like America/Denver)` }];
}

function currencyProblem(field: string, code: string | undefined): FieldProblem[] {
  return code === undefined || isCurrencyCode(code) ? [] : [{ field, message: `"${code}" is not an ISO 4217 currency code` }];
}

function semanticProblems(record: FeedRecord): FieldProblem[] {
  switch (record.type) {
    case 'merchant':
      return record.currencies.flatMap((c, i) => currencyProblem(`currencies[${i}]`, c));
    case 'location': {
      const problems = timeZoneProblem('time_zone', record.time_zone);
      (record.hours ?? []).forEach((h, i) => {
        if (h.opens >= h.closes) problems.push({ field: `hours[${i}].closes`, message: `must be after opens (${h.opens})` });
      });
      (record.holidays ?? []).forEach((d, i) => {
        if (Number.isNaN(Date.parse(`${d}T00:00:00Z`))) problems.push({ field: `holidays[${i}]`, message: `"${d}" is not a date` });
      });
      return problems;
    }
    case 'shipping_rate': {
      const problems = [...currencyProblem('price.currency', record.price.currency), ...timeZoneProblem('time_zone', record.time_zone)];
      for (const key of ['handling_days', 'transit_days'] as const) {
        const d = record[key];
        if (d && d.min > d.max) problems.push({ field: `${key}.min`, message: `must not exceed ${key}.max (${d.max})` });
      }
      return problems;
    }
    case 'return_policy': {
      const problems = currencyProblem('shipping_fee.currency', record.shipping_fee?.currency);
      if (record.category === 'finite' && record.window_days === undefined) {
        problems.push({ field: 'window_days', message: 'is required when category is "finite"' });
      }
      return problems;
    }
    case 'product':
      return productProblems(record);
    case 'price': {
      const problems = currencyProblem('currency', record.currency);
      if (typeof record.list_amount === 'number' && record.list_amount < record.amount) {
        problems.push({ field: 'list_amount', message: `must be at least amount (${record.amount}): it is the regular price` });
      }
      return problems;
    }
    case 'review': {
      const best = record.best_rating ?? 5;
      const worst = record.worst_rating ?? 1;
      if (best <= worst) return [{ field: 'best_rating', message: `must be greater than worst_rating (${worst})` }];
      if (record.rating < worst || record.rating > best) return [{ field: 'rating', message: `must be between ${worst} and ${best}` }];
      return [];
    }
    case 'discount': {
      if (record.discount_type === 'percentage' && record.value > 100) return [{ field: 'value', message: 'a percentage must be 0-100' }];
      const problems = currencyProblem('currency', record.currency);
      const minimums = record.min_subtotal === undefined ? [] : Array.isArray(record.min_subtotal) ? record.min_subtotal : [record.min_subtotal];
      const seen = new Set<string>();
      minimums.forEach((m, i) => {
        problems.push(...currencyProblem(`min_subtotal[${i}].currency`, m.currency));
        if (seen.has(m.currency)) problems.push({ field: `min_subtotal[${i}].currency`, message: `${m.currency} has two minimums` });
        seen.add(m.currency);
      });
      if (record.discount_type === 'fixed_amount' && record.currency && minimums.length && !seen.has(record.currency)) {
        problems.push({ field: 'min_subtotal', message: `the code takes ${record.currency} off but has no ${record.currency} minimum` });
      }
      if (record.starts_at && record.ends_at && record.starts_at >= record.ends_at) problems.push({ field: 'ends_at', message: 'must be after starts_at' });
      return problems;
    }
    case 'promotion': {
      const problems = [...currencyProblem('currency', record.currency), ...currencyProblem('min_subtotal.currency', record.min_subtotal?.currency)];
      const currency = record.currency ?? record.min_subtotal?.currency;
      if (record.currency && record.min_subtotal && record.min_subtotal.currency !== record.currency) {
        problems.push({ field: 'min_subtotal.currency', message: `must be the promotion's currency (${record.currency})` });
      }
      if ((record.promotion_type === 'percentage' || record.promotion_type === 'fixed_amount') && record.value === undefined)
        problems.push({ field: 'value', message: `a ${record.promotion_type} promotion needs a value` });
      if (record.promotion_type === 'percentage' && (record.value ?? 0) > 100) problems.push({ field: 'value', message: 'a percentage must be 0-100' });
      // an amount without a currency would take 5.00 off a dollar basket and 500 off a yen one
      if (record.promotion_type === 'fixed_amount' && !currency) problems.push({ field: 'currency', message: 'a fixed_amount promotion needs the currency its amount is in' });
      if (record.starts_at && record.ends_at && record.starts_at >= record.ends_at) problems.push({ field: 'ends_at', message: 'must be after starts_at' });
      return problems;
    }
    default:
      return [];
  }
}

function productProblems(p: ProductRecordWire): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const options = new Map((p.options ?? []).map((o) => [o.name, new Set(o.values)]));
  const seenCombos = new Map<string, string>();
  p.variants.forEach((v, i) => {
    const at = `variants[${i}]`;
    if (v.gtin !== undefined && !isValidGtin(v.gtin)) problems.push({ field: `${at}.gtin`, message: `"${v.gtin}" has a wrong check digit` });
    const currencies = new Set<string>();
    v.prices.forEach((price, j) => {
      problems.push(...currencyProblem(`${at}.prices[${j}].currency`, price.currency));
      if (currencies.has(price.currency)) problems.push({ field: `${at}.prices[${j}].currency`, message: `${price.currency} is priced twice` });
      currencies.add(price.currency);
      if (price.list_amount !== undefined && price.list_amount < price.amount) {
        problems.push({ field: `${at}.prices[${j}].list_amount`, message: `must be at least amount (${price.amount}): it is the regular price` });
      }
    });
    const values = v.options ?? {};
    for (const [name, value] of Object.entries(values)) {
      const allowed = options.get(name);
      if (!allowed) problems.push({ field: `${at}.options.${name}`, message: `product has no option "${name}"` });
      else if (!allowed.has(value)) problems.push({ field: `${at}.options.${name}`, message: `"${value}" is not one of the product's ${name} values` });
    }
    for (const name of options.keys()) {
      if (!(name in values)) problems.push({ field: `${at}.options`, message: `missing a value for option "${name}"` });
    }
    if (options.size > 0) {
      const combo = [...options.keys()].map((n) => values[n]).join('\u0000');
      const other = seenCombos.get(combo);
      if (other !== undefined) problems.push({ field: `${at}.options`, message: `same option values as variant ${other}` });
      else seenCombos.set(combo, v.id);
    }
    if (v.inventory && v.availability) problems.push({ field: `${at}.availability`, message: 'give either inventory or availability, not both' });
    const locations = new Set<string>();
    (v.inventory ?? []).forEach((s, j) => {
      const key = s.location_id ?? '';
      if (locations.has(key)) problems.push({ field: `${at}.inventory[${j}].location_id`, message: 'location listed twice for this variant' });
      locations.add(key);
    });
  });
  if (p.variants.length > 1 && options.size === 0) {
    problems.push({ field: 'options', message: 'a product with several variants must declare the options they differ by' });
  }
  for (const [i, s] of (p.shipping ?? []).entries()) problems.push(...currencyProblem(`shipping[${i}].price.currency`, s.price.currency));
  return problems;
}
