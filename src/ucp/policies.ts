/**
 * UCP `policies[]` (2026-08-25, #572) from the store's return policies: one response-wide entry for the
 * store's policy where the buyer is, and one per item whose product has a policy of its own (targeted at
 * that item, so the narrower target governs it). The words are the refund page's (returnTerms).
 */
import type { ReturnPolicy } from '../catalog/model.js';
import { returnPoliciesFor, returnTerms } from '../catalog/shipping.js';
import type { PublishEnv } from '../publish/env.js';
import type { Urls } from '../publish/urls.js';

export const RETURN_POLICY = 'dev.ucp.shopping.policy.return';

export interface UcpPolicy {
  type: string;
  description: { plain: string };
  url?: string;
  applies_to?: string[];
}

const sentence = (p: ReturnPolicy) => {
  const t = returnTerms(p);
  return `${t.charAt(0).toUpperCase()}${t.slice(1)}.`;
};

function entry(p: ReturnPolicy, urls: Urls, appliesTo?: string): UcpPolicy {
  return {
    type: RETURN_POLICY,
    description: { plain: sentence(p) },
    ...(p.url ? { url: urls.absolute(p.url) } : {}),
    ...(appliesTo ? { applies_to: [appliesTo] } : {}),
  };
}

/**
 * The policies of a response: `items` are its items (their JSONPath from the response root and their
 * product's own policy id, if any); `country`: where the buyer is or the order goes.
 */
export function ucpPolicies(all: readonly ReturnPolicy[], country: string | undefined, items: readonly { path: string; policyId?: string }[], urls: Urls): UcpPolicy[] {
  // where the country is unknown (or several policies apply there), the store's default one speaks for the store
  const applicable = returnPoliciesFor(all, undefined, country);
  const store = applicable.find((p) => p.isDefault) ?? applicable[0];
  const out: UcpPolicy[] = store ? [entry(store, urls)] : [];
  for (const item of items) {
    if (item.policyId === undefined || item.policyId === store?.id) continue;
    const own = all.find((p) => p.id === item.policyId);
    if (own) out.push(entry(own, urls, item.path));
  }
  return out;
}

/** The policies of a catalog response: its products' own policies (at `path(i)`), for the buyer's country in context. */
export function productPolicies(
  env: Pick<PublishEnv, 'policies' | 'context' | 'urls'>,
  policyIds: readonly (string | undefined)[],
  path: (i: number) => string,
  country = env.context.country,
): UcpPolicy[] {
  return ucpPolicies(
    env.policies,
    country,
    policyIds.map((policyId, i) => ({ path: path(i), ...(policyId ? { policyId } : {}) })),
    env.urls,
  );
}
