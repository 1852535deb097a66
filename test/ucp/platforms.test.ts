/** The platform registry and the profile resolver: pinning, caching rules, shared fetches, failures. */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { UcpProtocolError } from '../../src/ucp/errors.js';
import { ProfileFetcher } from '../../src/ucp/fetcher.js';
import { PlatformRegistry, PlatformResolver } from '../../src/ucp/platforms.js';
import { tempDir } from '../helpers/store.js';
import { agentKey, platformProfile, profileServer, type ProfileServer } from '../helpers/ucp.js';

let server: ProfileServer;
let dir: { dir: string; cleanup: () => void };

beforeAll(async () => {
  server = await profileServer();
  dir = tempDir('ucpd-platforms-');
});
afterAll(async () => {
  await server.close();
  dir.cleanup();
});

function resolver(o: { now: () => number; approvedOnly?: boolean; trusted?: string[]; registryDir?: string }) {
  const registry = new PlatformRegistry(o.registryDir ?? path.join(dir.dir, 'empty'), undefined, o.now);
  return new PlatformResolver({
    registry,
    fetcher: new ProfileFetcher({ allowHosts: [`127.0.0.1:${server.port}`], budget: { capacity: 100, refillPerSecond: 1 }, now: o.now }),
    policy: { approvedOnly: o.approvedOnly ?? false, trustedOrigins: o.trusted ?? [], cacheEntries: 100, versions: new Set(['2026-04-08']) },
    now: o.now,
  });
}

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof UcpProtocolError) return err.code;
    throw err;
  }
  return 'resolved';
}

describe('profile cache', () => {
  test('kept at least 60 s even when the origin says less; refetched after', async () => {
    let t = 0;
    const r = resolver({ now: () => t });
    server.set('/short.json', platformProfile(), { headers: { 'cache-control': 'max-age=1' } });
    await r.resolve(server.url('/short.json'));
    t = 59_000;
    await r.resolve(server.url('/short.json'));
    expect(server.hits.get('/short.json')).toBe(1);
    t = 61_000;
    await r.resolve(server.url('/short.json'));
    expect(server.hits.get('/short.json')).toBe(2);
  });

  test('concurrent requests for one profile share one fetch', async () => {
    const r = resolver({ now: () => 0 });
    server.set('/shared.json', platformProfile());
    const all = await Promise.all(Array.from({ length: 10 }, () => r.resolve(server.url('/shared.json'))));
    expect(new Set(all.map((p) => p.version))).toEqual(new Set(['2026-04-08']));
    expect(server.hits.get('/shared.json')).toBe(1);
  });

  test('failures are remembered for 10 s, then retried', async () => {
    let t = 0;
    const r = resolver({ now: () => t });
    expect(await failure(r.resolve(server.url('/flaky.json')))).toBe('profile_unreachable');
    server.set('/flaky.json', platformProfile());
    expect(await failure(r.resolve(server.url('/flaky.json')))).toBe('profile_unreachable');
    expect(server.hits.get('/flaky.json')).toBe(1);
    t = 11_000;
    expect((await r.resolve(server.url('/flaky.json'))).version).toBe('2026-04-08');
  });

  test('an unknown key id refreshes a cached profile, at most once a minute', async () => {
    let t = 0;
    const r = resolver({ now: () => t });
    const k1 = agentKey();
    const k2 = agentKey();
    server.set('/rotating.json', platformProfile({ keys: [k1] }), { headers: { 'cache-control': 'max-age=3600' } });
    await r.resolve(server.url('/rotating.json'));
    server.set('/rotating.json', platformProfile({ keys: [k1, k2] }), { headers: { 'cache-control': 'max-age=3600' } });
    t = 30_000;
    expect((await r.resolve(server.url('/rotating.json'), { refresh: true })).signingKeys.map((k) => k.kid)).toEqual([k1.kid]);
    t = 61_000;
    expect((await r.resolve(server.url('/rotating.json'), { refresh: true })).signingKeys.map((k) => k.kid)).toEqual([k1.kid, k2.kid]);
    expect(server.hits.get('/rotating.json')).toBe(2);
  });
});

describe('registry', () => {
  test('pinned profiles are used without fetching, picked up from files, and removed', async () => {
    let t = 0;
    const reg = tempDir('ucpd-reg-');
    try {
      const r = resolver({ now: () => t, registryDir: reg.dir, approvedOnly: true });
      const url = 'https://pinned.example/profile.json';
      expect(await failure(r.resolve(url))).toBe('profile_not_trusted');
      writeFileSync(path.join(reg.dir, 'pinned.json'), JSON.stringify({ profile_url: url, profile: platformProfile() }));
      writeFileSync(path.join(reg.dir, 'broken.json'), '{"profile_url": "https://x.example/p", "profile": {"ucp": {}}}');
      t = 2_000; // files are re-read at most once a second
      const p = await r.resolve(url);
      expect(p.source).toBe('registry');
      const registry = new PlatformRegistry(reg.dir);
      expect(registry.list().map((e) => e.profileUrl)).toEqual([url]); // the invalid file is skipped
      expect(registry.remove(url)).toBe(true);
      expect(registry.list()).toEqual([]);
    } finally {
      reg.cleanup();
    }
  });

  test('approved-only mode still fetches from trusted origins', async () => {
    const r = resolver({ now: () => 0, approvedOnly: true, trusted: [`http://127.0.0.1:${server.port}`] });
    server.set('/trusted.json', platformProfile());
    expect((await r.resolve(server.url('/trusted.json'))).source).toBe('fetched');
  });

  test('a profile of a version the business does not speak is version_unsupported even when its shape differs', async () => {
    const r = resolver({ now: () => 0 });
    server.set('/old-shape.json', { ucp: { version: '2026-01-11', capabilities: [{ name: 'dev.ucp.shopping.checkout', version: '2026-01-11' }] } });
    expect(await failure(r.resolve(server.url('/old-shape.json')))).toBe('version_unsupported');
  });
});
