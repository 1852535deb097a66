/**
 * Credentials follow the catalog: the merchant, each store-level return policy, each product
 * certification and each verified-purchase review has one active credential saying what the catalog
 * says now. When the data changes, the old credential is revoked and a new one issued; when the thing
 * goes away, its credential is revoked. The change log says what to look at: the first run covers
 * everything, later runs only the store-wide data and the products that changed since.
 */
import { servedCountries } from '../catalog/shipping.js';
import type { Urls } from '../publish/urls.js';
import type { Logger } from '../logger.js';
import type { Clock, Store } from '../store/store.js';
import { certificationClaim, merchantClaim, returnPolicyClaim, verifiedReviewClaim, type DesiredCredential } from './claims.js';
import type { CredentialService } from './credentials.js';

const SYNCED = 'credentials_synced_seq';
/** Re-issue a credential this long before it expires. */
const RENEW_BEFORE_MS = 30 * 24 * 3600_000;

export interface SyncReport {
  issued: number;
  revoked: number;
  unchanged: number;
  full: boolean;
}

export class CredentialSync {
  private running?: Promise<SyncReport>;
  private timer?: NodeJS.Timeout;
  private completed = 0;

  constructor(private readonly o: { store: Store; credentials: CredentialService; urls: Urls; clock: Clock; logger: Logger }) {}

  /** Run once; concurrent callers share the run in progress. */
  /** `full`: look at everything, not just what changed; `rekey`: also re-issue what an old key signed. */
  run(opts: { full?: boolean; rekey?: boolean } = {}): Promise<SyncReport> {
    this.running ??= this.sync(opts.full ?? opts.rekey ?? false, opts.rekey ?? false).finally(() => {
      this.running = undefined;
      this.completed++;
    });
    return this.running;
  }

  /** "ready" once a run has completed and none is in progress; "issuing" otherwise. */
  get state(): 'ready' | 'issuing' {
    return this.completed > 0 && !this.running ? 'ready' : 'issuing';
  }

  /** Keep credentials in step in the background. */
  start(intervalMs = 5_000): void {
    // a tick while a run is in progress would only share (and log again) that run's report
    const tick = () =>
      !this.running &&
      this.run().then(
        (r) => r.issued + r.revoked > 0 && this.o.logger.info('credentials synced', { ...r }),
        (err: unknown) => this.o.logger.error('credential sync failed', { error: err instanceof Error ? err.stack : String(err) }),
      );
    void tick();
    this.timer = setInterval(() => void tick(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async storeClaims(): Promise<DesiredCredential[]> {
    const { store, urls } = this.o;
    const merchant = await store.getMerchant();
    if (!merchant) return [];
    const [policies, rates, locations] = await Promise.all([store.listReturnPolicies(), store.listShippingRates(), store.listLocations()]);
    const served = servedCountries(merchant, rates, policies, locations);
    return [merchantClaim(merchant, urls), ...policies.map((p) => returnPolicyClaim(p, served, urls))];
  }

  private async productClaims(productId: string): Promise<DesiredCredential[]> {
    const record = await this.o.store.getProduct(productId);
    if (!record) return [];
    const claims = record.product.certifications.map((c) => certificationClaim(productId, c, this.o.urls));
    const reviews = record.reviewCount ? await this.o.store.listReviews(productId, record.reviewCount) : [];
    for (const r of reviews) if (r.verifiedPurchase) claims.push(verifiedReviewClaim(r, this.o.urls));
    return claims;
  }

  private async sync(forceFull: boolean, rekey: boolean): Promise<SyncReport> {
    const { store, credentials, clock } = this.o;
    const head = await store.lastSeq();
    const syncedText = await store.getMeta(SYNCED);
    const synced = syncedText === undefined ? -1 : Number(syncedText);
    const full = forceFull || synced < 0;
    if (!full && synced >= head) return { issued: 0, revoked: 0, unchanged: 0, full };

    const desired: DesiredCredential[] = [];
    /** Which active credentials this run is responsible for (others are left alone). */
    let inScope: (key: string, productId: string | undefined) => boolean;
    if (full) {
      desired.push(...(await this.storeClaims()));
      for await (const record of store.scanProducts()) desired.push(...(await this.productClaims(record.product.id)));
      inScope = () => true;
    } else {
      let storeChanged = false;
      const products = new Set<string>();
      for (let since = synced; ; ) {
        const page = await store.listChanges(since, 5000);
        for (const c of page) {
          if (c.entity === 'store') storeChanged = true;
          else if ((c.entity === 'product' || c.entity === 'review') && c.productId) products.add(c.productId);
        }
        if (page.length < 5000) break;
        since = page[page.length - 1]!.seq;
      }
      if (storeChanged) desired.push(...(await this.storeClaims()));
      for (const id of products) desired.push(...(await this.productClaims(id)));
      inScope = (key, productId) => (storeChanged && (key === 'merchant' || key.startsWith('return-policy:'))) || (productId !== undefined && products.has(productId));
    }

    const active = await store.activeCredentialsByKey();
    const renewBefore = new Date(clock.now().getTime() + RENEW_BEFORE_MS).toISOString();
    const activeKid = credentials.signingKeyId();
    let issued = 0;
    let revoked = 0;
    let unchanged = 0;
    const wanted = new Set<string>();
    for (const d of desired) {
      wanted.add(d.subjectKey);
      const current = active.get(d.subjectKey);
      const fresh =
        current &&
        current.contentHash === d.contentHash &&
        (!rekey || current.keyId === activeKid) &&
        (current.validUntil === undefined || current.validUntil > renewBefore || d.validUntil === current.validUntil);
      if (fresh) {
        unchanged++;
        continue;
      }
      if (current) {
        await credentials.revoke(current.id);
        revoked++;
      }
      await credentials.issue({
        type: d.type,
        subject: d.subject,
        subjectKey: d.subjectKey,
        subjectId: d.subjectId,
        ...(d.productId ? { productId: d.productId } : {}),
        ...(d.validUntil ? { validUntil: d.validUntil } : {}),
        contentHash: d.contentHash,
      });
      issued++;
    }
    for (const [key, current] of active) {
      if (wanted.has(key) || !inScope(key, current.productId)) continue;
      await credentials.revoke(current.id);
      revoked++;
    }
    await store.setMeta(SYNCED, String(await store.lastSeq()));
    return { issued, revoked, unchanged, full };
  }
}
