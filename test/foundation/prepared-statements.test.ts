import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { createDatabase, transaction, type Database } from '../../src/db/client.js';
import { engineers } from '../../src/db/schema.js';
import { createTestDatabase } from '../support/database.js';

/**
 * `DATABASE_PREPARE`: on, the service's queries are named prepared statements (parsed and planned
 * once per connection); off, none is, as a transaction-mode pooler needs.
 */
let url: string;
let setup: Database;

beforeAll(async () => {
  ({ url, database: setup } = await createTestDatabase());
});
afterAll(() => setup.close());

/** The statements the one connection of `database` keeps prepared, after a query in and out of a transaction. */
async function preparedAfterQueries(database: Database): Promise<string[]> {
  const phone = '+5491150000201';
  await database.db.select().from(engineers).where(eq(engineers.phone, phone));
  await transaction(database.db, (tx) => tx.select({ id: engineers.id }).from(engineers).where(eq(engineers.phone, phone)));
  const rows = await database.db.execute<{ statement: string }>(sql`select statement from pg_prepared_statements where ${1} = 1`);
  return rows.map((r) => r.statement);
}

describe('queries as prepared statements', () => {
  it('are prepared, in transactions too, when DATABASE_PREPARE is on', async () => {
    const database = createDatabase(url, { max: 1, prepare: true });
    try {
      const prepared = await preparedAfterQueries(database);
      expect(prepared.filter((s) => s.includes('from "engineers"'))).toHaveLength(2);
    } finally {
      await database.close();
    }
  });

  it('are never prepared when DATABASE_PREPARE is off', async () => {
    const database = createDatabase(url, { max: 1, prepare: false });
    try {
      expect(await preparedAfterQueries(database)).toEqual([]);
    } finally {
      await database.close();
    }
  });
});
