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
  /** Called with each statement's text as it is sent (the benchmark counts them). */
  onStatement?: (text: string) => void;
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
    ...(options.onStatement ? { debug: (_connection: number, text: string) => options.onStatement!(text) } : {}),
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

/**
 * Opens `count` connections of the pool now, as many queries at once (the driver opens one when a
 * query finds none free): the first requests after a start or a deploy do not each wait for a
 * connection (a TCP and SCRAM handshake, and a new Postgres backend).
 */
export async function openConnections(database: Database, count: number): Promise<void> {
  await Promise.all(Array.from({ length: count }, () => database.sql`select 1`));
}

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

/** The writes each transaction under way sent without waiting (`writeLater`). */
const writesSentLater = new WeakMap<Tx, Array<Promise<unknown>>>();

/**
 * The one transaction helper: runs `work` in a transaction. A thrown error rolls everything
 * back, so nothing is half-written. A deadlock or serialization failure (40P01, 40001) runs the
 * whole of `work` again, a bounded number of times with a short jittered pause, so `work` must
 * keep its side effects inside the transaction (or return them to run after commit).
 *
 * Writes sent with `writeLater` go to Postgres with the COMMIT: if one fails, Postgres has rolled
 * the transaction back (a COMMIT after a failed statement is a rollback), and this throws that
 * failure, as if the write had been awaited.
 */
export async function transaction<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    let sentLater: Array<Promise<unknown>> = [];
    try {
      const result = await db.transaction(async (tx) => {
        sentLater = [];
        writesSentLater.set(tx, sentLater);
        const done = await work(tx);
        // A write refused before it left (the driver could not build it) fails within this turn of
        // the event loop: the driver sees it before its COMMIT and rolls back. The writes themselves
        // went out already; their answers are not waited for.
        if (sentLater.length > 0) await new Promise((resolve) => setImmediate(resolve));
        return done;
      });
      const failedLater = await firstFailure(sentLater);
      if (failedLater) throw failedLater.reason;
      return result;
    } catch (thrown) {
      // A statement refused because a write sent earlier had failed (25P02): the write's failure is the cause.
      const failedLater = sqlStateOf(thrown) === '25P02' ? await firstFailure(sentLater) : undefined;
      const error: unknown = failedLater ? failedLater.reason : thrown;
      const state = sqlStateOf(error);
      if (attempt >= TRANSACTION_RETRIES || state === undefined || !RETRYABLE.has(state)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.floor(Math.random() * 20 * (attempt + 1))));
    }
  }
}

async function firstFailure(writes: ReadonlyArray<Promise<unknown>>): Promise<PromiseRejectedResult | undefined> {
  return (await Promise.allSettled(writes)).find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
}

/**
 * Sends a write of the caller's transaction (from `transaction`) without waiting for its answer:
 * it goes to Postgres with what follows, the COMMIT included, so a use case's last writes cost
 * no round trip of their own. The transaction still commits only if the write succeeds, and
 * `transaction` throws its failure; nothing may depend on its result. `write` is started here,
 * once (a drizzle query runs each time it is awaited), in the order of the calls.
 */
export function writeLater(tx: Tx, write: PromiseLike<unknown>): void {
  const sentLater = writesSentLater.get(tx);
  if (!sentLater) throw new Error('writeLater needs a transaction begun by `transaction` (nobody would learn that the write failed)');
  const started = Promise.resolve(write.then((value) => value));
  started.catch(() => undefined);
  sentLater.push(started);
}

/**
 * `writeLater` where the transaction was begun by `transaction`; in any other (a caller's own
 * `db.transaction`, a test's), the write is waited for, as before `writeLater` existed.
 */
export async function writeLaterOrNow(tx: Tx, write: PromiseLike<unknown>): Promise<void> {
  if (writesSentLater.has(tx)) writeLater(tx, write);
  else await write;
}
