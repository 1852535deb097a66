import { createToken } from '../../src/auth/tokens.js';
import { loadConfig, type Config } from '../../src/config.js';
import { importFeed } from '../../src/feed/pipeline.js';
import { createApp } from '../../src/http/app.js';
import { silentLogger } from '../../src/logger.js';
import { linesSource, tempStore, type TestStore } from './store.js';

export interface TestApp extends TestStore {
  app: ReturnType<typeof createApp>;
  config: Config;
  token: (scopes?: string[]) => Promise<string>;
}

/** An app over a temp SQLite store, optionally loaded with feed records. */
export async function testApp(records: object[] = [], env: Record<string, string> = {}): Promise<TestApp> {
  const t = tempStore();
  if (records.length) {
    const report = await importFeed(t.store, linesSource(records), { clock: t.clock });
    if (report.status !== 'applied') throw new Error(JSON.stringify(report.errors));
  }
  const config = loadConfig({ dataDir: t.dir, baseUrl: 'https://shop.example' }, env);
  const app = createApp({ store: t.store, config, clock: t.clock, logger: silentLogger });
  return { ...t, app, config, token: async (scopes = []) => (await createToken(t.store, 'test', scopes, t.clock)).secret };
}
