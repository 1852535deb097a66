/**
 * What UCP 2026-08-25 added, checked when the checker speaks it: fulfillment methods on catalog variants
 * (filters.methods honoured), buyer consent advertised in full and confirmed per purpose, and permalinks
 * that stage a purchase by a 303 redirect without caching.
 */
import { randomUUID } from 'node:crypto';
import { BUYER_CONSENT, CATALOG_SEARCH, CHECKOUT, FULFILLMENT, PERMALINK } from '../../ucp/constants.js';
import { tokenOf } from '../../ucp/permalink.js';
import { describeExchange } from '../client.js';
import type { CheckContext } from '../context.js';
import { fail, skip, type CheckDefinition, type Evidence } from '../model.js';
import { SPEC_0825, expectOk, search } from './ucp-common.js';
import { isObject } from '../../util/is-object.js';

type Json = Record<string, unknown>;
type Check = CheckDefinition<CheckContext>;

async function need0825(ctx: CheckContext): Promise<void> {
  const v = await ctx.ucpVersion();
  if (v < '2026-08-25') throw skip(`the checker speaks ${v} to this endpoint; this is a 2026-08-25 feature`);
}

/** The business's capability entries of `name`. */
async function entries(ctx: CheckContext, name: string): Promise<Json[]> {
  const caps = ((await ctx.needProfile()).json.ucp as { capabilities?: Record<string, unknown> } | undefined)?.capabilities ?? {};
  const list = caps[name];
  return Array.isArray(list) ? list.filter(isObject) : [];
}

/** Problems with one consent choice as advertised (a purpose or a segment). */
function choiceProblems(at: string, c: unknown, url: string): Evidence[] {
  if (!isObject(c)) return [{ url, expected: `${at}: a consent object`, got: JSON.stringify(c) }];
  const out: Evidence[] = [];
  if (typeof c.granted !== 'boolean') out.push({ url, expected: `${at}.granted: a boolean`, got: JSON.stringify(c.granted) });
  if (c.source !== 'business' && c.source !== 'platform') out.push({ url, expected: `${at}.source: business or platform`, got: JSON.stringify(c.source) });
  if (typeof c.description !== 'string' || c.description === '') out.push({ url, expected: `${at}.description: the words a platform shows`, got: JSON.stringify(c.description) });
  return out;
}

export const ucp0825Checks: Check[] = [
  {
    id: 'ucp.catalog.fulfillment',
    group: 'ucp',
    severity: 'required',
    title: 'Where fulfillment extends the catalog, every variant states its fulfillment methods (one per type, each with availability), and filters.methods keeps only those types',
    spec: `${SPEC_0825('fulfillment')}#catalog-discovery`,
    async run(ctx) {
      await need0825(ctx);
      if (!(await entries(ctx, FULFILLMENT)).some((e) => [e.extends ?? []].flat().includes(CATALOG_SEARCH))) throw skip('the fulfillment extension does not extend catalog search');
      const { x, query, products } = await search(ctx);
      const variants = products.flatMap((p) => p.variants ?? []) as unknown as Json[];
      if (!variants.length) throw skip('catalog search found no variants');
      const problems: Evidence[] = [];
      const types = new Set<string>();
      for (const v of variants) {
        const methods = isObject(v.fulfillment) && Array.isArray(v.fulfillment.methods) ? (v.fulfillment.methods as Json[]) : undefined;
        if (!methods) {
          problems.push({ url: `${x.method} ${x.url}`, expected: `variant ${String(v.id)}: fulfillment.methods`, got: 'absent' });
          continue;
        }
        const seen = new Set<string>();
        for (const m of methods) {
          if (typeof m.type === 'string') {
            if (seen.has(m.type)) problems.push({ url: x.url, expected: `variant ${String(v.id)}: one ${m.type} method (one location per method)`, got: 'two' });
            seen.add(m.type);
            types.add(m.type);
          }
          if (!isObject(m.availability) || typeof m.availability.available !== 'boolean')
            problems.push({ url: x.url, expected: `variant ${String(v.id)} ${String(m.type)}: availability.available`, got: JSON.stringify(m.availability) });
        }
      }
      const only = [...types][0];
      if (only) {
        const fx = await ctx.ucp('POST', '/catalog/search', { query, filters: { methods: [only] }, pagination: { limit: 10 } });
        const body = expectOk(fx, `catalog search filtered to ${only}`);
        for (const p of (body.products ?? []) as Json[])
          for (const v of (p.variants ?? []) as Json[])
            for (const m of ((v.fulfillment as Json | undefined)?.methods ?? []) as Json[])
              if (m.type !== only) problems.push({ url: `${fx.method} ${fx.url}`, expected: `filters.methods ["${only}"]: only ${only} methods`, got: String(m.type) });
      }
      if (problems.length) throw fail(`${problems.length} fulfillment problem(s) in the catalog`, ...problems);
      return `${variants.length} variants with fulfillment methods (${[...types].join(', ')}); filters.methods honoured`;
    },
  },
  {
    id: 'ucp.checkout.consent',
    group: 'ucp',
    severity: 'required',
    title: "Buyer consent: a checkout advertises every purpose (granted, source, description), records a confirmed choice as the platform's, and ignores purposes it did not advertise",
    spec: `${SPEC_0825('buyer-consent')}#advertise-and-confirm`,
    async run(ctx) {
      await need0825(ctx);
      await ctx.needUcp(CHECKOUT);
      if (!(await ctx.capabilities()).has(BUYER_CONSENT)) throw skip('the profile does not offer buyer consent');
      const { products } = await search(ctx);
      const item = products.flatMap((p) => p.variants ?? []).find((v) => v.availability?.available !== false)?.id;
      if (!item) throw skip('catalog search found no available variant');
      const cx = await ctx.ucp('POST', '/checkout-sessions', { line_items: [{ item: { id: item }, quantity: 1 }] }, { headers: { 'idempotency-key': randomUUID() } });
      const created = expectOk(cx, 'create checkout');
      const id = encodeURIComponent(String(created.id));
      try {
        const advertised = (created.buyer as Json | undefined)?.consent;
        if (!isObject(advertised) || Object.keys(advertised).length === 0)
          throw fail('the checkout advertises no consent options', { url: cx.url, expected: 'buyer.consent with every purpose offered', got: JSON.stringify(created.buyer ?? null) });
        const problems: Evidence[] = [];
        for (const [purpose, c] of Object.entries(advertised)) {
          problems.push(...choiceProblems(purpose, c, cx.url));
          for (const [seg, s] of Object.entries(isObject(c) && isObject(c.segments) ? c.segments : {})) problems.push(...choiceProblems(`${purpose}.segments.${seg}`, s, cx.url));
        }
        if (problems.length) throw fail(`${problems.length} consent option(s) advertised incompletely`, ...problems);
        // confirm: echo every advertised choice, state the first purpose as the buyer's (flipped), add one never advertised
        const [first] = Object.keys(advertised) as [string];
        const echo = (c: Json): Json => ({
          granted: c.granted,
          source: c.source,
          ...(isObject(c.segments) ? { segments: Object.fromEntries(Object.entries(c.segments).map(([k, s]) => [k, { granted: (s as Json).granted, source: (s as Json).source }])) } : {}),
        });
        const confirm: Json = Object.fromEntries(Object.entries(advertised).map(([k, c]) => [k, echo(c as Json)]));
        const flipped = !(advertised[first] as Json).granted;
        confirm[first] = { ...(confirm[first] as Json), granted: flipped, source: 'platform' };
        confirm['dev.ucpd.check.never_advertised'] = { granted: true, source: 'platform' };
        const lines = ((created.line_items ?? []) as Json[]).map((l) => ({ id: l.id, item: { id: (l.item as Json).id }, quantity: l.quantity }));
        const ux = await ctx.ucp('PUT', `/checkout-sessions/${id}`, { id: created.id, line_items: lines, buyer: { consent: confirm } }, { headers: { 'idempotency-key': randomUUID() } });
        const updated = expectOk(ux, 'update checkout with a consent confirmation');
        const now = ((updated.buyer as Json | undefined)?.consent ?? {}) as Json;
        const got = now[first] as Json | undefined;
        if (got?.granted !== flipped || got.source !== 'platform')
          problems.push({ url: `${ux.method} ${ux.url}`, expected: `${first}: granted ${flipped}, source platform (the buyer's choice)`, got: JSON.stringify(got) });
        if ('dev.ucpd.check.never_advertised' in now) problems.push({ url: `${ux.method} ${ux.url}`, expected: 'a purpose never advertised is ignored', got: 'echoed back' });
        if (problems.length) throw fail(`${problems.length} consent confirmation problem(s)`, ...problems);
        return `${Object.keys(advertised).length} purposes advertised; a confirmed choice recorded as the platform's; an unadvertised one ignored`;
      } finally {
        await ctx.ucp('POST', `/checkout-sessions/${id}/cancel`, {}, { headers: { 'idempotency-key': randomUUID() } });
      }
    },
  },
  {
    id: 'ucp.permalink',
    group: 'ucp',
    severity: 'required',
    title: 'Permalinks: the endpoint is an https URL without a trailing slash; a link to an item answers 303 See Other, not cached, with a referrer policy; a malformed link never answers 5xx',
    spec: `${SPEC_0825('permalink')}; services/shopping/permalink.openapi.json`,
    async run(ctx) {
      await need0825(ctx);
      const entry = (await entries(ctx, PERMALINK))[0];
      if (!entry) throw skip('the profile offers no permalink capability');
      const endpoint = isObject(entry.config) ? entry.config.endpoint : undefined;
      const problems: Evidence[] = [];
      if (typeof endpoint !== 'string' || endpoint.endsWith('/') || !/^https?:\/\/[^/?#\s\\@]+/.test(endpoint))
        throw fail('the permalink capability has no usable config.endpoint', { expected: 'an absolute https URL without a trailing slash, query or fragment', got: JSON.stringify(endpoint) });
      const u = new URL(endpoint);
      if (u.protocol !== 'https:' && !/^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/.test(u.hostname)) problems.push({ url: endpoint, expected: 'https', got: u.protocol });
      const { products } = await search(ctx);
      const item = products.flatMap((p) => p.variants ?? []).find((v) => v.availability?.available !== false)?.id;
      if (!item) throw skip('catalog search found no available variant to link to');
      const link = `${endpoint}/${tokenOf(item)}:1`;
      const x = await ctx.client.request('GET', link, { headers: { accept: 'text/html' } });
      if (x.status !== 303) problems.push({ url: link, expected: '303 See Other', got: describeExchange(x) });
      if (!/\bno-store\b/i.test(x.headers['cache-control'] ?? '')) problems.push({ url: link, expected: 'Cache-Control: no-store', got: x.headers['cache-control'] ?? 'absent' });
      if (!x.headers['referrer-policy']) problems.push({ url: link, expected: 'a Referrer-Policy', got: 'absent' });
      if (!x.headers.location) problems.push({ url: link, expected: 'a Location', got: 'absent' });
      const bad = `${endpoint}/${encodeURIComponent('not a token')}:0`;
      const bx = await ctx.client.request('GET', bad, { headers: { accept: 'text/html' } });
      if (bx.status >= 500 || bx.status === 0) problems.push({ url: bad, expected: 'a redirect to a safe page, or a 4xx', got: describeExchange(bx) });
      if (problems.length) throw fail(`${problems.length} permalink problem(s)`, ...problems);
      return `${link} -> 303 ${x.headers.location}`;
    },
  },
];
