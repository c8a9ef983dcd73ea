import { and, eq, gte, isNotNull, isNull, lt, ne, notInArray, or, sql } from 'drizzle-orm';
import { incidents, notifications, workers } from '../db/schema.js';
import type { Wake } from '../worker/scheduler.js';
import type { Deps } from './deps.js';

/** A worker not seen for this long is taken as dead: the sends it holds are taken back. */
export const DEAD_WORKER_MS = 5000;
/** A claim older than this is taken back whoever holds it (the Twilio request timed out long ago). */
export const MAX_CLAIM_MS = 60_000;
/** A step this late gets an extra wake-up: its first may be held by a worker that died. */
export const RETAKE_STEP_AFTER_MS = 2000;
/**
 * A send this late gets an extra wake-up, if a worker holds its own job (Redis adds none for a send
 * whose job still waits its turn: see `Scheduler.ensure`). Later than a step's when no worker died
 * lately: sends are rate limited, and every extra job spends a slot of the limit. When a worker
 * died in the last `RECENT_DEATH_MS`, its fetched-but-unclaimed jobs may hold sends: then a send is
 * retaken as soon as a step is.
 */
export const RETAKE_SEND_AFTER_MS = 10_000;
export const RECENT_DEATH_MS = 5 * 60_000;
/** What counts as overdue in the figures an operator watches. */
export const OVERDUE_MS = 5000;

export interface ReconcileResult {
  /** Running escalations and unsent notifications Postgres holds. */
  escalations: number;
  sends: number;
  /** Wake-ups Redis did not hold and now does. */
  added: number;
  /** Sends taken back from workers that died holding them. */
  retaken: number;
  /** Steps and sends due more than `OVERDUE_MS` ago. */
  overdueEscalations: number;
  overdueSends: number;
}

/**
 * Makes Redis hold a wake-up for everything Postgres says is owed: every running escalation (due
 * ones at once, future ones delayed to their time; a step overdue by more than a moment gets a
 * fresh wake-up too) and every unsent notification (at its `not_before`). Sends claimed by a
 * worker that is no longer seen (never the calling worker's own, `self`, unless older than
 * `MAX_CLAIM_MS`; nor one silent only as long as `self` was, `selfSeenBefore` being its own
 * heartbeat before the latest) are first taken back, marked as of unknown outcome, so the next
 * attempt asks Twilio before sending. Safe to run any time, by any number of processes: job ids
 * are deterministic and every step and send is idempotent under its row lock. Redis is asked in a
 * bounded number of round trips, whatever the number of open items.
 */
export async function reconcile(deps: Deps, options: { self?: string; selfSeenBefore?: Date } = {}): Promise<ReconcileResult> {
  const { db } = deps.database;
  const now = deps.clock.now();
  const ms = now.getTime();

  // Dead means unseen for DEAD_WORKER_MS longer than this worker itself was: after an outage that
  // stopped every heartbeat (Postgres down), nobody is taken for dead just for having been silent too.
  const seenSince = Math.min(ms, options.selfSeenBefore?.getTime() ?? ms) - DEAD_WORKER_MS;
  const alive = db.select({ id: workers.id }).from(workers).where(gte(workers.lastSeenAt, new Date(seenSince)));
  const retaken = await db
    .update(notifications)
    .set({ status: 'pending', outcomeUnknown: true, notBefore: now, claimedBy: null, updatedAt: now })
    .where(
      and(
        eq(notifications.status, 'sending'),
        or(
          isNull(notifications.claimedBy),
          isNull(notifications.claimedAt),
          lt(notifications.claimedAt, new Date(ms - MAX_CLAIM_MS)),
          // This worker knows it is alive, however late its heartbeat under load.
          and(notInArray(notifications.claimedBy, alive), options.self ? ne(notifications.claimedBy, options.self) : undefined),
        ),
      ),
    )
    .returning({ id: notifications.id });

  const [running, unsent, deaths] = await Promise.all([
    db
      .select({ id: incidents.id, at: incidents.escalationNextAt })
      .from(incidents)
      .where(and(eq(incidents.status, 'triggered'), isNotNull(incidents.escalationNextAt))),
    db
      .select({ id: notifications.id, priority: notifications.priority, attempts: notifications.attempts, notBefore: notifications.notBefore })
      .from(notifications)
      .where(eq(notifications.status, 'pending')),
    db
      .select({ n: sql<number>`count(*)::int` })
      .from(workers)
      .where(and(lt(workers.lastSeenAt, new Date(seenSince)), gte(workers.lastSeenAt, new Date(ms - RECENT_DEATH_MS)))),
  ]);
  const retakeSendAfter = (deaths[0]?.n ?? 0) > 0 ? RETAKE_STEP_AFTER_MS : RETAKE_SEND_AFTER_MS;

  const wakes: Wake[] = [];
  const lateBucket = `late${Math.floor(ms / 5000)}`;
  let overdueEscalations = 0;
  for (const incident of running) {
    const at = incident.at!;
    wakes.push({ queue: 'escalation', incidentId: incident.id, at });
    if (ms - at.getTime() > RETAKE_STEP_AFTER_MS) wakes.push({ queue: 'escalation', incidentId: incident.id, at, retake: lateBucket });
    if (ms - at.getTime() > OVERDUE_MS) overdueEscalations += 1;
  }
  let overdueSends = 0;
  for (const n of unsent) {
    wakes.push({ queue: 'send', notificationId: n.id, priority: n.priority, attempt: n.attempts, at: n.notBefore });
    if (ms - n.notBefore.getTime() > retakeSendAfter) wakes.push({ queue: 'send', notificationId: n.id, priority: n.priority, attempt: n.attempts, at: n.notBefore, retake: lateBucket });
    if (ms - n.notBefore.getTime() > OVERDUE_MS) overdueSends += 1;
  }
  const { added } = await deps.scheduler.ensure(wakes);
  return { escalations: running.length, sends: unsent.length, added, retaken: retaken.length, overdueEscalations, overdueSends };
}

/** The figures an operator watches, read from Postgres (the truth), for `/metrics`. */
export async function overdueWork(deps: Pick<Deps, 'database' | 'clock'>): Promise<{ overdueEscalations: number; overdueSends: number; workersAlive: number }> {
  const now = deps.clock.now().getTime();
  const before = new Date(now - OVERDUE_MS).toISOString();
  const aliveSince = new Date(now - DEAD_WORKER_MS).toISOString();
  const [row] = await deps.database.db.execute<{ escalations: number; sends: number; workers: number }>(sql`
    select
      (select count(*)::int from ${incidents} where ${incidents.status} = 'triggered' and ${incidents.escalationNextAt} < ${before}::timestamptz) as escalations,
      (select count(*)::int from ${notifications} where ${notifications.status} = 'pending' and ${notifications.notBefore} < ${before}::timestamptz) as sends,
      (select count(*)::int from ${workers} where ${workers.lastSeenAt} >= ${aliveSince}::timestamptz) as workers
  `);
  return { overdueEscalations: Number(row?.escalations ?? 0), overdueSends: Number(row?.sends ?? 0), workersAlive: Number(row?.workers ?? 0) };
}
