/**
 * UCP assembled from configuration: the business profile (per protocol version), the platform registry
 * and resolver, the request-signature verifier and the capabilities' services. HTTP routes
 * (src/http/ucp-routes.ts) call `admit` for every request: who is calling, at which version, with which
 * capabilities, signed by whom.
 */
import path from 'node:path';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { CATALOG_ORIGIN, type Clock, type Store } from '../store/store.js';
import type { Trust } from '../trust/trust.js';
import { UcpCatalog } from './catalog/service.js';
import { CURRENT_VERSION } from './versions.js';
import { ProfileFetcher, type FetchPolicy } from './fetcher.js';
import { negotiate, profileUrlFromHeader, type BusinessVersions, type Negotiated, type PlatformProfile } from './negotiation.js';
import { PlatformRegistry, PlatformResolver } from './platforms.js';
import { businessProfile, catalogCapabilities, commerceCapabilities, type CapabilityRegistry, type ProfileDocument, type SigningJwk } from './profile.js';
import { PaymentHandlers, TestPaymentHandler } from './payments.js';
import { CheckoutService } from './checkout/service.js';
import { WebhookDispatcher } from './webhooks.js';
import { IdempotencyKeys } from './idempotency.js';
import type { Snapshots } from '../publish/snapshot.js';
import { Urls } from '../publish/urls.js';
import { RequestVerifier, type SignedRequest } from './request-signature.js';
import { ucpSchemas, type UcpSchemas } from './schemas.js';
import { MCP_PATH } from './mcp/path.js';
import { PERMALINK_PATH } from './permalink.js';

export interface UcpDeps {
  config: Config;
  store: Store;
  /** The store-wide snapshot every surface shares (publish/snapshot.ts). */
  snapshots: Snapshots;
  trust: Trust;
  clock: Clock;
  logger: Logger;
  /** Test hooks for the profile fetcher (a private CA, a DNS stub). */
  fetchPolicy?: Partial<FetchPolicy>;
}

export interface Admission {
  negotiated: Negotiated;
  /** The key id that signed the request, when it was signed. */
  signedBy?: string;
}

/**
 * The test handler per configuration: 'always', 'never', or (the default) only while the store holds the
 * bundled demo catalog: a retailer who imports a real catalog never offers free orders by accident.
 */
export function testPaymentHandlers(mode: Config['ucp']['testPayments'], store: Store): PaymentHandlers {
  if (mode === 'never') return new PaymentHandlers([]);
  const handler = new TestPaymentHandler();
  if (mode === 'always') return new PaymentHandlers([{ handler }]);
  return new PaymentHandlers([{ handler, gate: async () => (await store.getMeta(CATALOG_ORIGIN)) === 'demo' }]);
}

export class Ucp {
  readonly schemas: UcpSchemas;
  readonly registry: PlatformRegistry;
  readonly resolver: PlatformResolver;
  readonly verifier: RequestVerifier;
  readonly catalog: UcpCatalog;
  readonly store: Store;
  readonly payments: PaymentHandlers;
  readonly checkout: CheckoutService;
  readonly webhooks: WebhookDispatcher;
  readonly idempotency: IdempotencyKeys;
  readonly business: BusinessVersions;
  /** Public endpoint of the REST service, and its path on this server. */
  readonly endpoint: string;
  readonly endpointPath = '/ucp/v1';
  /** Public endpoint of the MCP service (streamable HTTP). */
  readonly mcpEndpoint: string;
  /** The browser endpoint of permalinks (2026-08-25 dev.ucp.shopping.permalink): a link that opens a prefilled checkout. */
  readonly permalinkEndpoint: string;
  /** Negotiation depends only on the platform profile (cached objects), so its result is kept with it. */
  private readonly negotiated = new WeakMap<PlatformProfile, Negotiated>();

  constructor(private readonly d: UcpDeps) {
    const { config } = d;
    this.schemas = ucpSchemas(CURRENT_VERSION);
    this.endpoint = `${config.baseUrl}${this.endpointPath}`;
    this.mcpEndpoint = `${config.baseUrl}${MCP_PATH}`;
    this.permalinkEndpoint = `${config.baseUrl}${PERMALINK_PATH}`;
    const byVersion = new Map<string, CapabilityRegistry>([[CURRENT_VERSION, this.capabilities(CURRENT_VERSION)]]);
    for (const v of config.ucp.supportedVersions) if (v !== CURRENT_VERSION) byVersion.set(v, this.capabilities(v));
    this.business = { current: CURRENT_VERSION, byVersion };
    this.registry = new PlatformRegistry(path.join(config.dataDir, 'platforms'), d.logger);
    this.resolver = new PlatformResolver({
      registry: this.registry,
      fetcher: new ProfileFetcher({ allowHosts: config.ucp.fetchAllowHosts, ...d.fetchPolicy }),
      policy: { approvedOnly: config.ucp.approvedOnly, trustedOrigins: config.ucp.trustedOrigins, cacheEntries: 1000, versions: new Set(byVersion.keys()) },
      now: () => d.clock.now().getTime(),
      logger: d.logger,
    });
    this.verifier = new RequestVerifier({ required: config.ucp.requireSignatures, maxAgeSeconds: config.ucp.signatureMaxAge, skewSeconds: 60 }, () => d.clock.now().getTime());
    const urls = new Urls(config.baseUrl);
    this.catalog = new UcpCatalog({ store: d.store, snapshots: d.snapshots, urls, clock: d.clock, qualityExclude: config.qualityExclude, defaultCurrency: config.defaultCurrency });
    this.store = d.store;
    this.payments = testPaymentHandlers(config.ucp.testPayments, d.store);
    const fetcher = new ProfileFetcher({ allowHosts: config.ucp.fetchAllowHosts, ...d.fetchPolicy });
    this.webhooks = new WebhookDispatcher({
      store: d.store,
      fetcher,
      keys: d.trust.keys,
      profileUrl: (v) => this.profileUrl(v !== undefined && this.business.byVersion.has(v) ? v : undefined),
      clock: d.clock,
      logger: d.logger,
    });
    this.idempotency = new IdempotencyKeys({ store: d.store, clock: d.clock, logger: d.logger });
    this.checkout = new CheckoutService({
      store: d.store,
      urls,
      clock: d.clock,
      logger: d.logger,
      payments: this.payments,
      onWebhooksQueued: () => void this.webhooks.kick(),
      snapshot: () => d.snapshots.get(),
      defaultCurrency: config.defaultCurrency,
      maxLineQuantity: config.ucp.maxLineQuantity,
      savedAddresses: config.ucp.savedAddresses,
    });
  }

  /**
   * What this business offers at a protocol version: each `dev.ucp.*` capability at that version (a
   * profile for release D advertises D for them), ucpd's own extension at its own version.
   */
  private capabilities(version: string): CapabilityRegistry {
    return { ...catalogCapabilities(version, { schemaBase: this.d.config.baseUrl }), ...commerceCapabilities(version, { permalinkEndpoint: this.permalinkEndpoint }) };
  }

  /** The schemas of a negotiated protocol version. */
  schemasFor(version: string): UcpSchemas {
    return ucpSchemas(version);
  }

  private signingKeys(): SigningJwk[] {
    return this.d.trust.keys
      .published()
      .filter((k) => k.kind === 'p256')
      .map((k) => k.publicJwk as unknown as SigningJwk);
  }

  /** The profile at /.well-known/ucp, or the leaf profile of a supported older version. */
  async profile(version: string = CURRENT_VERSION): Promise<ProfileDocument | undefined> {
    const caps = this.business.byVersion.get(version);
    if (!caps) return undefined;
    const current = version === CURRENT_VERSION;
    const supported = current ? Object.fromEntries([...this.business.byVersion.keys()].filter((v) => v !== CURRENT_VERSION).map((v) => [v, this.profileUrl(v)])) : undefined;
    const paymentHandlers = (await this.payments.offered()).registry();
    return businessProfile({
      endpoint: this.endpoint,
      mcpEndpoint: this.mcpEndpoint,
      version,
      capabilities: caps,
      paymentHandlers,
      signingKeys: this.signingKeys(),
      ...(supported ? { supportedVersions: supported } : {}),
    });
  }

  profileUrl(version: string = CURRENT_VERSION): string {
    return version === CURRENT_VERSION ? `${this.d.config.baseUrl}/.well-known/ucp` : `${this.d.config.baseUrl}/.well-known/ucp/${version}`;
  }

  /** Negotiate and check the signature of one request; `client`: the caller's address. Throws UcpProtocolError. */
  async admit(req: SignedRequest & { client?: string }): Promise<Admission> {
    const profileUrl = profileUrlFromHeader(req.headers['ucp-agent']);
    const platform = await this.resolver.resolve(profileUrl, req.client !== undefined ? { client: req.client } : {});
    let negotiated = this.negotiated.get(platform);
    if (!negotiated) {
      negotiated = negotiate(this.business, platform);
      this.negotiated.set(platform, negotiated);
    }
    const verified = await this.verifier.verify(req, platform, () => this.resolver.resolve(profileUrl, { refresh: true, ...(req.client !== undefined ? { client: req.client } : {}) }));
    return { negotiated, ...(verified ? { signedBy: verified.keyid } : {}) };
  }
}
