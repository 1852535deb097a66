/**
 * UCP over MCP, end to end: the official MCP SDK client (streamable HTTP) against a real server process
 * on the flower shop. The agent discovers the MCP endpoint in /.well-known/ucp, lists the 13 tools
 * (self-contained input and output schemas), then buys: search -> cart -> checkout -> update (address,
 * option, code) -> complete (idempotency key in meta) -> get_order, every request RFC 9421-signed at the
 * HTTP layer by the agent's key, every structuredContent valid against the official schemas, and the
 * order webhook delivered signed. Protocol errors arrive as JSON-RPC errors with the HTTP status mirroring them.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CLI, cleanEnv, freePort, startServer, type Started } from '../helpers/server.js';
import { FLOWER_SHOP, tempDir } from '../helpers/store.js';
import { ALL_SHOPPING_CAPS, agentKey, expectValid, platformProfile, profileServer, purchaseUpdate, TEST_PAY, ucpHeaders, type ProfileServer } from '../helpers/ucp.js';
import { checkoutSchemaRefs } from '../../src/ucp/schemas.js';
import { PROTOCOL_STATUS, type ProtocolErrorCode } from '../../src/ucp/errors.js';
import type { Json } from '../helpers/json.js';
import { Receiver } from '../helpers/webhooks.js';

const CHECKOUT_REFS = checkoutSchemaRefs(new Set(ALL_SHOPPING_CAPS));
const key = agentKey();

let data: { dir: string; cleanup: () => void };
let agent: ProfileServer;
let receiver: Receiver;
let server: Started;
let profileUrl: string;
let client: Client;
const signedPosts: string[] = [];

/** fetch that signs every POST like a UCP agent: UCP-Agent, Content-Digest and an RFC 9421 signature. */
const signingFetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
  const url = new URL(input instanceof Request ? input.url : input.toString());
  if ((init.method ?? 'GET') !== 'POST' || typeof init.body !== 'string') return fetch(input, init);
  const headers = new Headers(init.headers);
  const signed = ucpHeaders(profileUrl, init.body, 'POST', url.pathname, { key, authority: url.host });
  for (const [k, v] of Object.entries(signed)) headers.set(k, v);
  signedPosts.push(init.body);
  return fetch(input, { ...init, headers });
};

beforeAll(async () => {
  data = tempDir('ucpd-e2e-mcp-');
  execFileSync(process.execPath, [CLI, 'import', FLOWER_SHOP], { env: { ...cleanEnv, UCPD_DATA_DIR: data.dir }, stdio: 'ignore' });
  agent = await profileServer();
  receiver = new Receiver(await freePort());
  await receiver.start();
  const profile = platformProfile({ capabilities: ALL_SHOPPING_CAPS, keys: [key] }) as Json;
  profile.ucp.capabilities['dev.ucp.shopping.order'][0].config = { webhook_url: `http://127.0.0.1:${receiver.port}/webhooks/mcp/order` };
  agent.set('/profiles/mcp-agent.json', profile, { headers: { 'cache-control': 'max-age=300' } });
  profileUrl = agent.url('/profiles/mcp-agent.json');
  server = await startServer(data.dir, ['--no-seed', '--test-payments', '--profile-fetch-allow', `127.0.0.1:${agent.port},127.0.0.1:${receiver.port}`]);
}, 60_000);

afterAll(async () => {
  await client?.close();
  server?.child.kill('SIGKILL');
  await receiver?.stop();
  await agent?.close();
  data?.cleanup();
});

const meta = (extra: Json = {}) => ({ 'ucp-agent': { profile: profileUrl }, ...extra });

/** Call a tool; the UCP body from structuredContent, checked against its text rendering. */
async function tool(name: string, args: Json): Promise<Json> {
  const r = (await client.callTool({ name, arguments: { meta: meta(), ...args } })) as { structuredContent?: Json; content: { type: string; text: string }[]; isError?: boolean };
  expect(r.structuredContent).toBeDefined();
  expect(JSON.parse(r.content[0]!.text)).toEqual(r.structuredContent);
  return r.structuredContent!;
}

describe('an agent buys flowers over MCP', () => {
  test('discovery -> tools/list -> search -> cart -> checkout -> complete -> get_order, signed, with the order webhook', async () => {
    const discovery = (await (await fetch(`${server.base}/.well-known/ucp`)).json()) as Json;
    expectValid('discovery/profile.json#/$defs/business_profile', discovery);
    const mcpService = (discovery.ucp.services['dev.ucp.shopping'] as Json[]).find((s) => s.transport === 'mcp')!;
    expect(mcpService.endpoint).toBe(`${server.base}/ucp/mcp`);

    client = new Client({ name: 'ucpd-test-agent', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(mcpService.endpoint), { fetch: signingFetch }));
    expect(client.getServerVersion()?.name).toBe('ucpd');

    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(
      [
        'cancel_cart',
        'cancel_checkout',
        'complete_checkout',
        'create_cart',
        'create_checkout',
        'get_cart',
        'get_checkout',
        'get_order',
        'get_product',
        'lookup_catalog',
        'search_catalog',
        'update_cart',
        'update_checkout',
      ].sort(),
    );
    for (const t of tools) {
      expect(t.inputSchema.required).toContain('meta');
      expect(JSON.stringify(t)).not.toMatch(/"\$ref":"(?!#)/); // every reference resolves inside the tool
    }

    const search = await tool('search_catalog', { catalog: { query: 'roses' } });
    expectValid('shopping/catalog_search.json#/$defs/search_response', search);
    const item = search.products[0].variants[0].id as string;

    const cart = await tool('create_cart', { cart: { line_items: [{ item: { id: item }, quantity: 2 }] } });
    expectValid('shopping/cart.json', cart);

    const created = await tool('create_checkout', { checkout: { cart_id: cart.id, line_items: [] } });
    for (const ref of CHECKOUT_REFS) expectValid(ref, created);
    const line = created.line_items[0].id as string;

    const updated = await tool('update_checkout', { id: created.id, checkout: purchaseUpdate(line, item, 'mcp.buyer@example.com') });
    for (const ref of CHECKOUT_REFS) expectValid(ref, updated);
    expect(updated.status).toBe('ready_for_complete');
    expect(updated.totals.find((x: Json) => x.type === 'total').amount).toBe(7800);

    const idem = randomUUID();
    const complete = { name: 'complete_checkout', arguments: { meta: meta({ 'idempotency-key': idem }), id: created.id, checkout: TEST_PAY } };
    const done = ((await client.callTool(complete)) as { structuredContent: Json }).structuredContent;
    for (const ref of CHECKOUT_REFS) expectValid(ref, done);
    expect(done.status).toBe('completed');
    // a retry with the same key replays the same order
    const again = ((await client.callTool(complete)) as { structuredContent: Json }).structuredContent;
    expect(again.order.id).toBe(done.order.id);

    const order = await tool('get_order', { id: done.order.id });
    expectValid('shopping/order.json', order);
    expect(order.totals.find((x: Json) => x.type === 'total').amount).toBe(7800);

    await receiver.waitFor((d) => d.some((x) => JSON.parse(x.body.toString()).id === done.order.id));
    // every tools/call went out signed, and the server accepted each signature
    expect(signedPosts.filter((b) => b.includes('"tools/call"'))).toHaveLength(7);
  }, 60_000);

  test('protocol errors are JSON-RPC errors whose HTTP status mirrors them; business outcomes are results', async () => {
    const post = (body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${server.base}/ucp/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body: JSON.stringify(body) });
    const rpc = (name: string, args: Json) => ({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name, arguments: args } });

    const noMeta = await post(rpc('search_catalog', { catalog: { query: 'roses' } }));
    expect(noMeta.status).toBe(400);
    expect(((await noMeta.json()) as Json).error).toMatchObject({ code: -32602 });

    const badProfile = await post(rpc('search_catalog', { meta: { 'ucp-agent': { profile: 'http://127.0.0.1:1/nope.json' } }, catalog: { query: 'roses' } }));
    const bad = (await badProfile.json()) as Json;
    expect(['invalid_profile_url', 'profile_unreachable', 'profile_not_trusted']).toContain(bad.error.data.code);
    expect(badProfile.status).toBe(PROTOCOL_STATUS[bad.error.data.code as ProtocolErrorCode]);
    expect(bad.error.code).toBe(-32001);

    const noKey = await post(rpc('complete_checkout', { meta: meta(), id: 'chk_x', checkout: TEST_PAY }));
    expect(noKey.status).toBe(400);

    const unknown = await post(rpc('get_checkout', { meta: meta(), id: 'chk_does_not_exist' }));
    const outcome = (await unknown.json()) as Json;
    expect(unknown.status).toBe(200);
    expectValid('shopping/types/error_response.json', outcome.result.structuredContent);

    // the RFC 9421 signature covers the HTTP request: a body changed after signing is refused
    const signedFor = JSON.stringify(rpc('search_catalog', { meta: meta(), catalog: { query: 'roses' } }));
    const tampered = await fetch(`${server.base}/ucp/mcp`, {
      method: 'POST',
      headers: ucpHeaders(profileUrl, signedFor, 'POST', '/ucp/mcp', { key, authority: new URL(server.base).host }),
      body: signedFor.replace('roses', 'tulips'),
    });
    const refused = (await tampered.json()) as Json;
    expect(refused.error).toMatchObject({ code: -32000, data: { code: 'digest_mismatch' } });
    expect(tampered.status).toBe(400);

    expect((await post({ jsonrpc: '2.0', id: 1, method: 'no/such' })).status).toBe(404);
    expect((await post([{ jsonrpc: '2.0', id: 1, method: 'ping' }])).status).toBe(400);
    const parse = await fetch(`${server.base}/ucp/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":' });
    expect(parse.status).toBe(400);
    expect(((await parse.json()) as Json).error.code).toBe(-32700);
    expect((await fetch(`${server.base}/ucp/mcp`)).status).toBe(405);
    // nesting beyond the REST body limit, and an id JSON cannot carry back: Invalid Request, never a crash
    const deep = await fetch(`${server.base}/ucp/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":${'['.repeat(5000)}${']'.repeat(5000)}}}`,
    });
    expect([deep.status, ((await deep.json()) as Json).error.code]).toEqual([400, -32600]);
    const huge = await fetch(`${server.base}/ucp/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1e400,"method":"ping"}' });
    expect([huge.status, ((await huge.json()) as Json).error.code]).toEqual([400, -32600]);
    // the process is still serving
    expect((await fetch(`${server.base}/healthz`)).status).toBe(200);
  }, 30_000);
});
