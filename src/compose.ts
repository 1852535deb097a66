/**
 * The composition root: every long-lived service of a running ucpd, built once from the opened store,
 * the trust material and the configuration, and wired to each other here and nowhere else. The HTTP
 * assembly (http/app.ts) serves these services; `ucpd serve` opens the store and trust, composes, and
 * starts the background jobs (jobs.ts).
 *
 *   store ──> Snapshots (publish/) ──> CommerceService (JSON-LD, HTML)
 *                       └───────────> Ucp (catalog, checkout, orders, webhooks, idempotency)
 *   store ──> SearchIndexer, ChangeBroadcaster (catalog change stream)
 */
import type { Config } from './config.js';
import { ChangeBroadcaster } from './linked-data/change-stream.js';
import { CommerceService } from './linked-data/service.js';
import type { Logger } from './logger.js';
import { SearchIndexer } from './store/search-indexer.js';
import type { Clock, Store } from './store/store.js';
import type { ResponseSigner } from './trust/response-signer.js';
import type { Trust } from './trust/trust.js';
import type { FetchPolicy } from './ucp/fetcher.js';
import { Ucp } from './ucp/runtime.js';

export interface ComposeDeps {
  store: Store;
  config: Config;
  clock: Clock;
  logger: Logger;
  trust: Trust;
  /** Test hooks for fetching platform profiles (private CA, DNS stub). */
  fetchPolicy?: Partial<FetchPolicy>;
}

export interface Composition extends ComposeDeps {
  /** JSON-LD and HTML documents, over the store-wide snapshot every surface shares. */
  service: CommerceService;
  /** The catalog change stream (SSE) clients subscribe to. */
  changes: ChangeBroadcaster;
  /** Keeps the full-text index in step with the catalog. */
  indexer: SearchIndexer;
  /** UCP: profile, negotiation, catalog, checkout, orders, webhooks. */
  ucp: Ucp;
  /** Signs agent-facing responses (RFC 9421), unless a proxy in front does. */
  signer?: ResponseSigner;
}

/** Active credentials about each subject @id, for the catalog documents to link to. */
async function credentialLinks(store: Store, subjectIds: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const subjectId of subjectIds) {
    const page = await store.listCredentials({ limit: 20, subjectId });
    if (page.items.length)
      out.set(
        subjectId,
        page.items.map((c) => c.id),
      );
  }
  return out;
}

export function compose(deps: ComposeDeps): Composition {
  const { store, config, logger, clock, trust } = deps;
  const service = new CommerceService({
    store,
    clock,
    baseUrl: config.baseUrl,
    defaultCurrency: config.defaultCurrency,
    qualityExclude: config.qualityExclude,
    links: () => ({ ucpProfile: true, didDocument: true, jwks: true, credentials: true }),
    credentialLinks: async (subjectIds) => credentialLinks(store, subjectIds),
  });
  return {
    ...deps,
    service,
    changes: new ChangeBroadcaster(store, service.urls, logger),
    indexer: new SearchIndexer(store, logger),
    ucp: new Ucp({ config, store, snapshots: service.snapshots, trust, clock, logger, ...(deps.fetchPolicy ? { fetchPolicy: deps.fetchPolicy } : {}) }),
    ...(config.signResponses ? { signer: trust.signer } : {}),
  };
}
