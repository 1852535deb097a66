/**
 * An AI agent against the real server (compiled CLI) serving HTTPS with its own certificate: the agent
 * hosts its platform profile on a loopback server, discovers the business at /.well-known/ucp, then
 * searches, looks up and reads a product with signed requests, validating every response against the
 * official schemas and verifying every response signature with the business profile's keys.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import type tls from 'node:tls';
import { loadConfig } from '../../src/config.js';
import { listen } from '../../src/http/server.js';
import { verifyMessage } from '../../src/trust/http-signatures.js';
import { cleanEnv, CLI } from '../helpers/server.js';
import { tempDir } from '../helpers/store.js';
import {
  LOOKUP_RESPONSE,
  PRODUCT_RESPONSE,
  SEARCH_RESPONSE,
  agentKey,
  expectInventoryValid,
  expectValid,
  platformProfile,
  profileServer,
  ucpHeaders,
  type AgentKey,
  type ProfileServer,
  CURRENT,
  CURRENT_PROFILE,
} from '../helpers/ucp.js';
import type { Json } from '../helpers/json.js';

let data: { dir: string; cleanup: () => void };
let child: ChildProcessWithoutNullStreams;
let base: string;
let ca: Buffer;
let agent: ProfileServer;
let key: AgentKey;

function call(
  method: string,
  url: string,
  headers: Record<string, string> = {},
  body?: string,
  tlsOptions: https.RequestOptions = {},
): Promise<{ status: number; headers: Record<string, string>; text: string; protocol?: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, headers, ca, agent: false, ...tlsOptions }, (res) => {
      const protocol = (res.socket as tls.TLSSocket).getProtocol() ?? undefined;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers as Record<string, string>, text: Buffer.concat(chunks).toString('utf8'), protocol }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  data = tempDir('ucpd-e2e-ucp-');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      path.join(data.dir, 'tls-key.pem'),
      '-out',
      path.join(data.dir, 'tls-cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  ca = readFileSync(path.join(data.dir, 'tls-cert.pem'));
  agent = await profileServer();
  key = agentKey();
  agent.set('/profiles/shopping-agent.json', platformProfile({ keys: [key] }), { headers: { 'cache-control': 'public, max-age=300' } });
  child = spawn(
    process.execPath,
    [
      CLI,
      'serve',
      '--port',
      '0',
      '--log-level',
      'warn',
      '--tls-cert',
      path.join(data.dir, 'tls-cert.pem'),
      '--tls-key',
      path.join(data.dir, 'tls-key.pem'),
      '--require-signatures',
      '--profile-fetch-allow',
      `127.0.0.1:${agent.port}`,
    ],
    { env: { ...cleanEnv, UCPD_DATA_DIR: data.dir } },
  );
  base = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      const m = /ucpd serving on (https:\/\/[\d.]+:\d+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
  // the search index catches up with the seeded catalog in the background
  const deadline = Date.now() + 30_000;
  for (;;) {
    const body = JSON.stringify({ query: 'tent' });
    const res = await call(
      'POST',
      `${base}/ucp/v1/catalog/search`,
      ucpHeaders(agent.url('/profiles/shopping-agent.json'), body, 'POST', '/ucp/v1/catalog/search', { key, authority: new URL(base).host }),
      body,
    );
    if (res.status === 200 && (JSON.parse(res.text) as Json).products.length) break;
    if (Date.now() > deadline) throw new Error(`search never became ready: ${res.status} ${res.text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}, 60_000);

afterAll(async () => {
  child?.kill('SIGKILL');
  await agent?.close();
  data?.cleanup();
});

describe('an agent discovers and shops the store over UCP (HTTPS, signed requests)', () => {
  let profile: Json;
  const profileUrl = () => agent.url('/profiles/shopping-agent.json');

  async function verifyResponse(res: { status: number; headers: Record<string, string>; text: string }, method: string, p: string): Promise<void> {
    await verifyMessage(
      {
        status: res.status,
        headers: { 'content-digest': res.headers['content-digest'], 'content-type': res.headers['content-type'], 'signature-input': res.headers['signature-input'], signature: res.headers.signature },
      },
      { keyFor: (kid) => (profile.keys as Json[]).find((k) => k.kid === kid), body: Buffer.from(res.text), required: ['@status', 'content-digest'] },
      { method, authority: new URL(base).host, path: p, headers: {} },
    );
  }

  async function op(p: string, body: unknown): Promise<Json> {
    const endpoint = (profile.ucp.services['dev.ucp.shopping'] as Json[]).find((s) => s.transport === 'rest')!.endpoint as string;
    const url = `${endpoint}${p}`;
    const text = JSON.stringify(body);
    const path = new URL(url).pathname;
    const res = await call('POST', url, ucpHeaders(profileUrl(), text, 'POST', path, { key, authority: new URL(url).host }), text);
    expect(res.status).toBe(200);
    await verifyResponse(res, 'POST', path);
    return JSON.parse(res.text) as Json;
  }

  test('TLS: 1.3 is the minimum (UCP REST bindings); 1.2 and 1.1 are refused by the server; 1.2 only when configured', async () => {
    expect((await call('GET', `${base}/healthz`)).protocol).toBe('TLSv1.3');
    for (const old of [{ maxVersion: 'TLSv1.2' as const }, { minVersion: 'TLSv1' as const, maxVersion: 'TLSv1.1' as const, ciphers: 'DEFAULT@SECLEVEL=0' }]) {
      const err = await call('GET', `${base}/healthz`, {}, undefined, old).catch((e: NodeJS.ErrnoException) => e);
      // the server's protocol_version alert (SSL alert 70), not a client-side refusal
      expect((err as Error).message).toMatch(/alert protocol version/);
    }
    // --tls-min-version 1.2 (UCPD_TLS_MIN_VERSION): the configuration says so, and the server accepts 1.2
    const files = { certFile: path.join(data.dir, 'tls-cert.pem'), keyFile: path.join(data.dir, 'tls-key.pem') };
    const config = loadConfig({ dataDir: data.dir, tlsCert: files.certFile, tlsKey: files.keyFile }, { UCPD_TLS_MIN_VERSION: '1.2' });
    expect(config.tls?.minVersion).toBe('TLSv1.2');
    expect(() => loadConfig({ dataDir: data.dir, tlsCert: files.certFile, tlsKey: files.keyFile, tlsMinVersion: '1.1' }, {})).toThrow(/--tls-min-version/);
    const lenient = await listen(0, '127.0.0.1', (_req, res) => res.end('ok'), config.tls);
    try {
      expect((await call('GET', `https://127.0.0.1:${lenient.port}/`, {}, undefined, { maxVersion: 'TLSv1.2' })).protocol).toBe('TLSv1.2');
    } finally {
      await lenient.close();
    }
  });

  test('discovery -> search -> lookup -> product detail', async () => {
    const discovery = await call('GET', `${base}/.well-known/ucp`);
    expect(discovery.status).toBe(200);
    profile = JSON.parse(discovery.text) as Json;
    expectValid(CURRENT_PROFILE, profile, CURRENT);
    expect(profile.ucp.services['dev.ucp.shopping'][0].endpoint).toBe(`${base}/ucp/v1`);
    await verifyResponse(discovery, 'GET', '/.well-known/ucp');

    const search = await op('/catalog/search', { query: 'waterproof hiking boots size 10 in stock', context: { address_country: 'US', currency: 'USD' } });
    expectValid(SEARCH_RESPONSE, search);
    expect(search.products.length).toBeGreaterThan(0);
    expect(expectInventoryValid(search.products)).toBeGreaterThan(0);
    const boots = search.products[0];
    expect(boots.variants[0].options).toContainEqual({ name: 'Size', label: 'US 10' });
    expect(boots.metadata['dev.ucpd.search'].matched.map((m: Json) => m.term)).toEqual(expect.arrayContaining(['waterproof', 'boots']));

    const lookup = await op('/catalog/lookup', { ids: [boots.id, boots.variants[0].id], context: { address_country: 'US' } });
    expectValid(LOOKUP_RESPONSE, lookup);
    expect(lookup.products).toHaveLength(1);
    expect(lookup.products[0].variants.flatMap((v: Json) => v.inputs.map((i: Json) => i.id)).sort()).toEqual([boots.id, boots.variants[0].id].sort());

    const detail = await op('/catalog/product', { id: boots.id, selected: [{ name: 'Size', label: 'US 10' }], preferences: ['Size'] });
    expectValid(PRODUCT_RESPONSE, detail);
    expect(detail.product.selected).toContainEqual({ name: 'Size', label: 'US 10' });
    expect(detail.product.variants[0].options).toContainEqual({ name: 'Size', label: 'US 10' });
    expect(agent.hits.get('/profiles/shopping-agent.json')).toBe(1); // fetched once, then cached
  });

  test('signatures are required by this server: an unsigned request is 401 signature_missing', async () => {
    const body = JSON.stringify({ query: 'tent' });
    const res = await call('POST', `${base}/ucp/v1/catalog/search`, ucpHeaders(profileUrl(), body, 'POST', '/ucp/v1/catalog/search'), body);
    expect(res.status).toBe(401);
    expect(JSON.parse(res.text).code).toBe('signature_missing');
  });
});
