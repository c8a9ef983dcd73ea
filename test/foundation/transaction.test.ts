import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { transaction, writeLater, type Database } from '../../src/db/client.js';
import { createTestDatabase } from '../support/database.js';

let database: Database;

beforeAll(async () => {
  ({ database } = await createTestDatabase());
  await database.sql`create table counters (id int primary key, n int not null)`;
  await database.sql`insert into counters values (1, 0), (2, 0)`;
});
afterAll(() => database.close());

/** Holds until both transactions have taken their first lock, so the second locks cross. */
function barrier(parties: number) {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return async () => {
    arrived += 1;
    if (arrived === parties) open();
    await opened;
  };
}

describe('the transaction helper', () => {
  it('runs a transaction that lost a deadlock again, so both writers succeed', async () => {
    const bothLocked = barrier(2);
    let runs = 0;
    const crossing = (first: number, second: number) =>
      transaction(database.db, async (tx) => {
        runs += 1;
        await tx.execute(sql`update counters set n = n + 1 where id = ${first}`);
        if (runs <= 2) await bothLocked();
        await tx.execute(sql`update counters set n = n + 1 where id = ${second}`);
      });
    await Promise.all([crossing(1, 2), crossing(2, 1)]);
    // Postgres aborted one of the two (40P01); the helper ran it again: three runs, both applied once.
    expect(runs).toBe(3);
    const rows = await database.sql<{ id: number; n: number }[]>`select id, n from counters order by id`;
    expect(rows.map((r) => r.n)).toEqual([2, 2]);
  });

  it('does not run again a transaction that failed for another reason', async () => {
    let runs = 0;
    await expect(
      transaction(database.db, async (tx) => {
        runs += 1;
        await tx.execute(sql`insert into counters values (1, 0)`);
      }),
    ).rejects.toThrow();
    expect(runs).toBe(1);
  });

  it('commits a write sent without waiting for its answer together with the rest', async () => {
    await transaction(database.db, async (tx) => {
      await tx.execute(sql`update counters set n = 10 where id = 1`);
      writeLater(tx, tx.execute(sql`update counters set n = 20 where id = 2`));
    });
    const rows = await database.sql<{ n: number }[]>`select n from counters order by id`;
    expect(rows.map((r) => r.n)).toEqual([10, 20]);
  });

  it('rolls everything back when a write nobody waited for fails, and throws that failure', async () => {
    await database.sql`update counters set n = 0`;
    await expect(
      transaction(database.db, async (tx) => {
        await tx.execute(sql`update counters set n = 1 where id = 1`);
        writeLater(tx, tx.execute(sql`insert into counters values (2, 0)`));
        writeLater(tx, tx.execute(sql`update counters set n = 1 where id = 2`));
      }),
    ).rejects.toMatchObject({ message: expect.stringMatching(/insert into counters/), cause: { code: '23505' } });
    const rows = await database.sql<{ n: number }[]>`select n from counters order by id`;
    expect(rows.map((r) => r.n)).toEqual([0, 0]);
  });

  it('throws the failed write rather than the statements refused after it', async () => {
    await expect(
      transaction(database.db, async (tx) => {
        writeLater(tx, tx.execute(sql`insert into counters values (1, 0)`));
        await tx.execute(sql`update counters set n = 5 where id = 2`);
      }),
    ).rejects.toMatchObject({ message: expect.stringMatching(/insert into counters/), cause: { code: '23505' } });
    const rows = await database.sql<{ n: number }[]>`select n from counters where id = 2`;
    expect(rows[0]!.n).toBe(0);
  });

  it('refuses a write sent later outside a transaction (nobody would learn that it failed)', () => {
    expect(() => writeLater(database.db as never, Promise.resolve())).toThrow(/needs a transaction/);
  });
});
