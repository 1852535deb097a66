/**
 * What the UCP checks share: the spec link for a page, the shapes of UCP catalog products and variants
 * the checks read, schema violations of a response as evidence, expecting a 2xx JSON answer, and the one
 * catalog search (run once per check run) that the catalog and checkout checks build on.
 */
import { UCP_VERSION, CATALOG_SEARCH, FULFILLMENT } from '../../ucp/constants.js';
import { ucpSchemas } from '../../ucp/schemas.js';
import { isProtocolVersion, PREVIOUS_VERSION } from '../../ucp/versions.js';
import { describeExchange, jsonOf, type Exchange } from '../client.js';
import type { CheckContext } from '../context.js';
import { fail, type Evidence } from '../model.js';

type Json = Record<string, unknown>;

/** A specification page of UCP 2026-04-08 (the checks cite the text they were written against). */
export const SPEC = (page: string) => `https://ucp.dev/${UCP_VERSION}/specification/${page}`;

/** A specification page of UCP 2026-08-25. */
export const SPEC_0825 = (page: string) => `https://ucp.dev/2026-08-25/specification/${page}`;

export interface UcpVariant {
  id: string;
  sku?: string;
  url?: string;
  price?: { amount: number; currency: string };
  availability?: { available?: boolean; status?: string };
}
export interface UcpProduct {
  id: string;
  url?: string;
  title?: string;
  variants?: UcpVariant[];
}

/**
 * Schema problems of a response body as evidence (empty when valid), against the schemas of the protocol
 * version the response declares in `ucp.version` (2026-04-08's when it declares none the checker knows);
 * a response whose declared version is not `version` (the one negotiated) is a problem of its own.
 */
export function schemaProblems(ref: string, x: Exchange, body: unknown, version?: string): Evidence[] {
  const declared = (body as { ucp?: { version?: unknown } } | null)?.ucp?.version;
  const out: Evidence[] = [];
  if (version !== undefined && declared !== version) out.push({ url: `${x.method} ${x.url}`, expected: `ucp.version ${version} (the negotiated protocol version)`, got: JSON.stringify(declared) });
  const schemas = ucpSchemas(isProtocolVersion(declared) ? declared : PREVIOUS_VERSION);
  return [...out, ...schemas.problems(ref, body).map((p) => ({ url: `${x.method} ${x.url}`, expected: `${ref} (${schemas.spec.version})`, got: p }))];
}

/** The JSON object a request answered with; fails the check unless it is a 2xx (or `ok`) with a JSON body. */
export function expectOk(x: Exchange, what: string, ok: (s: number) => boolean = (s) => s >= 200 && s < 300): Json {
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
export function search(ctx: CheckContext): Promise<{ x: Exchange; body: Json; products: UcpProduct[]; query: string }> {
  return ctx.once('ucp.search', async () => {
    await ctx.needUcp(CATALOG_SEARCH);
    const query = await searchTerm(ctx);
    const x = await ctx.ucp('POST', '/catalog/search', { query, pagination: { limit: 10 } });
    const body = expectOk(x, 'catalog search');
    return { x, body, products: (Array.isArray(body.products) ? body.products : []) as UcpProduct[], query };
  });
}

/**
 * The schemas a catalog response must satisfy: the operation's, and (2026-08-25, where the business's
 * fulfillment extension extends the catalog capability) the fulfillment extension's form of it.
 */
export async function catalogRefs(ctx: CheckContext, base: string, extension: string, capability: string): Promise<string[]> {
  const caps = ((await ctx.needProfile()).json.ucp as { capabilities?: Record<string, { extends?: string | string[] }[]> } | undefined)?.capabilities ?? {};
  const extendsIt = (caps[FULFILLMENT] ?? []).some((e) => [e.extends ?? []].flat().includes(capability));
  return [base, ...(extendsIt && (await ctx.ucpVersion()) >= '2026-08-25' ? [`shopping/fulfillment.json#/$defs/${extension}`] : [])];
}

/** Schema problems of a body against several refs, each problem once. */
export function allSchemaProblems(refs: readonly string[], x: Exchange, body: unknown, version: string): Evidence[] {
  const seen = new Set<string>();
  return refs
    .flatMap((r) => schemaProblems(r, x, body, version))
    .filter((e) => {
      const k = `${e.expected}|${e.got}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
}
