/**
 * What the checks share about one endpoint: its documents, fetched once and memoized (the store
 * document, the crawled catalog feed, a bounded sample of product documents, their expansions, the UCP
 * profile), a context loader that resolves schema.org and the W3C contexts offline and anything else
 * only from the endpoint's own origin, and the checker's identity as a UCP platform.
 */
import { randomUUID } from 'node:crypto';
import { UnknownDocumentError, offlineLoader, type DocumentLoader } from '../linked-data/contexts.js';
import { w3cContexts } from '../trust/loader.js';
import { remoteOrigin, type RemoteOrigin } from '../trust/remote.js';
import { ucpHeaders } from '../ucp/agent.js';
import { SHOPPING_SERVICE } from '../ucp/constants.js';
import { spokenVersion, type AgentServer } from './agent-server.js';
import { HttpClient, describeExchange, jsonOf, mapLimit, type Exchange } from './client.js';
import { contextTerms, expandChecked, type Expansion } from './jsonld.js';
import { skip, type Group } from './model.js';
import { idsIn, nodesOf, type LdNode } from './nodes.js';

type Json = Record<string, unknown>;

export interface CheckOptions {
  /** Groups to run (default: all). */
  only?: Group[];
  /** Let the checkout check complete a real order (default: never). */
  allowOrders?: boolean;
  /** A platform profile URL the endpoint can fetch; requests are then sent unsigned. */
  agentProfile?: string;
  /**
   * The UCP protocol version the checker speaks as a platform (its profile declares it; responses are
   * validated against its schemas). Default: the endpoint's current version when the checker implements
   * it, else the newest of its supported_versions that the checker implements.
   */
  ucpVersion?: string;
  /** Port for the checker's own profile server (default: any free port). */
  agentPort?: number;
  /** A profile server the caller started (library use: its port must be known before the endpoint starts). */
  agent?: AgentServer;
  /** Product documents fetched and checked in depth (default 2000); the catalog feed is always crawled whole. */
  maxDocuments?: number;
  /** Catalog feed pages expanded and checked in depth (default 50). */
  maxPages?: number;
  timeoutMs?: number;
  concurrency?: number;
  now?: () => Date;
}

export interface Doc {
  url: string;
  x: Exchange;
  json: unknown;
}

export interface FeedItem {
  id: string;
  /** The DataFeedItem (or ListItem) as served. */
  entry: Json;
  item: Json;
  page: string;
  dateModified?: string;
  deleted: boolean;
}

export interface Crawl {
  feedUrl: string;
  pages: Doc[];
  items: FeedItem[];
  /** Why the crawl stopped early or what was wrong with a page (empty when it ran to the end). */
  problems: string[];
}

/** Which profile a request presents: the checker's (at the version spoken, or at `version`), a broken one, none, or any URL. */
export type ProfileChoice = 'agent' | 'unsupported-version' | 'malformed' | 'none' | { url: string } | { version: string };

export interface UcpAccess {
  ok: boolean;
  reason: string;
  endpoint?: string;
  exchange?: Exchange;
}

const LD_ACCEPT = 'application/ld+json, application/json;q=0.9';
const MAX_PAGES = 100_000;

export class CheckContext {
  readonly base: string;
  readonly origin: string;
  readonly host: string;
  readonly client: HttpClient;
  readonly maxDocuments: number;
  readonly maxPages: number;
  /** Same-origin context documents loaded, and the terms they define. */
  readonly endpointTerms = new Set<string>();
  private readonly memo = new Map<string, Promise<unknown>>();
  /** The protocol version spoken, once known (ucpVersion()). */
  private version?: string;
  private readonly ids = new WeakMap<Doc, Set<string>>();
  /** schema.org and the W3C contexts, from the copies ucpd ships. */
  private readonly shipped = offlineLoader(undefined, w3cContexts());

  constructor(
    base: string,
    readonly options: CheckOptions = {},
    readonly agent?: AgentServer,
  ) {
    this.base = base.replace(/\/+$/, '');
    const u = new URL(this.base);
    this.origin = u.origin;
    this.host = u.host;
    this.client = new HttpClient({ timeoutMs: options.timeoutMs ?? 15_000, concurrency: options.concurrency ?? 8 });
    this.maxDocuments = options.maxDocuments ?? 2000;
    this.maxPages = options.maxPages ?? 50;
  }

  now(): Date {
    return this.options.now?.() ?? new Date();
  }

  url(path: string): string {
    return new URL(path, `${this.base}/`).href;
  }

  once<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = fn();
      this.memo.set(key, p);
    }
    return p;
  }

  /** A memoized GET with its body parsed once (checks read the same documents many times). */
  getDoc(url: string, accept = LD_ACCEPT): Promise<Doc> {
    return this.once(`doc:${accept}\u0000${url}`, async () => {
      const x = await this.client.get(url, accept);
      return { url, x, json: x.status === 200 ? jsonOf(x) : undefined };
    });
  }

  /** Every @id (and credential `id`) a document mentions, resolved against its URL; computed once per document. */
  idsOf(doc: Doc): Set<string> {
    let ids = this.ids.get(doc);
    if (!ids) {
      ids = idsIn(doc.json, doc.url);
      this.ids.set(doc, ids);
    }
    return ids;
  }

  // ---- commerce documents ------------------------------------------------------------------------

  /** The store document, or undefined when the endpoint does not publish one (404/410). */
  storeDoc(): Promise<Doc | undefined> {
    return this.once('store', async () => {
      const d = await this.getDoc(this.url('/.well-known/commerce'));
      return d.x.status === 404 || d.x.status === 410 ? undefined : d;
    });
  }

  /** The store document as JSON, or a skip/fail outcome for checks that depend on it. */
  async needStore(): Promise<Doc & { json: Json }> {
    const d = await this.storeDoc();
    if (!d) throw skip(`the endpoint publishes no JSON-LD store document (${this.url('/.well-known/commerce')} -> 404)`);
    if (!d.json || typeof d.json !== 'object') throw skip(`the store document is unusable (${describeExchange(d.x)}); see commerce.store.reachable`);
    return d as Doc & { json: Json };
  }

  /** The catalog feed URL: the store's `catalogFeed`, else a `Link: rel="alternate"` JSON-LD feed. */
  async feedUrl(): Promise<string> {
    const store = await this.needStore();
    const linked = store.json.catalogFeed ?? (store.json as { 'ucpd:catalogFeed'?: unknown })['ucpd:catalogFeed'];
    if (typeof linked === 'string') return new URL(linked, store.url).href;
    const link = /<([^>]+)>;[^,]*rel="?alternate"?[^,]*type="application\/ld\+json"/.exec(store.x.headers.link ?? '');
    if (link) return new URL(link[1]!, store.url).href;
    throw skip('the store document links no catalog feed (no catalogFeed, no Link rel="alternate")');
  }

  /** Crawl a feed from `start` following `next` to the end (or a cycle, an error, the page cap). */
  async crawlFrom(start: string): Promise<Crawl> {
    const pages: Doc[] = [];
    const items: FeedItem[] = [];
    const problems: string[] = [];
    const seen = new Set<string>();
    let url: string | undefined = start;
    while (url) {
      if (seen.has(url)) {
        problems.push(`the feed loops: page ${url} comes back after ${pages.length} pages`);
        break;
      }
      if (pages.length >= MAX_PAGES) {
        problems.push(`stopped after ${MAX_PAGES} pages`);
        break;
      }
      seen.add(url);
      const page = await this.getDoc(url);
      if (!page.json || typeof page.json !== 'object') {
        problems.push(`page ${pages.length + 1}: ${describeExchange(page.x)} is not a JSON feed page`);
        break;
      }
      pages.push(page);
      const json = page.json as Json;
      const entries = (json.dataFeedElement ?? json.itemListElement ?? []) as unknown;
      for (const entry of Array.isArray(entries) ? entries : [entries]) {
        if (!entry || typeof entry !== 'object') continue;
        const e = entry as Json;
        const item = (e.item && typeof e.item === 'object' ? e.item : e) as Json;
        const id = typeof item['@id'] === 'string' ? new URL(item['@id'], url).href : undefined;
        if (!id) {
          problems.push(`page ${pages.length}: an entry without an @id`);
          continue;
        }
        items.push({ id, entry: e, item, page: url, deleted: 'dateDeleted' in e, ...(typeof e.dateModified === 'string' ? { dateModified: e.dateModified } : {}) });
      }
      const link = /<([^>]+)>;\s*rel="?next"?/.exec(page.x.headers.link ?? '');
      const next = typeof json.next === 'string' ? json.next : link?.[1];
      url = next ? new URL(next, url).href : undefined;
    }
    return { feedUrl: start, pages, items, problems };
  }

  catalog(): Promise<Crawl> {
    return this.once('catalog', async () => this.crawlFrom(await this.feedUrl()));
  }

  /** Product documents for the first `maxDocuments` live feed items, by item @id. */
  productDocs(): Promise<Map<string, Doc>> {
    return this.once('productDocs', async () => {
      const crawl = await this.catalog();
      const ids = [...new Set(crawl.items.filter((i) => !i.deleted && i.id.startsWith(`${this.origin}/`)).map((i) => i.id))].slice(0, this.maxDocuments);
      const docs = await mapLimit(ids, 8, (id) => this.getDoc(id));
      return new Map(ids.map((id, i) => [id, docs[i]!]));
    });
  }

  /** The documents the JSON-LD checks read: the store document, feed pages (capped), product documents. */
  async ldDocuments(): Promise<{ docs: Doc[]; pagesTotal: number; pagesChecked: number; productsTotal: number }> {
    const store = await this.needStore();
    const crawl = await this.catalog().catch(() => undefined);
    const pages = crawl?.pages.slice(0, this.maxPages) ?? [];
    const products = crawl ? [...(await this.productDocs()).values()].filter((d) => d.json) : [];
    return {
      docs: [store, ...pages, ...products],
      pagesTotal: crawl?.pages.length ?? 0,
      pagesChecked: pages.length,
      productsTotal: crawl ? new Set(crawl.items.filter((i) => !i.deleted).map((i) => i.id)).size : 0,
    };
  }

  /** Contexts: schema.org and the W3C contexts from local copies; anything else only from the endpoint's origin. */
  readonly loader: DocumentLoader = async (url) => {
    if (!url.startsWith(`${this.origin}/`)) return this.shipped(url);
    const d = await this.getDoc(url, 'application/ld+json, application/json;q=0.9');
    if (!d.json) throw new UnknownDocumentError(url);
    const ctx = (d.json as { '@context'?: unknown })['@context'];
    if (ctx && typeof ctx === 'object' && !Array.isArray(ctx)) for (const t of contextTerms(ctx as Json)) this.endpointTerms.add(t);
    return { documentUrl: url, document: d.json };
  };

  /** A document's expansion (safe mode), memoized; throws the expansion error. */
  expand(doc: Doc): Promise<Expansion> {
    return this.once(`expand:${doc.url}`, () => expandChecked(doc.json, this.base, this.loader, this.endpointTerms));
  }

  async nodes(doc: Doc): Promise<LdNode[]> {
    return this.once(`nodes:${doc.url}`, async () => nodesOf((await this.expand(doc)).expanded, doc.url));
  }

  private remoteOrigin?: RemoteOrigin;

  /** DID, keys and status lists of the endpoint, resolved from its origin only (credential verification). */
  remote(): RemoteOrigin {
    this.remoteOrigin ??= remoteOrigin(this.base);
    return this.remoteOrigin;
  }

  // ---- UCP ---------------------------------------------------------------------------------------

  profileDoc(): Promise<Doc | undefined> {
    return this.once('profile', async () => {
      const d = await this.getDoc(this.url('/.well-known/ucp'), 'application/json');
      return d.x.status === 404 || d.x.status === 410 ? undefined : d;
    });
  }

  async needProfile(): Promise<Doc & { json: Json }> {
    const d = await this.profileDoc();
    if (!d) throw skip(`the endpoint publishes no UCP profile (${this.url('/.well-known/ucp')} -> 404)`);
    if (!d.json || typeof d.json !== 'object') throw skip(`the UCP profile is unusable (${describeExchange(d.x)}); see ucp.profile.valid`);
    return d as Doc & { json: Json };
  }

  /** Capabilities the business profile advertises. */
  async capabilities(): Promise<Set<string>> {
    const p = await this.needProfile();
    return new Set(Object.keys(((p.json.ucp as Json | undefined)?.capabilities as Json | undefined) ?? {}));
  }

  /** The protocol version the checker speaks to this endpoint (see CheckOptions.ucpVersion). */
  ucpVersion(): Promise<string> {
    return this.once('ucpVersion', async () => {
      this.version = this.options.ucpVersion ?? spokenVersion((await this.profileDoc())?.json);
      return this.version;
    });
  }

  /** The REST endpoint of the shopping service. */
  async ucpEndpoint(transport: 'rest' | 'mcp' = 'rest'): Promise<string> {
    const p = await this.needProfile();
    const services = ((p.json.ucp as Json | undefined)?.services as Json | undefined)?.[SHOPPING_SERVICE];
    const list = (Array.isArray(services) ? services : services ? [services] : []) as Json[];
    const binding = list.find((s) => s.transport === transport && typeof s.endpoint === 'string');
    if (!binding) throw skip(`the profile offers no ${transport === 'rest' ? 'REST' : 'MCP'} binding of ${SHOPPING_SERVICE}`);
    return (binding.endpoint as string).replace(/\/+$/, '');
  }

  /** One JSON-RPC request to the MCP binding (signed like `ucp`); a tools/call gets `meta["ucp-agent"]` added. */
  async mcp(method: string, params: Json = {}, o: { raw?: string; profile?: ProfileChoice } = {}): Promise<Exchange> {
    const url = await this.ucpEndpoint('mcp');
    await this.ucpVersion();
    const profile = this.profileUrl(o.profile ?? 'agent');
    const args = params.arguments as Json | undefined;
    const withMeta = method === 'tools/call' && args && profile ? { ...params, arguments: { ...args, meta: { 'ucp-agent': { profile }, ...(args.meta as Json | undefined) } } } : params;
    const text = o.raw ?? JSON.stringify({ jsonrpc: '2.0', id: randomUUID(), method, params: withMeta });
    const target = new URL(url);
    let headers: Record<string, string> = { accept: 'application/json, text/event-stream', 'content-type': 'application/json' };
    if (profile)
      headers = {
        ...headers,
        ...ucpHeaders(profile, text, 'POST', target.pathname + target.search, this.agent && !this.options.agentProfile ? { key: this.agent.key, authority: target.host } : undefined),
      };
    return this.client.request('POST', url, { headers, body: text });
  }

  /** The UCP-Agent profile URL for a choice; undefined when the checker has no such profile to offer. */
  profileUrl(choice: ProfileChoice): string | undefined {
    if (typeof choice === 'object') return 'url' in choice ? choice.url : this.options.agentProfile ? undefined : this.agent?.profileUrls[choice.version];
    if (choice === 'none') return undefined;
    if (choice === 'agent') return this.options.agentProfile ?? (this.agent ? (this.agent.profileUrls[this.version ?? this.options.ucpVersion ?? ''] ?? this.agent.profileUrl) : undefined);
    if (!this.agent) return undefined;
    return choice === 'malformed' ? this.agent.malformedUrl : this.agent.versionUrl;
  }

  /** A UCP REST call; signed with the checker's key when it presents its own profile. */
  async ucp(method: string, path: string, body?: unknown, o: { profile?: ProfileChoice; headers?: Record<string, string>; raw?: string | Buffer } = {}): Promise<Exchange> {
    const endpoint = await this.ucpEndpoint();
    await this.ucpVersion();
    const url = `${endpoint}${path}`;
    const text = o.raw !== undefined ? o.raw : body === undefined ? undefined : JSON.stringify(body);
    const choice = o.profile ?? 'agent';
    const profile = this.profileUrl(choice);
    const target = new URL(url);
    let headers: Record<string, string> = { accept: 'application/json', 'request-id': randomUUID() };
    if (profile) {
      const own = this.agent && !this.options.agentProfile && choice !== 'none' && !(typeof choice === 'object' && 'url' in choice);
      const signable = typeof text === 'string' ? text : undefined;
      headers = { ...headers, ...ucpHeaders(profile, signable, method, target.pathname + target.search, own ? { key: this.agent!.key, authority: target.host } : undefined) };
    }
    if (text !== undefined) headers['content-type'] ??= 'application/json';
    return this.client.request(method, url, { headers: { ...headers, ...o.headers }, ...(text !== undefined ? { body: text } : {}) });
  }

  /**
   * Whether UCP operations can run at all: one catalog search with the checker's profile. When the
   * endpoint cannot fetch that profile (it is on loopback, or the endpoint's fetch policy refuses it),
   * operation checks are skipped with the reason rather than failed.
   */
  ucpAccess(): Promise<UcpAccess> {
    return this.once('ucpAccess', async () => {
      let endpoint: string;
      try {
        endpoint = await this.ucpEndpoint();
      } catch (err) {
        return { ok: false, reason: (err as Error).message };
      }
      if (!this.profileUrl('agent')) return { ok: false, reason: 'no agent profile to present (pass --agent-profile <url>)' };
      const x = await this.ucp('POST', '/catalog/search', { query: 'a', pagination: { limit: 1 } });
      if (x.status >= 200 && x.status < 300) return { ok: true, reason: 'negotiated', endpoint, exchange: x };
      const body = jsonOf(x) as { code?: string; content?: string } | undefined;
      const code = body?.code ?? '';
      if (['profile_unreachable', 'invalid_profile_url', 'profile_malformed'].includes(code) || x.status === 424 || x.status === 401 || x.status === 403) {
        return {
          ok: false,
          endpoint,
          exchange: x,
          reason: `the endpoint did not accept the checker's platform profile ${this.profileUrl('agent')} (${x.status} ${code}: ${body?.content ?? ''}). Serve a profile it can fetch and pass --agent-profile <url>, or allow the checker's profile host (ucpd: --profile-fetch-allow ${this.agent ? `127.0.0.1:${this.agent.port}` : '<host:port>'})`,
        };
      }
      return { ok: true, reason: `catalog search answered ${x.status}`, endpoint, exchange: x };
    });
  }

  async needUcp(capability?: string): Promise<string> {
    if (capability && !(await this.capabilities()).has(capability)) throw skip(`the profile does not offer ${capability}`);
    const access = await this.ucpAccess();
    if (!access.ok) throw skip(access.reason);
    return access.endpoint!;
  }
}
