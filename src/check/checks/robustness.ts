/**
 * Robustness probes a well-behaved endpoint survives: malformed JSON, an oversized body, unknown ids,
 * bad cursors and parameters. Each must get a clear 4xx with a body that says what was wrong, never a
 * 5xx, and the endpoint must still answer afterwards.
 */
import { randomUUID } from 'node:crypto';
import { describeExchange, jsonOf, withParam, type Exchange } from '../client.js';
import { ORDER } from '../../ucp/constants.js';
import { ERROR_RESPONSE, ucpSchemas } from '../../ucp/schemas.js';
import type { CheckContext } from '../context.js';
import { fail, skip, type CheckDefinition, type Evidence } from '../model.js';

type Check = CheckDefinition<CheckContext>;

interface Probe {
  what: string;
  run: () => Promise<Exchange>;
  /** Acceptable statuses (default: any 4xx). */
  ok?: (status: number) => boolean;
  /** Whether the answer must be a JSON error body. */
  json?: boolean;
  /** A further problem with an acceptable answer, if any. */
  verify?: (x: Exchange) => string | undefined;
}

const is4xx = (s: number) => s >= 400 && s < 500;

/** Run probes: every answer must be acceptable, explained, and not a 5xx. */
async function probe(probes: Probe[]): Promise<{ ran: number; problems: Evidence[] }> {
  const problems: Evidence[] = [];
  for (const p of probes) {
    const x = await p.run();
    const ok = p.ok ?? is4xx;
    if (!ok(x.status)) {
      problems.push({ url: `${x.method} ${x.url}`, expected: `${p.what}: a clear 4xx`, got: describeExchange(x) });
      continue;
    }
    const wrong = p.verify?.(x);
    if (wrong) problems.push({ url: `${x.method} ${x.url}`, expected: p.what, got: wrong });
    if (p.json !== false && is4xx(x.status)) {
      const body = jsonOf(x) as Record<string, unknown> | undefined;
      const says =
        body &&
        (typeof body.code === 'string' ||
          typeof body.title === 'string' ||
          typeof body.detail === 'string' ||
          typeof body.error === 'string' ||
          Array.isArray(body.messages) ||
          typeof body.content === 'string');
      if (!says) problems.push({ url: `${x.method} ${x.url}`, expected: `${p.what}: a JSON error body that says what was wrong`, got: x.body.toString('utf8').slice(0, 200) || '(empty)' });
    }
  }
  return { ran: probes.length, problems };
}

/** Is the endpoint still answering after the probes? */
async function stillUp(ctx: CheckContext): Promise<Evidence | undefined> {
  const path = (await ctx.storeDoc().catch(() => undefined)) ? '/.well-known/commerce' : '/.well-known/ucp';
  const x = await ctx.client.get(ctx.url(path), 'application/json, application/ld+json', { fresh: true });
  return x.status === 200 ? undefined : { url: x.url, expected: '200 after the probes', got: describeExchange(x) };
}

async function finish(ctx: CheckContext, r: { ran: number; problems: Evidence[] }, what: string): Promise<string> {
  const down = await stillUp(ctx);
  if (down) r.problems.push(down);
  if (!r.ran) throw skip(`nothing to probe for ${what}`);
  if (r.problems.length) throw fail(`${r.problems.length} of ${r.ran} ${what} probes answered badly`, ...r.problems);
  return `${r.ran} ${what} probes answered with a clear 4xx; the endpoint still answers`;
}

const hasUcp = async (ctx: CheckContext) => {
  try {
    await ctx.ucpEndpoint();
    return true;
  } catch {
    return false;
  }
};

const hasFeed = async (ctx: CheckContext) => {
  try {
    return await ctx.feedUrl();
  } catch {
    return undefined;
  }
};

export const robustnessChecks: Check[] = [
  {
    id: 'robust.malformed_json',
    group: 'robustness',
    severity: 'required',
    title: 'Malformed JSON bodies (truncated, not an object, wrong types) get a 400 with an error body',
    spec: 'RFC 9110 §15.5.1 (400); UCP overview: error responses',
    async run(ctx) {
      if (!(await hasUcp(ctx))) throw skip('no UCP REST endpoint to send bodies to');
      const post = (path: string, raw: string) => () => ctx.ucp('POST', path, undefined, { raw, headers: { 'content-type': 'application/json' } });
      return finish(
        ctx,
        await probe([
          { what: 'truncated JSON to catalog search', run: post('/catalog/search', '{"query": "tent"') },
          { what: 'a JSON array to catalog search', run: post('/catalog/search', '[1, 2, 3]') },
          { what: 'a number where a string belongs', run: post('/catalog/search', '{"query": 42}') },
          { what: 'truncated JSON to checkout create', run: post('/checkout-sessions', '{"line_items": [') },
          { what: 'garbage bytes to catalog lookup', run: post('/catalog/lookup', '\u0000\u0001not json') },
        ]),
        'malformed-body',
      );
    },
  },
  {
    id: 'robust.oversized_body',
    group: 'robustness',
    severity: 'required',
    title: 'An 8 MiB request body is refused with 413 (or 400), and the endpoint keeps answering',
    spec: 'RFC 9110 §15.5.14 (413 Content Too Large)',
    async run(ctx) {
      if (!(await hasUcp(ctx))) throw skip('no UCP REST endpoint to send bodies to');
      const raw = `{"query": "${'a'.repeat(8 * 1024 * 1024)}"}`;
      const endpoint = await ctx.ucpEndpoint();
      const send = () =>
        ctx.client.early(
          'POST',
          `${endpoint}/catalog/search`,
          { 'content-type': 'application/json', 'ucp-agent': `profile="${ctx.profileUrl('agent') ?? 'https://agent.invalid/profile.json'}"` },
          raw,
        );
      return finish(ctx, await probe([{ what: 'an 8 MiB catalog search', run: send, ok: (s) => s === 413 || s === 400, json: false }]), 'oversized-body');
    },
  },
  {
    id: 'robust.unknown_ids',
    group: 'robustness',
    severity: 'required',
    title: 'Unknown products, credentials, checkouts and orders answer 404 (UCP: a not-found error), never 5xx or a made-up 200',
    spec: 'RFC 9110 §15.5.5 (404); UCP catalog/lookup (not_found), checkout-rest',
    async run(ctx) {
      const nonce = `ucpd-check-${randomUUID()}`;
      const probes: Probe[] = [];
      const feed = await hasFeed(ctx);
      if (feed) {
        const crawl = await ctx.catalog().catch(() => undefined);
        const sample = crawl?.items.find((i) => !i.deleted)?.id;
        if (sample) {
          const u = new URL(sample);
          u.search = '';
          u.hash = '';
          u.pathname = u.pathname.replace(/[^/]+$/, nonce);
          probes.push({ what: 'an unknown product document', run: () => ctx.client.get(u.href, 'application/ld+json'), ok: (s) => s === 404 || s === 410 });
        }
        const store = await ctx.storeDoc();
        const index = (store?.json as { credentials?: unknown } | undefined)?.credentials;
        if (typeof index === 'string')
          probes.push({
            what: 'an unknown credential',
            run: () => ctx.client.get(`${new URL(index, ctx.base).href.replace(/\/+$/, '')}/${nonce}`, 'application/json'),
            ok: (s) => s === 404 || s === 410,
          });
      }
      if (await hasUcp(ctx)) {
        const access = await ctx.ucpAccess();
        if (access.ok) {
          // UCP's two-layer model: a missing resource is a business outcome, 200 with an error message
          // (code not_found, severity unrecoverable); a transport-level 404 is accepted too.
          const notFound = (what: string, run: () => Promise<Exchange>): Probe => ({
            what,
            run,
            ok: (s) => s === 200 || s === 404,
            verify: (x) => {
              if (x.status !== 200) return undefined;
              const body = jsonOf(x) as { ucp?: { status?: string }; messages?: { type?: string; code?: string }[] } | undefined;
              if (body?.ucp?.status !== 'error' || !body.messages?.some((m) => m.type === 'error' && m.code === 'not_found'))
                return `200 without an error response carrying a not_found error message: ${x.body.toString('utf8').slice(0, 200)}`;
              const problems = ucpSchemas().problems(ERROR_RESPONSE, body);
              return problems.length ? `the error response violates ${ERROR_RESPONSE}: ${problems.join('; ')}` : undefined;
            },
          });
          probes.push(notFound('get product with an unknown id', () => ctx.ucp('POST', '/catalog/product', { id: nonce })));
          probes.push(notFound('an unknown checkout session', () => ctx.ucp('GET', `/checkout-sessions/${nonce}`)));
          if ((await ctx.capabilities()).has(ORDER)) probes.push(notFound('an unknown order', () => ctx.ucp('GET', `/orders/${nonce}`)));
          probes.push({
            what: 'lookup of an unknown id',
            run: () => ctx.ucp('POST', '/catalog/lookup', { ids: [nonce] }),
            ok: (s) => s === 200 || s === 404,
            json: false,
            // 200 is right when the response reports the id as not found, wrong when it invents a product
            verify: (x) => {
              const body = jsonOf(x) as { products?: { id?: string }[] } | undefined;
              return x.status === 200 && body?.products?.some((p) => p.id === nonce) ? 'a product for an id that does not exist' : undefined;
            },
          });
        }
      }
      return finish(ctx, await probe(probes), 'unknown-id');
    },
  },
  {
    id: 'robust.bad_cursor',
    group: 'robustness',
    severity: 'required',
    title: 'Bad cursors and parameters (garbage cursor, negative limit, unparseable modified_since) answer 400, not 5xx or a silent restart',
    spec: 'RFC 9110 §15.5.1 (400); UCP types/pagination.json',
    async run(ctx) {
      const probes: Probe[] = [];
      const feed = await hasFeed(ctx);
      if (feed) {
        probes.push({ what: 'a garbage feed cursor', run: () => ctx.client.get(withParam(feed, 'cursor', '!!not-a-cursor!!'), 'application/ld+json') });
        probes.push({ what: 'a negative limit', run: () => ctx.client.get(withParam(feed, 'limit', '-5'), 'application/ld+json') });
        probes.push({ what: 'an unparseable modified_since', run: () => ctx.client.get(withParam(feed, 'modified_since', 'yesterday-ish'), 'application/ld+json') });
      }
      if ((await hasUcp(ctx)) && (await ctx.ucpAccess()).ok) {
        probes.push({ what: 'a garbage UCP search cursor', run: () => ctx.ucp('POST', '/catalog/search', { query: 'a', pagination: { cursor: '!!not-a-cursor!!' } }) });
      }
      return finish(ctx, await probe(probes), 'bad-parameter');
    },
  },
];
