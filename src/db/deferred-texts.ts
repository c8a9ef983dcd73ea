import { sql } from 'drizzle-orm';
import type { Database, Db, Tx } from './client.js';
import { deferredTexts } from './schema.js';
import { WriteTogether } from './write-together.js';
import { jsonRows } from './json-rows.js';

export type DeferredText = typeof deferredTexts.$inferSelect;

export interface TextToKeep {
  receiptKey: string;
  fromPhone: string;
  params: Record<string, string>;
  answer: string;
  receivedAt: Date;
}

/**
 * Keeps texts for later. Texts kept while an earlier write is under way are written together in
 * the next one (`WriteTogether`, one write at a time), so a storm of them costs a few inserts a
 * second on one connection (each resolves once its text is committed). A text already kept, or
 * already handled (its receipt exists), is not kept twice. (Four writes at once were measured
 * worse: smaller batches, more statements, and the 1,000/s overload's p99 went from 0.2 s to 8 s.)
 */
export class TextKeeper {
  readonly #writes: WriteTogether<TextToKeep, undefined>;

  constructor(db: Db) {
    this.#writes = new WriteTogether(
      async (texts) => {
        await keepTexts(db, texts);
        return texts.map(() => undefined);
      },
      { maxBatch: KEPT_TOGETHER, maxInFlight: 1 },
    );
  }

  async keep(text: TextToKeep): Promise<void> {
    await this.#writes.run(text);
  }
}

/** The most texts kept in one insert. */
const KEPT_TOGETHER = 1000;

/** Keeps texts for later, in one statement whatever their number. */
async function keepTexts(db: Db, texts: readonly TextToKeep[]): Promise<void> {
  const rows = texts.map((t) => ({ receipt_key: t.receiptKey, from_phone: t.fromPhone, params: t.params, answer: t.answer, received_at: t.receivedAt.toISOString() }));
  // The notification goes out when the insert commits: web processes with a turn to spare handle the texts at once.
  await db.execute(sql`
    with kept as (
      insert into deferred_texts (receipt_key, from_phone, params, answer, received_at)
      select t.receipt_key, t.from_phone, t.params, t.answer, t.received_at
      from ${jsonRows(rows, 'receipt_key text, from_phone text, params jsonb, answer text, received_at timestamptz')} as t
      where not exists (select 1 from webhook_receipts r where r.key = t.receipt_key)
      on conflict (receipt_key) do nothing
      returning 1
    )
    select pg_notify(${KEPT_TEXTS_CHANNEL}, '') from (select count(*) as n from kept) k where k.n > 0`);
}

/** The Postgres notification channel that says texts were kept. */
const KEPT_TEXTS_CHANNEL = 'kept_texts';

/**
 * Calls `onKept` each time texts are kept, on a connection of its own (re-listening after a
 * reconnect, which may miss a notification: callers also look on a timer).
 */
export async function listenForKeptTexts(database: Pick<Database, 'sql'>, onKept: () => void): Promise<void> {
  await database.sql.listen(KEPT_TEXTS_CHANNEL, () => onKept());
}

/**
 * None of this sender's kept texts arrived before this one. Arrival is the instant the web process
 * took the text (ties by id), not the id: another web process may keep an earlier text later.
 */
const olderFromSameSender = sql`not exists (select 1 from ${deferredTexts} older where older.from_phone = ${deferredTexts.fromPhone} and (older.received_at, older.id) < (${deferredTexts.receivedAt}, ${deferredTexts.id}))`;

/**
 * The oldest kept texts of up to `most` senders (each sender's oldest, with none of theirs older),
 * locked for this transaction, oldest first; other processes skip them (and those senders' later
 * texts), so each is handled once and a phone's texts in the order they arrived. A text backing
 * off after failures (`retryAt` after `now`) waits, and so do its sender's later ones.
 */
export async function claimDeferredTexts(tx: Tx, most: number, now: Date): Promise<DeferredText[]> {
  return tx
    .select()
    .from(deferredTexts)
    .where(sql`${olderFromSameSender} and (${deferredTexts.retryAt} is null or ${deferredTexts.retryAt} <= ${now.toISOString()}::timestamptz)`)
    .orderBy(deferredTexts.id)
    .limit(most)
    .for('update', { skipLocked: true });
}

/** The kept text `id`, locked as `claimDeferredTexts` would (if it is still kept, free, and its sender's oldest). */
export async function claimDeferredText(tx: Tx, id: number): Promise<DeferredText[]> {
  return tx
    .select()
    .from(deferredTexts)
    .where(sql`${deferredTexts.id} = ${id} and ${olderFromSameSender}`)
    .for('update', { skipLocked: true });
}

export async function forgetDeferredTexts(tx: Tx, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await tx.delete(deferredTexts).where(sql`${deferredTexts.id} = any(${`{${ids.join(',')}}`}::bigint[])`);
}

/** Most seconds a text that keeps failing waits between attempts. */
const MOST_BACKOFF_SECONDS = 300;

/**
 * Handling the kept text `id` failed: it is tried again after a pause that doubles with each
 * failure (1 s, 2 s, 4 s… up to 5 minutes), never dropped (it may be a defect that a fix will
 * handle), and meanwhile costs the other texts nothing. Returns how many times it has failed.
 */
export async function backOffDeferredText(db: Db, id: number, now: Date): Promise<number> {
  const [row] = await db
    .update(deferredTexts)
    .set({
      failures: sql`${deferredTexts.failures} + 1`,
      retryAt: sql`${now.toISOString()}::timestamptz + least(power(2, ${deferredTexts.failures}), ${MOST_BACKOFF_SECONDS}) * interval '1 second'`,
    })
    .where(sql`${deferredTexts.id} = ${id}`)
    .returning({ failures: deferredTexts.failures });
  return row?.failures ?? 0;
}
