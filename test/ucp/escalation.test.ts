/**
 * A soft decline rehearsed: the test handler's challenge_token asks the buyer to authenticate the payment,
 * so completion answers requires_escalation with a continue_url to the challenge page (a test 3-D Secure
 * page); the buyer's approval there places the order as the platform that asked (its version, its
 * webhook), a decline leaves the checkout open with the payment declined. Nothing is charged before.
 */
import { describe, expect, test } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { Json } from '../helpers/json.js';
import { checkoutSuite, expectCheckout, roses, shipping } from '../helpers/ucp-checkout.js';

const suite = checkoutSuite();
const CHALLENGE = {
  payment: {
    instruments: [{ id: 'instr_3ds', handler_id: 'mock_payment_handler', type: 'card', display: { brand: 'Visa', last_digits: '3220' }, credential: { type: 'token', token: 'challenge_token' } }],
  },
};

/** A checkout ready to complete. */
async function ready(): Promise<Json> {
  const created = (await suite.call('post', '/checkout-sessions', { ...roses(1), ...shipping('std-ship'), buyer: { email: 'three-ds@example.com' } })).body;
  expect(created.status).toBe('ready_for_complete');
  return created;
}

describe('payment authentication (soft decline -> requires_escalation -> challenge page)', () => {
  test('the profile documents the challenge token', async () => {
    const res = await request(suite.current().app).get('/.well-known/ucp');
    const handler = res.body.ucp.payment_handlers['dev.ucpd.payments.test'][0];
    expect(handler.config.tokens.challenge).toBe('challenge_token');
    expect(handler.config.challenge).toMatch(/requires_escalation/);
  });

  test('completion escalates; approving at continue_url places the order as the platform, with its webhook', async () => {
    const { app, t } = suite.current();
    const checkout = await ready();
    const escalated = await suite.call('post', `/checkout-sessions/${checkout.id}/complete`, CHALLENGE, { key: randomUUID() });
    expect(escalated.status).toBe(200);
    expectCheckout(escalated.body);
    expect(escalated.body.status).toBe('requires_escalation');
    expect(escalated.body.continue_url).toBe(`https://shop.example/checkout/${checkout.id}/authenticate`);
    expect(escalated.body.messages).toContainEqual(expect.objectContaining({ type: 'error', code: 'payment_authentication_required', severity: 'requires_buyer_input' }));
    expect(escalated.body.order).toBeUndefined();
    // the platform polls: still waiting
    expect((await suite.call('get', `/checkout-sessions/${checkout.id}`)).body.status).toBe('requires_escalation');

    const page = await request(app).get(`/checkout/${checkout.id}/authenticate`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Confirm your payment');
    expect(page.text).toContain('ending 3220');
    const approved = await request(app).post(`/checkout/${checkout.id}/authenticate`).type('form').send({ answer: 'approve' }).redirects(0);
    expect(approved.status).toBe(303);
    expect(approved.headers.location).toMatch(/^\/order\/ord_/);

    const done = (await suite.call('get', `/checkout-sessions/${checkout.id}`)).body;
    expect(done.status).toBe('completed');
    expect(done.order.id).toBe(approved.headers.location.split('/').pop());
    expect(done.continue_url).toBeUndefined();
    const hooks = await t.store.listWebhooks(done.order.id);
    expect(hooks.map((h) => h.url)).toEqual(['https://agent.example/webhooks/orders']);
    // answered once: the page now leads to the order
    expect((await request(app).get(`/checkout/${checkout.id}/authenticate`).redirects(0)).headers.location).toBe(`/order/${done.order.id}`);
  });

  test('declining leaves the checkout open, the payment declined, nothing charged; a new attempt can succeed', async () => {
    const { app } = suite.current();
    const checkout = await ready();
    await suite.call('post', `/checkout-sessions/${checkout.id}/complete`, CHALLENGE, { key: randomUUID() });
    const declined = await request(app).post(`/checkout/${checkout.id}/authenticate`).type('form').send({ answer: 'decline' }).redirects(0);
    expect(declined.status).toBe(303);
    expect(declined.headers.location).toBe(`/checkout/${checkout.id}`);
    const after = (await suite.call('get', `/checkout-sessions/${checkout.id}`)).body;
    expect(after.status).not.toBe('requires_escalation');
    expect(after.messages).toContainEqual(expect.objectContaining({ code: 'payment_declined' }));
    expect(after.continue_url).toBe(`https://shop.example/checkout/${checkout.id}`);
    // the old challenge cannot be replayed to approve
    const replay = await request(app).post(`/checkout/${checkout.id}/authenticate`).type('form').send({ answer: 'approve' }).redirects(0);
    expect(replay.headers.location).toBe(`/checkout/${checkout.id}`);
    const paid = (
      await suite.call(
        'post',
        `/checkout-sessions/${checkout.id}/complete`,
        { payment: { instruments: [{ ...CHALLENGE.payment.instruments[0], credential: { type: 'token', token: 'success_token' } }] } },
        { key: randomUUID() },
      )
    ).body;
    expect(paid.status).toBe('completed');
  });

  test('a challenge credential cannot be forged: challenge_passed for an unknown or unapproved challenge is declined', async () => {
    const checkout = await ready();
    const forged = { payment: { instruments: [{ id: 'x', handler_id: 'mock_payment_handler', type: 'card', credential: { type: 'token', token: 'challenge_passed:ch_made_up' } }] } };
    const res = await suite.call('post', `/checkout-sessions/${checkout.id}/complete`, forged, { key: randomUUID() });
    expect(res.body.messages).toContainEqual(expect.objectContaining({ code: 'payment_declined' }));
    expect((await suite.call('get', `/checkout-sessions/${checkout.id}`)).body.status).toBe('ready_for_complete');
  });
});
