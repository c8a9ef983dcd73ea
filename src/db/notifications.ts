import { and, eq, getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { Db, Executor } from './client.js';
import { incidents, notifications, timelineEntries } from './schema.js';
import { jsonRows } from './json-rows.js';

export type NotificationRow = typeof notifications.$inferSelect;

/**
 * A Twilio SID to record on a notification row, or null when another row already owns it (the
 * unique key would refuse it): a row never adopts another row's message or call.
 */
export function sidUnlessOwned(sid: string): SQL<string | null> {
  return sql<string | null>`case when exists (select 1 from ${notifications} other where other.twilio_sid = ${sid}) then null else ${sid} end`;
}

/** Not a page of an incident someone already has (its pages are canceled, never sent). */
const stillNeeded = sql`not (${notifications.kind} in ('page', 'admin_page') and exists (select 1 from ${incidents} where ${incidents.id} = ${notifications.incidentId} and ${incidents.escalationStoppedAt} is not null))`;

/** A row claimed for sending, with when its previous attempt was claimed (or the row written). */
export interface ClaimedRow {
  row: NotificationRow;
  earlierClaimAt: string;
}

/**
 * The claim statement: of the rows `chosen` picks, those pending, due at `now` and still needed
 * become `sending`, their attempt counted and named to `worker`; each comes back with when its
 * previous attempt was claimed (or the row written). With `skipLocked`, a row another transaction
 * holds is skipped rather than waited for.
 */
function claimStatement(db: Executor, chosen: SQL, at: { now: SQL; worker: SQL }, skipLocked: boolean) {
  const claimable = db.$with('claimable').as(
    db
      .select({ id: notifications.id, earlierClaimAt: sql<string>`coalesce(${notifications.claimedAt}, ${notifications.createdAt})`.as('earlier_claim_at') })
      .from(notifications)
      .where(and(chosen, eq(notifications.status, 'pending'), sql`${notifications.notBefore} <= ${at.now}`, stillNeeded))
      .orderBy(notifications.id)
      .for('update', skipLocked ? { of: notifications, skipLocked: true } : { of: notifications }),
  );
  return db
    .with(claimable)
    .update(notifications)
    .set({ status: 'sending', attempts: sql`${notifications.attempts} + 1`, claimedBy: at.worker, claimedAt: at.now, updatedAt: at.now })
    .from(claimable)
    .where(eq(notifications.id, claimable.id))
    .returning({ row: getTableColumns(notifications), earlierClaimAt: claimable.earlierClaimAt });
}

/**
 * The claim of many sends in one statement (see `claimStatement`), built once per connection
 * pool (and a prepared statement unless `DATABASE_PREPARE` is off, see `createDatabase`): the
 * rows asked for are `ids`, a Postgres array literal such as `{4,8,15}`. A row another
 * transaction holds is skipped rather than waited for (so two claims of overlapping rows never
 * wait on each other); the caller asks again for what it did not get, one row at a time.
 */
export function prepareClaimDue(db: Db) {
  const now = sql`${sql.placeholder('now')}::timestamptz`;
  return claimStatement(db, sql`${notifications.id} = any(${sql.placeholder('ids')}::bigint[])`, { now, worker: sql`${sql.placeholder('worker')}` }, true).prepare('claim_due_sends');
}

/** The claim of one send (see `claimStatement`), waiting for a transaction that holds its row; undefined when it is not claimable. */
export async function claimOne(db: Executor, notificationId: number, worker: { id: string }, now: Date): Promise<ClaimedRow | undefined> {
  const [claimed] = await claimStatement(db, eq(notifications.id, notificationId), { now: sql`${now.toISOString()}::timestamptz`, worker: sql`${worker.id}` }, false);
  return claimed;
}

export type ClaimDue = ReturnType<typeof prepareClaimDue>;

/** A send Twilio accepted (or that an earlier attempt had made), to be recorded on its row. */
export interface SentRow {
  id: number;
  sid: string;
  at: Date;
  /** The row's `sms_out` or `call_out` entry on its incident's timeline; null for a row without an incident. */
  timeline: { incidentId: number; engineerId: number | null; kind: 'sms_out' | 'call_out'; channel: 'sms' | 'voice'; body: string; data: Record<string, unknown> } | null;
}

/**
 * Records sends as sent, in one statement whatever their number: each row and its timeline entry
 * commit together or not at all. A status callback may have landed first: its newer status and
 * the SID it recorded are kept. A SID another row owns (or, within these, a lower id claims) is
 * not recorded: the unique key would refuse the whole statement.
 */
export async function settleSent(db: Executor, sent: readonly SentRow[]): Promise<void> {
  const rows = sent.map((s) => ({
    id: s.id,
    sid: s.sid,
    at: s.at.toISOString(),
    incident_id: s.timeline?.incidentId ?? null,
    engineer_id: s.timeline?.engineerId ?? null,
    kind: s.timeline?.kind ?? null,
    channel: s.timeline?.channel ?? null,
    body: s.timeline?.body ?? null,
    data: s.timeline?.data ?? null,
  }));
  await db.execute(sql`
    with sent as (
      select s.*, row_number() over (partition by s.sid order by s.id) = 1 as first_with_sid
      from ${jsonRows(rows, 'id bigint, sid text, at timestamptz, incident_id bigint, engineer_id bigint, kind text, channel text, body text, data jsonb')} as s
    ), settled as (
      update ${notifications} n set
        status = case when n.status = 'sending' then 'sent' else n.status end,
        twilio_sid = coalesce(n.twilio_sid, case when s.first_with_sid and not exists (select 1 from ${notifications} other where other.twilio_sid = s.sid) then s.sid end),
        outcome_unknown = false,
        error = null,
        claimed_by = null,
        updated_at = s.at
      from sent s
      where n.id = s.id
      returning n.id
    )
    insert into ${timelineEntries} (incident_id, at, kind, actor, engineer_id, channel, body, data)
    select s.incident_id, s.at, s.kind, 'system', s.engineer_id, s.channel, s.body, s.data
    from sent s join settled on settled.id = s.id
    where s.incident_id is not null
    order by s.id`);
}
