/** Start and stop the HTTP server; used by `ucpd serve` and the end-to-end tests. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Running {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/**
 * Listen first, then attach the handler: with port 0 the public base URL (built into every document)
 * is only known once the port is. Attach synchronously after this resolves.
 */
export function listen(port: number, host: string, app?: (req: IncomingMessage, res: ServerResponse) => void): Promise<Running> {
  return new Promise((resolve, reject) => {
    const server = app ? createServer(app) : createServer();
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    server.requestTimeout = 300_000;
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({
        server,
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeIdleConnections();
          }),
      });
    });
  });
}
