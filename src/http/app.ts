/**
 * HTTP assembly: the services of the composition root (compose.ts) behind one request handler. The
 * agent-facing routes are served straight from node:http (JSON-LD: linked-data/routes.ts; UCP:
 * ucp/rest/); everything else (admin API, trust documents, pages) goes through Express. Everything
 * injected, no module-level state.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';
import { type ComposeDeps, compose } from '../compose.js';
import { type BackgroundJob, backgroundJobs, startJobs, stopJobs } from '../jobs.js';
import type { ChangeBroadcaster } from '../linked-data/change-stream.js';
import { escapeHtml, policyPage } from '../linked-data/html.js';
import { COMMERCE_ROUTES, commerceHandler } from '../linked-data/routes.js';
import type { CommerceService } from '../linked-data/service.js';
import type { SearchIndexer } from '../store/search-indexer.js';
import { trustRouter } from '../trust/routes.js';
import { operationTable } from '../ucp/operations.js';
import { ucpProfileRouter } from '../ucp/rest/profile.js';
import { ucpHandler } from '../ucp/rest/router.js';
import { mcpHandler } from '../ucp/mcp/handler.js';
import type { Ucp } from '../ucp/runtime.js';
import { adminRouter } from './admin.js';
import { clientAddresses } from '../edge/client.js';
import { demoMedia } from './demo-media.js';
import { Faults, guardRequests } from './guard.js';
import { ordersRouter } from './orders.js';
import { permalinkRouter } from './permalink.js';
import { platformAdminRouter } from './platform-admin.js';
import { errorHandler, notFoundHandler } from '../edge/problem.js';
import { expressRoutes, type RouteInfo } from '../edge/routes.js';

export type AppDeps = ComposeDeps;

export type Handler = ((req: IncomingMessage, res: ServerResponse) => void) & {
  service: CommerceService;
  changes: ChangeBroadcaster;
  ucp: Ucp;
  indexer: SearchIndexer;
  /** Faults the backstop caught (see guard.ts); shown on /healthz. */
  faults: Faults;
  /** Every route this server answers (see routes.ts). */
  routes(): RouteInfo[];
  /** The background jobs (jobs.ts): the `app` ones run already; `ucpd serve` starts the `server` ones. */
  jobs: BackgroundJob[];
  /** Stop every background job. */
  close(): void;
};

const POLICY_KINDS = { privacy: 'privacy', terms: 'terms', refund: 'refund', shipping: 'shipping', faq: 'faq' } as const;

export function createApp(deps: AppDeps): Handler {
  const parts = compose(deps);
  const { store, config, logger, clock, trust, service, changes, indexer, ucp, signer } = parts;
  const clientOf = clientAddresses(config.trustProxy, logger);
  const commerce = commerceHandler({ service, changes, logger, clientOf, ...(signer ? { signer } : {}) });
  const ucpDeps = { ucp, config, logger, clientOf, ...(signer ? { signer } : {}) };
  const operations = operationTable(ucp);
  const ucpOperations = ucpHandler(ucpDeps, operations);
  const mcp = mcpHandler(ucpDeps, operations);
  const jobs = backgroundJobs(parts);
  startJobs(jobs, 'app');

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
          `<link rel="alternate" type="application/ld+json" href="${escapeHtml(service.urls.store)}">` +
          `<link rel="service-desc" type="application/json" href="${escapeHtml(service.urls.ucpProfile)}" title="UCP business profile"></head><body>` +
          `<h1>${escapeHtml(m.name)}</h1>${m.description ? `<p>${escapeHtml(m.description)}</p>` : ''}` +
          `<p>${await store.countProducts()} products. For agents: <a href="${escapeHtml(service.urls.store)}">/.well-known/commerce</a> (catalog) · ` +
          `<a href="${escapeHtml(service.urls.ucpProfile)}">/.well-known/ucp</a> (UCP: search, cart, checkout, orders over REST and MCP) · ` +
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
  app.use(permalinkRouter({ ucp, config, logger }));
  app.use('/admin/v1', adminRouter(deps));
  app.use(notFoundHandler);
  app.use(errorHandler(logger));

  const handler = guardRequests(
    (req: IncomingMessage, res: ServerResponse) => {
      if (!commerce(req, res) && !ucpOperations(req, res) && !mcp(req, res)) app(req, res);
    },
    logger,
    faults,
  ) as Handler;
  handler.faults = faults;
  handler.routes = () => [...COMMERCE_ROUTES.map((path): RouteInfo => ({ surface: 'jsonld', method: 'GET', path })), ...ucpOperations.routes, ...mcp.routes, ...expressRoutes(app)];
  handler.service = service;
  handler.changes = changes;
  handler.ucp = ucp;
  handler.indexer = indexer;
  handler.jobs = jobs;
  handler.close = () => stopJobs(jobs);
  return handler;
}
