/**
 * HTTP assembly: the agent-facing catalog routes are served straight from node:http (commerce.ts);
 * everything else (admin API, pages) goes through Express. Everything injected, no module-level state.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';
import type { Config } from '../config.js';
import { escapeHtml, policyPage } from '../linked-data/html.js';
import { CommerceService } from '../linked-data/service.js';
import type { Logger } from '../logger.js';
import type { Clock, Store } from '../store/store.js';
import { adminRouter } from './admin.js';
import { trustRouter } from '../trust/routes.js';
import type { Trust } from '../trust/trust.js';
import { ChangeBroadcaster } from '../linked-data/change-stream.js';
import { COMMERCE_ROUTES, commerceHandler } from '../linked-data/routes.js';
import { expressRoutes, type RouteInfo } from './routes.js';
import { demoMedia } from './demo-media.js';
import { platformAdminRouter } from './platform-admin.js';
import { operationTable } from '../ucp/operations.js';
import { ucpProfileRouter } from '../ucp/rest/profile.js';
import { ucpHandler } from '../ucp/rest/router.js';
import { ordersRouter } from './orders.js';
import { Ucp } from '../ucp/runtime.js';
import { SearchIndexer } from '../store/search-indexer.js';
import type { FetchPolicy } from '../ucp/fetcher.js';
import { errorHandler, notFoundHandler } from './problem.js';
import { Faults, guardRequests } from './guard.js';
import { clientAddresses } from './client.js';

export interface AppDeps {
  store: Store;
  config: Config;
  clock: Clock;
  logger: Logger;
  trust: Trust;
  /** Test hooks for fetching platform profiles (private CA, DNS stub). */
  fetchPolicy?: Partial<FetchPolicy>;
}

export type Handler = ((req: IncomingMessage, res: ServerResponse) => void) & {
  service: CommerceService;
  changes: ChangeBroadcaster;
  ucp: Ucp;
  indexer: SearchIndexer;
  /** Faults the backstop caught (see guard.ts); shown on /healthz. */
  faults: Faults;
  /** Every route this server answers (see routes.ts). */
  routes(): RouteInfo[];
  close(): void;
};

const POLICY_KINDS = { privacy: 'privacy', terms: 'terms', refund: 'refund', shipping: 'shipping', faq: 'faq' } as const;

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

export function createApp(deps: AppDeps): Handler {
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
  const changes = new ChangeBroadcaster(store, service.urls, logger);
  const signer = config.signResponses ? trust.signer : undefined;
  const clientOf = clientAddresses(config.trustProxy, logger);
  const commerce = commerceHandler({ service, changes, logger, clientOf, ...(signer ? { signer } : {}) });
  const indexer = new SearchIndexer(store, logger);
  indexer.start();
  const ucp = new Ucp({ config, store, snapshots: service.snapshots, trust, clock, logger, ...(deps.fetchPolicy ? { fetchPolicy: deps.fetchPolicy } : {}) });
  const ucpDeps = { ucp, config, logger, clientOf, ...(signer ? { signer } : {}) };
  const ucpOperations = ucpHandler(ucpDeps, operationTable(ucp));
  ucp.webhooks.start();

  const faults = new Faults();
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.set('etag', false); // validators come from the documents themselves, not from hashing every body

  app.get('/healthz', async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    // a store that cannot take its write lock cannot sell: say so (503), with how long it has been held
    const writes = await store.writeHealth();
    res.status(writes.writable ? 200 : 503).json({
      status: writes.writable ? 'ok' : 'degraded',
      store: store.kind,
      writable: writes.writable,
      ...(writes.lockHeldMs !== undefined ? { lockHeldMs: writes.lockHeldMs } : {}),
      products: await store.countProducts(),
      seq: await store.lastSeq(),
      credentials: trust.sync.state,
      testPayments: (await ucp.payments.offered()).get('mock_payment_handler') !== undefined,
      faults: faults.count,
      ...(faults.last ? { lastFault: faults.last } : {}),
    });
  });

  app.get('/', async (_req, res) => {
    const state = await service.storeState();
    const m = state.merchant;
    const page = await store.listProducts({ limit: 24 });
    const items = page.items.map((r) => `<li><a href="${escapeHtml(service.urls.product(r.product.id))}">${escapeHtml(r.product.title)}</a></li>`).join('');
    res
      .type('html')
      .send(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(m.name)}</title>` +
          `<link rel="alternate" type="application/ld+json" href="${escapeHtml(service.urls.store)}"></head><body>` +
          `<h1>${escapeHtml(m.name)}</h1>${m.description ? `<p>${escapeHtml(m.description)}</p>` : ''}` +
          `<p>${await store.countProducts()} products. For agents: <a href="${escapeHtml(service.urls.store)}">/.well-known/commerce</a> · ` +
          `<a href="${escapeHtml(service.urls.catalog())}">catalog feed</a> · <a href="/sitemap.xml">sitemap</a></p><ul>${items}</ul></body></html>`,
      );
  });

  // The merchant's policy links, when they point at ucpd itself, get a page built from the store's data.
  app.get(/^\/(policies|help)(\/.*)?$/, async (req, res, next) => {
    const state = await service.storeState();
    const m = state.merchant;
    const match = (Object.keys(POLICY_KINDS) as (keyof typeof POLICY_KINDS)[]).find((k) => m.policies[k] === req.path);
    const kind = match ? POLICY_KINDS[match] : m.support.url === req.path ? 'help' : undefined;
    if (!kind) return next();
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.type('html').send(policyPage(kind, { urls: service.urls, ...state, context: {}, now: clock.now(), defaultCurrency: config.defaultCurrency }));
  });

  app.get('/demo/media/:name', demoMedia());
  app.use(trustRouter(deps));
  app.use(ucpProfileRouter(ucpDeps));
  app.use('/admin/v1/platforms', platformAdminRouter({ store, config, registry: ucp.registry }));
  app.use(ordersRouter({ ucp, store, config }));
  app.use('/admin/v1', adminRouter(deps));
  app.use(notFoundHandler);
  app.use(errorHandler(logger));

  const handler = guardRequests(
    (req: IncomingMessage, res: ServerResponse) => {
      if (!commerce(req, res) && !ucpOperations(req, res)) app(req, res);
    },
    logger,
    faults,
  ) as Handler;
  handler.faults = faults;
  handler.routes = () => [...COMMERCE_ROUTES.map((path): RouteInfo => ({ surface: 'jsonld', method: 'GET', path })), ...ucpOperations.routes, ...expressRoutes(app)];
  handler.service = service;
  handler.changes = changes;
  handler.ucp = ucp;
  handler.indexer = indexer;
  handler.close = () => {
    changes.close();
    indexer.stop();
    ucp.webhooks.stop();
  };
  return handler;
}
