/**
 * The store-wide snapshot: the merchant, locations, shipping rates, tax rates, return policies, promotions
 * and discount codes every offer is made from, read once per store version and shared by every surface
 * (JSON-LD, HTML, UCP catalog, cart and checkout). Any write to store-wide data moves the version, so
 * the next request of any surface sees it.
 */
import type { DiscountCode, Location, Merchant, Promotion, ReturnPolicy, ShippingRate, TaxRate } from '../catalog/model.js';
import type { Store } from '../store/store.js';

export interface StoreSnapshot {
  /** The store version this was read at. */
  seq: number;
  /** When store-wide data last changed. */
  at?: string;
  merchant: Merchant;
  locations: Location[];
  rates: ShippingRate[];
  taxRates: TaxRate[];
  policies: ReturnPolicy[];
  promotions: Promotion[];
  discounts: DiscountCode[];
}

/** The placeholder merchant of a store nothing was imported into yet. */
export function placeholderMerchant(baseUrl: string, currency: string): Merchant {
  return { legalName: 'ucpd store', name: 'ucpd store', url: baseUrl, support: {}, policies: {}, country: 'US', currencies: [currency], languages: ['en'] };
}

export class Snapshots {
  private current?: StoreSnapshot;
  private loading?: { seq: number; promise: Promise<StoreSnapshot> };

  constructor(private readonly o: { store: Store; baseUrl: string; defaultCurrency: string }) {}

  /** The snapshot at the store's current version (concurrent callers share one read). */
  async get(): Promise<StoreSnapshot> {
    const version = await this.o.store.storeVersion();
    if (this.current && this.current.seq === version.seq) return this.current;
    if (this.loading && this.loading.seq === version.seq) return this.loading.promise;
    const promise = this.read(version).finally(() => {
      if (this.loading?.promise === promise) this.loading = undefined;
    });
    this.loading = { seq: version.seq, promise };
    return promise;
  }

  private async read(version: { seq: number; at?: string }): Promise<StoreSnapshot> {
    const s = this.o.store;
    const [merchant, locations, rates, taxRates, policies, promotions, discounts] = await Promise.all([
      s.getMerchant(),
      s.listLocations(),
      s.listShippingRates(),
      s.listTaxRates(),
      s.listReturnPolicies(),
      s.listPromotions(),
      s.listDiscounts(),
    ]);
    const snapshot: StoreSnapshot = {
      seq: version.seq,
      ...(version.at ? { at: version.at } : {}),
      merchant: merchant ?? placeholderMerchant(this.o.baseUrl, this.o.defaultCurrency),
      locations,
      rates,
      taxRates,
      policies,
      promotions,
      discounts,
    };
    if (!this.current || this.current.seq <= snapshot.seq) this.current = snapshot;
    return snapshot;
  }
}
