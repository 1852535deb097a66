/**
 * UCP checkout and cart requests as sent: the limits on what one request may hold, and the fields read
 * from it (addresses, buyer, codes, instruments), tolerant of common aliases and strict about types.
 * Pure; nothing here touches the store.
 */
import { confirmConsent, storedConsent } from './consent.js';
import { randomBytes } from 'node:crypto';
import type { CustomerAddress } from '../../catalog/model.js';
import { error, type UcpMessage } from '../messages.js';
import type { PaymentInstrumentInput } from '../payments.js';
import type { Address } from './types.js';
import { isObject } from '../../util/is-object.js';

export type Json = Record<string, unknown>;

export type Outcome = { status: number; body: Json } | { status: number; errors: UcpMessage[]; continueUrl?: string };

/** Most lines one cart or checkout may have. */
export const MAX_LINES = 250;
/** Most fulfillment methods, destinations per method, and discount codes one request may send (see overLimits). */
export const MAX_METHODS = 20;
export const MAX_DESTINATIONS = 20;
export const MAX_CODES = 20;

/** A request past the limits on what one session may hold: a 400 naming the list, before any work. */
export function overLimits(body: Json): Outcome | undefined {
  const errors: UcpMessage[] = [];
  if (Array.isArray(body.line_items) && body.line_items.length > MAX_LINES)
    errors.push(error('too_many_lines', `at most ${MAX_LINES} line items; ${body.line_items.length} sent`, 'recoverable', '$.line_items'));
  const methods = isObject(body.fulfillment) && Array.isArray(body.fulfillment.methods) ? body.fulfillment.methods : [];
  if (methods.length > MAX_METHODS) errors.push(error('too_many_methods', `at most ${MAX_METHODS} fulfillment methods; ${methods.length} sent`, 'recoverable', '$.fulfillment.methods'));
  methods.forEach((m, i) => {
    if (isObject(m) && Array.isArray(m.destinations) && m.destinations.length > MAX_DESTINATIONS) {
      errors.push(error('too_many_destinations', `at most ${MAX_DESTINATIONS} destinations per method; ${m.destinations.length} sent`, 'recoverable', `$.fulfillment.methods[${i}].destinations`));
    }
  });
  const codes = isObject(body.discounts) && Array.isArray(body.discounts.codes) ? body.discounts.codes : [];
  if (codes.length > MAX_CODES) errors.push(error('too_many_codes', `at most ${MAX_CODES} discount codes; ${codes.length} sent`, 'recoverable', '$.discounts.codes'));
  return errors.length ? { status: 400, errors } : undefined;
}

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
/** `prefix_` + 128 random bits in lower-case base32 (26 characters): ids of sessions and orders are capabilities. */
export function newId(prefix: string): string {
  const bytes = randomBytes(16);
  let out = '';
  let bits = 0;
  let acc = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ID_ALPHABET[(acc >>> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += ID_ALPHABET[(acc << (5 - bits)) & 31];
  return `${prefix}_${out}`;
}

export { isObject };
/** A line quantity: a whole number from 1 to `max` (so every amount computed from it stays exact). */
export const isQuantity = (v: unknown, max: number): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 && v <= max;
export const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

const ADDRESS_FIELDS = ['street_address', 'extended_address', 'address_locality', 'address_region', 'postal_code', 'address_country', 'first_name', 'last_name', 'phone_number'] as const;

/** The postal-address fields of a destination as sent (tolerating `locality`/`region`/`city`/`state`). */
export function addressOf(d: Json): Address {
  const a: Address = {};
  for (const f of ADDRESS_FIELDS) if (typeof d[f] === 'string') a[f] = d[f] as string;
  if (!a.address_locality && typeof (d.locality ?? d.city) === 'string') a.address_locality = String(d.locality ?? d.city);
  if (!a.address_region && typeof (d.region ?? d.state) === 'string') a.address_region = String(d.region ?? d.state);
  if (a.address_country) a.address_country = a.address_country.toUpperCase();
  return a;
}

export function savedToAddress(s: CustomerAddress): Address {
  return {
    street_address: s.street,
    address_locality: s.locality,
    ...(s.region ? { address_region: s.region } : {}),
    postal_code: s.postalCode,
    address_country: s.country,
  };
}

export const sameAddress = (a: Address, s: CustomerAddress) =>
  (a.street_address ?? '').toLowerCase() === s.street.toLowerCase() &&
  (a.postal_code ?? '').replace(/\s+/g, '').toUpperCase() === s.postalCode.replace(/\s+/g, '').toUpperCase() &&
  (a.address_country ?? '').toUpperCase() === s.country.toUpperCase();

/**
 * Buyer fields per types/buyer.json, tolerating `fullName` / `name`; consent: the confirmation (a purpose
 * map, as 2026-08-25 sends it) applied to what the buyer stated before, or what was stated kept.
 */
export function buyerOf(b: Json, prior?: Json): Json {
  const out: Json = {};
  for (const f of ['first_name', 'last_name', 'email', 'phone_number'] as const) if (typeof b[f] === 'string') out[f] = b[f];
  const full = str(b.fullName) ?? str(b.full_name) ?? str(b.name);
  if (full && out.first_name === undefined) {
    const [first, ...rest] = full.split(/\s+/);
    out.first_name = first;
    if (rest.length && out.last_name === undefined) out.last_name = rest.join(' ');
  }
  const before = storedConsent(prior?.consent);
  const consent = isObject(b.consent) ? confirmConsent(b.consent, before) : before;
  if (Object.keys(consent).length) out.consent = consent;
  return out;
}

export function instrumentsFrom(payment: unknown): PaymentInstrumentInput[] | undefined {
  if (!isObject(payment) || !Array.isArray(payment.instruments)) return undefined;
  return payment.instruments.filter(isObject).filter((i) => typeof i.id === 'string' && typeof i.handler_id === 'string') as unknown as PaymentInstrumentInput[];
}

export function codesFrom(discounts: unknown): string[] | undefined {
  if (!isObject(discounts) || !Array.isArray(discounts.codes)) return undefined;
  return discounts.codes.filter((c): c is string => typeof c === 'string');
}

/** The buyer's email, normalised (trimmed, lower case): how first-order and per-buyer conditions know a buyer. */
export function buyerEmail(doc: { buyer?: Record<string, unknown> }): string | undefined {
  const e = doc.buyer?.email;
  return typeof e === 'string' && /^[^\s@]+@[^\s@]+$/.test(e.trim()) ? e.trim().toLowerCase() : undefined;
}
