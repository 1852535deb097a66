/**
 * UCP `context` (types/context.json) -> the OfferContext the JSON-LD catalog uses, so both surfaces
 * price and describe offers the same way for the same buyer. Context is a hint, not an order: values
 * ucpd cannot use are ignored with a warning message rather than failing the request. Countries may
 * be alpha-2 (recommended), alpha-3 or English names, and regions ISO 3166-2 codes or names (the
 * `iso-3166` package's tables, offline).
 */
import { iso31661, iso31662 } from 'iso-3166';
import { isCurrencyCode } from '../catalog/money.js';
import type { OfferContext } from '../publish/context.js';
import { currencyFor, type CurrencyRules } from '../publish/offers.js';
import type { UcpMessage } from './messages.js';

export interface UcpContext {
  address_country?: unknown;
  address_region?: unknown;
  postal_code?: unknown;
  language?: unknown;
  currency?: unknown;
  intent?: unknown;
  eligibility?: unknown;
}

const fold = (s: string) =>
  s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .trim();

let countries: Map<string, string> | undefined;
function countryIndex(): Map<string, string> {
  if (!countries) {
    countries = new Map();
    for (const c of iso31661) {
      countries.set(c.alpha3.toLowerCase(), c.alpha2);
      countries.set(fold(c.name), c.alpha2);
    }
    for (const c of iso31661) countries.set(c.alpha2.toLowerCase(), c.alpha2);
  }
  return countries;
}

export function countryCode(value: string): string | undefined {
  return countryIndex().get(fold(value));
}

/** ISO 3166-2 subdivision (without the country prefix) for a code or a name within a country. */
export function regionCode(country: string, value: string): string | undefined {
  const v = fold(value);
  const prefix = `${country.toLowerCase()}-`;
  return subdivisionIndex(country).get(v.startsWith(prefix) ? v.slice(prefix.length) : v);
}

/** Per country, its subdivisions by lower-case code and by folded name (built on first use: the table has ~5,000 rows). */
const subdivisions = new Map<string, Map<string, string>>();
function subdivisionIndex(country: string): Map<string, string> {
  let index = subdivisions.get(country);
  if (!index) {
    index = new Map();
    const names = new Map<string, string>();
    for (const s of iso31662) {
      if (s.parent !== country) continue;
      const code = s.code.slice(country.length + 1);
      index.set(code.toLowerCase(), code);
      if (!names.has(fold(s.name))) names.set(fold(s.name), code);
    }
    // a code wins over a name that reads the same
    for (const [name, code] of names) if (!index.has(name)) index.set(name, code);
    subdivisions.set(country, index);
  }
  return index;
}

function ignored(field: string, value: unknown, why: string): UcpMessage {
  return { type: 'warning', code: 'context_ignored', path: `$.context.${field}`, content: `context.${field} ${JSON.stringify(value)} was ignored: ${why}` };
}

export function offerContext(ctx: UcpContext | undefined, rules: CurrencyRules): { context: OfferContext; messages: UcpMessage[] } {
  const currencies = rules.merchant.currencies;
  const context: OfferContext = {};
  const messages: UcpMessage[] = [];
  if (!ctx) return { context, messages };
  if (ctx.address_country !== undefined) {
    const c = typeof ctx.address_country === 'string' ? countryCode(ctx.address_country) : undefined;
    if (c) context.country = c;
    else messages.push(ignored('address_country', ctx.address_country, 'not an ISO 3166-1 country code or name'));
  }
  if (ctx.address_region !== undefined) {
    const r = context.country && typeof ctx.address_region === 'string' ? regionCode(context.country, ctx.address_region) : undefined;
    if (r) context.region = r;
    else messages.push(ignored('address_region', ctx.address_region, context.country ? `not a subdivision of ${context.country}` : 'it needs address_country'));
  }
  if (ctx.postal_code !== undefined) {
    if (typeof ctx.postal_code === 'string' && /^[A-Za-z0-9 -]{2,12}$/.test(ctx.postal_code.trim()) && context.country) context.postalCode = ctx.postal_code.trim().toUpperCase();
    else messages.push(ignored('postal_code', ctx.postal_code, context.country ? 'not a postal code' : 'it needs address_country'));
  }
  if (ctx.currency !== undefined) {
    const c = typeof ctx.currency === 'string' ? ctx.currency.trim().toUpperCase() : '';
    if (!isCurrencyCode(c)) messages.push(ignored('currency', ctx.currency, 'not an ISO 4217 currency code'));
    else {
      context.currency = c;
      if (!currencies.includes(c)) {
        messages.push({ type: 'info', code: 'currency_unavailable', path: '$.context.currency', content: `this store does not sell in ${c}; prices are in ${currencyFor(rules, context)}` });
      }
    }
  }
  if (ctx.language !== undefined) {
    if (typeof ctx.language === 'string' && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(ctx.language)) context.lang = ctx.language.toLowerCase();
    else messages.push(ignored('language', ctx.language, 'not a BCP 47 language tag'));
  }
  return { context, messages };
}
