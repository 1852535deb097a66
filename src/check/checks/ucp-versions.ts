/**
 * UCP across protocol versions: every older version the business lists in `supported_versions` has a
 * leaf profile of that version (and only that one), and the operations answer a platform of that version
 * in that version's shapes, over REST and MCP, while the rest of the suite speaks the current one.
 */
import { randomUUID } from 'node:crypto';
import { CART, CATALOG_SEARCH, CHECKOUT } from '../../ucp/constants.js';
import { SEARCH_RESPONSE, ucpSchemas } from '../../ucp/schemas.js';
import { isProtocolVersion } from '../../ucp/versions.js';
import { describeExchange, jsonOf, type Exchange } from '../client.js';
import type { CheckContext } from '../context.js';
import { fail, skip, warn, type CheckDefinition, type Evidence } from '../model.js';
import { SPEC_0825, expectOk, schemaProblems, search } from './ucp-common.js';

type Json = Record<string, unknown>;
type Check = CheckDefinition<CheckContext>;

/** The older versions the profile lists: version -> leaf profile URL. */
async function older(ctx: CheckContext): Promise<[string, string][]> {
  const p = await ctx.needProfile();
  const listed = (p.json.ucp as { supported_versions?: unknown } | undefined)?.supported_versions;
  if (!listed || typeof listed !== 'object') return [];
  return Object.entries(listed as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string');
}

/** The structuredContent of a tools/call (or the evidence of why there is none). */
function toolResult(x: Exchange): { body: Json } | { evidence: Evidence } {
  const result = (jsonOf(x) as { result?: { structuredContent?: Json } } | undefined)?.result?.structuredContent;
  return result && typeof result === 'object'
    ? { body: result }
    : { evidence: { url: `POST ${x.url}`, expected: 'a tools/call result with structuredContent', got: `${describeExchange(x)} ${x.body.toString('utf8').slice(0, 200)}` } };
}

export const ucpVersionChecks: Check[] = [
  {
    id: 'ucp.versions.profiles',
    group: 'ucp',
    severity: 'required',
    title: "Each version in supported_versions has a leaf profile: served, declaring exactly that version, without supported_versions, valid against that version's schema",
    spec: `${SPEC_0825('overview')}#protocol-version`,
    async run(ctx) {
      const leaves = await older(ctx);
      if (!leaves.length) throw skip('the profile lists no supported_versions');
      const problems: Evidence[] = [];
      const unknown: string[] = [];
      for (const [version, url] of leaves) {
        const d = await ctx.getDoc(new URL(url, ctx.url('/')).href, 'application/json');
        const doc = d.json as { ucp?: { version?: unknown; supported_versions?: unknown } } | undefined;
        if (d.x.status !== 200 || !doc) {
          problems.push({ url, expected: `the ${version} profile`, got: describeExchange(d.x) });
          continue;
        }
        if (doc.ucp?.version !== version) problems.push({ url, expected: `ucp.version ${version}`, got: JSON.stringify(doc.ucp?.version) });
        if (doc.ucp?.supported_versions !== undefined) problems.push({ url, expected: 'a leaf profile (no supported_versions)', got: 'supported_versions present' });
        if (!isProtocolVersion(version)) {
          unknown.push(version);
          continue;
        }
        const schemas = ucpSchemas(version);
        for (const p of schemas.problems(schemas.spec.businessProfile, doc)) problems.push({ url, expected: `${schemas.spec.businessProfile} (${version})`, got: p });
      }
      if (problems.length) throw fail(`${problems.length} problem(s) with the older versions' profiles`, ...problems);
      if (unknown.length) throw warn(`leaf profiles of ${unknown.join(', ')} are served; the checker does not implement those versions' schemas`);
      return `${leaves.map(([v]) => v).join(', ')}: leaf profiles valid`;
    },
  },
  {
    id: 'ucp.versions.operations',
    group: 'ucp',
    severity: 'required',
    title: "A platform at each older supported version gets answers in that version: catalog search, cart and checkout over REST, and search over MCP, each valid against that version's schemas",
    spec: `${SPEC_0825('overview')}#request-time-validation ("Businesses MUST include the negotiated protocol version in every response")`,
    async run(ctx) {
      const current = await ctx.ucpVersion();
      const versions = (await older(ctx)).map(([v]) => v).filter((v) => isProtocolVersion(v) && v !== current);
      if (!versions.length) throw skip('no older version the checker implements is supported');
      await ctx.needUcp(CATALOG_SEARCH);
      if (ctx.options.agentProfile) throw skip('the checker presents the given --agent-profile, of one version only');
      const caps = await ctx.capabilities();
      const { query, products } = await search(ctx);
      const item = products.flatMap((p) => p.variants ?? []).find((v) => v.availability?.available !== false)?.id;
      const problems: Evidence[] = [];
      const ran: string[] = [];
      for (const version of versions) {
        const profile = { version };
        const check = (ref: string, x: Exchange, body: Json) => problems.push(...schemaProblems(ref, x, body, version));
        const sx = await ctx.ucp('POST', '/catalog/search', { query, pagination: { limit: 3 } }, { profile });
        check(SEARCH_RESPONSE, sx, expectOk(sx, `catalog search at ${version}`));
        let n = 1;
        if (item) {
          for (const [cap, path, kind] of [
            [CART, '/carts', 'cart'],
            [CHECKOUT, '/checkout-sessions', 'checkout'],
          ] as const) {
            if (!caps.has(cap)) continue;
            const cx = await ctx.ucp('POST', path, { line_items: [{ item: { id: item }, quantity: 1 }] }, { profile, headers: { 'idempotency-key': randomUUID() } });
            const created = expectOk(cx, `create ${kind} at ${version}`);
            check(`shopping/${kind}.json`, cx, created);
            const gx = await ctx.ucp('GET', `${path}/${encodeURIComponent(String(created.id))}`, undefined, { profile });
            check(`shopping/${kind}.json`, gx, expectOk(gx, `get ${kind} at ${version}`));
            await ctx.ucp('POST', `${path}/${encodeURIComponent(String(created.id))}/cancel`, {}, { profile, headers: { 'idempotency-key': randomUUID() } });
            n += 2;
          }
        }
        try {
          await ctx.ucpEndpoint('mcp');
          const mx = await ctx.mcp('tools/call', { name: 'search_catalog', arguments: { catalog: { query, pagination: { limit: 3 } } } }, { profile });
          const got = toolResult(mx);
          if ('evidence' in got) problems.push(got.evidence);
          else check(SEARCH_RESPONSE, mx, got.body);
          n++;
        } catch {
          // no MCP binding: REST only
        }
        ran.push(`${version}: ${n} operations`);
      }
      if (problems.length) throw fail(`${problems.length} answer(s) not in the platform's version`, ...problems);
      return ran.join('; ');
    },
  },
];
