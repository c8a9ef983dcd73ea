import { eq } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { loadPolicy } from '../db/escalation-policies.js';
import { loadRotations } from '../db/rotations.js';
import { engineers, escalationPolicies } from '../db/schema.js';
import type { EscalationLevel } from '../domain/escalation/escalation.js';
import { shiftsBetween, type Rotation } from '../domain/rotation/rotation.js';

/**
 * Coverage gaps: the windows in which a level of an escalation policy would page nobody. A level
 * pages nobody at T when none of its engineer targets is active and every rotation it targets has
 * nobody on call at T, or only an archived engineer (paging skips archived engineers, see
 * app/paging.ts). Finding them ahead lets an admin fix the rotation before a customer calls.
 */

export interface Window {
  start: Date;
  end: Date;
}

export interface LevelGaps {
  /** 0-based, as escalation policies number their levels. */
  position: number;
  gaps: Window[];
}

/**
 * The windows inside `[from, to)` in which `level` resolves to nobody, earliest first, merged
 * where they touch. `rotations` holds every rotation the level names (one missing counts as
 * nobody on call).
 */
export function levelGaps(level: EscalationLevel, rotations: ReadonlyMap<string, Rotation>, isActive: (engineerId: string) => boolean, from: Date, to: Date): Window[] {
  if (to.getTime() <= from.getTime()) return [];
  let uncovered: Window[] = [{ start: from, end: to }];
  for (const target of level.targets) {
    if (target.kind === 'engineer') {
      if (isActive(target.engineerId)) return [];
      continue;
    }
    const rotation = rotations.get(target.rotationId);
    if (!rotation) continue;
    const nobody = shiftsBetween(rotation, from, to)
      .filter((s) => s.engineerId === null || !isActive(s.engineerId))
      .map((s) => ({ start: s.start, end: s.end }));
    uncovered = intersect(uncovered, merge(nobody));
    if (uncovered.length === 0) return [];
  }
  return uncovered;
}

/** Each level's gaps in `[from, to)`; null when the policy does not exist. */
export async function policyCoverageGaps(db: Executor, policyId: number, from: Date, to: Date): Promise<LevelGaps[] | null> {
  const [exists] = await db.select({ id: escalationPolicies.id }).from(escalationPolicies).where(eq(escalationPolicies.id, policyId));
  if (!exists) return null;
  const { policy, rotationIds } = await loadPolicy(db, policyId);
  const loaded = await loadRotations(db, rotationIds);
  const rotations = new Map([...loaded].map(([id, rotation]) => [String(id), rotation]));
  const active = new Set((await db.select({ id: engineers.id, archivedAt: engineers.archivedAt }).from(engineers)).filter((e) => e.archivedAt === null).map((e) => String(e.id)));
  return policy.levels.map((level, position) => ({ position, gaps: levelGaps(level, rotations, (id) => active.has(id), from, to) }));
}

/** Sorted, non-overlapping windows, with touching ones joined. */
function merge(windows: Window[]): Window[] {
  const sorted = [...windows].sort((a, b) => a.start.getTime() - b.start.getTime());
  const merged: Window[] = [];
  for (const w of sorted) {
    const last = merged.at(-1);
    if (last && w.start.getTime() <= last.end.getTime()) {
      if (w.end.getTime() > last.end.getTime()) last.end = w.end;
    } else {
      merged.push({ ...w });
    }
  }
  return merged;
}

/** The instants in both lists of sorted, non-overlapping windows. */
function intersect(a: Window[], b: Window[]): Window[] {
  const result: Window[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    const start = Math.max(x.start.getTime(), y.start.getTime());
    const end = Math.min(x.end.getTime(), y.end.getTime());
    if (start < end) result.push({ start: new Date(start), end: new Date(end) });
    if (x.end.getTime() < y.end.getTime()) i++;
    else j++;
  }
  return result;
}
