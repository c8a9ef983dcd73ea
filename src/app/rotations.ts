import { and, asc, desc, eq, gt, inArray, isNull, lt, or } from 'drizzle-orm';
import type { Executor, Tx } from '../db/client.js';
import { loadRotation, loadRotations } from '../db/rotations.js';
import { engineers, escalationLevels, escalationPolicies, escalationTargets, rotationOverrides, rotationParticipants, rotationVersions, rotations } from '../db/schema.js';
import { shiftsBetween, validateOverride, validateRotationVersion, type Rotation, type Shift, type ShiftUnit } from '../domain/rotation/rotation.js';

/**
 * Rotation use cases: create, change from an instant, cover with overrides, archive; and the
 * schedule as people read it (who is on call, shifts with names, an engineer's own shifts).
 *
 * History is never rewritten. A change is a new version effective from an instant that is not
 * in the past (CHANGE_GRACE_MS of tolerance for clocks that disagree) and later than every
 * version already recorded, so versions form one line in time and "the latest version" is the
 * shape a change builds on. An upcoming version can be cancelled before it takes effect; an
 * override can start no earlier than now, and removing one that is under way ends it now.
 */

/** How far in the past a change may say it takes effect: a client's clock a little behind ours. */
export const CHANGE_GRACE_MS = 60_000;
/** The widest window a shifts query may ask for. */
export const MAX_SCHEDULE_WINDOW_DAYS = 90;
const DAY_MS = 86_400_000;
/** How far a shift's true start or end is looked for beyond a window. */
const BOUND_HORIZON_MS = 400 * DAY_MS;

type RotationRow = typeof rotations.$inferSelect;
type OverrideRow = typeof rotationOverrides.$inferSelect;

export interface VersionShape {
  timeZone: string;
  shiftLength: number;
  shiftUnit: ShiftUnit;
  handoffTime: string;
  startDate: string;
  /** Engineer ids in rotation order. */
  participants: number[];
}

export interface NewRotation extends VersionShape {
  name: string;
  description?: string;
  effectiveFrom?: Date;
}

/** A change: the fields left out are kept from the latest version. */
export type VersionChange = Partial<VersionShape> & { effectiveFrom?: Date };

export interface NewOverride {
  engineerId: number;
  replacesEngineerId: number | null;
  startsAt: Date;
  endsAt: Date;
}

export interface FieldProblem {
  field: string;
  message: string;
}

export interface PolicyUse {
  kind: 'escalation_policy';
  id: number;
  name: string;
}

/** Why a rotation use case refused; the HTTP edge turns each into problem+json. */
export type RotationFailure =
  | { ok: false; reason: 'not_found'; what: 'rotation' | 'version' | 'override'; id: number }
  | { ok: false; reason: 'invalid'; errors: FieldProblem[] }
  | { ok: false; reason: 'archived'; rotation: { id: number; name: string } }
  | { ok: false; reason: 'not_after_latest_version'; latest: { id: number; effectiveFrom: Date } }
  | { ok: false; reason: 'in_use'; rotation: { id: number; name: string }; usedBy: PolicyUse[] }
  | { ok: false; reason: 'already_in_force'; version: { id: number; effectiveFrom: Date } }
  | { ok: false; reason: 'override_ended'; override: { id: number; endsAt: Date } };

export type RotationResult<T> = { ok: true; value: T } | RotationFailure;

const invalid = (field: string, message: string): RotationFailure => ({ ok: false, reason: 'invalid', errors: [{ field, message }] });

// ---------------------------------------------------------------------------------------------
// Writes

/** Creates a rotation and its first version, effective from `effectiveFrom` (default `now`). */
export async function createRotation(tx: Tx, input: NewRotation, now: Date): Promise<RotationResult<{ rotationId: number }>> {
  const effectiveFrom = input.effectiveFrom ?? now;
  const timing = checkNotPast('effectiveFrom', effectiveFrom, now);
  if (timing) return timing;
  const shape = checkShape({ ...input, effectiveFrom });
  if (shape) return shape;
  const people = await checkEngineers(tx, input.participants.map((id, i) => ({ id, field: `participants.${i}` })));
  if (people) return people;
  const [row] = await tx.insert(rotations).values({ name: input.name, description: input.description ?? '', createdAt: now, updatedAt: now }).returning({ id: rotations.id });
  await insertVersion(tx, row!.id, effectiveFrom, input, now);
  return { ok: true, value: { rotationId: row!.id } };
}

/**
 * Changes a rotation from `effectiveFrom` (default `now`) on by adding a version: the fields the
 * change leaves out are copied from the latest version, so a cadence carries on unless the
 * change moves `startDate`. Who was on call before `effectiveFrom` does not change.
 */
export async function changeRotation(tx: Tx, rotationId: number, change: VersionChange, now: Date): Promise<RotationResult<{ versionId: number }>> {
  const locked = await lockLiveRotation(tx, rotationId);
  if (!locked.ok) return locked;
  const effectiveFrom = change.effectiveFrom ?? now;
  const timing = checkNotPast('effectiveFrom', effectiveFrom, now);
  if (timing) return timing;
  const [latest] = await tx.select().from(rotationVersions).where(eq(rotationVersions.rotationId, rotationId)).orderBy(desc(rotationVersions.effectiveFrom)).limit(1);
  if (latest && effectiveFrom.getTime() <= latest.effectiveFrom.getTime()) {
    return { ok: false, reason: 'not_after_latest_version', latest: { id: latest.id, effectiveFrom: latest.effectiveFrom } };
  }
  const base: Partial<VersionShape> = latest
    ? {
        timeZone: latest.timeZone,
        shiftLength: latest.shiftLength,
        shiftUnit: latest.shiftUnit,
        handoffTime: latest.handoffTime,
        startDate: latest.startDate,
        participants: (
          await tx
            .select({ engineerId: rotationParticipants.engineerId })
            .from(rotationParticipants)
            .where(eq(rotationParticipants.rotationVersionId, latest.id))
            .orderBy(asc(rotationParticipants.position))
        ).map((p) => p.engineerId),
      }
    : {};
  const defined = Object.fromEntries(Object.entries(change).filter(([, value]) => value !== undefined)) as VersionChange;
  const merged = { ...base, ...defined };
  const missing = (['timeZone', 'shiftLength', 'shiftUnit', 'handoffTime', 'startDate', 'participants'] as const).filter((key) => merged[key] === undefined);
  if (missing.length > 0) {
    return { ok: false, reason: 'invalid', errors: missing.map((field) => ({ field, message: 'is required: the rotation has no version to keep it from' })) };
  }
  const shape = merged as VersionShape;
  const checked = checkShape({ ...shape, effectiveFrom });
  if (checked) return checked;
  if (change.participants) {
    const people = await checkEngineers(tx, change.participants.map((id, i) => ({ id, field: `participants.${i}` })));
    if (people) return people;
  }
  const versionId = await insertVersion(tx, rotationId, effectiveFrom, shape, now);
  await tx.update(rotations).set({ updatedAt: now }).where(eq(rotations.id, rotationId));
  return { ok: true, value: { versionId } };
}

/** Cancels a version that has not taken effect yet; one in force or past is history and stays. */
export async function cancelVersion(tx: Tx, rotationId: number, versionId: number, now: Date): Promise<RotationResult<null>> {
  const locked = await lockLiveRotation(tx, rotationId);
  if (!locked.ok) return locked;
  const [version] = await tx.select().from(rotationVersions).where(and(eq(rotationVersions.id, versionId), eq(rotationVersions.rotationId, rotationId)));
  if (!version) return { ok: false, reason: 'not_found', what: 'version', id: versionId };
  if (version.effectiveFrom.getTime() <= now.getTime()) return { ok: false, reason: 'already_in_force', version: { id: version.id, effectiveFrom: version.effectiveFrom } };
  await tx.delete(rotationVersions).where(eq(rotationVersions.id, version.id));
  await tx.update(rotations).set({ updatedAt: now }).where(eq(rotations.id, rotationId));
  return { ok: true, value: null };
}

/**
 * Archives a rotation unless an escalation policy still pages through it (archiving it there
 * would page nobody at that level). Archiving twice is harmless.
 */
export async function archiveRotation(tx: Tx, rotationId: number, now: Date): Promise<RotationResult<null>> {
  // Locked for update: a policy that names this rotation share-locks it, so the two serialise.
  const [current] = await tx.select().from(rotations).where(eq(rotations.id, rotationId)).for('update');
  if (!current) return { ok: false, reason: 'not_found', what: 'rotation', id: rotationId };
  const usedBy = await policiesTargeting(tx, rotationId);
  if (usedBy.length > 0) return { ok: false, reason: 'in_use', rotation: { id: current.id, name: current.name }, usedBy };
  if (!current.archivedAt) await tx.update(rotations).set({ archivedAt: now, updatedAt: now }).where(eq(rotations.id, rotationId));
  return { ok: true, value: null };
}

/** The live escalation policies with a level that pages this rotation's on-call. */
export async function policiesTargeting(db: Executor, rotationId: number): Promise<PolicyUse[]> {
  const rows = await db
    .selectDistinct({ id: escalationPolicies.id, name: escalationPolicies.name })
    .from(escalationTargets)
    .innerJoin(escalationLevels, eq(escalationLevels.id, escalationTargets.levelId))
    .innerJoin(escalationPolicies, eq(escalationPolicies.id, escalationLevels.policyId))
    .where(and(eq(escalationTargets.rotationId, rotationId), isNull(escalationPolicies.archivedAt)))
    .orderBy(asc(escalationPolicies.id));
  return rows.map((p) => ({ kind: 'escalation_policy' as const, ...p }));
}

/** Puts `engineerId` on call for a window that starts no earlier than now (see the module comment). */
export async function addOverride(tx: Tx, rotationId: number, input: NewOverride, now: Date): Promise<RotationResult<OverrideRow>> {
  const locked = await lockLiveRotation(tx, rotationId);
  if (!locked.ok) return locked;
  const checked = validateOverride({
    id: 'new',
    engineerId: String(input.engineerId),
    replacesEngineerId: input.replacesEngineerId === null ? null : String(input.replacesEngineerId),
    start: input.startsAt,
    end: input.endsAt,
  });
  if (!checked.ok) {
    const field = checked.field === 'start' ? 'startsAt' : checked.field === 'end' ? 'endsAt' : checked.field;
    return invalid(field, OVERRIDE_MESSAGES[checked.reason]);
  }
  const timing = checkNotPast('startsAt', input.startsAt, now);
  if (timing) return timing;
  const people = await checkEngineers(tx, [
    { id: input.engineerId, field: 'engineerId' },
    ...(input.replacesEngineerId === null ? [] : [{ id: input.replacesEngineerId, field: 'replacesEngineerId' }]),
  ]);
  if (people) return people;
  const [row] = await tx
    .insert(rotationOverrides)
    .values({ rotationId, engineerId: input.engineerId, replacesEngineerId: input.replacesEngineerId, startsAt: input.startsAt, endsAt: input.endsAt, createdAt: now })
    .returning();
  return { ok: true, value: row! };
}

/**
 * Removes an override without rewriting the past: one that has not started is deleted, one under
 * way ends now, one that has ended is history and stays.
 */
export async function removeOverride(
  tx: Tx,
  rotationId: number,
  overrideId: number,
  now: Date,
): Promise<RotationResult<{ override: OverrideRow; outcome: 'deleted' | 'ended_now' }>> {
  const locked = await lockLiveRotation(tx, rotationId);
  if (!locked.ok) return locked;
  const [override] = await tx.select().from(rotationOverrides).where(and(eq(rotationOverrides.id, overrideId), eq(rotationOverrides.rotationId, rotationId)));
  if (!override) return { ok: false, reason: 'not_found', what: 'override', id: overrideId };
  if (override.endsAt.getTime() <= now.getTime()) return { ok: false, reason: 'override_ended', override: { id: override.id, endsAt: override.endsAt } };
  if (override.startsAt.getTime() >= now.getTime()) {
    await tx.delete(rotationOverrides).where(eq(rotationOverrides.id, override.id));
    return { ok: true, value: { override, outcome: 'deleted' } };
  }
  const [ended] = await tx.update(rotationOverrides).set({ endsAt: now }).where(eq(rotationOverrides.id, override.id)).returning();
  return { ok: true, value: { override: ended!, outcome: 'ended_now' } };
}

const OVERRIDE_MESSAGES = {
  invalid_id: 'is not a valid id',
  invalid_engineer_id: 'is not a valid engineer id',
  replaces_self: 'must be someone other than engineerId (an engineer cannot cover for themselves)',
  invalid_instant: 'is not a valid instant',
  ends_before_start: 'must be after startsAt',
} as const;

const VERSION_MESSAGES = {
  invalid_instant: 'is not a valid instant',
  unknown_time_zone: 'must be an IANA time zone such as America/New_York',
  not_a_whole_number: 'must be a whole number',
  out_of_range: 'is out of range',
  unknown_shift_unit: 'must be hours, days or weeks',
  invalid_time_of_day: 'must be a 24-hour time HH:mm such as 09:00',
  invalid_date: 'must be a calendar date yyyy-MM-dd',
  invalid_engineer_id: 'must list engineer ids',
} as const;

function checkNotPast(field: string, at: Date, now: Date): RotationFailure | null {
  if (at.getTime() >= now.getTime() - CHANGE_GRACE_MS) return null;
  return invalid(field, `is in the past (now is ${now.toISOString()}): a change cannot rewrite who was on call`);
}

function checkShape(version: VersionShape & { effectiveFrom: Date }): RotationFailure | null {
  const checked = validateRotationVersion({ ...version, participants: version.participants.map(String) });
  return checked.ok ? null : invalid(checked.field, VERSION_MESSAGES[checked.reason]);
}

/**
 * Every engineer named must exist and not be archived; each one that does not is reported at its
 * field. They are share-locked so that archiving one (which checks its uses) waits for this write.
 */
async function checkEngineers(tx: Tx, refs: { id: number; field: string }[]): Promise<RotationFailure | null> {
  if (refs.length === 0) return null;
  const ids = [...new Set(refs.map((r) => r.id))];
  const found = await tx.select({ id: engineers.id, archivedAt: engineers.archivedAt }).from(engineers).where(inArray(engineers.id, ids)).for('share');
  const byId = new Map(found.map((e) => [e.id, e]));
  const errors: FieldProblem[] = [];
  for (const { id, field } of refs) {
    const engineer = byId.get(id);
    if (!engineer) errors.push({ field, message: `engineer ${id} does not exist` });
    else if (engineer.archivedAt) errors.push({ field, message: `engineer ${id} is archived` });
  }
  return errors.length > 0 ? { ok: false, reason: 'invalid', errors } : null;
}

async function lockLiveRotation(tx: Tx, rotationId: number): Promise<RotationResult<RotationRow>> {
  // The update lock serialises changes to one rotation, so "later than the latest version" holds.
  const [row] = await tx.select().from(rotations).where(eq(rotations.id, rotationId)).for('update');
  if (!row) return { ok: false, reason: 'not_found', what: 'rotation', id: rotationId };
  if (row.archivedAt) return { ok: false, reason: 'archived', rotation: { id: row.id, name: row.name } };
  return { ok: true, value: row };
}

async function insertVersion(tx: Tx, rotationId: number, effectiveFrom: Date, shape: VersionShape, now: Date): Promise<number> {
  const [version] = await tx
    .insert(rotationVersions)
    .values({
      rotationId,
      effectiveFrom,
      timeZone: shape.timeZone,
      shiftLength: shape.shiftLength,
      shiftUnit: shape.shiftUnit,
      handoffTime: shape.handoffTime,
      startDate: shape.startDate,
      createdAt: now,
    })
    .returning({ id: rotationVersions.id });
  if (shape.participants.length > 0) {
    await tx.insert(rotationParticipants).values(shape.participants.map((engineerId, position) => ({ rotationVersionId: version!.id, position, engineerId })));
  }
  return version!.id;
}

// ---------------------------------------------------------------------------------------------
// Reads

export interface ParticipantView {
  engineerId: number;
  name: string;
}

export interface VersionView extends Omit<VersionShape, 'participants'> {
  id: number;
  effectiveFrom: Date;
  participants: ParticipantView[];
}

export interface RotationView {
  rotation: RotationRow;
  /** The version in force at `now`; null before the first one takes effect. */
  current: VersionView | null;
  /** Versions that take effect after `now`, soonest first. */
  upcoming: VersionView[];
}

/** Every version of each rotation, oldest first, with participants in order and named. */
export async function loadVersionViews(db: Executor, rotationIds: number[]): Promise<Map<number, VersionView[]>> {
  const result = new Map<number, VersionView[]>(rotationIds.map((id) => [id, []]));
  if (rotationIds.length === 0) return result;
  const versions = await db.select().from(rotationVersions).where(inArray(rotationVersions.rotationId, rotationIds)).orderBy(asc(rotationVersions.effectiveFrom));
  const participants = versions.length
    ? await db
        .select({ versionId: rotationParticipants.rotationVersionId, engineerId: rotationParticipants.engineerId, name: engineers.name })
        .from(rotationParticipants)
        .innerJoin(engineers, eq(engineers.id, rotationParticipants.engineerId))
        .where(inArray(rotationParticipants.rotationVersionId, versions.map((v) => v.id)))
        .orderBy(asc(rotationParticipants.position))
    : [];
  for (const v of versions) {
    result.get(v.rotationId)!.push({
      id: v.id,
      effectiveFrom: v.effectiveFrom,
      timeZone: v.timeZone,
      shiftLength: v.shiftLength,
      shiftUnit: v.shiftUnit,
      handoffTime: v.handoffTime,
      startDate: v.startDate,
      participants: participants.filter((p) => p.versionId === v.id).map((p) => ({ engineerId: p.engineerId, name: p.name })),
    });
  }
  return result;
}

/** Rotations with the version in force at `now` and the ones scheduled after it. */
export async function rotationViews(db: Executor, rows: RotationRow[], now: Date): Promise<RotationView[]> {
  const versions = await loadVersionViews(db, rows.map((r) => r.id));
  return rows.map((rotation) => {
    const all = versions.get(rotation.id) ?? [];
    const past = all.filter((v) => v.effectiveFrom.getTime() <= now.getTime());
    return { rotation, current: past.at(-1) ?? null, upcoming: all.filter((v) => v.effectiveFrom.getTime() > now.getTime()) };
  });
}

export async function rotationView(db: Executor, rotationId: number, now: Date): Promise<RotationView | null> {
  const [row] = await db.select().from(rotations).where(eq(rotations.id, rotationId));
  return row ? (await rotationViews(db, [row], now))[0]! : null;
}

export interface EngineerRef {
  id: number;
  name: string;
  phone: string;
}

export interface OnCallView {
  at: Date;
  engineer: EngineerRef | null;
  /** The whole stretch `at` falls in; a bound not found within about a year is null. */
  shift: { start: Date | null; end: Date | null; overrideId: number | null };
}

/** Who is on call in a rotation at `at`, and the stretch of their shift. Null for an unknown rotation. */
export async function onCall(db: Executor, rotationId: number, at: Date): Promise<OnCallView | null> {
  const [row] = await db.select({ id: rotations.id }).from(rotations).where(eq(rotations.id, rotationId));
  if (!row) return null;
  const rotation = await loadRotation(db, rotationId);
  const { shift, start, end } = shiftContaining(rotation, at);
  const names = await engineerRefs(db, shift.engineerId === null ? [] : [Number(shift.engineerId)]);
  return {
    at,
    engineer: shift.engineerId === null ? null : (names.get(Number(shift.engineerId)) ?? null),
    shift: { start, end, overrideId: shift.overrideId === undefined ? null : Number(shift.overrideId) },
  };
}

export interface ShiftView {
  start: Date;
  end: Date;
  engineer: { id: number; name: string } | null;
  overrideId: number | null;
}

/** The shifts covering `[from, to)`, cut at both ends, gaps included (engineer null). Null for an unknown rotation. */
export async function rotationShifts(db: Executor, rotationId: number, from: Date, to: Date): Promise<ShiftView[] | null> {
  const [row] = await db.select({ id: rotations.id }).from(rotations).where(eq(rotations.id, rotationId));
  if (!row) return null;
  const shifts = shiftsBetween(await loadRotation(db, rotationId), from, to);
  const names = await engineerRefs(db, shifts.flatMap((s) => (s.engineerId === null ? [] : [Number(s.engineerId)])));
  return shifts.map((s) => {
    const engineer = s.engineerId === null ? undefined : names.get(Number(s.engineerId));
    return {
      start: s.start,
      end: s.end,
      engineer: engineer ? { id: engineer.id, name: engineer.name } : null,
      overrideId: s.overrideId === undefined ? null : Number(s.overrideId),
    };
  });
}

export interface EngineerShift {
  rotation: { id: number; name: string };
  start: Date;
  end: Date;
  overrideId: number | null;
}

/**
 * An engineer's shifts across live rotations that overlap `[from, to)`, earliest first. Each is
 * whole (not cut at the window), so its start is the same whatever window asks for it: a
 * calendar can name it by (rotation, start).
 */
export async function engineerShifts(db: Executor, engineerId: number, from: Date, to: Date): Promise<EngineerShift[]> {
  const inVersions = db
    .select({ id: rotationVersions.rotationId })
    .from(rotationParticipants)
    .innerJoin(rotationVersions, eq(rotationVersions.id, rotationParticipants.rotationVersionId))
    .where(eq(rotationParticipants.engineerId, engineerId));
  const inOverrides = db
    .select({ id: rotationOverrides.rotationId })
    .from(rotationOverrides)
    .where(and(eq(rotationOverrides.engineerId, engineerId), lt(rotationOverrides.startsAt, to), gt(rotationOverrides.endsAt, from)));
  const live = await db
    .select({ id: rotations.id, name: rotations.name })
    .from(rotations)
    .where(and(isNull(rotations.archivedAt), or(inArray(rotations.id, inVersions), inArray(rotations.id, inOverrides))))
    .orderBy(asc(rotations.id));
  const loaded = await loadRotations(db, live.map((r) => r.id));
  const me = String(engineerId);
  const result: EngineerShift[] = [];
  for (const rotation of live) {
    for (const shift of wholeShifts(loaded.get(rotation.id)!, from, to)) {
      if (shift.engineerId !== me) continue;
      result.push({ rotation, start: shift.start, end: shift.end, overrideId: shift.overrideId === undefined ? null : Number(shift.overrideId) });
    }
  }
  return result.sort((a, b) => a.start.getTime() - b.start.getTime() || a.rotation.id - b.rotation.id);
}

/** id, name and phone of each engineer named (archived ones too: history names them). */
export async function engineerRefs(db: Executor, ids: number[]): Promise<Map<number, EngineerRef>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await db.select({ id: engineers.id, name: engineers.name, phone: engineers.phone }).from(engineers).where(inArray(engineers.id, unique));
  return new Map(rows.map((e) => [e.id, e]));
}

/**
 * The shift that contains `at`, and its true bounds: looked for in widening windows, up to
 * BOUND_HORIZON_MS away (a bound beyond that, such as the end of a one-person rotation, is null).
 */
export function shiftContaining(rotation: Rotation, at: Date): { shift: Shift; start: Date | null; end: Date | null } {
  const t = at.getTime();
  const shift = shiftsBetween(rotation, at, new Date(t + 1))[0]!;
  let start: Date | null = null;
  let end: Date | null = null;
  for (let span = DAY_MS; ; span *= 4) {
    const reach = Math.min(span, BOUND_HORIZON_MS);
    if (start === null) {
      const earlier = shiftsBetween(rotation, new Date(t - reach), new Date(t + 1)).at(-1)!;
      if (earlier.start.getTime() > t - reach) start = earlier.start;
    }
    if (end === null) {
      const later = shiftsBetween(rotation, at, new Date(t + reach))[0]!;
      if (later.end.getTime() < t + reach) end = later.end;
    }
    if ((start !== null && end !== null) || reach === BOUND_HORIZON_MS) break;
  }
  return { shift, start, end };
}

/** `shiftsBetween`, with the first and last shift stretched to their true bounds where found. */
export function wholeShifts(rotation: Rotation, from: Date, to: Date): Shift[] {
  const shifts = shiftsBetween(rotation, from, to);
  const first = shifts[0];
  const last = shifts.at(-1);
  if (first) first.start = shiftContaining(rotation, from).start ?? first.start;
  if (last) last.end = shiftContaining(rotation, new Date(to.getTime() - 1)).end ?? last.end;
  return shifts;
}
