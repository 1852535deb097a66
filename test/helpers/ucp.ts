/** UCP test kit: platform profiles, an agent's signing key and signed requests, schema assertions, profile servers. */
import { expect } from '@jest/globals';
import { createHash, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { contentDigest, signMessage } from '../../src/trust/http-signatures.js';
import { ucpSchemas } from '../../src/ucp/schemas.js';

export const V = '2026-04-08';
const SPEC = (page: string, version = V) => `https://ucp.dev/${version}/specification/${page}`;
const SCHEMA = (file: string, version = V) => `https://ucp.dev/${version}/schemas/${file}`;

export interface AgentKey {
  kid: string;
  privateKey: KeyObject;
  jwk: Record<string, string>;
}

export function agentKey(): AgentKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pub = publicKey.export({ format: 'jwk' }) as Record<string, string>;
  const kid = `agent-${createHash('sha256').update(pub.x!).digest('hex').slice(0, 8)}`;
  return { kid, privateKey, jwk: { kid, kty: 'EC', crv: 'P-256', x: pub.x!, y: pub.y!, use: 'sig', alg: 'ES256' } };
}

export interface ProfileOptions {
  version?: string;
  /** Capability names (default: catalog search + lookup + the ucpd inventory extension). */
  capabilities?: string[];
  capabilityVersion?: string;
  keys?: AgentKey[];
}

export const CATALOG_CAPS = ['dev.ucp.shopping.catalog.search', 'dev.ucp.shopping.catalog.lookup'];
export const INVENTORY = 'dev.ucpd.shopping.inventory';

/** A platform profile valid against the official schema. */
export function platformProfile(o: ProfileOptions = {}): Record<string, unknown> {
  const version = o.version ?? V;
  const cv = o.capabilityVersion ?? V;
  const caps: Record<string, object[]> = {};
  for (const name of o.capabilities ?? [...CATALOG_CAPS, INVENTORY]) {
    if (name === INVENTORY) {
      caps[name] = [{ version: cv, extends: CATALOG_CAPS, spec: 'https://ucpd.dev/specification/inventory', schema: 'https://ucpd.dev/schemas/shopping/inventory.json' }];
    } else {
      const page = name.replace('dev.ucp.shopping.', '').replace('.', '/');
      caps[name] = [{ version: cv, spec: SPEC(page, cv), schema: SCHEMA(`shopping/${name.replace('dev.ucp.shopping.', '').replace('.', '_')}.json`, cv) }];
    }
  }
  return {
    ucp: {
      version,
      services: { 'dev.ucp.shopping': [{ version, transport: 'rest', spec: SPEC('overview', version), schema: `https://ucp.dev/${version}/services/shopping/rest.openapi.json` }] },
      capabilities: caps,
      payment_handlers: {},
    },
    signing_keys: (o.keys ?? []).map((k) => k.jwk),
  };
}

export interface SignOptions {
  key: AgentKey;
  created?: number;
  expires?: number;
  nonce?: string;
  /** Override the covered components. */
  components?: string[];
  authority?: string;
}

/** Headers for a UCP request: UCP-Agent, Request-Id, JSON content type, and (with `sign`) the RFC 9421 signature. */
export function ucpHeaders(profileUrl: string, body: string | undefined, method: string, path: string, sign?: SignOptions): Record<string, string> {
  const headers: Record<string, string> = { 'ucp-agent': `profile="${profileUrl}"`, 'request-id': randomUUID() };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (!sign) return headers;
  if (body !== undefined) headers['content-digest'] = contentDigest(body);
  const components = sign.components ?? ['@method', '@authority', '@path', 'ucp-agent', ...(body !== undefined ? ['content-digest', 'content-type'] : [])];
  const signed = signMessage(
    { method, authority: sign.authority ?? 'shop.example', path, headers },
    { components, keyid: sign.key.kid, privateKey: sign.key.privateKey, created: sign.created ?? Math.floor(Date.now() / 1000), ...(sign.expires ? { expires: sign.expires } : {}), ...(sign.nonce ? { nonce: sign.nonce } : {}) },
  );
  return { ...headers, ...signed };
}

/** Assert a value validates against an official UCP schema (or ucpd's extension schema). */
export function expectValid(ref: string, value: unknown): void {
  expect(ucpSchemas().problems(ref, value)).toEqual([]);
}

export const SEARCH_RESPONSE = 'shopping/catalog_search.json#/$defs/search_response';
export const LOOKUP_RESPONSE = 'shopping/catalog_lookup.json#/$defs/lookup_response';
export const PRODUCT_RESPONSE = 'shopping/catalog_lookup.json#/$defs/get_product_response';
export const ERROR_RESPONSE = 'shopping/types/error_response.json';
export const BUSINESS_PROFILE = 'discovery/profile.json#/$defs/business_profile';
export const INVENTORY_SCHEMA = 'https://ucpd.dev/schemas/shopping/inventory.json#/$defs/inventory';

/** Every variant's `inventory` (when present) validates against the extension schema; returns how many did. */
export function expectInventoryValid(products: { variants: { inventory?: unknown }[] }[]): number {
  let n = 0;
  for (const p of products) for (const v of p.variants) if (v.inventory !== undefined) {
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
