import { createHash } from 'node:crypto';
import { and, eq, lt, ne, sql } from 'drizzle-orm';
import { transaction, writeLater, type Db, type Executor, type Tx } from './client.js';
import { webhookReceipts } from './schema.js';
import { jsonRows } from './json-rows.js';

export interface WebhookAnswer {
  statusCode: number;
  contentType: string;
  body: string;
}

/**
 * The receipt key of one webhook delivery: the Twilio SID it concerns plus a digest of the URL
 * (which names the step) and every parameter. Twilio's retries of the same request get the same key.
 */
export function receiptKey(sid: string, url: string, params: Record<string, string>): string {
  const canonical = Object.keys(params)
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  return `${sid}:${createHash('sha256').update(`${url}\n${canonical}`).digest('base64url').slice(0, 32)}`;
}

/**
 * Runs `work` at most once per key, in one transaction with the receipt. A replay — even one
 * arriving while the first is still running — waits for the first to commit and gets its answer;
 * `work` is not run again and nothing changes. `after` effects run only for the first delivery.
 */
export async function answerOnce<E>(
  db: Db,
  key: string,
  work: (tx: Tx) => Promise<{ answer: WebhookAnswer; after: E[] }>,
): Promise<{ answer: WebhookAnswer; after: E[]; replay: boolean }> {
  return transaction(db, (tx) => answerOnceIn(tx, key, work));
}

/** `answerOnce` inside the caller's transaction (which then decides what else commits with it). */
export async function answerOnceIn<E>(
  tx: Tx,
  key: string,
  work: (tx: Tx) => Promise<{ answer: WebhookAnswer; after: E[] }>,
): Promise<{ answer: WebhookAnswer; after: E[]; replay: boolean }> {
  // The unique key blocks a concurrent duplicate here until this transaction ends.
  const claimed = await claimReceipts(tx, [key]);
  if (claimed.size === 0) return { answer: await storedAnswer(tx, key), after: [], replay: true };
  return { ...(await answerClaimedIn(tx, key, work)), replay: false };
}

/** The answer a delivery's receipt holds (the delivery was handled). */
export async function storedAnswer(db: Executor, key: string): Promise<WebhookAnswer> {
  const [stored] = await db.select().from(webhookReceipts).where(eq(webhookReceipts.key, key));
  if (!stored) throw new Error(`no receipt for ${key}`);
  return { statusCode: stored.statusCode, contentType: stored.contentType, body: stored.body };
}

/** Thrown out of a transaction by `answerOnceAlongIn` for a replay: its caller answers `storedAnswer`. */
export class WebhookReplayed extends Error {
  constructor(readonly key: string) {
    super(`webhook ${key} was handled already`);
  }
}

/**
 * `answerOnceIn` with the claim sent together with `work`'s first statements, one round trip for
 * both: `work` runs before the claim is known. A replay (the receipt existed, or a concurrent
 * duplicate committed it while this waited) throws `WebhookReplayed`, which rolls back all that
 * `work` wrote; the caller answers the stored answer. `work` must keep its effects inside the
 * transaction (or return them to run after commit), as `transaction` requires.
 */
export async function answerOnceAlongIn<E>(
  tx: Tx,
  key: string,
  work: (tx: Tx) => Promise<{ answer: WebhookAnswer; after: E[] }>,
): Promise<{ answer: WebhookAnswer; after: E[] }> {
  const claiming = claimReceipts(tx, [key]);
  claiming.catch(() => undefined);
  const done = await work(tx).then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  // Thrown first: a failed claim fails what followed it (the transaction is aborted).
  if ((await claiming).size === 0) throw new WebhookReplayed(key);
  if (!done.ok) throw done.error;
  recordAnswerLater(tx, key, done.value.answer);
  return done.value;
}

/** Runs `work` for a receipt this transaction claimed (`claimReceipts`) and records its answer. */
export async function answerClaimedIn<E>(tx: Tx, key: string, work: (tx: Tx) => Promise<{ answer: WebhookAnswer; after: E[] }>): Promise<{ answer: WebhookAnswer; after: E[] }> {
  const { answer, after } = await work(tx);
  recordAnswerLater(tx, key, answer);
  return { answer, after };
}

/** Records a claimed receipt's answer with the COMMIT (`writeLater`): nothing reads it back in the transaction. */
function recordAnswerLater(tx: Tx, key: string, answer: WebhookAnswer): void {
  writeLater(tx, recordAnswers(tx, [{ key, answer }]));
}

/**
 * Claims the receipts of several deliveries in one statement, as `answerOnceIn` does one (a
 * concurrent duplicate waits for this transaction): answers the keys claimed, those that had no
 * receipt. The others were handled already (or are being handled, and this waited for them).
 */
export async function claimReceipts(tx: Tx, keys: readonly string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const claimed = await tx.execute<{ key: string } & Record<string, unknown>>(sql`
    insert into webhook_receipts (key, status_code, content_type, body)
    select key, 0, '', '' from jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb) as k(key)
    on conflict do nothing
    returning key`);
  return new Set(claimed.map((row) => row.key));
}

/** Records the answers of receipts claimed with `claimReceipts`, in one statement. */
export async function recordAnswers(tx: Tx, answers: ReadonlyArray<{ key: string; answer: WebhookAnswer }>): Promise<void> {
  if (answers.length === 0) return;
  const rows = answers.map(({ key, answer }) => ({ key, status_code: answer.statusCode, content_type: answer.contentType, body: answer.body }));
  await tx.execute(sql`
    update webhook_receipts r set status_code = v.status_code, content_type = v.content_type, body = v.body
    from ${jsonRows(rows, 'key text, status_code int, content_type text, body text')} as v
    where r.key = v.key`);
}

/** How long a receipt keeps its answer: Twilio retries a webhook for minutes, not days. */
export const RECEIPT_ANSWER_RETENTION_MS = 7 * 24 * 3600_000;

/** What a webhook gets once its receipt's answer was pruned: empty TwiML, which says and does nothing. */
export const PRUNED_ANSWER: WebhookAnswer = { statusCode: 200, contentType: 'text/xml', body: '<?xml version="1.0" encoding="UTF-8"?><Response/>' };

/**
 * Forgets the answers of receipts older than `before` but keeps their keys, for good. Twilio sends no
 * timestamp a replay could be judged by (its signature covers the URL and the form parameters, and
 * neither an SMS nor a call webhook carries the time), so a signed request captured and sent again
 * weeks later is recognised by its key alone: it finds the receipt, gets `PRUNED_ANSWER`, and changes
 * nothing. A kept key costs about a hundred bytes per webhook. Returns how many answers were dropped.
 */
export async function pruneReceipts(db: Db, before: Date): Promise<number> {
  const pruned = await db
    .update(webhookReceipts)
    .set(PRUNED_ANSWER)
    .where(and(lt(webhookReceipts.createdAt, before), ne(webhookReceipts.body, PRUNED_ANSWER.body)))
    .returning({ key: webhookReceipts.key });
  return pruned.length;
}
