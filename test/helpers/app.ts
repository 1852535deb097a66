import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createToken } from '../../src/auth/tokens.js';
import { loadConfig, type Config } from '../../src/config.js';
import { importFeed } from '../../src/feed/pipeline.js';
import { createApp } from '../../src/http/app.js';
import { silentLogger } from '../../src/logger.js';
import { Urls } from '../../src/publish/urls.js';
import { openTrust, type Trust } from '../../src/trust/trust.js';
import { linesSource, tempStore, type TestClock, type TestStore } from './store.js';

export interface TestApp extends TestStore {
  app: ReturnType<typeof createApp>;
  config: Config;
  trust: Trust;
  token: (scopes?: string[]) => Promise<string>;
}

/** Pin a platform profile in a data directory's registry (read when the app starts). */
export function pin(dir: string, url: string, profile: unknown): void {
  mkdirSync(path.join(dir, 'platforms'), { recursive: true });
  writeFileSync(path.join(dir, 'platforms', `${encodeURIComponent(url)}.json`), JSON.stringify({ profile_url: url, profile }));
}

/** An app over a temp SQLite store, optionally loaded with feed records and with platform profiles pinned. */
export async function testApp(records: object[] = [], env: Record<string, string> = {}, clock?: TestClock, pins: [string, unknown][] = []): Promise<TestApp> {
  const t = tempStore(clock);
  for (const [url, profile] of pins) pin(t.dir, url, profile);
  if (records.length) {
    const report = await importFeed(t.store, linesSource(records), { clock: t.clock });
    if (report.status !== 'applied') throw new Error(JSON.stringify(report.errors));
  }
  const config = loadConfig({ dataDir: t.dir, baseUrl: 'https://shop.example' }, env);
  const trust = await openTrust({ store: t.store, dataDir: t.dir, urls: new Urls(config.baseUrl), clock: t.clock, logger: silentLogger });
  const app = createApp({ store: t.store, config, clock: t.clock, logger: silentLogger, trust });
  return { ...t, app, config, trust, token: async (scopes = []) => (await createToken(t.store, 'test', scopes, t.clock)).secret };
}
