/**
 * Who is asking: the client's address, for per-client limits (profile-fetch budget, change streams).
 * Behind a proxy ucpd trusts (--trust-proxy), the left-most X-Forwarded-For entry, as Express reads it.
 * Without it, every client of a proxy looks like the proxy: the first request that shows it (it carries
 * X-Forwarded-For) is logged once, so the operator learns why per-client limits act as one.
 */
import type { IncomingMessage } from 'node:http';
import type { Logger } from '../logger.js';

export type ClientOf = (req: IncomingMessage) => string;

export function clientAddresses(trustProxy: boolean, logger?: Logger): ClientOf {
  let warned = false;
  return (req) => {
    const forwarded = req.headers['x-forwarded-for'];
    if (trustProxy) {
      const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
      if (first) return first.slice(0, 100);
    } else if (forwarded && !warned) {
      warned = true;
      logger?.warn('requests arrive through a proxy (X-Forwarded-For) but --trust-proxy is off: per-client limits see the proxy as one client');
    }
    return req.socket.remoteAddress ?? 'unknown';
  };
}
