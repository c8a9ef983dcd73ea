import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { Deps } from '../app/deps.js';
import { reconcile, type ReconcileResult } from '../app/reconcile.js';
import { pruneReceipts, RECEIPT_ANSWER_RETENTION_MS } from '../db/webhook-receipts.js';
import { upkeep, workers } from '../db/schema.js';
import { isDatabaseUnavailable, sqlStateOf } from '../db/client.js';
import { sendHandoffNotices, sweepAbandonedCalls } from './maintenance.js';

/** The periodic upkeep, each task with how often it runs across all workers together. */
export type UpkeepTask = 'reconcile' | 'handoff_notices' | 'abandoned_calls' | 'prune';

export function upkeepIntervals(reconcileEveryMs: number): Record<UpkeepTask, number> {
  return { reconcile: reconcileEveryMs, handoff_notices: 60_000, abandoned_calls: 60_000, prune: 6 * 3600_000 };
}

export function newWorkerId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** Says this worker is alive (sends it claims are not taken back while it keeps saying so). */
export async function heartbeat(deps: Pick<Deps, 'database' | 'clock'>, workerId: string): Promise<void> {
  const now = deps.clock.now();
  await deps.database.db
    .insert(workers)
    .values({ id: workerId, startedAt: now, lastSeenAt: now })
    .onConflictDoUpdate({ target: workers.id, set: { lastSeenAt: now } });
}

/**
 * Takes the task's turn if it is due: one atomic upsert on its `upkeep` row, so of all the
 * workers one runs it per interval, coordinated through Postgres alone (never through Redis, which
 * is what the reconciler repairs). A worker that dies mid-task only delays the next turn by one
 * interval. Returns whether this worker has the turn.
 */
export async function takeTurn(deps: Pick<Deps, 'database' | 'clock'>, task: UpkeepTask, everyMs: number, workerId: string): Promise<boolean> {
  const now = deps.clock.now();
  const due = new Date(now.getTime() - everyMs);
  const taken = await deps.database.db
    .insert(upkeep)
    .values({ task, lastRunAt: now, lastRunBy: workerId, lastDurationMs: 0 })
    .onConflictDoUpdate({ target: upkeep.task, set: { lastRunAt: now, lastRunBy: workerId }, setWhere: sql`${upkeep.lastRunAt} <= ${due.toISOString()}::timestamptz` })
    .returning({ task: upkeep.task });
  return taken.length > 0;
}

async function runTask(deps: Deps, task: UpkeepTask, workerId: string, selfSeenBefore: Date | undefined): Promise<unknown> {
  switch (task) {
    case 'reconcile':
      return reconcile(deps, { self: workerId, selfSeenBefore });
    case 'handoff_notices':
      return sendHandoffNotices(deps);
    case 'abandoned_calls':
      return sweepAbandonedCalls(deps);
    case 'prune':
      return pruneReceipts(deps.database.db, new Date(deps.clock.now().getTime() - RECEIPT_ANSWER_RETENTION_MS));
    default: {
      const never: never = task;
      throw new Error(`unknown upkeep task ${String(never)}`);
    }
  }
}

export interface Upkeep {
  stop(): Promise<void>;
}

/**
 * The worker's own timers, outside Redis: every `tickMs` it says it is alive, and takes the turn of
 * whatever upkeep is due (the reconciler every `RECONCILE_INTERVAL_MS`, handoff notices, abandoned
 * calls, pruning). When Redis is flushed, restarted or replaced, the next reconciler turn (a few
 * seconds at most) puts every owed wake-up back; nothing needs a restart. Errors are logged once
 * per change of state (an outage does not flood the log) and the loop carries on.
 */
export function startUpkeep(deps: Deps, workerId: string, options: { tickMs: number; reconcileEveryMs: number; tasks: boolean }): Upkeep {
  const log = deps.logger.child({ role: 'worker', upkeep: true });
  const intervals = upkeepIntervals(options.reconcileEveryMs);
  const failing = new Map<string, string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;

  let unavailable = false;
  const attempt = async (what: string, work: () => Promise<unknown>): Promise<unknown> => {
    try {
      const result = await work();
      if (failing.delete(what)) log.info({ task: what }, 'upkeep recovered');
      return result;
    } catch (error) {
      // One line per kind of failure, not per attempt: an outage must not flood the log.
      const kind = sqlStateOf(error) ?? (isDatabaseUnavailable(error) ? 'postgres unreachable' : error instanceof Error ? error.message : String(error));
      if (failing.get(what) !== kind) log.error({ task: what, err: error }, 'upkeep failed; retrying on the next tick');
      failing.set(what, kind);
      if (isDatabaseUnavailable(error)) unavailable = true;
      return undefined;
    }
  };

  const tick = async (): Promise<void> => {
    if (!options.tasks) return;
    unavailable = false;
    for (const task of Object.keys(intervals) as UpkeepTask[]) {
      // Postgres is down: the other turns would only wait on it too; the next tick (a second away) tries again.
      if (unavailable) break;
      const started = performance.now();
      const result = await attempt(task, async () => ((await takeTurn(deps, task, intervals[task], workerId)) ? { ran: true, result: await runTask(deps, task, workerId, beats.previous) } : { ran: false }));
      const ran = result as { ran: boolean; result?: unknown } | undefined;
      if (!ran?.ran) continue;
      const duration = Math.round(performance.now() - started);
      await attempt(`${task}:record`, () =>
        deps.database.db.update(upkeep).set({ lastDurationMs: duration, lastResult: (ran.result ?? {}) as object }).where(sql`${upkeep.task} = ${task}`),
      );
      if (task === 'reconcile') report(ran.result as ReconcileResult | undefined, duration);
    }
  };

  const report = (result: ReconcileResult | undefined, durationMs: number) => {
    if (!result) return;
    const { added, retaken, overdueEscalations, overdueSends } = result;
    if (added > 0 || retaken > 0 || overdueEscalations > 0 || overdueSends > 0) {
      log.warn({ ...result, durationMs }, 'reconciler repaired missing wake-ups or found overdue work');
    }
  };

  // The heartbeat keeps its own pace: a slow upkeep turn must not make this worker look dead.
  let beating: Promise<unknown> = Promise.resolve();
  const beats: { previous?: Date; last?: Date } = {};
  const beat = () => {
    const at = deps.clock.now();
    beating = attempt('heartbeat', async () => {
      await heartbeat(deps, workerId);
      beats.previous = beats.last;
      beats.last = at;
    });
  };
  beat();
  const heartbeatTimer = setInterval(beat, options.tickMs);

  const loop = () => {
    if (stopped) return;
    running = tick().finally(() => {
      if (!stopped) timer = setTimeout(loop, options.tickMs * (0.75 + Math.random() * 0.5));
    });
  };
  loop();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      clearInterval(heartbeatTimer);
      await Promise.all([running, beating]);
      // A clean stop is not a death: sends are not retaken early on its account.
      await deps.database.db.delete(workers).where(eq(workers.id, workerId)).catch(() => undefined);
    },
  };
}
