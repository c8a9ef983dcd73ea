import { and, eq } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import { notifications, smsOptOuts } from '../db/schema.js';
import type { AfterCommit } from './effects.js';

export interface Outbound {
  incidentId: number | null;
  engineerId: number | null;
  /** What it is, for the timeline and reports: page, admin_page, ack_notice, customer_notice, relay, handoff… */
  kind: string;
  channel: 'sms' | 'voice';
  to: string;
  from: string;
  /** The SMS text, or the summary a voice call speaks. */
  body: string;
  /** BullMQ priority: lower goes first (see domain/escalation/send-priority). */
  priority: number;
  /** One row per key: queueing the same thing twice sends it once. */
  dedupeKey: string;
  level?: number;
  round?: number;
  now: Date;
}

/**
 * Records a message or call to send, in the caller's transaction, and returns the wake-up to
 * enqueue after commit. Nothing is queued twice (the dedupe key), and no SMS goes to a phone that
 * texted STOP to that number.
 */
export async function queueOutbound(tx: Tx, o: Outbound): Promise<{ notificationId: number | null; after: AfterCommit[]; skipped?: 'opted_out' | 'duplicate' }> {
  if (o.channel === 'sms') {
    const [optOut] = await tx.select().from(smsOptOuts).where(and(eq(smsOptOuts.phone, o.to), eq(smsOptOuts.standbyPhone, o.from)));
    if (optOut) return { notificationId: null, after: [], skipped: 'opted_out' };
  }
  const [row] = await tx
    .insert(notifications)
    .values({
      incidentId: o.incidentId,
      engineerId: o.engineerId,
      kind: o.kind,
      channel: o.channel,
      toPhone: o.to,
      fromPhone: o.from,
      body: o.body,
      priority: o.priority,
      dedupeKey: o.dedupeKey,
      level: o.level ?? null,
      round: o.round ?? null,
      notBefore: o.now,
      createdAt: o.now,
      updatedAt: o.now,
    })
    .onConflictDoNothing()
    .returning({ id: notifications.id });
  if (!row) return { notificationId: null, after: [], skipped: 'duplicate' };
  return { notificationId: row.id, after: [{ type: 'send', notificationId: row.id, priority: o.priority }] };
}
