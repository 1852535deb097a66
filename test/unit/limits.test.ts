/** Slow-client defence (hardening): connections per client, a deadline for request bodies. */
import { describe, expect, test } from '@jest/globals';
import { EventEmitter } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { HEADERS_TIMEOUT_MS, MAX_CONNECTIONS, limitConnections } from '../../src/http/limits.js';

class FakeSocket extends EventEmitter {
  destroyed = false;
  constructor(readonly remoteAddress: string) {
    super();
  }
  destroy(): void {
    this.destroyed = true;
    this.emit('close');
  }
}

describe('connection limits', () => {
  test('one client address gets at most perClient open connections; an IPv6 /64 is one client; closing frees a place', () => {
    const server = http.createServer();
    const limits = limitConnections(server, { perClient: 3, trustProxy: false });
    expect(server.maxConnections).toBe(MAX_CONNECTIONS);
    expect(server.headersTimeout).toBe(HEADERS_TIMEOUT_MS);
    const open = (a: string) => {
      const s = new FakeSocket(a);
      server.emit('connection', s);
      return s;
    };
    const a = [1, 2, 3, 4].map(() => open('203.0.113.7'));
    expect(a.map((s) => s.destroyed)).toEqual([false, false, false, true]);
    expect(limits.open('203.0.113.7')).toBe(3);
    expect(open('198.51.100.1').destroyed).toBe(false); // another client is unaffected
    const v6 = ['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:db8:1:2:ffff::9', '2001:db8:1:2::4'].map(open);
    expect(v6.map((s) => s.destroyed)).toEqual([false, false, false, true]);
    a[0]!.destroy();
    expect(open('203.0.113.7').destroyed).toBe(false);
    // a local proxy, or any peer behind --trust-proxy, is not capped here
    expect([1, 2, 3, 4, 5].map(() => open('127.0.0.1').destroyed)).toEqual([false, false, false, false, false]);
    const proxied = http.createServer();
    limitConnections(proxied, { perClient: 1, trustProxy: true });
    const p = [1, 2].map(() => {
      const s = new FakeSocket('10.0.0.2');
      proxied.emit('connection', s);
      return s.destroyed;
    });
    expect(p).toEqual([false, false]);
  });

  test('a request body dripped slowly is cut off at the body deadline; a feed upload is exempt', async () => {
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    limitConnections(server, { perClient: 10, trustProxy: false, bodyTimeoutMs: 300 });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const drip = (path: string) =>
      new Promise<{ closedAfter: number; answered: boolean }>((resolve) => {
        const t = Date.now();
        const s = net.connect(port, '127.0.0.1', () => {
          s.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab`);
        });
        let answered = false;
        s.on('data', () => (answered = true));
        const timer = setTimeout(() => s.destroy(), 1500);
        s.on('close', () => {
          clearTimeout(timer);
          resolve({ closedAfter: Date.now() - t, answered });
        });
        s.on('error', () => undefined);
      });
    const slow = await drip('/credentials/verify');
    expect(slow.closedAfter).toBeGreaterThanOrEqual(250);
    expect(slow.closedAfter).toBeLessThan(1400); // the server hung up, not our 1.5 s
    const upload = await drip('/admin/v1/feed');
    expect(upload.closedAfter).toBeGreaterThanOrEqual(1400); // still open when we gave up
    await new Promise<void>((r) => server.close(() => r()));
  });
});
