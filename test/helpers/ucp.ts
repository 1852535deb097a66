/** UCP test kit: platform profiles, an agent's signing key and signed requests, schema assertions, profile servers. */
import { expect } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ucpSchemas } from '../../src/ucp/schemas.js';
import { CURRENT_VERSION, versionSpec } from '../../src/ucp/versions.js';

import { ucpHeaders as agentHeaders, type SignOptions } from '../../src/ucp/agent.js';

export { CATALOG_CAPS, INVENTORY, agentKey, platformProfile, type AgentKey, type ProfileOptions } from '../../src/ucp/agent.js';

/** UCP request headers; signatures name the test apps' public authority (shop.example) unless told otherwise. */
export function ucpHeaders(profileUrl: string, body: string | undefined, method: string, path: string, sign?: Omit<SignOptions, 'authority'> & { authority?: string }): Record<string, string> {
  return agentHeaders(profileUrl, body, method, path, sign ? { ...sign, authority: sign.authority ?? 'shop.example' } : undefined);
}

/** Assert a value validates against an official UCP schema of `version` (2026-04-08 unless told), or ucpd's extension schema. */
export function expectValid(ref: string, value: unknown, version?: string): void {
  expect(ucpSchemas(version).problems(ref, value)).toEqual([]);
}

/** The current release, as /.well-known/ucp describes it, and its business profile schema. */
export const CURRENT = CURRENT_VERSION;
export const CURRENT_PROFILE = versionSpec(CURRENT_VERSION).businessProfile;

export { BUSINESS_PROFILE, ERROR_RESPONSE, LOOKUP_RESPONSE, PRODUCT_RESPONSE, SEARCH_RESPONSE } from '../../src/ucp/schemas.js';
export const INVENTORY_SCHEMA = 'https://ucpd.dev/schemas/shopping/inventory.json#/$defs/inventory';

/** Every variant's `inventory` (when present) validates against the extension schema; returns how many did. */
export function expectInventoryValid(products: { variants: { inventory?: unknown }[] }[]): number {
  let n = 0;
  for (const p of products)
    for (const v of p.variants)
      if (v.inventory !== undefined) {
        expectValid(INVENTORY_SCHEMA, v.inventory);
        n++;
      }
  return n;
}

export interface ProfileServer {
  url: (path: string) => string;
  hits: Map<string, number>;
  set(path: string, body: unknown, init?: { status?: number; headers?: Record<string, string> }): void;
  port: number;
  close(): Promise<void>;
}

/** A loopback http server serving profile documents (for the fetch path; allowlist "127.0.0.1:<port>"). */
export async function profileServer(): Promise<ProfileServer> {
  const routes = new Map<string, { body: string; status: number; headers: Record<string, string> }>();
  const hits = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const r = routes.get(path);
    if (!r) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers });
    res.end(r.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    hits,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    set(path, body, init = {}) {
      routes.set(path, { body: typeof body === 'string' ? body : JSON.stringify(body), status: init.status ?? 200, headers: init.headers ?? {} });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Every UCP shopping capability ucpd offers: a platform that negotiates all of them. */
export const ALL_SHOPPING_CAPS = [
  'dev.ucp.shopping.catalog.search',
  'dev.ucp.shopping.catalog.lookup',
  'dev.ucp.shopping.checkout',
  'dev.ucp.shopping.cart',
  'dev.ucp.shopping.order',
  'dev.ucp.shopping.fulfillment',
  'dev.ucp.shopping.discount',
  'dev.ucp.shopping.buyer_consent',
];

/** Pay with the test payment handler's approval token (end-to-end purchases). */
export const TEST_PAY = { payment: { instruments: [{ id: 'instr_1', handler_id: 'mock_payment_handler', type: 'card', credential: { type: 'token', token: 'success_token' } }] } };

/** The end-to-end purchases' checkout update: two of `item`, a buyer, code 10OFF, express shipping to Cupertino. */
export function purchaseUpdate(line: string, item: string, email: string): Record<string, unknown> {
  return {
    line_items: [{ id: line, item: { id: item }, quantity: 2 }],
    buyer: { email, first_name: 'Ada', last_name: 'Agent' },
    discounts: { codes: ['10OFF'] },
    fulfillment: {
      methods: [
        {
          type: 'shipping',
          line_item_ids: [line],
          destinations: [{ id: 'home', street_address: '1 Infinite Loop', address_locality: 'Cupertino', address_region: 'CA', postal_code: '95014', address_country: 'US' }],
          selected_destination_id: 'home',
          groups: [{ id: 'g1', selected_option_id: 'exp-ship-us' }],
        },
      ],
    },
  };
}
