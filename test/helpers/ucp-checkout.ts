/**
 * The UCP reference store (../shared/fixtures/flower_shop) behind an app for checkout, cart and order
 * tests over REST: `checkoutSuite()` sets one up for a test file (before all its tests: two approved
 * platforms, the first with an order webhook; test payments; the webhook sender stopped so the outbox can
 * be inspected) and tears it down after. Also the reference merchant's request bodies and the checks every
 * checkout and error response must pass.
 */
import { afterAll, beforeAll, expect } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { loadConfig } from '../../src/config.js';
import { importFeed } from '../../src/feed/pipeline.js';
import { openFeed } from '../../src/feed/open.js';
import { createApp } from '../../src/http/app.js';
import { Urls } from '../../src/publish/urls.js';
import { silentLogger } from '../../src/logger.js';
import { openTrust } from '../../src/trust/trust.js';
import { canonicalJson } from '../../src/util/canonical-json.js';
import { checkoutSchemaRefs } from '../../src/ucp/schemas.js';
import type { Json } from './json.js';
import { FLOWER_SHOP, tempStore, type TestStore } from './store.js';
import { ERROR_RESPONSE, expectValid, platformProfile } from './ucp.js';

export const AGENT = 'https://agent.example/profile.json';
export const OTHER = 'https://other-agent.example/profile.json';
const ALL = ['dev.ucp.shopping.checkout', 'dev.ucp.shopping.cart', 'dev.ucp.shopping.order', 'dev.ucp.shopping.fulfillment', 'dev.ucp.shopping.discount', 'dev.ucp.shopping.buyer_consent'];
const CHECKOUT_REFS = checkoutSchemaRefs(new Set(ALL));
export const PAY_OK = {
  payment: {
    instruments: [{ id: 'instr_1', handler_id: 'mock_payment_handler', type: 'card', display: { brand: 'Visa', last_digits: '1234' }, credential: { type: 'token', token: 'success_token' } }],
  },
};
export const PAY_FAIL = { payment: { instruments: [{ id: 'instr_fail', handler_id: 'mock_payment_handler', type: 'card', credential: { type: 'token', token: 'fail_token' } }] } };
const US = { id: 'dest_1', street_address: '123 Market St', address_locality: 'San Francisco', address_region: 'CA', postal_code: '94105', address_country: 'US' };

export type CheckoutApp = ReturnType<typeof createApp>;

export interface CheckoutSuite {
  /** The store and the app (set before the file's tests run). */
  current(): { t: TestStore; app: CheckoutApp };
  /** A UCP request as `o.profile` (the agent by default), with an Idempotency-Key if `o.key`; every body must be canonical JSON. */
  call(method: 'get' | 'post' | 'put', p: string, body?: unknown, o?: { profile?: string; key?: string }): Promise<request.Response>;
}

/** `version`: the protocol version the two platforms' profiles declare (2026-04-08 unless told). */
export function checkoutSuite(o: { version?: string; capabilities?: string[] } = {}): CheckoutSuite {
  const version = o.version ?? '2026-04-08';
  const caps = o.capabilities ?? ALL;
  let t: TestStore;
  let app: CheckoutApp;

  beforeAll(async () => {
    t = tempStore();
    const report = await importFeed(t.store, openFeed(FLOWER_SHOP, { currency: 'USD' }), { clock: t.clock });
    expect(report.status).toBe('applied');
    mkdirSync(path.join(t.dir, 'platforms'));
    const hook = {
      'dev.ucp.shopping.order': [
        {
          version,
          spec: `https://ucp.dev/${version}/specification/${version >= '2026-08-25' ? 'shopping/' : ''}order`,
          schema: `https://ucp.dev/${version}/schemas/shopping/order.json`,
          config: { webhook_url: 'https://agent.example/webhooks/orders' },
        },
      ],
    };
    const profile = platformProfile({ capabilities: caps, version, capabilityVersion: version }) as Json;
    profile.ucp.capabilities = { ...profile.ucp.capabilities, ...hook };
    writeFileSync(path.join(t.dir, 'platforms', 'agent.json'), JSON.stringify({ profile_url: AGENT, profile }));
    writeFileSync(path.join(t.dir, 'platforms', 'other.json'), JSON.stringify({ profile_url: OTHER, profile: platformProfile({ capabilities: caps, version, capabilityVersion: version }) }));
    const config = loadConfig(
      { dataDir: t.dir, baseUrl: 'https://shop.example' },
      {
        UCPD_SEED_DEMO: 'false',
        UCPD_UCP_TEST_PAYMENTS: 'true',
        UCPD_UCP_SIMULATION_SECRET: 'simulation-secret-0123456789',
        UCPD_UCP_MAX_LINE_QUANTITY: '100000',
        UCPD_UCP_SAVED_ADDRESSES: 'by-email',
      },
    );
    const trust = await openTrust({ store: t.store, dataDir: t.dir, urls: new Urls(config.baseUrl), clock: t.clock, logger: silentLogger });
    app = createApp({ store: t.store, config, clock: t.clock, logger: silentLogger, trust });
    app.ucp.webhooks.stop(); // deliveries are the end-to-end test's business; here the outbox is inspected
  });

  afterAll(async () => {
    app.close();
    await t.close();
  });

  let keys = 0;
  return {
    current: () => ({ t, app }),
    async call(method, p, body, o = {}) {
      let r = request(app)
        [method](`/ucp/v1${p}`)
        .set({ 'ucp-agent': `profile="${o.profile ?? AGENT}"`, 'request-id': `req-${++keys}` });
      if (o.key) r = r.set('idempotency-key', o.key);
      const res = body === undefined ? await r : await r.set('content-type', 'application/json').send(JSON.stringify(body));
      expect(res.text).toBe(canonicalJson(JSON.parse(res.text))); // canonical JSON (RFC 8785)
      return res;
    },
  };
}

/** A checkout response: valid against checkout.json and every negotiated extension's schema; totals add up. */
export function expectCheckout(body: Json): void {
  for (const ref of CHECKOUT_REFS) expectValid(ref, body);
  expect(body.ucp.payment_handlers['dev.ucpd.payments.test'][0].id).toBe('mock_payment_handler');
  const total = body.totals.find((x: Json) => x.type === 'total').amount;
  expect(body.totals.filter((x: Json) => x.type !== 'total').reduce((s: number, x: Json) => s + x.amount, 0)).toBe(total);
}

export function expectError(res: { status: number; body: Json }, status: number, code: string): Json {
  expect(res.status).toBe(status);
  expectValid(ERROR_RESPONSE, res.body);
  expect(res.body.ucp.status).toBe('error');
  const m = res.body.messages.find((x: Json) => x.code === code);
  expect(m).toBeDefined();
  return m;
}

export const roses = (quantity = 1) => ({ line_items: [{ item: { id: 'bouquet_roses' }, quantity }] });
export const shipping = (option?: string) => ({
  fulfillment: { methods: [{ type: 'shipping', destinations: [US], selected_destination_id: 'dest_1', groups: [{ id: 'group_1', ...(option ? { selected_option_id: option } : {}) }] }] },
});
