/**
 * Commerce JSON-LD checks: the store document, the catalog feed, product documents and pages. This
 * module holds the checks on documents as HTTP resources (the store document answers, caching works)
 * and assembles `commerceChecks` in run order from the JSON-LD checks (./commerce-jsonld.ts) and the
 * catalog checks (./commerce-catalog.ts); the merged graph they read lives in ./commerce-graph.ts.
 */
import { describeExchange, snippet, type Exchange } from '../client.js';
import type { CheckContext, Doc } from '../context.js';
import { fail, skip, warn, type CheckDefinition, type Evidence } from '../model.js';
import { commerceCatalogChecks } from './commerce-catalog.js';
import { commerceJsonLdChecks } from './commerce-jsonld.js';

export { allNodes, evidenceOf } from './commerce-graph.js';
export { embeddedJsonLd, firstDifference } from './commerce-catalog.js';

type Json = Record<string, unknown>;
type Check = CheckDefinition<CheckContext>;

function isJsonLdType(x: Exchange): boolean {
  const t = (x.headers['content-type'] ?? '').split(';')[0]!.trim();
  return t === 'application/ld+json' || t === 'application/json';
}

/** The store document and HTTP caching on every kind of document. */
const commerceHttpChecks: Check[] = [
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
];

export const commerceChecks: Check[] = [...commerceHttpChecks, ...commerceJsonLdChecks, ...commerceCatalogChecks];
