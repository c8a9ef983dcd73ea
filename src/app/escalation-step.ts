import { eq, sql } from 'drizzle-orm';
import { loadEscalationInputs, type EscalationInputs } from '../db/escalation-policies.js';
import { transaction, type Tx } from '../db/client.js';
import { incidents } from '../db/schema.js';
import { whyNoStepDue, type EscalationEffect, type EscalationState } from '../domain/escalation/escalation.js';
import type { Deps } from './deps.js';
import { runAfterCommit, type AfterCommit } from './effects.js';
import { decideEscalation, escalationStateOf, lockDueEscalations, writeEscalationsEffects, type IncidentContext } from './paging.js';
import { jsonRows } from '../db/json-rows.js';

/**
 * How many due escalation steps one wake-up takes together. When many incidents come due at
 * once (a storm of reports escalating five minutes later), a step costs a few statements for the
 * whole batch instead of a transaction each; the batch's own wake-ups then find nothing due.
 */
export const STEP_BATCH = 100;

/** What `escalationStateOf` reads of an incident. */
const escalationStateColumns = {
  escalationLevel: incidents.escalationLevel,
  escalationRound: incidents.escalationRound,
  escalationNextAt: incidents.escalationNextAt,
  escalationExhaustedAt: incidents.escalationExhaustedAt,
  escalationStoppedAt: incidents.escalationStoppedAt,
};

/** How soon a wake-up whose incident another transaction held looks again. */
const HELD_RETRY_MS = 250;

/**
 * The wake-up for an incident's escalation: under the row locks, re-decides from Postgres whether
 * a step is due and takes it, for this incident and for up to `STEP_BATCH - 1` others due now that
 * nobody else holds (their own wake-ups, now stale, are dropped from Redis if no worker has started
 * them). A job that runs twice, late or early pages nobody twice; one that arrives early
 * puts itself back for the stored due time; one whose incident is held by another transaction (an
 * engineer acting, another batch) looks again shortly.
 */
export async function stepEscalation(deps: Deps, incidentId: number): Promise<void> {
  const now = deps.clock.now();
  // Most wake-ups of a storm find their step already taken by another wake-up's batch: one read
  // says so without a transaction, and leaves the pool to the steps and sends still owed. A step
  // made due later is woken by whoever makes it due; a step not due yet is put back for its time.
  const [current] = await deps.database.db.select(escalationStateColumns).from(incidents).where(eq(incidents.id, incidentId));
  if (!current) return;
  const notDue = whyNoStepDue(escalationStateOf(current), now);
  if (notDue) {
    if (notDue === 'not_due') await runAfterCommit(deps, [{ type: 'wake_escalation', incidentId, at: current.escalationNextAt! }]);
    return;
  }
  const after = await transaction(deps.database.db, async (tx): Promise<AfterCommit[]> => {
    const locked = await lockDueEscalations(tx, incidentId, now, STEP_BATCH);
    // This job's own wake-up is the one running: nothing to drop.
    const after = (await stepEach(tx, deps, locked, now)).filter((a) => !(a.type === 'drop_wake_escalation' && a.incidentId === incidentId));
    if (locked[0]?.incident.id !== incidentId) after.push({ type: 'wake_escalation', incidentId, at: new Date(now.getTime() + HELD_RETRY_MS) });
    return after;
  });
  await runAfterCommit(deps, after);
}

/**
 * Decides every locked incident's step with the pure engine (policies loaded once each) and writes
 * them together: one statement for the new escalation states, two for their pages and timelines.
 */
async function stepEach(tx: Tx, deps: Deps, contexts: readonly IncidentContext[], now: Date): Promise<AfterCommit[]> {
  const inputs = new Map<number, EscalationInputs>();
  for (const policyId of new Set(contexts.map((c) => c.incident.escalationPolicyId))) inputs.set(policyId, await loadEscalationInputs(tx, policyId, now));
  const after: AfterCommit[] = [];
  const stepped: Array<{ context: IncidentContext; state: EscalationState; effects: EscalationEffect[]; inputs: EscalationInputs }> = [];
  for (const context of contexts) {
    const policy = inputs.get(context.incident.escalationPolicyId)!;
    const decision = decideEscalation(policy, escalationStateOf(context.incident), { type: 'step_due' }, now);
    if (decision.ignored) {
      // Early: back for the stored due time (a wake-up for it may be lost or held).
      if (decision.ignored === 'not_due' && decision.state.nextStepAt) after.push({ type: 'wake_escalation', incidentId: context.incident.id, at: decision.state.nextStepAt });
      continue;
    }
    stepped.push({ context, state: decision.state, effects: decision.effects, inputs: policy });
    // Its wake-up for the step just taken would only find it taken (a storm's thousands of them kept the worker busy).
    after.push({ type: 'drop_wake_escalation', incidentId: context.incident.id, at: context.incident.escalationNextAt! });
  }
  if (stepped.length === 0) return after;
  const states = stepped.map(({ context, state }) => ({
    id: context.incident.id,
    level: state.level,
    round: state.round,
    next_at: state.nextStepAt?.toISOString() ?? null,
    exhausted_at: state.exhaustedAt?.toISOString() ?? null,
    stopped_at: state.stoppedAt?.toISOString() ?? null,
  }));
  await tx.execute(sql`
    update incidents i set escalation_level = s.level, escalation_round = s.round, escalation_next_at = s.next_at,
      escalation_exhausted_at = s.exhausted_at, escalation_stopped_at = s.stopped_at, updated_at = ${now.toISOString()}::timestamptz
    from ${jsonRows(states, 'id bigint, level int, round int, next_at timestamptz, exhausted_at timestamptz, stopped_at timestamptz')} as s
    where i.id = s.id`);
  after.push(...(await writeEscalationsEffects(tx, deps, stepped.map((s) => ({ context: s.context, effects: s.effects, engineersById: s.inputs.engineers })), now)));
  return after;
}
