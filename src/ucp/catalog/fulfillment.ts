/**
 * How a variant can be fulfilled, for the catalog (2026-08-25 fulfillment extension of catalog search and
 * lookup, #507): per method its availability at one destination, a renderable description and, for
 * shipping, the service levels checkout will offer there (the same option ids, so a choice carries
 * forward). Every fact is the offer engine's, as JSON-LD and checkout state it.
 *
 * The destination is `filters.fulfills_to` (a locality or a location id) when sent, else the buyer's
 * context: its locality for shipping, its `location` for pickup. Without a pickup location named, the
 * store that has the variant ready soonest is reported.
 */
import type { InventoryLevel, Location } from '../../catalog/model.js';
import type { Destination } from '../../catalog/shipping.js';
import { holdsUntil, type PublishEnv } from '../../publish/env.js';
import { contextDestination, destinationsFor, type PickupOption, pickupOptions, shippingOptions } from '../../publish/offers.js';
import { AVAILABILITY_TEXT, destinationText, readyText, shippingTerms } from '../../publish/wording.js';
import { isObject } from '../../util/is-object.js';

/** Where the catalog reports fulfillment for, as read from a request. */
export interface FulfillmentScope {
  /** A locality items are fulfilled to (fulfills_to by value). */
  to?: Destination;
  /** A location id (fulfills_to.location, else context.location). */
  location?: string;
  /** Only these method types (filters.methods). */
  methods?: readonly string[];
  /** True when the request named a destination (fulfills_to): results are restricted to what can be fulfilled there. */
  restrict: boolean;
}

export interface CatalogMethod {
  type: 'shipping' | 'pickup';
  description: { plain: string };
  availability: { available: boolean; status: string };
  location?: string;
  options?: { id: string; title: string; description: { plain: string } }[];
}

const str = (x: unknown) => (typeof x === 'string' && x.trim() !== '' ? x.trim() : undefined);

/** The scope of a catalog request (filters.fulfills_to, filters.methods, context.location). */
export function fulfillmentScope(filters: unknown, context: unknown): FulfillmentScope {
  const f = isObject(filters) ? filters : {};
  const to = isObject(f.fulfills_to) ? f.fulfills_to : undefined;
  const country = str(to?.address_country)?.toUpperCase();
  const region = str(to?.address_region);
  const postalCode = str(to?.postal_code);
  const location = str(to?.location) ?? (isObject(context) ? str(context.location) : undefined);
  const methods = Array.isArray(f.methods) ? f.methods.filter((m): m is string => typeof m === 'string') : undefined;
  return {
    ...(country ? { to: { country, ...(region ? { region } : {}), ...(postalCode ? { postalCode } : {}) } } : {}),
    ...(location ? { location } : {}),
    ...(methods ? { methods } : {}),
    restrict: to !== undefined || methods !== undefined,
  };
}

/** A cache key for encodings made in this scope. */
export function scopeKey(s: FulfillmentScope | undefined): string {
  if (!s) return '';
  return JSON.stringify([s.to?.country, s.to?.region, s.to?.postalCode, s.location, s.methods]);
}

const unavailable = { available: false, status: 'out_of_stock' };

function shippingMethod(
  env: PublishEnv,
  scope: FulfillmentScope,
  price: { amount: number; currency: string },
  itemIds: string[],
  sellable: { available: boolean; status: string },
): CatalogMethod | undefined {
  if (env.rates.length === 0) return undefined;
  const destination = scope.to ?? contextDestination(env.context);
  if (!destination) {
    // no destination known: whether the store ships at all in this currency; the options come with an address
    const ships = destinationsFor(env, env.context, price.currency).length > 0;
    return {
      type: 'shipping',
      description: { plain: ships ? 'Ships from this store; delivery options and their cost for an address at checkout' : `Not shipped in ${price.currency}` },
      availability: ships ? sellable : unavailable,
    };
  }
  const options = destinationsFor(
    env,
    { ...env.context, country: destination.country, ...(destination.region ? { region: destination.region } : {}), ...(destination.postalCode ? { postalCode: destination.postalCode } : {}) },
    price.currency,
  )
    .flatMap((d) => shippingOptions(env, d, { subtotal: price.amount, currency: price.currency, itemIds }))
    .map((o) => {
      holdsUntil(env, o.window?.validUntil);
      return { id: o.rate.id, title: o.rate.title, description: { plain: shippingTerms(o) } };
    });
  if (options.length === 0) return { type: 'shipping', description: { plain: `Does not ship to ${destinationText(destination)}` }, availability: unavailable };
  return { type: 'shipping', description: { plain: `Ships to ${destinationText(destination)}: ${AVAILABILITY_TEXT[sellable.status] ?? sellable.status}` }, availability: sellable, options };
}

function pickupMethod(env: PublishEnv, scope: FulfillmentScope, levels: readonly InventoryLevel[]): CatalogMethod | undefined {
  const stores = env.locations.filter((l) => l.pickup);
  if (stores.length === 0) return undefined;
  // the store: the one named, else the nearest to the destination by what addresses tell (same postal
  // code, its first three characters, same region), then the one that has it ready soonest, in the
  // destination's country; its stock and readiness come from the same offer-engine reading
  let offer: PickupOption | undefined;
  let at: Location | undefined;
  if (scope.location !== undefined) {
    at = stores.find((l) => l.id === scope.location);
    if (!at) return { type: 'pickup', description: { plain: `No pickup at "${scope.location}"` }, availability: unavailable };
    offer = pickupOptions(
      env,
      levels.filter((l) => l.locationId === at!.id),
    ).find((p) => p.location.id === at!.id);
  } else {
    const offered = pickupOptions(env, levels, scope.to ? { country: scope.to.country } : {}).filter((p) => p.stock.availability !== 'out_of_stock');
    const near = (l: Location) => nearness(l, scope.to ?? contextDestination(env.context));
    offered.sort((a, b) => near(b.location) - near(a.location) || (a.ready?.readyAt.getTime() ?? Infinity) - (b.ready?.readyAt.getTime() ?? Infinity));
    offer = offered[0];
    at = offer?.location;
    if (!at) return { type: 'pickup', description: { plain: 'Not in stock at any pickup store' }, availability: unavailable };
  }
  const stock = offer?.stock;
  const available = stock !== undefined && stock.availability !== 'out_of_stock';
  const ready = available ? offer?.ready : undefined;
  if (ready) holdsUntil(env, ready.validUntil);
  return {
    type: 'pickup',
    location: at.id,
    description: { plain: available ? `Pick up at ${at.name}${ready ? `, ${readyText(ready, at.timeZone ?? 'UTC')}` : ''}` : `Not available for pickup at ${at.name}` },
    availability: available ? { available: true, status: stock.availability === 'limited' ? 'in_stock' : stock.availability } : unavailable,
  };
}

/** How near a store is to a destination, by what the addresses tell: 3 same postal code, 2 same first three characters, 1 same region. */
function nearness(l: Location, to: Destination | undefined): number {
  if (!to) return 0;
  const pc = (x: string | undefined) => (x ?? '').replace(/\s+/g, '').toUpperCase();
  const a = pc(l.address.postalCode);
  const b = pc(to.postalCode);
  if (a && b && a === b) return 3;
  if (a.length >= 3 && b.length >= 3 && a.slice(0, 3) === b.slice(0, 3)) return 2;
  return to.region && l.address.region && to.region.toUpperCase() === l.address.region.toUpperCase() ? 1 : 0;
}

/** A variant's catalog fulfillment (methods in the scope; those the filter excludes left out). */
export function catalogFulfillment(
  env: PublishEnv,
  scope: FulfillmentScope,
  variant: { productId: string; variantId: string; price: { amount: number; currency: string }; levels: readonly InventoryLevel[]; availability: { available: boolean; status: string } },
): { methods: CatalogMethod[] } {
  const want = (t: string) => !scope.methods || scope.methods.includes(t);
  const methods = [
    want('shipping') ? shippingMethod(env, scope, variant.price, [variant.productId, variant.variantId], variant.availability) : undefined,
    want('pickup') ? pickupMethod(env, scope, variant.levels) : undefined,
  ].filter((m): m is CatalogMethod => m !== undefined);
  return { methods };
}

/** Whether a variant can be fulfilled in its scope (some method available): what a restricting scope keeps. */
export function fulfillable(v: { fulfillment?: { methods: { availability: { available: boolean } }[] } }): boolean {
  return v.fulfillment?.methods.some((m) => m.availability.available) ?? true;
}

/** What a catalog call negotiated: the inventory extension, and (2026-08-25) fulfillment on the catalog. */
export interface CatalogCall {
  inventory: boolean;
  fulfillment?: boolean;
  /** The negotiated protocol version (2026-08-25 measures quantities at a scale). */
  version?: string;
}

export interface CatalogExtensions {
  inventory: boolean;
  fulfillment?: FulfillmentScope;
  scaledMeasures?: boolean;
}

/** The variants that can be fulfilled where a request restricted results to (filters.fulfills_to, filters.methods); all otherwise. */
export function reachable<V extends { fulfillment?: { methods: { availability: { available: boolean } }[] } }>(variants: V[], ext: CatalogExtensions): V[] {
  return ext.fulfillment?.restrict ? variants.filter(fulfillable) : variants;
}

/** The extensions a catalog request is encoded with: stock depth, and fulfillment in the request's scope. */
export function catalogExtensions(req: { filters?: unknown; context?: unknown }, o: CatalogCall): CatalogExtensions {
  return {
    inventory: o.inventory,
    ...(o.fulfillment ? { fulfillment: fulfillmentScope(req.filters, req.context) } : {}),
    ...(o.version !== undefined && o.version >= '2026-08-25' ? { scaledMeasures: true } : {}),
  };
}
