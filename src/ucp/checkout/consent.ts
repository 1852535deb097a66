/**
 * Buyer consent (the buyer_consent extension), pure. The business advertises every purpose it supports,
 * each with its default `granted` and, for marketing, per-channel segments (2026-08-25: purposes keyed by
 * reverse-DNS ids, segments override their purpose). A session keeps only what the buyer stated (the
 * platform's `source: "platform"` confirmations); everything else is the business default.
 *
 * 2026-04-08 carried four booleans (analytics, preferences, marketing, sale_of_data): they are the
 * buyer's statements on the same four purposes, so both versions read and write one state.
 */
import type { UcpMessage } from '../messages.js';
import { error, warning } from '../messages.js';
import { isObject } from '../../util/is-object.js';

export const ANALYTICS = 'dev.ucp.consent.analytics';
export const MARKETING = 'dev.ucp.consent.marketing';
export const PREFERENCES = 'dev.ucp.consent.preferences';
export const SALE_OR_SHARING = 'dev.ucp.consent.sale_or_sharing';
export const MARKETING_EMAIL = 'dev.ucp.consent.marketing.email';
export const MARKETING_SMS = 'dev.ucp.consent.marketing.sms';

/** What the buyer stated (source "platform"), per purpose and per segment; absent: the business default. */
export interface ConsentState {
  [purpose: string]: { granted?: boolean; segments?: Record<string, boolean> };
}

interface Choice {
  description: string;
  /** The business default: nothing is shared or sent for marketing unless the buyer says so. */
  granted: boolean;
  /** Buyer data a grant needs (a path in the buyer object). */
  needs?: { field: 'phone_number' | 'email'; text: string };
}

interface Purpose extends Choice {
  segments?: Record<string, Choice>;
  /** The 2026-04-08 boolean for this purpose. */
  legacy: string;
}

/** The consent options this business advertises (the spec's four well-known purposes and the marketing channels). */
export const PURPOSES: Readonly<Record<string, Purpose>> = {
  [ANALYTICS]: { description: 'Site analytics and performance measurement', granted: false, legacy: 'analytics' },
  [MARKETING]: {
    description: 'Promotional communications from this store',
    granted: false,
    legacy: 'marketing',
    segments: {
      [MARKETING_EMAIL]: { description: 'Promotional emails', granted: false, needs: { field: 'email', text: 'An email address is required for email marketing.' } },
      [MARKETING_SMS]: { description: 'Marketing text messages', granted: false, needs: { field: 'phone_number', text: 'A phone number is required for SMS marketing.' } },
    },
  },
  [PREFERENCES]: { description: 'Remembering preferences between visits', granted: false, legacy: 'preferences' },
  [SALE_OR_SHARING]: { description: 'Sale or sharing of personal data with third parties', granted: false, legacy: 'sale_of_data' },
};

type Json = Record<string, unknown>;

/**
 * A confirmation (the 2026-08-25 request map) applied to the stated values: advertised keys only (others
 * are ignored, rule 3); `source: "platform"` records the buyer's value, `source: "business"` leaves the
 * default (no buyer preference applies).
 */
export function confirmConsent(map: unknown, prior: ConsentState = {}): ConsentState {
  if (!isObject(map)) return prior;
  const out: ConsentState = {};
  for (const [id, purpose] of Object.entries(PURPOSES)) {
    const sent = map[id];
    const before = prior[id];
    if (!isObject(sent)) {
      if (before) out[id] = before;
      continue;
    }
    const next: ConsentState[string] = {};
    if (sent.source === 'platform' && typeof sent.granted === 'boolean') next.granted = sent.granted;
    const segs: Record<string, boolean> = {};
    for (const seg of Object.keys(purpose.segments ?? {})) {
      const s = isObject(sent.segments) ? sent.segments[seg] : undefined;
      if (isObject(s)) {
        if (s.source === 'platform' && typeof s.granted === 'boolean') segs[seg] = s.granted;
      } else if (before?.segments?.[seg] !== undefined) segs[seg] = before.segments[seg]!;
    }
    if (Object.keys(segs).length) next.segments = segs;
    if (next.granted !== undefined || next.segments) out[id] = next;
  }
  return out;
}

/** The 2026-04-08 booleans as statements (a boolean is the buyer's own choice). */
export function consentFromBooleans(consent: unknown): ConsentState {
  if (!isObject(consent)) return {};
  const out: ConsentState = {};
  for (const [id, p] of Object.entries(PURPOSES)) if (typeof consent[p.legacy] === 'boolean') out[id] = { granted: consent[p.legacy] as boolean };
  return out;
}

/** Stated values as a confirmation (what a platform would send to state them again: a cart becoming a checkout). */
export function asConfirmation(state: ConsentState): Json {
  const out: Json = {};
  for (const [id, s] of Object.entries(state)) {
    out[id] = {
      ...(s.granted !== undefined ? { granted: s.granted, source: 'platform' } : {}),
      ...(s.segments ? { segments: Object.fromEntries(Object.entries(s.segments).map(([seg, granted]) => [seg, { granted, source: 'platform' }])) } : {}),
    };
  }
  return out;
}

/** The stated values as 2026-04-08 booleans (what the buyer said; defaults are not statements). */
export function consentToBooleans(state: ConsentState): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const [id, p] of Object.entries(PURPOSES)) if (state[id]?.granted !== undefined) out[p.legacy] = state[id]!.granted!;
  return out;
}

/** The advertised consent map (2026-08-25 response): every purpose and segment, the buyer's value or the default, and who set it. */
export function advertisedConsent(state: ConsentState, links: readonly { type: string; url: string }[]): Json {
  const privacy = links.filter((l) => l.type === 'privacy_policy');
  const choice = (c: Choice, stated: boolean | undefined, withLinks: boolean): Json => ({
    granted: stated ?? c.granted,
    source: stated === undefined ? 'business' : 'platform',
    description: c.description,
    ...(withLinks && privacy.length ? { links: privacy } : {}),
  });
  const out: Json = {};
  for (const [id, p] of Object.entries(PURPOSES)) {
    const s = state[id];
    const segments = p.segments ? Object.fromEntries(Object.entries(p.segments).map(([seg, c]) => [seg, choice(c, s?.segments?.[seg], false)])) : undefined;
    out[id] = { ...choice(p, s?.granted, true), ...(segments ? { segments } : {}) };
  }
  return out;
}

/** Whether a choice is granted in effect: the segment's value wins over its purpose's (rule 4). */
function effective(state: ConsentState, purpose: string, segment: string): boolean {
  const p = PURPOSES[purpose]!;
  return state[purpose]?.segments?.[segment] ?? state[purpose]?.granted ?? p.segments?.[segment]?.granted ?? p.granted;
}

/**
 * Granted choices whose buyer data is missing (e.g. SMS marketing without a phone number): warnings while
 * the session is open, errors that block completion.
 */
export function consentGaps(state: ConsentState, buyer: Json | undefined, blocking: boolean): UcpMessage[] {
  const out: UcpMessage[] = [];
  for (const [id, p] of Object.entries(PURPOSES))
    for (const [seg, c] of Object.entries(p.segments ?? {})) {
      if (!c.needs || !effective(state, id, seg)) continue;
      if (typeof buyer?.[c.needs.field] === 'string' && buyer[c.needs.field] !== '') continue;
      const path = `$.buyer.${c.needs.field}`;
      out.push(blocking ? error('missing_consent_data', c.needs.text, 'recoverable', path) : warning('missing_consent_data', c.needs.text, path));
    }
  return out;
}

/** A stored consent: the state, or (sessions written before per-purpose consent) 2026-04-08 booleans. */
export function storedConsent(x: unknown): ConsentState {
  if (!isObject(x)) return {};
  return Object.keys(x).some((k) => k.includes('.')) ? (x as ConsentState) : consentFromBooleans(x);
}
