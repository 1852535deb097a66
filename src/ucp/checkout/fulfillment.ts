/**
 * Fulfillment in a checkout: shipping options for an address and pickup at stores, from the offer engine
 * (the cost, dates and words every surface shows), and the fulfillment object as UCP renders it.
 */
import type { Location } from '../../catalog/model.js';
import type { Destination } from '../../catalog/shipping.js';
import { arrivalInstants } from '../../publish/delivery.js';
import { pickupOptions, shippingCurrencies, shippingOptions as offeredShipping, type ShippingOption } from '../../publish/offers.js';
import { readyText, shippingTerms } from '../../publish/wording.js';
import { countryCode, regionCode } from '../context.js';
import type { Address, DestinationDoc, Env, FulfillmentOption, ItemInfo, LineDoc, SessionDoc, View } from './types.js';

/** Where an address is, as the offer engine matches rates: ISO country, ISO region (names accepted), postal code. */
export function destinationOf(address: Address): Destination | undefined {
  const country = address.address_country ? countryCode(address.address_country) : undefined;
  if (!country) return undefined;
  const rawRegion = address.address_region?.trim();
  const region = rawRegion ? (regionCode(country, rawRegion) ?? rawRegion.toUpperCase()) : undefined;
  const postalCode = address.postal_code?.trim().toUpperCase();
  return { country, ...(region ? { region } : {}), ...(postalCode ? { postalCode } : {}) };
}

/** Why a destination gets no shipping option, and what the buyer can do instead. */
export function undeliverable(env: Env, where: Destination, currency: string, pickup: boolean): string {
  const place = [where.country, where.region, where.postalCode].filter(Boolean).join(' ');
  const others = shippingCurrencies(env, where).filter((c) => c !== currency && env.merchant.currencies.includes(c));
  const instead = [others.length ? `a checkout in ${others.join(' or ')} (context.currency) can ship there` : '', pickup ? 'pickup is available' : ''].filter(Boolean).join('; ');
  return `this store does not ship to ${place}${others.length ? ` in ${currency}` : ''}${instead ? `; ${instead}` : '; choose another address'}`;
}

/** A UCP fulfillment option for an engine's shipping option (the same cost, dates and words every surface shows). */
function shippingOption(o: ShippingOption): FulfillmentOption {
  const at = o.window ? arrivalInstants(o.window) : undefined;
  return {
    id: o.rate.id,
    title: o.free ? `${o.rate.title} (Free)` : o.rate.title,
    description: shippingTerms(o),
    ...(at ? { earliest_fulfillment_time: at.earliest.toISOString(), latest_fulfillment_time: at.latest.toISOString() } : {}),
    totals: [
      { type: 'fulfillment', amount: o.amount, display_text: o.rate.title },
      { type: 'total', amount: o.amount },
    ],
    amount: o.amount,
  };
}

/** Shipping options for an address and a basket (subtotal after discounts) in the session's currency: the offer engine's. */
export function shippingOptions(env: Env, address: Address, subtotal: number, currency: string, itemIds: readonly string[]): FulfillmentOption[] {
  const destination = destinationOf(address);
  if (!destination) return [];
  return offeredShipping(env, destination, { currency, subtotal, itemIds }).map(shippingOption);
}

/** The pickup option at a location for the group's lines: free, ready when the engine says the store has it ready. */
export function pickupOption(env: Env, loc: Location, lines: readonly { info?: ItemInfo; doc: LineDoc }[]): FulfillmentOption {
  const levels = lines.flatMap((l) => l.info?.levels.filter((lv) => lv.locationId === loc.id) ?? []);
  const ready = pickupOptions(env, levels).find((p) => p.location.id === loc.id)?.ready;
  return {
    id: `pickup-${loc.id}`,
    title: `Pick up at ${loc.name}`,
    description: ready ? `Free pickup, ${readyText(ready, loc.timeZone ?? 'UTC')}` : 'Free pickup',
    ...(ready ? { earliest_fulfillment_time: ready.readyAt.toISOString() } : {}),
    totals: [
      { type: 'fulfillment', amount: 0, display_text: 'Pickup' },
      { type: 'total', amount: 0 },
    ],
    amount: 0,
  };
}

/** Pickup locations that hold enough stock for every line of the group (lines of one variant together). */
export function pickupLocations(env: Env, lines: readonly { info?: ItemInfo; doc: LineDoc }[]): Location[] {
  // the offer engine's pickup stores for each line (in the buyer's country when known, with enough stock),
  // intersected: a group is collected from one store
  const wanted = wantedPerVariant(lines);
  const country = env.contextDestination?.country;
  let common: Set<string> | undefined;
  for (const l of lines) {
    if (!l.info) return [];
    const here = pickupOptions(env, l.info.levels, { ...(country ? { country } : {}), quantity: wanted.get(l.info.variantId)!.quantity }).map((p) => p.location.id);
    common = new Set(common ? here.filter((id) => common!.has(id)) : here);
  }
  return env.locations.filter((loc) => common?.has(loc.id));
}

/** Units wanted per variant across the lines (lines of one variant share its stock). */
export function wantedPerVariant(lines: readonly { info?: ItemInfo; doc: LineDoc }[]): Map<string, { quantity: number; lines: number }> {
  const out = new Map<string, { quantity: number; lines: number }>();
  for (const l of lines) {
    if (!l.info) continue;
    const w = out.get(l.info.variantId) ?? { quantity: 0, lines: 0 };
    out.set(l.info.variantId, { quantity: w.quantity + l.doc.quantity, lines: w.lines + 1 });
  }
  return out;
}

function destinationJson(d: DestinationDoc, env: Env): Record<string, unknown> {
  if (d.locationId) {
    const loc = env.locations.find((l) => l.id === d.locationId);
    const a = loc?.address;
    return {
      id: d.id,
      name: loc?.name ?? d.locationId,
      ...(a
        ? {
            address: {
              ...(a.street ? { street_address: a.street } : {}),
              ...(a.locality ? { address_locality: a.locality } : {}),
              ...(a.region ? { address_region: a.region } : {}),
              ...(a.postalCode ? { postal_code: a.postalCode } : {}),
              address_country: a.country,
            },
          }
        : {}),
    };
  }
  return { ...d.address, id: d.id };
}

export function fulfillmentJson(doc: SessionDoc, v: View, env: Env): Record<string, unknown> {
  const all = doc.lines.map((l) => l.id);
  const pickupPossible = pickupLocations(env, v.lines).length > 0;
  return {
    methods: doc.methods.map((m) => ({
      id: m.id,
      type: m.type,
      line_item_ids: m.lineItemIds,
      destinations: m.destinations.map((d) => destinationJson(d, env)),
      selected_destination_id: m.selectedDestinationId,
      groups: m.groups.map((g) => ({
        id: g.id,
        line_item_ids: g.lineItemIds,
        selected_option_id: g.selectedOptionId,
        options: (v.options.get(g.id) ?? []).map(({ amount: _amount, ...o }) => o),
      })),
    })),
    available_methods: [
      { type: 'shipping', line_item_ids: all, fulfillable_on: 'now', description: 'Delivery to an address' },
      ...(pickupPossible ? [{ type: 'pickup', line_item_ids: all, fulfillable_on: 'now', description: 'Collect from a store' }] : []),
    ],
  };
}
