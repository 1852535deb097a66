/**
 * UCP over REST: the business profile at /.well-known/ucp and the operations under the service endpoint
 * (/ucp/v1). Every operation runs the same pipeline: raw body (size-capped, kept for the Content-Digest
 * check) -> negotiation and request signature (Ucp.admit) -> JSON parse and validation against the
 * official request schema -> capability check -> the capability's service -> a response carrying the
 * negotiated `ucp` envelope, signed like every agent-facing response. Protocol failures are
 * `{code, content}` with the status the spec assigns; business outcomes are 200s with messages.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Router, type Request, type Response } from 'express';
import type { Config } from '../config.js';
import { etagOf, type Rendered } from '../linked-data/service.js';
import type { Logger } from '../logger.js';
import { contentDigest } from '../trust/http-signatures.js';
import type { ResponseSigner } from '../trust/response-signer.js';
import { CATALOG_LOOKUP, CATALOG_SEARCH, CHECKOUT, INVENTORY_EXTENSION } from '../ucp/constants.js';
import { UcpProtocolError, protocolError } from '../ucp/errors.js';
import { UcpdError } from '../catalog/errors.js';
import { isStoreBusy } from '../store/store.js';
import { error as errorMessage, type UcpMessage } from '../ucp/messages.js';
import { envelope, type Negotiated } from '../ucp/negotiation.js';
import type { Admission, Ucp } from '../ucp/runtime.js';
import type { Claim } from '../ucp/idempotency.js';
import type { RequestOp } from '../ucp/schemas.js';
import type { RouteInfo } from './routes.js';
import { canonicalJson } from '../util/canonical-json.js';
import { responseJson } from '../ucp/catalog/fragments.js';
import { sendRendered } from './respond.js';
import type { ClientOf } from './client.js';
import { header, parseJsonBody, readBody, unreadBody } from './ucp-body.js';

export interface UcpRouteDeps {
  ucp: Ucp;
  config: Config;
  logger: Logger;
  signer?: ResponseSigner;
  /** The client's address (per-client budgets); the socket's when absent. */
  clientOf?: ClientOf;
}

/** What an operation returns: a success body (without `ucp`), or business errors (an error_response). */
export type OperationResult = { status?: number; body: Record<string, unknown> } | { status?: number; errors: UcpMessage[]; continueUrl?: string };

export interface Operation {
  /** Path under the endpoint, e.g. "/catalog/search" or "/checkout-sessions/{id}/complete". */
  path: string;
  method: 'POST' | 'GET' | 'PUT';
  capability: string;
  /** Request body schema (UCP schema ref); none for bodiless operations. */
  requestSchema?: string;
  /** Problems of a request body (instead of `requestSchema`), e.g. against request variants and negotiated extensions. */
  check?(body: unknown, admission: Admission): string[];
  /** A body is optional (cancel: none or `{}`). */
  bodyOptional?: boolean;
  /** The official schema of the body (for the route table), when `check` validates it instead of `requestSchema`. */
  bodySchema?: { schema: string; op?: RequestOp };
  /** The operation changes state: an Idempotency-Key makes a retry replay the first response. */
  idempotent?: boolean;
  run(body: unknown, admission: Admission, req: IncomingMessage, params: Record<string, string>): Promise<OperationResult>;
}

function splitUrl(url: string): { path: string; query: string } {
  const q = url.indexOf('?');
  return q < 0 ? { path: url, query: '' } : { path: url.slice(0, q), query: url.slice(q + 1) };
}

/**
 * Send a JSON body, canonical (RFC 8785) so digests agree whichever reading of the spec a verifier
 * takes; `serialised`: the body's canonical text when the caller has it already (hot paths).
 */
export function sendUcpJson(req: IncomingMessage, res: ServerResponse, status: number, value: unknown, signer?: ResponseSigner, extra: Record<string, string> = {}, serialised?: string): void {
  const body = Buffer.from(serialised ?? canonicalJson(value));
  const headers: Record<string, string> = { 'Content-Type': 'application/json', 'Content-Length': String(body.length), 'Cache-Control': 'no-store', ...extra };
  const requestId = header(req, 'request-id');
  headers['Request-Id'] = requestId && requestId.length <= 200 ? requestId : randomUUID();
  if (signer) {
    const { path, query } = splitUrl(req.url ?? '/');
    const digest = contentDigest(body);
    const signed = signer.sign({ status, digest, contentType: headers['Content-Type']! }, { method: req.method ?? 'POST', path, query });
    for (const [k, v] of Object.entries(signed)) headers[k] = v;
  }
  res.writeHead(status, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

export function sendProtocolError(req: IncomingMessage, res: ServerResponse, err: UcpProtocolError, continueUrl: string, signer?: ResponseSigner, headers: Record<string, string> = {}): void {
  const extra: Record<string, string> = { ...headers };
  if (err.extra.retryAfterSeconds !== undefined) extra['Retry-After'] = String(err.extra.retryAfterSeconds);
  else if (err.status === 503 || err.status === 429) extra['Retry-After'] = '5';
  if (err.status === 405) extra.Allow = 'POST';
  const negotiation = ['invalid_profile_url', 'profile_unreachable', 'profile_malformed', 'version_unsupported', 'profile_not_trusted'].includes(err.code);
  sendUcpJson(
    req,
    res,
    err.status,
    { code: err.code, content: err.message, ...(err.extra.path ? { path: err.extra.path } : {}), ...(negotiation ? { continue_url: continueUrl } : {}) },
    signer,
    extra,
  );
}

/** The business profile at /.well-known/ucp (and leaf profiles of supported older versions). */
export function ucpProfileRouter(deps: UcpRouteDeps): Router {
  const { ucp, config, signer } = deps;
  const r = Router();
  const storefront = `${config.baseUrl}/`;
  const profiles = new Map<string, { keys: string; rendered: Rendered }>();
  const sendProfile = async (req: Request, res: Response, version?: string) => {
    const doc = await ucp.profile(version);
    if (!doc) {
      sendProtocolError(req, res, protocolError('not_found', `this business has no profile for protocol version ${version}`), storefront, signer);
      return;
    }
    // the profile changes with the signing keys and with the payment handlers offered
    const keys = `${(doc.signing_keys ?? []).map((k) => k.kid).join(',')} ${Object.keys(doc.ucp.payment_handlers ?? {}).join(',')}`;
    const cacheKey = version ?? '';
    let hit = profiles.get(cacheKey);
    if (!hit || hit.keys !== keys) {
      const body = Buffer.from(canonicalJson(doc));
      hit = {
        keys,
        rendered: {
          status: 200,
          body,
          contentType: 'application/json',
          etag: etagOf(body),
          cacheControl: 'public, max-age=300',
          headers: { Link: `<${config.baseUrl}/.well-known/commerce>; rel="alternate"; type="application/ld+json"` },
        },
      };
      profiles.set(cacheKey, hit);
    }
    sendRendered(req, res, hit.rendered, signer);
  };
  r.get('/.well-known/ucp', async (req, res) => sendProfile(req, res));
  r.get('/.well-known/ucp/:version', async (req, res) => sendProfile(req, res, req.params.version));
  return r;
}

/**
 * The UCP operations under the service endpoint, served straight from node:http (like the JSON-LD
 * catalog): returns false for requests outside the endpoint.
 */
export function ucpHandler(deps: UcpRouteDeps, operations: readonly Operation[]): ((req: IncomingMessage, res: ServerResponse) => boolean) & { routes: RouteInfo[] } {
  const { ucp, config, logger, signer } = deps;
  const storefront = `${config.baseUrl}/`;
  const publicAuthority = new URL(config.baseUrl).host;
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
    let claim: Claim | undefined;
    try {
      const rawBody = op.method === 'GET' ? Buffer.alloc(0) : await readBody(req, config.ucp.bodyLimit);
      const headers: Record<string, string | undefined> = {};
      for (const name of Object.keys(req.headers)) headers[name] = header(req, name);
      const addressed = (config.trustProxy ? header(req, 'x-forwarded-host')?.split(',')[0]?.trim() : undefined) ?? header(req, 'host') ?? publicAuthority;
      const admission = await ucp.admit({
        method: req.method ?? 'POST',
        path,
        query,
        headers,
        body: rawBody,
        authorities: [addressed, publicAuthority],
        client: deps.clientOf?.(req) ?? req.socket.remoteAddress ?? 'unknown',
      });
      platform = admission.negotiated.platform.url;

      // Idempotency (after negotiation: a request the version check refuses is never replayed)
      const key = header(req, 'idempotency-key')?.trim();
      if (op.idempotent && key) {
        if (key.length > 255) throw protocolError('invalid_request', 'Idempotency-Key is longer than 255 characters');
        const scope = `${platform} ${op.method} ${path}`;
        const hash = createHash('sha256').update(rawBody).digest('base64url');
        const claimed = await ucp.idempotency.claim(scope, key, hash);
        if (claimed.kind === 'replay') {
          status = claimed.response.status;
          sendUcpJson(req, res, status, undefined, signer, { 'Idempotent-Replayed': 'true' }, claimed.response.body.toString('utf8'));
          return;
        }
        claim = claimed.claim;
      }

      const parsed = parseJsonBody(rawBody, header(req, 'content-type'));
      if (op.requestSchema || op.check) {
        if (parsed === undefined && !op.bodyOptional) throw protocolError('invalid_request', `${op.path} needs a JSON body`);
        const problems = parsed === undefined ? [] : op.check ? op.check(parsed, admission) : ucp.schemas.problems(op.requestSchema!, parsed);
        if (problems.length) throw protocolError('invalid_request', `the request does not match the ${op.capability} request schema: ${problems.join('; ')}`, { path: problems[0]!.split(':')[0]! });
      }
      const n = admission.negotiated;
      const sendFinal = async (code: number, value: unknown, serialised?: string) => {
        status = code;
        const text = serialised ?? canonicalJson(value);
        if (claim) {
          const c = claim;
          claim = undefined;
          await c.finish({ status: code, contentType: 'application/json', body: Buffer.from(text) });
        }
        sendUcpJson(req, res, code, value, signer, {}, text);
      };
      if (!n.capabilities.has(op.capability)) {
        await sendFinal(200, incompatible(n, op.capability, storefront));
        return;
      }
      const result = await op.run(parsed, admission, req, params);
      const env = { ...envelope(n, op.capability), ...(op.capability === CHECKOUT ? { payment_handlers: (await ucp.payments.offered()).registry() } : {}) };
      if ('errors' in result) {
        await sendFinal(result.status ?? 200, { ucp: { ...env, status: 'error' }, messages: result.errors, ...(result.continueUrl ? { continue_url: result.continueUrl } : {}) });
        return;
      }
      // catalog products come pre-serialised (fragments.ts)
      const body = { ...result.body, ucp: env };
      await sendFinal(result.status ?? 200, body, responseJson(body));
    } catch (err) {
      const e = err instanceof UcpProtocolError ? err : unexpected(err, logger, op.path);
      status = e.status;
      if (claim) {
        // a refusal is an answer too, except when it says "try again"
        if (e.status >= 500) await claim.abandon().catch(() => undefined);
        else {
          const body = { code: e.code, content: e.message, ...(e.extra.path ? { path: e.extra.path } : {}) };
          await claim.finish({ status: e.status, contentType: 'application/json', body: Buffer.from(canonicalJson(body)) }).catch(() => undefined);
        }
      }
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
        const err = protocolError('method_not_allowed', `${path} takes ${allowed}`);
        sendUcpJson(req, res, 405, { code: err.code, content: err.message }, signer, { Allow: allowed, ...unreadBody(req) });
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

/** A typed error from below the protocol (the store, the catalog) as a UCP protocol error; anything else is a logged 500. */
function unexpected(err: unknown, logger: Logger, where: string): UcpProtocolError {
  if (err instanceof UcpdError) {
    const retry = typeof err.details?.retryAfterSeconds === 'number' ? { retryAfterSeconds: err.details.retryAfterSeconds } : {};
    switch (err.kind) {
      case 'unavailable':
        return protocolError('temporarily_unavailable', err.message, { retryAfterSeconds: 5, ...retry });
      case 'invalid_input':
        return protocolError('invalid_request', err.message);
      case 'too_large':
        return protocolError('payload_too_large', err.message);
      case 'too_many_requests':
        return protocolError('rate_limited', err.message, { retryAfterSeconds: 5, ...retry });
      default:
        break;
    }
  }
  if (isStoreBusy(err)) return protocolError('temporarily_unavailable', 'the store is busy; retry shortly', { retryAfterSeconds: 1 });
  logger.error('unhandled error in UCP operation', { where, error: err instanceof Error ? err.stack : String(err) });
  return protocolError('internal_error', 'the business could not complete the request');
}

function incompatible(n: Negotiated, capability: string, continueUrl: string): Record<string, unknown> {
  return {
    ucp: { version: n.version, status: 'error', capabilities: {} },
    messages: [errorMessage('capabilities_incompatible', `the platform and this business share no version of ${capability}`, 'unrecoverable')],
    continue_url: continueUrl,
  };
}

/** The catalog capability's operations. */
export function catalogOperations(ucp: Ucp): Operation[] {
  const inventory = (a: Admission) => a.negotiated.capabilities.has(INVENTORY_EXTENSION);
  return [
    {
      path: '/catalog/search',
      method: 'POST',
      capability: CATALOG_SEARCH,
      requestSchema: 'shopping/catalog_search.json#/$defs/search_request',
      run: async (body, a) => ({ body: { ...(await ucp.catalog.search(body as never, { inventory: inventory(a) })) } }),
    },
    {
      path: '/catalog/lookup',
      method: 'POST',
      capability: CATALOG_LOOKUP,
      requestSchema: 'shopping/catalog_lookup.json#/$defs/lookup_request',
      run: async (body, a) => ({ body: { ...(await ucp.catalog.lookup(body as never, { inventory: inventory(a) })) } }),
    },
    {
      path: '/catalog/product',
      method: 'POST',
      capability: CATALOG_LOOKUP,
      requestSchema: 'shopping/catalog_lookup.json#/$defs/get_product_request',
      run: async (body, a) => {
        const out = await ucp.catalog.product(body as never, { inventory: inventory(a) });
        return 'error' in out ? { errors: out.error } : { body: { ...out } };
      },
    },
  ];
}
