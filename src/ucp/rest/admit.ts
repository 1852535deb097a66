/**
 * Admitting a UCP request that arrived over HTTP, whichever binding carries it (REST, MCP): its headers
 * as one string each, the authorities a signature may name (the one the client addressed, behind a
 * trusted proxy its X-Forwarded-Host, and the public one), the caller's address, then `Ucp.admit`.
 */
import type { IncomingMessage } from 'node:http';
import type { Config } from '../../config.js';
import type { ClientOf } from '../../edge/client.js';
import type { Admission, Ucp } from '../runtime.js';
import { header } from './body.js';

export type HttpAdmit = (
  req: IncomingMessage,
  /** `headers`: the request's headers as the binding wants them checked (MCP adds UCP-Agent from meta). */
  m: { method: string; path: string; query: string; body: Buffer; headers?: Record<string, string | undefined> },
) => Promise<Admission>;

/** The admission of one binding's requests (the public authority worked out once). */
export function httpAdmission(deps: { ucp: Ucp; config: Config; clientOf?: ClientOf }): HttpAdmit {
  const publicAuthority = new URL(deps.config.baseUrl).host;
  return (req, m) => {
    const addressed = (deps.config.trustProxy ? header(req, 'x-forwarded-host')?.split(',')[0]?.trim() : undefined) ?? header(req, 'host') ?? publicAuthority;
    return deps.ucp.admit({
      method: m.method,
      path: m.path,
      query: m.query,
      headers: m.headers ?? requestHeaders(req),
      body: m.body,
      authorities: [addressed, publicAuthority],
      client: deps.clientOf?.(req) ?? req.socket.remoteAddress ?? 'unknown',
    });
  };
}

/** Every request header as one string (repeated headers joined). */
export function requestHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const name of Object.keys(req.headers)) headers[name] = header(req, name);
  return headers;
}
