/** Acting for the platform that owns a session, without a request from it. */
import { BUYER_CONSENT, CART, CHECKOUT, DISCOUNT, FULFILLMENT, ORDER, UCP_VERSION } from '../constants.js';
import type { Caller } from './types.js';

/**
 * A caller with every capability of this business, acting for `platform` (the sessions it owns): the buyer
 * at a session's page, a permalink staging a checkout in the browser, or a payment challenge the buyer
 * answered. It reads ucpd's model (2026-04-08's shapes) unless told the version the platform negotiated,
 * and sends order webhooks only when told where.
 */
export function ownerCaller(platform: string, o: { version?: string; webhookUrl?: string } = {}): Caller {
  const version = o.version ?? UCP_VERSION;
  const all = [CHECKOUT, CART, ORDER, FULFILLMENT, DISCOUNT, BUYER_CONSENT];
  return {
    negotiated: {
      version,
      capabilities: new Map(all.map((c) => [c, { version, extends: [] }])),
      platform: { url: platform, version, capabilities: {}, signingKeys: [], source: 'registry', ...(o.webhookUrl ? { webhookUrl: o.webhookUrl } : {}) },
    },
  };
}
