import { sql } from 'drizzle-orm';
import type { Executor } from './client.js';
import { replaceableBy, type NotificationStatus } from '../domain/delivery-status.js';

/** One delivery status callback from Twilio, as the statement below records it. */
export interface DeliveryReport {
  /** The webhook's receipt key: a replay of the same callback changes nothing. */
  receiptKey: string;
  /** What the callback is answered (stored with the receipt). */
  answer: string;
  notificationId: number;
  /** The SID the callback names ('' when none): recorded on a row that has none, unless another row owns it. */
  sid: string;
  /** The status to move to (see `replaceableBy`: a late report never moves a row back); null moves nothing. */
  status: NotificationStatus | null;
  /** Also written when the status moves. */
  error?: string | null;
  now: Date;
  /** The timeline entry to write on the row's incident (none without one): `body` is a `format()` string whose `%1$s` is the phone and `%2$s` the row's kind. */
  timeline: { channel: 'sms' | 'voice'; kind: string; body: string; data: Record<string, unknown> } | null;
}

/** The row a report was recorded on (none for a replay or an unknown row), with whether its incident stopped escalating. */
export interface ReportedRow {
  id: number;
  incidentId: number | null;
  kind: string;
  channel: string;
  escalationStoppedAt: Date | null;
}

/**
 * Records a delivery status callback in one statement, whatever it says: its receipt, the row's
 * status and SID, and its timeline entry commit together or not at all, and a replay (the receipt
 * exists) changes nothing. Delivery reports come ~3 per page in bursts after pages go out; at one
 * round trip each they cost Postgres a fraction of what a transaction of seven did.
 */
export async function recordDeliveryReport(db: Executor, r: DeliveryReport): Promise<ReportedRow | null> {
  const replaces = `{${(r.status ? replaceableBy(r.status) : []).join(',')}}`;
  const moves = sql`(${r.status}::text is not null and n.status = any(${replaces}::text[]))`;
  const sid = r.sid === '' ? null : r.sid;
  const now = r.now.toISOString();
  const timeline = r.timeline
    ? sql`, timeline as (
        insert into timeline_entries (incident_id, at, kind, actor, engineer_id, channel, body, data)
        select u.incident_id, ${now}::timestamptz, ${r.timeline.kind}, 'system', u.engineer_id, ${r.timeline.channel}, format(${r.timeline.body}, u.to_phone, u.kind),
          ${JSON.stringify(r.timeline.data)}::jsonb || jsonb_build_object('notificationId', u.id)
        from updated u where u.incident_id is not null)`
    : sql``;
  const rows = await db.execute<{ id: string; incident_id: string | null; kind: string; channel: string; escalation_stopped_at: string | null }>(sql`
    with receipt as (
      insert into webhook_receipts (key, status_code, content_type, body) values (${r.receiptKey}, 200, 'text/xml', ${r.answer})
      on conflict do nothing returning key
    ), updated as (
      update notifications n set
        twilio_sid = case when n.twilio_sid is null and ${sid}::text is not null and not exists (select 1 from notifications o where o.twilio_sid = ${sid}) then ${sid} else n.twilio_sid end,
        status = case when ${moves} then ${r.status} else n.status end,
        error = case when ${moves} and ${r.error !== undefined} then ${r.error ?? null} else n.error end,
        updated_at = case when ${moves} then ${now}::timestamptz else n.updated_at end
      where n.id = ${r.notificationId} and exists (select 1 from receipt)
      returning n.id, n.incident_id, n.engineer_id, n.to_phone, n.kind, n.channel
    )${timeline}
    select u.id, u.incident_id, u.kind, u.channel, i.escalation_stopped_at
    from updated u left join incidents i on i.id = u.incident_id`);
  const row = rows[0];
  if (!row) return null;
  return {
    id: Number(row.id),
    incidentId: row.incident_id === null ? null : Number(row.incident_id),
    kind: row.kind,
    channel: row.channel,
    escalationStoppedAt: row.escalation_stopped_at === null ? null : new Date(row.escalation_stopped_at),
  };
}
