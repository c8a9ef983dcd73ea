import type { Executor } from './client.js';
import { timelineEntries } from './schema.js';

export type TimelineEntry = typeof timelineEntries.$inferInsert;
export type TimelineActor = TimelineEntry['actor'];
export type TimelineChannel = TimelineEntry['channel'];

/** Appends entries to incidents' timelines, in the order given. */
export async function addTimeline(db: Executor, entries: TimelineEntry | TimelineEntry[]): Promise<void> {
  const list = Array.isArray(entries) ? entries : [entries];
  if (list.length > 0) await db.insert(timelineEntries).values(list);
}
