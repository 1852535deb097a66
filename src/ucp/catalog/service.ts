/**
 * The catalog capability's logic: search (full-text plus filters, constraints read from the query text,
 * cursor pagination, an explanation per product), lookup (ids, SKUs, GTINs, handles and product URLs,
 * each returned variant correlated to its inputs) and get_product (option selection with relaxation and
 * availability signals). Transport-free: it takes parsed request bodies and returns response bodies
 * without the `ucp` envelope; it never throws for business outcomes.
 */
import { createHash } from 'node:crypto';
import type { Merchant } from '../../catalog/model.js';
import { isCurrencyCode, minorUnitExponent } from '../../catalog/money.js';
import { exclusionFilter, isExcluded, type QualityCheckId } from '../../catalog/quality.js';
import { contextKey } from '../../publish/context.js';
import { publishEnv, type PublishEnv } from '../../publish/env.js';
import { currencyFor } from '../../publish/offers.js';
import type { Snapshots } from '../../publish/snapshot.js';
import type { Urls } from '../../publish/urls.js';
import type { Clock, SearchQuery, Store } from '../../store/store.js';
import { Lru } from '../../util/lru.js';
import { sortedDeep, withKey } from '../../util/canonical-json.js';
import { offerContext, type UcpContext } from '../context.js';
import { protocolError } from '../errors.js';
import { error, info, warning, type UcpMessage } from '../messages.js';
import { encodeProduct, type UcpVariant } from './codec.js';
import { type CatalogCall, type CatalogExtensions, catalogExtensions, reachable, scopeKey } from './fulfillment.js';
import { productPolicies } from '../policies.js';
import { productJson, type RawJson } from './fragments.js';
import { canBuy, type Encoded, explain, featured, fragments, inCategories, money, optionOf, priceFits, searchVariants, withVariants } from './matching.js';
import { ftsQuery, understand } from './query.js';
import {
  categoryFilter,
  DEFAULT_LIMIT,
  decodeCursor,
  DOLLARS,
  encodeCursor,
  type LookupBody,
  type LookupRequest,
  MAX_LIMIT,
  MAX_LOOKUP_IDS,
  MAX_QUERY_LENGTH,
  MAX_RELAXED_DROPS,
  type MatchMode,
  priceRange,
  type ProductBody,
  type ProductRequest,
  type SearchBody,
  type SearchRequest,
} from './requests.js';

export interface CatalogOptions {
  store: Store;
  /** The store-wide snapshot every surface shares. */
  snapshots: Snapshots;
  urls: Urls;
  clock: Clock;
  qualityExclude: readonly QualityCheckId[];
  /** The configured default currency (a store without a merchant record yet). */
  defaultCurrency: string;
}

/** Encodings are per context, and kept at most this long (sooner when their offers change on their own). */
const MAX_ENCODED_AGE_MS = 60_000;

export class UcpCatalog {
  private readonly encoded = new Lru<string, Encoded>(4000);

  constructor(private readonly o: CatalogOptions) {}

  /**
   * Encoded products by id (absent: unknown, or excluded by the quality gate). Encodings are cached per
   * (product version, store version, context, inventory), so hot products cost a version lookup.
   */
  private async load(ids: readonly string[], env: PublishEnv, storeSeq: number, ext: CatalogExtensions, known: ReadonlyMap<string, number> = new Map()): Promise<Map<string, Encoded>> {
    const ctx = `${contextKey(env.context)}|${ext.inventory ? 1 : 0}|${ext.scaledMeasures ? 1 : 0}|${scopeKey(ext.fulfillment)}`;
    const now = env.now.getTime();
    const out = new Map<string, Encoded>();
    const missing: string[] = [];
    for (const id of new Set(ids)) {
      const seq = known.get(id) ?? (await this.o.store.getProductKey(id))?.seq;
      if (seq === undefined) continue;
      const hit = this.encoded.get(`${id}|${ctx}`);
      if (hit && hit.seq === seq && hit.storeSeq === storeSeq && now < hit.until) out.set(id, hit);
      else missing.push(id);
    }
    for (const record of missing.length ? await this.o.store.getProducts(missing) : []) {
      const validity = { until: env.validity!.until };
      const encoded = encodeProduct(record, { ...env, validity }, ext);
      if (!encoded) continue;
      const product = sortedDeep(encoded);
      const entry: Encoded = {
        seq: record.seq,
        storeSeq,
        until: validity.until,
        product,
        categories: record.product.categories,
        qualityMask: record.qualityMask,
        reviewCount: record.reviewCount,
        ...(record.product.returnPolicyId ? { returnPolicyId: record.product.returnPolicyId } : {}),
        ...(record.stockSyncedAt ? { stockSyncedAt: record.stockSyncedAt } : {}),
      };
      this.encoded.set(`${record.product.id}|${ctx}`, entry);
      out.set(record.product.id, entry);
    }
    for (const [id, e] of out) if (this.excluded(e)) out.delete(id);
    return out;
  }

  private async env(ctx: UcpContext | undefined): Promise<{ env: PublishEnv; messages: UcpMessage[]; display: string; merchant: Merchant; storeSeq: number }> {
    const state = await this.o.snapshots.get();
    const rules = { merchant: state.merchant, defaultCurrency: this.o.defaultCurrency, rates: state.rates };
    const { context, messages } = offerContext(ctx, rules);
    // the currency offers are made in for this context (the offer engine's rule)
    const display = currencyFor(rules, context);
    const env = publishEnv(state, { urls: this.o.urls, context, now: this.o.clock.now(), defaultCurrency: this.o.defaultCurrency, maxAgeMs: MAX_ENCODED_AGE_MS });
    return { env, messages, display, merchant: state.merchant, storeSeq: state.seq };
  }

  private excluded(e: Pick<Encoded, 'qualityMask' | 'reviewCount' | 'stockSyncedAt'>): boolean {
    return isExcluded(e, this.o.qualityExclude, this.o.clock.now());
  }

  async search(req: SearchRequest, o: CatalogCall): Promise<SearchBody> {
    const ext = catalogExtensions(req, o);
    const text = (req.query ?? '').trim();
    if (text.length > MAX_QUERY_LENGTH) throw protocolError('invalid_request', `query is longer than ${MAX_QUERY_LENGTH} characters`, { path: '$.query' });
    const categories = categoryFilter(req.filters);
    const hasPrice = req.filters?.price !== undefined && (req.filters.price.min !== undefined || req.filters.price.max !== undefined);
    if (!text && !categories && !hasPrice) throw protocolError('invalid_request', 'a search needs a query or a filter (categories, price)');
    const { env, messages, display, storeSeq } = await this.env(req.context);
    const ctxCurrency = env.context.currency;
    const q = understand(text, {
      isCurrency: isCurrencyCode,
      exponent: minorUnitExponent,
      dollar: ctxCurrency && DOLLARS.has(ctxCurrency) ? ctxCurrency : DOLLARS.has(display) ? display : 'USD',
      fallbackCurrency: ctxCurrency ?? display,
    });
    const price = priceRange(req.filters, q.price, ctxCurrency, display, messages);
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
    let mode: MatchMode = cursor?.m ?? 'all';
    const offset = cursor?.o ?? 0;
    const matchFor = (m: MatchMode) => (m === 'any' ? ftsQuery(q.terms, 'any') : ftsQuery(m === 'all' ? q.terms : q.terms.filter((_, i) => i !== m), 'all'));
    const run = (m: MatchMode) => this.o.store.searchProducts({ ...base, ...(q.terms.length ? { match: matchFor(m) } : {}), offset, limit });
    let result = await run(mode);
    // Relax only when the words themselves find nothing (not when the filters ruled the matches out).
    const wordsFindNothing = async () => (await this.o.store.searchProducts({ match: matchFor('all'), offset: 0, limit: 1 })).hits.length === 0;
    if (!cursor && result.hits.length === 0 && q.terms.length > 1 && (await wordsFindNothing())) {
      // No product has every word. Drop one word (the first first: in "waterproof trail runner" the
      // thing itself comes last), else rank by any word; and say so.
      for (let i = 0; i < Math.min(q.terms.length, MAX_RELAXED_DROPS) && result.hits.length === 0; i++) {
        const relaxed = await run(i);
        if (relaxed.hits.length) {
          mode = i;
          result = relaxed;
          messages.push(info('query_relaxed', `no product matches every word of "${text}"; showing products that match all words but "${q.terms[i]}"`, '$.query'));
        }
      }
      if (result.hits.length === 0) {
        const relaxed = await run('any');
        if (relaxed.hits.length) {
          mode = 'any';
          result = relaxed;
          messages.push(info('query_relaxed', `no product matches every word of "${text}"; showing products that match some of them`, '$.query'));
        }
      }
    }

    if (result.truncated) messages.push(info('results_truncated', 'the filters were applied to the most relevant matches only; a narrower query finds more', '$.query'));
    const loaded = await this.load(
      result.hits.map((h) => h.id),
      env,
      storeSeq,
      ext,
    );
    const constraints = [
      ...(q.price
        ? [
            `price ${q.price.min !== undefined ? `>= ${money(q.price.min, q.price.currency ?? display)}` : ''}${q.price.min !== undefined && q.price.max !== undefined ? ' and ' : ''}${q.price.max !== undefined ? `<= ${money(q.price.max, q.price.currency ?? display)}` : ''} (from "${q.price.text}")`,
          ]
        : []),
      ...(q.inStock ? ['in stock (from the query)'] : []),
      ...q.options.map((opt) => `${opt.name} is one of ${opt.values.join(', ')} (from "${opt.text}")`),
      ...(categories ? [`category: ${categories.join(' or ')}`] : []),
    ];
    const products: RawJson[] = [];
    const policyIds: (string | undefined)[] = [];
    result.hits.forEach((hit, i) => {
      const e = loaded.get(hit.id);
      if (!e) return;
      const explanation = explain(e, q, offset + i + 1, hit.score, mode, constraints);
      const variants = reachable(searchVariants(e.product.variants, q, price), ext);
      if (variants.length === 0) return;
      products.push(productJson(fragments(e), variants, { ...e.product.metadata, 'dev.ucpd.search': explanation }));
      policyIds.push(e.returnPolicyId);
    });
    const pagination: SearchBody['pagination'] = {
      has_next_page: result.hasMore,
      ...(result.hasMore ? { cursor: encodeCursor({ o: offset + limit, h: hash, m: mode }) } : {}),
      ...(result.total !== undefined ? { total_count: result.total } : {}),
    };
    return {
      products,
      pagination,
      ...(messages.length ? { messages } : {}),
      policies: productPolicies(env, policyIds, (i) => `$.products[${i}]`, ext.fulfillment?.to?.country ?? env.context.country),
    };
  }

  private quality() {
    return exclusionFilter(this.o.qualityExclude, this.o.clock.now());
  }

  /**
   * Resolve lookup ids in one pass: product ids, handles and product URLs resolve to the product
   * (featured variant); variant ids, SKUs and GTINs to that variant (exact).
   */
  private async resolveAll(ids: readonly string[]): Promise<Map<string, { productId: string; variantId?: string; seq?: number }>> {
    const found: Map<string, { productId: string; variantId?: string; seq?: number }> = await this.o.store.resolveKeys(ids);
    const urls = this.o.urls;
    const prefix = `${urls.base}/products/`;
    const byUrl = new Map<string, { productId: string; variantId?: string }>();
    for (const id of ids) {
      if (found.has(id) || !id.startsWith(prefix)) continue;
      try {
        const u = new URL(id);
        const productId = decodeURIComponent(u.pathname.slice(new URL(prefix).pathname.length));
        const variantId = u.searchParams.get('variant') ?? undefined;
        byUrl.set(id, { productId, ...(variantId !== undefined ? { variantId } : {}) });
      } catch {
        // not a URL after all: unknown
      }
    }
    if (byUrl.size) {
      const products = await this.o.store.resolveKeys([...byUrl.values()].map((r) => r.productId));
      for (const [id, r] of byUrl) {
        const p = products.get(r.productId);
        if (p && p.variantId === undefined && p.productId === r.productId) found.set(id, { ...r, seq: p.seq });
      }
    }
    return found;
  }

  async lookup(req: LookupRequest, o: CatalogCall): Promise<LookupBody> {
    const ext = catalogExtensions(req, o);
    const ids = [...new Set(req.ids.map((id) => id.trim()).filter(Boolean))];
    if (ids.length === 0) throw protocolError('invalid_request', 'ids must contain at least one non-empty identifier', { path: '$.ids' });
    if (ids.length > MAX_LOOKUP_IDS) throw protocolError('request_too_large', `at most ${MAX_LOOKUP_IDS} ids per lookup, got ${ids.length}`, { path: '$.ids' });
    const categories = categoryFilter(req.filters);
    const { env, messages, display, storeSeq } = await this.env(req.context);
    const price = priceRange(req.filters, undefined, env.context.currency, display, messages);

    const resolvedAll = await this.resolveAll(ids);
    const resolved = ids.map((id) => ({ id, hit: resolvedAll.get(id) }));
    const byProduct = new Map<string, { id: string; variantId?: string }[]>();
    const known = new Map<string, number>();
    for (const { id, hit } of resolved) {
      if (!hit) continue;
      const list = byProduct.get(hit.productId) ?? [];
      list.push({ id, ...(hit.variantId !== undefined ? { variantId: hit.variantId } : {}) });
      byProduct.set(hit.productId, list);
      if (hit.seq !== undefined) known.set(hit.productId, hit.seq);
    }
    const loaded = await this.load([...byProduct.keys()], env, storeSeq, ext, known);
    const found = new Set<string>();
    const products: RawJson[] = [];
    const policyIds: (string | undefined)[] = [];
    for (const [productId, inputs] of byProduct) {
      const e = loaded.get(productId);
      if (!e) continue;
      if (categories && !inCategories(e.categories, categories)) continue;
      const eligible = reachable(
        e.product.variants.filter((v) => priceFits(v, price)),
        ext,
      );
      if (eligible.length === 0) continue;
      const correlated = new Map<string, { id: string; match: string }[]>();
      const note = (variantId: string, input: { id: string; match: string }) => correlated.set(variantId, [...(correlated.get(variantId) ?? []), input]);
      for (const input of inputs) {
        if (input.variantId !== undefined) {
          if (eligible.some((v) => v.id === input.variantId)) note(input.variantId, { id: input.id, match: 'exact' });
        } else {
          note(featured(eligible).id, { id: input.id, match: 'featured' });
        }
      }
      if (correlated.size === 0) continue;
      products.push(
        productJson(
          fragments(e),
          eligible.filter((v) => correlated.has(v.id)).map((v) => ({ id: v.id, inputs: correlated.get(v.id)! })),
        ),
      );
      for (const list of correlated.values()) for (const input of list) found.add(input.id);
      policyIds.push(e.returnPolicyId);
    }
    ids.forEach((id, i) => {
      if (!found.has(id)) messages.push(info('not_found', id, `$.ids[${req.ids.indexOf(id) >= 0 ? req.ids.indexOf(id) : i}]`));
    });
    return { products, ...(messages.length ? { messages } : {}), policies: productPolicies(env, policyIds, (i) => `$.products[${i}]`, ext.fulfillment?.to?.country ?? env.context.country) };
  }

  async product(req: ProductRequest, o: CatalogCall): Promise<ProductBody> {
    const ext = catalogExtensions(req, o);
    const id = req.id.trim();
    const notFoundBody = (): ProductBody => ({ error: [error('not_found', `no product or variant "${id}"`, 'unrecoverable', '$.id')] });
    if (!id) return notFoundBody();
    const hit = (await this.resolveAll([id])).get(id);
    if (!hit) return notFoundBody();
    const { env, messages, display, storeSeq } = await this.env(req.context);
    const e = (await this.load([hit.productId], env, storeSeq, ext, new Map(hit.seq !== undefined ? [[hit.productId, hit.seq]] : []))).get(hit.productId);
    if (!e) return notFoundBody();
    const full = e.product;
    const price = priceRange(req.filters, undefined, env.context.currency, display, messages);
    const categories = categoryFilter(req.filters);
    if (categories && !inCategories(e.categories, categories))
      return { error: [error('not_found', `product "${full.id}" is not in the requested categories`, 'unrecoverable', '$.filters.categories')] };
    const variants = reachable(
      full.variants.filter((v) => priceFits(v, price)),
      ext,
    );
    if (variants.length === 0) return { error: [error('not_found', `no variant of "${full.id}" matches the filters`, 'unrecoverable', '$.filters')] };

    const options = (full.options ?? []).map((opt) => ({ name: opt.name, values: opt.values.map((v) => v.label) }));
    const optionNames = new Map(options.map((opt) => [opt.name.toLowerCase(), opt.name]));
    const asked = hit.variantId !== undefined ? full.variants.find((v) => v.id === hit.variantId) : undefined;
    // the selection: a variant id's own options win over `selected`
    let selection: { name: string; label: string }[] = [];
    if (asked) selection = (asked.options ?? []).map((x) => ({ name: x.name, label: x.label }));
    else {
      const seen = new Set<string>();
      for (const [i, s] of (req.selected ?? []).entries()) {
        const name = optionNames.get(s.name.toLowerCase());
        if (!name) {
          messages.push(warning('option_unknown', `product "${full.id}" has no option "${s.name}"; the selection was ignored`, `$.selected[${i}]`));
          continue;
        }
        if (seen.has(name)) continue;
        seen.add(name);
        selection.push({ name, label: s.label });
      }
    }
    const matches = (v: UcpVariant, sel: readonly { name: string; label: string }[]) => sel.every((s) => optionOf(v, s.name)?.toLowerCase() === s.label.toLowerCase());
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
    const first = asked && variants.includes(asked) ? asked : featured(candidates.length ? candidates : variants);
    const ordered = [first, ...candidates.filter((v) => v !== first), ...variants.filter((v) => v !== first && !candidates.includes(v))];
    let product = withVariants(full, ordered);

    const anchor = effective.length ? effective : (first.options ?? []).map((x) => ({ name: x.name, label: x.label }));
    if (options.length) {
      product.options = options.map((opt) => {
        const others = anchor.filter((s) => s.name !== opt.name);
        return {
          name: opt.name,
          values: opt.values.map((label) => {
            const withValue = variants.filter((v) => matches(v, [...others, { name: opt.name, label }]));
            return { available: withValue.some(canBuy), exists: withValue.length > 0, label };
          }),
        };
      });
      const selected = anchor.map((s) => {
        const canonical = options.find((opt) => opt.name === s.name)?.values.find((v) => v.toLowerCase() === s.label.toLowerCase());
        return { label: canonical ?? s.label, name: s.name };
      });
      product = withKey(product, 'selected', selected);
    }
    return { product, ...(messages.length ? { messages } : {}), policies: productPolicies(env, [e.returnPolicyId], () => '$.product', ext.fulfillment?.to?.country ?? env.context.country) };
  }
}
