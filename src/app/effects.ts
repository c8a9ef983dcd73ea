import type { Scheduler, Wake } from '../worker/scheduler.js';

/**
 * What a use case asks for after its transaction commits. Only wake-ups go to Redis; the rows
 * they wake for are already in Postgres, so a failure here is repaired by the reconciler.
 */
export type AfterCommit =
  /** A send's attempt (0 = the first) due at `at` (default: now). */
  | { type: 'send'; notificationId: number; priority: number; attempt?: number; at?: Date }
  | { type: 'wake_escalation'; incidentId: number; at: Date };

/** Puts every wake-up the transaction asked for into Redis, together (a bounded number of round trips). */
export async function runAfterCommit(scheduler: Scheduler, effects: readonly AfterCommit[]): Promise<void> {
  await scheduler.ensure(effects.map((effect) => toWake(effect, scheduler.now())));
}

function toWake(effect: AfterCommit, now: Date): Wake {
  switch (effect.type) {
    case 'send':
      return { queue: 'send', notificationId: effect.notificationId, priority: effect.priority, attempt: effect.attempt ?? 0, at: effect.at ?? now };
    case 'wake_escalation':
      return { queue: 'escalation', incidentId: effect.incidentId, at: effect.at };
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
  if (['reconnecting', 'close', 'end'].includes(scheduler.connection.status)) {
    // Redis is known to be down: answer now; the reconciler enqueues from Postgres when it is back.
    log.warn({ effects: effects.length }, 'Redis is down: wake-ups left to the reconciler');
    return;
  }
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
