/**
 * Buying, end to end, against the real server (compiled CLI) over the UCP reference store: an agent
 * whose profile (with its order webhook URL) is served from a loopback server plays a whole purchase
 * (discovery -> search -> cart -> checkout with address, shipping option and discount code ->
 * complete -> order -> shipped), validating every response against the official schemas, and its
 * webhook receiver verifies each delivery's signature with the keys the business profile publishes.
 * Then: 200 concurrent completions for 50 units sell exactly 50; and a server killed (SIGKILL) between
 * order creation and webhook delivery delivers the webhook exactly once after a restart.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { verifyMessage } from '../../src/trust/http-signatures.js';
import { CLI, cleanEnv, freePort } from '../helpers/server.js';
import { FLOWER_SHOP, tempDir } from '../helpers/store.js';
import { ALL_SHOPPING_CAPS, expectValid, platformProfile, profileServer, purchaseUpdate, TEST_PAY, ucpHeaders, type ProfileServer } from '../helpers/ucp.js';
import { checkoutSchemaRefs } from '../../src/ucp/schemas.js';
import type { Json } from '../helpers/json.js';
import { Receiver } from '../helpers/webhooks.js';

const ALL = ALL_SHOPPING_CAPS;
const CHECKOUT_REFS = checkoutSchemaRefs(new Set(ALL));

let data: { dir: string; cleanup: () => void };
let agent: ProfileServer;
let receiver: Receiver;
let child: ChildProcessWithoutNullStreams | undefined;
let base: string;
let profileUrl: string;
let port: number;

async function startServer(): Promise<void> {
  child = spawn(
    process.execPath,
    [CLI, 'serve', '--port', String(port), '--no-seed', '--test-payments', '--log-level', 'warn', '--profile-fetch-allow', `127.0.0.1:${agent.port},127.0.0.1:${receiver.port}`],
    {
      env: { ...cleanEnv, UCPD_DATA_DIR: data.dir },
    },
  );
  base = await new Promise<string>((resolve, reject) => {
    let out = '';
    child!.stdout.on('data', (d: Buffer) => {
      out += d;
      const m = /ucpd serving on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child!.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
}

async function call(method: string, p: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const res = await fetch(`${base}/ucp/v1${p}`, { method, headers: ucpHeaders(profileUrl, text, method, `/ucp/v1${p}`), ...(text !== undefined ? { body: text } : {}) });
  return { status: res.status, body: (await res.json()) as Json };
}

beforeAll(async () => {
  data = tempDir('ucpd-e2e-buy-');
  execFileSync(process.execPath, [CLI, 'import', FLOWER_SHOP], { env: { ...cleanEnv, UCPD_DATA_DIR: data.dir }, stdio: 'ignore' });
  agent = await profileServer();
  receiver = new Receiver(await freePort());
  await receiver.start();
  const profile = platformProfile({ capabilities: ALL }) as Json;
  profile.ucp.capabilities['dev.ucp.shopping.order'][0].config = { webhook_url: `http://127.0.0.1:${receiver.port}/webhooks/partners/test_partner/events/order` };
  agent.set('/profiles/shopping-agent.json', profile, { headers: { 'cache-control': 'max-age=300' } });
  profileUrl = agent.url('/profiles/shopping-agent.json');
  port = await freePort();
  await startServer();
}, 60_000);

afterAll(async () => {
  child?.kill('SIGKILL');
  await receiver?.stop();
  await agent?.close();
  data?.cleanup();
});

describe('an agent buys flowers', () => {
  test('discovery -> search -> cart -> checkout (address, option, code) -> complete -> order -> shipped, with signed webhooks', async () => {
    const discovery = (await (await fetch(`${base}/.well-known/ucp`)).json()) as Json;
    expectValid('discovery/profile.json#/$defs/business_profile', discovery);

    const search = await call('POST', '/catalog/search', { query: 'roses' });
    expect(search.status).toBe(200);
    expectValid('shopping/catalog_search.json#/$defs/search_response', search.body);
    const item = search.body.products[0].variants[0].id as string;

    const cart = await call('POST', '/carts', { line_items: [{ item: { id: item }, quantity: 2 }] });
    expect(cart.status).toBe(201);
    expectValid('shopping/cart.json', cart.body);

    const created = await call('POST', '/checkout-sessions', { cart_id: cart.body.id, line_items: [] });
    expect(created.status).toBe(201);
    for (const ref of CHECKOUT_REFS) expectValid(ref, created.body);
    const line = created.body.line_items[0].id as string;

    const updated = await call('PUT', `/checkout-sessions/${created.body.id}`, purchaseUpdate(line, item, 'agent.buyer@example.com'));
    expect(updated.status).toBe(200);
    for (const ref of CHECKOUT_REFS) expectValid(ref, updated.body);
    expect(updated.body.status).toBe('ready_for_complete');
    expect(updated.body.totals.map((x: Json) => [x.type, x.amount])).toEqual([
      ['subtotal', 7000],
      ['items_discount', -700],
      ['fulfillment', 1500],
      ['total', 7800],
    ]);

    const done = await call('POST', `/checkout-sessions/${created.body.id}/complete`, TEST_PAY);
    expect(done.status).toBe(200);
    for (const ref of CHECKOUT_REFS) expectValid(ref, done.body);
    expect(done.body.status).toBe('completed');
    const orderId = done.body.order.id as string;

    const order = await call('GET', `/orders/${orderId}`);
    expectValid('shopping/order.json', order.body);
    expect(order.body.totals.find((x: Json) => x.type === 'total').amount).toBe(7800);

    // the stock moved, and the JSON-LD catalog shows it
    const doc = (await (await fetch(`${base}/products/${encodeURIComponent(order.body.line_items[0].item.id)}`, { headers: { accept: 'application/ld+json' } })).json()) as Json;
    expect(JSON.stringify(doc)).toMatch(/"inventoryLevel":\{"@type":"QuantitativeValue","value":998\}/);

    // the retailer ships it
    const token = execFileSync(process.execPath, [CLI, 'tokens', 'create', '--name', 'ops'], { env: { ...cleanEnv, UCPD_DATA_DIR: data.dir } })
      .toString()
      .trim();
    const shipped = await fetch(`${base}/admin/v1/orders/${orderId}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'shipped', carrier: 'UPS', tracking_number: '1Z42' }),
    });
    expect(shipped.status).toBe(201);

    // two webhooks: created, then shipped; each signed with a key from the business profile
    await receiver.waitFor((d) => d.filter((x) => JSON.parse(x.body.toString()).id === orderId).length >= 2);
    const mine = receiver.deliveries.filter((x) => JSON.parse(x.body.toString()).id === orderId);
    // the agent speaks 2026-04-08: its webhooks name that version's leaf profile, which keeps the keys in signing_keys
    const leaf = (await (await fetch(`${base}/.well-known/ucp/2026-04-08`)).json()) as Json;
    const keys = leaf.signing_keys as Json[];
    expect(keys.map((k) => k.kid)).toEqual((discovery.keys as Json[]).map((k) => k.kid));
    for (const d of mine) {
      expect(d.path).toBe('/webhooks/partners/test_partner/events/order');
      expect(d.headers['webhook-id']).toMatch(/^whk_/);
      expect(Number(d.headers['webhook-timestamp'])).toBeGreaterThan(1_700_000_000);
      expect(d.headers['ucp-agent']).toBe(`profile="${base}/.well-known/ucp/2026-04-08"`);
      const headers = Object.fromEntries(Object.entries(d.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
      const verified = await verifyMessage(
        { method: 'POST', authority: `127.0.0.1:${receiver.port}`, path: d.path, headers },
        { keyFor: (kid) => keys.find((k) => k.kid === kid), body: d.body, required: ['@method', '@authority', '@path', 'content-digest', 'content-type'] },
      );
      expect(keys.map((k) => k.kid)).toContain(verified.keyid);
      expectValid('shopping/order.json', JSON.parse(d.body.toString()));
    }
    expect(JSON.parse(mine[1]!.body.toString()).fulfillment.events[0]).toMatchObject({ type: 'shipped', tracking_number: '1Z42' });
  }, 60_000);
});

describe('no oversell', () => {
  test('200 concurrent completions competing for 50 units sell exactly 50', async () => {
    const token = execFileSync(process.execPath, [CLI, 'tokens', 'create', '--name', 'stock'], { env: { ...cleanEnv, UCPD_DATA_DIR: data.dir } })
      .toString()
      .trim();
    const set = await fetch(`${base}/admin/v1/inventory`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ updates: [{ variant_id: 'bouquet_tulips', on_hand: 50 }] }),
    });
    expect(set.status).toBe(200);
    const shipping = {
      fulfillment: {
        methods: [
          {
            type: 'shipping',
            destinations: [{ id: 'd', street_address: '1 Main St', postal_code: '94105', address_country: 'US' }],
            selected_destination_id: 'd',
            groups: [{ selected_option_id: 'std-ship' }],
          },
        ],
      },
    };
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) {
      const c = await call('POST', '/checkout-sessions', { line_items: [{ item: { id: 'bouquet_tulips' }, quantity: 1 }], ...shipping });
      expect(c.body.status).toBe('ready_for_complete');
      ids.push(c.body.id);
    }
    const results = await Promise.all(ids.map((id) => call('POST', `/checkout-sessions/${id}/complete`, TEST_PAY)));
    const sold = results.filter((r) => r.status === 200 && r.body.status === 'completed');
    // a refusal is a business outcome: HTTP 200, the messages say why, no order
    const refused = results.filter((r) => r.status === 200 && r.body.status !== 'completed');
    expect(sold).toHaveLength(50);
    expect(refused).toHaveLength(150);
    for (const r of refused) expect(r.body.messages[0]).toMatchObject({ code: 'out_of_stock' });
    const lookup = await call('POST', '/catalog/lookup', { ids: ['bouquet_tulips'] });
    expect(lookup.body.products[0].variants[0].availability).toEqual({ available: false, status: 'out_of_stock' });
  }, 120_000);
});

describe('no lost webhook', () => {
  test('killed between order creation and delivery, the server delivers the webhook exactly once after a restart', async () => {
    await receiver.stop(); // deliveries fail: the webhook stays in the outbox
    const c = await call('POST', '/checkout-sessions', {
      line_items: [{ item: { id: 'pot_ceramic' }, quantity: 1 }],
      fulfillment: {
        methods: [
          {
            type: 'shipping',
            destinations: [{ id: 'd', street_address: '1 Main St', postal_code: '94105', address_country: 'US' }],
            selected_destination_id: 'd',
            groups: [{ selected_option_id: 'std-ship' }],
          },
        ],
      },
    });
    const done = await call('POST', `/checkout-sessions/${c.body.id}/complete`, TEST_PAY);
    expect(done.body.status).toBe('completed');
    const orderId = done.body.order.id as string;
    await new Promise((r) => setTimeout(r, 300)); // a first delivery attempt fails
    child!.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    receiver.deliveries = [];
    await receiver.start();
    await startServer();
    await receiver.waitFor((d) => d.some((x) => JSON.parse(x.body.toString()).id === orderId));
    await new Promise((r) => setTimeout(r, 2500)); // time for a duplicate, if there were one
    const forOrder = receiver.deliveries.filter((x) => JSON.parse(x.body.toString()).id === orderId);
    expect(forOrder).toHaveLength(1);
    expect(forOrder[0]!.headers['webhook-id']).toMatch(/^whk_/);
  }, 60_000);
});
