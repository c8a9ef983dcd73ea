import { DateTime, IANAZone } from 'luxon';

/**
 * Wall-clock arithmetic for rotations. A *wall time* is a local calendar reading written as
 * milliseconds since 1970-01-01T00:00 of the local calendar (as if the zone were UTC), so that
 * "the same local time N days later" is plain addition of N * DAY_MS. Converting between wall
 * times and instants is the only place where a zone's offsets matter.
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const TIME_PATTERN = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** The zone's offset at an instant in whole milliseconds (luxon gives minutes, fractional for old LMT offsets). */
function offsetMs(zone: IANAZone, instant: number): number {
  return Math.round(zone.offset(instant) * MINUTE_MS);
}

/** The wall time that a clock in `zone` shows at `instant`. */
export function wallTimeAt(zone: IANAZone, instant: number): number {
  return instant + offsetMs(zone, instant);
}

/** The local calendar day (days since 1970-01-01 of the local calendar) that contains `instant`. */
export function localDayAt(zone: IANAZone, instant: number): number {
  return Math.floor(wallTimeAt(zone, instant) / DAY_MS);
}

/**
 * The instant at which a clock in `zone` shows `wallTime`. Guarantees:
 * - a wall time that occurs once maps to that instant;
 * - an ambiguous wall time (it occurs twice when clocks go back) maps to its first occurrence,
 *   the one under the earlier (pre-change) offset;
 * - a nonexistent wall time (skipped when clocks go forward) maps to the first valid instant
 *   after it, which is the instant of the change itself: 02:30 on the New York spring-forward
 *   day maps to 03:00 EDT, 02:15 on the Lord Howe spring-forward day maps to 02:30 +11:00.
 * The result is non-decreasing in `wallTime`.
 */
export function instantAtWallTime(zone: IANAZone, wallTime: number): number {
  // Offsets are at most ±14 h, so every instant that could show `wallTime` lies within a day of
  // it; the offsets a day either side are the ones in force before and after any change there.
  const before = offsetMs(zone, wallTime - DAY_MS);
  const after = offsetMs(zone, wallTime + DAY_MS);
  const settled = offsetMs(zone, wallTime - before);
  if (before === after && settled === before) return wallTime - before; // no change nearby: the usual case
  const offsets = new Set([before, after, settled]);
  const occurrences = [...offsets].map((offset) => wallTime - offset).filter((instant) => wallTime === wallTimeAt(zone, instant));
  if (occurrences.length > 0) return Math.min(...occurrences);

  // In the gap: the change happens somewhere in (wallTime - after, wallTime - before]; find its exact instant.
  let lo = wallTime - after;
  let hi = wallTime - before;
  if (lo >= hi || offsetMs(zone, lo) === after || offsetMs(zone, hi) !== after) return wallTime - before;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetMs(zone, mid) === after) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Days since 1970-01-01 of a valid `yyyy-MM-dd` calendar date (the date is not checked). */
export function dayNumberOfDate(date: string): number {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return Math.round(DateTime.utc(year, month, day).toMillis() / DAY_MS);
}

/** Milliseconds after local midnight of a valid `HH:mm` time (the time is not checked). */
export function msOfTimeOfDay(time: string): number {
  const [hours, minutes] = time.split(':').map(Number) as [number, number];
  return hours * HOUR_MS + minutes * MINUTE_MS;
}

/** True for a real calendar date written exactly as `yyyy-MM-dd`. */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string' || !DATE_PATTERN.test(value)) return false;
  const [year, month, day] = value.split('-').map(Number) as [number, number, number];
  return DateTime.utc(year, month, day).isValid;
}

/** True for a 24-hour time of day written exactly as `HH:mm` (00:00 to 23:59). */
export function isTimeOfDay(value: unknown): value is string {
  return typeof value === 'string' && TIME_PATTERN.test(value);
}

/**
 * True for an IANA time zone name the runtime knows (`America/New_York`, `UTC`). Fixed offsets
 * such as `+03:00` are refused: a rotation follows a place's clock, DST included.
 */
export function isTimeZoneName(value: unknown): value is string {
  return typeof value === 'string' && !/^[+-]/.test(value) && IANAZone.isValidZone(value);
}
