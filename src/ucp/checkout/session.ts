/**
 * A checkout session (or cart) right now: pure evaluation from the stored state plus a snapshot of the
 * catalog to priced lines, discounts, fulfillment options, totals, messages and status.
 *
 * Prices always come from the catalog (what a client sends as title or price is ignored) until the
 * checkout completes; the completed rendering is then frozen with the order. Totals follow the spec:
 * signed amounts, exactly one subtotal and one total, and total = the sum of the others.
 */
import type { Destination } from '../../catalog/shipping.js';
import { applyDiscounts } from '../../publish/discounts.js';
import { orderTax, taxFor, taxNote } from '../../publish/tax.js';
import { destinationText } from '../../publish/wording.js';
import { error, info, warning, type UcpMessage } from '../messages.js';
import { consentGaps, storedConsent } from './consent.js';
import { ucpPolicies, type UcpPolicy } from '../policies.js';
import { destinationOf, pickupLocations, pickupOption, shippingOptions, undeliverable, wantedPerVariant } from './fulfillment.js';
import type { CheckoutStatus, Env, FulfillmentOption, SessionDoc, View } from './types.js';

export * from './types.js';
export { availableOf } from '../../catalog/availability.js';
export { pickupLocations, shippingOptions, fulfillmentJson } from './fulfillment.js';
export { totalsOf, lineItemsOf, discountsJson } from './render.js';

/** The codes a view applies (upper case): what the buyer was last shown as taken off. */
export function appliedCodes(v: View): string[] {
  return v.discounts.applied.flatMap((a) => (a.code !== undefined ? [a.code.toUpperCase()] : []));
}

/** Where the order goes (for conditions on the country, and tax): the selected shipping address, else the pickup store, else the buyer's context. */
export function destinationFor(doc: SessionDoc, env: Env): Destination | undefined {
  for (const m of doc.methods) {
    const dest = m.destinations.find((d) => d.id === m.selectedDestinationId);
    if (dest?.address) {
      const where = destinationOf(dest.address);
      if (where) return where;
    }
    if (dest?.locationId) {
      const a = env.locations.find((l) => l.id === dest.locationId)?.address;
      if (a) return { country: a.country, ...(a.region ? { region: a.region } : {}), ...(a.postalCode ? { postalCode: a.postalCode } : {}) };
    }
  }
  return env.contextDestination;
}

export function evaluate(doc: SessionDoc, env: Env): View {
  const messages: UcpMessage[] = [...(doc.notices ?? [])];
  const wanted = wantedPerVariant(doc.lines.map((line) => ({ doc: line, ...(env.items.has(line.itemId) ? { info: env.items.get(line.itemId)! } : {}) })));
  const lines = doc.lines.map((line, index) => {
    const i = index;
    const info = env.items.get(line.itemId);
    if (!info) {
      messages.push(error('item_unavailable', `"${line.itemId}" is no longer sold`, 'recoverable', `$.line_items[${i}]`));
      return { doc: line, index, unit: 0, amount: 0 };
    }
    if (info.price === undefined) {
      messages.push(error('item_unavailable', `${info.title} is not sold in ${doc.currency}`, 'recoverable', `$.line_items[${i}]`));
      return { doc: line, index, info, unit: 0, amount: 0 };
    }
    const together = wanted.get(info.variantId)!;
    if (info.available !== null && together.quantity > info.available) {
      messages.push(
        info.available === 0
          ? error('out_of_stock', `${info.title} is out of stock`, 'recoverable', `$.line_items[${i}]`)
          : together.lines > 1
            ? error('out_of_stock', `only ${info.available} of ${info.title} in stock; ${together.quantity} requested across ${together.lines} lines`, 'recoverable', `$.line_items[${i}].quantity`)
            : error('out_of_stock', `only ${info.available} of ${info.title} in stock; ${line.quantity} requested`, 'recoverable', `$.line_items[${i}].quantity`),
      );
    }
    return { doc: line, index, info, unit: info.price, amount: info.price * line.quantity };
  });
  const subtotal = lines.reduce((s, l) => s + l.amount, 0);
  const where = destinationFor(doc, env);

  // automatic promotions always apply (they are part of the price every surface shows); codes need the
  // discount extension (or a cart)
  const discounts = applyDiscounts({
    lines: lines.map((l) => ({ index: l.index, productId: l.info?.productId ?? '', variantId: l.info?.variantId ?? '', categories: l.info?.categories ?? [], amount: l.amount })),
    codes: env.discounts || doc.kind === 'cart' ? doc.codes : [],
    catalog: env.discountCatalog,
    promotions: env.promotions,
    currency: doc.currency,
    now: env.now,
    ...(where ? { country: where.country } : {}),
    ...(env.buyer ? { buyer: env.buyer } : {}),
    ...(env.usage ? { usage: env.usage } : {}),
  });
  for (const r of discounts.rejected) messages.push(warning(r.reason, r.message, `$.discounts.codes[${r.index}]`));
  const discountOf = new Map<number, number>();
  for (const d of discounts.applied) for (const a of d.allocations) discountOf.set(a.index, (discountOf.get(a.index) ?? 0) + a.amount);
  const allocated = (index: number) => discountOf.get(index) ?? 0;

  const options = new Map<string, FulfillmentOption[]>();
  const selectedTitles = new Map<string, string>();
  let fulfillmentAmount = 0;
  let missingFulfillment = false;
  if (doc.kind === 'checkout') {
    const byLine = new Map(lines.map((l) => [l.doc.id, l]));
    const covered = new Set<string>();
    doc.methods.forEach((m, mi) => {
      const dest = m.destinations.find((d) => d.id === m.selectedDestinationId);
      for (const [gi, g] of m.groups.entries()) {
        const groupLines = g.lineItemIds.map((id) => byLine.get(id)).filter((l): l is (typeof lines)[number] => l !== undefined);
        let opts: FulfillmentOption[] = [];
        if (m.type === 'shipping' && dest?.address) {
          // free-shipping thresholds apply to what the buyer pays for the goods: after discounts
          const groupSubtotal = groupLines.reduce((s, l) => s + l.amount - allocated(l.index), 0);
          const itemIds = groupLines.flatMap((l) => (l.info ? [l.info.productId, l.info.variantId] : []));
          opts = shippingOptions(env, dest.address, groupSubtotal, doc.currency, itemIds);
          if (opts.length === 0 && groupLines.length) {
            const where = destinationOf(dest.address);
            const di = m.destinations.indexOf(dest);
            messages.push(
              error(
                'address_undeliverable',
                where ? undeliverable(env, where, doc.currency, pickupLocations(env, groupLines).length > 0) : 'the address has no country this store recognises (use an ISO 3166-1 code such as "US")',
                'recoverable',
                `$.fulfillment.methods[${mi}].destinations[${di}]`,
              ),
            );
          }
        } else if (m.type === 'pickup' && dest?.locationId) {
          const loc = env.locations.find((l) => l.id === dest.locationId);
          if (loc) opts = [pickupOption(env, loc, groupLines)];
        }
        options.set(g.id, opts);
        const chosen = opts.find((o) => o.id === g.selectedOptionId);
        if (chosen) {
          fulfillmentAmount += chosen.amount;
          selectedTitles.set(g.id, chosen.title);
          for (const id of g.lineItemIds) covered.add(id);
        } else if (dest && g.selectedOptionId !== null) {
          messages.push(
            error('invalid_option', `fulfillment option "${g.selectedOptionId}" is not available for this destination`, 'recoverable', `$.fulfillment.methods[${mi}].groups[${gi}].selected_option_id`),
          );
        }
      }
      if (m.selectedDestinationId !== null && !dest) {
        messages.push(
          error('invalid_destination', `destination "${m.selectedDestinationId}" is not one of this method's destinations`, 'recoverable', `$.fulfillment.methods[${mi}].selected_destination_id`),
        );
      }
    });
    missingFulfillment = doc.lines.some((l) => !covered.has(l.id));
  }
  // a payment the buyer must authenticate: the platform hands off to continue_url (the challenge page)
  if (doc.challenge && doc.status !== 'completed' && doc.status !== 'canceled')
    messages.push(
      error(
        'payment_authentication_required',
        'the card issuer asks the buyer to authenticate this payment (3-D Secure): hand off to continue_url',
        'requires_buyer_input',
        '$.payment.instruments[0]',
      ),
    );
  // consent the buyer granted that needs data the session lacks (a phone number for SMS): said while open, enforced by complete
  if (doc.status !== 'completed' && doc.status !== 'canceled') messages.push(...consentGaps(storedConsent(doc.buyer?.consent), doc.buyer, false));
  // tax for where the order goes (an estimate from the buyer's context until a destination is chosen)
  const answer = taxFor(env.taxRates, where);
  const tax = orderTax(answer, subtotal - discounts.total, fulfillmentAmount);
  if (!answer.configured && where && env.taxRates.length) {
    messages.push(info('tax_not_configured', `${taxNote(answer, destinationText(where))}`, '$.totals'));
  }
  const total = subtotal - discounts.total + fulfillmentAmount + (tax && !tax.rate.included ? tax.amount : 0);
  // Every amount is charged exactly or not at all: one beyond 2^53 - 1 minor units blocks completion.
  const amounts = [...lines.map((l) => l.amount), subtotal, discounts.total, fulfillmentAmount, tax?.amount ?? 0, total];
  if (!amounts.every((a) => Number.isSafeInteger(a))) {
    messages.push(error('amount_too_large', 'the amounts of this checkout are too large to charge exactly; reduce the quantities', 'recoverable', '$.totals'));
  }

  let status: CheckoutStatus = doc.status;
  if (doc.kind === 'checkout' && status !== 'completed' && status !== 'canceled') {
    const blocking = messages.filter((m) => m.type === 'error');
    if (blocking.some((m) => m.type === 'error' && (m.severity === 'requires_buyer_input' || m.severity === 'requires_buyer_review'))) status = 'requires_escalation';
    else if (blocking.length || missingFulfillment || doc.lines.length === 0) status = 'incomplete';
    else status = 'ready_for_complete';
    if (missingFulfillment && !env.fulfillment && doc.lines.length) {
      // The platform cannot choose delivery over UCP: the buyer finishes at continue_url.
      messages.push(error('fulfillment_required', "delivery must be chosen on the store's checkout page (continue_url)", 'requires_buyer_input', '$.fulfillment'));
      status = 'requires_escalation';
    } else if (missingFulfillment && doc.lines.length) {
      messages.push(info('fulfillment_required', 'choose a shipping or pickup destination and an option for every line item', '$.fulfillment'));
    }
  }
  return { status, lines, subtotal, discounts, lineDiscounts: discountOf, options, fulfillmentAmount, selectedTitles, ...(tax ? { tax } : {}), total, messages, missingFulfillment };
}

/** The return policies of a session's lines where the order goes (ucp/policies.ts): the session's and its order's. */
export function sessionPolicies(doc: SessionDoc, env: Env): UcpPolicy[] {
  const items = doc.lines.map((l, i) => {
    const own = env.items.get(l.itemId)?.returnPolicyId;
    return { path: `$.line_items[${i}]`, ...(own ? { policyId: own } : {}) };
  });
  return ucpPolicies(env.policies, destinationFor(doc, env)?.country, items, env.urls);
}
