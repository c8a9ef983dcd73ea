import { and, eq, inArray, ne } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import { engineers, notifications, openIncidentStatuses } from '../db/schema.js';
import { sendPriority } from '../domain/escalation/send-priority.js';
import { messages } from '../domain/i18n/index.js';
import type { AfterCommit } from './effects.js';
import { queueOutbound } from './outbound.js';
import { loadIncidentContext } from './paging.js';

/**
 * The caller's recorded description is transcribed after the call, so the page went out without
 * it. Each engineer paged for the incident gets it by SMS, from the number the customer called;
 * once someone has the incident, only they do. Queued as notifications in the caller's
 * transaction, once per engineer and incident.
 */
export async function sendDescriptionToPaged(tx: Tx, incidentId: number, description: string, now: Date): Promise<AfterCommit[]> {
  const context = await loadIncidentContext(tx, incidentId, { lock: false });
  if (!context || !(openIncidentStatuses as readonly string[]).includes(context.incident.status)) return [];
  const { incident } = context;
  const paged = await tx
    .selectDistinct({ engineerId: notifications.engineerId })
    .from(notifications)
    .where(and(eq(notifications.incidentId, incidentId), inArray(notifications.kind, ['page', 'admin_page']), ne(notifications.status, 'canceled')));
  const ids = incident.acknowledgedBy !== null ? [incident.acknowledgedBy] : paged.flatMap((p) => (p.engineerId === null ? [] : [p.engineerId]));
  if (ids.length === 0) return [];
  const recipients = await tx.select().from(engineers).where(inArray(engineers.id, ids));
  const after: AfterCommit[] = [];
  for (const engineer of recipients) {
    const queued = await queueOutbound(tx, {
      incidentId,
      engineerId: engineer.id,
      kind: 'description',
      channel: 'sms',
      to: engineer.phone,
      from: context.standbyPhone,
      body: messages(engineer.language).engineer.descriptionArrived({ reference: incidentId, customerName: context.customer.name, text: description }),
      priority: sendPriority(incident.severity, 'other'),
      dedupeKey: `description:${incidentId}:${engineer.id}`,
      now,
    });
    after.push(...queued.after);
  }
  return after;
}
