import { DateTime, IANAZone } from 'luxon';

/** Policy: the Support Center works Monday to Friday, 09:00 to 18:00 local time. */
export const OPENS_AT = '09:00';
export const CLOSES_AT = '18:00';
export const DEFAULT_WORKING_HOURS_TZ = 'America/Argentina/Buenos_Aires';

export interface WorkingHours {
  /** IANA zone the working hours are kept in. */
  timeZone: string;
  /** Local dates (`yyyy-MM-dd`) on which the Support Center is closed all day. */
  holidays: readonly string[];
}

export const DEFAULT_WORKING_HOURS: WorkingHours = { timeZone: DEFAULT_WORKING_HOURS_TZ, holidays: [] };

/** The ticket desk out-of-scope contacts are sent to, and its hours. */
export interface SupportCenter {
  /** As the policy names it, e.g. "Aivo Support Center". */
  name: string;
  hours: WorkingHours;
}

export type SupportCenterStatus = { open: true; closesAt: Date } | { open: false; nextOpening: Date };

/** How far ahead to look for a working day before deciding the holiday list is broken. */
const MAX_DAYS_AHEAD = 800;

export function isValidTimeZone(timeZone: string): boolean {
  return IANAZone.isValidZone(timeZone);
}

/**
 * Whether the Support Center is open at `at`, and until when, or else when it next opens.
 *
 * Guarantees: opening is 09:00 and closing 18:00 on the local wall clock of `timeZone` on each
 * Monday–Friday that is not a holiday, whatever the UTC offset that day (so it is right across
 * DST changes); the interval is half-open, so at 18:00 exactly it is closed; `nextOpening` is
 * strictly after `at`. Holidays that are not valid `yyyy-MM-dd` dates simply never match.
 * Throws on an unknown zone or a holiday list that closes every day for two years (configuration
 * errors, to be caught when configuration is parsed).
 */
export function supportCenterStatus(at: Date, hours: Partial<WorkingHours> = {}): SupportCenterStatus {
  const timeZone = hours.timeZone ?? DEFAULT_WORKING_HOURS_TZ;
  if (!isValidTimeZone(timeZone)) throw new Error(`Unknown time zone: ${timeZone}`);
  const holidays = new Set(hours.holidays ?? []);
  const t = at.getTime();
  const firstDay = DateTime.fromJSDate(at, { zone: timeZone }).startOf('day');
  for (let i = 0; i < MAX_DAYS_AHEAD; i++) {
    const day = firstDay.plus({ days: i });
    if (day.weekday > 5 || holidays.has(day.toISODate() ?? '')) continue;
    const opens = localTime(day, OPENS_AT, timeZone);
    const closes = localTime(day, CLOSES_AT, timeZone);
    if (t < opens.getTime()) return { open: false, nextOpening: opens };
    if (t < closes.getTime()) return { open: true, closesAt: closes };
  }
  throw new Error(`No working day within ${MAX_DAYS_AHEAD} days of ${at.toISOString()}: check the holiday list`);
}

/** The instant the local wall clock of `timeZone` shows `hhmm` on `day`'s date. */
function localTime(day: DateTime, hhmm: string, timeZone: string): Date {
  const [hour, minute] = hhmm.split(':').map(Number);
  return DateTime.fromObject({ year: day.year, month: day.month, day: day.day, hour, minute }, { zone: timeZone }).toJSDate();
}

/** "America/Argentina/Buenos_Aires" → "Buenos Aires": the city as people say it. */
export function zoneLabel(timeZone: string): string {
  const city = timeZone.split('/').pop() ?? timeZone;
  return city.replace(/_/g, ' ');
}
