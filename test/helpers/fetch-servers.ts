/**
 * Loopback servers for profile fetcher tests: `fetchServers()` starts, for a test file (before all its
 * tests), an HTTP server and an HTTPS server (with a throwaway certificate for localhost and 127.0.0.1)
 * that answer the same paths in good and bad ways, and a TCP server that accepts connections but never
 * speaks TLS; it stops them after. `local()` makes a fetcher allowed to talk to the HTTP server.
 */
import { afterAll, beforeAll, expect } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FetchError, ProfileFetcher, type FetchFailure } from '../../src/ucp/fetcher.js';

export const PROFILE = { ucp: { version: '2026-04-08', capabilities: {} } };
/** The fetchers' cap on body size, in bytes; the servers' /big-* and /exact answers are sized by it. */
export const MAX = 1024;

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  switch (req.url) {
    case '/p.json':
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=60', 'x-seen-ua': String(req.headers['user-agent']), 'x-seen-accept': String(req.headers.accept) });
      return void res.end(JSON.stringify(PROFILE));
    case '/redirect':
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
      return void res.end();
    case '/missing':
      res.writeHead(404, { 'content-type': 'text/plain' });
      return void res.end('secret internal detail');
    case '/big-length':
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(MAX + 1) });
      return void res.end(`"${'x'.repeat(MAX - 1)}"`);
    case '/big-chunked':
      res.writeHead(200, { 'content-type': 'application/json' });
      for (let i = 0; i < 8; i++) res.write('x'.repeat(256));
      return void res.end();
    case '/exact':
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(`"${'x'.repeat(MAX - 2)}"`);
    case '/delayed':
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(PROFILE));
      }, 250);
      return;
    case '/hang':
      return; // never answers
    case '/slow-body':
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.write('{"partial":'); // never ends
    case '/bad-json':
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end('{"not": json}');
    case '/bad-utf8':
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(Buffer.from([0x22, 0xff, 0xfe, 0x22]));
    default:
      res.writeHead(500);
      res.end();
  }
}

export const listen = (s: net.Server) => new Promise<number>((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as net.AddressInfo).port)));

function openssl(): string {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return 'openssl';
  } catch {
    if (existsSync('/usr/bin/openssl')) return '/usr/bin/openssl';
    throw new Error('openssl not found');
  }
}

export interface FetchServers {
  /** The ports (HTTP, HTTPS, silent TLS) and the HTTPS server's certificate (set before the file's tests run). */
  current(): { port: number; tlsPort: number; silentPort: number; cert: Buffer };
  /** A fetcher that may talk to the loopback test server. */
  local(over?: ConstructorParameters<typeof ProfileFetcher>[0]): ProfileFetcher;
}

export function fetchServers(): FetchServers {
  let server: http.Server;
  let tlsServer: https.Server;
  let silentTls: net.Server; // accepts TCP, never speaks TLS
  const silentSockets = new Set<net.Socket>();
  let port: number;
  let tlsPort: number;
  let silentPort: number;
  let certDir: string;
  let cert: Buffer;

  beforeAll(async () => {
    certDir = mkdtempSync(join(tmpdir(), 'ucpd-fetcher-'));
    execFileSync(
      openssl(),
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(certDir, 'key.pem'),
        '-out',
        join(certDir, 'cert.pem'),
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    cert = readFileSync(join(certDir, 'cert.pem'));
    server = http.createServer(handler);
    tlsServer = https.createServer({ key: readFileSync(join(certDir, 'key.pem')), cert }, handler);
    silentTls = net.createServer((socket) => {
      silentSockets.add(socket);
      socket.on('close', () => silentSockets.delete(socket));
    });
    [port, tlsPort, silentPort] = await Promise.all([listen(server), listen(tlsServer), listen(silentTls)]);
  });

  afterAll(async () => {
    server.closeAllConnections();
    tlsServer.closeAllConnections();
    for (const s of silentSockets) s.destroy();
    await Promise.all([server, tlsServer, silentTls].map((s) => new Promise((resolve) => s.close(resolve))));
    rmSync(certDir, { recursive: true, force: true });
  });

  return {
    current: () => ({ port, tlsPort, silentPort, cert }),
    local: (over = {}) => new ProfileFetcher({ allowHosts: [`127.0.0.1:${port}`], maxBytes: MAX, connectTimeoutMs: 500, responseTimeoutMs: 1000, ...over }),
  };
}

async function failure(p: Promise<unknown>): Promise<FetchError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(FetchError);
    return e as FetchError;
  }
  throw new Error('expected the fetch to fail');
}

/** Expect the fetch to fail with a FetchError of `kind` (the message shows when it does not), and return the error. */
export async function expectFailure(p: Promise<unknown>, kind: FetchFailure): Promise<FetchError> {
  const e = await failure(p);
  expect({ failure: e.failure, message: e.message }).toMatchObject({ failure: kind });
  return e;
}
