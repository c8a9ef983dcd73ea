import { transaction } from '../db/client.js';
import type { Deps } from './deps.js';
import { runAfterCommit, type AfterCommit } from './effects.js';
import { applyEscalation, loadIncidentContext } from './paging.js';

/**
 * The wake-up for an incident's escalation: under the incident's row lock, re-decides from
 * Postgres whether a step is due and takes it. A job that runs twice, late or early pages nobody
 * twice; one that arrives early puts itself back for the stored due time.
 */
export async function stepEscalation(deps: Deps, incidentId: number): Promise<void> {
  const now = deps.clock.now();
  const after = await transaction(deps.database.db, async (tx): Promise<AfterCommit[]> => {
    const context = await loadIncidentContext(tx, incidentId, { lock: true });
    if (!context) return [];
    const { decision, after } = await applyEscalation(tx, deps, context, { type: 'step_due' }, now);
    if (decision.ignored === 'not_due' && decision.state.nextStepAt) {
      return [{ type: 'wake_escalation', incidentId, at: decision.state.nextStepAt }];
    }
    return after;
  });
  await runAfterCommit(deps, after);
}
