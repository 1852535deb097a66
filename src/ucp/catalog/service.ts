/**
 * The catalog capability's logic: search (full-text plus filters, constraints read from the query text,
 * cursor pagination, an explanation per product), lookup (ids, SKUs, GTINs, handles and product URLs,
 * each returned variant correlated to its inputs) and get_product (option selection with relaxation and
 * availability signals). Transport-free: it takes parsed request bodies and returns response bodies
 * without the `ucp` envelope; it never throws for business outcomes.
 */
import { createHash } from 'node:crypto';
import { summarizeStock } from '../../catalog/availability.js';
import type { Merchant, Variant } from '../../catalog/model.js';
import { isCurrencyCode, minorUnitExponent, toDecimalString } from '../../catalog/money.js';
import { exclusionFilter, isExcluded, type QualityCheckId } from '../../catalog/quality.js';
import type { PublishEnv } from '../../linked-data/product.js';
import type { CommerceService } from '../../linked-data/service.js';
import type { Clock, ProductRecord, SearchQuery, Store } from '../../store/store.js';
import { offerContext, type UcpContext } from '../context.js';
import { protocolError } from '../errors.js';
import { error, info, warning, type UcpMessage } from '../messages.js';
import { encodeProduct, variantPrice, type UcpProduct } from './codec.js';
import { ftsQuery, mentions, stemOf, understand, type UnderstoodQuery } from './query.js';

export const DEFAULT_LIMIT = 10;
export const MAX_LIMIT = 50;
export const MAX_LOOKUP_IDS = 50;
export const MAX_QUERY_LENGTH = 500;

export interface CatalogOptions {
  store: Store;
  commerce: CommerceService;
  clock: Clock;
  qualityExclude: readonly QualityCheckId[];
}

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
  products: UcpProduct[];
  pagination: { has_next_page: boolean; cursor?: string; total_count?: number };
  messages?: UcpMessage[];
}

export interface LookupBody {
  products: UcpProduct[];
  messages?: UcpMessage[];
}

export type ProductBody = { product: UcpProduct; messages?: UcpMessage[] } | { error: UcpMessage[] };

/** What the price filters mean in the currency prices are shown in. */
interface PriceRange {
  currency: string;
  min?: number;
  max?: number;
}

interface Cursor {
  o: number;
  h: string;
  m: 'all' | 'any';
}

const DOLLARS = new Set(['USD', 'CAD', 'AUD', 'NZD', 'SGD', 'HKD', 'MXN']);

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(raw: string, hash: string): Cursor {
  let c: Partial<Cursor> | undefined;
  try {
    c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<Cursor>;
  } catch {
    c = undefined;
  }
  if (!c || !Number.isInteger(c.o) || (c.o as number) < 0 || (c.m !== 'all' && c.m !== 'any') || typeof c.h !== 'string') {
    throw protocolError('invalid_request', 'pagination.cursor is not a cursor this server issued', { path: '$.pagination.cursor' });
  }
  if (c.h !== hash) throw protocolError('invalid_request', 'pagination.cursor belongs to a different search (query, filters or context changed)', { path: '$.pagination.cursor' });
  return c as Cursor;
}

function money(amount: number, currency: string): string {
  return `${toDecimalString(amount, currency)} ${currency}`;
}

export class UcpCatalog {
  constructor(private readonly o: CatalogOptions) {}

  private async env(ctx: UcpContext | undefined): Promise<{ env: PublishEnv; messages: UcpMessage[]; display: string; merchant: Merchant }> {
    const state = await this.o.commerce.storeState();
    const { context, messages } = offerContext(ctx, state.merchant.currencies);
    const display = context.currency && state.merchant.currencies.includes(context.currency) ? context.currency : (state.merchant.currencies[0] ?? 'USD');
    const env: PublishEnv = {
      urls: this.o.commerce.urls,
      merchant: state.merchant,
      locations: state.locations,
      rates: state.rates,
      policies: state.policies,
      promotions: state.promotions,
      context,
      now: this.o.clock.now(),
    };
    return { env, messages, display, merchant: state.merchant };
  }

  private excluded(record: ProductRecord): boolean {
    return isExcluded(record, this.o.qualityExclude, this.o.clock.now());
  }

  /** filters.price is denominated in context.currency; a price the text states may name its own currency. */
  private priceRange(filters: Filters | undefined, stated: UnderstoodQuery['price'], ctxCurrency: string | undefined, display: string, messages: UcpMessage[]): PriceRange | undefined {
    let range: PriceRange | undefined;
    const add = (min: number | undefined, max: number | undefined, currency: string, what: string, path: string) => {
      if (currency !== display) {
        messages.push(warning('price_filter_ignored', `${what} is in ${currency} but prices are shown in ${display}; it was not applied`, path));
        return;
      }
      range ??= { currency };
      if (min !== undefined) range.min = Math.max(range.min ?? 0, min);
      if (max !== undefined) range.max = Math.min(range.max ?? Number.MAX_SAFE_INTEGER, max);
    };
    const f = filters?.price;
    if (f && (f.min !== undefined || f.max !== undefined)) {
      if (!ctxCurrency) messages.push(info('price_filter_currency', `filters.price read as ${display} minor units (no context.currency)`, '$.filters.price'));
      add(f.min, f.max, ctxCurrency ?? display, 'filters.price', '$.filters.price');
    }
    if (stated) add(stated.min, stated.max, stated.currency ?? display, `"${stated.text}"`, '$.query');
    return range;
  }

  private categories(filters: Filters | undefined): string[] | undefined {
    const c = filters?.categories;
    if (c === undefined) return undefined;
    if (!Array.isArray(c) || !c.every((x) => typeof x === 'string')) throw protocolError('invalid_request', 'filters.categories must be an array of strings', { path: '$.filters.categories' });
    const values = (c as string[]).map((x) => x.trim()).filter(Boolean);
    return values.length ? values : undefined;
  }

  async search(req: SearchRequest, o: { inventory: boolean }): Promise<SearchBody> {
    const text = (req.query ?? '').trim();
    if (text.length > MAX_QUERY_LENGTH) throw protocolError('invalid_request', `query is longer than ${MAX_QUERY_LENGTH} characters`, { path: '$.query' });
    const categories = this.categories(req.filters);
    const hasPrice = req.filters?.price !== undefined && (req.filters.price.min !== undefined || req.filters.price.max !== undefined);
    if (!text && !categories && !hasPrice) throw protocolError('invalid_request', 'a search needs a query or a filter (categories, price)');
    const { env, messages, display } = await this.env(req.context);
    const ctxCurrency = env.context.currency;
    const q = understand(text, {
      isCurrency: isCurrencyCode,
      exponent: minorUnitExponent,
      dollar: ctxCurrency && DOLLARS.has(ctxCurrency) ? ctxCurrency : DOLLARS.has(display) ? display : 'USD',
      fallbackCurrency: ctxCurrency ?? display,
    });
    const price = this.priceRange(req.filters, q.price, ctxCurrency, display, messages);
    if (price?.min !== undefined && price.max !== undefined && price.min > price.max) {
      messages.push(warning('price_filter_empty', `the price range ${money(price.min, price.currency)} to ${money(price.max, price.currency)} is empty`, '$.filters.price'));
    }
    const requested = req.pagination?.limit ?? DEFAULT_LIMIT;
    const limit = Math.min(Math.max(1, requested), MAX_LIMIT);
    if (requested > MAX_LIMIT) messages.push(info('limit_clamped', `pagination.limit ${requested} was reduced to ${MAX_LIMIT}`, '$.pagination.limit'));

    const hash = createHash('sha256')
      .update(JSON.stringify([text, req.filters ?? {}, env.context]))
      .digest('base64url')
      .slice(0, 16);
    const cursor = req.pagination?.cursor ? decodeCursor(req.pagination.cursor, hash) : undefined;
    const base: Omit<SearchQuery, 'offset' | 'limit'> = {
      ...(categories ? { categories } : {}),
      ...(price ? { price } : {}),
      ...(q.options.length ? { options: q.options.map(({ name, values }) => ({ name, values })) } : {}),
      ...(q.inStock ? { inStock: true } : {}),
      ...(this.quality() ? { quality: this.quality()! } : {}),
    };
    let mode: 'all' | 'any' = cursor?.m ?? 'all';
    const offset = cursor?.o ?? 0;
    const run = (m: 'all' | 'any') => this.o.store.searchProducts({ ...base, ...(q.terms.length ? { match: ftsQuery(q.terms, m) } : {}), offset, limit });
    let result = await run(mode);
    if (!cursor && result.hits.length === 0 && q.terms.length > 1) {
      // No product has every word: rank by any word instead, and say so.
      const relaxed = await run('any');
      if (relaxed.hits.length) {
        mode = 'any';
        result = relaxed;
        messages.push(info('query_relaxed', `no product matches every word of "${text}"; showing products that match some of them`, '$.query'));
      }
    }

    const records = new Map((await this.o.store.getProducts(result.hits.map((h) => h.id))).map((r) => [r.product.id, r]));
    const constraints = [
      ...(q.price ? [`price ${q.price.min !== undefined ? `>= ${money(q.price.min, q.price.currency ?? display)}` : ''}${q.price.min !== undefined && q.price.max !== undefined ? ' and ' : ''}${q.price.max !== undefined ? `<= ${money(q.price.max, q.price.currency ?? display)}` : ''} (from "${q.price.text}")`] : []),
      ...(q.inStock ? ['in stock (from the query)'] : []),
      ...q.options.map((opt) => `${opt.name} is one of ${opt.values.join(', ')} (from "${opt.text}")`),
      ...(categories ? [`category: ${categories.join(' or ')}`] : []),
    ];
    const products: UcpProduct[] = [];
    result.hits.forEach((hit, i) => {
      const record = records.get(hit.id);
      if (!record) return;
      const product = encodeProduct(record, env, { inventory: o.inventory, variants: this.searchVariants(record, q, price, env) });
      if (!product) return;
      product.metadata = { ...product.metadata, 'dev.ucpd.search': this.explain(record, q, offset + i + 1, hit.score, mode, constraints) };
      products.push(product);
    });
    const pagination: SearchBody['pagination'] = {
      has_next_page: result.hasMore,
      ...(result.hasMore ? { cursor: encodeCursor({ o: offset + limit, h: hash, m: mode }) } : {}),
      ...(result.total !== undefined ? { total_count: result.total } : {}),
    };
    return { products, pagination, ...(messages.length ? { messages } : {}) };
  }

  private quality() {
    return exclusionFilter(this.o.qualityExclude, this.o.clock.now());
  }

  /** With option or price constraints, the variants that satisfy them come first (the first is featured). */
  private searchVariants(record: ProductRecord, q: UnderstoodQuery, price: PriceRange | undefined, env: PublishEnv): Variant[] | undefined {
    if (!q.options.length && !price && !q.inStock) return undefined;
    const fits = (v: Variant) => {
      if (price) {
        const p = variantPrice(v, env);
        if (!p || p.currency !== price.currency || p.amount < (price.min ?? 0) || p.amount > (price.max ?? Number.MAX_SAFE_INTEGER)) return false;
      }
      for (const opt of q.options) {
        const value = v.options.find((x) => x.name.toLowerCase() === opt.name)?.value.toLowerCase();
        if (value === undefined || !opt.values.includes(value)) return false;
      }
      if (q.inStock && summarizeStock(record.levels.filter((l) => l.variantId === v.id)).availability === 'out_of_stock') return false;
      return true;
    };
    const all = record.product.variants;
    return [...all.filter(fits), ...all.filter((v) => !fits(v))];
  }

  /** Why this product is in the results: which words matched where, and the constraints it satisfies. */
  private explain(record: ProductRecord, q: UnderstoodQuery, position: number, score: number, mode: 'all' | 'any', constraints: string[]): Record<string, unknown> {
    const p = record.product;
    const fields: [string, string[]][] = [
      ['title', [p.title]],
      ['brand', p.brand ? [p.brand] : []],
      ['categories', p.categories.map((c) => c.path)],
      ['tags', p.tags],
      ['options', p.options.flatMap((opt) => [opt.name, ...opt.values])],
      ['attributes', Object.values(p.attributes)],
      ['certifications', p.certifications.map((c) => c.name)],
      ['description', [p.description.plain ?? p.description.markdown ?? p.description.html ?? '']],
    ];
    const matched = q.terms
      .map((term) => {
        const stem = stemOf(term);
        return { term, fields: fields.filter(([, texts]) => texts.some((t) => mentions(t, stem))).map(([name]) => name) };
      })
      .filter((m) => m.fields.length > 0);
    return {
      position,
      ...(q.terms.length ? { relevance: Math.round(-score * 1000) / 1000, match: mode === 'all' ? 'all_terms' : 'some_terms', matched } : { match: 'filters_only' }),
      ...(constraints.length ? { constraints } : {}),
    };
  }

  /** Resolve one lookup id: product id or handle or URL (featured variant), variant id, SKU or GTIN (exact). */
  private async resolve(id: string): Promise<{ productId: string; variantId?: string } | undefined> {
    const s = this.o.store;
    if (await s.getProductKey(id)) return { productId: id };
    const variant = await s.findVariant(id);
    if (variant) return { productId: variant.productId, variantId: variant.variantId };
    const byHandle = await s.findProductByHandle(id);
    if (byHandle) return { productId: byHandle };
    const urls = this.o.commerce.urls;
    const prefix = `${urls.base}/products/`;
    if (id.startsWith(prefix)) {
      const u = new URL(id);
      const productId = decodeURIComponent(u.pathname.slice(new URL(prefix).pathname.length));
      const variantId = u.searchParams.get('variant') ?? undefined;
      const key = await s.getProductKey(productId);
      if (key) return { productId, ...(variantId !== undefined ? { variantId } : {}) };
    }
    return undefined;
  }

  async lookup(req: LookupRequest, o: { inventory: boolean }): Promise<LookupBody> {
    const ids = [...new Set(req.ids.map((id) => id.trim()).filter(Boolean))];
    if (ids.length === 0) throw protocolError('invalid_request', 'ids must contain at least one non-empty identifier', { path: '$.ids' });
    if (ids.length > MAX_LOOKUP_IDS) throw protocolError('request_too_large', `at most ${MAX_LOOKUP_IDS} ids per lookup, got ${ids.length}`, { path: '$.ids' });
    const categories = this.categories(req.filters);
    const { env, messages, display } = await this.env(req.context);
    const price = this.priceRange(req.filters, undefined, env.context.currency, display, messages);

    const resolved = await Promise.all(ids.map(async (id) => ({ id, hit: await this.resolve(id) })));
    const byProduct = new Map<string, { id: string; variantId?: string }[]>();
    for (const { id, hit } of resolved) {
      if (!hit) continue;
      const list = byProduct.get(hit.productId) ?? [];
      list.push({ id, ...(hit.variantId !== undefined ? { variantId: hit.variantId } : {}) });
      byProduct.set(hit.productId, list);
    }
    const records = new Map((await this.o.store.getProducts([...byProduct.keys()])).map((r) => [r.product.id, r]));
    const found = new Set<string>();
    const products: UcpProduct[] = [];
    for (const [productId, inputs] of byProduct) {
      const record = records.get(productId);
      if (!record || this.excluded(record)) continue;
      if (categories && !this.inCategories(record, categories)) continue;
      const eligible = record.product.variants.filter((v) => this.priceFits(v, price, env));
      if (eligible.length === 0) continue;
      const correlated = new Map<string, { id: string; match: string }[]>();
      const note = (variantId: string, input: { id: string; match: string }) => correlated.set(variantId, [...(correlated.get(variantId) ?? []), input]);
      for (const input of inputs) {
        if (input.variantId !== undefined) {
          if (eligible.some((v) => v.id === input.variantId)) note(input.variantId, { id: input.id, match: 'exact' });
        } else {
          note(this.featured(record, eligible).id, { id: input.id, match: 'featured' });
        }
      }
      if (correlated.size === 0) continue;
      const variants = eligible.filter((v) => correlated.has(v.id));
      const product = encodeProduct(record, env, { inventory: o.inventory, variants });
      if (!product) continue;
      for (const v of product.variants) v.inputs = correlated.get(v.id)!;
      for (const list of correlated.values()) for (const input of list) found.add(input.id);
      products.push(product);
    }
    ids.forEach((id, i) => {
      if (!found.has(id)) messages.push(info('not_found', id, `$.ids[${req.ids.indexOf(id) >= 0 ? req.ids.indexOf(id) : i}]`));
    });
    return { products, ...(messages.length ? { messages } : {}) };
  }

  private inCategories(record: ProductRecord, categories: readonly string[]): boolean {
    return categories.some((c) =>
      record.product.categories.some((pc) => (/^\d+$/.test(c) ? pc.taxonomy === 'google' && pc.id === c : pc.path.toLowerCase() === c.toLowerCase() || pc.path.toLowerCase().startsWith(`${c.toLowerCase()} >`))),
    );
  }

  private priceFits(v: Variant, price: PriceRange | undefined, env: PublishEnv): boolean {
    if (!price) return true;
    const p = variantPrice(v, env);
    return !!p && p.currency === price.currency && p.amount >= (price.min ?? 0) && p.amount <= (price.max ?? Number.MAX_SAFE_INTEGER);
  }

  /** The variant a product-level id resolves to: the first that can be bought now, else the first. */
  private featured(record: ProductRecord, among: readonly Variant[]): Variant {
    return among.find((v) => summarizeStock(record.levels.filter((l) => l.variantId === v.id)).availability !== 'out_of_stock') ?? among[0]!;
  }

  async product(req: ProductRequest, o: { inventory: boolean }): Promise<ProductBody> {
    const id = req.id.trim();
    const notFoundBody = (): ProductBody => ({ error: [error('not_found', `no product or variant "${id}"`, 'unrecoverable', '$.id')] });
    if (!id) return notFoundBody();
    const hit = await this.resolve(id);
    if (!hit) return notFoundBody();
    const record = await this.o.store.getProduct(hit.productId);
    if (!record || this.excluded(record)) return notFoundBody();
    const { env, messages, display } = await this.env(req.context);
    const price = this.priceRange(req.filters, undefined, env.context.currency, display, messages);
    const categories = this.categories(req.filters);
    if (categories && !this.inCategories(record, categories)) return { error: [error('not_found', `product "${record.product.id}" is not in the requested categories`, 'unrecoverable', '$.filters.categories')] };
    const variants = record.product.variants.filter((v) => this.priceFits(v, price, env));
    if (variants.length === 0) return { error: [error('not_found', `no variant of "${record.product.id}" matches the filters`, 'unrecoverable', '$.filters')] };

    const options = record.product.options;
    const optionNames = new Map(options.map((opt) => [opt.name.toLowerCase(), opt.name]));
    const asked = hit.variantId !== undefined ? record.product.variants.find((v) => v.id === hit.variantId) : undefined;
    // the selection: a variant id's own options win over `selected`
    let selection: { name: string; label: string }[] = [];
    if (asked) selection = asked.options.map((x) => ({ name: x.name, label: x.value }));
    else {
      const seen = new Set<string>();
      for (const [i, s] of (req.selected ?? []).entries()) {
        const name = optionNames.get(s.name.toLowerCase());
        if (!name) {
          messages.push(warning('option_unknown', `product "${record.product.id}" has no option "${s.name}"; the selection was ignored`, `$.selected[${i}]`));
          continue;
        }
        if (seen.has(name)) continue;
        seen.add(name);
        selection.push({ name, label: s.label });
      }
    }
    const matches = (v: Variant, sel: readonly { name: string; label: string }[]) =>
      sel.every((s) => v.options.some((x) => x.name === s.name && x.value.toLowerCase() === s.label.toLowerCase()));
    // relax: drop selections not in `preferences` first, then from the end of `preferences`
    const rank = (name: string) => {
      const i = (req.preferences ?? []).findIndex((p) => p.toLowerCase() === name.toLowerCase());
      return i < 0 ? Number.MAX_SAFE_INTEGER : i;
    };
    let effective = [...selection];
    const dropped: string[] = [];
    while (effective.length && !variants.some((v) => matches(v, effective))) {
      const worst = effective.reduce((w, s) => (rank(s.name) >= rank(w.name) ? s : w));
      effective = effective.filter((s) => s !== worst);
      dropped.push(`${worst.name}: ${worst.label}`);
    }
    if (dropped.length) messages.push(warning('selection_relaxed', `no variant has every selected option; relaxed ${dropped.join(', ')}`, '$.selected'));

    const candidates = variants.filter((v) => matches(v, effective));
    const featured = asked && variants.includes(asked) ? asked : this.featured(record, candidates.length ? candidates : variants);
    const ordered = [featured, ...candidates.filter((v) => v !== featured), ...variants.filter((v) => v !== featured && !candidates.includes(v))];
    const product = encodeProduct(record, env, { inventory: o.inventory, variants: ordered });
    if (!product) return notFoundBody();

    const anchor = effective.length ? effective : featured.options.map((x) => ({ name: x.name, label: x.value }));
    if (options.length) {
      const canBuy = (v: Variant) => summarizeStock(record.levels.filter((l) => l.variantId === v.id)).availability !== 'out_of_stock';
      product.options = options.map((opt) => {
        const others = anchor.filter((s) => s.name !== opt.name);
        return {
          name: opt.name,
          values: opt.values.map((label) => {
            const withValue = variants.filter((v) => matches(v, [...others, { name: opt.name, label }]));
            return { label, exists: withValue.length > 0, available: withValue.some(canBuy) };
          }),
        };
      });
      product.selected = anchor.map((s) => {
        const canonical = options.find((opt) => opt.name === s.name)?.values.find((v) => v.toLowerCase() === s.label.toLowerCase());
        return { name: s.name, label: canonical ?? s.label };
      });
    }
    return { product, ...(messages.length ? { messages } : {}) };
  }
}
