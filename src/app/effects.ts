import type { Deps } from './deps.js';
import { cancelRingingCall } from './page-cancel.js';

/**
 * What a use case asks for after its transaction commits. Wake-ups go to Redis; the rows they
 * wake for are already in Postgres, so a failure here is repaired by the reconciler. The one
 * direct call to Twilio is hanging up a page call nobody needs any more (best effort).
 */
export type AfterCommit =
  | { type: 'send'; notificationId: number; priority: number }
  | { type: 'wake_escalation'; incidentId: number; at: Date }
  | { type: 'cancel_call'; notificationId: number; callSid: string };

export type AfterCommitDeps = Pick<Deps, 'scheduler' | 'twilio' | 'logger'>;

export async function runAfterCommit(deps: AfterCommitDeps, effects: readonly AfterCommit[]): Promise<void> {
  const { scheduler } = deps;
  for (const effect of effects) {
    switch (effect.type) {
      case 'send':
        await scheduler.send(effect.notificationId, effect.priority);
        break;
      case 'wake_escalation':
        await scheduler.wakeEscalation(effect.incidentId, effect.at);
        break;
      case 'cancel_call':
        await cancelRingingCall(deps, effect);
        break;
      default: {
        const never: never = effect;
        throw new Error(`unknown effect ${JSON.stringify(never)}`);
      }
    }
  }
}

/** How long an HTTP answer waits for its wake-ups to reach Redis before answering anyway. */
export const AFTER_COMMIT_BUDGET_MS = 2000;

/**
 * Enqueues after commit without letting Redis hold up the answer: what is committed is already
 * owed in Postgres, so if Redis is slow or down the reconciler enqueues it later. Never throws.
 */
export async function enqueueAfterCommit(deps: AfterCommitDeps, effects: readonly AfterCommit[], log: { warn(obj: object, msg: string): void }): Promise<void> {
  if (effects.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<void>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not take the wake-ups within ${AFTER_COMMIT_BUDGET_MS} ms`)), AFTER_COMMIT_BUDGET_MS);
  });
  try {
    await Promise.race([runAfterCommit(deps, effects), budget]);
  } catch (error) {
    log.warn({ err: error, effects: effects.length }, 'could not enqueue after commit; the reconciler will');
  } finally {
    clearTimeout(timer);
  }
}
