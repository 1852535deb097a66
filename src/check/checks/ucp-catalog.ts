/**
 * UCP catalog checks: search (and its next page), lookup by product and variant ids, and get product each
 * answer schema-valid responses; and the variants UCP returns agree with the JSON-LD catalog on price
 * and availability.
 */
import { isCurrencyCode, minorUnitExponent } from '../../catalog/money.js';
import { CATALOG_LOOKUP, CATALOG_SEARCH } from '../../ucp/constants.js';
import { LOOKUP_RESPONSE, PRODUCT_RESPONSE, SEARCH_RESPONSE } from '../../ucp/schemas.js';
import type { CheckContext } from '../context.js';
import { fail, skip, warn, type CheckDefinition, type Evidence } from '../model.js';
import { children, first, is, type LdNode } from '../nodes.js';
import { allNodes } from './commerce-graph.js';
import { SPEC, allSchemaProblems, catalogRefs, expectOk, search, type UcpProduct } from './ucp-common.js';

type Check = CheckDefinition<CheckContext>;

/** The schema.org availability values that agree with each UCP availability status. */
const AVAILABILITY_MATCH: Record<string, string[]> = {
  in_stock: ['InStock', 'LimitedAvailability', 'OnlineOnly', 'InStoreOnly'],
  backorder: ['BackOrder', 'MadeToOrder'],
  preorder: ['PreOrder', 'PreSale'],
  out_of_stock: ['OutOfStock', 'SoldOut', 'Discontinued'],
};

/** The checks in run order: search, lookup, get product, agreement with the JSON-LD catalog. */
export const ucpCatalogChecks: Check[] = [
  {
    id: 'ucp.catalog.search',
    group: 'ucp',
    severity: 'required',
    title: 'catalog search answers with a schema-valid search_response; the next page is valid too',
    spec: `${SPEC('catalog/search')}; shopping/catalog_search.json`,
    async run(ctx) {
      const { x, body, products, query } = await search(ctx);
      const refs = await catalogRefs(ctx, SEARCH_RESPONSE, 'fulfillment_search_response', CATALOG_SEARCH);
      const version = await ctx.ucpVersion();
      const problems = allSchemaProblems(refs, x, body, version);
      if (problems.length) throw fail(`the search response violates the schema (${problems.length})`, ...problems);
      const cursor = body.pagination as { cursor?: string; next_cursor?: string; has_next_page?: boolean } | undefined;
      const next = cursor?.has_next_page ? (cursor.cursor ?? cursor.next_cursor) : undefined;
      let pages = 1;
      if (next) {
        const x2 = await ctx.ucp('POST', '/catalog/search', { query, pagination: { limit: 10, cursor: next } });
        const b2 = expectOk(x2, 'catalog search page 2');
        const p2 = allSchemaProblems(refs, x2, b2, version);
        if (p2.length) throw fail(`page 2 violates the schema (${p2.length})`, ...p2);
        const ids = new Set(products.map((p) => p.id));
        const dup = ((b2.products ?? []) as UcpProduct[]).filter((p) => ids.has(p.id));
        if (dup.length) throw fail(`page 2 repeats ${dup.length} product(s) from page 1`, ...dup.map((p) => ({ url: x2.url, got: p.id })));
        pages = 2;
      }
      if (!products.length) throw warn(`search for "${query}" found nothing`, { url: x.url });
      return `search "${query}": ${products.length} products, ${pages} page(s), schema-valid`;
    },
  },
  {
    id: 'ucp.catalog.lookup',
    group: 'ucp',
    severity: 'required',
    title: 'catalog lookup by product and variant ids answers with a schema-valid lookup_response holding each id',
    spec: `${SPEC('catalog/lookup')}; shopping/catalog_lookup.json`,
    async run(ctx) {
      await ctx.needUcp(CATALOG_LOOKUP);
      const { products } = await search(ctx);
      if (!products.length) throw skip('catalog search found no products to look up');
      const ids = [...products.slice(0, 3).map((p) => p.id), ...(products[0]!.variants?.[0] ? [products[0]!.variants[0].id] : [])];
      const x = await ctx.ucp('POST', '/catalog/lookup', { ids });
      const body = expectOk(x, 'catalog lookup');
      const problems = allSchemaProblems(await catalogRefs(ctx, LOOKUP_RESPONSE, 'fulfillment_lookup_response', CATALOG_LOOKUP), x, body, await ctx.ucpVersion());
      if (problems.length) throw fail(`the lookup response violates the schema (${problems.length})`, ...problems);
      const found = (body.products ?? []) as UcpProduct[];
      const seen = new Set(found.flatMap((p) => [p.id, ...(p.variants ?? []).map((v) => v.id)]));
      const missing = ids.filter((id) => !seen.has(id));
      if (missing.length) throw fail(`${missing.length} looked-up id(s) missing from the response`, ...missing.map((id) => ({ url: x.url, expected: `a product or variant ${id}`, got: 'absent' })));
      return `lookup of ${ids.length} ids: ${found.length} products, schema-valid`;
    },
  },
  {
    id: 'ucp.catalog.product',
    group: 'ucp',
    severity: 'required',
    title: 'get product answers with a schema-valid get_product_response for the requested id',
    spec: `${SPEC('catalog/lookup')}#get-product; shopping/catalog_lookup.json`,
    async run(ctx) {
      await ctx.needUcp(CATALOG_LOOKUP);
      const { products } = await search(ctx);
      if (!products.length) throw skip('catalog search found no products');
      const id = products[0]!.id;
      const x = await ctx.ucp('POST', '/catalog/product', { id });
      const body = expectOk(x, 'get product');
      const problems = allSchemaProblems(await catalogRefs(ctx, PRODUCT_RESPONSE, 'fulfillment_get_product_response', CATALOG_LOOKUP), x, body, await ctx.ucpVersion());
      if (problems.length) throw fail(`the product response violates the schema (${problems.length})`, ...problems);
      const got = (body.product as UcpProduct | undefined)?.id;
      if (got !== id) throw fail(`asked for ${id}, got ${String(got)}`, { url: x.url, expected: id, got: String(got) });
      return `product ${id}: schema-valid`;
    },
  },
  {
    id: 'ucp.catalog.consistent',
    group: 'ucp',
    severity: 'required',
    title: 'UCP variants agree with the JSON-LD catalog: same URLs/ids, same price in the same currency, same availability',
    spec: `${SPEC('catalog/search')}; schema.org/Offer`,
    async run(ctx) {
      const { products } = await search(ctx);
      if (!products.length) throw skip('catalog search found no products');
      let nodes: LdNode[];
      try {
        nodes = (await allNodes(ctx)).nodes;
      } catch (err) {
        throw skip(`no JSON-LD catalog to compare with (${(err as Error).message})`);
      }
      const byId = new Map<string, LdNode>();
      for (const n of nodes) if (n.id && is(n, 'Product', 'ProductGroup') && !byId.has(n.id)) byId.set(n.id, n);
      const bySku = new Map<string, LdNode>();
      for (const n of nodes) if (is(n, 'Product') && typeof first(n, 'sku') === 'string') bySku.set(first(n, 'sku') as string, n);
      if (!byId.size) throw skip('the JSON-LD catalog has no product nodes');
      const problems: Evidence[] = [];
      let compared = 0;
      let unmatched = 0;
      for (const p of products) {
        for (const v of p.variants ?? []) {
          const node = (v.url ? byId.get(v.url) : undefined) ?? (v.sku ? bySku.get(v.sku) : undefined);
          if (!node) {
            unmatched++;
            continue;
          }
          compared++;
          const offers = children(node, 'offers');
          if (v.price && isCurrencyCode(v.price.currency)) {
            const e = minorUnitExponent(v.price.currency);
            const same = offers.filter((o) => first(o, 'priceCurrency') === v.price!.currency);
            if (same.length && !same.some((o) => Math.round(Number(first(o, 'price')) * 10 ** e) === v.price!.amount)) {
              problems.push({
                url: node.id ?? v.id,
                expected: `JSON-LD price ${(v.price.amount / 10 ** e).toFixed(e)} ${v.price.currency} (UCP ${v.id})`,
                got: same.map((o) => `${String(first(o, 'price'))} ${String(first(o, 'priceCurrency'))}`).join(', '),
              });
            }
          }
          const status = v.availability?.status;
          if (status && AVAILABILITY_MATCH[status] && offers.length) {
            const names = offers.map((o) => String(first(o, 'availability') ?? '').replace(/^https?:\/\/schema\.org\//, ''));
            if (!names.some((n) => AVAILABILITY_MATCH[status]!.includes(n)))
              problems.push({ url: node.id ?? v.id, expected: `JSON-LD availability matching UCP ${status} (${v.id})`, got: names.join(', ') });
          }
        }
      }
      if (!compared) throw warn(`none of the ${products.length} UCP products could be matched to a JSON-LD node (by url or sku)`);
      if (problems.length) throw fail(`${problems.length} disagreement(s) between UCP and JSON-LD`, ...problems);
      return `${compared} variants agree on price and availability${unmatched ? ` (${unmatched} not in the sampled JSON-LD)` : ''}`;
    },
  },
];
