/**
 * Knowing who is calling: the platform profile behind a `UCP-Agent` URL.
 *
 * - Registry of pre-approved platforms: profile documents pinned by profile URL, in
 *   `<data>/platforms/*.json` (`{"profile_url": "...", "profile": {...}}`, written by hand or through the
 *   admin API). They are used without fetching, so a merchant pins the agents it trusts and ucpd runs
 *   offline against agents whose profile URLs are not reachable. Files are re-read when they change.
 * - Otherwise the profile is fetched (SSRF-safe, see fetcher.ts), validated against the official profile
 *   schema, and cached: at least 60 s whatever the origin says, at most an hour, in a bounded LRU.
 *   Concurrent requests for one URL share one fetch; failures are remembered briefly so a broken
 *   platform cannot make us refetch on every request. Origins in the allowlist are trusted: they skip
 *   the global budget for unknown origins; in approved-only mode nothing else is fetched at all.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logger.js';
import { Lru } from '../util/lru.js';
import { SHOPPING_SERVICE, VERSION_PATTERN } from './constants.js';
import { UcpProtocolError, protocolError } from './errors.js';
import { FetchError, type ProfileFetcher } from './fetcher.js';
import { declaredVersion, type PlatformProfile } from './negotiation.js';
import { profileKeys, type CapabilityRegistry } from './profile.js';
import { ucpSchemas } from './schemas.js';
import { isProtocolVersion, PREVIOUS_VERSION } from './versions.js';

export const MIN_TTL_SECONDS = 60;
export const MAX_TTL_SECONDS = 3600;
const FAILURE_TTL_SECONDS = 10;

export interface RegisteredPlatform {
  profileUrl: string;
  profile: unknown;
  file: string;
  /** The profile as negotiation reads it (made once per load). */
  platform: PlatformProfile;
}

/**
 * Problems with a platform profile document ([] when valid), against the official platform profile schema
 * of the version it declares (of 2026-04-08 when it declares none ucpd implements: negotiation refuses
 * the version itself).
 */
export function profileProblems(doc: unknown): string[] {
  const v = declaredVersion(doc);
  const schemas = ucpSchemas(isProtocolVersion(v) ? v : PREVIOUS_VERSION);
  return schemas.problems(schemas.spec.platformProfile, doc);
}

/** A validated profile document -> what negotiation and signature checks need. */
export function platformFromDocument(url: string, doc: unknown, source: PlatformProfile['source']): PlatformProfile {
  const ucp = (doc as { ucp: { version: string; capabilities?: CapabilityRegistry } }).ucp;
  const keys = profileKeys(doc);
  // The order webhook URL: the order capability's config, else any capability's, else `endpoints.webhook`.
  const configs = Object.entries(ucp.capabilities ?? {})
    .sort(([a], [b]) => (a === 'dev.ucp.shopping.order' ? -1 : b === 'dev.ucp.shopping.order' ? 1 : 0))
    .flatMap(([, entries]) => (Array.isArray(entries) ? entries : [entries]).map((e) => (e as { config?: { webhook_url?: unknown } })?.config?.webhook_url));
  const order = configs.find((u) => typeof u === 'string') ?? (doc as { endpoints?: { webhook?: unknown } }).endpoints?.webhook;
  return {
    url,
    version: ucp.version,
    capabilities: ucp.capabilities ?? {},
    signingKeys: keys,
    source,
    ...(typeof order === 'string' ? { webhookUrl: order } : {}),
  };
}

function normalizeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.hash = '';
    return u.href;
  } catch {
    return url;
  }
}

export class PlatformRegistry {
  private entries = new Map<string, RegisteredPlatform>();
  private signature = '';
  private checkedAt = 0;

  constructor(
    readonly dir: string,
    private readonly logger?: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.reload(true);
  }

  /** Re-read the directory when a file was added, removed or changed (checked at most once a second). */
  private reload(force = false): void {
    const t = this.now();
    if (!force && t - this.checkedAt < 1000) return;
    this.checkedAt = t;
    let names: string[];
    try {
      names = readdirSync(this.dir)
        .filter((n) => n.endsWith('.json'))
        .sort();
    } catch {
      names = [];
    }
    const stats = names.map((n) => {
      try {
        const st = statSync(path.join(this.dir, n));
        return `${n}:${st.mtimeMs}:${st.size}`;
      } catch {
        return `${n}:gone`;
      }
    });
    const signature = stats.join('|');
    if (!force && signature === this.signature) return;
    this.signature = signature;
    const entries = new Map<string, RegisteredPlatform>();
    for (const name of names) {
      const file = path.join(this.dir, name);
      try {
        const raw = JSON.parse(readFileSync(file, 'utf8')) as { profile_url?: unknown; profile?: unknown };
        if (typeof raw.profile_url !== 'string') throw new Error('no "profile_url" string');
        const problems = profileProblems(raw.profile);
        if (problems.length) throw new Error(`profile is not a valid UCP platform profile: ${problems.join('; ')}`);
        entries.set(normalizeUrl(raw.profile_url), { profileUrl: raw.profile_url, profile: raw.profile, file, platform: platformFromDocument(raw.profile_url, raw.profile, 'registry') });
      } catch (err) {
        this.logger?.warn('ignoring platform registry file', { file, error: (err as Error).message });
      }
    }
    this.entries = entries;
  }

  get(url: string): RegisteredPlatform | undefined {
    this.reload();
    return this.entries.get(normalizeUrl(url));
  }

  list(): RegisteredPlatform[] {
    this.reload();
    return [...this.entries.values()].sort((a, b) => a.profileUrl.localeCompare(b.profileUrl));
  }

  /** Pin a platform profile (validated); replaces an earlier pin of the same URL. */
  put(profileUrl: string, profile: unknown): RegisteredPlatform {
    let u: URL;
    try {
      u = new URL(profileUrl);
    } catch {
      throw protocolError('invalid_request', `profile_url "${profileUrl}" is not a URL`, { path: '$.profile_url' });
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw protocolError('invalid_request', 'profile_url must be an http(s) URL', { path: '$.profile_url' });
    const problems = profileProblems(profile);
    if (problems.length) throw protocolError('invalid_request', `profile is not a valid UCP platform profile: ${problems.join('; ')}`, { path: '$.profile' });
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const file = path.join(this.dir, `${createHash('sha256').update(normalizeUrl(profileUrl)).digest('hex').slice(0, 20)}.json`);
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ profile_url: profileUrl, profile }, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, file);
    this.reload(true);
    return this.entries.get(normalizeUrl(profileUrl)) ?? { profileUrl, profile, file, platform: platformFromDocument(profileUrl, profile, 'registry') };
  }

  remove(profileUrl: string): boolean {
    const entry = this.get(profileUrl);
    if (!entry) return false;
    rmSync(entry.file, { force: true });
    this.reload(true);
    return true;
  }
}

export interface ResolverPolicy {
  /** Only registered platforms and trusted origins; unknown profile URLs get profile_not_trusted. */
  approvedOnly: boolean;
  /** Origins (scheme://host[:port]) whose profiles are fetched without spending the unknown-origin budget. */
  trustedOrigins: readonly string[];
  cacheEntries: number;
  /** Protocol versions this business speaks (current and supported). */
  versions: ReadonlySet<string>;
}

interface CacheEntry {
  platform?: PlatformProfile;
  failure?: UcpProtocolError;
  fetchedAt: number;
  expiresAt: number;
}

/** max-age from Cache-Control, clamped to [60 s, 1 h]; no-store/no-cache still get the 60 s floor. */
export function ttlSeconds(cacheControl: string | undefined): number {
  const m = cacheControl ? /(?:^|,)\s*max-age\s*=\s*"?(\d+)"?/i.exec(cacheControl) : null;
  const maxAge = m ? Number(m[1]) : MIN_TTL_SECONDS;
  return Math.min(MAX_TTL_SECONDS, Math.max(MIN_TTL_SECONDS, maxAge));
}

export class PlatformResolver {
  private readonly cache: Lru<string, CacheEntry>;
  private readonly inflight = new Map<string, Promise<PlatformProfile>>();
  private readonly trusted: ReadonlySet<string>;

  constructor(
    private readonly o: {
      registry: PlatformRegistry;
      fetcher: ProfileFetcher;
      policy: ResolverPolicy;
      now?: () => number;
      logger?: Logger;
    },
  ) {
    this.cache = new Lru(o.policy.cacheEntries);
    this.trusted = new Set(o.policy.trustedOrigins.map((x) => x.replace(/\/+$/, '').toLowerCase()));
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  /**
   * The platform profile for a profile URL: pinned, cached or fetched. `refresh` refetches a cached
   * profile at most once per 60 s (for an unknown signing key id). `client`: who asks (its address), for
   * the per-client budget of fetches of unknown profiles. Throws UcpProtocolError.
   */
  async resolve(profileUrl: string, opts: { refresh?: boolean; client?: string } = {}): Promise<PlatformProfile> {
    const pinned = this.o.registry.get(profileUrl);
    if (pinned) return pinned.platform;

    let url: URL;
    try {
      url = this.o.fetcher.checkUrl(profileUrl);
    } catch (err) {
      // the URL itself (scheme, credentials, a literal private address): the client's own input, said plainly
      throw this.fetchFailure(err, profileUrl, 'url');
    }
    const key = url.href;
    // trusted origins (the allowlist) are exempt from the budgets, like pinned platforms
    const trusted = this.trusted.has(url.origin.toLowerCase());
    if (this.o.policy.approvedOnly && !trusted) {
      throw protocolError('profile_not_trusted', `platform profile ${key} is not in this business's registry of approved platforms`);
    }
    const t = this.now();
    const hit = this.cache.get(key);
    const refreshDue = opts.refresh && hit?.platform && t - hit.fetchedAt >= MIN_TTL_SECONDS * 1000;
    if (hit && t < hit.expiresAt && !refreshDue) {
      if (hit.failure) throw hit.failure;
      return hit.platform!;
    }
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.fetch(key, trusted, opts.client).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  private async fetch(url: string, trusted: boolean, client: string | undefined): Promise<PlatformProfile> {
    const started = this.now();
    try {
      const fetched = await this.o.fetcher.fetchJson(url, { budgeted: !trusted, ...(client !== undefined ? { client } : {}) });
      const doc = fetched.json;
      const version = declaredVersion(doc);
      // A profile of a protocol version we do not speak may have another shape: say so before validating.
      if (version && !this.o.policy.versions.has(version)) {
        throw protocolError('version_unsupported', `platform protocol version ${version} is not supported; this business speaks ${[...this.o.policy.versions].join(', ')}`);
      }
      const problems = profileProblems(doc);
      if (problems.length) throw protocolError('profile_malformed', `platform profile ${url} is not a valid UCP profile: ${problems.join('; ')}`);
      const platform = platformFromDocument(url, doc, 'fetched');
      if (!VERSION_PATTERN.test(platform.version)) throw protocolError('profile_malformed', `platform profile ${url} has no dated ucp.version`);
      const services = (doc as { ucp: { services?: Record<string, unknown> } }).ucp.services ?? {};
      if (!(SHOPPING_SERVICE in services)) this.o.logger?.debug('platform profile lists no dev.ucp.shopping service', { url });
      this.cache.set(url, { platform, fetchedAt: started, expiresAt: started + ttlSeconds(fetched.cacheControl) * 1000 });
      return platform;
    } catch (err) {
      const failure = err instanceof UcpProtocolError ? err : this.fetchFailure(err, url, 'fetch');
      // remember failures briefly (not budget exhaustion: that is ours, not the platform's)
      if (failure.code !== 'temporarily_unavailable' && failure.code !== 'rate_limited') this.cache.set(url, { failure, fetchedAt: started, expiresAt: started + FAILURE_TTL_SECONDS * 1000 });
      throw failure;
    }
  }

  /**
   * A failure as the client sees it. Problems with the URL itself are said plainly. Whatever happened
   * while fetching (DNS, a refused address, connection, TLS, timeout, redirect, HTTP status, size) is one
   * text for every cause, so the answers cannot be used to scan which hosts answer (or what a name
   * resolves to); the operator finds the cause in the log.
   */
  private fetchFailure(err: unknown, url: string, stage: 'url' | 'fetch'): UcpProtocolError {
    if (!(err instanceof FetchError)) {
      if (err instanceof UcpProtocolError) return err;
      this.o.logger?.error('platform profile fetch failed unexpectedly', { url, error: err instanceof Error ? err.stack : String(err) });
      return protocolError('profile_unreachable', `platform profile ${url} could not be fetched`);
    }
    switch (err.failure) {
      case 'budget_exhausted':
        return protocolError('temporarily_unavailable', `too many new platforms at once; retry in ${err.retryAfterSeconds ?? 1} s`, { retryAfterSeconds: err.retryAfterSeconds ?? 1 });
      case 'client_budget_exhausted':
        return protocolError('rate_limited', `too many unknown platform profiles from this client; retry in ${err.retryAfterSeconds ?? 1} s`, { retryAfterSeconds: err.retryAfterSeconds ?? 1 });
      default:
        break;
    }
    if (stage === 'url' && (err.failure === 'invalid_url' || err.failure === 'insecure_scheme' || err.failure === 'address_refused')) return protocolError('invalid_profile_url', err.message);
    this.o.logger?.debug('platform profile fetch failed', { url, failure: err.failure, reason: err.message });
    if (err.failure === 'not_json') return protocolError('profile_malformed', `platform profile ${url} is not a valid UCP profile`);
    return protocolError('profile_unreachable', `platform profile ${url} could not be fetched`);
  }
}
