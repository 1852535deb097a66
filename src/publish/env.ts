/**
 * What an answer about offers is made with: the offer rules (store-wide data and the moment), the buyer's
 * context and the URLs, for every surface alike. `validity` collects the earliest instant at which the
 * answer changes (a cutoff, a pickup slot, a promotion or sale starting or ending), so a cached rendering
 * is dropped then.
 */
import type { OfferContext } from './context.js';
import { nextPromotionChange, type OfferRules } from './offers.js';
import type { StoreSnapshot } from './snapshot.js';
import type { Urls } from './urls.js';

export interface PublishEnv extends OfferRules {
  urls: Urls;
  context: OfferContext;
  /** The answer holds until this instant (ms); lowered by whatever the rendering used. */
  validity?: { until: number };
}

/** Note that what is being rendered changes at `instant`. */
export function holdsUntil(env: Pick<PublishEnv, 'validity'>, instant: Date | number | undefined): void {
  if (!env.validity || instant === undefined) return;
  const t = typeof instant === 'number' ? instant : instant.getTime();
  if (t < env.validity.until) env.validity.until = t;
}

/**
 * The environment for one rendering: the snapshot's rules at `now` for a buyer context; it holds at most
 * `maxAgeMs`, and no longer than the next promotion starting or ending.
 */
export function publishEnv(snapshot: StoreSnapshot, o: { urls: Urls; context: OfferContext; now: Date; defaultCurrency: string; maxAgeMs: number }): PublishEnv {
  const { merchant, locations, rates, taxRates, policies, promotions } = snapshot;
  const env: PublishEnv = {
    urls: o.urls,
    merchant,
    locations,
    rates,
    taxRates,
    policies,
    promotions,
    context: o.context,
    now: o.now,
    defaultCurrency: o.defaultCurrency,
    validity: { until: o.now.getTime() + o.maxAgeMs },
  };
  holdsUntil(env, nextPromotionChange(promotions, o.now));
  return env;
}
