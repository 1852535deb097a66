/**
 * A session's view in UCP shapes: line items, totals (signed, exactly one subtotal and one total, the
 * invariant holds), policy links and applied discounts.
 */
import { rateText } from '../../publish/tax.js';
import type { SessionDoc, View } from './types.js';

type Total = { type: string; amount: number; display_text?: string; lines?: { display_text: string; amount: number }[] };

/**
 * Totals per spec: signed, exactly one subtotal and one total, the invariant holds. A tax added at
 * checkout (US sales tax) is a `tax` entry; a tax the prices include (EU VAT) is already in every amount,
 * so it is shown as the total's breakdown (its lines add up to the total) rather than counted twice.
 */
export function totalsOf(v: View, withFulfillment: boolean): Total[] {
  const tax = v.tax;
  const included = tax?.rate.included ? tax : undefined;
  const items = itemsDiscount(v);
  return [
    { type: 'subtotal', amount: v.subtotal, display_text: 'Subtotal' },
    // discount.md: what is allocated to line items is items_discount (the sum over the lines' own); the rest is discount
    ...(items > 0 ? [{ type: 'items_discount', amount: -items, display_text: 'Item discounts' }] : []),
    ...(v.discounts.total - items > 0 ? [{ type: 'discount', amount: -(v.discounts.total - items), display_text: 'Discounts' }] : []),
    ...(withFulfillment && v.selectedTitles.size ? [{ type: 'fulfillment', amount: v.fulfillmentAmount, display_text: [...v.selectedTitles.values()].join(', ') }] : []),
    ...(tax && !tax.rate.included ? [{ type: 'tax', amount: tax.amount, display_text: rateText(tax.rate) }] : []),
    {
      type: 'total',
      amount: v.total,
      display_text: 'Total',
      ...(included
        ? {
            lines: [
              { display_text: `Total excluding ${included.rate.name}`, amount: v.total - included.amount },
              { display_text: `${rateText(included.rate)} (included)`, amount: included.amount },
            ],
          }
        : {}),
    },
  ];
}

/** The part of the discounts allocated to line items (all of ucpd's discounts are, today). */
function itemsDiscount(v: View): number {
  let sum = 0;
  for (const amount of v.lineDiscounts.values()) sum += amount;
  return sum;
}

export function lineItemsOf(v: View): Record<string, unknown>[] {
  const discountOf = v.lineDiscounts;
  return v.lines.map((l) => ({
    id: l.doc.id,
    item: {
      id: l.doc.itemId,
      title: l.info?.title ?? l.doc.itemId,
      price: l.unit,
      ...(l.info?.imageUrl ? { image_url: l.info.imageUrl } : {}),
    },
    quantity: l.doc.quantity,
    // a line's totals reflect the discounts allocated to it
    totals: [
      { type: 'subtotal', amount: l.amount },
      ...((discountOf.get(l.index) ?? 0) > 0 ? [{ type: 'items_discount', amount: -(discountOf.get(l.index) ?? 0) }] : []),
      { type: 'total', amount: l.amount - (discountOf.get(l.index) ?? 0) },
    ],
    ...(l.doc.parentId ? { parent_id: l.doc.parentId } : {}),
  }));
}

export function discountsJson(doc: SessionDoc, v: View): Record<string, unknown> {
  return {
    codes: doc.codes,
    applied: v.discounts.applied.map((d) => ({
      ...(d.code !== undefined ? { code: d.code } : {}),
      title: d.title,
      amount: d.amount,
      automatic: d.automatic,
      method: 'across',
      priority: d.priority,
      allocations: d.allocations.map((a) => ({ path: `$.line_items[${a.index}]`, amount: a.amount })),
    })),
  };
}
