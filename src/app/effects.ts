import type { Scheduler } from '../worker/scheduler.js';

/**
 * What a use case asks for after its transaction commits. Only wake-ups go to Redis; the rows
 * they wake for are already in Postgres, so a failure here is repaired by the reconciler.
 */
export type AfterCommit =
  | { type: 'send'; notificationId: number; priority: number }
  | { type: 'wake_escalation'; incidentId: number; at: Date };

export async function runAfterCommit(scheduler: Scheduler, effects: readonly AfterCommit[]): Promise<void> {
  // Independent wake-ups: sent together, so Redis round trips overlap instead of adding up.
  await Promise.all(effects.map((effect) => runOne(scheduler, effect)));
}

async function runOne(scheduler: Scheduler, effect: AfterCommit): Promise<void> {
  switch (effect.type) {
    case 'send':
      return scheduler.send(effect.notificationId, effect.priority);
    case 'wake_escalation':
      return scheduler.wakeEscalation(effect.incidentId, effect.at);
    default: {
      const never: never = effect;
      throw new Error(`unknown effect ${JSON.stringify(never)}`);
    }
  }
}

/** How long an HTTP answer waits for its wake-ups to reach Redis before answering anyway. */
export const AFTER_COMMIT_BUDGET_MS = 2000;

/**
 * Enqueues after commit without letting Redis hold up the answer: what is committed is already
 * owed in Postgres, so if Redis is slow or down the reconciler enqueues it later. Never throws.
 */
export async function enqueueAfterCommit(scheduler: Scheduler, effects: readonly AfterCommit[], log: { warn(obj: object, msg: string): void }): Promise<void> {
  if (effects.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<void>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not take the wake-ups within ${AFTER_COMMIT_BUDGET_MS} ms`)), AFTER_COMMIT_BUDGET_MS);
  });
  try {
    await Promise.race([runAfterCommit(scheduler, effects), budget]);
  } catch (error) {
    log.warn({ err: error, effects: effects.length }, 'could not enqueue after commit; the reconciler will');
  } finally {
    clearTimeout(timer);
  }
}
