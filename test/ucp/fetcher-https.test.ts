/**
 * The profile fetcher over HTTPS against loopback servers: the certificate checked against the name, TLS
 * verification failures, a handshake that never happens hitting the connect deadline (which ends with the
 * handshake), and the size cap and redirect refusal as over HTTP.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { expectFailure, fetchServers, PROFILE } from '../helpers/fetch-servers.js';

const servers = fetchServers();
const local = servers.local;
let tlsPort: number;
let silentPort: number;
let cert: Buffer;
beforeAll(() => {
  ({ tlsPort, silentPort, cert } = servers.current());
});

describe('https', () => {
  test('fetches with the test CA', async () => {
    const f = local({ allowHosts: [`127.0.0.1:${tlsPort}`], ca: cert });
    const got = await f.fetchJson(`https://127.0.0.1:${tlsPort}/p.json`);
    expect(got.json).toEqual(PROFILE);
    expect(got.cacheControl).toBe('max-age=60');
  });

  test('the certificate is checked against the name (localhost via lookup)', async () => {
    const f = local({ allowHosts: ['localhost'], ca: cert, lookup: async () => [{ address: '127.0.0.1', family: 4 }] });
    expect((await f.fetchJson(`https://localhost:${tlsPort}/p.json`)).status).toBe(200);
  });

  test('without the CA, TLS verification fails: unreachable', async () => {
    const e = await expectFailure(local({ allowHosts: [`127.0.0.1:${tlsPort}`] }).fetchJson(`https://127.0.0.1:${tlsPort}/p.json`), 'unreachable');
    expect(e.message).toMatch(/TLS certificate verification failed/);
  });

  test('a TLS handshake that never happens hits the connect deadline', async () => {
    const started = Date.now();
    const f = local({ allowHosts: [`127.0.0.1:${silentPort}`], ca: cert, connectTimeoutMs: 150, responseTimeoutMs: 3000 });
    const e = await expectFailure(f.fetchJson(`https://127.0.0.1:${silentPort}/p.json`), 'timeout');
    expect(e.message).toContain('150 ms');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test('the connect deadline ends with the TLS handshake', async () => {
    const f = local({ allowHosts: [`127.0.0.1:${tlsPort}`], ca: cert, connectTimeoutMs: 100, responseTimeoutMs: 1000 });
    expect((await f.fetchJson(`https://127.0.0.1:${tlsPort}/delayed`)).json).toEqual(PROFILE);
  });

  test('https errors over the cap and redirects the same way', async () => {
    const f = local({ allowHosts: [`127.0.0.1:${tlsPort}`], ca: cert });
    await expectFailure(f.fetchJson(`https://127.0.0.1:${tlsPort}/big-chunked`), 'too_large');
    await expectFailure(f.fetchJson(`https://127.0.0.1:${tlsPort}/redirect`), 'redirect');
  });
});
