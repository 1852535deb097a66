/** UCP checks: the business profile and its hosting, negotiation errors, catalog operations, a dry checkout. */
import { randomUUID } from 'node:crypto';
import { isCurrencyCode, minorUnitExponent } from '../../catalog/money.js';
import { BUSINESS_PROFILE, LOOKUP_RESPONSE, PRODUCT_RESPONSE, SEARCH_RESPONSE, checkoutSchemaRefs, ucpSchemas } from '../../ucp/schemas.js';
import { CATALOG_LOOKUP, CATALOG_SEARCH, CHECKOUT, FULFILLMENT, UCP_VERSION, VERSION_PATTERN } from '../../ucp/constants.js';
import { describeExchange, jsonOf, type Exchange } from '../client.js';
import type { CheckContext, ProfileChoice } from '../context.js';
import { first, children, is, type LdNode } from '../nodes.js';
import { fail, skip, warn, type CheckDefinition, type Evidence } from '../model.js';
import { allNodes } from './commerce.js';

type Json = Record<string, unknown>;
type Check = CheckDefinition<CheckContext>;

const SPEC = (page: string) => `https://ucp.dev/${UCP_VERSION}/specification/${page}`;

interface UcpVariant {
  id: string;
  sku?: string;
  url?: string;
  price?: { amount: number; currency: string };
  availability?: { available?: boolean; status?: string };
}
interface UcpProduct {
  id: string;
  url?: string;
  title?: string;
  variants?: UcpVariant[];
}

const isLoopback = (host: string) => /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(host);

/** Schema problems of a response body as evidence (empty when valid). */
function schemaProblems(ref: string, x: Exchange, body: unknown): Evidence[] {
  return ucpSchemas()
    .problems(ref, body)
    .map((p) => ({ url: `${x.method} ${x.url}`, expected: ref, got: p }));
}

function expectOk(x: Exchange, what: string, ok: (s: number) => boolean = (s) => s >= 200 && s < 300): Json {
  const body = jsonOf(x);
  if (!ok(x.status)) throw fail(`${what} answered ${x.status || x.error}`, { url: `${x.method} ${x.url}`, expected: '2xx', got: `${describeExchange(x)} ${x.body.toString('utf8').slice(0, 300)}` });
  if (!body || typeof body !== 'object') throw fail(`${what} did not answer JSON`, { url: `${x.method} ${x.url}`, got: describeExchange(x) });
  return body as Json;
}

/** A word to search for that the catalog has: from the first JSON-LD product name, else "a". */
async function searchTerm(ctx: CheckContext): Promise<string> {
  try {
    const crawl = await ctx.catalog();
    const name = crawl.items.find((i) => typeof i.item.name === 'string')?.item.name as string | undefined;
    const word = name?.split(/\s+/).find((w) => /^[\p{L}\d]{3,}$/u.test(w));
    if (word) return word;
  } catch {
    // no JSON-LD catalog
  }
  return 'a';
}

/** The catalog search every UCP catalog check builds on. */
function search(ctx: CheckContext): Promise<{ x: Exchange; body: Json; products: UcpProduct[]; query: string }> {
  return ctx.once('ucp.search', async () => {
    await ctx.needUcp(CATALOG_SEARCH);
    const query = await searchTerm(ctx);
    const x = await ctx.ucp('POST', '/catalog/search', { query, pagination: { limit: 10 } });
    const body = expectOk(x, 'catalog search');
    return { x, body, products: (Array.isArray(body.products) ? body.products : []) as UcpProduct[], query };
  });
}

const AVAILABILITY_MATCH: Record<string, string[]> = {
  in_stock: ['InStock', 'LimitedAvailability', 'OnlineOnly', 'InStoreOnly'],
  backorder: ['BackOrder', 'MadeToOrder'],
  preorder: ['PreOrder', 'PreSale'],
  out_of_stock: ['OutOfStock', 'SoldOut', 'Discontinued'],
};

async function negotiationCase(ctx: CheckContext, profile: ProfileChoice | 'no-header' | 'bad-header', expectCodes: string[], expectStatus: number[]): Promise<Evidence | undefined> {
  let x: Exchange;
  if (profile === 'no-header') x = await ctx.ucp('POST', '/catalog/search', { query: 'a' }, { profile: 'none' });
  else if (profile === 'bad-header') x = await ctx.ucp('POST', '/catalog/search', { query: 'a' }, { profile: 'none', headers: { 'ucp-agent': 'profile="not a url"' } });
  else x = await ctx.ucp('POST', '/catalog/search', { query: 'a' }, { profile });
  const body = jsonOf(x) as { code?: unknown; content?: unknown; messages?: { code?: unknown }[] } | undefined;
  const code = typeof body?.code === 'string' ? body.code : body?.messages?.find((m) => typeof m.code === 'string')?.code;
  const where = `${x.method} ${x.url} (${profile === 'no-header' ? 'no UCP-Agent' : profile === 'bad-header' ? 'UCP-Agent: profile="not a url"' : typeof profile === 'object' ? profile.url : `${profile} profile`})`;
  if (x.status >= 500 || x.status === 0) return { url: where, expected: `${expectStatus.join('/')} ${expectCodes.join('/')}`, got: describeExchange(x) };
  if (x.status >= 200 && x.status < 300 && !(body?.messages && code && expectCodes.includes(String(code))))
    return { url: where, expected: `an error (${expectCodes.join('/')})`, got: `${x.status} success` };
  if (!code) return { url: where, expected: `a UCP error body with code ${expectCodes.join('/')}`, got: x.body.toString('utf8').slice(0, 200) };
  if (!expectCodes.includes(String(code)) || (x.status >= 300 && !expectStatus.includes(x.status)))
    return { url: where, expected: `${expectStatus.join('/')} ${expectCodes.join('/')}`, got: `${x.status} ${String(code)}` };
  return undefined;
}

export const ucpChecks: Check[] = [
  {
    id: 'ucp.profile.valid',
    group: 'ucp',
    severity: 'required',
    title: `/.well-known/ucp validates against the official ${UCP_VERSION} business profile schema`,
    spec: `${SPEC('overview')} (Business Profile); discovery/profile.json`,
    async run(ctx) {
      const d = await ctx.profileDoc();
      if (!d) throw skip(`the endpoint publishes no UCP profile (${ctx.url('/.well-known/ucp')} -> 404)`);
      const ev: Evidence = { url: d.url, got: describeExchange(d.x) };
      if (d.x.status !== 200) throw fail(`the profile answered ${d.x.status || d.x.error}`, ev);
      if (!d.json || typeof d.json !== 'object') throw fail('the profile is not JSON', ev);
      const version = ((d.json as Json).ucp as Json | undefined)?.version;
      if (typeof version !== 'string' || !VERSION_PATTERN.test(version))
        throw fail(`ucp.version ${JSON.stringify(version)} is not a YYYY-MM-DD protocol version`, { url: d.url, expected: 'YYYY-MM-DD', got: JSON.stringify(version) });
      const problems = ucpSchemas().problems(BUSINESS_PROFILE, d.json);
      if (problems.length) throw fail(`${problems.length} schema violation(s)`, ...problems.map((p) => ({ url: d.url, expected: BUSINESS_PROFILE, got: p })));
      const caps = (((d.json as Json).ucp as Json).capabilities ?? {}) as Record<string, { extends?: string | string[]; version?: string }[]>;
      const orphans: Evidence[] = [];
      for (const [name, entries] of Object.entries(caps)) {
        for (const e of entries) {
          for (const parent of [e.extends ?? []].flat()) if (!caps[parent]) orphans.push({ url: d.url, expected: `${name} extends a capability the profile offers`, got: `${parent} is not offered` });
          if (typeof e.version === 'string' && e.version > version) orphans.push({ url: d.url, expected: `${name} at a version no later than the protocol version ${version}`, got: e.version });
        }
      }
      if (orphans.length) throw fail(`${orphans.length} capability inconsistenc(ies)`, ...orphans);
      if (version !== UCP_VERSION) throw warn(`protocol version ${version}: the checker validates against ${UCP_VERSION} schemas`, { url: d.url, expected: UCP_VERSION, got: version });
      return `valid ${UCP_VERSION} business profile: ${Object.keys(caps).length} capabilities`;
    },
  },
  {
    id: 'ucp.profile.hosting',
    group: 'ucp',
    severity: 'required',
    title: 'The profile is served over HTTPS without redirects, with Cache-Control public and max-age >= 60; service endpoints are https URLs',
    spec: `${SPEC('overview')}#hosting; #endpoint-resolution`,
    async run(ctx) {
      const d = await ctx.needProfile();
      const problems: Evidence[] = [];
      const notes: Evidence[] = [];
      const https = (url: string, what: string) => {
        const u = new URL(url);
        if (u.protocol === 'https:') return;
        if (isLoopback(u.host)) notes.push({ url, expected: `${what} over HTTPS`, got: 'http on a loopback address (fine for local testing only)' });
        else problems.push({ url, expected: `${what} over HTTPS`, got: u.protocol });
      };
      https(d.url, 'the profile');
      if (d.x.status >= 300 && d.x.status < 400) problems.push({ url: d.url, expected: 'no redirect', got: String(d.x.status) });
      const cc = (d.x.headers['cache-control'] ?? '').toLowerCase();
      const maxAge = /(?:^|,)\s*max-age=(\d+)/.exec(cc);
      if (!cc) problems.push({ url: d.url, expected: 'Cache-Control: public, max-age>=60', got: 'no Cache-Control' });
      else {
        if (!/(?:^|,)\s*public\b/.test(cc)) problems.push({ url: d.url, expected: 'Cache-Control with public', got: cc });
        if (!maxAge || Number(maxAge[1]) < 60) problems.push({ url: d.url, expected: 'max-age of at least 60', got: cc });
        for (const bad of ['private', 'no-store', 'no-cache']) if (new RegExp(`(?:^|,)\\s*${bad}\\b`).test(cc)) problems.push({ url: d.url, expected: `no ${bad}`, got: cc });
      }
      const services = (((d.json.ucp as Json | undefined)?.services ?? {}) as Record<string, { endpoint?: string; transport?: string }[]>) ?? {};
      for (const [name, list] of Object.entries(services)) {
        for (const s of Array.isArray(list) ? list : []) {
          if (typeof s.endpoint !== 'string') continue;
          try {
            https(s.endpoint, `${name} (${s.transport}) endpoint`);
            if (s.endpoint.endsWith('/')) notes.push({ url: s.endpoint, expected: 'no trailing slash', got: 'trailing slash' });
          } catch {
            problems.push({ url: d.url, expected: `${name} endpoint is a URL`, got: s.endpoint });
          }
        }
      }
      if (problems.length) throw fail(`${problems.length} hosting rule(s) broken`, ...problems);
      if (notes.length) throw warn(notes.map((n) => `${n.url}: ${n.got}`).join('; '), ...notes);
      return `HTTPS, no redirect, Cache-Control "${cc}"`;
    },
  },
  {
    id: 'ucp.negotiation.errors',
    group: 'ucp',
    severity: 'required',
    title: 'Bad platform profiles get the negotiation errors: missing or malformed UCP-Agent, unreachable, malformed and unsupported-version profiles',
    spec: `${SPEC('overview')}#error-codes (invalid_profile_url 400, profile_unreachable 424, profile_malformed 422, version_unsupported 422)`,
    async run(ctx) {
      await ctx.ucpEndpoint();
      const access = await ctx.ucpAccess();
      const problems: Evidence[] = [];
      const cases: [ProfileChoice | 'no-header' | 'bad-header', string[], number[]][] = [
        ['no-header', ['invalid_profile_url'], [400]],
        ['bad-header', ['invalid_profile_url'], [400]],
      ];
      if (access.ok && ctx.agent) {
        cases.push(['unsupported-version', ['version_unsupported'], [422]]);
        cases.push(['malformed', ['profile_malformed'], [422]]);
        cases.push([{ url: `http://127.0.0.1:${ctx.agent.port}/profiles/missing-${randomUUID()}.json` }, ['profile_unreachable'], [424]]);
      }
      for (const [profile, codes, statuses] of cases) {
        const p = await negotiationCase(ctx, profile, codes, statuses);
        if (p) problems.push(p);
      }
      if (problems.length) throw fail(`${problems.length} of ${cases.length} negotiation failures answered wrongly`, ...problems);
      if (cases.length === 2)
        throw warn(
          `missing and malformed UCP-Agent answered 400 invalid_profile_url; profile-content cases not run: ${access.ok ? 'the checker serves no profiles of its own (--agent-profile)' : access.reason}`,
        );
      return `${cases.length} negotiation failures answered with the spec's codes and statuses`;
    },
  },
  {
    id: 'ucp.catalog.search',
    group: 'ucp',
    severity: 'required',
    title: 'catalog search answers with a schema-valid search_response; the next page is valid too',
    spec: `${SPEC('catalog/search')}; shopping/catalog_search.json`,
    async run(ctx) {
      const { x, body, products, query } = await search(ctx);
      const problems = schemaProblems(SEARCH_RESPONSE, x, body);
      if (problems.length) throw fail(`the search response violates the schema (${problems.length})`, ...problems);
      const cursor = body.pagination as { cursor?: string; next_cursor?: string; has_next_page?: boolean } | undefined;
      const next = cursor?.has_next_page ? (cursor.cursor ?? cursor.next_cursor) : undefined;
      let pages = 1;
      if (next) {
        const x2 = await ctx.ucp('POST', '/catalog/search', { query, pagination: { limit: 10, cursor: next } });
        const b2 = expectOk(x2, 'catalog search page 2');
        const p2 = schemaProblems(SEARCH_RESPONSE, x2, b2);
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
      const problems = schemaProblems(LOOKUP_RESPONSE, x, body);
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
      const problems = schemaProblems(PRODUCT_RESPONSE, x, body);
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
  {
    id: 'ucp.checkout.dry_run',
    group: 'ucp',
    severity: 'required',
    title: 'A dry purchase: create -> replay (idempotency) -> conflicting reuse -> update -> get -> cancel, every response schema-valid; complete only with --allow-orders',
    spec: `${SPEC('checkout')}; ${SPEC('checkout-rest')}; ${SPEC('overview')}#idempotency`,
    async run(ctx) {
      await ctx.needUcp(CHECKOUT);
      const { products } = await search(ctx);
      const variant = products.flatMap((p) => p.variants ?? []).find((v) => v.availability?.available !== false);
      if (!variant) throw skip('catalog search found no available variant to put in a checkout');
      const refs = checkoutSchemaRefs(await ctx.capabilities());
      const valid = (x: Exchange, body: Json, step: string) => {
        const problems = refs.flatMap((r) => schemaProblems(r, x, body));
        if (problems.length) throw fail(`${step}: the checkout violates the schema (${problems.length})`, ...problems);
      };
      const key = randomUUID();
      const create = { line_items: [{ item: { id: variant.id }, quantity: 1 }] };
      const x1 = await ctx.ucp('POST', '/checkout-sessions', create, { headers: { 'idempotency-key': key } });
      const c1 = expectOk(x1, 'create checkout');
      valid(x1, c1, 'create');
      const id = c1.id as string;
      const steps = ['create'];
      try {
        const replay = await ctx.ucp('POST', '/checkout-sessions', create, { headers: { 'idempotency-key': key } });
        const r = expectOk(replay, 'replayed create');
        if (r.id !== id || replay.status !== x1.status)
          throw fail('replaying a create with the same Idempotency-Key made a new checkout', {
            url: replay.url,
            expected: `${x1.status} checkout ${id}`,
            got: `${replay.status} checkout ${String(r.id)}`,
          });
        steps.push('replay');
        const conflict = await ctx.ucp('POST', '/checkout-sessions', { line_items: [{ item: { id: variant.id }, quantity: 2 }] }, { headers: { 'idempotency-key': key } });
        if (conflict.status !== 409) {
          const again = jsonOf(conflict) as Json | undefined;
          if (conflict.status < 300 && again?.id && again.id !== id) await ctx.ucp('POST', `/checkout-sessions/${encodeURIComponent(String(again.id))}/cancel`, {});
          throw fail('reusing an Idempotency-Key with a different body must answer 409', { url: conflict.url, expected: '409', got: describeExchange(conflict) });
        }
        steps.push('conflict 409');
        const line = ((c1.line_items ?? []) as { id?: string }[])[0]?.id;
        const update = { line_items: [{ ...(line ? { id: line } : {}), item: { id: variant.id }, quantity: 2 }], buyer: { email: 'ucpd-check@example.com' } };
        const x2 = await ctx.ucp('PUT', `/checkout-sessions/${encodeURIComponent(id)}`, { id, ...update }, { headers: { 'idempotency-key': randomUUID() } });
        const c2 = expectOk(x2, 'update checkout');
        valid(x2, c2, 'update');
        const qty = ((c2.line_items ?? []) as { quantity?: number }[]).reduce((s, l) => s + (l.quantity ?? 0), 0);
        if (qty !== 2) throw fail(`after updating the quantity to 2 the checkout holds ${qty}`, { url: x2.url, expected: 'quantity 2', got: String(qty) });
        steps.push('update');
        const x3 = await ctx.ucp('GET', `/checkout-sessions/${encodeURIComponent(id)}`);
        const c3 = expectOk(x3, 'get checkout');
        valid(x3, c3, 'get');
        if (c3.status !== c2.status) throw fail('get does not return the updated checkout', { url: x3.url, expected: String(c2.status), got: String(c3.status) });
        steps.push('get');
      } finally {
        const x4 = await ctx.ucp('POST', `/checkout-sessions/${encodeURIComponent(id)}/cancel`, {}, { headers: { 'idempotency-key': randomUUID() } });
        const c4 = expectOk(x4, 'cancel checkout');
        valid(x4, c4, 'cancel');
        if (c4.status !== 'canceled') throw fail(`cancel left the checkout ${String(c4.status)}`, { url: x4.url, expected: 'canceled', got: String(c4.status) });
      }
      steps.push('cancel');
      if (ctx.options.allowOrders) steps.push(await completeOrder(ctx, variant, refs));
      return `${steps.join(' -> ')}: every response schema-valid${ctx.options.allowOrders ? '' : ' (no order placed; --allow-orders completes one)'}`;
    },
  },
];

/** With --allow-orders: a checkout taken to completion, paid with the business's test handler. */
async function completeOrder(ctx: CheckContext, variant: UcpVariant, refs: string[]): Promise<string> {
  const profile = (await ctx.needProfile()).json;
  const handlers = ((profile.ucp as Json).payment_handlers ?? {}) as Record<string, { id?: string; config?: { environment?: string; tokens?: { approved?: string } } }[]>;
  const handler = Object.values(handlers)
    .flat()
    .find((h) => h.config?.environment === 'test' && h.config.tokens?.approved);
  if (!handler) return 'complete skipped (the business offers no test payment handler with an approval token)';
  const x = await ctx.ucp(
    'POST',
    '/checkout-sessions',
    { line_items: [{ item: { id: variant.id }, quantity: 1 }], buyer: { email: 'ucpd-check@example.com', first_name: 'Ucpd', last_name: 'Check' } },
    { headers: { 'idempotency-key': randomUUID() } },
  );
  let c = expectOk(x, 'create checkout (for completion)');
  const id = encodeURIComponent(String(c.id));
  const lines = ((c.line_items ?? []) as { id: string; item: { id: string }; quantity: number }[]).map((l) => ({ id: l.id, item: { id: l.item.id }, quantity: l.quantity }));
  if ((await ctx.capabilities()).has(FULFILLMENT)) {
    // ship to an address in the business's first shipping country, then take the first option of each group
    const method = {
      type: 'shipping',
      line_item_ids: lines.map((l) => l.id),
      destinations: [{ id: 'ucpd-check', street_address: '1550 Wynkoop St', address_locality: 'Denver', address_region: 'CO', postal_code: '80202', address_country: 'US' }],
      selected_destination_id: 'ucpd-check',
    };
    c = expectOk(
      await ctx.ucp('PUT', `/checkout-sessions/${id}`, { id: c.id, line_items: lines, fulfillment: { methods: [method] } }, { headers: { 'idempotency-key': randomUUID() } }),
      'set the delivery address',
    );
    const groups = ((((c.fulfillment as Json | undefined)?.methods as Json[] | undefined)?.[0]?.groups ?? []) as { id?: string; options?: { id: string }[] }[]).filter((g) => g.options?.length);
    if (groups.length) {
      const chosen = { ...method, groups: groups.map((g) => ({ ...(g.id ? { id: g.id } : {}), selected_option_id: g.options![0]!.id })) };
      c = expectOk(
        await ctx.ucp('PUT', `/checkout-sessions/${id}`, { id: c.id, line_items: lines, fulfillment: { methods: [chosen] } }, { headers: { 'idempotency-key': randomUUID() } }),
        'select a delivery option',
      );
    }
  }
  const pay = { payment: { instruments: [{ id: 'instr_check', handler_id: handler.id, type: 'card', credential: { type: 'token', token: handler.config!.tokens!.approved } }] } };
  const done = await ctx.ucp('POST', `/checkout-sessions/${id}/complete`, pay, { headers: { 'idempotency-key': randomUUID() } });
  const body = expectOk(done, 'complete checkout');
  const problems = refs.flatMap((r) => schemaProblems(r, done, body));
  if (problems.length) throw fail(`complete: the checkout violates the schema (${problems.length})`, ...problems);
  if (body.status !== 'completed')
    throw fail(`complete left the checkout ${String(body.status)}`, { url: done.url, expected: 'completed', got: JSON.stringify(body.messages ?? body.status).slice(0, 300) });
  return `complete (order ${String((body.order as Json | undefined)?.id)})`;
}
