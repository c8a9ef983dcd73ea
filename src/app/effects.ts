import type { Wake } from '../worker/scheduler.js';
import type { Deps } from './deps.js';
import { cancelRingingCall } from './page-cancel.js';

/**
 * What a use case asks for after its transaction commits. Wake-ups go to Redis; the rows they
 * wake for are already in Postgres, so a failure here is repaired by the reconciler. The one
 * direct call to Twilio is hanging up a page call nobody needs any more (best effort).
 */
export type AfterCommit =
  /** A send's attempt (0 = the first) due at `at` (default: now). */
  | { type: 'send'; notificationId: number; priority: number; attempt?: number; at?: Date }
  | { type: 'wake_escalation'; incidentId: number; at: Date }
  /** The wake-up for a step another wake-up's batch has taken: no longer needed (removed if Redis still holds it unstarted). */
  | { type: 'drop_wake_escalation'; incidentId: number; at: Date }
  | { type: 'cancel_call'; notificationId: number; callSid: string };

export type AfterCommitDeps = Pick<Deps, 'scheduler' | 'twilio' | 'logger'>;

/**
 * Puts every wake-up the transaction asked for into Redis together (a bounded number of round
 * trips), drops those no longer needed, then hangs up the page calls nobody needs any more.
 */
export async function runAfterCommit(deps: AfterCommitDeps, effects: readonly AfterCommit[]): Promise<void> {
  const now = deps.scheduler.now();
  const wakes: Wake[] = [];
  const drops: Wake[] = [];
  const cancels: Extract<AfterCommit, { type: 'cancel_call' }>[] = [];
  for (const effect of effects) {
    switch (effect.type) {
      case 'send':
        wakes.push({ queue: 'send', notificationId: effect.notificationId, priority: effect.priority, attempt: effect.attempt ?? 0, at: effect.at ?? now });
        break;
      case 'wake_escalation':
        wakes.push({ queue: 'escalation', incidentId: effect.incidentId, at: effect.at });
        break;
      case 'drop_wake_escalation':
        drops.push({ queue: 'escalation', incidentId: effect.incidentId, at: effect.at });
        break;
      case 'cancel_call':
        cancels.push(effect);
        break;
      default: {
        const never: never = effect;
        throw new Error(`unknown effect ${JSON.stringify(never)}`);
      }
    }
  }
  await deps.scheduler.addNew(wakes);
  await deps.scheduler.drop(drops);
  for (const cancel of cancels) await cancelRingingCall(deps, cancel);
}

/** How long an enqueue after commit waits for Redis before leaving its wake-ups to the reconciler. */
export const AFTER_COMMIT_BUDGET_MS = 2000;

/**
 * Enqueues after commit without letting Redis hold up the answer: what is committed is already
 * owed in Postgres, so if Redis is slow or down the reconciler enqueues it later. Never throws.
 */
export function enqueueAfterCommit(deps: AfterCommitDeps, effects: readonly AfterCommit[], log: { warn(obj: object, msg: string): void }): Promise<void> {
  if (effects.length === 0) return Promise.resolve();
  const enqueued = enqueueWithinBudget(deps, effects, log);
  const ofScheduler = underWay.get(deps.scheduler) ?? new Set<Promise<void>>();
  underWay.set(deps.scheduler, ofScheduler.add(enqueued));
  void enqueued.finally(() => ofScheduler.delete(enqueued));
  return enqueued;
}

/**
 * The after-commit enqueues still under way (per scheduler, that is per process): a webhook is
 * answered before its wake-ups reach Redis, so shutting down, or a test waiting for the service
 * to go quiet, waits for these first.
 */
const underWay = new WeakMap<AfterCommitDeps['scheduler'], Set<Promise<void>>>();

/** Resolves once every after-commit enqueue under way (and any started meanwhile) is done. */
export async function afterCommitsSettled(deps: Pick<AfterCommitDeps, 'scheduler'>): Promise<void> {
  const ofScheduler = underWay.get(deps.scheduler);
  while (ofScheduler && ofScheduler.size > 0) await Promise.all(ofScheduler);
}

async function enqueueWithinBudget(deps: AfterCommitDeps, effects: readonly AfterCommit[], log: { warn(obj: object, msg: string): void }): Promise<void> {
  if (['reconnecting', 'close', 'end'].includes(deps.scheduler.connection.status)) {
    // Redis is known to be down: answer now; the reconciler enqueues from Postgres when it is back.
    log.warn({ effects: effects.length }, 'Redis is down: wake-ups left to the reconciler');
    return;
  }
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
