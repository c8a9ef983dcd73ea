import { and, asc, gt, sql } from 'drizzle-orm';
import type { Executor } from './client.js';
import { timelineEntries } from './schema.js';
import { insertRows } from './json-rows.js';

export type TimelineEntry = typeof timelineEntries.$inferInsert;
export type TimelineActor = TimelineEntry['actor'];
export type TimelineChannel = TimelineEntry['channel'];

/**
 * Appends entries to incidents' timelines, in the order given, in one statement of one parameter
 * whatever their number (`insertRows`): the driver prepares it once per connection, and a statement
 * sent after it in the same transaction goes with it.
 */
export async function addTimeline(db: Executor, entries: TimelineEntry | TimelineEntry[]): Promise<void> {
  const list = Array.isArray(entries) ? entries : [entries];
  if (list.length === 0) return;
  // The same columns from every entry (`insertRows`): what an entry leaves out, as the columns' defaults.
  const rows = list.map((e) => ({ incidentId: e.incidentId, at: e.at, kind: e.kind, actor: e.actor, engineerId: e.engineerId ?? null, channel: e.channel, body: e.body ?? '', data: e.data ?? {} }));
  await db.execute(insertRows(timelineEntries, rows));
}

/**
 * One page of an incident's timeline, oldest first: `limit + 1` entries after `cursor` (keyset
 * pagination on `timeline_incident_idx`, so the first page of a 100,000-entry incident costs what
 * a deep one does).
 *
 * The incident is matched with `= any(array)` on purpose: with a plain `=` Postgres knows the
 * incident is constant, sees that the primary key's order serves `order by id` too, and may scan
 * the whole table in id order filtering for the incident when the incident's rows are many but
 * recent (a large incident looks cheap to find that way and is not). `= any` keeps the order
 * `(incident_id, id)`, which only the incident's index gives.
 */
export function timelinePageQuery(db: Executor, incidentId: number, page: { cursor?: number; limit: number }) {
  return db
    .select()
    .from(timelineEntries)
    .where(and(sql`${timelineEntries.incidentId} = any(${`{${incidentId}}`}::bigint[])`, page.cursor ? gt(timelineEntries.id, page.cursor) : undefined))
    .orderBy(asc(timelineEntries.incidentId), asc(timelineEntries.id))
    .limit(page.limit + 1);
}
