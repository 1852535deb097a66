/**
 * Business days and local times, pure: a calendar is a time zone (IANA), the days of the week that are
 * business days, and holidays. Dates are local calendar dates (YYYY-MM-DD) in that zone; instants are
 * Dates. Used for delivery windows (handling from the shipping location's cutoff, transit on carrier
 * days) and pickup readiness (a store's opening hours).
 */

export interface Calendar {
  /** IANA time zone, e.g. "America/Denver". */
  timeZone: string;
  /** Business days, 0 = Sunday ... 6 = Saturday. */
  businessDays: ReadonlySet<number>;
  /** Local dates that are not business days. */
  holidays: ReadonlySet<string>;
}

export const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;
export const MONDAY_TO_FRIDAY: ReadonlySet<number> = new Set([1, 2, 3, 4, 5]);

/** A calendar from feed-style fields: day names (default Monday to Friday) and holiday dates. */
export function calendar(timeZone: string, days?: readonly string[], holidays: readonly string[] = []): Calendar {
  const business = days?.length ? new Set(days.map((d) => WEEKDAYS.indexOf(d as (typeof WEEKDAYS)[number])).filter((i) => i >= 0)) : MONDAY_TO_FRIDAY;
  return { timeZone, businessDays: business, holidays: new Set(holidays) };
}

/** Whether `tz` names a time zone this runtime knows. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const formats = new Map<string, Intl.DateTimeFormat>();
function format(tz: string): Intl.DateTimeFormat {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formats.set(tz, f);
  }
  return f;
}

/** The local date (YYYY-MM-DD) and minutes after midnight of an instant in a time zone. */
export function localTime(instant: Date, tz: string): { date: string; minutes: number } {
  const p = Object.fromEntries(
    format(tz)
      .formatToParts(instant)
      .map((x) => [x.type, x.value]),
  );
  return { date: `${p.year}-${p.month}-${p.day}`, minutes: Number(p.hour) * 60 + Number(p.minute) };
}

/** The zone's offset from UTC at an instant, in minutes (Denver in winter: -420). */
export function offsetMinutes(instant: Date, tz: string): number {
  const p = Object.fromEntries(
    format(tz)
      .formatToParts(instant)
      .map((x) => [x.type, x.value]),
  );
  const asUtc = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

/** "+HH:MM" / "-HH:MM" for an offset in minutes. */
export function offsetText(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const m = Math.abs(minutes);
  return `${sign}${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/** The instant at which it is `time` ("HH:MM") on local `date` in `tz` (the earlier one in a DST overlap). */
const instants = new Map<string, number>();

export function zonedInstant(date: string, time: string, tz: string): Date {
  // a pure function of its arguments, asked again and again for the same few days: remembered
  const key = `${date}T${time}|${tz}`;
  const known = instants.get(key);
  if (known !== undefined) return new Date(known);
  if (instants.size >= 20_000) instants.clear();
  const t = computeInstant(date, time, tz);
  instants.set(key, t);
  return new Date(t);
}

function computeInstant(date: string, time: string, tz: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const [hh, mm] = time.split(':').map(Number) as [number, number];
  const naive = Date.UTC(y, m - 1, d, hh, mm);
  // two rounds: the offset at the guess, then at the corrected instant (handles DST changes)
  let t = naive - offsetMinutes(new Date(naive), tz) * 60_000;
  t = naive - offsetMinutes(new Date(t), tz) * 60_000;
  return t;
}

/** `date` plus `n` calendar days. */
export function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

export function weekday(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}

export function isBusinessDay(date: string, cal: Pick<Calendar, 'businessDays' | 'holidays'>): boolean {
  return cal.businessDays.has(weekday(date)) && !cal.holidays.has(date);
}

/** The first business day on or after `date` (a calendar with no business day at all: `date`). */
export function businessDayFrom(date: string, cal: Pick<Calendar, 'businessDays' | 'holidays'>): string {
  if (cal.businessDays.size === 0) return date;
  let d = date;
  for (let i = 0; i < 400 && !isBusinessDay(d, cal); i++) d = addDays(d, 1);
  return d;
}

/** `n` business days after business day `date` (n = 0: `date`). */
export function addBusinessDays(date: string, n: number, cal: Pick<Calendar, 'businessDays' | 'holidays'>): string {
  let d = businessDayFrom(date, cal);
  for (let i = 0; i < n; i++) d = businessDayFrom(addDays(d, 1), cal);
  return d;
}
