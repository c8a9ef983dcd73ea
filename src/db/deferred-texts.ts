import { eq, sql } from 'drizzle-orm';
import type { Db, Tx } from './client.js';
import { deferredTexts } from './schema.js';

export type DeferredText = typeof deferredTexts.$inferSelect;

/**
 * Keeps a text for later, in one statement (the cost of the bare insert the benchmark compares
 * with). A text already kept, or already handled (its receipt exists), is not kept twice.
 */
export async function deferText(db: Db, text: { receiptKey: string; fromPhone: string; params: Record<string, string>; answer: string; receivedAt: Date }): Promise<void> {
  await db.execute(sql`
    insert into deferred_texts (receipt_key, from_phone, params, answer, received_at)
    select ${text.receiptKey}::text, ${text.fromPhone}::text, ${JSON.stringify(text.params)}::jsonb, ${text.answer}::text, ${text.receivedAt.toISOString()}::timestamptz
    where not exists (select 1 from webhook_receipts where key = ${text.receiptKey}::text)
    on conflict (receipt_key) do nothing`);
}

/**
 * The oldest kept text whose sender has no older one kept, locked for this transaction; other
 * processes skip it (and that sender's later texts), so each is handled once and a phone's texts
 * in the order they arrived.
 */
export async function claimDeferredText(tx: Tx): Promise<DeferredText | null> {
  const [row] = await tx
    .select()
    .from(deferredTexts)
    .where(sql`not exists (select 1 from ${deferredTexts} older where older.from_phone = ${deferredTexts.fromPhone} and older.id < ${deferredTexts.id})`)
    .orderBy(deferredTexts.id)
    .limit(1)
    .for('update', { skipLocked: true });
  return row ?? null;
}

export async function forgetDeferredText(tx: Tx, id: number): Promise<void> {
  await tx.delete(deferredTexts).where(eq(deferredTexts.id, id));
}
