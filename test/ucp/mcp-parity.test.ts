/**
 * One operation table, two transports: for each of the 13 UCP operations, the REST call and the same
 * MCP tools/call return the same UCP body (resources each transport created are compared with their
 * generated ids normalised), and every MCP result validates against the tool's own output schema from
 * tools/list. Business outcomes are MCP results, never JSON-RPC errors.
 */
import { describe, expect, test } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import request from 'supertest';
import type { Json } from '../helpers/json.js';
import { AGENT, type CheckoutSuite, checkoutSuite, PAY_OK, roses, shipping } from '../helpers/ucp-checkout.js';
import { ALL_SHOPPING_CAPS, expectValid } from '../helpers/ucp.js';

/** Every capability, the catalog's too (2026-08-25 fulfillment extends it). */
const ALL = ALL_SHOPPING_CAPS;

/** The official schema of each tool's result (its catalog and checkout extensions are checked by the REST tests). */
const RESULT_REFS: Record<string, string> = {
  search_catalog: 'shopping/catalog_search.json#/$defs/search_response',
  lookup_catalog: 'shopping/catalog_lookup.json#/$defs/lookup_response',
  get_product: 'shopping/catalog_lookup.json#/$defs/get_product_response',
  create_cart: 'shopping/cart.json',
  get_cart: 'shopping/cart.json',
  update_cart: 'shopping/cart.json',
  cancel_cart: 'shopping/cart.json',
  create_checkout: 'shopping/checkout.json',
  get_checkout: 'shopping/checkout.json',
  update_checkout: 'shopping/checkout.json',
  complete_checkout: 'shopping/checkout.json',
  cancel_checkout: 'shopping/checkout.json',
  get_order: 'shopping/order.json',
};

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
let rpcId = 0;

async function mcp(suite: CheckoutSuite, method: string, params: Json = {}): Promise<{ status: number; body: Json }> {
  const { app } = suite.current();
  const res = await request(app)
    .post('/ucp/mcp')
    .set({ 'content-type': 'application/json', accept: 'application/json, text/event-stream' })
    .send(JSON.stringify({ jsonrpc: '2.0', id: ++rpcId, method, params }));
  return { status: res.status, body: res.body as Json };
}

/**
 * A tool's UCP body (structuredContent), checked against its text rendering, the tool's output schema
 * (tools/list describes the current release), and the official schema of the version negotiated.
 */
const outputValidators = new Map<string, (v: unknown) => boolean>();
async function tool0(suite: CheckoutSuite, version: string, name: string, args: Json, key?: string): Promise<Json> {
  if (outputValidators.size === 0) {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    for (const t of (await mcp(suite, 'tools/list')).body.result.tools as Json[]) outputValidators.set(t.name, ajv.compile(t.outputSchema));
  }
  const r = await mcp(suite, 'tools/call', { name, arguments: { meta: { 'ucp-agent': { profile: AGENT }, ...(key ? { 'idempotency-key': key } : {}) }, ...args } });
  expect([r.status, r.body.error]).toEqual([200, undefined]);
  const result = r.body.result as Json;
  expect(JSON.parse(result.content[0].text)).toEqual(result.structuredContent);
  const valid = outputValidators.get(name)!;
  expect([name, valid(result.structuredContent)]).toEqual([name, true]);
  const content = result.structuredContent as Json;
  expect(content.ucp.version).toBe(version);
  const ref = RESULT_REFS[name];
  if (ref && content.ucp.status !== 'error') expectValid(ref, content, version);
  return content;
}

/** The generated ids of two resources, paired by position: the resource, its line items, its order. */
function idPairs(a: Json, b: Json): [string, string][] {
  const pairs: [string, string][] = [[a.id, b.id]];
  (a.line_items ?? []).forEach((l: Json, i: number) => {
    pairs.push([l.id, b.line_items[i].id]);
  });
  if (a.order) pairs.push([a.order.id, b.order.id]);
  if (a.checkout_id) pairs.push([a.checkout_id, b.checkout_id]);
  if (a.label) pairs.push([a.label, b.label]);
  return pairs;
}

/** REST's body `a` and MCP's body `b` are the same but for the ids each transport's resource got. */
function same(a: Json, b: Json, pairs: [string, string][] = idPairs(a, b)): void {
  let left = JSON.stringify(a);
  let right = JSON.stringify(b);
  pairs.forEach(([x, y], i) => {
    left = left.split(x).join(`<id${i}>`);
    right = right.split(y).join(`<id${i}>`);
  });
  expect(right).toBe(left);
}

function parity(version: string): void {
  const suite = checkoutSuite({ version, capabilities: ALL });
  const tool = (name: string, args: Json, key?: string) => tool0(suite, version, name, args, key);

  test('catalog: search_catalog, lookup_catalog, get_product', async () => {
    const search = { query: 'roses' };
    expect(await tool('search_catalog', { catalog: search })).toEqual((await suite.call('post', '/catalog/search', search)).body);
    const lookup = { ids: ['bouquet_roses', 'pot_ceramic'] };
    expect(await tool('lookup_catalog', { catalog: lookup })).toEqual((await suite.call('post', '/catalog/lookup', lookup)).body);
    const product = { id: 'bouquet_roses' };
    expect(await tool('get_product', { catalog: product })).toEqual((await suite.call('post', '/catalog/product', product)).body);
    // a business outcome (nothing found) is a result on both
    const missing = { id: 'no-such-product' };
    expect(await tool('get_product', { catalog: missing })).toEqual((await suite.call('post', '/catalog/product', missing)).body);
  });

  test('cart: create_cart, get_cart, update_cart, cancel_cart', async () => {
    const viaRest = (await suite.call('post', '/carts', roses(2))).body;
    const viaMcp = await tool('create_cart', { cart: roses(2) });
    same(viaRest, viaMcp);
    same((await suite.call('get', `/carts/${viaRest.id}`)).body, await tool('get_cart', { id: viaMcp.id }));
    same((await suite.call('put', `/carts/${viaRest.id}`, { id: viaRest.id, ...roses(3) })).body, await tool('update_cart', { id: viaMcp.id, cart: roses(3) }));
    same((await suite.call('post', `/carts/${viaRest.id}/cancel`, undefined, { key: randomUUID() })).body, await tool('cancel_cart', { id: viaMcp.id }, randomUUID()));
  });

  test('checkout and order: create, get, update, complete, cancel, get_order', async () => {
    const body = { ...roses(1), ...shipping('std-ship') };
    const viaRest = (await suite.call('post', '/checkout-sessions', body)).body;
    const viaMcp = await tool('create_checkout', { checkout: body });
    same(viaRest, viaMcp);
    same((await suite.call('get', `/checkout-sessions/${viaRest.id}`)).body, await tool('get_checkout', { id: viaMcp.id }));
    const update = { buyer: { email: 'parity@example.com' } };
    const updatedRest = (await suite.call('put', `/checkout-sessions/${viaRest.id}`, { id: viaRest.id, ...update, line_items: [{ id: viaRest.line_items[0].id, ...roses(1).line_items[0] }] })).body;
    const updatedMcp = await tool('update_checkout', { id: viaMcp.id, checkout: { ...update, line_items: [{ id: viaMcp.line_items[0].id, ...roses(1).line_items[0] }] } });
    same(updatedRest, updatedMcp);
    const doneRest = (await suite.call('post', `/checkout-sessions/${viaRest.id}/complete`, PAY_OK, { key: randomUUID() })).body;
    const doneMcp = await tool('complete_checkout', { id: viaMcp.id, checkout: PAY_OK }, randomUUID());
    expect(doneMcp.status).toBe('completed');
    same(doneRest, doneMcp);
    const orderRest = (await suite.call('get', `/orders/${doneRest.order.id}`)).body;
    const orderMcp = await tool('get_order', { id: doneMcp.order.id });
    same(orderRest, orderMcp, [...idPairs(orderRest, orderMcp), [doneRest.id, doneMcp.id]]);

    const other = await tool('create_checkout', { checkout: body });
    const otherRest = (await suite.call('post', '/checkout-sessions', body)).body;
    same((await suite.call('post', `/checkout-sessions/${otherRest.id}/cancel`, undefined, { key: randomUUID() })).body, await tool('cancel_checkout', { id: other.id }, randomUUID()));
  });
}

describe.each(['2026-04-08', '2026-08-25'])('REST and MCP answer every operation alike at %s', (version) => {
  parity(version);
});
