/**
 * UCP 2026-08-25 on the wire (#507 catalog fulfillment, #572 policies, #451 consent per purpose and
 * segment, and the fulfillment types that became discriminated): the model's resources with
 * - fulfillment destinations typed (`shipping_address`, `business_location`) and option descriptions as
 *   description objects;
 * - buyer consent advertised in full (every purpose and segment, the buyer's value or the default);
 * - requests' destination types and quantity units read back into the model.
 */
import { advertisedConsent, storedConsent } from '../checkout/consent.js';
import { BUYER_CONSENT } from '../constants.js';
import { error } from '../messages.js';
import type { Json, WireCodec } from './types.js';
import { isObject } from '../../util/is-object.js';

/** UN/CEFACT Rec 20 "one" (each): the sale unit of every ucpd item. */
const EACH = 'C62';

const objects = (x: unknown): Json[] => (Array.isArray(x) ? x.filter(isObject) : []);
const described = (d: unknown) => (typeof d === 'string' ? { plain: d } : d);

function fulfillmentOut(f: Json): Json {
  return {
    ...f,
    methods: objects(f.methods).map((m) => ({
      ...m,
      destinations: objects(m.destinations).map((d) => ({ type: m.type === 'pickup' ? 'business_location' : 'shipping_address', ...d })),
      groups: objects(m.groups).map((g) => ({ ...g, options: objects(g.options).map((o) => (o.description === undefined ? o : { ...o, description: described(o.description) })) })),
    })),
  };
}

function fulfillmentIn(f: Json): Json {
  return {
    ...f,
    methods: objects(f.methods).map((m) => (Array.isArray(m.destinations) ? { ...m, destinations: objects(m.destinations).map(({ type: _type, ...d }) => d) } : m)),
  };
}

export const v20260825: WireCodec = {
  version: '2026-08-25',
  request(resource, body) {
    if (resource !== 'checkout' && resource !== 'cart') return body;
    const out: Json = { ...body };
    if (isObject(body.fulfillment) && Array.isArray(body.fulfillment.methods)) out.fulfillment = fulfillmentIn(body.fulfillment);
    // every item is sold by the unit: `refuse` turned away any other asserted unit, so C62 is all that is left to drop
    if (Array.isArray(body.line_items)) out.line_items = body.line_items.map((l) => (isObject(l) && isObject(l.item) ? { ...l, item: (({ quantity_unit: _u, ...i }) => i)(l.item) } : l));
    return out;
  },
  /** ucpd sells every item each (C62, scale 0): a line asserting another sale unit is refused, never reinterpreted (#653). */
  refuse(resource, body) {
    if (resource !== 'checkout' && resource !== 'cart') return [];
    return objects(body.line_items).flatMap((l, i) => {
      const u = isObject(l.item) ? l.item.quantity_unit : undefined;
      if (!isObject(u) || (u.unit === EACH && (u.scale ?? 0) === 0)) return [];
      return [
        error(
          'quantity_unit_mismatch',
          `this store sells ${String(isObject(l.item) ? l.item.id : 'this item')} each (${EACH}), not in ${String(u.unit)} at scale ${String(u.scale ?? 0)}; send the quantity in units, or omit quantity_unit`,
          'recoverable',
          `$.line_items[${i}].item.quantity_unit`,
        ),
      ];
    });
  },
  response(resource, body, n) {
    if (resource !== 'checkout' && resource !== 'cart' && resource !== 'order') return body;
    const out: Json = { ...body };
    if (isObject(body.fulfillment) && Array.isArray(body.fulfillment.methods)) out.fulfillment = fulfillmentOut(body.fulfillment);
    if (resource !== 'order' && n.capabilities.has(BUYER_CONSENT)) {
      const buyer = isObject(body.buyer) ? body.buyer : {};
      const links = objects(body.links) as { type: string; url: string }[];
      out.buyer = { ...buyer, consent: advertisedConsent(storedConsent(buyer.consent), links) };
    }
    return out;
  },
};
