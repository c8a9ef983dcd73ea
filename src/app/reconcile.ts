import { and, eq, isNotNull, lt } from 'drizzle-orm';
import { incidents, notifications } from '../db/schema.js';
import type { Deps } from './deps.js';

/** A claimed send whose worker went quiet this long is taken as lost and sent again. */
export const STALE_SENDING_MS = 2 * 60_000;

/**
 * Makes Redis hold a wake-up for everything Postgres says is owed: every running escalation (due
 * ones run at once, future ones are delayed to their time) and every unsent notification. Safe to
 * run any time, by any number of processes: job ids are deterministic. This is what makes a Redis
 * flush, restart or a killed worker lose no page.
 */
export async function reconcile(deps: Deps): Promise<{ escalations: number; sends: number }> {
  const { db } = deps.database;
  const now = deps.clock.now();
  const running = await db
    .select({ id: incidents.id, at: incidents.escalationNextAt })
    .from(incidents)
    .where(and(isNotNull(incidents.escalationNextAt), eq(incidents.status, 'triggered')));
  for (const incident of running) await deps.scheduler.wakeEscalation(incident.id, incident.at!);

  // A send claimed by a worker that died mid-job goes back to pending. `updated_at` keeps the
  // claim's time: the next attempt asks Twilio what was sent since then before sending again.
  await db
    .update(notifications)
    .set({ status: 'pending', outcomeUnknown: true })
    .where(and(eq(notifications.status, 'sending'), lt(notifications.updatedAt, new Date(now.getTime() - STALE_SENDING_MS))));
  const unsent = await db
    .select({ id: notifications.id, priority: notifications.priority, attempts: notifications.attempts, outcomeUnknown: notifications.outcomeUnknown, updatedAt: notifications.updatedAt })
    .from(notifications)
    .where(eq(notifications.status, 'pending'));
  const staleBefore = now.getTime() - STALE_SENDING_MS;
  for (const n of unsent) {
    // A send taken back from a dead worker, or pending far longer than any backoff, gets a job of
    // its own: its first job may still be held ("active", locked) in Redis by a worker that died.
    const retake = n.outcomeUnknown ? `a${n.attempts}` : n.updatedAt.getTime() < staleBefore ? `s${Math.floor(now.getTime() / STALE_SENDING_MS)}` : undefined;
    await deps.scheduler.send(n.id, n.priority, retake);
  }
  return { escalations: running.length, sends: unsent.length };
}
