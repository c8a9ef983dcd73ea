import { asc, eq, inArray } from 'drizzle-orm';
import type { Executor } from './client.js';
import { escalationLevels, escalationPolicies, escalationTargets } from './schema.js';
import type { EscalationPolicy, EscalationTarget } from '../domain/escalation/escalation.js';

/** A policy as the escalation engine's plain data, plus the rotations its levels name. */
export async function loadPolicy(db: Executor, policyId: number): Promise<{ policy: EscalationPolicy; name: string; rotationIds: number[] }> {
  const [row] = await db.select().from(escalationPolicies).where(eq(escalationPolicies.id, policyId));
  if (!row) throw new Error(`escalation policy ${policyId} does not exist`);
  const levels = await db.select().from(escalationLevels).where(eq(escalationLevels.policyId, policyId)).orderBy(asc(escalationLevels.position));
  const targets = levels.length
    ? await db.select().from(escalationTargets).where(inArray(escalationTargets.levelId, levels.map((l) => l.id))).orderBy(asc(escalationTargets.id))
    : [];
  const rotationIds = new Set<number>();
  const policy: EscalationPolicy = {
    id: String(row.id),
    repeat: row.repeat,
    levels: levels.map((level) => ({
      ackTimeoutSeconds: level.ackTimeoutSeconds,
      targets: targets
        .filter((t) => t.levelId === level.id)
        .map((t): EscalationTarget => {
          if (t.rotationId !== null) {
            rotationIds.add(t.rotationId);
            return { kind: 'rotation', rotationId: String(t.rotationId) };
          }
          return { kind: 'engineer', engineerId: String(t.engineerId) };
        }),
    })),
  };
  return { policy, name: row.name, rotationIds: [...rotationIds] };
}
