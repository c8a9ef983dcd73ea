import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Database } from '../../src/db/client.js';
import { insertRows, jsonRows, tableRows } from '../../src/db/json-rows.js';
import { customers } from '../../src/db/schema.js';
import { createTestDatabase } from '../support/database.js';

/**
 * Rows handed to a statement as JSON (`jsonRows`): every row arrives, and the rows a statement
 * names in a large table are looked up by index, not by reading the whole table, however the
 * table has grown.
 */
let database: Database;

beforeAll(async () => {
  ({ database } = await createTestDatabase());
});
afterAll(() => database.close());

describe('rows handed to a statement as JSON', () => {
  it('all arrive, whatever their number', async () => {
    for (const count of [1, 2, 3, 5, 8, 9, 200, 1000]) {
      const rows = Array.from({ length: count }, (_, i) => ({ n: i, label: `row ${i}` }));
      const back = await database.db.execute<{ n: number; label: string }>(sql`select n, label from ${jsonRows(rows, 'n int, label text')} as r order by n`);
      expect(back.map((r) => ({ n: r.n, label: r.label }))).toEqual(rows);
    }
  });

  it('name the rows of a grown table by index: a send settled among thousands of pages reads no other page', async () => {
    await database.db.execute(sql`
      insert into notifications (kind, channel, to_phone, from_phone, body, priority, dedupe_key, status, not_before, twilio_sid)
      select 'page', 'sms', '+5491150000201', '+541150000100', 'page', 1, 'bench ' || g, 'delivered', now(), 'SM' || g
      from generate_series(1, 5000) g`);
    await database.db.execute(sql`analyze notifications`);
    const [one] = await database.db.execute<{ id: string }>(sql`select id from notifications order by id desc limit 1`);
    const rows = [{ id: Number(one!.id), sid: 'SMnew' }];
    // The shape of `settleSent`: the rows joined to the table by id, and a SID looked up among all.
    const plan = await database.db.execute<{ 'QUERY PLAN': string }>(sql`
      explain update notifications n
      set twilio_sid = case when not exists (select 1 from notifications other where other.twilio_sid = s.sid) then s.sid end
      from ${jsonRows(rows, 'id bigint, sid text')} as s where n.id = s.id`);
    const text = plan.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toMatch(/Index Scan using notifications_pkey/);
    expect(text).not.toMatch(/Seq Scan on notifications/);
  });

  it('insert many rows in one prepared statement, in order, read back as drizzle reads them; columns not given take their defaults', async () => {
    const at = new Date('2026-11-29T01:02:03.456Z');
    const given = Array.from({ length: 70 }, (_, i) => ({ code: String(900000 + i), name: `Customer ${i}`, language: 'pt' as const, timeZone: 'America/Sao_Paulo', createdAt: at }));
    const inserted = await database.db.execute<Record<string, unknown>>(sql`${insertRows(customers, given)} returning *`);
    const rows = tableRows(customers, inserted);
    // In the order given (identity ids rising), typed as a drizzle select gives them.
    expect(rows.map((r) => r.code)).toEqual(given.map((g) => g.code));
    expect(rows.map((r) => r.id)).toEqual([...rows.map((r) => r.id)].sort((a, b) => a - b));
    expect(rows[0]!.createdAt).toEqual(at);
    expect(typeof rows[0]!.id).toBe('number');
    // Not given: the column's default.
    const [read] = await database.db.select().from(customers).where(sql`${customers.code} = '900000'`);
    expect(read).toEqual(rows[0]);
    expect(read!.updatedAt).toBeInstanceOf(Date);
    expect(read!.archivedAt).toBeNull();
    // One parameter whatever the number of rows: the driver prepares it.
    expect(new PgDialect().sqlToQuery(insertRows(customers, given)).params).toHaveLength(1);
  });

  it('refuse rows that give different columns (the one without would get null, not its default)', () => {
    expect(() => insertRows(customers, [{ code: '901', name: 'A', language: 'en', timeZone: 'UTC' }, { code: '902', name: 'B', timeZone: 'UTC' } as typeof customers.$inferInsert])).toThrow(/same columns/);
  });
});
