/** Commerce JSON-LD checks: the store document, the catalog feed, product documents and pages. */
import { canonicalJson } from '../../util/canonical-json.js';
import { describeExchange, mapLimit, snippet, withParam, type Exchange } from '../client.js';
import type { CheckContext, Doc } from '../context.js';
import { availabilityRules, offerRules, priceRules, productRules, ratingRules, returnPolicyRules, shippingRules, type Problem, type RuleResult } from '../listing.js';
import { EVIDENCE_SHOWN, fail, skip, warn, type CheckDefinition, type Evidence } from '../model.js';
import type { LdNode } from '../nodes.js';

type Json = Record<string, unknown>;
type Check = CheckDefinition<CheckContext>;

const GOOGLE_MERCHANT = 'https://developers.google.com/search/docs/appearance/structured-data/merchant-listing';

export const evidenceOf = (problems: Problem[]): Evidence[] => problems.map((p) => ({ url: p.at, got: p.message }));
const more = (n: number) => (n > EVIDENCE_SHOWN ? ` (first ${EVIDENCE_SHOWN} shown)` : '');

/** Nodes of every document the JSON-LD checks read that expanded cleanly. */
export function allNodes(ctx: CheckContext): Promise<{ nodes: LdNode[]; docs: number; note: string }> {
  return ctx.once('allNodes', async () => {
    const { docs, pagesTotal, pagesChecked, productsTotal } = await ctx.ldDocuments();
    const nodes: LdNode[] = [];
    let ok = 0;
    for (const d of docs) {
      try {
        nodes.push(...(await ctx.nodes(d)));
        ok++;
      } catch {
        // reported by commerce.jsonld.expands
      }
    }
    const products = docs.length - 1 - pagesChecked;
    // One node per @id: the feed's compact view and the product document's full one describe the same
    // resource, and linked data reads them as one graph.
    const merged = new Map<string, LdNode>();
    const out: LdNode[] = [];
    for (const n of nodes) {
      if (!n.id) {
        out.push(n);
        continue;
      }
      const seen = merged.get(n.id);
      if (!seen) {
        const copy = { ...n, raw: { ...n.raw } };
        merged.set(n.id, copy);
        out.push(copy);
      } else for (const [k, v] of Object.entries(n.raw)) if (!(k in seen.raw)) seen.raw[k] = v;
    }
    const sampled = pagesChecked < pagesTotal || products < productsTotal ? ` (sampled: ${pagesChecked} of ${pagesTotal} feed pages, ${products} of ${productsTotal} product documents)` : '';
    return { nodes: out, docs: ok, note: `${ok} documents${sampled}` };
  });
}

/** Run a listing rule over all nodes: errors fail, warnings warn (`warnings: false` when a recommended check reports them). */
async function rule(ctx: CheckContext, fn: (n: LdNode[]) => RuleResult, what: string, o: { none?: 'skip' | 'warn'; warnings?: boolean } = {}) {
  const { nodes, note } = await allNodes(ctx);
  const r = fn(nodes);
  if (!r.checked) {
    const msg = `no ${what} in ${note}`;
    throw o.none === 'warn' ? warn(msg) : skip(msg);
  }
  if (r.errors.length) throw fail(`${r.errors.length} problem(s) in ${r.checked} ${what}${more(r.errors.length)}`, ...evidenceOf(r.errors));
  if (o.warnings !== false && r.warnings.length)
    throw warn(`${r.checked} ${what} carry the required properties; ${r.warnings.length} recommended one(s) missing${more(r.warnings.length)}`, ...evidenceOf(r.warnings));
  return `${r.checked} ${what} in ${note}`;
}

function isJsonLdType(x: Exchange): boolean {
  const t = (x.headers['content-type'] ?? '').split(';')[0]!.trim();
  return t === 'application/ld+json' || t === 'application/json';
}

/** The first place two JSON values differ, as a path. */
export function firstDifference(a: unknown, b: unknown, path = '$'): string | undefined {
  if (canonicalJson(a) === canonicalJson(b)) return undefined;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path}: ${a.length} vs ${b.length} entries`;
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const d = firstDifference((a as Json)[k], (b as Json)[k], `${path}.${k}`);
      if (d) return d;
    }
  }
  return `${path}: ${JSON.stringify(a)?.slice(0, 80)} vs ${JSON.stringify(b)?.slice(0, 80)}`;
}

/** The JSON-LD blocks embedded in an HTML page. */
export function embeddedJsonLd(html: string): unknown[] {
  const out: unknown[] = [];
  const re = /<script\b[^>]*\btype\s*=\s*["']?application\/ld\+json["']?[^>]*>([\s\S]*?)<\/script\s*>/gi;
  for (let m = re.exec(html); m; m = re.exec(html)) {
    try {
      out.push(JSON.parse(m[1]!));
    } catch {
      out.push(undefined);
    }
  }
  return out;
}

export const commerceChecks: Check[] = [
  {
    id: 'commerce.store.reachable',
    group: 'commerce',
    severity: 'required',
    title: '/.well-known/commerce answers 200 with a JSON-LD store document',
    spec: 'RFC 8615 (well-known URIs); JSON-LD 1.1 §9.1 application/ld+json',
    async run(ctx) {
      const d = await ctx.storeDoc();
      if (!d) throw skip(`the endpoint publishes no JSON-LD store document (${ctx.url('/.well-known/commerce')} -> 404)`);
      const ev = { url: d.url, expected: '200 application/ld+json with an @context', got: describeExchange(d.x) };
      if (d.x.status !== 200) throw fail(`the store document answered ${d.x.status || d.x.error}`, ev);
      if (!isJsonLdType(d.x)) throw fail(`Content-Type is ${d.x.headers['content-type'] ?? 'missing'}, not application/ld+json`, ev);
      if (!d.json || typeof d.json !== 'object' || Array.isArray(d.json)) throw fail('the body is not a JSON object', { ...ev, got: snippet(d.x) });
      if (!('@context' in d.json)) throw fail('the document has no @context', ev);
      const type = (d.json as Json)['@type'];
      const types = (Array.isArray(type) ? type : [type]).map(String);
      if (!types.some((t) => /(^|[/:])(OnlineStore|OnlineBusiness|Store|Organization|LocalBusiness|Corporation)$/.test(t))) {
        throw warn(`the store document's @type is ${JSON.stringify(type)}, not an Organization (OnlineStore, Store, ...)`, ev);
      }
      return { message: `200 ${d.x.headers['content-type']}, ${d.x.body.length} bytes, @type ${types.join(', ')}`, evidence: [ev] };
    },
  },
  {
    id: 'commerce.store.cacheable',
    group: 'commerce',
    severity: 'required',
    title: 'ETag and If-None-Match/304 work on the store document, feed pages and product documents; distinct documents have distinct ETags',
    spec: 'RFC 9110 §8.8.3 (ETag), §13.1.2 (If-None-Match); RFC 9111 §5.2 (Cache-Control)',
    async run(ctx) {
      const store = await ctx.needStore();
      const targets: Doc[] = [store];
      const crawl = await ctx.catalog().catch(() => undefined);
      if (crawl?.pages[0]) targets.push(crawl.pages[0]);
      if (crawl?.pages[1]) targets.push(crawl.pages[1]);
      const products = crawl ? [...(await ctx.productDocs()).values()].filter((d) => d.x.status === 200).slice(0, 2) : [];
      targets.push(...products);
      const problems: Evidence[] = [];
      const warnings: Evidence[] = [];
      const byTag = new Map<string, Doc>();
      for (const d of targets) {
        const etag = d.x.headers.etag;
        if (!etag) {
          problems.push({ url: d.url, expected: 'an ETag header', got: 'none' });
          continue;
        }
        const other = byTag.get(etag);
        if (other && !other.x.body.equals(d.x.body)) problems.push({ url: d.url, expected: 'a different ETag from a different document', got: `${etag}, also the ETag of ${other.url}` });
        byTag.set(etag, d);
        if (!d.x.headers['cache-control'] && !d.x.headers['last-modified']) warnings.push({ url: d.url, expected: 'Cache-Control (or Last-Modified)', got: 'neither' });
        const again = await ctx.client.get(d.url, 'application/ld+json, application/json;q=0.9', { fresh: true });
        if (again.status === 200 && again.body.equals(d.x.body) && again.headers.etag !== etag) {
          problems.push({ url: d.url, expected: `the same ETag for the same bytes (${etag})`, got: String(again.headers.etag) });
        }
        if (again.status === 200 && !again.body.equals(d.x.body) && again.headers.etag === etag && !etag.startsWith('W/')) {
          problems.push({ url: d.url, expected: 'a new strong ETag when the bytes change', got: `${etag} for different bytes` });
        }
        const current = again.headers.etag ?? etag;
        const cond = await ctx.client.get(d.url, 'application/ld+json, application/json;q=0.9', { headers: { 'if-none-match': current } });
        if (cond.status !== 304) problems.push({ url: d.url, expected: `304 for If-None-Match: ${current}`, got: describeExchange(cond) });
        else {
          if (cond.body.length) problems.push({ url: d.url, expected: 'an empty 304 body', got: `${cond.body.length} bytes` });
          if (cond.headers.etag && cond.headers.etag !== current) problems.push({ url: d.url, expected: `the 304 to repeat ETag ${current}`, got: cond.headers.etag });
        }
        const miss = await ctx.client.get(d.url, 'application/ld+json, application/json;q=0.9', { headers: { 'if-none-match': '"ucpd-check-never-served"' } });
        if (miss.status !== 200) problems.push({ url: d.url, expected: '200 for an ETag the server never sent', got: describeExchange(miss) });
      }
      if (problems.length) throw fail(`${problems.length} caching problem(s)`, ...problems);
      if (warnings.length) throw warn('no freshness information on some documents', ...warnings);
      return `${targets.length} documents: ETag, 304 on If-None-Match, 200 on a stale tag; ${byTag.size} distinct ETags`;
    },
  },
  {
    id: 'commerce.jsonld.expands',
    group: 'commerce',
    severity: 'required',
    title: 'Every document expands offline in safe mode (contexts from schema.org, W3C or the endpoint itself)',
    spec: 'JSON-LD 1.1 API §4.1 (Expansion); jsonld.js safe mode',
    async run(ctx) {
      const { docs, pagesTotal, pagesChecked } = await ctx.ldDocuments();
      const failures: Evidence[] = [];
      await mapLimit(docs, 4, async (d) => {
        if (!d.json) {
          failures.push({ url: d.url, expected: 'a JSON-LD document', got: describeExchange(d.x) });
          return;
        }
        try {
          await ctx.expand(d);
        } catch (err) {
          const e = err as { name?: string; message: string; details?: { event?: { message?: string; details?: unknown }; url?: string } };
          const detail = e.details?.event?.message ?? e.details?.url ?? '';
          failures.push({ url: d.url, expected: 'a clean expansion', got: `${e.name ?? 'Error'}: ${e.message}${detail ? ` (${detail})` : ''}`.slice(0, 400) });
        }
      });
      if (failures.length) throw fail(`${failures.length} of ${docs.length} documents do not expand${more(failures.length)}`, ...failures);
      return `${docs.length} documents expand (${pagesChecked} of ${pagesTotal} feed pages)`;
    },
  },
  {
    id: 'commerce.jsonld.terms',
    group: 'commerce',
    severity: 'required',
    title: 'Every property and type is a schema.org term or defined by a context the endpoint serves',
    spec: 'schema.org 30.0 vocabulary; JSON-LD 1.1 §4.1 (term definitions)',
    async run(ctx) {
      const { docs } = await ctx.ldDocuments();
      const unknown = new Map<string, string>();
      let expanded = 0;
      for (const d of docs) {
        try {
          const x = await ctx.expand(d);
          expanded++;
          for (const iri of x.unknown) if (!unknown.has(iri)) unknown.set(iri, d.url);
        } catch {
          // commerce.jsonld.expands reports it
        }
      }
      if (!expanded) throw skip('no document expanded (see commerce.jsonld.expands)');
      if (unknown.size)
        throw fail(
          `${unknown.size} undefined term(s): ${[...unknown.keys()].slice(0, 5).join(', ')}`,
          ...[...unknown].map(([iri, url]) => ({ url, expected: 'a schema.org term or one defined by the endpoint context', got: iri })),
        );
      return `${expanded} documents, every term defined`;
    },
  },
  {
    id: 'commerce.product.required',
    group: 'commerce',
    severity: 'required',
    title: 'Product and ProductGroup nodes carry the required merchant-listing properties',
    spec: `${GOOGLE_MERCHANT}#product; schema.org/Product, schema.org/ProductGroup`,
    run: (ctx) => rule(ctx, productRules, 'products and product groups', { warnings: false }),
  },
  {
    id: 'commerce.product.recommended',
    group: 'commerce',
    severity: 'recommended',
    title: 'Products carry the recommended identifiers and descriptions (gtin/mpn, sku, brand, description, itemCondition)',
    spec: `${GOOGLE_MERCHANT}#product`,
    async run(ctx) {
      const { nodes, note } = await allNodes(ctx);
      const r = productRules(nodes);
      const o = offerRules(nodes);
      const warnings = [...r.warnings, ...o.warnings];
      if (!r.checked) throw skip(`no products in ${note}`);
      if (warnings.length) throw warn(`${warnings.length} recommended propert(ies) missing${more(warnings.length)}`, ...evidenceOf(warnings));
      return `${r.checked} products and ${o.checked} offers carry every recommended property`;
    },
  },
  {
    id: 'commerce.offer.required',
    group: 'commerce',
    severity: 'required',
    title: 'Every Offer states price, priceCurrency and availability',
    spec: `${GOOGLE_MERCHANT}#offer-details; schema.org/Offer`,
    run: (ctx) => rule(ctx, offerRules, 'offers', { warnings: false }),
  },
  {
    id: 'commerce.offer.price_format',
    group: 'commerce',
    severity: 'required',
    title: 'Prices and amounts are decimal strings with an ISO 4217 currency',
    spec: 'schema.org/price (use "." and no currency symbol); ISO 4217',
    run: (ctx) => rule(ctx, priceRules, 'prices and amounts'),
  },
  {
    id: 'commerce.offer.availability',
    group: 'commerce',
    severity: 'required',
    title: 'availability is a schema.org ItemAvailability IRI and agrees with inventoryLevel',
    spec: 'schema.org/ItemAvailability, schema.org/inventoryLevel',
    run: (ctx) => rule(ctx, availabilityRules, 'offers with availability'),
  },
  {
    id: 'commerce.shipping_details',
    group: 'commerce',
    severity: 'required',
    title: 'OfferShippingDetails state destination, rate (value + currency) and delivery time',
    spec: `${GOOGLE_MERCHANT}#shipping-details; schema.org/OfferShippingDetails`,
    run: (ctx) => rule(ctx, shippingRules, 'shipping details', { none: 'warn' }),
  },
  {
    id: 'commerce.return_policy',
    group: 'commerce',
    severity: 'required',
    title: 'MerchantReturnPolicy states category, countries and (for a finite window) the days',
    spec: `${GOOGLE_MERCHANT}#return-policy; schema.org/MerchantReturnPolicy`,
    run: (ctx) => rule(ctx, returnPolicyRules, 'return policies', { none: 'warn' }),
  },
  {
    id: 'commerce.ratings_reviews',
    group: 'commerce',
    severity: 'required',
    title: 'AggregateRating and Review values are complete and within their rating bounds',
    spec: 'https://developers.google.com/search/docs/appearance/structured-data/review-snippet; schema.org/AggregateRating, schema.org/Review',
    run: (ctx) => rule(ctx, ratingRules, 'ratings and reviews'),
  },
  {
    id: 'commerce.ids.dereference',
    group: 'commerce',
    severity: 'required',
    title: "Every @id on the endpoint's origin dereferences: a node's own @id to a document that describes it, a reference to a 2xx",
    spec: 'Linked Data principles (dereferenceable IRIs); JSON-LD 1.1 §3.3 (node identifiers)',
    async run(ctx) {
      const { docs } = await ctx.ldDocuments();
      const subjects = new Set<string>();
      const refs = new Set<string>();
      for (const d of docs) {
        let nodes: LdNode[];
        try {
          nodes = await ctx.nodes(d);
        } catch {
          continue;
        }
        for (const n of nodes) if (n.id) subjects.add(n.id);
        for (const id of (await ctx.expand(d)).ids) refs.add(id);
      }
      const mine = (id: string) => id.startsWith(`${ctx.origin}/`);
      const all = [...new Set([...subjects, ...refs])].filter(mine);
      if (!all.length) throw skip('no @id on the endpoint origin');
      const byDoc = new Map<string, string[]>();
      for (const id of all) {
        const docUrl = id.split('#')[0]!;
        const list = byDoc.get(docUrl) ?? [];
        list.push(id);
        byDoc.set(docUrl, list);
      }
      const limit = ctx.maxDocuments * 5;
      const urls = [...byDoc.keys()].slice(0, limit);
      const problems: Evidence[] = [];
      await mapLimit(urls, 8, async (docUrl) => {
        const ids = byDoc.get(docUrl)!;
        const needsContent = ids.some((id) => subjects.has(id));
        const d = await ctx.getDoc(docUrl);
        if (d.x.status < 200 || d.x.status >= 300) {
          problems.push({ url: docUrl, expected: '2xx', got: describeExchange(d.x) });
          return;
        }
        if (!needsContent) return;
        if (!d.json) {
          problems.push({ url: docUrl, expected: 'a JSON-LD document describing the node', got: describeExchange(d.x) });
          return;
        }
        const present = ctx.idsOf(d);
        for (const id of ids) if (subjects.has(id) && !present.has(id)) problems.push({ url: id, expected: `a node with this @id in ${docUrl}`, got: 'the document does not mention it' });
      });
      const sampled = urls.length < byDoc.size ? ` (first ${urls.length} of ${byDoc.size} documents)` : '';
      if (problems.length) throw fail(`${problems.length} identifier(s) do not dereference${more(problems.length)}`, ...problems);
      return `${all.length} identifiers over ${urls.length} documents dereference${sampled}`;
    },
  },
  {
    id: 'commerce.catalog.pagination',
    group: 'commerce',
    severity: 'required',
    title: "Following the feed's next links terminates and lists every product exactly once; a crawl with another page size sees the same set",
    spec: 'schema.org/DataFeed; ucpd catalog feed (cursor pagination)',
    async run(ctx) {
      const crawl = await ctx.catalog();
      const ev: Evidence = { url: crawl.feedUrl, detail: `${crawl.pages.length} pages` };
      if (crawl.problems.length) throw fail(crawl.problems[0]!, { ...ev, got: crawl.problems.join('; ') });
      const live = crawl.items.filter((i) => !i.deleted);
      const count = new Map<string, string[]>();
      for (const i of live) count.set(i.id, [...(count.get(i.id) ?? []), i.page]);
      const repeated = [...count].filter(([, pages]) => pages.length > 1);
      if (repeated.length) {
        throw fail(
          `${repeated.length} product(s) listed more than once`,
          ...repeated.map(([id, pages]) => ({ url: id, expected: 'listed once', got: `listed ${pages.length} times, on ${[...new Set(pages)].join(', ')}` })),
        );
      }
      if (!live.length) throw warn('the catalog feed lists no products', ev);
      const pageSize = Math.max(...crawl.pages.map((p) => ((p.json as Json).dataFeedElement as unknown[] | undefined)?.length ?? 0));
      if (live.length > 20_000) return `${live.length} products over ${crawl.pages.length} pages, each once (second crawl skipped: catalog too large)`;
      const small = Math.max(2, Math.min(pageSize - 1, Math.ceil(live.length / 12)));
      const first = await ctx.client.get(withParam(crawl.feedUrl, 'limit', String(small)));
      if (first.status !== 200) return `${live.length} products over ${crawl.pages.length} pages, each once (the feed does not take limit=${small}: ${first.status})`;
      const again = await ctx.crawlFrom(withParam(crawl.feedUrl, 'limit', String(small)));
      if (again.problems.length) throw fail(`with limit=${small}: ${again.problems[0]}`, { url: again.feedUrl, got: again.problems.join('; ') });
      const ids = new Set(live.map((i) => i.id));
      const second = again.items.filter((i) => !i.deleted);
      const secondIds = new Set(second.map((i) => i.id));
      const missing = [...ids].filter((id) => !secondIds.has(id));
      const extra = [...secondIds].filter((id) => !ids.has(id));
      if (second.length !== secondIds.size) throw fail(`with limit=${small} some products are listed more than once (${second.length} entries, ${secondIds.size} products)`, { url: again.feedUrl });
      if (missing.length || extra.length) {
        throw fail(
          `crawls with page sizes ${pageSize} and ${small} disagree: ${missing.length} missing, ${extra.length} extra`,
          ...[
            ...missing.map((id) => ({ url: id, expected: 'in both crawls', got: `missing with limit=${small}` })),
            ...extra.map((id) => ({ url: id, expected: 'in both crawls', got: `only with limit=${small}` })),
          ],
        );
      }
      return `${live.length} products, each once, over ${crawl.pages.length} pages; a crawl with limit=${small} (${again.pages.length} pages) saw the same set`;
    },
  },
  {
    id: 'commerce.catalog.modified_since',
    group: 'commerce',
    severity: 'required',
    title: 'modified_since returns exactly the items changed since then, as a full crawl shows them',
    spec: 'ucpd catalog feed: modified_since (incremental sync)',
    async run(ctx) {
      const crawl = await ctx.catalog();
      if (crawl.problems.length) throw skip('the full crawl did not finish (see commerce.catalog.pagination)');
      const live = crawl.items.filter((i) => !i.deleted && i.dateModified);
      if (!live.length) throw skip('feed items carry no dateModified');
      const times = [...new Set(live.map((i) => i.dateModified!))].sort((a, b) => Date.parse(a) - Date.parse(b));
      const latest = times[times.length - 1]!;
      const points = [...new Set([times[0]!, times[Math.floor(times.length / 2)]!, new Date(Date.parse(latest) + 1).toISOString()])];
      const byId = new Map(live.map((i) => [i.id, i]));
      const problems: Evidence[] = [];
      let checked = 0;
      for (const since of points) {
        const url = withParam(crawl.feedUrl, 'modified_since', since);
        const probe = await ctx.client.get(url);
        if (probe.status === 400 || probe.status === 422) {
          if (since === points[0]) throw skip(`the feed does not support modified_since (${probe.status}: ${snippet(probe, 160)})`);
        }
        const delta = await ctx.crawlFrom(url);
        if (delta.problems.length) {
          problems.push({ url, expected: 'a complete delta crawl', got: delta.problems.join('; ') });
          continue;
        }
        const t = Date.parse(since);
        const got = new Map(delta.items.filter((i) => !i.deleted).map((i) => [i.id, i]));
        for (const [id, full] of byId) {
          const m = Date.parse(full.dateModified!);
          if (m > t && !got.has(id)) problems.push({ url: id, expected: `in the delta since ${since} (modified ${full.dateModified})`, got: 'missing' });
        }
        for (const [id, item] of got) {
          const full = byId.get(id);
          if (!full) continue; // created after the full crawl
          const m = Date.parse(item.dateModified ?? full.dateModified!);
          if (m < t) problems.push({ url: id, expected: `only items modified since ${since}`, got: `modified ${item.dateModified ?? full.dateModified}` });
          else if (item.dateModified === full.dateModified && canonicalJson(item.item) !== canonicalJson(full.item)) {
            problems.push({ url: id, expected: 'the same item as the full crawl', got: firstDifference(full.item, item.item) ?? 'different' });
          }
        }
        checked++;
      }
      if (problems.length) throw fail(`${problems.length} difference(s) between modified_since deltas and the full crawl${more(problems.length)}`, ...problems);
      return `${checked} deltas (since ${points.join(', ')}) agree with the full crawl of ${live.length} items`;
    },
  },
  {
    id: 'commerce.product.html',
    group: 'commerce',
    severity: 'required',
    title: 'Product pages (Accept: text/html) embed the same JSON-LD as the product document',
    spec: 'JSON-LD 1.1 §7.3 (embedding JSON-LD in HTML); schema.org structured data in HTML',
    async run(ctx) {
      const docs = [...(await ctx.productDocs()).values()].filter((d) => d.json);
      if (!docs.length) throw skip('no product documents to compare');
      const picks = [...new Set([docs[0]!, docs[Math.floor(docs.length / 2)]!, docs[docs.length - 1]!])];
      const problems: Evidence[] = [];
      for (const d of picks) {
        const page = await ctx.client.get(d.url, 'text/html');
        const type = page.headers['content-type'] ?? '';
        if (page.status !== 200 || !type.startsWith('text/html')) {
          problems.push({ url: d.url, expected: '200 text/html', got: describeExchange(page) });
          continue;
        }
        const blocks = embeddedJsonLd(page.body.toString('utf8'));
        if (!blocks.length) {
          problems.push({ url: d.url, expected: 'a <script type="application/ld+json"> block', got: 'none' });
          continue;
        }
        const same = blocks.find((b) => canonicalJson(b) === canonicalJson(d.json));
        if (!same) {
          const id = (d.json as Json)['@id'];
          const candidate = blocks.find((b) => b && typeof b === 'object' && (b as Json)['@id'] === id) ?? blocks[0];
          problems.push({ url: d.url, expected: 'the embedded JSON-LD equal to the application/ld+json document', got: firstDifference(d.json, candidate) ?? 'different' });
        }
      }
      if (problems.length) throw fail(`${problems.length} of ${picks.length} product pages differ from their JSON-LD`, ...problems);
      return `${picks.length} product pages embed exactly their JSON-LD document`;
    },
  },
];
