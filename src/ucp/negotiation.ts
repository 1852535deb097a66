/**
 * UCP negotiation, pure: the `UCP-Agent` header, the protocol-version check, the capability intersection
 * (overview "Intersection Algorithm": keep the business's capabilities the platform also lists, at the
 * highest version both list; prune extensions whose parents did not survive; repeat until stable), and
 * the `ucp` envelope each response carries (only the negotiated capabilities relevant to it).
 */
import { Token, parseDictionary } from 'structured-headers';
import { protocolError } from './errors.js';
import type { CapabilityRegistry, SigningJwk } from './profile.js';
import { VERSION_PATTERN } from './constants.js';

/** A platform's profile, as fetched (or pinned in the registry) and validated. */
export interface PlatformProfile {
  url: string;
  version: string;
  capabilities: CapabilityRegistry;
  signingKeys: SigningJwk[];
  /** Where it came from: the pre-approved registry, or fetched from `url`. */
  source: 'registry' | 'fetched';
  /** The platform's webhook URL for orders, when it declares one (order capability config). */
  webhookUrl?: string;
}

/** What the business offers at each protocol version it speaks (the current one first). */
export interface BusinessVersions {
  current: string;
  byVersion: ReadonlyMap<string, CapabilityRegistry>;
}

export interface Negotiated {
  version: string;
  /** Capability name -> negotiated version. */
  capabilities: ReadonlyMap<string, { version: string; extends: string[] }>;
  platform: PlatformProfile;
}

/** The profile URL from `UCP-Agent: profile="https://..."` (RFC 8941 dictionary). */
export function profileUrlFromHeader(header: string | undefined): string {
  if (header === undefined || header.trim() === '') throw protocolError('invalid_profile_url', 'the UCP-Agent header is required: UCP-Agent: profile="https://<platform>/<profile>.json"');
  let value: unknown;
  try {
    value = parseDictionary(header).get('profile')?.[0];
    // an unquoted URL parses as an sf-token (tokens may contain ":" and "/")
    if (value instanceof Token) value = value.toString();
  } catch {
    // Not a valid structured field; some clients leave the URL unquoted. Read it leniently, then validate it strictly.
    value = /(?:^|[\s,;])profile\s*=\s*"?([^",;\s]+)"?/i.exec(header)?.[1];
  }
  if (typeof value !== 'string' || value === '') throw protocolError('invalid_profile_url', 'UCP-Agent has no profile="<url>" member');
  return value;
}

function extendsOf(e: { extends?: string | string[] }): string[] {
  return e.extends === undefined ? [] : Array.isArray(e.extends) ? e.extends : [e.extends];
}

/** The capability intersection; extensions whose parents are all gone are pruned until stable. */
export function intersect(business: CapabilityRegistry, platform: CapabilityRegistry): Map<string, { version: string; extends: string[] }> {
  const out = new Map<string, { version: string; extends: string[] }>();
  for (const [name, entries] of Object.entries(business)) {
    const theirs = platform[name];
    if (!Array.isArray(theirs)) continue;
    const common = entries.filter((e) => theirs.some((t) => t && t.version === e.version)).sort((a, b) => (a.version < b.version ? 1 : -1));
    const best = common[0];
    if (best) out.set(name, { version: best.version, extends: extendsOf(best) });
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const [name, c] of out) {
      if (c.extends.length && !c.extends.some((parent) => out.has(parent))) {
        out.delete(name);
        changed = true;
      }
    }
  }
  return out;
}

/** Version check, then intersection against the business profile of the matching version. */
export function negotiate(business: BusinessVersions, platform: PlatformProfile): Negotiated {
  const caps = business.byVersion.get(platform.version);
  if (!caps) {
    const offered = [...business.byVersion.keys()].join(', ');
    throw protocolError('version_unsupported', `platform protocol version ${platform.version} is not supported; this business speaks ${offered}`);
  }
  return { version: platform.version, capabilities: intersect(caps, platform.capabilities), platform };
}

export interface Envelope {
  version: string;
  status?: 'success' | 'error';
  capabilities: Record<string, { version: string }[]>;
}

/** The `ucp` member of a response about `capability`: it and its negotiated extensions. */
export function envelope(n: Pick<Negotiated, 'version' | 'capabilities'>, capability: string): Envelope {
  const caps: Record<string, { version: string }[]> = {};
  const root = n.capabilities.get(capability);
  if (root) caps[capability] = [{ version: root.version }];
  for (const [name, c] of n.capabilities) if (c.extends.includes(capability)) caps[name] = [{ version: c.version }];
  return { version: n.version, capabilities: caps };
}

/** Reads the version a profile declares, when it is a dated version string. */
export function declaredVersion(doc: unknown): string | undefined {
  const v = (doc as { ucp?: { version?: unknown } } | null)?.ucp?.version;
  return typeof v === 'string' && VERSION_PATTERN.test(v) ? v : undefined;
}
