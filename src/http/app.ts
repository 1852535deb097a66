/** Express app assembly: everything injected, no module-level state. */
import express, { type Express } from 'express';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Clock, Store } from '../store/store.js';
import { adminRouter } from './admin.js';
import { demoMedia } from './demo-media.js';
import { errorHandler, notFoundHandler } from './problem.js';

export interface AppDeps {
  store: Store;
  config: Config;
  clock: Clock;
  logger: Logger;
}

export function createApp(deps: AppDeps): Express {
  const { store, config, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.set('etag', false); // ETags are computed by the documents themselves, not by hashing every body

  app.get('/healthz', async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ok', store: store.kind, products: await store.countProducts(), seq: await store.lastSeq() });
  });

  app.get('/', async (_req, res) => {
    const merchant = await store.getMerchant();
    const name = (merchant?.name ?? 'ucpd').replace(/[<&>"]/g, '');
    const count = await store.countProducts();
    res.type('html').send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${name}</title></head><body>` +
        `<h1>${name}</h1><p>${count} products, served by ucpd for AI shopping agents.</p>` +
        `<ul><li><a href="/healthz">/healthz</a></li></ul></body></html>`,
    );
  });

  app.get('/demo/media/:name', demoMedia());
  app.use('/admin/v1', adminRouter(deps));
  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return app;
}
