/**
 * What one client may hold of the server's connections and time (slow-client defence). Each connection
 * costs a file descriptor, which the database needs too, so:
 *
 * - at most `perClient` open connections per client address (an IPv6 /64 counts as one client);
 *   loopback peers (a local proxy) and, with --trust-proxy, every peer (the proxy) are not capped here;
 * - at most MAX_CONNECTIONS in all (Node refuses more);
 * - headers must arrive within HEADERS_TIMEOUT_MS, and a request body other than a feed upload within
 *   BODY_TIMEOUT_MS of the request's start (a body dripped a byte at a time held a socket for 5 minutes);
 *   feed uploads have their own idle timeout (upload.ts).
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { clientKey, isLoopback } from '../ucp/fetcher.js';

export const MAX_CONNECTIONS = 10_000;
export const DEFAULT_CONNECTIONS_PER_CLIENT = 256;
export const HEADERS_TIMEOUT_MS = 15_000;
export const BODY_TIMEOUT_MS = 30_000;

export function limitConnections(server: Server, o: { perClient: number; trustProxy: boolean; isUpload?: (path: string) => boolean; bodyTimeoutMs?: number }): { open(client: string): number } {
  const open = new Map<string, number>();
  server.maxConnections = MAX_CONNECTIONS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    if (o.trustProxy || isLoopback(address)) return;
    const key = clientKey(address);
    const n = (open.get(key) ?? 0) + 1;
    if (n > o.perClient) {
      socket.destroy();
      return;
    }
    open.set(key, n);
    socket.once('close', () => {
      const left = (open.get(key) ?? 1) - 1;
      if (left > 0) open.set(key, left);
      else open.delete(key);
    });
  });
  const isUpload = o.isUpload ?? ((path: string) => path.startsWith('/admin/v1/feed'));
  server.on('request', (req) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS' || isUpload(req.url ?? '')) return;
    const timer = setTimeout(() => {
      if (!req.complete) req.socket.destroy();
    }, o.bodyTimeoutMs ?? BODY_TIMEOUT_MS);
    timer.unref();
    const clear = () => clearTimeout(timer);
    req.once('end', clear);
    req.once('close', clear);
  });
  return { open: (client) => open.get(clientKey(client)) ?? 0 };
}
