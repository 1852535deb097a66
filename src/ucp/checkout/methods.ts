/**
 * Fulfillment methods from a request, merged with what the session has: shipping destinations as sent
 * (or the buyer's saved addresses, when configured), pickup at the stores that hold every line, and the
 * selected destination and option per group.
 */
import type { Store } from '../../store/store.js';
import { pickupLocations } from './fulfillment.js';
import { addressOf, isObject, sameAddress, savedToAddress, str } from './request.js';
import { evaluate } from './session.js';
import type { DestinationDoc, Env, MethodDoc, SessionDoc, View } from './types.js';

export interface MethodDeps {
  store: Store;
  savedAddresses?: 'off' | 'by-email';
  /** The evaluation environment of a session (for which stores can serve pickup). */
  env: (doc: SessionDoc) => Promise<Env>;
}

/** Fulfillment methods from a request, merged with what the session has. */
export async function methodsFrom(deps: MethodDeps, raw: unknown, doc: SessionDoc): Promise<void> {
  if (!isObject(raw) || !Array.isArray(raw.methods)) return;
  const lineIds = doc.lines.map((l) => l.id);
  // a buyer's saved addresses only when configured (UCP reserves them for user-authenticated buyers)
  const email = deps.savedAddresses === 'by-email' ? str(doc.buyer?.email) : undefined;
  const customer = email ? await deps.store.findCustomerByEmail(email.toLowerCase()) : undefined;
  const saved = customer ? await deps.store.listAddresses(customer.id) : [];
  // the catalog facts pickup needs, read once for all methods
  let pickup: { env: Env; v: View } | undefined;
  const methods: MethodDoc[] = [];
  for (const m of raw.methods.filter(isObject)) {
    const existing = doc.methods.find((x) => x.id === str(m.id));
    const type = m.type === 'pickup' ? 'pickup' : m.type === 'shipping' ? 'shipping' : (existing?.type ?? 'shipping');
    const id = str(m.id) ?? existing?.id ?? `fm_${++doc.seq}`;
    const ids = Array.isArray(m.line_item_ids) ? m.line_item_ids.filter((x): x is string => typeof x === 'string' && lineIds.includes(x)) : [];
    const lineItemIds = ids.length ? ids : (existing?.lineItemIds.filter((x) => lineIds.includes(x)) ?? lineIds);
    let destinations: DestinationDoc[];
    if (type === 'pickup') {
      if (!pickup) {
        const env = await deps.env(doc);
        pickup = { env, v: evaluate(doc, env) };
      }
      const { env, v } = pickup;
      destinations = pickupLocations(
        env,
        v.lines.filter((l) => lineItemIds.includes(l.doc.id)),
      ).map((loc) => ({ id: loc.id, locationId: loc.id }));
    } else if (Array.isArray(m.destinations)) {
      destinations = [];
      for (const d of m.destinations.filter(isObject)) {
        const address = addressOf(d);
        const match = saved.find((s) => sameAddress(address, s));
        let destId = str(d.id) ?? match?.id;
        if (!destId && email && address.street_address && address.address_country && address.postal_code) {
          // a new address of a known email: saved, and offered on the buyer's next checkouts
          const savedNow = await deps.store.saveBuyerAddress(email, [str(doc.buyer?.first_name), str(doc.buyer?.last_name)].filter(Boolean).join(' ') || undefined, {
            street: address.street_address,
            locality: address.address_locality ?? '',
            ...(address.address_region ? { region: address.address_region } : {}),
            postalCode: address.postal_code,
            country: address.address_country,
          });
          destId = savedNow.id;
        }
        destinations.push({ id: destId ?? `dest_${++doc.seq}`, address });
      }
    } else if (existing?.destinations.length) {
      destinations = existing.destinations;
    } else {
      // no destinations sent: offer the buyer's saved addresses
      destinations = saved.map((s) => ({ id: s.id, address: savedToAddress(s) }));
    }
    const sent = 'selected_destination_id' in m ? (typeof m.selected_destination_id === 'string' ? m.selected_destination_id : null) : undefined;
    const selectedDestinationId = sent !== undefined ? sent : (existing?.selectedDestinationId ?? null);
    const groupsRaw = Array.isArray(m.groups) ? m.groups.filter(isObject) : undefined;
    const groups = groupsRaw?.length
      ? [
          {
            id: str(groupsRaw[0]!.id) ?? existing?.groups[0]?.id ?? `fg_${++doc.seq}`,
            lineItemIds,
            selectedOptionId: typeof groupsRaw[0]!.selected_option_id === 'string' ? groupsRaw[0]!.selected_option_id : (existing?.groups[0]?.selectedOptionId ?? null),
          },
        ]
      : existing?.groups.length
        ? existing.groups.map((g) => ({ ...g, lineItemIds }))
        : [{ id: `fg_${++doc.seq}`, lineItemIds, selectedOptionId: null }];
    methods.push({ id, type, lineItemIds, destinations, selectedDestinationId, groups });
  }
  doc.methods = methods;
}
