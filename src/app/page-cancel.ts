import { and, eq, inArray, isNotNull } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import { notifications } from '../db/schema.js';
import type { Deps } from './deps.js';
import type { AfterCommit } from './effects.js';

const PAGE_KINDS = ['page', 'admin_page'];

/**
 * Once an incident stops escalating (someone acknowledged it, or it was resolved or closed),
 * the pages nobody needs any more are dropped, in the caller's transaction: those still waiting
 * to be sent are canceled, and each page call Twilio has placed but nobody answered yet is
 * returned as a `cancel_call` to run after commit. Calls already answered are left alone: the
 * engineer on the line hears who has the incident.
 */
export async function dropPages(tx: Tx, incidentId: number, now: Date): Promise<AfterCommit[]> {
  await tx
    .update(notifications)
    .set({ status: 'canceled', updatedAt: now })
    .where(and(eq(notifications.incidentId, incidentId), eq(notifications.status, 'pending'), inArray(notifications.kind, PAGE_KINDS)));
  const ringing = await tx
    .select({ id: notifications.id, sid: notifications.twilioSid })
    .from(notifications)
    .where(
      and(
        eq(notifications.incidentId, incidentId),
        eq(notifications.channel, 'voice'),
        inArray(notifications.kind, PAGE_KINDS),
        // Twilio has it (its SID is known) and nobody answered yet.
        inArray(notifications.status, ['sending', 'sent']),
        isNotNull(notifications.twilioSid),
      ),
    );
  return ringing.map((call) => ({ type: 'cancel_call', notificationId: call.id, callSid: call.sid! }));
}

/** Whether a page call that Twilio reports as still ringing is for an incident that stopped escalating. */
export const isUnwantedPageCall = (page: { kind: string; channel: string }, incident: { escalationStoppedAt: Date | null } | undefined, callStatus: string) =>
  PAGE_KINDS.includes(page.kind) && page.channel === 'voice' && incident?.escalationStoppedAt != null && ['queued', 'initiated', 'ringing'].includes(callStatus);

/**
 * Hangs up a page call that is still ringing (Twilio's `canceled` touches only calls not yet
 * answered). Best effort: a call that ends anyway, or answers first, needs nothing more, so a
 * failure is logged and not retried.
 */
export async function cancelRingingCall(deps: Pick<Deps, 'twilio' | 'logger'>, effect: { notificationId: number; callSid: string }): Promise<void> {
  try {
    await deps.twilio.calls(effect.callSid).update({ status: 'canceled' });
  } catch (error) {
    deps.logger.warn({ err: error, notificationId: effect.notificationId }, 'could not cancel a page call that was still ringing');
  }
}
