/**
 * Escalation end to end, with a real buyer in a real browser: an agent at UCP 2026-08-25 (signed REST
 * against a real server process) completes a checkout with the test handler's challenge token and gets
 * requires_escalation with a continue_url; headless Chromium (Debian's, driven by playwright-core) opens
 * that URL, the buyer approves the payment on the challenge page and lands on the order page; the agent
 * then reads the checkout completed and receives the order webhook, signed, in its own version.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { verifyMessage } from '../../src/trust/http-signatures.js';
import type { Json } from '../helpers/json.js';
import { CLI, cleanEnv, freePort, startServer, type Started } from '../helpers/server.js';
import { FLOWER_SHOP, tempDir } from '../helpers/store.js';
import { ALL_SHOPPING_CAPS, agentKey, expectValid, platformProfile, profileServer, ucpHeaders, type ProfileServer } from '../helpers/ucp.js';
import { Receiver } from '../helpers/webhooks.js';

const V = '2026-08-25';
const key = agentKey();
let data: { dir: string; cleanup: () => void };
let agent: ProfileServer;
let receiver: Receiver;
let server: Started;
let browser: Browser;
let profileUrl: string;

async function ucp(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown, idempotencyKey?: string): Promise<Json> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const url = new URL(`${server.base}/ucp/v1${path}`);
  const headers = { ...ucpHeaders(profileUrl, text, method, url.pathname, { key, authority: url.host }), ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) };
  const res = await fetch(url, { method, headers, ...(text !== undefined ? { body: text } : {}) });
  expect([200, 201]).toContain(res.status);
  return (await res.json()) as Json;
}

beforeAll(async () => {
  data = tempDir('ucpd-e2e-3ds-');
  execFileSync(process.execPath, [CLI, 'import', FLOWER_SHOP], { env: { ...cleanEnv, UCPD_DATA_DIR: data.dir }, stdio: 'ignore' });
  agent = await profileServer();
  receiver = new Receiver(await freePort());
  await receiver.start();
  const profile = platformProfile({ capabilities: ALL_SHOPPING_CAPS, keys: [key], version: V, capabilityVersion: V }) as Json;
  profile.ucp.capabilities['dev.ucp.shopping.order'][0].config = { webhook_url: `http://127.0.0.1:${receiver.port}/webhooks/3ds/order` };
  agent.set('/profiles/3ds-agent.json', profile, { headers: { 'cache-control': 'max-age=300' } });
  profileUrl = agent.url('/profiles/3ds-agent.json');
  server = await startServer(data.dir, ['--no-seed', '--test-payments', '--profile-fetch-allow', `127.0.0.1:${agent.port},127.0.0.1:${receiver.port}`]);
  if (!existsSync('/usr/bin/chromium')) throw new Error("this test drives Debian's Chromium: apt-get install -y chromium (.ci/run does)");
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  server?.child.kill('SIGKILL');
  await receiver?.stop();
  await agent?.close();
  data?.cleanup();
});

describe('a payment the buyer must authenticate', () => {
  test('agent escalates, the buyer approves in a browser, the agent sees the order', async () => {
    const address = { type: 'shipping_address', id: 'home', street_address: '123 Market St', address_locality: 'San Francisco', address_region: 'CA', postal_code: '94105', address_country: 'US' };
    const created = await ucp('POST', '/checkout-sessions', {
      line_items: [{ item: { id: 'bouquet_roses' }, quantity: 1 }],
      buyer: { email: 'browser-3ds@example.com' },
      fulfillment: { methods: [{ type: 'shipping', destinations: [address], selected_destination_id: 'home', groups: [{ selected_option_id: 'std-ship' }] }] },
    });
    expect(created.ucp.version).toBe(V);
    expect(created.status).toBe('ready_for_complete');
    const pay = {
      payment: {
        instruments: [{ id: 'card_1', handler_id: 'mock_payment_handler', type: 'card', display: { brand: 'Visa', last_digits: '3220' }, credential: { type: 'token', token: 'challenge_token' } }],
      },
    };
    const escalated = await ucp('POST', `/checkout-sessions/${created.id}/complete`, pay, randomUUID());
    expectValid('shopping/checkout.json', escalated, V);
    expect(escalated.status).toBe('requires_escalation');
    expect(escalated.messages).toContainEqual(expect.objectContaining({ code: 'payment_authentication_required', severity: 'requires_buyer_input' }));

    // the buyer, handed off
    const page = await browser.newPage();
    await page.goto(escalated.continue_url as string);
    expect(await page.locator('h1').textContent()).toBe('Confirm your payment');
    expect(await page.locator('main').textContent()).toContain('ending 3220');
    await Promise.all([page.waitForURL(/\/order\/ord_/), page.getByRole('button', { name: 'Approve payment' }).click()]);
    expect(await page.locator('h1').textContent()).toMatch(/^Order #/);
    const orderId = new URL(page.url()).pathname.split('/').pop()!;
    await page.close();

    // the agent, back
    const done = await ucp('GET', `/checkout-sessions/${created.id}`);
    expect(done.status).toBe('completed');
    expect(done.order.id).toBe(orderId);
    const order = await ucp('GET', `/orders/${orderId}`);
    expectValid('shopping/order.json', order, V);
    await receiver.waitFor((d) => d.some((x) => JSON.parse(x.body.toString()).id === orderId));
    const hook = receiver.deliveries.find((x) => JSON.parse(x.body.toString()).id === orderId)!;
    const body = JSON.parse(hook.body.toString()) as Json;
    expect(body.ucp.version).toBe(V);
    expectValid('shopping/order.json', body, V);
    expect(hook.headers['ucp-agent']).toBe(`profile="${server.base}/.well-known/ucp"`);
    const keys = ((await (await fetch(`${server.base}/.well-known/ucp`)).json()) as Json).keys as Json[];
    const headers = Object.fromEntries(Object.entries(hook.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]));
    const verified = await verifyMessage(
      { method: 'POST', authority: `127.0.0.1:${receiver.port}`, path: hook.path, headers },
      { keyFor: (kid) => keys.find((k) => k.kid === kid), body: hook.body, required: ['@method', '@authority', '@path', 'content-digest'] },
    );
    expect(keys.map((k) => k.kid)).toContain(verified.keyid);
  }, 90_000);
});
