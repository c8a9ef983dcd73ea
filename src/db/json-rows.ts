import { getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';

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

/**
 * `insert into <table> (…) select … from jsonRows(…)`: rows of `table` in one statement of one
 * parameter whatever their number, inserted in the order given. The driver prepares it once per
 * connection and sends it along with the statements after it; a multi-row `values` has a parameter
 * per value, and past the driver's bound for prepared statements it is described before it is
 * sent, a round trip of its own that holds back the statements after it. Every row gives the same
 * columns (the others take their defaults). The caller adds `on conflict …` or `returning *`
 * (read with `tableRows`).
 */
export function insertRows<T extends PgTable>(table: T, rows: ReadonlyArray<T['$inferInsert']>): SQL {
  const given = Object.entries(getTableColumns(table)).filter(([key]) => rows.some((row) => (row as Record<string, unknown>)[key] !== undefined));
  const values = rows.map((row, ord) => {
    const out: Record<string, unknown> = { ord };
    for (const [key, column] of given) {
      const value = (row as Record<string, unknown>)[key];
      if (value === undefined) throw new Error(`insertRows: every row must give the same columns (${column.name} is missing from one)`);
      // JSON columns go as JSON; the others as the driver would send them (an instant as ISO text).
      out[column.name] = value === null || column.dataType === 'json' ? value : column.mapToDriverValue(value);
    }
    return out;
  });
  const names = sql.join(
    given.map(([, column]) => sql.identifier(column.name)),
    sql`, `,
  );
  const types = ['ord int', ...given.map(([, column]) => `"${column.name}" ${column.getSQLType()}`)].join(', ');
  return sql`insert into ${table} (${names}) select ${names} from ${jsonRows(values, types)} as r order by r.ord`;
}

/** Rows of `table` as a raw statement returned them (`returning *`), read as drizzle's own queries read them. */
export function tableRows<T extends PgTable>(table: T, raw: ReadonlyArray<Record<string, unknown>>): Array<T['$inferSelect']> {
  const columns = Object.entries(getTableColumns(table));
  return raw.map(
    (row) =>
      Object.fromEntries(
        columns.map(([key, column]) => {
          const value = row[column.name];
          return [key, value === null || value === undefined ? null : column.mapFromDriverValue(value)];
        }),
      ) as T['$inferSelect'],
  );
}
