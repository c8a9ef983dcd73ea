import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { transaction, type Executor } from '../db/client.js';
import { incidents, notifications } from '../db/schema.js';
import { claimOne, prepareClaimDue, settleSent, type ClaimDue, type NotificationRow, type SentRow } from '../db/notifications.js';
import { addTimeline } from '../db/timeline.js';
import { WriteTogether } from '../db/write-together.js';
import { classifySendError, type SendFailure } from '../twilio/client.js';
import type { Deps } from './deps.js';

/** The longest a failed send waits before its next attempt when Twilio did not say (`Retry-After`). */
export const MAX_BACKOFF_MS = 4000;
/** The longest a `Retry-After` is honoured: past this, Twilio's ask is capped. */
export const MAX_RETRY_AFTER_MS = 5 * 60_000;
/** Anything but a page stops being retried this long after it was queued. */
export const GIVE_UP_AFTER_MS = 60 * 60_000;
/** 401/403 may be a credential being rotated: tried this many times before the failure is final. */
export const AUTH_FAILURE_ATTEMPTS = 3;

export type SendOutcome =
  | { outcome: 'sent'; sid: string; adopted: boolean }
  | { outcome: 'skipped'; reason: 'not_pending' | 'not_due' | 'held_elsewhere' | 'canceled' }
  | { outcome: 'failed'; failure: SendFailure }
  /** Tried again at `at` (attempt number `attempt`), already scheduled. */
  | { outcome: 'retry'; at: Date; attempt: number; failure: SendFailure };

/**
 * When the next attempt of a failed send is due: Twilio's `Retry-After` when it gave one (capped),
 * else an exponential backoff capped at `MAX_BACKOFF_MS`, so a page goes out within seconds of
 * Twilio recovering. `attempts` counts the attempts made so far (1 after the first).
 */
export function retryDelayMs(attempts: number, failure: SendFailure): number {
  const asked = failure.kind === 'permanent' ? null : failure.retryAfterMs;
  if (asked !== null && asked > 0) return Math.min(asked, MAX_RETRY_AFTER_MS);
  return Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.max(0, attempts - 1));
}

const isPage = (row: Pick<NotificationRow, 'kind'>) => row.kind === 'page' || row.kind === 'admin_page';

/** At most this many sends' claims, or settles, are written in one statement. */
const WRITE_BATCH = 200;

/** One worker process's sending (see `createSender`). */
export interface Sender {
  /** The worker process (`workers.id`): the claims it holds carry it. */
  readonly workerId: string;
  send(notificationId: number): Promise<SendOutcome>;
}

interface SenderWrites {
  worker: { id: string };
  claims: WriteTogether<number, Claim | null>;
  settles: WriteTogether<SentRow, unknown>;
}

/**
 * The sending of one worker process (`worker` is its name in `workers`). Sends run side by side,
 * as many as the worker lets in flight; those that start while an earlier claim is being written
 * are claimed together in the next statement, and those Twilio accepts while an earlier settle is
 * being written are settled together, so a burst of sends costs Postgres a few statements and
 * commits a second instead of two each. Every send is still decided row by row (see `send`).
 */
export function createSender(deps: Deps, worker: { id: string }): Sender {
  const claimDue = prepareClaimDue(deps.database.db);
  const writes: SenderWrites = {
    worker,
    claims: new WriteTogether((ids) => claimTogether(deps, claimDue, ids, worker), { maxBatch: WRITE_BATCH, maxInFlight: 1 }),
    settles: new WriteTogether((sent) => settleTogether(deps, sent), { maxBatch: WRITE_BATCH, maxInFlight: 1 }),
  };
  return { workerId: worker.id, send: (notificationId) => send(deps, writes, notificationId) };
}

/**
 * Sends one notification row through Twilio, at most once however often it is woken, and never
 * gives a page up while its incident still needs it.
 *
 * - The row is claimed in Postgres (`sending`, attempt counted, the claiming worker named) before
 *   Twilio is called and settled after; a row not pending, not yet due, claimed elsewhere or for
 *   an incident someone already has (its pages are canceled) is not sent. Claims written together
 *   are still one row each: a row asked for twice in one statement is claimed for one of them.
 * - A send whose outcome is unknown (a worker died holding it; a timeout, reset connection or 5xx
 *   after the request left) is resolved against Twilio by an exact match before anything is sent
 *   again: the SID a status callback already recorded on the row, else Twilio's own list of what
 *   went to that phone since the earlier attempt (every page of it), matched on the text for SMS,
 *   excluding what other rows own; an ambiguous match is sent again rather than lost.
 * - 429 and 5xx are retried with a capped backoff that honours `Retry-After`, for as long as the
 *   page matters (pages: while the incident is unacknowledged; anything else: an hour); 401/403 a
 *   few times; other refusals are final. A final failure is written on the incident's timeline and
 *   never delays the escalation.
 */
async function send(deps: Deps, writes: SenderWrites, notificationId: number): Promise<SendOutcome> {
  const { db } = deps.database;
  const claim =
    (await writes.claims.run(notificationId)) ??
    // Not claimed with the others: held by another transaction, or not to be sent. Asked alone,
    // as it always was: waiting for the holder, then saying why not.
    (await claimDue(db, notificationId, writes.worker, deps.clock.now())) ??
    (await claimOrSayWhyNot(deps, notificationId, writes.worker, deps.clock.now()));
  if ('outcome' in claim) return claim;
  const { row, earlierClaimAt } = claim;

  let sid: string;
  let adopted = false;
  try {
    const already = earlierClaimAt ? await findAlreadySent(deps, row, earlierClaimAt) : null;
    if (already) {
      sid = already;
      adopted = true;
    } else {
      sid = await create(deps, row);
    }
  } catch (error) {
    return settleFailure(deps, row, classifySendError(error), outcomeUnknownAfter(error, earlierClaimAt !== null));
  }

  const failed = await writes.settles.run(sentRow(row, sid, adopted, deps.clock.now()));
  if (failed) throw failed;
  return { outcome: 'sent', sid, adopted };
}

/** What the settle records for a send Twilio accepted: the row's SID, and its timeline entry. */
function sentRow(row: NotificationRow, sid: string, adopted: boolean, at: Date): SentRow {
  if (row.incidentId === null) return { id: row.id, sid, at, timeline: null };
  const channel = row.channel === 'sms' ? 'sms' : 'voice';
  // The acknowledgement link acts as the engineer: the written record keeps the text, not the key.
  const body = row.channel === 'sms' ? row.body.replace(/\/ack\/\S+/g, '/ack/[link]') : `Calling ${row.toPhone}: ${row.body}`;
  const data = { notificationId: row.id, kind: row.kind, to: row.toPhone, sid, ...(adopted ? { foundAtTwilio: true } : {}) };
  return { id: row.id, sid, at, timeline: { incidentId: row.incidentId, engineerId: row.engineerId, kind: channel === 'sms' ? 'sms_out' : 'call_out', channel, body, data } };
}

/** The claims asked for together, as one statement at one `now`; one claim (or null) per ask, in order. */
async function claimTogether(deps: Deps, claimDue: ClaimDue, ids: readonly number[], worker: { id: string }): Promise<Array<Claim | null>> {
  const now = deps.clock.now();
  const claimed = await claimDue.execute({ ids: `{${[...new Set(ids)].join(',')}}`, now: now.toISOString(), worker: worker.id });
  const byId = new Map(claimed.map((c) => [c.row.id, c]));
  return ids.map((id) => {
    const c = byId.get(id);
    if (!c) return null;
    // A row asked for twice (two wake-ups at once) is claimed for the first ask only: one send.
    byId.delete(id);
    return { row: c.row, earlierClaimAt: c.row.outcomeUnknown ? new Date(c.earlierClaimAt) : null };
  });
}

/**
 * The settles asked for together, as one statement; if that fails, each alone, so that one row
 * the statement refused does not leave the others unsettled. One error (or null) per settle.
 */
async function settleTogether(deps: Deps, sent: SentRow[]): Promise<unknown[]> {
  try {
    await settleSent(deps.database.db, sent);
    return sent.map(() => null);
  } catch (error) {
    if (sent.length === 1) return [error];
    return Promise.all(sent.map((one) => settleSent(deps.database.db, [one]).then(() => null, (e: unknown) => e)));
  }
}

type Claim = { row: NotificationRow; earlierClaimAt: Date | null };

/**
 * The claim as it nearly always goes, in one statement: the row is pending, due, and not a page
 * of an incident someone already has; it becomes `sending`, counted and named to this worker.
 * Null when it is not all of that (see `claimOrSayWhyNot`).
 */
async function claimDue(db: Executor, notificationId: number, worker: { id: string }, claimedAt: Date): Promise<Claim | null> {
  const claimed = await claimOne(db, notificationId, worker, claimedAt);
  if (!claimed) return null;
  return { row: claimed.row, earlierClaimAt: claimed.row.outcomeUnknown ? new Date(claimed.earlierClaimAt) : null };
}

/** Why a row could not be claimed, found under its lock (a page nobody needs is canceled); or, if it can be now, the claim. */
async function claimOrSayWhyNot(deps: Deps, notificationId: number, worker: { id: string }, claimedAt: Date): Promise<Claim | Extract<SendOutcome, { outcome: 'skipped' }>> {
  return transaction(deps.database.db, async (tx): Promise<Claim | Extract<SendOutcome, { outcome: 'skipped' }>> => {
    const [row] = await tx.select().from(notifications).where(eq(notifications.id, notificationId)).for('update', { skipLocked: true });
    if (!row) return { outcome: 'skipped', reason: 'held_elsewhere' };
    if (row.status !== 'pending') return { outcome: 'skipped', reason: 'not_pending' };
    if (row.notBefore.getTime() > claimedAt.getTime()) return { outcome: 'skipped', reason: 'not_due' };
    if (row.incidentId !== null && isPage(row)) {
      // Decided again from Postgres: a page for an incident someone already has is not sent.
      const [incident] = await tx.select({ stoppedAt: incidents.escalationStoppedAt }).from(incidents).where(eq(incidents.id, row.incidentId));
      if (incident?.stoppedAt) {
        await tx.update(notifications).set({ status: 'canceled', updatedAt: claimedAt }).where(eq(notifications.id, row.id));
        return { outcome: 'skipped', reason: 'canceled' };
      }
    }
    // The incident is not locked here: if someone took it just now, the next wake-up cancels the page.
    return (await claimDue(tx, notificationId, worker, claimedAt)) ?? { outcome: 'skipped', reason: 'held_elsewhere' };
  });
}

async function create(deps: Deps, row: NotificationRow): Promise<string> {
  const base = deps.config.PUBLIC_BASE_URL;
  if (row.channel === 'sms') {
    const message = await deps.twilio.messages.create({ to: row.toPhone, from: row.fromPhone, body: row.body, statusCallback: `${base}/twilio/status/message?n=${row.id}` });
    return message.sid;
  }
  const call = await deps.twilio.calls.create({
    to: row.toPhone,
    from: row.fromPhone,
    url: `${base}/twilio/page/voice?n=${row.id}`,
    method: 'POST',
    statusCallback: `${base}/twilio/status/call?n=${row.id}`,
    // 'ringing' says Twilio placed it (and lets a call nobody needs be hung up); 'initiated' would add nothing.
    statusCallbackEvent: ['ringing', 'answered', 'completed'],
    statusCallbackMethod: 'POST',
    timeout: 30,
  });
  return call.sid;
}

/**
 * Whether Twilio may have acted on a request that failed: a 429 or another 4xx is a refusal and
 * a refused connection never left; a timeout, a reset or a 5xx may have been acted on. An
 * attempt that was itself resolving an unknown outcome stays unknown.
 */
function outcomeUnknownAfter(error: unknown, wasUnknown: boolean): boolean {
  if (wasUnknown) return true;
  const e = error as { status?: number; code?: unknown };
  if (typeof e?.status === 'number') return e.status >= 500;
  return e?.code !== 'ECONNREFUSED' && e?.code !== 'ENOTFOUND' && e?.code !== 'EAI_AGAIN';
}

/** Puts a failed attempt back for its next try (scheduled now), or marks it failed on the timeline. */
async function settleFailure(deps: Deps, row: NotificationRow, failure: SendFailure, unknown: boolean): Promise<SendOutcome> {
  const now = deps.clock.now();
  const final = await isFinal(deps, row, failure, now);
  if (final) {
    await transaction(deps.database.db, async (tx) => {
      await tx.update(notifications).set({ status: 'failed', error: failure.message, claimedBy: null, updatedAt: now }).where(eq(notifications.id, row.id));
      if (row.incidentId !== null) {
        await addTimeline(tx, {
          incidentId: row.incidentId,
          at: now,
          actor: 'system',
          channel: 'system',
          engineerId: row.engineerId,
          kind: 'send_failed',
          body: `Could not ${row.channel === 'sms' ? 'text' : 'call'} ${row.toPhone} (${row.kind}) after ${row.attempts} attempt(s): ${failure.message}`,
          data: { notificationId: row.id, failure },
        });
      }
    });
    return { outcome: 'failed', failure };
  }
  const at = new Date(now.getTime() + retryDelayMs(row.attempts, failure));
  await deps.database.db
    .update(notifications)
    .set({ status: 'pending', error: failure.message, outcomeUnknown: unknown, notBefore: at, claimedBy: null, updatedAt: now })
    .where(and(eq(notifications.id, row.id), eq(notifications.status, 'sending')));
  // If Redis does not take it, the reconciler schedules it from `not_before`.
  await deps.scheduler.send(row.id, row.priority, row.attempts, at).catch(() => undefined);
  return { outcome: 'retry', at, attempt: row.attempts, failure };
}

/** A refusal is final; a passing fault is final only for what no longer needs sending. */
async function isFinal(deps: Deps, row: NotificationRow, failure: SendFailure, now: Date): Promise<boolean> {
  if (failure.kind === 'permanent') {
    const authFailure = failure.status === 401 || failure.status === 403;
    return !authFailure || row.attempts >= AUTH_FAILURE_ATTEMPTS;
  }
  if (row.incidentId !== null && isPage(row)) {
    // A page is retried as long as its incident is waiting for someone (the claim cancels it after).
    const [incident] = await deps.database.db.select({ stoppedAt: incidents.escalationStoppedAt }).from(incidents).where(eq(incidents.id, row.incidentId));
    return incident === undefined;
  }
  return now.getTime() - row.createdAt.getTime() > GIVE_UP_AFTER_MS;
}

/** Whole-second times at Twilio, and clocks a little apart: the window opens this much earlier. */
const WINDOW_SLACK_MS = 5000;

/**
 * The SID of the message or call an earlier attempt of this row made, if Twilio has it. First the
 * exact answer: a status callback names the row (`?n=<id>`) and records the SID on it. Else every
 * message or call Twilio has to that phone from that number since the earlier attempt (all pages,
 * newest first, until before the window), for SMS with the same text, that no other row owns. One
 * such candidate is adopted; none means nothing was sent. Several (other rows lost the same way
 * at the same moment) are ambiguous: nothing is adopted, and the page is sent again rather than lost.
 */
async function findAlreadySent(deps: Deps, row: NotificationRow, since: Date): Promise<string | null> {
  const [current] = await deps.database.db.select({ sid: notifications.twilioSid }).from(notifications).where(eq(notifications.id, row.id));
  if (current?.sid) return current.sid;
  const bound = since.getTime() - WINDOW_SLACK_MS;
  const candidates: string[] = [];
  const collect = <T extends { sid: string; dateCreated: Date }>(items: T[], matches: (item: T) => boolean): boolean => {
    for (const item of items) {
      if (item.dateCreated.getTime() < bound) return false;
      if (matches(item)) candidates.push(item.sid);
    }
    return true;
  };
  if (row.channel === 'sms') {
    let page = await deps.twilio.messages.page({ to: row.toPhone, from: row.fromPhone, pageSize: 200 });
    while (collect(page.instances, (m) => m.body === row.body) && page.nextPageUrl) {
      const next = await page.nextPage();
      if (!next) break;
      page = next as typeof page;
    }
  } else {
    let page = await deps.twilio.calls.page({ to: row.toPhone, from: row.fromPhone, pageSize: 200 });
    while (collect(page.instances, () => true) && page.nextPageUrl) {
      const next = await page.nextPage();
      if (!next) break;
      page = next as typeof page;
    }
  }
  if (candidates.length === 0) return null;
  const owned = await deps.database.db.select({ sid: notifications.twilioSid }).from(notifications).where(inArray(notifications.twilioSid, candidates));
  const taken = new Set(owned.map((o) => o.sid));
  const free = candidates.filter((sid) => !taken.has(sid));
  if (free.length === 0) return null;
  if (free.length === 1) {
    // Another row lost the same way to the same phone could claim this one too: only adopt when
    // this row is the only one whose outcome is unknown for that phone and number.
    const [{ rivals } = { rivals: 0 }] = await deps.database.db
      .select({ rivals: sql<number>`count(*)::int` })
      .from(notifications)
      .where(
        and(
          eq(notifications.toPhone, row.toPhone),
          eq(notifications.fromPhone, row.fromPhone),
          eq(notifications.channel, row.channel),
          isNull(notifications.twilioSid),
          eq(notifications.outcomeUnknown, true),
          sql`${notifications.id} <> ${row.id}`,
          ...(row.channel === 'sms' ? [eq(notifications.body, row.body)] : []),
        ),
      );
    if (rivals === 0) return free[0]!;
  }
  deps.logger.warn({ notificationId: row.id, candidates: free.length }, 'send outcome ambiguous at Twilio: sending again rather than risk a lost page');
  return null;
}
