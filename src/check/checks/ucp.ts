/**
 * UCP checks: the business profile and its hosting, negotiation errors, catalog operations, a dry checkout.
 * This module holds the profile and negotiation checks and assembles `ucpChecks` in run order with the
 * catalog checks (./ucp-catalog.ts) and the checkout check (./ucp-checkout.ts); what they share lives in
 * ./ucp-common.ts.
 */
import { randomUUID } from 'node:crypto';
import { ORDER, VERSION_PATTERN } from '../../ucp/constants.js';
import { ucpSchemas } from '../../ucp/schemas.js';
import { isProtocolVersion, PREVIOUS_VERSION, PROTOCOL_VERSIONS } from '../../ucp/versions.js';
import { describeExchange, jsonOf, type Exchange } from '../client.js';
import type { CheckContext, ProfileChoice } from '../context.js';
import { fail, skip, warn, type CheckDefinition, type Evidence } from '../model.js';
import { ucpCatalogChecks } from './ucp-catalog.js';
import { ucpMcpChecks } from './ucp-mcp.js';
import { ucpCheckoutChecks } from './ucp-checkout.js';
import { ucpVersionChecks } from './ucp-versions.js';
import { ucp0825Checks } from './ucp-2026-08-25.js';
import { SPEC, SPEC_0825 } from './ucp-common.js';

type Json = Record<string, unknown>;
type Check = CheckDefinition<CheckContext>;

const isLoopback = (host: string) => /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(host);

/** One negotiation failure provoked: the evidence of a wrong answer, or undefined when the endpoint answered as the spec says. */
async function negotiationCase(ctx: CheckContext, profile: ProfileChoice | 'no-header' | 'bad-header', expectCodes: string[], expectStatus: number[]): Promise<Evidence | undefined> {
  let x: Exchange;
  if (profile === 'no-header') x = await ctx.ucp('POST', '/catalog/search', { query: 'a' }, { profile: 'none' });
  else if (profile === 'bad-header') x = await ctx.ucp('POST', '/catalog/search', { query: 'a' }, { profile: 'none', headers: { 'ucp-agent': 'profile="not a url"' } });
  else x = await ctx.ucp('POST', '/catalog/search', { query: 'a' }, { profile });
  const body = jsonOf(x) as { code?: unknown; content?: unknown; messages?: { code?: unknown }[] } | undefined;
  const code = typeof body?.code === 'string' ? body.code : body?.messages?.find((m) => typeof m.code === 'string')?.code;
  const where = `${x.method} ${x.url} (${profile === 'no-header' ? 'no UCP-Agent' : profile === 'bad-header' ? 'UCP-Agent: profile="not a url"' : typeof profile === 'object' ? ('url' in profile ? profile.url : `the checker's ${profile.version} profile`) : `${profile} profile`})`;
  if (x.status >= 500 || x.status === 0) return { url: where, expected: `${expectStatus.join('/')} ${expectCodes.join('/')}`, got: describeExchange(x) };
  if (x.status >= 200 && x.status < 300 && !(body?.messages && code && expectCodes.includes(String(code))))
    return { url: where, expected: `an error (${expectCodes.join('/')})`, got: `${x.status} success` };
  if (!code) return { url: where, expected: `a UCP error body with code ${expectCodes.join('/')}`, got: x.body.toString('utf8').slice(0, 200) };
  if (!expectCodes.includes(String(code)) || (x.status >= 300 && !expectStatus.includes(x.status)))
    return { url: where, expected: `${expectStatus.join('/')} ${expectCodes.join('/')}`, got: `${x.status} ${String(code)}` };
  return undefined;
}

/** The business profile, its hosting, and negotiation errors. */
const ucpProfileChecks: Check[] = [
  {
    id: 'ucp.profile.valid',
    group: 'ucp',
    severity: 'required',
    title: '/.well-known/ucp validates against the official business profile schema of the version it declares; every dev.ucp.* entry is at that version; its keys publish public keys',
    spec: `${SPEC('overview')} (Business Profile); ${SPEC_0825('overview')}#versioned-profiles; profile.json (2026-08-25), discovery/profile.json (2026-04-08)`,
    async run(ctx) {
      const d = await ctx.profileDoc();
      if (!d) throw skip(`the endpoint publishes no UCP profile (${ctx.url('/.well-known/ucp')} -> 404)`);
      const ev: Evidence = { url: d.url, got: describeExchange(d.x) };
      if (d.x.status !== 200) throw fail(`the profile answered ${d.x.status || d.x.error}`, ev);
      if (!d.json || typeof d.json !== 'object') throw fail('the profile is not JSON', ev);
      const version = ((d.json as Json).ucp as Json | undefined)?.version;
      if (typeof version !== 'string' || !VERSION_PATTERN.test(version))
        throw fail(`ucp.version ${JSON.stringify(version)} is not a YYYY-MM-DD protocol version`, { url: d.url, expected: 'YYYY-MM-DD', got: JSON.stringify(version) });
      const known = isProtocolVersion(version);
      const schemas = ucpSchemas(known ? version : PREVIOUS_VERSION);
      const ref = schemas.spec.businessProfile;
      const problems = schemas.problems(ref, d.json);
      if (problems.length) throw fail(`${problems.length} schema violation(s)`, ...problems.map((p) => ({ url: d.url, expected: `${ref} (${schemas.spec.version})`, got: p })));
      // the keys, in the member the version names (#566: `keys` from 2026-08-25 on)
      const member = schemas.spec.keysMember;
      const keys = (d.json as Json)[member];
      // a business offering orders signs their webhooks: its profile must publish the keys
      const offersOrders = ORDER in ((((d.json as Json).ucp as Json).capabilities ?? {}) as Json);
      if (known && offersOrders && (!Array.isArray(keys) || keys.length === 0))
        throw fail(`the profile publishes no ${member} (the keys its order webhooks are signed with)`, {
          url: d.url,
          expected: `${member}: a non-empty JWK list`,
          got: JSON.stringify(keys) ?? 'absent',
        });
      const caps = (((d.json as Json).ucp as Json).capabilities ?? {}) as Record<string, { extends?: string | string[]; version?: string }[]>;
      const orphans: Evidence[] = [];
      for (const [name, entries] of Object.entries(caps)) {
        for (const e of entries) {
          for (const parent of [e.extends ?? []].flat()) if (!caps[parent]) orphans.push({ url: d.url, expected: `${name} extends a capability the profile offers`, got: `${parent} is not offered` });
          if (typeof e.version === 'string' && e.version > version) orphans.push({ url: d.url, expected: `${name} at a version no later than the protocol version ${version}`, got: e.version });
          // 2026-08-25: a release's profile advertises every dev.ucp.* entry at that release
          if (version >= '2026-08-25' && name.startsWith('dev.ucp.') && e.version !== version)
            orphans.push({ url: d.url, expected: `${name} at the profile's version ${version}`, got: String(e.version) });
        }
      }
      if (orphans.length) throw fail(`${orphans.length} capability inconsistenc(ies)`, ...orphans);
      if (!known)
        throw warn(`protocol version ${version}: the checker implements ${PROTOCOL_VERSIONS.join(' and ')}; validated against ${schemas.spec.version} schemas`, {
          url: d.url,
          expected: PROTOCOL_VERSIONS.join(' or '),
          got: version,
        });
      return `valid ${version} business profile: ${Object.keys(caps).length} capabilities`;
    },
  },
  {
    id: 'ucp.profile.hosting',
    group: 'ucp',
    severity: 'required',
    title: 'The profile is served over HTTPS without redirects, with Cache-Control public and max-age >= 60; service endpoints are https URLs',
    spec: `${SPEC('overview')}#hosting; #endpoint-resolution`,
    async run(ctx) {
      const d = await ctx.needProfile();
      const problems: Evidence[] = [];
      const notes: Evidence[] = [];
      const https = (url: string, what: string) => {
        const u = new URL(url);
        if (u.protocol === 'https:') return;
        if (isLoopback(u.host)) notes.push({ url, expected: `${what} over HTTPS`, got: 'http on a loopback address (fine for local testing only)' });
        else problems.push({ url, expected: `${what} over HTTPS`, got: u.protocol });
      };
      https(d.url, 'the profile');
      if (d.x.status >= 300 && d.x.status < 400) problems.push({ url: d.url, expected: 'no redirect', got: String(d.x.status) });
      const cc = (d.x.headers['cache-control'] ?? '').toLowerCase();
      const maxAge = /(?:^|,)\s*max-age=(\d+)/.exec(cc);
      if (!cc) problems.push({ url: d.url, expected: 'Cache-Control: public, max-age>=60', got: 'no Cache-Control' });
      else {
        if (!/(?:^|,)\s*public\b/.test(cc)) problems.push({ url: d.url, expected: 'Cache-Control with public', got: cc });
        if (!maxAge || Number(maxAge[1]) < 60) problems.push({ url: d.url, expected: 'max-age of at least 60', got: cc });
        for (const bad of ['private', 'no-store', 'no-cache']) if (new RegExp(`(?:^|,)\\s*${bad}\\b`).test(cc)) problems.push({ url: d.url, expected: `no ${bad}`, got: cc });
      }
      const services = (((d.json.ucp as Json | undefined)?.services ?? {}) as Record<string, { endpoint?: string; transport?: string }[]>) ?? {};
      for (const [name, list] of Object.entries(services)) {
        for (const s of Array.isArray(list) ? list : []) {
          if (typeof s.endpoint !== 'string') continue;
          try {
            https(s.endpoint, `${name} (${s.transport}) endpoint`);
            if (s.endpoint.endsWith('/')) notes.push({ url: s.endpoint, expected: 'no trailing slash', got: 'trailing slash' });
          } catch {
            problems.push({ url: d.url, expected: `${name} endpoint is a URL`, got: s.endpoint });
          }
        }
      }
      if (problems.length) throw fail(`${problems.length} hosting rule(s) broken`, ...problems);
      if (notes.length) throw warn(notes.map((n) => `${n.url}: ${n.got}`).join('; '), ...notes);
      return `HTTPS, no redirect, Cache-Control "${cc}"`;
    },
  },
  {
    id: 'ucp.negotiation.errors',
    group: 'ucp',
    severity: 'required',
    title: 'Bad platform profiles get the negotiation errors: missing or malformed UCP-Agent, unreachable, malformed and unsupported-version profiles',
    spec: `${SPEC('overview')}#error-codes (invalid_profile_url 400, profile_unreachable 424, profile_malformed 422, version_unsupported 422)`,
    async run(ctx) {
      await ctx.ucpEndpoint();
      const access = await ctx.ucpAccess();
      const problems: Evidence[] = [];
      const cases: [ProfileChoice | 'no-header' | 'bad-header', string[], number[]][] = [
        ['no-header', ['invalid_profile_url'], [400]],
        ['bad-header', ['invalid_profile_url'], [400]],
      ];
      if (access.ok && ctx.agent) {
        cases.push(['unsupported-version', ['version_unsupported'], [422]]);
        cases.push(['malformed', ['profile_malformed'], [422]]);
        cases.push([{ url: `http://127.0.0.1:${ctx.agent.port}/profiles/missing-${randomUUID()}.json` }, ['profile_unreachable'], [424]]);
      }
      for (const [profile, codes, statuses] of cases) {
        const p = await negotiationCase(ctx, profile, codes, statuses);
        if (p) problems.push(p);
      }
      if (problems.length) throw fail(`${problems.length} of ${cases.length} negotiation failures answered wrongly`, ...problems);
      if (cases.length === 2)
        throw warn(
          `missing and malformed UCP-Agent answered 400 invalid_profile_url; profile-content cases not run: ${access.ok ? 'the checker serves no profiles of its own (--agent-profile)' : access.reason}`,
        );
      return `${cases.length} negotiation failures answered with the spec's codes and statuses`;
    },
  },
];

export const ucpChecks: Check[] = [...ucpProfileChecks, ...ucpVersionChecks, ...ucpCatalogChecks, ...ucpMcpChecks, ...ucpCheckoutChecks, ...ucp0825Checks];
