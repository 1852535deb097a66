/**
 * The platform (agent) side of UCP, for ucpd's own tools (the conformance checker, benchmarks, tests):
 * a P-256 signing key, a platform profile document, and the headers of a UCP request, signed per
 * RFC 9421 with Content-Digest the way UCP platforms sign.
 */
import { createHash, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { contentDigest, signMessage } from '../trust/http-signatures.js';
import { isProtocolVersion, versionSpec } from './versions.js';
import { INVENTORY_VERSION } from './constants.js';

const V = '2026-04-08';
/** 2026-08-25 moved the shopping capabilities' pages under shopping/ (the spec split into verticals). */
const SPEC = (page: string, version = V) =>
  `https://ucp.dev/${version}/specification/${version >= '2026-08-25' && page !== 'overview' && page !== 'fulfillment' && page !== 'discount' && page !== 'buyer-consent' ? `shopping/${page}` : page}`;
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
      caps[name] = [{ version: INVENTORY_VERSION, extends: CATALOG_CAPS, spec: 'https://ucpd.dev/specification/inventory', schema: 'https://ucpd.dev/schemas/shopping/inventory.json' }];
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
    // 2026-08-25 publishes keys as a JWK Set in `keys` (#566)
    [isProtocolVersion(version) ? versionSpec(version).keysMember : 'signing_keys']: (o.keys ?? []).map((k) => k.jwk),
  };
}

export interface SignOptions {
  key: AgentKey;
  created?: number;
  expires?: number;
  nonce?: string;
  /** Override the covered components. */
  components?: string[];
  /** The business's authority (host[:port]) as this request addresses it. */
  authority: string;
}

/** Headers for a UCP request: UCP-Agent, Request-Id, JSON content type, and (with `sign`) the RFC 9421 signature. */
export function ucpHeaders(profileUrl: string, body: string | undefined, method: string, path: string, sign?: SignOptions): Record<string, string> {
  const headers: Record<string, string> = { 'ucp-agent': `profile="${profileUrl}"`, 'request-id': randomUUID() };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (!sign) return headers;
  if (body !== undefined) headers['content-digest'] = contentDigest(body);
  const components = sign.components ?? ['@method', '@authority', '@path', 'ucp-agent', ...(body !== undefined ? ['content-digest', 'content-type'] : [])];
  const signed = signMessage(
    { method, authority: sign.authority, path, headers },
    {
      components,
      keyid: sign.key.kid,
      privateKey: sign.key.privateKey,
      created: sign.created ?? Math.floor(Date.now() / 1000),
      ...(sign.expires ? { expires: sign.expires } : {}),
      ...(sign.nonce ? { nonce: sign.nonce } : {}),
    },
  );
  return { ...headers, ...signed };
}
