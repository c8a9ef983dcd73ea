import { DateTime } from 'luxon';
import type { CalendarMoment, SupportHoursFacts, Weekday } from '../i18n/catalogue.js';
import type { Language } from '../i18n/language.js';
import { messages } from '../i18n/messages.js';
import { CLOSES_AT, OPENS_AT, supportCenterStatus, zoneLabel, type SupportCenter } from './working-hours.js';

/**
 * `at` as calendar facts on the wall clock of `timeZone`, placed relative to `now` by local
 * calendar days (so "tomorrow" is the next local date, even across a DST change).
 */
export function toCalendarMoment(at: Date, now: Date, timeZone: string): CalendarMoment {
  const local = DateTime.fromJSDate(at, { zone: timeZone });
  const today = DateTime.fromJSDate(now, { zone: timeZone });
  const days = calendarDaysBetween(today, local);
  return {
    weekday: local.weekday as Weekday,
    year: local.year,
    month: local.month,
    day: local.day,
    time: local.toFormat('HH:mm'),
    relation: days === 0 ? 'today' : days === 1 ? 'tomorrow' : days >= 2 && days <= 6 ? 'this_week' : 'later',
  };
}

/** Whole local dates from `a` to `b`, counted on a calendar without DST. */
function calendarDaysBetween(a: DateTime, b: DateTime): number {
  const da = DateTime.utc(a.year, a.month, a.day);
  const db = DateTime.utc(b.year, b.month, b.day);
  return Math.round(db.diff(da, 'days').days);
}

/** "Monday at 09:00" / "el lunes a las 09:00" / "na segunda-feira às 09:00", relative to `now`. */
export function formatMoment(at: Date, now: Date, timeZone: string, language: Language): string {
  return messages(language).calendar.moment(toCalendarMoment(at, now, timeZone));
}

/** What an out-of-scope answer says about the Support Center at `now`. */
export function supportHoursFacts(now: Date, center: SupportCenter): SupportHoursFacts {
  const { timeZone } = center.hours;
  const status = supportCenterStatus(now, center.hours);
  return {
    supportCenterName: center.name,
    zoneLabel: zoneLabel(timeZone),
    opensAt: OPENS_AT,
    closesAt: CLOSES_AT,
    status: status.open
      ? { open: true, closesAt: toCalendarMoment(status.closesAt, now, timeZone) }
      : { open: false, nextOpening: toCalendarMoment(status.nextOpening, now, timeZone) },
  };
}
