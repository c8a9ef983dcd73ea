import { asc, inArray, isNull, sql } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import { loadRotations } from '../db/rotations.js';
import { engineers, handoffNotices, rotations, standbyNumbers } from '../db/schema.js';
import { sendPriority } from '../domain/escalation/send-priority.js';
import { toCalendarMoment } from '../domain/hours/index.js';
import { messages } from '../domain/i18n/index.js';
import { nextHandoffs, type Rotation } from '../domain/rotation/rotation.js';
import type { Deps } from './deps.js';
import type { AfterCommit } from './effects.js';
import { queueOutbound } from './outbound.js';

/** How far ahead the end of a shift is looked for, to tell the engineer until when they are on. */
const STRETCH_HORIZON_MS = 400 * 86_400_000;

/**
 * Handoff notices: the engineer who comes on call gets one SMS when their shift starts.
 *
 * For every live rotation, each handoff in `(now - lookbackMs, now]` with someone coming on
 * (an active engineer) is recorded in `handoff_notices` and, only when that insert is new, an SMS
 * is queued in the same transaction. The notice's primary key (rotation, shift start) is the
 * once-only guarantee: two workers running this together both try the insert, one wins, the
 * other waits for its commit and skips. A handoff older than the lookback is not announced
 * (the worker was down; a late "you are on call since yesterday" helps nobody more than the page).
 * Returns the wake-ups to enqueue after commit.
 */
export async function sendDueHandoffNotices(tx: Tx, deps: Pick<Deps, 'logger'>, now: Date, lookbackMs: number): Promise<AfterCommit[]> {
  const live = await tx.select({ id: rotations.id, name: rotations.name }).from(rotations).where(isNull(rotations.archivedAt)).orderBy(asc(rotations.id));
  if (live.length === 0) return [];
  const loaded = await loadRotations(tx, live.map((r) => r.id));
  // nextHandoffs covers [from, to): one millisecond on each side makes it (now - lookback, now].
  const from = new Date(now.getTime() - lookbackMs + 1);
  const to = new Date(now.getTime() + 1);
  const due = live.flatMap((rotation) => {
    const schedule = loaded.get(rotation.id)!;
    return nextHandoffs(schedule, from, to).flatMap((h) => (h.incomingEngineerId === null ? [] : [{ rotation, schedule, at: h.at, engineerId: Number(h.incomingEngineerId) }]));
  });
  if (due.length === 0) return [];

  // Shared numbers first: a dedicated number is its customer's line, not the team's.
  const [sender] = await tx
    .select({ phone: standbyNumbers.phone })
    .from(standbyNumbers)
    .orderBy(sql`${standbyNumbers.customerId} is not null`, asc(standbyNumbers.id))
    .limit(1);
  if (!sender) {
    deps.logger.warn({ handoffs: due.length }, 'no standby number to send handoff notices from');
    return [];
  }
  const people = await tx.select().from(engineers).where(inArray(engineers.id, [...new Set(due.map((d) => d.engineerId))]));
  const byId = new Map(people.map((e) => [e.id, e]));

  const after: AfterCommit[] = [];
  for (const handoff of due) {
    const engineer = byId.get(handoff.engineerId);
    if (!engineer || engineer.archivedAt) continue; // paging skips archived engineers; so does this
    const [claimed] = await tx
      .insert(handoffNotices)
      .values({ rotationId: handoff.rotation.id, shiftStart: handoff.at, engineerId: engineer.id, sentAt: now })
      .onConflictDoNothing()
      .returning({ rotationId: handoffNotices.rotationId });
    if (!claimed) continue;
    const until = endOfStretch(handoff.schedule, handoff.at);
    const body = messages(engineer.language).engineer.handoff({
      rotationName: handoff.rotation.name,
      from: toCalendarMoment(handoff.at, now, engineer.timeZone),
      until: toCalendarMoment(until, now, engineer.timeZone),
    });
    const queued = await queueOutbound(tx, {
      incidentId: null,
      engineerId: engineer.id,
      kind: 'handoff',
      channel: 'sms',
      to: engineer.phone,
      from: sender.phone,
      body,
      priority: sendPriority('high', 'other'),
      dedupeKey: `handoff:${handoff.rotation.id}:${handoff.at.getTime()}`,
      now,
    });
    after.push(...queued.after);
  }
  return after;
}

/**
 * When the person who comes on at `at` hands over next: the next handoff after it, looked for up
 * to STRETCH_HORIZON_MS ahead (a one-person rotation may have none; the horizon stands in).
 */
function endOfStretch(rotation: Rotation, at: Date): Date {
  const horizon = new Date(at.getTime() + STRETCH_HORIZON_MS);
  for (let span = 8 * 86_400_000; ; span *= 8) {
    const until = new Date(Math.min(at.getTime() + span, horizon.getTime()));
    const next = nextHandoffs(rotation, new Date(at.getTime() + 1), until)[0];
    if (next) return next.at;
    if (until.getTime() === horizon.getTime()) return horizon;
  }
}
