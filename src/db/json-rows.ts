import { sql, type SQL } from 'drizzle-orm';

/**
 * Rows handed to a statement as one JSON parameter (so the statement is prepared once whatever
 * their number), as a subquery to join or select from: `from ${jsonRows(rows, 'id bigint, sid text')} as s`.
 *
 * Postgres guesses 100 rows for any `jsonb_to_recordset`, and with that guess it would rather hash
 * a whole table than look 100 rows up by index: a sequential scan of every notification (or every
 * webhook receipt) to match the one row a send or a delivery report names, growing with the table.
 * The `limit` tells it how many rows there are (the next power of two at or above their number,
 * so it never cuts any, and a statement keeps a handful of texts), and it looks them up by index.
 */
export function jsonRows(rows: readonly object[], columns: string): SQL {
  const limit = 2 ** Math.ceil(Math.log2(Math.max(rows.length, 1)));
  return sql`(select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(${sql.raw(columns)}) limit ${sql.raw(String(limit))})`;
}
