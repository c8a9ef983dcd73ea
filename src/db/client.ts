import postgres from 'postgres';
import { drizzle } from 'drizzle-orm/postgres-js';
import * as schema from './schema.js';

export interface DatabaseOptions {
  /** Pool size (connections). */
  max?: number;
  /** Seconds to wait for a connection before failing: short, so a webhook learns of an outage in time. */
  connectTimeoutSeconds?: number;
  /** Send queries as named prepared statements (see `preparing`); off behind a transaction-mode pooler. Default true. */
  prepare?: boolean;
}

export function createDatabase(url: string, options: DatabaseOptions = {}) {
  const sql = postgres(url, {
    max: options.max ?? 10,
    connect_timeout: options.connectTimeoutSeconds ?? 2,
    // Reconnect within a second of Postgres coming back (the driver's default backs off up to 20 s,
    // which after a few seconds' outage kept steps waiting ~10 s after it returned).
    backoff: (attempt: number) => Math.min(0.1 * attempt, 1),
    onnotice: () => undefined,
    connection: { application_name: 'standby' },
    // Off: nothing is prepared, not even the driver's own BEGIN and COMMIT.
    prepare: options.prepare !== false,
  });
  const db = drizzle(preparing(sql, options.prepare !== false), { schema });
  return { db, sql, close: () => sql.end({ timeout: 5 }) };
}

/** Statements with more parameters than this are not prepared: their text varies with a list's length. */
const MOST_PREPARED_PARAMETERS = 100;

/**
 * The driver as drizzle sees it, except that whether a query goes as a named prepared statement
 * is decided here, for every query alike. With `prepare` on, each is prepared (drizzle asks the
 * driver for unnamed ones unless the query was `.prepare()`d): a connection parses and plans a
 * text once instead of once per query, which in the benchmark's mix took about a third off
 * Postgres' CPU; a statement whose text depends on a long list's length is left unprepared, so
 * the statements a connection keeps stay few (connections are recycled by the driver anyway,
 * `max_lifetime`). With `prepare` off, none is, not even a `.prepare()`d one (a transaction-mode
 * pooler cannot keep them). Transactions and savepoints hand drizzle a new driver object, which
 * is wrapped likewise.
 */
function preparing<T extends postgres.Sql<Record<string, never>>>(sql: T, prepare: boolean): T {
  return new Proxy(sql, {
    get(target, key, receiver) {
      if (key === 'unsafe') {
        return (query: string, args: postgres.ParameterOrJSON<never>[] = [], options: postgres.UnsafeQueryOptions = {}) =>
          target.unsafe(query, args, { ...options, prepare: prepare && args.length <= MOST_PREPARED_PARAMETERS });
      }
      if (key === 'begin' || key === 'savepoint') {
        const open = Reflect.get(target, key, receiver) as (...args: unknown[]) => unknown;
        return (...args: unknown[]) => {
          const work = args.pop() as (inner: T) => unknown;
          return open.call(target, ...args, (inner: T) => work(preparing(inner, prepare)));
        };
      }
      return Reflect.get(target, key, receiver);
    },
  });
}

export type Database = ReturnType<typeof createDatabase>;
export type Db = Database['db'];
/** A transaction handle; repositories take this (or a `Db`) so they run inside the caller's transaction. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type Executor = Db | Tx;

/** The Postgres SQLSTATE of an error (drizzle wraps the driver's error in `cause`), if it has one. */
export function sqlStateOf(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/** Serialization failures and deadlocks: the transaction did nothing and may simply run again. */
const RETRYABLE = new Set(['40001', '40P01']);

/** Postgres could not be reached or went away mid-transaction (as opposed to refusing the statement). */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== 'string') continue;
    // Connection refused/reset/timed out (Node, postgres.js), admin shutdown, cannot connect now, crash.
    if (/^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|CONNECT_TIMEOUT|CONNECTION_CLOSED|CONNECTION_ENDED|CONNECTION_DESTROYED)$/.test(code)) return true;
    if (/^(57P01|57P02|57P03|08\d{3})$/.test(code)) return true;
  }
  return false;
}

/** How many times a transaction that deadlocked or failed to serialize runs again before the error surfaces. */
export const TRANSACTION_RETRIES = 4;

/**
 * The one transaction helper: runs `work` in a transaction. A thrown error rolls everything
 * back, so nothing is half-written. A deadlock or serialization failure (40P01, 40001) runs the
 * whole of `work` again, a bounded number of times with a short jittered pause, so `work` must
 * keep its side effects inside the transaction (or return them to run after commit).
 */
export async function transaction<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.transaction(work);
    } catch (error) {
      const state = sqlStateOf(error);
      if (attempt >= TRANSACTION_RETRIES || state === undefined || !RETRYABLE.has(state)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.floor(Math.random() * 20 * (attempt + 1))));
    }
  }
}
