/**
 * UCP over MCP checks (checkout-mcp.md, catalog/mcp.md, mcp.openrpc.json), when the profile advertises an
 * MCP binding of dev.ucp.shopping: the JSON-RPC handshake and tool list (every tool of the advertised
 * capabilities, each with an input schema that takes `meta`), the catalog tools answering exactly what
 * REST answers with a structuredContent valid against the official schemas and its text rendering, and
 * protocol errors as JSON-RPC errors.
 */
import { randomUUID } from 'node:crypto';
import { CART, CATALOG_LOOKUP, CATALOG_SEARCH, CHECKOUT, ORDER } from '../../ucp/constants.js';
import { LOOKUP_RESPONSE, PRODUCT_RESPONSE, SEARCH_RESPONSE } from '../../ucp/schemas.js';
import { describeExchange, jsonOf, type Exchange } from '../client.js';
import type { CheckContext } from '../context.js';
import { fail, skip, type CheckDefinition, type Evidence } from '../model.js';
import { expectOk, schemaProblems, search, SPEC } from './ucp-common.js';

type Check = CheckDefinition<CheckContext>;
type Json = Record<string, unknown>;

/** The tools each capability brings (mcp.openrpc.json). */
const TOOLS: [string, string[]][] = [
  [CATALOG_SEARCH, ['search_catalog']],
  [CATALOG_LOOKUP, ['lookup_catalog', 'get_product']],
  [CART, ['create_cart', 'get_cart', 'update_cart', 'cancel_cart']],
  [CHECKOUT, ['create_checkout', 'get_checkout', 'update_checkout', 'complete_checkout', 'cancel_checkout']],
  [ORDER, ['get_order']],
];

/** The JSON-RPC result of an exchange, or a failure saying what came instead. */
function rpcResult(x: Exchange, what: string): Json {
  const body = jsonOf(x) as { result?: Json; error?: Json } | undefined;
  if (x.status !== 200 || !body?.result)
    throw fail(`${what} did not answer a JSON-RPC result`, { url: `POST ${x.url}`, expected: '200 with result', got: `${describeExchange(x)} ${x.body.toString('utf8').slice(0, 300)}` });
  return body.result;
}

/** A tools/call's structuredContent, checked against its text rendering. */
function structured(x: Exchange, tool: string): Json {
  const result = rpcResult(x, tool);
  const content = result.structuredContent as Json | undefined;
  if (!content || typeof content !== 'object') throw fail(`${tool}: no structuredContent`, { url: `POST ${x.url}`, got: JSON.stringify(result).slice(0, 300) });
  const text = (result.content as { type?: string; text?: string }[] | undefined)?.find((c) => c.type === 'text')?.text;
  if (text !== undefined && JSON.stringify(JSON.parse(text)) !== JSON.stringify(content)) throw fail(`${tool}: content[].text is not the structuredContent`, { url: `POST ${x.url}` });
  return content;
}

export const ucpMcpChecks: Check[] = [
  {
    id: 'ucp.mcp.tools',
    group: 'ucp',
    severity: 'required',
    title: 'the MCP binding answers initialize and lists a tool for every advertised operation, each taking meta (ucp-agent)',
    spec: `${SPEC('checkout-mcp')}; services/shopping/mcp.openrpc.json`,
    async run(ctx) {
      await ctx.ucpEndpoint('mcp');
      const init = rpcResult(await ctx.mcp('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'ucpd-check', version: '1' } }), 'initialize');
      if (typeof init.protocolVersion !== 'string' || !(init.capabilities as Json | undefined)?.tools)
        throw fail('initialize did not state a protocol version and the tools capability', { got: JSON.stringify(init).slice(0, 300) });
      const x = await ctx.mcp('tools/list');
      const tools = (rpcResult(x, 'tools/list').tools ?? []) as { name?: string; inputSchema?: Json; outputSchema?: Json }[];
      const caps = await ctx.capabilities();
      const expected = TOOLS.filter(([cap]) => caps.has(cap)).flatMap(([, names]) => names);
      const problems: Evidence[] = [];
      for (const name of expected) {
        const t = tools.find((x) => x.name === name);
        if (!t) problems.push({ url: `POST ${x.url}`, expected: `tool ${name}`, got: 'absent' });
        else if (t.inputSchema?.type !== 'object' || !(t.inputSchema.required as string[] | undefined)?.includes('meta'))
          problems.push({ url: `POST ${x.url}`, expected: `${name}: an object input schema requiring meta`, got: JSON.stringify(t.inputSchema).slice(0, 200) });
      }
      if (problems.length) throw fail(`${problems.length} tool problem(s)`, ...problems);
      return `${init.protocolVersion}: ${tools.length} tools, the ${expected.length} of the advertised capabilities all present`;
    },
  },
  {
    id: 'ucp.mcp.parity',
    group: 'ucp',
    severity: 'required',
    title: 'catalog tools over MCP answer what REST answers, with structuredContent valid against the official schemas',
    spec: `${SPEC('catalog/mcp')}; ${SPEC('checkout-mcp')}#implementation`,
    async run(ctx) {
      await ctx.ucpEndpoint('mcp');
      const { body: restSearch, query, products } = await search(ctx);
      const calls: [string, Json, string, Json][] = [['search_catalog', { query, pagination: { limit: 10 } }, SEARCH_RESPONSE, restSearch]];
      if ((await ctx.capabilities()).has(CATALOG_LOOKUP) && products.length) {
        const ids = products.slice(0, 3).map((p) => p.id);
        calls.push(['lookup_catalog', { ids }, LOOKUP_RESPONSE, expectOk(await ctx.ucp('POST', '/catalog/lookup', { ids }), 'catalog lookup')]);
        calls.push(['get_product', { id: ids[0] }, PRODUCT_RESPONSE, expectOk(await ctx.ucp('POST', '/catalog/product', { id: ids[0] }), 'get product')]);
      }
      const problems: Evidence[] = [];
      const version = await ctx.ucpVersion();
      for (const [tool, catalog, schema, rest] of calls) {
        const x = await ctx.mcp('tools/call', { name: tool, arguments: { catalog } });
        const got = structured(x, tool);
        problems.push(...schemaProblems(schema, x, got, version));
        if (JSON.stringify(got) !== JSON.stringify(rest))
          problems.push({ url: `POST ${x.url} (${tool})`, expected: `the REST answer: ${JSON.stringify(rest).slice(0, 200)}`, got: JSON.stringify(got).slice(0, 200) });
      }
      if (problems.length) throw fail(`${problems.length} difference(s) between MCP and REST, or schema violation(s)`, ...problems);
      return `${calls.map((c) => c[0]).join(', ')}: the same bodies as REST, schema-valid`;
    },
  },
  {
    id: 'ucp.mcp.commerce',
    group: 'ucp',
    severity: 'required',
    title: "cart and checkout tools over MCP: create, get, update and cancel are schema-valid, and each get equals REST's GET of the same resource",
    spec: `${SPEC('cart-mcp')}; ${SPEC('checkout-mcp')}`,
    async run(ctx) {
      await ctx.ucpEndpoint('mcp');
      const caps = await ctx.capabilities();
      const { products } = await search(ctx);
      const item = products[0]?.variants?.[0]?.id;
      if (!item) throw skip('catalog search found no variant to put in a cart');
      const kinds = [
        ...(caps.has(CART) ? [{ kind: 'cart', payload: 'cart', path: '/carts', schema: 'shopping/cart.json' }] : []),
        ...(caps.has(CHECKOUT) ? [{ kind: 'checkout', payload: 'checkout', path: '/checkout-sessions', schema: 'shopping/checkout.json' }] : []),
      ];
      if (!kinds.length) throw skip('the profile offers neither cart nor checkout');
      const problems: Evidence[] = [];
      const done: string[] = [];
      const version = await ctx.ucpVersion();
      for (const k of kinds) {
        const lines = (quantity: number) => ({ line_items: [{ item: { id: item }, quantity }] });
        const call = async (tool: string, args: Json) => {
          const x = await ctx.mcp('tools/call', { name: tool, arguments: args });
          const body = structured(x, tool);
          problems.push(...schemaProblems(k.schema, x, body, version));
          return body;
        };
        const created = await call(`create_${k.kind}`, { [k.payload]: lines(1) });
        const id = created.id;
        if (typeof id !== 'string') throw fail(`create_${k.kind} returned no ${k.kind} id`, { got: JSON.stringify(created).slice(0, 300) });
        const viaMcp = await call(`get_${k.kind}`, { id });
        const viaRest = expectOk(await ctx.ucp('GET', `${k.path}/${encodeURIComponent(id)}`), `GET ${k.path}/{id}`);
        if (JSON.stringify(viaMcp) !== JSON.stringify(viaRest))
          problems.push({ url: `get_${k.kind} ${id}`, expected: `REST's GET: ${JSON.stringify(viaRest).slice(0, 200)}`, got: JSON.stringify(viaMcp).slice(0, 200) });
        const lineId = (viaMcp.line_items as { id: string }[] | undefined)?.[0]?.id;
        const updated = await call(`update_${k.kind}`, { id, [k.payload]: { line_items: [{ ...(lineId ? { id: lineId } : {}), item: { id: item }, quantity: 2 }] } });
        if ((updated.line_items as { quantity?: number }[] | undefined)?.[0]?.quantity !== 2)
          problems.push({ url: `update_${k.kind} ${id}`, expected: 'quantity 2', got: JSON.stringify(updated.line_items).slice(0, 200) });
        await call(`cancel_${k.kind}`, { id, meta: { 'idempotency-key': randomUUID() } });
        done.push(k.kind);
      }
      if (problems.length) throw fail(`${problems.length} problem(s) with the ${done.join(' and ')} tools`, ...problems);
      return `${done.join(' and ')}: create -> get (equal to REST) -> update -> cancel over MCP, schema-valid`;
    },
  },
  {
    id: 'ucp.mcp.errors',
    group: 'ucp',
    severity: 'required',
    title: 'MCP protocol errors are JSON-RPC errors: a call without meta, an unknown tool, malformed JSON',
    spec: `${SPEC('checkout-mcp')}#error-handling; JSON-RPC 2.0 §5.1`,
    async run(ctx) {
      await ctx.ucpEndpoint('mcp');
      const probes: [string, Promise<Exchange>, (code: number) => boolean][] = [
        [
          'tools/call without meta',
          ctx.mcp(
            'tools/call',
            { name: 'search_catalog', arguments: { catalog: { query: 'a' } } },
            { raw: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'search_catalog', arguments: { catalog: { query: 'a' } } } }) },
          ),
          (c) => c === -32602 || c === -32600 || c === -32000,
        ],
        ['an unknown tool', ctx.mcp('tools/call', { name: 'ucpd_check_no_such_tool', arguments: {} }), (c) => c === -32602 || c === -32601],
        ['malformed JSON', ctx.mcp('', {}, { raw: '{"jsonrpc":' }), (c) => c === -32700],
      ];
      const problems: Evidence[] = [];
      for (const [what, pending, ok] of probes) {
        const x = await pending;
        const error = (jsonOf(x) as { error?: { code?: number } } | undefined)?.error;
        if (x.status >= 500 || typeof error?.code !== 'number' || !ok(error.code))
          problems.push({ url: `POST ${x.url}`, expected: `${what}: a JSON-RPC error`, got: `${describeExchange(x)} ${x.body.toString('utf8').slice(0, 200)}` });
      }
      if (problems.length) throw fail(`${problems.length} error(s) not in JSON-RPC's shape`, ...problems);
      if (!probes.length) throw skip('nothing to probe');
      return 'missing meta, unknown tool and malformed JSON answered as JSON-RPC errors';
    },
  },
];
