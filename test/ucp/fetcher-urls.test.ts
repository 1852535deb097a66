/**
 * What the profile fetcher refuses before it connects anywhere: blocked addresses (private, loopback,
 * link-local, reserved, and IPv4 carried inside IPv6: mapped, NAT64, 6to4, Teredo) and URLs that are
 * invalid, insecure or aim at such an address; the allowlist, and the default policy.
 * (Fetching over the network: fetcher.test.ts and fetcher-https.test.ts.)
 */
import { describe, expect, test } from '@jest/globals';
import { DEFAULT_FETCH_POLICY, FetchError, ProfileFetcher, isBlockedAddress, type FetchFailure } from '../../src/ucp/fetcher.js';

describe('isBlockedAddress', () => {
  test.each([
    ['127.0.0.1', true],
    ['127.255.255.254', true],
    ['0.0.0.0', true],
    ['10.0.0.1', true],
    ['100.64.0.1', true],
    ['100.127.255.255', true],
    ['169.254.169.254', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['192.0.0.8', true],
    ['192.0.2.1', true],
    ['192.88.99.1', true],
    ['192.168.1.1', true],
    ['198.18.0.1', true],
    ['198.19.255.255', true],
    ['198.51.100.7', true],
    ['203.0.113.9', true],
    ['224.0.0.1', true],
    ['239.255.255.250', true],
    ['240.0.0.1', true],
    ['255.255.255.255', true],
    ['::', true],
    ['::1', true],
    ['[::1]', true],
    ['::127.0.0.1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:10.0.0.1', true],
    ['::ffff:a9fe:a9fe', true],
    ['0:0:0:0:0:ffff:c0a8:0101', true],
    ['64:ff9b::a00:1', true], // NAT64 of 10.0.0.1
    ['64:ff9b::7f00:1', true], // NAT64 of 127.0.0.1
    ['64:ff9b:1::a00:1', true], // NAT64 local-use prefix
    ['2002:7f00:1::', true], // 6to4 of 127.0.0.1
    ['2002:7f00:1:1::1', true],
    ['2002:c0a8:101::1', true], // 6to4 of 192.168.1.1
    ['2002:a9fe:a9fe::', true], // 6to4 of 169.254.169.254
    ['2002:0a00:0001:ffff:ffff:ffff:ffff:ffff', true], // 6to4 of 10.0.0.1
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', true], // Teredo, client 127.0.0.1 (inverted)
    ['2001:0:7f00:1:8000:63bf:f7f7:f7f7', true], // Teredo, server 127.0.0.1
    ['2001::', true], // Teredo, server 0.0.0.0
    ['::ffff:0:127.0.0.1', true], // IPv4-translated (SIIT): inside ::/96
    ['100::1', true],
    ['2001:db8::1', true],
    ['fc00::1', true],
    ['fd12:3456::1', true],
    ['fe80::1', true],
    ['fe80::1%eth0', true],
    ['febf::1', true],
    ['fec0::1', true],
    ['ff02::1', true],
    ['not an address', true],
    ['127.1', true],
    ['', true],
    ['8.8.8.8', false],
    ['1.1.1.1', false],
    ['100.63.255.255', false],
    ['100.128.0.0', false],
    ['172.15.255.255', false],
    ['172.32.0.0', false],
    ['169.253.255.255', false],
    ['223.255.255.255', false],
    ['2606:4700::1111', false],
    ['2001:4860:4860::8888', false],
    ['::ffff:8.8.8.8', false],
    ['::ffff:808:808', false],
    ['64:ff9b::808:808', false], // NAT64 of 8.8.8.8: judged by the IPv4 it carries (IPv6-only hosts behind DNS64 need it)
    ['2002:808:808::1', false], // 6to4 of 8.8.8.8
    ['2001:0:4136:e378:8000:63bf:f7f7:f7f7', false], // Teredo, public server and client
  ])('%s -> %s', (ip, blocked) => expect(isBlockedAddress(ip)).toBe(blocked));
});

describe('checkUrl', () => {
  const f = new ProfileFetcher();
  test.each<[string, FetchFailure]>([
    ['not a url', 'invalid_url'],
    ['/relative/profile.json', 'invalid_url'],
    ['https://user:pass@agent.example/p.json', 'invalid_url'],
    ['https://user@agent.example/p.json', 'invalid_url'],
    ['ftp://agent.example/p.json', 'invalid_url'],
    ['file:///etc/passwd', 'invalid_url'],
    ['data:application/json,{}', 'invalid_url'],
    ['http://agent.example/p.json', 'insecure_scheme'],
    ['https://127.0.0.1/p.json', 'address_refused'],
    ['https://[::1]/p.json', 'address_refused'],
    ['https://2130706433/p.json', 'address_refused'],
    ['https://0x7f.1/p.json', 'address_refused'],
    ['https://127.1/p.json', 'address_refused'],
    ['https://0177.0.0.1/p.json', 'address_refused'],
    ['https://169.254.169.254/latest/meta-data/', 'address_refused'],
    ['https://10.0.0.1/p.json', 'address_refused'],
    ['https://[::ffff:10.0.0.1]/p.json', 'address_refused'],
    ['https://[::ffff:7f00:1]/p.json', 'address_refused'],
    ['https://[fd00::1]/p.json', 'address_refused'],
  ])('%s -> %s', (url, kind) => {
    let caught: unknown;
    try {
      f.checkUrl(url);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(FetchError);
    expect((caught as FetchError).failure).toBe(kind);
  });

  test('accepts public https URLs and strips the fragment', () => {
    expect(f.checkUrl('https://agent.example/profiles/p.json?v=1#frag').href).toBe('https://agent.example/profiles/p.json?v=1');
    expect(f.checkUrl('https://8.8.8.8/p.json').hostname).toBe('8.8.8.8');
    expect(f.checkUrl('https://[2606:4700::1111]/p.json').hostname).toBe('[2606:4700::1111]');
  });

  test('messages name the URL but never its credentials', () => {
    try {
      f.checkUrl('https://alice:hunter2@agent.example/p.json');
    } catch (e) {
      expect((e as Error).message).toContain('agent.example');
      expect((e as Error).message).not.toContain('hunter2');
    }
    expect.assertions(2);
  });

  test('allowHttp allows http but not private addresses', () => {
    const g = new ProfileFetcher({ allowHttp: true });
    expect(g.checkUrl('http://agent.example/p.json').protocol).toBe('http:');
    expect(() => g.checkUrl('http://127.0.0.1/p.json')).toThrow(FetchError);
  });

  test('allowlist entries: host, or host:port (default ports count)', () => {
    const g = new ProfileFetcher({ allowHosts: ['localhost', '127.0.0.1:8182', '[::1]:443', 'LOOPBACK.TEST'] });
    expect(g.checkUrl('http://localhost:9999/p.json').port).toBe('9999');
    expect(g.checkUrl('http://127.0.0.1:8182/p.json').port).toBe('8182');
    expect(g.checkUrl('https://[::1]/p.json').hostname).toBe('[::1]');
    expect(g.checkUrl('http://loopback.test/p.json').hostname).toBe('loopback.test');
    expect(() => g.checkUrl('http://127.0.0.1:8183/p.json')).toThrow(FetchError);
    expect(() => g.checkUrl('https://127.0.0.1/p.json')).toThrow(FetchError);
  });

  test('the default policy', () => {
    expect(DEFAULT_FETCH_POLICY).toMatchObject({ allowHttp: false, allowHosts: [], connectTimeoutMs: 3000, responseTimeoutMs: 5000, maxBytes: 262144, budget: { capacity: 20, refillPerSecond: 1 } });
  });
});
