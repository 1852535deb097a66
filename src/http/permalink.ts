/**
 * The permalink endpoint (2026-08-25 `dev.ucp.shopping.permalink`): a browser GET on
 * `/buy/{item:qty,...}?...` stages a checkout with those lines and fields and answers 303 See Other to its
 * page, where the buyer reviews and pays; nothing is ordered or charged by the GET. A link that cannot be
 * read safely goes to its valid `continue_to`, else the storefront. Staging is budgeted per client, so
 * prefetchers and scripted clicks cannot fill the store with sessions.
 */
import { Router, type Response } from 'express';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { clientAddresses } from '../edge/client.js';
import { Lru } from '../util/lru.js';
import { TokenBucket } from '../util/token-bucket.js';
import { ownerCaller } from '../ucp/checkout/owner.js';
import { PERMALINK_PATH, readPermalink } from '../ucp/permalink.js';
import type { Ucp } from '../ucp/runtime.js';

/** Checkouts a client may stage by permalink: a burst of 20, then one every 6 s. */
const STAGE_BURST = 20;
const STAGE_PER_SECOND = 1 / 6;

export function permalinkRouter(deps: { ucp: Ucp; config: Config; logger: Logger; now?: () => number }): Router {
  const { ucp, config, logger } = deps;
  const now = deps.now ?? Date.now;
  const r = Router();
  const origin = new URL(config.baseUrl).origin;
  const clientOf = clientAddresses(config.trustProxy, logger);
  const budgets = new Lru<string, TokenBucket>(10_000);
  const caller = ownerCaller(ucp.permalinkEndpoint);

  const redirect = (res: Response, location: string) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Robots-Tag', 'noindex');
    res.redirect(303, location);
  };

  const handle = async (items: string | undefined, rawQuery: string, client: string, res: Response) => {
    const query = [...new URLSearchParams(rawQuery)];
    const link = readPermalink(items, query, { origin, maxLineQuantity: config.ucp.maxLineQuantity });
    if (!link.ok) {
      logger.info('permalink not staged', { reason: link.reason });
      return redirect(res, link.continueTo ?? '/');
    }
    let bucket = budgets.get(client);
    if (!bucket) {
      bucket = new TokenBucket(STAGE_BURST, STAGE_PER_SECOND, now);
      budgets.set(client, bucket);
    }
    if (!bucket.take()) {
      logger.info('permalink not staged: this client staged too many checkouts', { client });
      return redirect(res, link.continueTo ?? '/');
    }
    const out = await ucp.checkout.create('checkout', link.body, caller);
    if ('errors' in out) {
      // nothing purchasable (unknown items, over the limits): the buyer's own destination, else the storefront
      logger.info('permalink not staged', { reason: out.errors.map((e) => e.content).join('; ') });
      return redirect(res, link.continueTo ?? '/');
    }
    // the staged checkout is the destination: its page shows what was added, what was not, and what to do next
    redirect(res, `/checkout/${encodeURIComponent(String(out.body.id))}`);
  };

  const queryOf = (url: string) => {
    const i = url.indexOf('?');
    return i < 0 ? '' : url.slice(i + 1);
  };
  r.get([PERMALINK_PATH, `${PERMALINK_PATH}/`], (req, res, next) => {
    handle(undefined, queryOf(req.originalUrl), clientOf(req), res).catch(next);
  });
  r.get(`${PERMALINK_PATH}/:items`, (req, res, next) => {
    // the compact item path is never percent-encoded: read it raw
    const raw = req.path.slice(PERMALINK_PATH.length + 1);
    handle(raw, queryOf(req.originalUrl), clientOf(req), res).catch(next);
  });
  return r;
}
