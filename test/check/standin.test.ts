/**
 * A third-party endpoint the suite has never seen: a stand-in that implements only /.well-known/ucp
 * (its advertised REST endpoint answers 404 to everything). The run completes and reports it: commerce
 * and trust checks are skipped with reasons, the profile passes, the operations it advertises but does
 * not serve fail with the evidence, and no check crashes.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { runChecks } from '../../src/check/runner.js';
import { expectValid } from '../helpers/ucp.js';

let server: http.Server;
let base: string;
let profile: Record<string, unknown>;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/.well-known/ucp') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=3600' }).end(JSON.stringify(profile));
      return;
    }
    req.resume();
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const v = '2026-04-08';
  profile = {
    ucp: {
      version: v,
      services: {
        'dev.ucp.shopping': [
          { version: v, transport: 'rest', endpoint: `${base}/api/ucp`, spec: `https://ucp.dev/${v}/specification/overview`, schema: `https://ucp.dev/${v}/services/shopping/rest.openapi.json` },
        ],
      },
      capabilities: {
        'dev.ucp.shopping.catalog.search': [{ version: v, spec: `https://ucp.dev/${v}/specification/catalog/search`, schema: `https://ucp.dev/${v}/schemas/shopping/catalog_search.json` }],
      },
      payment_handlers: {},
    },
  };
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('a stand-in that implements only /.well-known/ucp', () => {
  test('the run completes: skips with reasons, the profile passes, unserved operations fail with evidence', async () => {
    expectValid('discovery/profile.json#/$defs/business_profile', profile);
    const report = await runChecks(base, { timeoutMs: 5000 });
    for (const r of report.results) {
      expect(['pass', 'fail', 'warn', 'skip']).toContain(r.status);
      expect(r.message).not.toMatch(/could not complete/);
      expect(r.message.length).toBeGreaterThan(0);
    }
    const by = (id: string) => report.results.find((r) => r.id === id)!;
    for (const r of report.results.filter((x) => x.group === 'commerce')) {
      expect(r.status).toBe('skip');
      expect(r.message).toMatch(/no JSON-LD store document/);
    }
    expect(by('trust.did.resolves').status).toBe('skip');
    expect(by('trust.jwks.public').status).toBe('skip');
    expect(by('ucp.profile.valid').status).toBe('pass');
    expect(by('ucp.profile.hosting').status).toBe('warn');
    expect(by('ucp.catalog.search')).toMatchObject({ status: 'fail', message: expect.stringMatching(/catalog search answered 404/) });
    expect(by('ucp.catalog.lookup')).toMatchObject({ status: 'skip', message: expect.stringMatching(/does not offer dev\.ucp\.shopping\.catalog\.lookup/) });
    expect(by('ucp.checkout.dry_run')).toMatchObject({ status: 'skip', message: expect.stringMatching(/does not offer dev\.ucp\.shopping\.checkout/) });
    expect(by('robust.malformed_json')).toMatchObject({ status: 'fail', message: expect.stringMatching(/probes answered badly/) });
    expect(report.ok).toBe(false);
  }, 60_000);
});
