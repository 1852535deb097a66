/**
 * The checks bite: a real ucpd behind a proxy that breaks one thing at a time. First the unbroken
 * endpoint passes every check under test; then each fault makes its matching check fail, with evidence.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { startAgentServer, type AgentServer } from '../../src/check/agent-server.js';
import type { Group, Report } from '../../src/check/model.js';
import { runChecks } from '../../src/check/runner.js';
import { mutatingProxy, jsonMutation, type MutatingProxy, type Mutation } from '../helpers/proxy.js';
import { CLI, cleanEnv, startServer } from '../helpers/server.js';
import { tempDir } from '../helpers/store.js';
import type { Json } from '../helpers/json.js';

let server: ChildProcessWithoutNullStreams;
let proxy: MutatingProxy;
let agent: AgentServer;
let data: { dir: string; cleanup: () => void };

beforeAll(async () => {
  data = tempDir('ucpd-mutations-');
  proxy = await mutatingProxy();
  agent = await startAgentServer();
  const started = await startServer(data.dir, ['--base-url', proxy.url, '--profile-fetch-allow', `127.0.0.1:${agent.port}`]);
  server = started.child;
  proxy.target = started.base;
}, 60_000);

afterAll(async () => {
  server?.kill('SIGKILL');
  await proxy?.close();
  await agent?.close();
  data?.cleanup();
});

async function check(only: Group[], mutation?: Mutation): Promise<Report> {
  proxy.mutate(mutation);
  try {
    return await runChecks(proxy.url, { only, agent, maxDocuments: 20 });
  } finally {
    proxy.mutate(undefined);
  }
}

const status = (r: Report, id: string) => r.results.find((x) => x.id === id)?.status;
const result = (r: Report, id: string) => r.results.find((x) => x.id === id)!;

/** The first offer of the first item on a catalog page. */
function firstOffer(page: Json): Json {
  const item = page.dataFeedElement[0]?.item;
  if (!item) return {}; // an empty page (a modified_since delta): nothing to break
  return (item.hasVariant ? item.hasVariant[0].offers : item.offers)[0];
}

let firstItem: Json | undefined;

const CASES: { fault: string; check: string; only: Group[]; mutation: Mutation; evidence: RegExp }[] = [
  {
    fault: 'a missing required Offer property (priceCurrency)',
    check: 'commerce.offer.required',
    only: ['commerce'],
    mutation: jsonMutation('/.well-known/commerce/catalog', (page) => delete firstOffer(page).priceCurrency),
    evidence: /Offer has no priceCurrency/,
  },
  {
    fault: 'a price published as a JSON number',
    check: 'commerce.offer.price_format',
    only: ['commerce'],
    mutation: jsonMutation('/.well-known/commerce/catalog', (page) => (firstOffer(page).price = Number(firstOffer(page).price))),
    evidence: /is a JSON number, not a decimal string/,
  },
  {
    fault: 'availability that contradicts the stock level',
    check: 'commerce.offer.availability',
    only: ['commerce'],
    mutation: jsonMutation('/.well-known/commerce/catalog', (page) => {
      const offer = firstOffer(page);
      offer.availability = 'https://schema.org/OutOfStock';
      offer.inventoryLevel = { '@type': 'QuantitativeValue', value: 12 };
    }),
    evidence: /availability OutOfStock but inventoryLevel 12/,
  },
  {
    fault: 'an undefined JSON-LD term',
    check: 'commerce.jsonld.terms',
    only: ['commerce'],
    mutation: jsonMutation('/.well-known/commerce', (store) => (store.loyaltyTierX = 'gold')),
    evidence: /schema\.org\/loyaltyTierX/,
  },
  {
    fault: 'a wrong ETag (one static tag for every document)',
    check: 'commerce.store.cacheable',
    only: ['commerce'],
    mutation: (_req, res) => (res.headers.etag ? { ...res, headers: { ...res.headers, etag: '"static"' } } : res),
    evidence: /304 for If-None-Match: "static"|also the ETag of/,
  },
  {
    fault: 'a catalog page that repeats an item',
    check: 'commerce.catalog.pagination',
    only: ['commerce'],
    mutation: jsonMutation('/.well-known/commerce/catalog', (page, req) => {
      if (!req.query.has('cursor')) firstItem = page.dataFeedElement[0];
      else if (firstItem) page.dataFeedElement.unshift(firstItem);
    }),
    evidence: /listed 2 times/,
  },
  {
    fault: 'a product page whose embedded JSON-LD differs from the product document',
    check: 'commerce.product.html',
    only: ['commerce'],
    mutation: (req, res) => {
      if (!/^\/products\//.test(req.path) || !(res.headers['content-type'] ?? '').startsWith('text/html')) return res;
      return { ...res, body: Buffer.from(res.body.toString('utf8').replace(/"price":"(\d+)\./, (_m, d: string) => `"price":"${Number(d) + 1}.`)) };
    },
    evidence: /price/,
  },
  {
    fault: 'a tampered response signature',
    check: 'trust.signatures',
    only: ['trust'],
    mutation: (req, res) => {
      if (req.path !== '/.well-known/commerce' || !res.headers.signature) return res;
      const sig = res.headers.signature;
      const at = sig.indexOf(':') + 5;
      return { ...res, headers: { ...res.headers, signature: sig.slice(0, at) + (sig[at] === 'A' ? 'B' : 'A') + sig.slice(at + 1) } };
    },
    evidence: /signature_invalid/,
  },
  {
    fault: 'a private key member in the JWKS',
    check: 'trust.jwks.public',
    only: ['trust'],
    mutation: jsonMutation('/.well-known/jwks.json', (jwks) => (jwks.keys[0].d = 'c2VjcmV0')),
    evidence: /has d/,
  },
  {
    fault: 'a DID document for another host',
    check: 'trust.did.resolves',
    only: ['trust'],
    mutation: jsonMutation('/.well-known/did.json', (doc) => (doc.id = 'did:web:shop.example')),
    evidence: /not did:web:127\.0\.0\.1/,
  },
  {
    fault: 'a profile with a bad version',
    check: 'ucp.profile.valid',
    only: ['ucp'],
    mutation: jsonMutation('/.well-known/ucp', (profile) => (profile.ucp.version = '2026-4-8')),
    evidence: /2026-4-8\W{0,4} is not a YYYY-MM-DD protocol version/,
  },
  {
    fault: 'a profile cached privately',
    check: 'ucp.profile.hosting',
    only: ['ucp'],
    mutation: (req, res) => (req.path === '/.well-known/ucp' ? { ...res, headers: { ...res.headers, 'cache-control': 'private, max-age=30' } } : res),
    evidence: /Cache-Control with public/,
  },
  {
    fault: 'a UCP variant priced differently from its JSON-LD offer',
    check: 'ucp.catalog.consistent',
    only: ['ucp'],
    mutation: jsonMutation('/ucp/v1/catalog/search', (body) => {
      for (const p of body.products) for (const v of p.variants) v.price.amount += 100;
    }),
    evidence: /JSON-LD price/,
  },
  {
    fault: 'an idempotency key replay that creates a second checkout',
    check: 'ucp.checkout.dry_run',
    only: ['ucp'],
    mutation: (() => {
      const seen = new Set<string>();
      return jsonMutation('/ucp/v1/checkout-sessions', (body, req) => {
        const key = String(req.headers['idempotency-key']);
        if (req.method === 'POST' && seen.has(key)) body.id = `${String(body.id)}-again`;
        seen.add(key);
      });
    })(),
    evidence: /replaying a create with the same Idempotency-Key made a new checkout/,
  },
  {
    fault: 'an MCP search whose structuredContent differs from the REST answer',
    check: 'ucp.mcp.parity',
    only: ['ucp'],
    mutation: jsonMutation('/ucp/mcp', (body) => {
      const products = body.result?.structuredContent?.products;
      if (!products?.length) return;
      products[0].title = `${products[0].title} (MCP)`;
      body.result.content[0].text = JSON.stringify(body.result.structuredContent); // consistent with itself, not with REST
    }),
    evidence: /difference\(s\) between MCP and REST/,
  },
  {
    fault: "an MCP get_checkout that differs from REST's GET of the same checkout",
    check: 'ucp.mcp.commerce',
    only: ['ucp'],
    mutation: jsonMutation('/ucp/mcp', (body, req) => {
      const content = body.result?.structuredContent;
      if (!content?.id || !String(content.id).startsWith('chk_') || !req.body.toString('utf8').includes('"get_checkout"')) return;
      content.currency = content.currency === 'EUR' ? 'USD' : 'EUR';
      body.result.content[0].text = JSON.stringify(content);
    }),
    evidence: /REST's GET/,
  },
  {
    fault: 'an MCP tool list without get_order',
    check: 'ucp.mcp.tools',
    only: ['ucp'],
    mutation: jsonMutation('/ucp/mcp', (body) => {
      if (Array.isArray(body.result?.tools)) body.result.tools = body.result.tools.filter((t: Json) => t.name !== 'get_order');
    }),
    evidence: /tool get_order/,
  },
  {
    fault: 'an MCP protocol error answered as a result',
    check: 'ucp.mcp.errors',
    only: ['ucp'],
    mutation: (req, res) =>
      req.path === '/ucp/mcp' && res.status >= 400 ? { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"jsonrpc":"2.0","id":1,"result":{}}') } : res,
    evidence: /a JSON-RPC error/,
  },
  {
    fault: 'a 2026-08-25 profile that keeps its keys in signing_keys',
    check: 'ucp.profile.valid',
    only: ['ucp'],
    mutation: jsonMutation('/.well-known/ucp', (doc) => {
      doc.signing_keys = doc.keys;
      delete doc.keys;
    }),
    evidence: /publishes no keys/,
  },
  {
    fault: 'a dev.ucp.* capability at an older version in a 2026-08-25 profile',
    check: 'ucp.profile.valid',
    only: ['ucp'],
    mutation: jsonMutation('/.well-known/ucp', (doc) => (doc.ucp.capabilities['dev.ucp.shopping.cart'][0].version = '2026-04-08')),
    evidence: /at the profile's version 2026-08-25/,
  },
  {
    fault: 'a supported_versions leaf profile declaring another version',
    check: 'ucp.versions.profiles',
    only: ['ucp'],
    mutation: jsonMutation('/.well-known/ucp/2026-04-08', (doc) => (doc.ucp.version = '2026-08-25')),
    evidence: /ucp.version 2026-04-08/,
  },
  {
    fault: 'a 2026-04-08 platform answered in 2026-08-25',
    check: 'ucp.versions.operations',
    only: ['ucp'],
    mutation: jsonMutation(/^\/ucp\/v1\//, (body, req) => {
      if (String(req.headers['ucp-agent']).includes('agent-2026-04-08') && body.ucp) body.ucp.version = '2026-08-25';
    }),
    evidence: /negotiated protocol version/,
  },
  {
    fault: 'catalog variants without their fulfillment methods',
    check: 'ucp.catalog.fulfillment',
    only: ['ucp'],
    mutation: jsonMutation('/ucp/v1/catalog/search', (body) => {
      for (const p of body.products ?? []) for (const v of p.variants ?? []) delete v.fulfillment;
    }),
    evidence: /fulfillment\.methods/,
  },
  {
    fault: 'a search that ignores filters.methods',
    check: 'ucp.catalog.fulfillment',
    only: ['ucp'],
    mutation: jsonMutation('/ucp/v1/catalog/search', (body, req) => {
      if (!req.body.toString('utf8').includes('"methods"')) return;
      for (const p of body.products ?? []) for (const v of p.variants ?? []) v.fulfillment?.methods.push({ type: 'curbside', availability: { available: true } });
    }),
    evidence: /only .* methods/,
  },
  {
    fault: 'consent options advertised without the words a platform shows',
    check: 'ucp.checkout.consent',
    only: ['ucp'],
    mutation: jsonMutation(/^\/ucp\/v1\/checkout-sessions/, (body) => {
      for (const p of Object.values((body.buyer?.consent ?? {}) as Record<string, Json>)) delete p.description;
    }),
    evidence: /description/,
  },
  {
    fault: "a confirmed consent choice answered as the business's default",
    check: 'ucp.checkout.consent',
    only: ['ucp'],
    mutation: jsonMutation(/^\/ucp\/v1\/checkout-sessions\/[^/]+$/, (body, req) => {
      if (req.method !== 'PUT') return;
      for (const p of Object.values((body.buyer?.consent ?? {}) as Record<string, Json>)) p.source = 'business';
    }),
    evidence: /the buyer's choice/,
  },
  {
    fault: 'a permalink answered 302 and cacheable',
    check: 'ucp.permalink',
    only: ['ucp'],
    mutation: (req, res) => (req.path.startsWith('/buy/') && res.status === 303 ? { ...res, status: 302, headers: { ...res.headers, 'cache-control': 'public, max-age=600' } } : res),
    evidence: /303 See Other/,
  },
  {
    fault: 'a 500 for malformed JSON',
    check: 'robust.malformed_json',
    only: ['robustness'],
    mutation: (req, res) => {
      if (req.method !== 'POST') return res;
      try {
        JSON.parse(req.body.toString('utf8'));
        return res;
      } catch {
        return { status: 500, headers: { 'content-type': 'text/plain' }, body: Buffer.from('Internal Server Error') };
      }
    },
    evidence: /-> 500/,
  },
];

describe('the checks catch real faults', () => {
  test('unbroken, every check under test passes', async () => {
    const report = await check(['commerce', 'trust', 'ucp', 'robustness']);
    const targets = [...new Set([...CASES.map((c) => c.check), 'trust.credentials.verify'])];
    const failing = report.results.filter((r) => targets.includes(r.id) && r.status !== 'pass' && r.id !== 'ucp.profile.hosting');
    expect(failing).toEqual([]);
    expect(status(report, 'ucp.profile.hosting')).toBe('warn'); // http on loopback only
  }, 120_000);

  test.each(CASES)(
    '$fault -> $check fails',
    async ({ check: id, only, mutation, evidence }) => {
      const report = await check(only, mutation);
      const r = result(report, id);
      expect(r.status).toBe('fail');
      expect(JSON.stringify([r.message, r.evidence])).toMatch(evidence);
      expect(report.ok).toBe(false);
    },
    60_000,
  );

  test('a document that changes between the crawl and the page fetch (credentials landing after a start) does not fail commerce.product.html', async () => {
    // each product document is one version older on its first fetch (the crawl) than afterwards
    const seen = new Set<string>();
    const report = await check(
      ['commerce'],
      jsonMutation(
        /^\/products\//,
        (doc, req) => {
          if (seen.has(req.path)) return;
          seen.add(req.path);
          doc.name = `${String(doc.name)} (the version before)`;
        },
        { contentType: /ld\+json/ },
      ),
    );
    expect(seen.size).toBeGreaterThan(0);
    expect(result(report, 'commerce.product.html')).toMatchObject({ status: 'pass' });
  }, 60_000);

  // last: revocation cannot be undone
  test('a revoked credential -> trust.credentials.verify fails', async () => {
    const token = execFileSync(process.execPath, [CLI, 'tokens', 'create', '--name', 'revoker', '--scope', 'credentials:write'], { env: { ...cleanEnv, UCPD_DATA_DIR: data.dir } })
      .toString()
      .trim();
    const store = (await (await fetch(`${proxy.url}/.well-known/commerce`)).json()) as Json;
    const policy = store.hasMerchantReturnPolicy[0];
    const res = await fetch(`${proxy.url}/credentials/status`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ credentialId: policy.credential, credentialStatus: [{ type: 'BitstringStatusListEntry', status: 'revoked' }] }),
    });
    expect(res.status).toBe(200);
    // an endpoint that keeps linking the revoked credential
    const report = await check(
      ['trust'],
      jsonMutation('/.well-known/commerce', (doc) => (doc.hasMerchantReturnPolicy[0].credential = policy.credential)),
    );
    const r = result(report, 'trust.credentials.verify');
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/1 revoked/);
    expect(JSON.stringify(r.evidence)).toContain(policy.credential);
  }, 60_000);
});
