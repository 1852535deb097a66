/**
 * The words every surface uses for an offer's facts (the HTML page, UCP option descriptions): one
 * phrasing of a delivery window, a pickup time and a destination, from the engine's answers. Plain
 * text; the HTML page escapes it.
 */
import type { Destination } from '../catalog/shipping.js';
import { toDecimalString } from '../catalog/money.js';
import type { DeliveryWindow } from './delivery.js';
import type { PickupOption, ShippingOption } from './offers.js';
import type { PickupReadiness } from './pickup.js';

const DAY = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
const days = new Map<string, string>();

/** "Tue, 8 Dec 2026" for a local date. */
export function dayText(date: string): string {
  let text = days.get(date);
  if (text === undefined) {
    if (days.size >= 5_000) days.clear();
    text = DAY.format(new Date(`${date}T12:00:00Z`));
    days.set(date, text);
  }
  return text;
}

const times = new Map<string, Intl.DateTimeFormat>();

/** "Tue, 8 Dec 2026, 12:15 (America/Denver)" for an instant, in a zone. */
export function timeText(instant: Date, tz: string): string {
  let f = times.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: tz });
    times.set(tz, f);
  }
  return `${f.format(instant)} (${tz})`;
}

export function destinationText(d: Destination): string {
  return [d.country, d.region, d.postalCode ? `${d.postalCode}…` : undefined].filter(Boolean).join(' ');
}

export function moneyText(amount: number, currency: string): string {
  return `${toDecimalString(amount, currency)} ${currency}`;
}

/** "arrives Tue, 8 Dec 2026 to Fri, 11 Dec 2026 if ordered by 14:00 (America/Denver, UTC-07:00) on Wed, 2 Dec 2026" */
export function deliveryText(w: DeliveryWindow): string {
  const arrives = `arrives ${dayText(w.arrives.earliest)}${w.arrives.latest !== w.arrives.earliest ? ` to ${dayText(w.arrives.latest)}` : ''}`;
  return `${arrives}${w.cutoff ? ` if ordered by ${w.cutoff.time} (${w.cutoff.timeZone}, UTC${w.cutoff.offset}) on ${dayText(w.startsOn)}` : ''}`;
}

/** A shipping option's cost and window: "0.00 USD (free: Free standard shipping on US orders over $99), arrives …". */
export function shippingTerms(o: ShippingOption): string {
  return `${moneyText(o.amount, o.currency)}${o.free ? ` (free: ${o.free.description})` : ''}${o.window ? `, ${deliveryText(o.window)}` : ''}`;
}

/** "Standard (US) to US CA 94…: 7.95 USD, arrives …" */
export function shippingText(o: ShippingOption): string {
  return `${o.rate.title} to ${destinationText(o.destination)}: ${shippingTerms(o)}`;
}

/** "ready Tue, 8 Dec 2026, 12:15 (America/Denver) (closed now; opens Tue, 8 Dec 2026, 10:00 (America/Denver))" */
export function readyText(r: PickupReadiness, timeZone: string): string {
  return `ready ${timeText(r.readyAt, timeZone)}${r.opensAt ? ` (closed now; opens ${timeText(r.opensAt, timeZone)})` : ''}`;
}

export const AVAILABILITY_TEXT: Record<string, string> = {
  in_stock: 'In stock',
  limited: 'Only a few left',
  out_of_stock: 'Out of stock',
  backorder: 'Available on backorder',
  preorder: 'Available for preorder',
};

/** One pickup store: stock and when an order is ready. */
export function pickupText(p: PickupOption): string {
  const qty = p.stock.quantity === null ? '' : ` (${p.stock.quantity})`;
  const ready = p.ready ? `, ${readyText(p.ready, p.location.timeZone ?? 'UTC')}` : '';
  return `${p.location.name}, ${p.location.address.locality ?? ''}: ${AVAILABILITY_TEXT[p.stock.availability]!}${qty}${ready}`;
}
