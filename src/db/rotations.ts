import { asc, inArray } from 'drizzle-orm';
import type { Executor } from './client.js';
import { rotationOverrides, rotationParticipants, rotationVersions } from './schema.js';
import type { Rotation, RotationVersion } from '../domain/rotation/rotation.js';

/**
 * Loads rotations as the engine's plain data (ids as strings), all in three queries whatever
 * their number: versions oldest first with their participants in order, overrides in creation order.
 */
export async function loadRotations(db: Executor, rotationIds: readonly number[]): Promise<Map<number, Rotation>> {
  const result = new Map<number, Rotation>();
  if (rotationIds.length === 0) return result;
  for (const id of rotationIds) result.set(id, { versions: [], overrides: [] });
  const ids = [...new Set(rotationIds)];

  const versions = await db.select().from(rotationVersions).where(inArray(rotationVersions.rotationId, ids)).orderBy(asc(rotationVersions.effectiveFrom));
  const participants = versions.length
    ? await db
        .select()
        .from(rotationParticipants)
        .where(inArray(rotationParticipants.rotationVersionId, versions.map((v) => v.id)))
        .orderBy(asc(rotationParticipants.position))
    : [];
  const byVersion = new Map<number, string[]>();
  for (const p of participants) {
    const list = byVersion.get(p.rotationVersionId) ?? [];
    list.push(String(p.engineerId));
    byVersion.set(p.rotationVersionId, list);
  }
  for (const v of versions) {
    const version: RotationVersion = {
      effectiveFrom: v.effectiveFrom,
      timeZone: v.timeZone,
      shiftLength: v.shiftLength,
      shiftUnit: v.shiftUnit,
      handoffTime: v.handoffTime,
      startDate: v.startDate,
      participants: byVersion.get(v.id) ?? [],
    };
    result.get(v.rotationId)!.versions.push(version);
  }

  const overrides = await db.select().from(rotationOverrides).where(inArray(rotationOverrides.rotationId, ids)).orderBy(asc(rotationOverrides.id));
  for (const o of overrides) {
    result.get(o.rotationId)!.overrides.push({
      id: String(o.id),
      engineerId: String(o.engineerId),
      replacesEngineerId: o.replacesEngineerId === null ? null : String(o.replacesEngineerId),
      start: o.startsAt,
      end: o.endsAt,
    });
  }
  return result;
}

export async function loadRotation(db: Executor, rotationId: number): Promise<Rotation> {
  return (await loadRotations(db, [rotationId])).get(rotationId)!;
}

