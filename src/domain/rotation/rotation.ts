import { IANAZone } from 'luxon';
import {
  DAY_MS,
  HOUR_MS,
  dayNumberOfDate,
  instantAtWallTime,
  isCalendarDate,
  isTimeOfDay,
  isTimeZoneName,
  localDayAt,
  msOfTimeOfDay,
} from './local-time.js';

/**
 * The rotation engine: who is on call at an instant, and the shifts between two instants.
 *
 * A rotation is a list of versions and a list of overrides.
 *
 * **Versions.** Changing a rotation never rewrites who was on call: each change is a new version
 * with `effectiveFrom`, and the version in force at T is the one with the latest
 * `effectiveFrom <= T` (on a tie, the one later in the list). Before the first version nobody is
 * on call. Versions may be listed in any order.
 *
 * **Cadence of a version.** Its anchor is `startDate` at `handoffTime` in `timeZone`: shift 0
 * (participant 0) starts there, shift k goes to `participants[k % participants.length]`, and
 * before the anchor nobody is on call. A new version keeps counting from its own anchor, so a
 * change that should not disturb the cadence keeps the old `startDate`.
 * - `days` and `weeks` shifts step in local calendar days: shift k starts on local date
 *   `startDate + k * length` (× 7 for weeks, so weekly handoffs fall on the weekday of
 *   `startDate`) at `handoffTime`. A 09:00 handoff stays 09:00 local on both sides of a DST
 *   change; the shift that spans the change is an hour (Lord Howe: half an hour) shorter or longer.
 * - `hours` shifts step in absolute hours: shift k starts exactly `k * length` hours after the
 *   anchor. An hour-length shift is a stretch of duty, not a place on the calendar: stepping in
 *   real hours keeps every shift the same length (a 12-hour shift never becomes 11 or 13 hours
 *   of someone's night) and never lands on a local time that does not exist or occurs twice. The
 *   cost is that local handoff times move by the DST change (08:00/20:00 become 09:00/21:00);
 *   a team that wants fixed local handoffs uses `days`.
 * - A handoff local time that does not exist that day (clocks went forward over it) happens at
 *   the first valid instant after it, the moment of the change (02:30 → 03:00 in New York). One
 *   that occurs twice (clocks went back) happens at its first occurrence (the earlier offset).
 *
 * **Overrides.** An override puts `engineerId` on call during `[start, end)`: for whoever is on
 * call when `replacesEngineerId` is null (even when nobody is scheduled, so an override can fill
 * a gap), or only while `replacesEngineerId` is on call otherwise. `rotation.overrides` is in
 * creation order, oldest first (the repository loads them in that order, e.g. by serial id), and
 * a later override wins inside its window: overrides are applied one after another, and one that
 * replaces engineer X applies at T when X is the rotation's scheduled engineer at T or is on call
 * at T after the earlier overrides. So "Bob covers Alice all week" with "Carol covers Bob on
 * Tuesday" inside it gives Carol on Tuesday, and so does "Carol covers Alice on Tuesday".
 *
 * Instants are compared to the millisecond; every window is half-open `[start, end)`.
 * Write paths check input with `validateRotation` (or its parts). The engine itself throws a
 * RangeError only for data it cannot compute with (an invalid instant, an unknown zone, a
 * malformed length, unit, handoff time or start date) and tolerates the rest.
 */

export type ShiftUnit = 'hours' | 'days' | 'weeks';

export const SHIFT_UNITS: readonly ShiftUnit[] = ['hours', 'days', 'weeks'];

/** The longest shift, in its unit: keeps every instant the engine computes a valid `Date`. */
export const MAX_SHIFT_LENGTH = 1000;

export interface RotationVersion {
  /** The instant from which this version decides who is on call. */
  effectiveFrom: Date;
  /** IANA name, e.g. `America/Argentina/Buenos_Aires`: the zone of `startDate` and `handoffTime`. */
  timeZone: string;
  /** A whole number of `shiftUnit`, 1 to MAX_SHIFT_LENGTH. */
  shiftLength: number;
  shiftUnit: ShiftUnit;
  /** Local time of each handoff, `HH:mm` (24-hour). */
  handoffTime: string;
  /** Local date of the anchor, `yyyy-MM-dd`: participant 0's first shift starts then. */
  startDate: string;
  /** Engineer ids in rotation order; an id may appear more than once; empty means nobody on call. */
  participants: string[];
}

export interface Override {
  id: string;
  /** Who is on call during the window. */
  engineerId: string;
  /** Whose time is covered; null covers the whole rotation (whoever is on, or nobody). */
  replacesEngineerId: string | null;
  start: Date;
  end: Date;
}

export interface Rotation {
  versions: RotationVersion[];
  /** In creation order, oldest first: later overrides win where they overlap earlier ones. */
  overrides: Override[];
}

/**
 * A stretch of time with one engineer on call from one source. `engineerId` null is a gap
 * (nobody on call). `overrideId` names the override that put the engineer there, absent for the
 * rotation's own schedule.
 */
export interface Shift {
  engineerId: string | null;
  start: Date;
  end: Date;
  overrideId?: string;
}

/** The moment the person on call changes. */
export interface Handoff {
  at: Date;
  outgoingEngineerId: string | null;
  /** Null when nobody is on call from `at` (a gap begins). */
  incomingEngineerId: string | null;
  /** The override that puts the incoming engineer on call, if any. */
  overrideId?: string;
}

export type RotationVersionProblemReason =
  | 'invalid_instant'
  | 'unknown_time_zone'
  | 'not_a_whole_number'
  | 'out_of_range'
  | 'unknown_shift_unit'
  | 'invalid_time_of_day'
  | 'invalid_date'
  | 'invalid_engineer_id';

export type OverrideProblemReason = 'invalid_id' | 'invalid_engineer_id' | 'replaces_self' | 'invalid_instant' | 'ends_before_start';

export type ValidationResult<Reason extends string> = { ok: true } | { ok: false; field: string; reason: Reason };

/** Checks one version; `field` names the first bad property. */
export function validateRotationVersion(version: RotationVersion): ValidationResult<RotationVersionProblemReason> {
  return checkVersion(version, isTimeZoneName, true);
}

/** Checks one override; `field` names the first bad property. */
export function validateOverride(override: Override): ValidationResult<OverrideProblemReason> {
  const fail = (field: keyof Override, reason: OverrideProblemReason) => ({ ok: false as const, field, reason });
  if (!isId(override.id)) return fail('id', 'invalid_id');
  if (!isId(override.engineerId)) return fail('engineerId', 'invalid_engineer_id');
  if (override.replacesEngineerId !== null && !isId(override.replacesEngineerId)) return fail('replacesEngineerId', 'invalid_engineer_id');
  if (override.replacesEngineerId === override.engineerId) return fail('replacesEngineerId', 'replaces_self');
  if (!isInstant(override.start)) return fail('start', 'invalid_instant');
  if (!isInstant(override.end)) return fail('end', 'invalid_instant');
  if (override.end.getTime() <= override.start.getTime()) return fail('end', 'ends_before_start');
  return { ok: true };
}

/** Checks a whole rotation; `field` is a path such as `versions.1.timeZone` or `overrides.0.end`. */
export function validateRotation(rotation: Rotation): ValidationResult<RotationVersionProblemReason | OverrideProblemReason> {
  for (const [index, version] of rotation.versions.entries()) {
    const result = validateRotationVersion(version);
    if (!result.ok) return { ...result, field: `versions.${index}.${result.field}` };
  }
  for (const [index, override] of rotation.overrides.entries()) {
    const result = validateOverride(override);
    if (!result.ok) return { ...result, field: `overrides.${index}.${result.field}` };
  }
  return { ok: true };
}

/** Who is on call at `at`, overrides included; null when nobody is. Agrees with `shiftsBetween`. */
export function onCallAt(rotation: Rotation, at: Date): string | null {
  const t = instantOf(at, 'at');
  const versions = compileVersions(rotation.versions);
  const scheduled = scheduledAt(versions, t);
  return applyOverrides(scheduled, t, checkedOverrides(rotation.overrides)).engineerId;
}

/**
 * The shifts that cover `[from, to)`, overrides included. Guarantees: the first starts at `from`,
 * each ends where the next starts, the last ends at `to` (no overlap, no gap; an empty list when
 * `to <= from`); gaps in cover are shifts with `engineerId: null`; edges of the window, of
 * versions and of overrides cut shifts; adjacent pieces with the same engineer and the same
 * override (or both from the schedule) are merged, so consecutive shifts differ in engineer or
 * in source; and `onCallAt(t)` is the engineer of the shift containing t.
 * The list grows with the number of handoffs in the window: callers bound the window.
 */
export function shiftsBetween(rotation: Rotation, from: Date, to: Date): Shift[] {
  const start = instantOf(from, 'from');
  const end = instantOf(to, 'to');
  if (end <= start) return [];
  const versions = compileVersions(rotation.versions);
  const overrides = checkedOverrides(rotation.overrides).filter((o) => o.start.getTime() < end && o.end.getTime() > start);

  const edges = new Set<number>();
  for (const o of overrides) {
    for (const edge of [o.start.getTime(), o.end.getTime()]) if (edge > start && edge < end) edges.add(edge);
  }
  const cuts = [...edges].sort((a, b) => a - b);

  const shifts: Shift[] = [];
  let nextCut = 0;
  for (const piece of scheduledPieces(versions, start, end)) {
    let pieceStart = piece.start;
    while (pieceStart < piece.end) {
      while (nextCut < cuts.length && (cuts[nextCut] as number) <= pieceStart) nextCut++;
      const cut = cuts[nextCut];
      const pieceEnd = cut !== undefined && cut < piece.end ? cut : piece.end;
      const onCall = applyOverrides(piece.engineerId, pieceStart, overrides);
      appendMerged(shifts, { ...onCall, start: pieceStart, end: pieceEnd });
      pieceStart = pieceEnd;
    }
  }
  return shifts;
}

/**
 * Every instant in `[from, to)` at which the person on call changes, with who hands over to whom
 * (for handoff notices). Derived from `shiftsBetween`; a change of source alone (Alice's shift
 * followed by Alice covering for Bob) is not a handoff.
 */
export function nextHandoffs(rotation: Rotation, from: Date, to: Date): Handoff[] {
  const start = instantOf(from, 'from');
  // Start a millisecond early so a change exactly at `from` has a shift before it to compare.
  const shifts = shiftsBetween(rotation, new Date(start - 1), to);
  const handoffs: Handoff[] = [];
  for (let i = 1; i < shifts.length; i++) {
    const previous = shifts[i - 1] as Shift;
    const shift = shifts[i] as Shift;
    if (previous.engineerId === shift.engineerId) continue;
    const handoff: Handoff = { at: shift.start, outgoingEngineerId: previous.engineerId, incomingEngineerId: shift.engineerId };
    if (shift.overrideId !== undefined) handoff.overrideId = shift.overrideId;
    handoffs.push(handoff);
  }
  return handoffs;
}

// ---------------------------------------------------------------------------------------------
// Internals

interface Piece {
  engineerId: string | null;
  start: number;
  end: number;
  overrideId?: string;
}

/** A version ready for arithmetic, in force during `[from, until)`. */
interface CompiledVersion {
  from: number;
  until: number;
  participants: readonly string[];
  zone: IANAZone;
  unit: ShiftUnit;
  /** The anchor instant (shift 0 starts here). */
  anchor: number;
  /** `hours`: the shift length in milliseconds. */
  lengthMs: number;
  /** `days`/`weeks`: the shift length in local days. */
  lengthDays: number;
  anchorDay: number;
  handoffMs: number;
}

function compileVersions(versions: readonly RotationVersion[]): CompiledVersion[] {
  const ordered = versions
    .map((version, index) => ({ version, index }))
    .sort((a, b) => a.version.effectiveFrom.getTime() - b.version.effectiveFrom.getTime() || a.index - b.index)
    .map(({ version }) => version);
  const compiled: CompiledVersion[] = [];
  ordered.forEach((version, i) => {
    // The engine reads the zone through luxon's cached IANAZone, so check it that way (cheap), and
    // leaves participant ids alone: any string computes.
    const checked = checkVersion(version, (zone) => typeof zone === 'string' && !/^[+-]/.test(zone) && IANAZone.create(zone).isValid, false);
    if (!checked.ok) throw new RangeError(`invalid rotation version: ${checked.field} ${checked.reason}`);
    const from = version.effectiveFrom.getTime();
    const until = ordered[i + 1]?.effectiveFrom.getTime() ?? Infinity;
    if (until <= from) return; // superseded by a version with the same effectiveFrom
    const zone = IANAZone.create(version.timeZone);
    const anchorDay = dayNumberOfDate(version.startDate);
    const handoffMs = msOfTimeOfDay(version.handoffTime);
    compiled.push({
      from,
      until,
      participants: version.participants,
      zone,
      unit: version.shiftUnit,
      anchor: instantAtWallTime(zone, anchorDay * DAY_MS + handoffMs),
      lengthMs: version.shiftLength * HOUR_MS,
      lengthDays: version.shiftUnit === 'weeks' ? version.shiftLength * 7 : version.shiftLength,
      anchorDay,
      handoffMs,
    });
  });
  return compiled;
}

/**
 * Only what makes the answer meaningless is refused here (an invalid instant); oddities that
 * validateOverride refuses on input but that compute fine (an empty window, covering oneself)
 * are tolerated, so bad data already stored cannot stop paging.
 */
function checkedOverrides(overrides: readonly Override[]): readonly Override[] {
  for (const override of overrides) {
    if (!isInstant(override.start) || !isInstant(override.end)) throw new RangeError(`invalid override ${override.id}: start/end is not a valid instant`);
  }
  return overrides;
}

/** When shift k of the version starts (k may be negative). Non-decreasing in k. */
function shiftStart(version: CompiledVersion, k: number): number {
  switch (version.unit) {
    case 'hours':
      return version.anchor + k * version.lengthMs;
    case 'days':
    case 'weeks':
      return instantAtWallTime(version.zone, (version.anchorDay + k * version.lengthDays) * DAY_MS + version.handoffMs);
    default: {
      const never: never = version.unit;
      throw new RangeError(`unknown shift unit ${String(never)}`);
    }
  }
}

/**
 * The shift in progress at t: the largest k with shiftStart(k) <= t. When two shift starts
 * coincide (a local day that never happened, such as 2011-12-30 in Pacific/Apia), the earlier
 * shift is empty and skipped.
 */
function shiftIndexAt(version: CompiledVersion, t: number): number {
  if (version.unit === 'hours') return Math.floor((t - version.anchor) / version.lengthMs);
  let k = Math.floor((localDayAt(version.zone, t) - version.anchorDay) / version.lengthDays);
  while (shiftStart(version, k) > t) k--;
  while (shiftStart(version, k + 1) <= t) k++;
  return k;
}

function engineerOfShift(version: CompiledVersion, k: number): string | null {
  if (k < 0 || version.participants.length === 0) return null;
  return version.participants[k % version.participants.length] ?? null;
}

function versionAt(versions: readonly CompiledVersion[], t: number): CompiledVersion | undefined {
  return versions.find((v) => v.from <= t && t < v.until);
}

/** The engineer the schedule (versions only, no overrides) puts on call at t. */
function scheduledAt(versions: readonly CompiledVersion[], t: number): string | null {
  const version = versionAt(versions, t);
  return version ? engineerOfShift(version, shiftIndexAt(version, t)) : null;
}

/** The schedule's pieces covering `[start, end)`: cut at shift starts and version edges. */
function* scheduledPieces(versions: readonly CompiledVersion[], start: number, end: number): Generator<Piece> {
  let t = start;
  while (t < end) {
    const version = versionAt(versions, t);
    if (!version) {
      // Before the first version (versions cover everything after it).
      const next = versions.find((v) => v.from > t)?.from ?? end;
      yield { engineerId: null, start: t, end: Math.min(next, end) };
      t = Math.min(next, end);
      continue;
    }
    const windowEnd = Math.min(version.until, end);
    if (version.participants.length === 0) {
      yield { engineerId: null, start: t, end: windowEnd };
      t = windowEnd;
      continue;
    }
    let k = shiftIndexAt(version, t);
    // Before the anchor every shift index is negative and nobody is on: go straight to shift 0.
    let nextStart = shiftStart(version, k < 0 ? 0 : k + 1);
    while (t < windowEnd) {
      const pieceEnd = Math.min(nextStart, windowEnd);
      yield { engineerId: engineerOfShift(version, k), start: t, end: pieceEnd };
      t = pieceEnd;
      if (t >= windowEnd) break;
      // t is nextStart: the next shift begins, past any empty one (see shiftIndexAt).
      k = k < 0 ? 0 : k + 1;
      nextStart = shiftStart(version, k + 1);
      while (nextStart <= t) nextStart = shiftStart(version, ++k + 1);
    }
  }
}

/** Who is on call at t once the overrides are applied to the scheduled engineer (see the module comment). */
function applyOverrides(scheduled: string | null, t: number, overrides: readonly Override[]): Omit<Piece, 'start' | 'end'> {
  let onCall: Omit<Piece, 'start' | 'end'> = { engineerId: scheduled };
  for (const o of overrides) {
    if (t < o.start.getTime() || t >= o.end.getTime()) continue;
    const replaces = o.replacesEngineerId;
    if (replaces === null || replaces === scheduled || replaces === onCall.engineerId) {
      onCall = { engineerId: o.engineerId, overrideId: o.id };
    }
  }
  return onCall;
}

function appendMerged(shifts: Shift[], piece: Piece): void {
  const last = shifts.at(-1);
  if (last && last.engineerId === piece.engineerId && last.overrideId === piece.overrideId) {
    last.end = new Date(piece.end);
    return;
  }
  const shift: Shift = { engineerId: piece.engineerId, start: new Date(piece.start), end: new Date(piece.end) };
  if (piece.overrideId !== undefined) shift.overrideId = piece.overrideId;
  shifts.push(shift);
}

function checkVersion(
  version: RotationVersion,
  isZone: (zone: unknown) => boolean,
  checkParticipants: boolean,
): ValidationResult<RotationVersionProblemReason> {
  const fail = (field: keyof RotationVersion, reason: RotationVersionProblemReason) => ({ ok: false as const, field, reason });
  if (!isInstant(version.effectiveFrom)) return fail('effectiveFrom', 'invalid_instant');
  if (!isZone(version.timeZone)) return fail('timeZone', 'unknown_time_zone');
  if (!Number.isInteger(version.shiftLength)) return fail('shiftLength', 'not_a_whole_number');
  if (version.shiftLength < 1 || version.shiftLength > MAX_SHIFT_LENGTH) return fail('shiftLength', 'out_of_range');
  if (!SHIFT_UNITS.includes(version.shiftUnit)) return fail('shiftUnit', 'unknown_shift_unit');
  if (!isTimeOfDay(version.handoffTime)) return fail('handoffTime', 'invalid_time_of_day');
  if (!isCalendarDate(version.startDate)) return fail('startDate', 'invalid_date');
  if (!Array.isArray(version.participants)) return fail('participants', 'invalid_engineer_id');
  if (checkParticipants && !version.participants.every(isId)) return fail('participants', 'invalid_engineer_id');
  return { ok: true };
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function isInstant(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

function instantOf(value: Date, name: string): number {
  if (!isInstant(value)) throw new RangeError(`${name} is not a valid instant`);
  return value.getTime();
}
