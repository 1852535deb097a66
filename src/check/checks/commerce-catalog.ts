/**
 * Commerce checks on the catalog as a whole: following the feed's next links lists every product exactly
 * once (and a crawl with another page size agrees), modified_since deltas match the full crawl, and
 * product pages (text/html) embed exactly the JSON-LD of their product document. Also the two helpers
 * those comparisons use: the first difference between two JSON values, and the JSON-LD blocks of a page.
 */
import { canonicalJson } from '../../util/canonical-json.js';
import { describeExchange, type Exchange, jsonOf, snippet, withParam } from '../client.js';
import type { CheckContext } from '../context.js';
import { fail, skip, warn, type CheckDefinition, type Evidence } from '../model.js';
import { shownNote } from './commerce-graph.js';

type Json = Record<string, unknown>;
type Check = CheckDefinition<CheckContext>;

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

/** The checks in run order: pagination, modified_since, product pages. */
export const commerceCatalogChecks: Check[] = [
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
      if (problems.length) throw fail(`${problems.length} difference(s) between modified_since deltas and the full crawl${shownNote(problems.length)}`, ...problems);
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
        // the document may change between two fetches (stock, credentials issued after a start): compare a
        // page with the JSON-LD fetched just before and just after it, only when those two are the same
        let doc: unknown = d.json;
        let page: Exchange | undefined;
        for (let attempt = 0; attempt < 3; attempt++) {
          const before = jsonOf(await ctx.client.get(d.url, 'application/ld+json'));
          page = await ctx.client.get(d.url, 'text/html');
          const after = jsonOf(await ctx.client.get(d.url, 'application/ld+json'));
          doc = after ?? doc;
          if (before !== undefined && canonicalJson(before) === canonicalJson(after)) break;
        }
        if (!page) continue;
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
        const same = blocks.find((b) => canonicalJson(b) === canonicalJson(doc));
        if (!same) {
          const id = (doc as Json)['@id'];
          const candidate = blocks.find((b) => b && typeof b === 'object' && (b as Json)['@id'] === id) ?? blocks[0];
          problems.push({ url: d.url, expected: 'the embedded JSON-LD equal to the application/ld+json document fetched around it', got: firstDifference(doc, candidate) ?? 'different' });
        }
      }
      if (problems.length) throw fail(`${problems.length} of ${picks.length} product pages differ from their JSON-LD`, ...problems);
      return `${picks.length} product pages embed exactly their JSON-LD document`;
    },
  },
];
