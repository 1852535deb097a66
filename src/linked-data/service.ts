/**
 * The JSON-LD catalog as a service: renders documents, serialises each once, and keeps the bytes while
 * their inputs are unchanged. Every cache entry is validated on each request against the change log
 * (the store-wide version, a product's seq, or the global last seq), so a stock or price change made by
 * any process is visible on the very next request.
 */
import { createHash } from 'node:crypto';
import { invalidInput, notFound } from '../errors.js';
import { exclusionFilter, isExcluded, type QualityCheckId } from '../catalog/quality.js';
import type { ChangeEntry, ProductKey, ProductListQuery, ProductRecord, Store } from '../store/store.js';
import type { Clock } from '../store/store.js';
import { Lru } from '../util/lru.js';
import { changeFeedDocument, feedPageJson, storeDocument, type StoreLinks } from './documents.js';
import { productPage } from './html.js';
import { contextKey, contextParams, parseOfferContext, type OfferContext } from '../publish/context.js';
import { productDocument, productNode, reviewId, type PublishEnv } from './product.js';
import { etagOf, type Rendered } from '../edge/rendered.js';
import { type Cursor, decodeCursor, encodeCursor, parseInstant, parseLimit, parseSince } from './feed-query.js';
import { Urls } from '../publish/urls.js';
import { Snapshots, type StoreSnapshot } from '../publish/snapshot.js';
import { holdsUntil, publishEnv } from '../publish/env.js';

export interface CommerceOptions {
  store: Store;
  clock: Clock;
  baseUrl: string;
  /** The configured default currency (a store without a merchant record yet). */
  defaultCurrency?: string;
  qualityExclude: readonly QualityCheckId[];
  /** Which other surfaces exist (the store document links to them). */
  links?: () => StoreLinks;
  /** Memory for rendered documents and feed fragments, bytes. */
  cacheBytes?: number;
  /** Credentials about each subject @id (the trust layer answers); documents link to them. */
  credentialLinks?: (subjectIds: readonly string[]) => Promise<Map<string, string[]>>;
  /** The store-wide snapshot shared with the other surfaces (one is made when absent). */
  snapshots?: Snapshots;
}

/** Add `credential` links to the nodes (by @id) that credentials are about; first occurrence of each. */
export function attachCredentials(doc: unknown, links: ReadonlyMap<string, string[]>): void {
  if (links.size === 0) return;
  const done = new Set<string>();
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) {
      for (const x of n) walk(x);
      return;
    }
    if (!n || typeof n !== 'object') return;
    const node = n as Record<string, unknown>;
    const id = node['@id'];
    if (typeof id === 'string' && links.has(id) && !done.has(id) && Object.keys(node).length > 1) {
      done.add(id);
      const ids = links.get(id)!;
      node.credential = ids.length === 1 ? ids[0] : ids;
    }
    for (const v of Object.values(node)) walk(v);
  };
  walk(doc);
}

type StoreState = StoreSnapshot;

export const JSONLD = 'application/ld+json';
const CACHE = {
  store: 'public, max-age=300, stale-while-revalidate=600',
  product: 'public, max-age=30, stale-while-revalidate=60',
  feed: 'public, max-age=30, stale-while-revalidate=60',
  changes: 'public, max-age=5',
  static: 'public, max-age=86400',
};
/** Rendered documents expire after this long at most (and sooner when their offers change; see PublishEnv.validity). */
const MAX_RENDER_AGE_MS = 60_000;

function httpDate(iso: string | undefined): string | undefined {
  return iso ? new Date(iso).toUTCString() : undefined;
}

function later(a: string | undefined, b: string | undefined): string | undefined {
  if (!a) return b;
  if (!b) return a;
  return a > b ? a : b;
}

function render(body: Buffer, contentType: string, cacheControl: string, lastModified: string | undefined, headers: Record<string, string> = {}): Rendered {
  return { status: 200, body, contentType, etag: etagOf(body), ...(lastModified ? { lastModified: httpDate(lastModified)! } : {}), cacheControl, headers };
}

const AVAILABILITY = ['in_stock', 'out_of_stock', 'backorder', 'preorder'] as const;

export class CommerceService {
  readonly urls: Urls;
  readonly snapshots: Snapshots;
  private storeDoc?: { seq: number; until: number; rendered: Rendered };
  private readonly docs: Lru<string, { seq: number; storeSeq: number; until: number; rendered: Rendered }>;
  private readonly fragments: Lru<string, { seq: number; storeSeq: number; json: string }>;
  private readonly pages: Lru<string, { lastSeq: number; storeSeq: number; fingerprint: string; rendered: Rendered }>;

  constructor(private readonly o: CommerceOptions) {
    this.urls = new Urls(o.baseUrl);
    this.snapshots = o.snapshots ?? new Snapshots({ store: o.store, baseUrl: o.baseUrl, defaultCurrency: o.defaultCurrency ?? 'USD' });
    const bytes = o.cacheBytes ?? 128 * 1024 * 1024;
    this.docs = new Lru(bytes / 4, (v) => v.rendered.body.length + 200);
    this.fragments = new Lru(bytes / 2, (v) => v.json.length * 2 + 100);
    this.pages = new Lru(bytes / 4, (v) => v.rendered.body.length + 200);
  }

  /** Store-wide data (the shared snapshot), reloaded only when the store version moves. */
  storeState(): Promise<StoreState> {
    return this.snapshots.get();
  }

  /** The environment offers are rendered in; its validity starts at the render age limit and only shrinks. */
  private env(state: StoreState, context: OfferContext): PublishEnv {
    return publishEnv(state, { urls: this.urls, context, now: this.o.clock.now(), defaultCurrency: this.o.defaultCurrency ?? 'USD', maxAgeMs: MAX_RENDER_AGE_MS });
  }

  private headers(state: StoreState): Record<string, string> {
    return { 'Content-Language': state.merchant.languages[0] ?? 'en' };
  }

  async storeDocument(): Promise<Rendered> {
    const state = await this.storeState();
    const cached = this.storeDoc;
    if (cached && cached.seq === state.seq && this.o.clock.now().getTime() < cached.until) return cached.rendered;
    const env = this.env(state, {});
    const doc = storeDocument(env, this.o.links?.() ?? {});
    if (this.o.credentialLinks) {
      attachCredentials(doc, await this.o.credentialLinks([this.urls.storeId, ...state.policies.map((p) => this.urls.returnPolicy(p.id))]));
    }
    const rendered = render(Buffer.from(JSON.stringify(doc)), JSONLD, CACHE.store, state.at, {
      ...this.headers(state),
      Link: `<${this.urls.catalog()}>; rel="alternate"; type="application/ld+json"; title="catalog feed"`,
    });
    // a promotion starting or ending changes the store document: it is rendered again then
    this.storeDoc = { seq: state.seq, until: env.validity!.until, rendered };
    return rendered;
  }

  private excluded(record: { qualityMask: number; reviewCount: number; stockSyncedAt?: string }): boolean {
    return isExcluded(record, this.o.qualityExclude, this.o.clock.now());
  }

  /** The product document, JSON-LD or the HTML page that embeds it. Unknown (or excluded) ids: not found. */
  async product(id: string, query: URLSearchParams, format: 'jsonld' | 'html', contextHeader?: string): Promise<Rendered> {
    const context = parseOfferContext(query, contextHeader);
    const variant = query.get('variant') ?? undefined;
    const key = await this.o.store.getProductKey(id);
    if (!key) throw notFound('product_not_found', `no product "${id}"`, { id });
    const state = await this.storeState();
    const now = this.o.clock.now().getTime();
    type Entry = { seq: number; storeSeq: number; until: number; rendered: Rendered };
    const fresh = (e: Entry | undefined): e is Entry => e !== undefined && e.seq === key.seq && e.storeSeq === state.seq && now < e.until;
    // the JSON-LD document does not depend on the variant shown; the page embeds it, so it is rendered once
    const jsonKey = `jsonld|${contextKey(context)}|${id}`;
    const pageKey = `html|${contextKey(context)}|${variant ?? ''}|${id}`;
    // a page is cached only once its variant was found; the shared JSON-LD entry says nothing about a variant
    const hit = format === 'html' ? this.docs.get(pageKey) : variant === undefined ? this.docs.get(jsonKey) : undefined;
    if (fresh(hit)) return hit.rendered;

    const record = await this.o.store.getProduct(id);
    if (!record || this.excluded(record)) throw notFound('product_not_found', `no product "${id}"`, { id });
    if (variant !== undefined && !record.product.variants.some((v) => v.id === variant)) {
      throw notFound('variant_not_found', `product "${id}" has no variant "${variant}"`, { id, variant });
    }
    const reviews = await this.o.store.listReviews(id, 10);
    const lastModified = later(record.updatedAt, state.at);
    const headers = { ...this.headers(state), Vary: 'Accept', Link: `<${this.urls.product(id)}>; rel="canonical"` };
    let ld = this.docs.get(jsonKey);
    if (!fresh(ld)) {
      const env = this.env(state, context);
      const doc = productDocument(record, env, reviews);
      if (this.o.credentialLinks) {
        const url = this.urls.product(id);
        attachCredentials(doc, await this.o.credentialLinks([url, ...reviews.map((r) => reviewId(url, r.id))]));
      }
      // kept until the offers change on their own (a cutoff, a pickup slot, a sale ending) or the age limit
      ld = { seq: record.seq, storeSeq: state.seq, until: env.validity!.until, rendered: render(Buffer.from(JSON.stringify(doc)), JSONLD, CACHE.product, lastModified, headers) };
      this.docs.set(jsonKey, ld);
    }
    if (format === 'jsonld') return ld.rendered;
    const env = this.env(state, context);
    holdsUntil(env, ld.until);
    const page = render(Buffer.from(productPage(record, env, reviews, ld.rendered.body.toString('utf8'), variant)), 'text/html; charset=utf-8', CACHE.product, lastModified, headers);
    this.docs.set(pageKey, { seq: record.seq, storeSeq: state.seq, until: env.validity!.until, rendered: page });
    return page;
  }

  /** A catalog feed page: DataFeed of DataFeedItems, cursor-paginated, optionally only changes since a time. */
  async catalog(query: URLSearchParams, contextHeader?: string): Promise<Rendered> {
    const context = parseOfferContext(query, contextHeader);
    const limit = parseLimit(query.get('limit'), 100);
    const modifiedSince = query.has('modified_since') ? parseInstant(query.get('modified_since')!, 'modified_since') : undefined;
    const availability = query.get('availability') ?? undefined;
    if (availability !== undefined && !(AVAILABILITY as readonly string[]).includes(availability)) {
      throw invalidInput('invalid_parameter', `availability must be one of ${AVAILABILITY.join(', ')}`, { parameter: 'availability' });
    }
    const cursor = query.has('cursor') ? decodeCursor(query.get('cursor')!, modifiedSince !== undefined) : undefined;
    const filters = {
      category: query.get('category') || undefined,
      brand: query.get('brand') || undefined,
      text: query.get('q')?.trim() || undefined,
      availability: availability as ProductListQuery['availability'],
    };
    const now = this.o.clock.now();
    const quality = exclusionFilter(this.o.qualityExclude, now);
    const state = await this.storeState();
    const lastSeq = await this.o.store.lastSeq();
    const pageKey = [
      contextKey(context),
      limit,
      modifiedSince ?? '',
      query.get('cursor') ?? '',
      filters.category ?? '',
      filters.brand ?? '',
      filters.text ?? '',
      filters.availability ?? '',
      quality?.freshSince ? Math.floor(now.getTime() / 60_000) : '',
    ].join('\u0000');
    const cached = this.pages.get(pageKey);
    if (cached && cached.lastSeq === lastSeq && cached.storeSeq === state.seq) return cached.rendered;

    // Which items (and versions) this page holds now; re-render only if that changed.
    const base: ProductListQuery = { limit, ...stripUndefined(filters), ...(quality ? { quality } : {}) };
    let keys: ProductKey[] = [];
    let deleted: { id: string; at: string }[] = [];
    let next: Cursor | undefined;
    if (!modifiedSince) {
      const page = await this.o.store.listProductKeys({ ...base, ...(cursor?.k ? { after: cursor.k } : {}) });
      keys = page.items;
      if (page.next) next = { p: 'i', k: page.next };
    } else {
      if (!cursor || cursor.p === 'm') {
        const page = await this.o.store.listProductKeys({ ...base, modifiedSince, ...(cursor?.k ? { after: cursor.k } : {}) });
        keys = page.items;
        if (page.next) next = { p: 'm', k: page.next };
      }
      if (!next && keys.length < limit) {
        const after = cursor?.p === 'd' ? cursor.k : undefined;
        deleted = await this.o.store.listDeletedProducts(modifiedSince, limit - keys.length + 1, after);
        if (deleted.length > limit - keys.length) {
          deleted = deleted.slice(0, limit - keys.length);
          next = { p: 'd', k: deleted[deleted.length - 1]!.id };
        }
      }
    }
    const fingerprint = createHash('sha1')
      .update(JSON.stringify([state.seq, keys.map((k) => [k.id, k.seq]), deleted, next]))
      .digest('base64url');
    if (cached && cached.fingerprint === fingerprint && cached.storeSeq === state.seq) {
      cached.lastSeq = lastSeq;
      return cached.rendered;
    }

    const items = await this.feedItems(keys, state, context);
    for (const d of deleted) items.push(JSON.stringify({ '@type': 'DataFeedItem', dateDeleted: d.at, item: { '@id': this.urls.product(d.id) } }));
    const keep = {
      ...contextParams(context),
      limit: query.has('limit') ? limit : undefined,
      modified_since: query.get('modified_since') ?? undefined,
      category: filters.category,
      brand: filters.brand,
      q: filters.text,
      availability: filters.availability,
    };
    const nextUrl = next ? this.urls.catalog({ ...keep, cursor: encodeCursor(next) }) : undefined;
    const pageUrl = this.urls.catalog({ ...keep, cursor: query.get('cursor') ?? undefined });
    const modified = [...keys.map((k) => k.updatedAt), ...deleted.map((d) => d.at), state.at]
      .filter((x): x is string => !!x)
      .sort()
      .pop();
    const body = feedPageJson({ urls: this.urls, pageUrl, storeName: state.merchant.name, items, ...(nextUrl ? { next: nextUrl } : {}), ...(modified ? { dateModified: modified } : {}) });
    const headers: Record<string, string> = { ...this.headers(state) };
    if (nextUrl) headers.Link = `<${nextUrl}>; rel="next"`;
    const rendered = render(Buffer.from(body), JSONLD, CACHE.feed, modified, headers);
    this.pages.set(pageKey, { lastSeq, storeSeq: state.seq, fingerprint, rendered });
    return rendered;
  }

  /** DataFeedItem JSON per product, from the fragment cache or freshly rendered, in page order. */
  private async feedItems(keys: ProductKey[], state: StoreState, context: OfferContext): Promise<string[]> {
    const ctx = contextKey(context);
    const out = new Map<string, string>();
    const missing: string[] = [];
    for (const k of keys) {
      const hit = this.fragments.get(`${ctx}|${k.id}`);
      if (hit && hit.seq === k.seq && hit.storeSeq === state.seq) out.set(k.id, hit.json);
      else missing.push(k.id);
    }
    if (missing.length) {
      const env = this.env(state, context);
      for (const record of await this.o.store.getProducts(missing)) {
        const json = feedItemJson(record, env);
        this.fragments.set(`${ctx}|${record.product.id}`, { seq: record.seq, storeSeq: state.seq, json });
        out.set(record.product.id, json);
      }
    }
    return keys.flatMap((k) => out.get(k.id) ?? []);
  }

  /** What changed since a sequence number, in order. */
  async changes(query: URLSearchParams): Promise<{ rendered: Rendered; changes: ChangeEntry[]; lastSequence: number }> {
    const since = parseSince(query.get('since'));
    const limit = parseLimit(query.get('limit'), 500);
    const changes = await this.o.store.listChanges(since, limit + 1);
    const more = changes.length > limit;
    if (more) changes.pop();
    const lastSequence = changes.length ? changes[changes.length - 1]!.seq : Math.max(since, 0);
    const pageUrl = this.urls.changes({ since, limit: query.has('limit') ? limit : undefined });
    const next = this.urls.changes({ since: lastSequence, limit: query.has('limit') ? limit : undefined });
    const doc = changeFeedDocument(this.urls, pageUrl, changes, lastSequence, more ? next : undefined);
    const body = Buffer.from(JSON.stringify(doc));
    const headers: Record<string, string> = more ? { Link: `<${next}>; rel="next"` } : {};
    return { rendered: render(body, JSONLD, CACHE.changes, changes[changes.length - 1]?.at, headers), changes, lastSequence };
  }

  /** Sitemaps: an index over files of at most 50,000 product pages each. */
  async sitemap(part: number | undefined): Promise<Rendered> {
    const PER_FILE = 50_000;
    const total = await this.o.store.countProducts();
    const files = Math.max(1, Math.ceil(total / PER_FILE));
    const xml = (inner: string) => `<?xml version="1.0" encoding="UTF-8"?>\n${inner}\n`;
    if (part === undefined) {
      const entries = Array.from({ length: files }, (_, i) => `  <sitemap><loc>${this.urls.base}/sitemap-products-${i + 1}.xml</loc></sitemap>`);
      return render(
        Buffer.from(xml(`<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${entries.join('\n')}\n</sitemapindex>`)),
        'application/xml; charset=utf-8',
        CACHE.feed,
        undefined,
      );
    }
    if (!Number.isInteger(part) || part < 1 || part > files) throw notFound('not_found', `no sitemap part ${part}`);
    const urls: string[] = [];
    let after: string | undefined;
    let skipped = 0;
    const quality = exclusionFilter(this.o.qualityExclude, this.o.clock.now());
    for (;;) {
      const page = await this.o.store.listProductKeys({ limit: 5000, ...(after ? { after } : {}), ...(quality ? { quality } : {}) });
      for (const k of page.items) {
        if (skipped < (part - 1) * PER_FILE) {
          skipped++;
          continue;
        }
        if (urls.length >= PER_FILE) break;
        urls.push(`  <url><loc>${escapeXml(this.urls.product(k.id))}</loc><lastmod>${k.updatedAt.slice(0, 10)}</lastmod></url>`);
      }
      if (!page.next || urls.length >= PER_FILE) break;
      after = page.next;
    }
    return render(Buffer.from(xml(`<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls.join('\n')}\n</urlset>`)), 'application/xml; charset=utf-8', CACHE.feed, undefined);
  }

  robots(): Rendered {
    const body = [
      'User-agent: *',
      'Allow: /',
      'Disallow: /admin/',
      `Sitemap: ${this.urls.sitemap}`,
      `# Machine-readable catalog (schema.org JSON-LD) for agents: ${this.urls.store}`,
      `# Agents that buy: UCP business profile (REST and MCP services, capabilities, signing keys): ${this.urls.ucpProfile}`,
      `# Catalog feed: ${this.urls.catalog()}`,
      '',
    ].join('\n');
    return render(Buffer.from(body), 'text/plain; charset=utf-8', CACHE.store, undefined);
  }
}

/** One DataFeedItem of the catalog feed: dates plus the product's compact node. */
export function feedItemJson(record: ProductRecord, env: PublishEnv): string {
  return JSON.stringify({ '@type': 'DataFeedItem', dateCreated: record.createdAt, dateModified: record.updatedAt, item: productNode(record, env, { full: false }) });
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
