import { sql, type SQL } from 'drizzle-orm';
import { notifications } from './schema.js';

/**
 * A Twilio SID to record on a notification row, or null when another row already owns it (the
 * unique key would refuse it): a row never adopts another row's message or call.
 */
export function sidUnlessOwned(sid: string): SQL<string | null> {
  return sql<string | null>`case when exists (select 1 from ${notifications} other where other.twilio_sid = ${sid}) then null else ${sid} end`;
}
