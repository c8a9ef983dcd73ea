import { eq, inArray, sql } from 'drizzle-orm';
import { incidents, notifications } from '../db/schema.js';
import { addTimeline } from '../db/timeline.js';
import { classifySendError, type SendFailure } from '../twilio/client.js';
import type { Deps } from './deps.js';

/** Thrown when a send should be tried again later (rate limit or a passing fault). */
export class RetryLater extends Error {
  constructor(readonly failure: Extract<SendFailure, { kind: 'rate_limited' | 'transient' }>) {
    super(failure.message);
  }
}

export type SendOutcome = 'sent' | 'skipped' | 'failed';

/**
 * Sends one notification row through Twilio. The row is claimed (`sending`, attempt counted)
 * before Twilio is called and settled after, so a row already sent, canceled (the incident was
 * acknowledged) or being sent elsewhere is not sent again. A permanent refusal, or the last
 * attempt of a passing fault, marks it failed and writes that on the incident's timeline;
 * escalation does not wait for it.
 */
export async function sendNotification(deps: Deps, notificationId: number, options: { finalAttempt: boolean }): Promise<SendOutcome> {
  const { db } = deps.database;
  const claimed = await db.transaction(async (tx) => {
    const [row] = await tx.select().from(notifications).where(eq(notifications.id, notificationId)).for('update', { skipLocked: true });
    if (!row || row.status !== 'pending') return null;
    if (row.incidentId !== null && (row.kind === 'page' || row.kind === 'admin_page')) {
      // Decided again from Postgres: a page for an incident someone already has is not sent.
      const [incident] = await tx.select({ stoppedAt: incidents.escalationStoppedAt }).from(incidents).where(eq(incidents.id, row.incidentId));
      if (incident?.stoppedAt) {
        await tx.update(notifications).set({ status: 'canceled', updatedAt: deps.clock.now() }).where(eq(notifications.id, row.id));
        return null;
      }
    }
    const [updated] = await tx
      .update(notifications)
      .set({ status: 'sending', attempts: row.attempts + 1, outcomeUnknown: false, updatedAt: deps.clock.now() })
      .where(eq(notifications.id, notificationId))
      .returning();
    return { ...updated!, previousClaimAt: row.outcomeUnknown ? row.updatedAt : null };
  });
  if (!claimed) return 'skipped';

  const base = deps.config.PUBLIC_BASE_URL;
  let sid: string;
  try {
    // A worker that died after Twilio accepted but before it wrote that down leaves the row to
    // be claimed again: look first, so the retry does not page twice.
    const already = claimed.previousClaimAt ? await findAlreadySent(deps, claimed, claimed.previousClaimAt) : null;
    if (already) {
      sid = already;
    } else if (claimed.channel === 'sms') {
      const message = await deps.twilio.messages.create({
        to: claimed.toPhone,
        from: claimed.fromPhone,
        body: claimed.body,
        statusCallback: `${base}/twilio/status/message?n=${claimed.id}`,
      });
      sid = message.sid;
    } else {
      const call = await deps.twilio.calls.create({
        to: claimed.toPhone,
        from: claimed.fromPhone,
        url: `${base}/twilio/page/voice?n=${claimed.id}`,
        method: 'POST',
        statusCallback: `${base}/twilio/status/call?n=${claimed.id}`,
        statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
        statusCallbackMethod: 'POST',
        timeout: 30,
      });
      sid = call.sid;
    }
  } catch (error) {
    const failure = classifySendError(error);
    const now = deps.clock.now();
    if (failure.kind === 'permanent' || options.finalAttempt) {
      await db.transaction(async (tx) => {
        await tx.update(notifications).set({ status: 'failed', error: failure.message, updatedAt: now }).where(eq(notifications.id, claimed.id));
        if (claimed.incidentId !== null) {
          await addTimeline(tx, {
            incidentId: claimed.incidentId,
            at: now,
            actor: 'system',
            channel: 'system',
            engineerId: claimed.engineerId,
            kind: 'send_failed',
            body: `Could not ${claimed.channel === 'sms' ? 'text' : 'call'} ${claimed.toPhone} (${claimed.kind}) after ${claimed.attempts} attempt(s): ${failure.message}`,
            data: { notificationId: claimed.id, failure },
          });
        }
      });
      return 'failed';
    }
    await db.update(notifications).set({ status: 'pending', error: failure.message, updatedAt: now }).where(eq(notifications.id, claimed.id));
    throw new RetryLater(failure);
  }

  const now = deps.clock.now();
  await db.transaction(async (tx) => {
    // A delivery callback may have arrived first: keep its newer status.
    await tx
      .update(notifications)
      .set({ status: sql`case when ${notifications.status} = 'sending' then 'sent' else ${notifications.status} end`, twilioSid: sid, error: null, updatedAt: now })
      .where(eq(notifications.id, claimed.id));
    if (claimed.incidentId !== null) {
      await addTimeline(tx, {
        incidentId: claimed.incidentId,
        at: now,
        actor: 'system',
        channel: claimed.channel === 'sms' ? 'sms' : 'voice',
        engineerId: claimed.engineerId,
        kind: claimed.channel === 'sms' ? 'sms_out' : 'call_out',
        // The acknowledgement link acts as the engineer: the written record keeps the text, not the key.
        body: claimed.channel === 'sms' ? claimed.body.replace(/\/ack\/\S+/g, '/ack/[link]') : `Calling ${claimed.toPhone}: ${claimed.body}`,
        data: { notificationId: claimed.id, kind: claimed.kind, to: claimed.toPhone, sid },
      });
    }
  });
  return 'sent';
}

/**
 * The SID of a message or call this row's earlier attempt already made, if Twilio has one: same
 * recipient and sender, created since that attempt (and for SMS the same text).
 */
async function findAlreadySent(deps: Deps, row: typeof notifications.$inferSelect, since: Date): Promise<string | null> {
  const bound = since.getTime() - 60_000;
  const candidates =
    row.channel === 'sms'
      ? (await deps.twilio.messages.list({ to: row.toPhone, from: row.fromPhone, limit: 50 })).filter((m) => m.body === row.body && m.dateCreated.getTime() >= bound)
      : (await deps.twilio.calls.list({ to: row.toPhone, from: row.fromPhone, limit: 50 })).filter((c) => c.dateCreated.getTime() >= since.getTime());
  if (candidates.length === 0) return null;
  // A message or call another row already owns is that row's, not this one's.
  const owned = await deps.database.db
    .select({ sid: notifications.twilioSid })
    .from(notifications)
    .where(inArray(notifications.twilioSid, candidates.map((c) => c.sid)));
  const taken = new Set(owned.map((o) => o.sid));
  return candidates.find((c) => !taken.has(c.sid))?.sid ?? null;
}
