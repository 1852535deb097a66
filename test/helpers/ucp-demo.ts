/**
 * The demo store behind an app for UCP REST tests, with pinned agent platforms and a local profile
 * server: `ucpDemoSuite()` sets one up for a test file (before all its tests) and tears it down after.
 */
import { afterAll, beforeAll, expect } from '@jest/globals';
import request from 'supertest';
import { loadDemo } from '../../src/cli/context.js';
import { type Config, loadConfig } from '../../src/config.js';
import { createApp } from '../../src/http/app.js';
import { pin } from './app.js';
import { silentLogger } from '../../src/logger.js';
import { Urls } from '../../src/publish/urls.js';
import { openTrust, type Trust } from '../../src/trust/trust.js';
import { canonicalJson } from '../../src/util/canonical-json.js';
import { tempStore, type TestStore } from './store.js';
import { type AgentKey, agentKey, platformProfile, profileServer, type ProfileServer, ucpHeaders } from './ucp.js';

export const PINNED = 'https://agent.example/.well-known/ucp-agent.json';
export const PINNED_NO_INVENTORY = 'https://lean-agent.example/profile.json';
/** A platform at the current release (2026-08-25); PINNED and the others declare the older 2026-04-08. */
export const PINNED_CURRENT = 'https://current-agent.example/profile.json';
export const PINNED_NO_CATALOG = 'https://checkout-only.example/profile.json';

export interface Env extends TestStore {
  app: ReturnType<typeof createApp>;
  config: Config;
  trust: Trust;
}

/** The demo store behind an app; `pins` are written to the platform registry before it starts. */
export async function demoApp(env: Record<string, string>, pins: [string, unknown][] = [], fetchPolicy = {}): Promise<Env> {
  const t = tempStore();
  for (const [url, profile] of pins) pin(t.dir, url, profile);
  await loadDemo(t.store);
  await t.store.syncSearchIndex();
  const config = loadConfig({ dataDir: t.dir, baseUrl: 'https://shop.example' }, env);
  const trust = await openTrust({ store: t.store, dataDir: t.dir, urls: new Urls(config.baseUrl), clock: t.clock, logger: silentLogger });
  const app = createApp({ store: t.store, config, clock: t.clock, logger: silentLogger, trust, fetchPolicy });
  return { ...t, app, config, trust };
}

export interface UcpDemoSuite {
  /** The running environment (set before the file's tests run). */
  current(): { env: Env; key: AgentKey; profiles: ProfileServer };
  /** POST a UCP operation as the pinned agent (signed unless `sign: false`); every JSON body must be canonical. */
  post(op: string, body: unknown, o?: { profile?: string; sign?: boolean; headers?: Record<string, string>; raw?: string }): Promise<request.Response>;
  /** The test clock, in seconds. */
  now(): number;
}

export function ucpDemoSuite(): UcpDemoSuite {
  let env: Env;
  let key: AgentKey;
  let profiles: ProfileServer;
  beforeAll(async () => {
    profiles = await profileServer();
    key = agentKey();
    env = await demoApp({ UCPD_UCP_FETCH_ALLOW_HOSTS: `127.0.0.1:${profiles.port}` }, [
      [PINNED, platformProfile({ keys: [key] })],
      [PINNED_NO_INVENTORY, platformProfile({ capabilities: ['dev.ucp.shopping.catalog.search', 'dev.ucp.shopping.catalog.lookup'] })],
      [
        PINNED_CURRENT,
        platformProfile({
          version: '2026-08-25',
          capabilityVersion: '2026-08-25',
          capabilities: ['dev.ucp.shopping.catalog.search', 'dev.ucp.shopping.catalog.lookup', 'dev.ucp.shopping.fulfillment', 'dev.ucpd.shopping.inventory'],
          keys: [key],
        }),
      ],
      [PINNED_NO_CATALOG, platformProfile({ capabilities: ['dev.ucp.shopping.checkout'] })],
    ]);
  }, 60_000);
  afterAll(async () => {
    env.app.close();
    await profiles.close();
    await env.close();
  });
  const now = () => Math.floor(env.clock.now().getTime() / 1000);
  return {
    current: () => ({ env, key, profiles }),
    now,
    async post(op, body, o = {}) {
      const text = o.raw ?? JSON.stringify(body);
      const p = `/ucp/v1${op}`;
      const headers = ucpHeaders(o.profile ?? PINNED, text, 'POST', p, o.sign === false ? undefined : { key, created: now() });
      const res = await request(env.app)
        .post(p)
        .set({ ...headers, ...o.headers })
        .send(text);
      // every body is canonical JSON (RFC 8785): its digest is the same under either reading of the spec
      if (res.type === 'application/json') expect(res.text).toBe(canonicalJson(JSON.parse(res.text)));
      return res;
    },
  };
}

export { pin };
