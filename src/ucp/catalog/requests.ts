/**
 * What a catalog request may ask and what the answer carries: limits, request and response bodies, the
 * search cursor, and how filters (price range, categories) are read. Pure; the capability's logic is in
 * service.ts.
 */
import type { UcpPolicy } from '../policies.js';
import type { UcpContext } from '../context.js';
import { protocolError } from '../errors.js';
import { info, warning, type UcpMessage } from '../messages.js';
import type { UcpProduct } from './codec.js';
import type { RawJson } from './fragments.js';
import type { UnderstoodQuery } from './query.js';

export const DEFAULT_LIMIT = 10;
export const MAX_LIMIT = 50;
export const MAX_LOOKUP_IDS = 50;
export const MAX_QUERY_LENGTH = 500;
/** Most categories one search may filter by (each is a clause of one SQL expression). */
export const MAX_CATEGORIES = 50;
/**
 * When no product has every word, one word is dropped at a time, for at most this many words (then any
 * word ranks): each try is a full-text query, and a long query of unrelated words must stay cheap.
 */
export const MAX_RELAXED_DROPS = 8;

export interface Filters {
  categories?: unknown;
  price?: { min?: number; max?: number };
  [extension: string]: unknown;
}

export interface SearchRequest {
  query?: string;
  context?: UcpContext;
  filters?: Filters;
  pagination?: { cursor?: string; limit?: number };
}

export interface LookupRequest {
  ids: string[];
  context?: UcpContext;
  filters?: Filters;
}

export interface ProductRequest {
  id: string;
  selected?: { name: string; label: string; id?: string }[];
  preferences?: string[];
  context?: UcpContext;
  filters?: Filters;
}

export interface SearchBody {
  /** Pre-serialised products (see fragments.ts). */
  products: RawJson[];
  pagination: { has_next_page: boolean; cursor?: string; total_count?: number };
  messages?: UcpMessage[];
  /** The return policies of the listed products (2026-08-25 policies[]; 2026-04-08 has none). */
  policies: UcpPolicy[];
}

export interface LookupBody {
  products: RawJson[];
  messages?: UcpMessage[];
  policies: UcpPolicy[];
}

export type ProductBody = { product: UcpProduct; messages?: UcpMessage[]; policies: UcpPolicy[] } | { error: UcpMessage[] };

/** What the price filters mean in the currency prices are shown in. */
export interface PriceRange {
  currency: string;
  min?: number;
  max?: number;
}

/** How the words matched: all of them, all but the one at this index, or any of them. */
export type MatchMode = 'all' | 'any' | number;

export interface Cursor {
  o: number;
  h: string;
  m: MatchMode;
}

/** Currencies whose symbol is the dollar sign: a "$" in a query means the shown one. */
export const DOLLARS = new Set(['USD', 'CAD', 'AUD', 'NZD', 'SGD', 'HKD', 'MXN']);

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

export function decodeCursor(raw: string, hash: string): Cursor {
  let c: Partial<Cursor> | undefined;
  try {
    c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<Cursor>;
  } catch {
    c = undefined;
  }
  if (!c || !Number.isInteger(c.o) || (c.o as number) < 0 || (c.m !== 'all' && c.m !== 'any' && !(Number.isInteger(c.m) && (c.m as number) >= 0 && (c.m as number) < 64)) || typeof c.h !== 'string') {
    throw protocolError('invalid_request', 'pagination.cursor is not a cursor this server issued', { path: '$.pagination.cursor' });
  }
  if (c.h !== hash) throw protocolError('invalid_request', 'pagination.cursor belongs to a different search (query, filters or context changed)', { path: '$.pagination.cursor' });
  return c as Cursor;
}

/** filters.price is denominated in context.currency; a price the text states may name its own currency. */
export function priceRange(filters: Filters | undefined, stated: UnderstoodQuery['price'], ctxCurrency: string | undefined, display: string, messages: UcpMessage[]): PriceRange | undefined {
  let range: PriceRange | undefined;
  const add = (min: number | undefined, max: number | undefined, currency: string, what: string, path: string) => {
    if (currency !== display) {
      messages.push(warning('price_filter_ignored', `${what} is in ${currency} but prices are shown in ${display}; it was not applied`, path));
      return;
    }
    range ??= { currency };
    // amounts beyond what a price can be (1e308 is an "integer" to JSON Schema) mean "no bound there"
    const exact = (n: number) => Math.min(Math.max(Math.round(n), 0), Number.MAX_SAFE_INTEGER);
    if (min !== undefined) range.min = Math.max(range.min ?? 0, exact(min));
    if (max !== undefined) range.max = Math.min(range.max ?? Number.MAX_SAFE_INTEGER, exact(max));
  };
  const f = filters?.price;
  if (f && (f.min !== undefined || f.max !== undefined)) {
    if (!ctxCurrency) messages.push(info('price_filter_currency', `filters.price read as ${display} minor units (no context.currency)`, '$.filters.price'));
    add(f.min, f.max, ctxCurrency ?? display, 'filters.price', '$.filters.price');
  }
  if (stated) add(stated.min, stated.max, stated.currency ?? display, `"${stated.text}"`, '$.query');
  return range;
}

export function categoryFilter(filters: Filters | undefined): string[] | undefined {
  const c = filters?.categories;
  if (c === undefined) return undefined;
  if (!Array.isArray(c) || !c.every((x) => typeof x === 'string')) throw protocolError('invalid_request', 'filters.categories must be an array of strings', { path: '$.filters.categories' });
  if (c.length > MAX_CATEGORIES) throw protocolError('invalid_request', `filters.categories may name at most ${MAX_CATEGORIES} categories`, { path: '$.filters.categories' });
  const values = (c as string[]).map((x) => x.trim()).filter(Boolean);
  return values.length ? values : undefined;
}
