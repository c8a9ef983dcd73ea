import type { Scheduler } from '../worker/scheduler.js';

/**
 * What a use case asks for after its transaction commits. Only wake-ups go to Redis; the rows
 * they wake for are already in Postgres, so a failure here is repaired by the reconciler.
 */
export type AfterCommit =
  | { type: 'send'; notificationId: number; priority: number }
  | { type: 'wake_escalation'; incidentId: number; at: Date };

export async function runAfterCommit(scheduler: Scheduler, effects: readonly AfterCommit[]): Promise<void> {
  for (const effect of effects) {
    switch (effect.type) {
      case 'send':
        await scheduler.send(effect.notificationId, effect.priority);
        break;
      case 'wake_escalation':
        await scheduler.wakeEscalation(effect.incidentId, effect.at);
        break;
      default: {
        const never: never = effect;
        throw new Error(`unknown effect ${JSON.stringify(never)}`);
      }
    }
  }
}
