/**
 * The agent-facing catalog routes, served straight from node:http without Express: these are the hot,
 * cacheable documents, and Express's router costs ~90 µs a request (notes/perf-anchors.md). Bytes come
 * serialised from CommerceService; this layer routes, negotiates content and streams changes (SSE);
 * respond.ts adds validators, HEAD, CORS and the response signature.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalidInput, UcpdError } from '../errors.js';
import { contextFiles } from './contexts.js';
import { etagOf, type Rendered, sendRendered } from '../edge/rendered.js';
import { JSONLD, type CommerceService } from './service.js';
import type { Logger } from '../logger.js';
import type { ChangeBroadcaster } from './change-stream.js';
import { negotiate } from '../edge/accept.js';
import { problem, problemFor, sendProblem } from '../edge/problem.js';
import type { ResponseSigner } from '../trust/response-signer.js';

export type Handled = boolean;

const STATIC_CACHE = 'public, max-age=86400';

function staticDoc(body: Buffer, contentType: string): Rendered {
  return { status: 200, body, contentType, etag: etagOf(body), cacheControl: STATIC_CACHE, headers: {} };
}

function decodeSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw invalidInput('invalid_path', 'the path is not valid percent-encoding');
  }
}

export interface CommerceRoutes {
  service: CommerceService;
  changes: ChangeBroadcaster;
  logger: Logger;
  signer?: ResponseSigner;
  /** The client's address (per-client stream limits). */
  clientOf?: (req: IncomingMessage) => string;
}

/** The catalog routes (all GET, HEAD and OPTIONS), for the route table. */
export const COMMERCE_ROUTES = [
  '/.well-known/commerce',
  '/.well-known/commerce/catalog',
  '/.well-known/commerce/changes',
  '/.well-known/commerce/context.jsonld',
  '/.well-known/commerce/schemaorg-context.jsonld',
  '/.well-known/commerce/LICENSE-schemaorg',
  '/.well-known/commerce/NOTICE',
  '/products/{id}',
  '/sitemap.xml',
  '/sitemap-products-{n}.xml',
  '/robots.txt',
] as const;

/** Handles the catalog routes; returns false for anything else (the caller passes it on). */
export function commerceHandler({ service, changes, logger, signer, clientOf }: CommerceRoutes): (req: IncomingMessage, res: ServerResponse) => Handled {
  const files = contextFiles();
  const statics: Record<string, Rendered> = {
    '/.well-known/commerce/context.jsonld': staticDoc(files.ucpd, JSONLD),
    '/.well-known/commerce/schemaorg-context.jsonld': staticDoc(files.schemaOrg, JSONLD),
    '/.well-known/commerce/LICENSE-schemaorg': staticDoc(files.schemaOrgLicense, 'text/plain; charset=utf-8'),
    '/.well-known/commerce/NOTICE': staticDoc(files.notice, 'text/plain; charset=utf-8'),
    '/robots.txt': service.robots(),
  };

  const send = (req: IncomingMessage, res: ServerResponse, r: Rendered) => sendRendered(req, res, r, signer);
  const respond = (req: IncomingMessage, res: ServerResponse, work: () => Promise<Rendered | undefined>) => {
    work().then(
      (r) => r && send(req, res, r),
      (err: unknown) => {
        if (res.headersSent) return res.destroy();
        sendProblem(res, problemFor(err, logger, `${req.method} ${req.url}`));
      },
    );
  };

  return (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const isCommerce = path === '/.well-known/commerce' || path === '/.well-known/commerce/' || path.startsWith('/.well-known/commerce/');
    const isProduct = path.startsWith('/products/');
    const isSitemap = path === '/sitemap.xml' || /^\/sitemap-products-\d+\.xml$/.test(path);
    if (!isCommerce && !isProduct && !isSitemap && path !== '/robots.txt') return false;

    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'Access-Control-Allow-Origin': '*',
        'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
        'Access-Control-Allow-Headers': 'Accept, If-None-Match, If-Modified-Since, Last-Event-ID',
        'Access-Control-Max-Age': '86400',
      });
      res.end();
      return true;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD, OPTIONS');
      sendProblem(res, problem(405, 'method_not_allowed', `${req.method} is not allowed on ${path}; this resource is read-only`));
      return true;
    }
    const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
    const contextHeader = headerOf(req, 'ucp-context');

    const fixed = statics[path];
    if (fixed) {
      send(req, res, fixed);
      return true;
    }
    if (path === '/.well-known/commerce' || path === '/.well-known/commerce/') {
      respond(req, res, () => service.storeDocument());
      return true;
    }
    if (path === '/.well-known/commerce/catalog') {
      respond(req, res, () => service.catalog(query, contextHeader));
      return true;
    }
    if (path === '/.well-known/commerce/changes') {
      if (req.headers.accept?.includes('text/event-stream')) {
        respond(req, res, async () => {
          await changes.subscribe(req, res, query, clientOf?.(req));
          return undefined;
        });
      } else {
        respond(req, res, async () => (await service.changes(query)).rendered);
      }
      return true;
    }
    if (isProduct) {
      respond(req, res, async () => {
        const rest = path.slice('/products/'.length);
        if (!rest || rest.includes('/')) throw new UcpdError('not_found', 'not_found', `no resource at ${path}`);
        const id = decodeSegment(rest);
        const type = negotiate(req.headers.accept, [JSONLD, 'application/json', 'text/html']);
        if (!type) throw new UcpdError('not_acceptable', 'not_acceptable', 'this resource is available as application/ld+json, application/json or text/html');
        const r = await service.product(id, query, type === 'text/html' ? 'html' : 'jsonld', contextHeader);
        return type === 'application/json' ? { ...r, contentType: 'application/json' } : r;
      });
      return true;
    }
    if (isSitemap) {
      const part = path === '/sitemap.xml' ? undefined : Number(/(\d+)/.exec(path)![1]);
      respond(req, res, () => service.sitemap(part));
      return true;
    }
    respond(req, res, async () => {
      throw new UcpdError('not_found', 'not_found', `no resource at ${path}`);
    });
    return true;
  };
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}
