/**
 * UCP over REST: the operations of the transport-neutral table (../operations.ts) under the service
 * endpoint (/ucp/v1), served straight from node:http. Every request runs one pipeline: routing (path
 * parameters decoded, or refused when not valid percent-encoding) -> raw body (size-capped, kept for the
 * Content-Digest check) -> admission (negotiation and request signature, Ucp.admit) -> idempotency (a
 * retry replays the first answer) -> JSON parse and validation against the official request schema ->
 * `execute` -> a response signed like every agent-facing one. Errors of any kind become protocol errors
 * through the one mapper (../errors.ts).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../../config.js';
import type { RouteInfo } from '../../edge/routes.js';
import type { ClientOf } from '../../edge/client.js';
import type { Logger } from '../../logger.js';
import type { ResponseSigner } from '../../trust/response-signer.js';
import { protocolError, toProtocolError } from '../errors.js';
import { once } from '../once.js';
import { type Executed, execute, type Operation, validate } from '../operations.js';
import type { Ucp } from '../runtime.js';
import { httpAdmission } from './admit.js';
import { header, parseJsonBody, readBody, unreadBody } from './body.js';
import { sendProtocolError, sendUcpJson } from './send.js';

export interface UcpRouteDeps {
  ucp: Ucp;
  config: Config;
  logger: Logger;
  signer?: ResponseSigner;
  /** The client's address (per-client budgets); the socket's when absent. */
  clientOf?: ClientOf;
}

/**
 * The UCP operations under the service endpoint, served straight from node:http (like the JSON-LD
 * catalog): returns false for requests outside the endpoint.
 */
export function ucpHandler(deps: UcpRouteDeps, operations: readonly Operation[]): ((req: IncomingMessage, res: ServerResponse) => boolean) & { routes: RouteInfo[] } {
  const { ucp, config, logger, signer } = deps;
  const storefront = `${config.baseUrl}/`;
  const admitHttp = httpAdmission(deps);
  const base = ucp.endpointPath;
  // Each operation's path as a pattern; served under the endpoint and, for harnesses that address the
  // server root (older conformance suites), at the root too.
  const routes = operations.map((op) => {
    const names: string[] = [];
    const pattern = op.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{(\w+)\\?\}/g, (_m, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    return { op, names, re: new RegExp(`^(?:${base.replace(/\//g, '\\/')})?${pattern}$`) };
  });
  const roots = new Set(operations.map((op) => `/${op.path.split('/')[1]}`));
  // Path parameters stay raw here; they are decoded (and refused when not valid percent-encoding) only
  // for the operation that runs.
  const match = (path: string) =>
    routes
      .map((r) => ({ r, m: r.re.exec(path) }))
      .filter((x): x is { r: (typeof routes)[number]; m: RegExpExecArray } => x.m !== null)
      .map(({ r, m }) => ({ op: r.op, raw: r.names.map((n, i) => [n, m[i + 1]!] as const) }));

  const run = async (op: Operation, params: Record<string, string>, req: IncomingMessage, res: ServerResponse, path: string, query: string) => {
    const started = process.hrtime.bigint();
    let status = 500;
    let platform: string | undefined;
    try {
      const rawBody = op.method === 'GET' ? Buffer.alloc(0) : await readBody(req, config.ucp.bodyLimit);
      const admission = await admitHttp(req, { method: req.method ?? 'POST', path, query, body: rawBody });
      platform = admission.negotiated.platform.url;

      // Idempotency (after negotiation: a request the version check refuses is never replayed)
      const key = header(req, 'idempotency-key')?.trim();
      const respond = async (): Promise<Executed> => {
        const parsed = parseJsonBody(rawBody, header(req, 'content-type'));
        validate(ucp, op, parsed, admission);
        return execute(ucp, op, parsed, { admission, params, ...(key ? { idempotencyKey: key } : {}) }, storefront);
      };
      const out = op.idempotent && key ? await once(ucp, { scope: `${platform} ${op.method} ${path}`, key, hash: createHash('sha256').update(rawBody).digest('base64url') }, respond) : await respond();
      status = out.status;
      sendUcpJson(req, res, out.status, undefined, signer, 'replayed' in out ? { 'Idempotent-Replayed': 'true' } : {}, out.body);
    } catch (err) {
      const e = toProtocolError(err, (unexpected) => logger.error('unhandled error in UCP operation', { where: op.path, error: unexpected instanceof Error ? unexpected.stack : String(unexpected) }));
      status = e.status;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendProtocolError(req, res, e, storefront, signer, unreadBody(req));
    } finally {
      logger.debug('ucp request', { op: op.path, status, platform, ms: Number(process.hrtime.bigint() - started) / 1e6 });
    }
  };

  const handler = (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const underEndpoint = path === base || path.startsWith(`${base}/`);
    if (!underEndpoint && !roots.has(`/${path.split('/')[1]}`)) return false;
    const candidates = match(path);
    const op = candidates.find((c) => c.op.method === req.method);
    if (!op) {
      if (candidates.length) {
        const allowed = [...new Set(candidates.map((c) => c.op.method))].join(', ');
        sendProtocolError(req, res, protocolError('method_not_allowed', `${path} takes ${allowed}`), storefront, signer, { Allow: allowed, ...unreadBody(req) });
        return true;
      }
      if (!underEndpoint) return false;
      sendProtocolError(req, res, protocolError('not_found', `no UCP operation at ${req.method} ${path}`), storefront, signer, unreadBody(req));
      return true;
    }
    const params = decodeParams(op.raw);
    if (!params) {
      sendProtocolError(req, res, protocolError('invalid_request', `${path} is not valid percent-encoding`), storefront, signer, unreadBody(req));
      return true;
    }
    void run(op.op, params, req, res, path, q < 0 ? '' : url.slice(q + 1));
    return true;
  };
  const table: RouteInfo[] = operations.map((op) => {
    const body = op.bodySchema ?? (op.requestSchema ? { schema: op.requestSchema } : undefined);
    return { surface: 'ucp', method: op.method, path: `${base}${op.path}`, ...(body ? { body } : {}) };
  });
  return Object.assign(handler, { routes: table });
}

/** Percent-decoded path parameters, or undefined when one is not valid percent-encoded UTF-8. */
function decodeParams(raw: readonly (readonly [string, string])[]): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [name, value] of raw) {
    try {
      out[name] = decodeURIComponent(value);
    } catch {
      return undefined;
    }
  }
  return out;
}
