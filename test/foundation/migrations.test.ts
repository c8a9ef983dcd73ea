import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../../src/db/migrate.js';
import { loadDemoData, demo } from '../../src/app/demo-data.js';
import { createTestDatabase } from '../support/database.js';
import type { Database } from '../../src/db/client.js';

let url: string;
let database: Database;
beforeAll(async () => {
  ({ url, database } = await createTestDatabase());
});
afterAll(() => database.close());

const tableCounts = async () => {
  const rows = await database.sql<{ table: string; n: number }[]>`
    select c.relname as table, (xpath('/row/n/text()', query_to_xml(format('select count(*) as n from %I', c.relname), false, true, '')))[1]::text::int as n
      from pg_class c join pg_namespace s on s.oid = c.relnamespace
     where s.nspname = 'public' and c.relkind = 'r' order by 1`;
  return Object.fromEntries(rows.map((r) => [r.table, r.n]));
};

describe('migrations', () => {
  it('applied again, and by several processes at once, change nothing', async () => {
    const before = await database.sql`select count(*)::int as n from drizzle.__drizzle_migrations`;
    await Promise.all([runMigrations(url), runMigrations(url), runMigrations(url)]);
    const after = await database.sql`select count(*)::int as n from drizzle.__drizzle_migrations`;
    expect(after[0]!.n).toBe(before[0]!.n);
    expect(before[0]!.n).toBeGreaterThan(0);
  });

  it('enforce E.164 numbers in the database itself, not only in code', async () => {
    await expect(database.sql`insert into engineers (name, phone, language, time_zone) values ('X', '011 5000', 'es', 'UTC')`).rejects.toThrow(/engineers_phone_e164/);
  });
});

describe('demo data', () => {
  it('loads the demo data of DESIGN.md, and loading it again changes nothing', async () => {
    const now = new Date('2026-11-23T15:00:00Z');
    await loadDemoData(database.db, now);
    const first = await tableCounts();
    await Promise.all([loadDemoData(database.db, now), loadDemoData(database.db, now)]);
    expect(await tableCounts()).toEqual(first);
    expect(first).toMatchObject({ customers: 3, integrations: 4, contacts: 4, engineers: 4, standby_numbers: 2, escalation_levels: 2 });
    const [gamma] = await database.sql`select c.valid_until from contracts c join customers k on k.id = c.customer_id where k.code = ${demo.gamma.code}`;
    expect(new Date(gamma!.valid_until as string).toISOString().slice(0, 7)).toBe('2026-10');
  });
});
