/**
 * Address classification for the profile fetcher: which IP addresses a fetch must never connect to
 * (private, loopback, link-local, reserved, ... including IPv4 addresses carried inside IPv6 forms),
 * loopback detection, the budget key of a client address (IPv4, or the IPv6 /64), and hostnames
 * without IPv6 brackets. Pure functions over address strings; nothing here resolves or connects.
 */
import * as net from 'node:net';

/** A loopback address (127.0.0.0/8, ::1, IPv4-mapped loopback). */
export function isLoopback(address: string): boolean {
  const a = address.toLowerCase().replace(/^::ffff:/, '');
  return a === '::1' || (net.isIPv4(a) && a.startsWith('127.'));
}

/** The budget key of a client address: an IPv4 address, or the /64 an IPv6 address belongs to. */
export function clientKey(address: string): string {
  let a = address.trim().toLowerCase();
  if (a.startsWith('::ffff:') && net.isIPv4(a.slice(7))) a = a.slice(7);
  if (net.isIPv6(a)) {
    const g = ipv6Groups(a);
    if (g)
      return `${g
        .slice(0, 4)
        .map((x) => x.toString(16))
        .join(':')}::/64`;
  }
  return a;
}

const V4_BLOCKED: readonly [string, number][] = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // TEST-NET-1
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // TEST-NET-2
  ['203.0.113.0', 24], // TEST-NET-3
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, includes 255.255.255.255 (broadcast)
];

const V6_BLOCKED: readonly [string, number][] = [
  ['::', 96], // unspecified (::/128), loopback (::1/128) and the deprecated IPv4-compatible ::a.b.c.d
  // 64:ff9b::/96 (NAT64 well-known prefix) is judged by the IPv4 address it carries: see embeddedIPv4
  ['64:ff9b:1::', 48], // NAT64 local-use prefix (local by definition)
  ['100::', 64], // discard-only
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local (ULA)
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated, still routed internally in places)
  ['ff00::', 8], // multicast
];

const v4Blocked = new net.BlockList();
for (const [prefix, bits] of V4_BLOCKED) v4Blocked.addSubnet(prefix, bits, 'ipv4');
v4Blocked.addAddress('255.255.255.255', 'ipv4');
const v6Blocked = new net.BlockList();
for (const [prefix, bits] of V6_BLOCKED) v6Blocked.addSubnet(prefix, bits, 'ipv6');

/** The eight 16-bit groups of a (valid) IPv6 address, or undefined. */
function ipv6Groups(ip: string): number[] | undefined {
  let s = ip;
  const tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.', lastColon)) {
    const v4 = s.slice(lastColon + 1);
    if (!net.isIPv4(v4)) return undefined;
    const o = v4.split('.').map(Number);
    tail.push((o[0]! << 8) | o[1]!, (o[2]! << 8) | o[3]!);
    s = s.slice(0, lastColon);
    if (s.endsWith(':')) s += ':';
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const split = (part: string) => (part === '' ? [] : part.split(':'));
  const head = split(halves[0]!);
  const rest = halves.length === 2 ? split(halves[1]!) : undefined;
  const words = [...head, ...(rest ?? [])];
  if (!words.every((w) => /^[0-9a-f]{1,4}$/i.test(w))) return undefined;
  const count = words.length + tail.length;
  if (rest === undefined ? count !== 8 : count > 7) return undefined;
  const nums = (ws: string[]) => ws.map((w) => parseInt(w, 16));
  const zeros = new Array<number>(8 - count).fill(0);
  return rest === undefined ? [...nums(head), ...tail] : [...nums(head), ...zeros, ...nums(rest), ...tail];
}

const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;

/**
 * The IPv4 addresses an IPv6 address carries and reaches: IPv4-mapped `::ffff:a.b.c.d`, NAT64
 * `64:ff9b::a.b.c.d` (RFC 6052), 6to4 `2002:AABB:CCDD::/48` (RFC 3056) and Teredo `2001:0::/32` (RFC 4380:
 * the server's address in bits 32-63, the client's, inverted, in the last 32 bits).
 */
export function embeddedIPv4(g: readonly number[]): string[] {
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) return [v4(g[6]!, g[7]!)];
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0) return [v4(g[6]!, g[7]!)];
  if (g[0] === 0x2002) return [v4(g[1]!, g[2]!)];
  if (g[0] === 0x2001 && g[1] === 0) return [v4(g[2]!, g[3]!), v4(g[6]! ^ 0xffff, g[7]! ^ 0xffff)];
  return [];
}

/**
 * Whether a fetch must not connect to `ip`: private, loopback, link-local, ULA, CGNAT, multicast,
 * unspecified, documentation/benchmark/reserved ranges, NAT64 local-use. An IPv6 address that carries an
 * IPv4 address (IPv4-mapped, NAT64, 6to4, Teredo) is also judged by that IPv4 address: a 6to4 form of
 * 127.0.0.1 is loopback. Accepts bracketed IPv6 and zone ids; anything that is not an IP address is
 * blocked (fail closed).
 */
export function isBlockedAddress(ip: string): boolean {
  let a = ip.trim();
  if (a.startsWith('[') && a.endsWith(']')) a = a.slice(1, -1);
  const zone = a.indexOf('%');
  if (zone !== -1) a = a.slice(0, zone);
  const family = net.isIP(a);
  if (family === 4) return v4Blocked.check(a, 'ipv4');
  if (family !== 6) return true;
  const g = ipv6Groups(a);
  if (!g) return true;
  // IPv4-translated ::ffff:0:a.b.c.d (SIIT, RFC 6145) is never routed on the internet (written out: BlockList
  // would read "::ffff:0:0" as an IPv4-mapped address)
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0xffff && g[5] === 0) return true;
  const carried = embeddedIPv4(g);
  if (carried.some((x) => v4Blocked.check(x, 'ipv4') || x === '255.255.255.255')) return true;
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) return false; // mapped: judged by its IPv4 alone
  return v6Blocked.check(a, 'ipv6');
}

/** A URL hostname without IPv6 brackets. */
export function bare(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}
