/**
 * The business profile served at /.well-known/ucp: the protocol version, the `dev.ucp.shopping` REST
 * service, the capabilities ucpd implements (with their spec and schema URLs), payment handlers, and the
 * merchant's P-256 signing keys (the same keys that sign JSON-LD responses). A business that supports
 * older protocol versions lists them in `supported_versions`, each pointing at a leaf profile for that
 * version (same shape, no `supported_versions`).
 */
import {
  BUYER_CONSENT,
  CART,
  CHECKOUT,
  DISCOUNT,
  FULFILLMENT,
  ORDER,
  CATALOG_LOOKUP,
  CATALOG_SEARCH,
  INVENTORY_EXTENSION,
  INVENTORY_VERSION,
  UCPD_SCHEMA_FILES,
  INVENTORY_SCHEMA_URL,
  INVENTORY_SPEC_URL,
  PERMALINK,
  SHOPPING_SERVICE,
  UCP_VERSION,
  ucpSchemaUrl,
  ucpSpecUrl,
} from './constants.js';
import { versionSpec } from './versions.js';

export interface CapabilityEntry {
  version: string;
  spec?: string;
  schema?: string;
  extends?: string | string[];
  config?: Record<string, unknown>;
  id?: string;
}

/** A capability registry: reverse-domain name -> entries (one per version). */
export type CapabilityRegistry = Record<string, CapabilityEntry[]>;

export interface SigningJwk {
  kid: string;
  kty: string;
  crv?: string;
  x?: string;
  y?: string;
  alg?: string;
  use?: string;
}

export interface ProfileDocument {
  ucp: {
    version: string;
    supported_versions?: Record<string, string>;
    services: Record<string, Record<string, unknown>[]>;
    capabilities?: CapabilityRegistry;
    payment_handlers: Record<string, Record<string, unknown>[]>;
  };
  /** The public signing keys: `keys` from 2026-08-25 on, `signing_keys` before (VersionSpec.keysMember). */
  keys?: SigningJwk[];
  signing_keys?: SigningJwk[];
}

/** The public signing keys a profile document publishes, in whichever member its version uses. */
export function profileKeys(doc: unknown): SigningJwk[] {
  const d = doc as { keys?: unknown; signing_keys?: unknown } | null;
  const keys = Array.isArray(d?.keys) ? d.keys : Array.isArray(d?.signing_keys) ? d.signing_keys : [];
  return (keys as SigningJwk[]).filter((k) => k !== null && typeof k === 'object' && typeof k.kid === 'string');
}

/** 2026-08-25 split the specification into verticals: the shopping capabilities' pages moved under shopping/. */
const vertical = (version: string, page: string) => (version >= '2026-08-25' ? `shopping/${page}` : page);

/** The capabilities of the catalog (issue: catalog search and lookup, plus the inventory extension). */
export function catalogCapabilities(version = UCP_VERSION, o: { schemaBase?: string } = {}): CapabilityRegistry {
  // the extension's schema lives at its namespace's authority (ucpd.dev); every store serves copies of ucpd's schemas too
  const copies = o.schemaBase ? { config: { schemas: UCPD_SCHEMA_FILES.map((f) => `${o.schemaBase}/schemas/ucpd/${f}`) } } : {};
  return {
    [CATALOG_SEARCH]: [{ version, spec: ucpSpecUrl(vertical(version, 'catalog/search'), version), schema: ucpSchemaUrl('shopping/catalog_search.json', version) }],
    [CATALOG_LOOKUP]: [{ version, spec: ucpSpecUrl(vertical(version, 'catalog/lookup'), version), schema: ucpSchemaUrl('shopping/catalog_lookup.json', version) }],
    [INVENTORY_EXTENSION]: [{ version: INVENTORY_VERSION, extends: [CATALOG_SEARCH, CATALOG_LOOKUP], spec: INVENTORY_SPEC_URL, schema: INVENTORY_SCHEMA_URL, ...copies }],
  };
}

/**
 * Cart, checkout and order, with the fulfillment, discount and buyer-consent extensions; from 2026-08-25
 * fulfillment also extends the catalog (variants' fulfillment methods), buyer consent also the cart, and
 * the permalink capability (a link that opens a prefilled checkout) joins them.
 */
export function commerceCapabilities(version = UCP_VERSION, o: { permalinkEndpoint?: string } = {}): CapabilityRegistry {
  const next = version >= '2026-08-25';
  const cap = (page: string, schema: string, ext?: string | string[], config?: Record<string, unknown>): CapabilityEntry[] => [
    { version, spec: ucpSpecUrl(page, version), schema: ucpSchemaUrl(`shopping/${schema}`, version), ...(ext ? { extends: ext } : {}), ...(config ? { config } : {}) },
  ];
  return {
    [CHECKOUT]: cap(vertical(version, 'checkout'), 'checkout.json'),
    [CART]: cap(vertical(version, 'cart'), 'cart.json'),
    [ORDER]: cap(vertical(version, 'order'), 'order.json'),
    [FULFILLMENT]: cap('fulfillment', 'fulfillment.json', next ? [CHECKOUT, CATALOG_SEARCH, CATALOG_LOOKUP] : CHECKOUT),
    [DISCOUNT]: cap('discount', 'discount.json', [CART, CHECKOUT]),
    [BUYER_CONSENT]: cap('buyer-consent', 'buyer_consent.json', next ? [CART, CHECKOUT] : CHECKOUT),
    ...(next && o.permalinkEndpoint ? { [PERMALINK]: cap('permalink', 'permalink.json', undefined, { endpoint: o.permalinkEndpoint }) } : {}),
  };
}

export interface BusinessProfileOptions {
  /** The REST endpoint (https, no trailing slash), e.g. https://shop.example/ucp/v1. */
  endpoint: string;
  /** The MCP endpoint (streamable HTTP), when served. */
  mcpEndpoint?: string;
  version?: string;
  /** Older protocol versions -> the URL of their leaf profile. */
  supportedVersions?: Record<string, string>;
  capabilities: CapabilityRegistry;
  paymentHandlers?: Record<string, Record<string, unknown>[]>;
  signingKeys: SigningJwk[];
}

export function businessProfile(o: BusinessProfileOptions): ProfileDocument {
  const version = o.version ?? UCP_VERSION;
  const supported = o.supportedVersions && Object.keys(o.supportedVersions).length ? o.supportedVersions : undefined;
  return {
    ucp: {
      version,
      ...(supported ? { supported_versions: supported } : {}),
      services: {
        [SHOPPING_SERVICE]: [
          {
            version,
            spec: ucpSpecUrl('overview', version),
            transport: 'rest',
            schema: `https://ucp.dev/${version}/services/shopping/rest.openapi.json`,
            endpoint: o.endpoint,
          },
          ...(o.mcpEndpoint
            ? [{ version, spec: ucpSpecUrl('overview', version), transport: 'mcp', schema: `https://ucp.dev/${version}/services/shopping/mcp.openrpc.json`, endpoint: o.mcpEndpoint }]
            : []),
        ],
      },
      capabilities: o.capabilities,
      payment_handlers: o.paymentHandlers ?? {},
    },
    [versionSpec(version).keysMember]: o.signingKeys.map(({ kid, kty, crv, x, y, alg, use }) => ({
      kid,
      kty,
      ...(crv ? { crv } : {}),
      ...(x ? { x } : {}),
      ...(y ? { y } : {}),
      use: use ?? 'sig',
      alg: alg ?? 'ES256',
    })),
  };
}
