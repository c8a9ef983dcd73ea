import { sql } from 'drizzle-orm';
import type { Db, Executor } from './client.js';
import { WriteTogether } from './write-together.js';
import { replaceableBy, type NotificationStatus } from '../domain/delivery-status.js';
import { jsonRows } from './json-rows.js';

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
 * Delivery reports recorded in one statement at most, and statements at once (see
 * `DeliveryReporter`). One at a time: the reports arriving meanwhile wait for it and go together
 * in the next. In a burst of 500 reports, two at a time took 771 statements for ~3,500 reports,
 * one at a time 402, and Postgres spent 459 ms on them instead of 749.
 */
const REPORTS_TOGETHER = 200;
const STATEMENTS_AT_ONCE = 1;

/** What recording one report came to: its row, or the error of the statement it was in. */
type Recorded = { row: ReportedRow | null } | { error: unknown };

/**
 * Records the delivery reports of a web process: reports arriving while earlier ones are being
 * written go together in the next statement (`WriteTogether`), so a burst of them costs Postgres
 * a few round trips and commits, on one connection, however many arrive.
 * Each caller learns of its own report only: should a statement fail (two rows named with one
 * SID), its reports are recorded one by one, and only the one that fails alone fails.
 */
export class DeliveryReporter {
  readonly #writes: WriteTogether<DeliveryReport, Recorded>;

  constructor(db: Db) {
    this.#writes = new WriteTogether((batch) => recordEach(db, batch), { maxBatch: REPORTS_TOGETHER, maxInFlight: STATEMENTS_AT_ONCE });
  }

  /** Records the report (as `recordDeliveryReport` would), with whatever others arrive meanwhile. */
  async record(report: DeliveryReport): Promise<ReportedRow | null> {
    const recorded = await this.#writes.run(report);
    if ('error' in recorded) throw recorded.error;
    return recorded.row;
  }
}

/** The reports together; if that fails, each alone, in order. One outcome per report, in order. */
async function recordEach(db: Executor, batch: DeliveryReport[]): Promise<Recorded[]> {
  try {
    return (await recordDeliveryReports(db, batch)).map((row) => ({ row }));
  } catch (error) {
    if (batch.length === 1) return [{ error }];
    // One after the other: side by side, the two that failed the statement would fail each other again.
    const outcomes: Recorded[] = [];
    for (const one of batch) outcomes.push(await recordDeliveryReport(db, one).then((row) => ({ row }), (e: unknown) => ({ error: e })));
    return outcomes;
  }
}

/**
 * Records a delivery status callback in one statement, whatever it says: its receipt, the row's
 * status and SID, and its timeline entry commit together or not at all, and a replay (the receipt
 * exists) changes nothing. The one-report case of `recordDeliveryReports`.
 */
export async function recordDeliveryReport(db: Executor, r: DeliveryReport): Promise<ReportedRow | null> {
  const [row] = await recordDeliveryReports(db, [r]);
  return row ?? null;
}

/**
 * Records delivery status callbacks together, in one statement per wave: each report as
 * `recordDeliveryReport` would, one result per report in order. Delivery reports come ~3 per page
 * in bursts after pages go out; recorded together they cost Postgres one round trip and one commit
 * for many. A row reported twice (sent, then delivered) is updated once per statement, so its later
 * reports go in later waves, in the order they were given: none is lost to another.
 */
export async function recordDeliveryReports(db: Executor, reports: readonly DeliveryReport[]): Promise<Array<ReportedRow | null>> {
  const results: Array<ReportedRow | null> = reports.map(() => null);
  for (const wave of wavesByRow(reports)) {
    const recorded = await recordWave(
      db,
      wave.map((i) => reports[i]!),
    );
    wave.forEach((i, n) => (results[i] = recorded[n]!));
  }
  return results;
}

/** The reports' positions, in waves where each row appears once, each row's reports in order. */
function wavesByRow(reports: readonly DeliveryReport[]): number[][] {
  const waves: number[][] = [];
  const seen = new Map<number, number>();
  reports.forEach((r, i) => {
    const wave = seen.get(r.notificationId) ?? 0;
    seen.set(r.notificationId, wave + 1);
    (waves[wave] ??= []).push(i);
  });
  return waves;
}

/** One statement for reports on distinct rows. */
async function recordWave(db: Executor, reports: readonly DeliveryReport[]): Promise<Array<ReportedRow | null>> {
  const input = reports.map((r, i) => ({
    i,
    key: r.receiptKey,
    answer: r.answer,
    notification_id: r.notificationId,
    sid: r.sid === '' ? null : r.sid,
    status: r.status,
    replaces: (r.status ? replaceableBy(r.status) : []).join(','),
    set_error: r.error !== undefined,
    error: r.error ?? null,
    at: r.now.toISOString(),
    t_kind: r.timeline?.kind ?? null,
    t_channel: r.timeline?.channel ?? null,
    t_body: r.timeline?.body ?? null,
    t_data: r.timeline?.data ?? null,
  }));
  const rows = await db.execute<{ i: number; id: string; incident_id: string | null; kind: string; channel: string; escalation_stopped_at: string | null }>(sql`
    with input as (
      select * from ${jsonRows(input, 'i int, key text, answer text, notification_id bigint, sid text, status text, replaces text, set_error boolean, error text, at timestamptz, t_kind text, t_channel text, t_body text, t_data jsonb')} as r
    ), receipt as (
      insert into webhook_receipts (key, status_code, content_type, body)
      select key, 200, 'text/xml', answer from input
      on conflict do nothing returning key
    ), updated as (
      -- Whether the status moves is decided against the row as it is when updated (a report written
      -- meanwhile by another statement is seen), so a late report never moves a row back.
      update notifications n set
        twilio_sid = case when n.twilio_sid is null and r.sid is not null and not exists (select 1 from notifications o where o.twilio_sid = r.sid) then r.sid else n.twilio_sid end,
        status = case when r.status is not null and n.status = any(string_to_array(r.replaces, ',')) then r.status else n.status end,
        error = case when r.status is not null and n.status = any(string_to_array(r.replaces, ',')) and r.set_error then r.error else n.error end,
        updated_at = case when r.status is not null and n.status = any(string_to_array(r.replaces, ',')) then r.at else n.updated_at end
      from input r join receipt on receipt.key = r.key
      where n.id = r.notification_id
      returning r.i, r.at, r.t_kind, r.t_channel, r.t_body, r.t_data, n.id, n.incident_id, n.engineer_id, n.to_phone, n.kind, n.channel
    ), timeline as (
      insert into timeline_entries (incident_id, at, kind, actor, engineer_id, channel, body, data)
      select u.incident_id, u.at, u.t_kind, 'system', u.engineer_id, u.t_channel, format(u.t_body, u.to_phone, u.kind),
        u.t_data || jsonb_build_object('notificationId', u.id)
      from updated u where u.incident_id is not null and u.t_kind is not null
      order by u.i
    )
    select u.i, u.id, u.incident_id, u.kind, u.channel, i.escalation_stopped_at
    from updated u left join incidents i on i.id = u.incident_id`);
  const results: Array<ReportedRow | null> = reports.map(() => null);
  for (const row of rows) {
    results[row.i] = {
      id: Number(row.id),
      incidentId: row.incident_id === null ? null : Number(row.incident_id),
      kind: row.kind,
      channel: row.channel,
      escalationStoppedAt: row.escalation_stopped_at === null ? null : new Date(row.escalation_stopped_at),
    };
  }
  return results;
}
