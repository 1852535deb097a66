/**
 * When a pickup order is ready, pure: the store prepares it during its opening hours (local to its time
 * zone, business days and holidays), taking `prepMinutes` of open time from now. A store that is closed
 * says when it opens. Times are rounded up to the next quarter hour, so a published answer holds for
 * up to 15 minutes (`validUntil`).
 */
import type { OpeningHours } from '../catalog/model.js';
import { WEEKDAYS, addDays, localTime, weekday, zonedInstant, type Calendar } from './calendar.js';

export interface PickupReadiness {
  /** The order can be collected from this instant. */
  readyAt: Date;
  /** The store is open now. */
  openNow: boolean;
  /** When it next opens, if it is closed now. */
  opensAt?: Date;
  validUntil: Date;
}

/** Pickup readiness is computed per quarter hour. */
export const QUARTER_MS = 15 * 60_000;
const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** Opening intervals of a local date, in minutes after midnight (none on a holiday or a non-business day). */
function intervals(date: string, hours: readonly OpeningHours[], cal: Calendar): [number, number][] {
  if (cal.holidays.has(date)) return [];
  const day = WEEKDAYS[weekday(date)]!;
  return hours
    .filter((h) => h.days.includes(day))
    .map((h): [number, number] => [minutesOf(h.opens), minutesOf(h.closes)])
    .sort((a, b) => a[0] - b[0]);
}

export function pickupReadiness(now: Date, hours: readonly OpeningHours[], cal: Calendar, prepMinutes: number): PickupReadiness | undefined {
  if (hours.length === 0) return undefined;
  // the answer is computed from the start of the current quarter hour, so it holds for the quarter
  const from = new Date(Math.floor(now.getTime() / QUARTER_MS) * QUARTER_MS);
  const local = localTime(from, cal.timeZone);
  let left = prepMinutes;
  let openNow = false;
  let opensAt: Date | undefined;
  for (let i = 0; i < 21; i++) {
    const date = addDays(local.date, i);
    for (const [open, close] of intervals(date, hours, cal)) {
      const start = i === 0 ? Math.max(open, local.minutes) : open;
      if (start >= close) continue;
      if (i === 0 && local.minutes >= open && local.minutes < close) openNow = true;
      opensAt ??= openNow ? undefined : zonedInstant(date, hhmm(start), cal.timeZone);
      if (start + left <= close) {
        const ready = zonedInstant(date, hhmm(start), cal.timeZone).getTime() + left * 60_000;
        return {
          readyAt: new Date(Math.ceil(ready / QUARTER_MS) * QUARTER_MS),
          openNow,
          ...(opensAt ? { opensAt } : {}),
          validUntil: new Date(from.getTime() + QUARTER_MS),
        };
      }
      left -= close - start;
    }
  }
  return undefined;
}
