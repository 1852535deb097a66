/**
 * The UCP protocol versions ucpd speaks, and what differs between them outside the resource bodies: where
 * each version's official schemas live, the references of the documents every version has (profiles,
 * the error response), and the profile member that carries the signing keys. The resource bodies differ
 * too; wire/ holds one codec per version for them.
 */
import { projectPath } from '../paths.js';

/** The current release: /.well-known/ucp describes it. */
export const CURRENT_VERSION = '2026-08-25';
/** The release before it, served from its leaf profile (supported_versions). */
export const PREVIOUS_VERSION = '2026-04-08';
/** Every version ucpd implements, newest first. */
export const PROTOCOL_VERSIONS = [CURRENT_VERSION, PREVIOUS_VERSION] as const;
export type ProtocolVersion = (typeof PROTOCOL_VERSIONS)[number];

export interface VersionSpec {
  version: ProtocolVersion;
  /** The official JSON Schemas of this release (Apache-2.0), by $id. */
  schemaDir: string;
  businessProfile: string;
  platformProfile: string;
  errorResponse: string;
  /** The profile member holding the public signing keys: `keys` (a JWK Set, #566) or `signing_keys`. */
  keysMember: 'keys' | 'signing_keys';
}

const SPECS: Record<ProtocolVersion, VersionSpec> = {
  '2026-08-25': {
    version: '2026-08-25',
    schemaDir: projectPath('schemas', 'ucp', '2026-08-25'),
    businessProfile: 'profile.json#/$defs/business_schema',
    platformProfile: 'profile.json#/$defs/platform_schema',
    errorResponse: 'common/types/error_response.json',
    keysMember: 'keys',
  },
  '2026-04-08': {
    version: '2026-04-08',
    schemaDir: projectPath('schemas', 'ucp', '2026-04-08'),
    businessProfile: 'discovery/profile.json#/$defs/business_profile',
    platformProfile: 'discovery/profile.json#/$defs/platform_profile',
    errorResponse: 'shopping/types/error_response.json',
    keysMember: 'signing_keys',
  },
};

export function isProtocolVersion(v: unknown): v is ProtocolVersion {
  return typeof v === 'string' && Object.hasOwn(SPECS, v);
}

/** What ucpd knows about a version it implements (throws for any other: callers check first). */
export function versionSpec(v: string): VersionSpec {
  if (!isProtocolVersion(v)) throw new Error(`ucpd does not implement UCP ${v}`);
  return SPECS[v];
}
