import { asc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Executor } from './client.js';
import { escalationLevels, escalationPolicies, escalationTargets } from './schema.js';
import type { EscalationPolicy, EscalationTarget } from '../domain/escalation/escalation.js';
import type { Rotation, RotationVersion } from '../domain/rotation/rotation.js';

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

/** An engineer as paging reads them: who to text and call, in which language, and whether they are an admin. */
export interface PagedEngineer {
  id: number;
  name: string;
  phone: string;
  language: 'es' | 'en' | 'pt';
  isAdmin: boolean;
}

/** What the escalation engine needs to decide a command for incidents paged through one policy. */
export interface EscalationInputs {
  policy: EscalationPolicy;
  /** The rotations the policy's levels name, with the overrides in force at the instant asked for. */
  rotations: Map<number, Rotation>;
  /**
   * Engineers who are not archived (archived ones are never paged) among those the policy can
   * reach at that instant, the admins, and those asked for by id.
   */
  engineers: Map<number, PagedEngineer>;
}

interface EscalationInputsRow extends Record<string, unknown> {
  policy: { id: number; repeat: number } | null;
  levels: Array<{ ackTimeoutSeconds: number; targets: Array<{ rotationId: number | null; engineerId: number | null }> }>;
  versions: Array<Omit<RotationVersion, 'effectiveFrom' | 'participants'> & { rotationId: number; effectiveFrom: string; participants: number[] }>;
  overrides: Array<{ id: number; rotationId: number; engineerId: number; replacesEngineerId: number | null; start: string; end: string }>;
  engineers: PagedEngineer[];
}

/**
 * Loads, in one statement, what escalating an incident of this policy at `at` needs: the policy's
 * levels and targets, its rotations (every version with its participants, and only the overrides
 * whose window contains `at`: the engine resolves targets at the instant it decides), and the
 * engineers it may page or name (see `EscalationInputs`). `engineerIds` adds engineers a command
 * names (who acknowledged, who was paged before). Given a span `{ from, until }` instead, what is
 * loaded serves a decision at any instant of it (the overrides are those in force at some
 * instant of it; the engine checks each one's window).
 */
export async function loadEscalationInputs(db: Executor, policyId: number, at: Date | { from: Date; until: Date }, engineerIds: readonly number[] = []): Promise<EscalationInputs> {
  const inputs = await loadEscalationInputsOf(db, sql`${policyId}::bigint`, at, engineerIds);
  if (!inputs) throw new Error(`escalation policy ${policyId} does not exist`);
  return inputs;
}

/**
 * `loadEscalationInputs` for the policy of the standby number `standbyPhone` (null when it is
 * none of ours), at `at`: sent with a text's first statements, before it is known whether the
 * text opens an incident, so an eligible report does not wait a round trip more for it.
 */
export function loadStandbyEscalationInputs(db: Executor, standbyPhone: string, at: Date): Promise<EscalationInputs | null> {
  return loadEscalationInputsOf(db, sql`(select escalation_policy_id from standby_numbers where phone = ${standbyPhone})`, at, []);
}

async function loadEscalationInputsOf(db: Executor, policyId: SQL, at: Date | { from: Date; until: Date }, engineerIds: readonly number[]): Promise<EscalationInputs | null> {
  const { from, until } = at instanceof Date ? { from: at, until: at } : at;
  const [row] = await db.execute<EscalationInputsRow>(sql`
    with chosen as (
      select ${policyId} as policy_id
    ), levels as (
      select id, position, ack_timeout_seconds from escalation_levels where policy_id = (select policy_id from chosen)
    ), targets as (
      select id, level_id, rotation_id, engineer_id from escalation_targets where level_id in (select id from levels)
    ), versions as (
      select * from rotation_versions where rotation_id in (select rotation_id from targets)
    ), participants as (
      select rotation_version_id, position, engineer_id from rotation_participants where rotation_version_id in (select id from versions)
    ), overrides as (
      select * from rotation_overrides
      where rotation_id in (select rotation_id from targets) and starts_at <= ${until.toISOString()}::timestamptz and ends_at > ${from.toISOString()}::timestamptz
    )
    select
      (select json_build_object('id', id, 'repeat', repeat) from escalation_policies where id = (select policy_id from chosen)) as policy,
      coalesce((select json_agg(json_build_object('ackTimeoutSeconds', l.ack_timeout_seconds, 'targets', coalesce((
          select json_agg(json_build_object('rotationId', t.rotation_id, 'engineerId', t.engineer_id) order by t.id) from targets t where t.level_id = l.id), '[]'))
        order by l.position) from levels l), '[]') as levels,
      coalesce((select json_agg(json_build_object('rotationId', v.rotation_id, 'effectiveFrom', v.effective_from, 'timeZone', v.time_zone, 'shiftLength', v.shift_length,
          'shiftUnit', v.shift_unit, 'handoffTime', v.handoff_time, 'startDate', v.start_date, 'participants', coalesce((
            select json_agg(p.engineer_id order by p.position) from participants p where p.rotation_version_id = v.id), '[]'))
        order by v.effective_from, v.id) from versions v), '[]') as versions,
      coalesce((select json_agg(json_build_object('id', o.id, 'rotationId', o.rotation_id, 'engineerId', o.engineer_id, 'replacesEngineerId', o.replaces_engineer_id,
          'start', o.starts_at, 'end', o.ends_at) order by o.id) from overrides o), '[]') as overrides,
      coalesce((select json_agg(json_build_object('id', e.id, 'name', e.name, 'phone', e.phone, 'language', e.language, 'isAdmin', e.is_admin) order by e.id)
        from engineers e
        where e.archived_at is null and (
          e.is_admin
          or e.id in (select engineer_id from targets)
          or e.id in (select engineer_id from participants)
          or e.id in (select engineer_id from overrides)
          or e.id = any(${`{${engineerIds.join(',')}}`}::bigint[]))), '[]') as engineers`);
  if (!row?.policy) return null;

  const rotations = new Map<number, Rotation>();
  for (const level of row.levels) {
    for (const target of level.targets) if (target.rotationId !== null) rotations.set(target.rotationId, { versions: [], overrides: [] });
  }
  for (const { rotationId, effectiveFrom, participants, ...version } of row.versions) {
    rotations.get(rotationId)?.versions.push({ ...version, effectiveFrom: new Date(effectiveFrom), participants: participants.map(String) });
  }
  for (const o of row.overrides) {
    rotations.get(o.rotationId)?.overrides.push({
      id: String(o.id),
      engineerId: String(o.engineerId),
      replacesEngineerId: o.replacesEngineerId === null ? null : String(o.replacesEngineerId),
      start: new Date(o.start),
      end: new Date(o.end),
    });
  }
  const policy: EscalationPolicy = {
    id: String(row.policy.id),
    repeat: row.policy.repeat,
    levels: row.levels.map((level) => ({
      ackTimeoutSeconds: level.ackTimeoutSeconds,
      targets: level.targets.map((t): EscalationTarget => (t.rotationId !== null ? { kind: 'rotation', rotationId: String(t.rotationId) } : { kind: 'engineer', engineerId: String(t.engineerId) })),
    })),
  };
  return { policy, rotations, engineers: new Map(row.engineers.map((e) => [e.id, e])) };
}
