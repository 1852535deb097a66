/**
 * Carts and orders over REST against the UCP reference store (../shared/fixtures/flower_shop): a cart
 * converted to a checkout; the order a completed checkout places, its page, the webhooks queued in the
 * outbox for it, retailer events and adjustments, and the shipping simulation. Carts and orders are
 * validated against the official schemas.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KeyStore } from '../../src/trust/keys.js';
import { verifyMessage } from '../../src/trust/http-signatures.js';
import { webhookHeaders } from '../../src/ucp/webhooks.js';
import request from 'supertest';
import { createToken } from '../../src/auth/tokens.js';
import type { Json } from '../helpers/json.js';
import type { TestStore } from '../helpers/store.js';
import { expectValid } from '../helpers/ucp.js';
import { type CheckoutApp, checkoutSuite, expectCheckout, expectError, OTHER, PAY_OK, roses, shipping } from '../helpers/ucp-checkout.js';

const suite = checkoutSuite();
const call = suite.call;
let t: TestStore;
let app: CheckoutApp;
beforeAll(() => {
  ({ t, app } = suite.current());
});

describe('carts', () => {
  test('create, convert to a checkout (the cart wins), convert again (same checkout), cancel', async () => {
    const cart = await call('post', '/carts', { line_items: [{ item: { id: 'bouquet_roses' }, quantity: 2 }], discounts: { codes: ['10OFF'] } });
    expect(cart.status).toBe(201);
    expectValid('shopping/cart.json', cart.body);
    expectValid('shopping/discount.json#/$defs/dev.ucp.shopping.cart', cart.body);
    expect(cart.body.totals.find((x: Json) => x.type === 'total').amount).toBe(6300);
    const chk = await call('post', '/checkout-sessions', { cart_id: cart.body.id, line_items: [{ item: { id: 'bouquet_roses' }, quantity: 9 }] });
    expect(chk.status).toBe(201);
    expectCheckout(chk.body);
    expect(chk.body.line_items.map((l: Json) => [l.item.id, l.quantity])).toEqual([['bouquet_roses', 2]]);
    expect(chk.body.discounts.codes).toEqual(['10OFF']);
    const again = await call('post', '/checkout-sessions', { cart_id: cart.body.id, line_items: [] });
    expect(again.body.id).toBe(chk.body.id);
    // converting a cart needs only its id: the checkout takes the cart's lines
    const other = await call('post', '/carts', { line_items: [{ item: { id: 'pot_ceramic' }, quantity: 3 }] });
    const onlyId = await call('post', '/checkout-sessions', { cart_id: other.body.id });
    expect(onlyId.status).toBe(201);
    expectCheckout(onlyId.body);
    expect(onlyId.body.line_items.map((l: Json) => [l.item.id, l.quantity])).toEqual([['pot_ceramic', 3]]);
    const canceled = await call('post', `/carts/${cart.body.id}/cancel`);
    expect(canceled.status).toBe(200);
    expect(canceled.body.id).toBe(cart.body.id);
  });
});

describe('orders', () => {
  let orderId: string;
  beforeAll(async () => {
    const c = await call('post', '/checkout-sessions', { ...roses(), ...shipping('std-ship') });
    orderId = (await call('post', `/checkout-sessions/${c.body.id}/complete`, PAY_OK)).body.order.id;
  });

  test('GET /orders/{id}: the order for the platform that placed it, with expectations from the chosen option', async () => {
    const res = await call('get', `/orders/${orderId}`);
    expect(res.status).toBe(200);
    expectValid('shopping/order.json', res.body);
    expect(res.body.line_items[0]).toMatchObject({ quantity: { total: 1, fulfilled: 0 }, status: 'processing' });
    expect(res.body.fulfillment.expectations[0]).toMatchObject({ method_type: 'shipping', description: 'Standard Shipping (Free)', destination: { street_address: '123 Market St' } });
    expectError(await call('get', `/orders/${orderId}`, undefined, { profile: OTHER }), 200, 'not_found');
  });

  test('the order page and the webhook queued with the order', async () => {
    const page = await request(app).get(`/order/${orderId}`);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/Bouquet of Red Roses/);
    const hooks = await t.store.listWebhooks(orderId);
    expect(hooks).toHaveLength(1);
    expect(hooks[0]!.url).toBe('https://agent.example/webhooks/orders');
    const body = JSON.parse(hooks[0]!.body.toString()) as Json;
    expectValid('shopping/order.json', body);
    expect(body.id).toBe(orderId);
  });

  test('retailer events and adjustments append to the order and queue a webhook each', async () => {
    const token = (await createToken(t.store, 'ops', ['admin'], t.clock)).secret;
    const shipped = await request(app)
      .post(`/admin/v1/orders/${orderId}/events`)
      .set('authorization', `Bearer ${token}`)
      .send({ type: 'shipped', carrier: 'UPS', tracking_number: '1Z999', tracking_url: 'https://ups.example/1Z999' });
    expect(shipped.status).toBe(201);
    expectValid('shopping/order.json', shipped.body);
    expect(shipped.body.fulfillment.events[0]).toMatchObject({ type: 'shipped', carrier: 'UPS', tracking_number: '1Z999' });
    expect(shipped.body.line_items[0]).toMatchObject({ quantity: { total: 1, fulfilled: 1 }, status: 'fulfilled' });
    const refund = await request(app)
      .post(`/admin/v1/orders/${orderId}/adjustments`)
      .set('authorization', `Bearer ${token}`)
      .send({ type: 'refund', status: 'completed', amount: 500, description: 'late delivery' });
    expect(refund.status).toBe(201);
    expectValid('shopping/order.json', refund.body);
    expect(refund.body.adjustments[0]).toMatchObject({ type: 'refund', status: 'completed', totals: [{ type: 'total', amount: -500 }] });
    const bad = await request(app).post(`/admin/v1/orders/${orderId}/adjustments`).set('authorization', `Bearer ${token}`).send({ type: 'refund', status: 'INVALID' });
    expect(bad.status).toBe(400);
    // a returned unit is a reduction: published as a negative quantity, and the line's total drops
    const line = refund.body.line_items[0].id as string;
    const returned = await request(app)
      .post(`/admin/v1/orders/${orderId}/adjustments`)
      .set('authorization', `Bearer ${token}`)
      .send({ type: 'return', line_items: [{ id: line, quantity: 1 }], amount: 3500 });
    expect(returned.status).toBe(201);
    expectValid('shopping/order.json', returned.body);
    expect(returned.body.adjustments[1]).toMatchObject({ type: 'return', line_items: [{ id: line, quantity: -1 }], totals: [{ type: 'total', amount: -3500 }] });
    expect(returned.body.line_items[0]).toMatchObject({ quantity: { total: 0 }, status: 'removed' });
    expect((await t.store.listWebhooks(orderId)).length).toBe(4);
  });

  test('shipping simulation: 403 without the secret, 200 with it, 404 for an unknown order', async () => {
    expect((await request(app).post(`/testing/simulate-shipping/${orderId}`)).status).toBe(403);
    expect((await request(app).post(`/testing/simulate-shipping/${orderId}`).set('simulation-secret', 'wrong-secret-0123456789')).status).toBe(403);
    const ok = await request(app).post(`/testing/simulate-shipping/${orderId}`).set('simulation-secret', 'simulation-secret-0123456789');
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe('shipped');
    expect((await request(app).post('/testing/simulate-shipping/ord_nope').set('simulation-secret', 'simulation-secret-0123456789')).status).toBe(404);
  });
});

describe('webhook signatures', () => {
  test('a webhook URL with a query string has @query signed; Idempotency-Key equals Webhook-Id and is signed', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ucpd-wh-'));
    try {
      const keys = await KeyStore.open(dir);
      const body = Buffer.from('{"id":"ord_1"}');
      const url = 'https://agent.example/hooks/orders?tenant=42';
      const h = webhookHeaders({ url, body, id: 'whk_1', timestamp: 1_800_000_000, created: Math.floor(Date.now() / 1000), profileUrl: 'https://shop.example/.well-known/ucp', keys });
      expect(h['idempotency-key']).toBe(h['webhook-id']);
      const jwk = keys.active('p256').publicJwk as unknown as Record<string, unknown>;
      const required = ['@method', '@authority', '@path', '@query', 'content-digest', 'webhook-id', 'idempotency-key'];
      const verify = (query: string) => verifyMessage({ method: 'POST', authority: 'agent.example', path: '/hooks/orders', query, headers: h }, { keyFor: () => jwk, body, required });
      await expect(verify('?tenant=42')).resolves.toMatchObject({ keyid: keys.active('p256').kid });
      await expect(verify('?tenant=43')).rejects.toThrow();
      // without a query, @query is not claimed
      const plain = webhookHeaders({ url: 'https://agent.example/hooks/orders', body, id: 'whk_2', timestamp: 1_800_000_000, created: Math.floor(Date.now() / 1000), profileUrl: 'x', keys });
      expect(plain['signature-input']).not.toContain('"@query"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
