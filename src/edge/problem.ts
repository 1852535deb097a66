/**
 * ucpd's HTTP error shape outside UCP: RFC 9457 problem details (application/problem+json) with a
 * stable `code`, for the admin API and the JSON-LD catalog alike. Typed errors map here; anything
 * unexpected is logged and answered without internals.
 */
import type { ServerResponse } from 'node:http';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { UcpdError, type ErrorKind } from '../errors.js';
import type { Logger } from '../logger.js';
import { isStoreBusy } from '../store/store.js';

const STATUS: Record<ErrorKind, number> = {
  invalid_input: 400,
  not_found: 404,
  not_acceptable: 406,
  conflict: 409,
  unauthorized: 401,
  forbidden: 403,
  unavailable: 503,
  too_large: 413,
  too_many_requests: 429,
  timeout: 408,
  internal: 500,
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  [extra: string]: unknown;
}

export function problem(status: number, code: string, detail: string, extra: Record<string, unknown> = {}): Problem {
  return { type: `urn:ucpd:problem:${code}`, title: TITLES[status] ?? 'Error', status, detail, code, ...extra };
}

export function sendProblem(res: ServerResponse, p: Problem): void {
  if (p.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="ucpd-admin"');
  if (p.status === 503 && !res.getHeader('Retry-After')) res.setHeader('Retry-After', '5');
  const body = Buffer.from(JSON.stringify(p));
  res.statusCode = p.status;
  res.setHeader('Content-Type', 'application/problem+json');
  res.setHeader('Content-Length', body.length);
  res.setHeader('Cache-Control', 'no-store');
  res.end(body);
}

/** The problem document for any error: typed errors keep their code; others are a logged 500. */
export function problemFor(err: unknown, logger: Logger, where: string): Problem {
  if (err instanceof UcpdError) {
    if (err.kind === 'internal') logger.error('internal error', { where, code: err.code, error: err.stack });
    const { retryAfterSeconds: _retry, ...details } = err.details ?? {};
    return problem(STATUS[err.kind], err.code, err.message, details);
  }
  if (isStoreBusy(err)) return problem(503, 'store_busy', 'the store is busy with another write; retry shortly');
  const parsed = err && typeof err === 'object' ? fromParserError(err as never) : undefined;
  if (parsed) return parsed;
  logger.error('unhandled error', { where, error: err instanceof Error ? err.stack : String(err) });
  return problem(500, 'internal_error', 'the server could not complete the request');
}

/**
 * Errors the HTTP stack raises for the client's own input, mapped to problems: body-parser and raw-body
 * errors (a `type` and `status`), a path parameter that is not valid percent-encoding (Express raises a
 * URIError with status 400), a body that does not decompress (zlib errors with status 400). Anything
 * else carrying a 4xx `status` is still the client's fault: its status, with a generic text unless the
 * error says it may be shown (`expose`).
 */
function fromParserError(err: { name?: string; type?: string; status?: number; statusCode?: number; expose?: boolean; code?: unknown; message?: string; limit?: number }): Problem | undefined {
  const status = typeof err.status === 'number' ? err.status : typeof err.statusCode === 'number' ? err.statusCode : undefined;
  if (err.name === 'URIError') return problem(400, 'invalid_path', 'the path is not valid percent-encoding');
  if (typeof err.code === 'string' && err.code.startsWith('Z_') && status === 400) {
    return problem(400, 'invalid_encoding', 'the request body does not decode with its Content-Encoding');
  }
  switch (err.type) {
    case 'entity.parse.failed':
      return problem(400, 'malformed_json', `request body is not valid JSON: ${err.message ?? ''}`.trim());
    case 'entity.too.large':
      return problem(413, 'body_too_large', `request body exceeds the ${err.limit ?? ''} byte limit`.replace('  ', ' '));
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return problem(415, 'unsupported_encoding', err.message ?? 'unsupported content encoding');
    case 'request.aborted':
      return problem(400, 'request_aborted', 'the client aborted the request');
    default:
      if (status !== undefined && status >= 400 && status < 500) {
        return problem(status, 'bad_request', err.expose && err.message ? err.message : (TITLES[status] ?? 'the request cannot be served'));
      }
      return undefined;
  }
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const p = problemFor(err, logger, `${req.method} ${req.path}`);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendProblem(res, p);
  };
}

export const notFoundHandler: RequestHandler = (req, res) => {
  sendProblem(res, problem(404, 'not_found', `no resource at ${req.method} ${req.path}`));
};
