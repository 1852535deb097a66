/**
 * The checker acts as a UCP platform: it needs a profile the endpoint can fetch. By default it serves
 * its own profiles from a small loopback server (the endpoint must be allowed to fetch from it, e.g.
 * ucpd `--profile-fetch-allow 127.0.0.1:<port>`): a valid one with its signing key per protocol version
 * the checker speaks, one with a protocol version nobody supports, and one that is not JSON, for the
 * negotiation error checks.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { agentKey, platformProfile, type AgentKey } from '../ucp/agent.js';
import { CURRENT_VERSION, isProtocolVersion, PREVIOUS_VERSION, PROTOCOL_VERSIONS } from '../ucp/versions.js';
import { BUYER_CONSENT, CART, CATALOG_LOOKUP, CATALOG_SEARCH, CHECKOUT, DISCOUNT, FULFILLMENT, INVENTORY_EXTENSION, ORDER } from '../ucp/constants.js';

export const AGENT_CAPABILITIES = [CATALOG_SEARCH, CATALOG_LOOKUP, CHECKOUT, CART, ORDER, FULFILLMENT, DISCOUNT, BUYER_CONSENT, INVENTORY_EXTENSION];
export const UNSUPPORTED_VERSION = '1999-01-01';

export interface AgentServer {
  key: AgentKey;
  port: number;
  /** The valid profile (at the newest version the checker speaks), the unsupported-version profile, the malformed one. */
  profileUrl: string;
  /** The valid profile at each protocol version the checker speaks. */
  profileUrls: Record<string, string>;
  versionUrl: string;
  malformedUrl: string;
  close(): Promise<void>;
}

export async function startAgentServer(port = 0, host = '127.0.0.1'): Promise<AgentServer> {
  const key = agentKey();
  // A fresh path per run: endpoints cache profiles by URL (at least 60 s), and each run has a new key.
  const run = `/profiles/${randomUUID()}`;
  const docs = new Map<string, string>([
    ...PROTOCOL_VERSIONS.map((v): [string, string] => [`${run}/agent-${v}.json`, JSON.stringify(platformProfile({ capabilities: AGENT_CAPABILITIES, version: v, capabilityVersion: v, keys: [key] }))]),
    [`${run}/unsupported-version.json`, JSON.stringify(platformProfile({ capabilities: AGENT_CAPABILITIES, version: UNSUPPORTED_VERSION, capabilityVersion: UNSUPPORTED_VERSION, keys: [key] }))],
    [`${run}/malformed.json`, '{"ucp": {"version": '],
  ]);
  const server = http.createServer((req, res) => {
    const body = docs.get((req.url ?? '/').split('?')[0]!);
    if (req.method !== 'GET' || body === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const actual = (server.address() as AddressInfo).port;
  const url = (p: string) => `http://${host}:${actual}${p}`;
  return {
    key,
    port: actual,
    profileUrl: url(`${run}/agent-${CURRENT_VERSION}.json`),
    profileUrls: Object.fromEntries(PROTOCOL_VERSIONS.map((v) => [v, url(`${run}/agent-${v}.json`)])),
    versionUrl: url(`${run}/unsupported-version.json`),
    malformedUrl: url(`${run}/malformed.json`),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The newest protocol version a business profile offers (its own, or a supported_versions key) that the checker implements. */
export function spokenVersion(profile: unknown): string {
  const ucp = (profile as { ucp?: { version?: unknown; supported_versions?: unknown } } | undefined)?.ucp;
  const offered = [ucp?.version, ...Object.keys(typeof ucp?.supported_versions === 'object' && ucp.supported_versions ? ucp.supported_versions : {})];
  return offered.filter(isProtocolVersion).sort().reverse()[0] ?? PREVIOUS_VERSION;
}
