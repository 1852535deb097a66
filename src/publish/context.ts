/**
 * The buyer context that tailors offers: destination, currency, language. From query parameters
 * (?country=&region=&postal_code=&currency=&lang=) or a `UCP-Context`-style header with the same keys
 * (`country=US, region=CA, currency=USD`). Invalid values are 400s naming the parameter.
 */
import { invalidInput } from '../errors.js';
import { isCurrencyCode } from '../catalog/money.js';

export interface OfferContext {
  country?: string;
  region?: string;
  postalCode?: string;
  currency?: string;
  lang?: string;
}

const PARAMS = { country: 'country', region: 'region', postal_code: 'postalCode', currency: 'currency', lang: 'lang' } as const;

export function parseOfferContext(query: URLSearchParams, header?: string): OfferContext {
  const raw: Record<string, string> = {};
  if (header) {
    for (const part of header.split(',')) {
      const [k, ...v] = part.split('=');
      const key = k?.trim().toLowerCase();
      if (key && key in PARAMS)
        raw[key] = v
          .join('=')
          .trim()
          .replace(/^"(.*)"$/, '$1');
    }
  }
  for (const key of Object.keys(PARAMS)) {
    const v = query.get(key);
    if (v !== null) raw[key] = v.trim();
  }
  const ctx: OfferContext = {};
  if (raw.country !== undefined) {
    const c = raw.country.toUpperCase();
    if (!/^[A-Z]{2}$/.test(c)) throw invalidInput('invalid_parameter', `country must be an ISO 3166-1 alpha-2 code, got "${raw.country}"`, { parameter: 'country' });
    ctx.country = c;
  }
  if (raw.region !== undefined) {
    const r = raw.region.toUpperCase().replace(/^[A-Z]{2}-/, '');
    if (!/^[A-Z0-9]{1,3}$/.test(r)) throw invalidInput('invalid_parameter', `region must be an ISO 3166-2 subdivision code, got "${raw.region}"`, { parameter: 'region' });
    if (!ctx.country) throw invalidInput('invalid_parameter', 'region needs country', { parameter: 'region' });
    ctx.region = r;
  }
  if (raw.postal_code !== undefined) {
    if (!/^[A-Za-z0-9 -]{2,12}$/.test(raw.postal_code)) throw invalidInput('invalid_parameter', `postal_code is not a postal code: "${raw.postal_code}"`, { parameter: 'postal_code' });
    if (!ctx.country) throw invalidInput('invalid_parameter', 'postal_code needs country', { parameter: 'postal_code' });
    ctx.postalCode = raw.postal_code.toUpperCase();
  }
  if (raw.currency !== undefined) {
    const c = raw.currency.toUpperCase();
    if (!isCurrencyCode(c)) throw invalidInput('invalid_parameter', `currency must be an ISO 4217 code, got "${raw.currency}"`, { parameter: 'currency' });
    ctx.currency = c;
  }
  if (raw.lang !== undefined) {
    if (!/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(raw.lang)) throw invalidInput('invalid_parameter', `lang must be a BCP 47 language tag, got "${raw.lang}"`, { parameter: 'lang' });
    ctx.lang = raw.lang.toLowerCase();
  }
  return ctx;
}

/** Stable text form, for cache keys; empty for no context. */
export function contextKey(ctx: OfferContext): string {
  return [ctx.country, ctx.region, ctx.postalCode, ctx.currency, ctx.lang]
    .map((v) => v ?? '')
    .join('|')
    .replace(/^\|+$/, '');
}

/** The same context as query parameters (for links that keep it). */
export function contextParams(ctx: OfferContext): Record<string, string | undefined> {
  return { country: ctx.country, region: ctx.region, postal_code: ctx.postalCode, currency: ctx.currency, lang: ctx.lang };
}
