/**
 * When an order arrives, pure: handling starts on the ships-from location's first business day (today,
 * if the order is placed before the cutoff on a business day), takes the rate's handling days on that
 * location's business days, then transit takes the rate's transit days on carrier days (Monday to
 * Friday). The result is concrete local dates, the cutoff with its UTC offset, and the instant the
 * answer changes (the next cutoff, or the day rolling over), so a published window is never stale.
 */
import type { DayRange } from '../catalog/model.js';
import { MONDAY_TO_FRIDAY, addBusinessDays, addDays, businessDayFrom, isBusinessDay, localTime, offsetMinutes, offsetText, zonedInstant, type Calendar } from './calendar.js';

export interface DeliveryWindow {
  handling: DayRange;
  transit: DayRange;
  /** Local date handling starts (the ships-from location's calendar). */
  startsOn: string;
  /** Local dates the parcel arrives, earliest and latest. */
  arrives: { earliest: string; latest: string };
  /** The cutoff that applies (local time, zone, and the zone's offset on that day). */
  cutoff?: { time: string; timeZone: string; offset: string };
  /** The ships-from location's business days, 0 = Sunday. */
  businessDays: number[];
  timeZone: string;
  /** After this instant the window above no longer holds. */
  validUntil: Date;
}

/** Carriers deliver Monday to Friday; no holidays are assumed for them. */
export const CARRIER_DAYS: Pick<Calendar, 'businessDays' | 'holidays'> = { businessDays: MONDAY_TO_FRIDAY, holidays: new Set() };

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export function deliveryWindow(now: Date, rate: { handlingDays?: DayRange; transitDays?: DayRange; cutoffTime?: string }, cal: Calendar): DeliveryWindow | undefined {
  if (!rate.handlingDays && !rate.transitDays) return undefined;
  const handling = rate.handlingDays ?? { min: 0, max: 0 };
  const transit = rate.transitDays ?? { min: 0, max: 0 };
  const local = localTime(now, cal.timeZone);
  const beforeCutoff = rate.cutoffTime === undefined || local.minutes < minutesOf(rate.cutoffTime);
  const startsOn = isBusinessDay(local.date, cal) && beforeCutoff ? local.date : businessDayFrom(addDays(local.date, 1), cal);
  const shipsEarliest = addBusinessDays(startsOn, handling.min, cal);
  const shipsLatest = addBusinessDays(startsOn, handling.max, cal);
  // a parcel handed over on a day carriers do not collect leaves on their next day
  const arrivesEarliest = addBusinessDays(businessDayFrom(shipsEarliest, CARRIER_DAYS), transit.min, CARRIER_DAYS);
  const arrivesLatest = addBusinessDays(businessDayFrom(shipsLatest, CARRIER_DAYS), transit.max, CARRIER_DAYS);
  const validUntil = rate.cutoffTime !== undefined ? zonedInstant(startsOn, rate.cutoffTime, cal.timeZone) : zonedInstant(addDays(startsOn, 1), '00:00', cal.timeZone);
  // from a weekend (no cutoff ahead today), the answer still changes when the local day rolls over
  const dayEnds = zonedInstant(addDays(local.date, 1), '00:00', cal.timeZone);
  return {
    handling,
    transit,
    startsOn,
    arrives: { earliest: arrivesEarliest, latest: arrivesLatest },
    ...(rate.cutoffTime !== undefined
      ? { cutoff: { time: rate.cutoffTime, timeZone: cal.timeZone, offset: offsetText(offsetMinutes(zonedInstant(startsOn, rate.cutoffTime, cal.timeZone), cal.timeZone)) } }
      : {}),
    businessDays: [...cal.businessDays].sort(),
    timeZone: cal.timeZone,
    validUntil: validUntil.getTime() < dayEnds.getTime() ? validUntil : dayEnds,
  };
}

/** The arrival window as instants: the start of the earliest day and the end of the latest, in the zone. */
export function arrivalInstants(w: DeliveryWindow): { earliest: Date; latest: Date } {
  return { earliest: zonedInstant(w.arrives.earliest, '00:00', w.timeZone), latest: new Date(zonedInstant(addDays(w.arrives.latest, 1), '00:00', w.timeZone).getTime() - 1000) };
}
