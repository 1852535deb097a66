/** Shared plumbing for commands: config from flags + env, the store, the demo feed. */
import { existsSync } from 'node:fs';
import { loadConfig, type Config, type RawConfig } from '../config.js';
import { importFeed, type ImportReport } from '../feed/pipeline.js';
import { jsonlFile } from '../feed/formats/jsonl.js';
import { projectPath } from '../paths.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import type { Clock, Store } from '../store/store.js';
import { systemClock } from '../store/store.js';

export const DEMO_FEED = projectPath('demo', 'outdoor-gear.jsonl');

/** Options every command accepts (commander camel-cases the flags). */
export interface GlobalOptions {
  dataDir?: string;
  currency?: string;
  baseUrl?: string;
}

export function configFrom(options: GlobalOptions & RawConfig): Config {
  return loadConfig(options);
}

export function openStore(config: Config, clock: Clock = systemClock): Store {
  return new SqliteStore({ file: config.dbFile, clock });
}

/** True for a store nothing was ever imported into. */
export async function isPristine(store: Store): Promise<boolean> {
  return (await store.countProducts()) === 0 && (await store.listImports(1)).length === 0;
}

export async function loadDemo(store: Store, mode: 'upsert' | 'replace' = 'upsert'): Promise<ImportReport> {
  if (!existsSync(DEMO_FEED)) throw new Error(`demo feed missing at ${DEMO_FEED}; regenerate it with \`ucpd demo generate --out demo/outdoor-gear.jsonl\``);
  return importFeed(store, jsonlFile(DEMO_FEED), { mode, origin: 'demo' });
}
