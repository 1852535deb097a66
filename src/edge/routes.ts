/**
 * The route table: every route the server answers, read from the routing itself (the UCP operation
 * table, the catalog handler's paths, Express's router stack), for documentation, the conformance tools
 * and the fuzz suite. Path parameters are written `{name}`.
 */
import type { Express } from 'express';

export interface RouteInfo {
  /** Which part of the server answers: the JSON-LD catalog, UCP REST, or Express (admin, trust, pages). */
  surface: 'jsonld' | 'ucp' | 'express';
  method: string;
  path: string;
  /** The official request schema of the body, when the route takes one (UCP). */
  body?: { schema: string; op?: 'create' | 'update' | 'complete' };
}

interface Layer {
  name?: string;
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** `a` + `b` with one slash between them and none at the end (but for the root). */
function join(a: string, b: string): string {
  const joined = `${a.replace(/\/+$/, '')}/${b.replace(/^\/+/, '')}`.replace(/\/+$/, '');
  return joined === '' ? '/' : joined;
}

/** Express routes with string paths (`:name` becomes `{name}`); routers are walked with their mount paths. */
export function expressRoutes(app: Express): RouteInfo[] {
  const out: RouteInfo[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const p of paths) {
          if (typeof p !== 'string') continue;
          for (const method of Object.keys(layer.route.methods)) out.push({ surface: 'express', method: method.toUpperCase(), path: join(prefix, p).replace(/:(\w+)/g, '{$1}') });
        }
      } else if (layer.name === 'router' && layer.handle?.stack && typeof layer.rawPath === 'string') {
        walk(layer.handle.stack, join(prefix, layer.rawPath));
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return out;
}
