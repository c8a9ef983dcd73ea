import { sql } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import type { AfterCommit } from './effects.js';
import { jsonRows } from '../db/json-rows.js';

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

export interface Queued {
  notificationId: number | null;
  after: AfterCommit[];
  skipped?: 'opted_out' | 'duplicate';
}

/**
 * Records a message or call to send, in the caller's transaction, and returns the wake-up to
 * enqueue after commit. Nothing is queued twice (the dedupe key), and no SMS goes to a phone that
 * texted STOP to that number.
 */
export async function queueOutbound(tx: Tx, o: Outbound): Promise<Queued> {
  const [queued] = await queueOutbounds(tx, [o]);
  return queued!;
}

/**
 * `queueOutbound` for several messages in one statement, in the order given (their ids follow
 * it); answers one `Queued` per message, in the same order.
 */
export async function queueOutbounds(tx: Tx, list: readonly Outbound[]): Promise<Queued[]> {
  if (list.length === 0) return [];
  const rows = list.map((o, ord) => ({
    ord,
    incident_id: o.incidentId,
    engineer_id: o.engineerId,
    kind: o.kind,
    channel: o.channel,
    to_phone: o.to,
    from_phone: o.from,
    body: o.body,
    priority: o.priority,
    level: o.level ?? null,
    round: o.round ?? null,
    dedupe_key: o.dedupeKey,
    now: o.now.toISOString(),
  }));
  // One parameter whatever the number of messages, so the statement is prepared once.
  const result = await tx.execute<{ ord: number; id: string | null; opted_out: boolean } & Record<string, unknown>>(sql`
    with given as (
      select v.*, v.channel = 'sms' and exists (select 1 from sms_opt_outs s where s.phone = v.to_phone and s.standby_phone = v.from_phone) as opted_out
      from ${jsonRows(rows, 'ord int, incident_id bigint, engineer_id bigint, kind text, channel text, to_phone text, from_phone text, body text, priority int, level int, round int, dedupe_key text, now timestamptz')} as v
    ), inserted as (
      insert into notifications (incident_id, engineer_id, kind, channel, to_phone, from_phone, body, priority, level, round, dedupe_key, not_before, created_at, updated_at)
      select incident_id, engineer_id, kind, channel, to_phone, from_phone, body, priority, level, round, dedupe_key, now, now, now
      from given where not opted_out order by ord
      on conflict do nothing
      returning id, dedupe_key
    )
    select given.ord, inserted.id, given.opted_out from given left join inserted using (dedupe_key) order by given.ord`);
  const seen = new Set<number>();
  return result.map((row): Queued => {
    if (row.opted_out) return { notificationId: null, after: [], skipped: 'opted_out' };
    const notificationId = row.id === null ? null : Number(row.id);
    // A key given twice in one list is queued once, for its first occurrence.
    if (notificationId === null || seen.has(notificationId)) return { notificationId: null, after: [], skipped: 'duplicate' };
    seen.add(notificationId);
    return { notificationId, after: [{ type: 'send', notificationId, priority: list[row.ord]!.priority }] };
  });
}
