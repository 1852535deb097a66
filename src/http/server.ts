/**
 * Start and stop the HTTP(S) server; used by `ucpd serve` and the end-to-end tests. With a certificate
 * and key ucpd terminates TLS itself (TLS 1.3 minimum, as UCP's REST bindings require; 1.2 only when
 * configured) and picks up a renewed certificate without a restart.
 */
import { readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface Running {
  server: Server;
  port: number;
  close(): Promise<void>;
}

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** The lowest version accepted (default TLS 1.3). */
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
}

function tlsOptions(t: TlsFiles) {
  return { cert: readFileSync(t.certFile), key: readFileSync(t.keyFile), minVersion: t.minVersion ?? ('TLSv1.3' as const) };
}

/** Reload the certificate when its files change (checked every `everyMs`); returns a stop function. */
function watchCertificate(server: TlsServer, t: TlsFiles, everyMs = 60_000): () => void {
  const stamp = () => `${statSync(t.certFile).mtimeMs}:${statSync(t.keyFile).mtimeMs}`;
  let last = stamp();
  const timer = setInterval(() => {
    try {
      const now = stamp();
      if (now === last) return;
      server.setSecureContext(tlsOptions(t));
      last = now;
    } catch {
      // a renewal in progress (one file written, not the other): try again next time
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Listen first, then attach the handler: with port 0 the public base URL (built into every document)
 * is only known once the port is. Attach synchronously after this resolves.
 */
export function listen(port: number, host: string, app?: (req: IncomingMessage, res: ServerResponse) => void, tls?: TlsFiles): Promise<Running> {
  return new Promise((resolve, reject) => {
    let server: Server;
    let stopWatching = () => {};
    if (tls) {
      const secure = app ? createTlsServer(tlsOptions(tls), app) : createTlsServer(tlsOptions(tls));
      stopWatching = watchCertificate(secure, tls);
      server = secure as unknown as Server;
    } else {
      server = app ? createServer(app) : createServer();
    }
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000; // ucpd serve tightens it (limits.ts)
    server.requestTimeout = 300_000;
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({
        server,
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            stopWatching();
            server.close(() => done());
            server.closeIdleConnections();
          }),
      });
    });
  });
}
