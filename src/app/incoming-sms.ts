import { and, eq, isNull } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import { engineers } from '../db/schema.js';
import { normalisePhone } from '../domain/phone.js';
import type { Deps } from './deps.js';
import type { AfterCommit } from './effects.js';
import { handleEngineerSms } from './engineer-sms.js';
import { handleCustomerSms, handleCustomerTextsTogether, type CustomerSmsAt } from './intake-sms.js';
import { loadSmsIntake, lockCustomerConversation } from '../db/intake.js';
import { loadStandbyEscalationInputs } from '../db/escalation-policies.js';
import { smsCustomerLookups } from '../domain/sms/index.js';

/** A text to a standby number as Twilio reports it (phones as Twilio wrote them). */
export interface IncomingSms {
  from: string;
  to: string;
  body: string;
  messageSid: string;
}

export type IncomingSmsAnswer =
  /** Texts to answer with, in order (inline TwiML, or sent by SMS when the text was handled later). */
  | { outcome: 'answered'; replies: string[]; after: AfterCommit[] }
  /** A phone number that cannot be read: nothing was done. */
  | { outcome: 'unreadable' };

/**
 * A text to a standby number, in the caller's transaction: an engineer's number is working an
 * incident (commands, relays); anyone else is a customer (intake, follow-ups).
 */
export async function handleIncomingSms(tx: Tx, deps: Pick<Deps, 'config'>, sms: IncomingSms, now: Date): Promise<IncomingSmsAnswer> {
  const from = normalisePhone(sms.from);
  const to = normalisePhone(sms.to);
  if (!from.ok || !to.ok) return { outcome: 'unreadable' };
  // Sent together, in this order, for one round trip: the customer's conversation (locked; none
  // is taken for an engineer's phone), the files a first text reads (loaded after the lock, so
  // they see what a text from the same phone committed meanwhile), and what paging needs should
  // the text open an incident (most texts to a standby number are first reports).
  const fresh = smsCustomerLookups(null, sms.body, now);
  const [row, files, escalation] = await Promise.all([
    lockCustomerConversation(tx, from.e164, to.e164, now),
    loadSmsIntake(tx, to.e164, { from: from.e164, ...fresh }),
    loadStandbyEscalationInputs(tx, to.e164, now),
  ]);
  const customer = { from: from.e164, to: to.e164, body: sms.body, messageSid: sms.messageSid };
  if (row) {
    const answer = await handleCustomerSms(tx, deps, customer, now, { row, lookups: fresh, files, escalation });
    return { outcome: 'answered', replies: answer.replies, after: answer.after };
  }
  // No conversation: the phone is an engineer's.
  const [engineer] = await tx.select().from(engineers).where(and(eq(engineers.phone, from.e164), isNull(engineers.archivedAt)));
  if (engineer) {
    const answer = await handleEngineerSms(tx, deps, engineer, sms.body, sms.messageSid, now);
    return { outcome: 'answered', replies: answer.reply ? [answer.reply] : [], after: answer.after };
  }
  // Archived a moment ago: a customer's phone after all, whose conversation is locked now.
  const answer = await handleCustomerSms(tx, deps, customer, now);
  return { outcome: 'answered', replies: answer.replies, after: answer.after };
}

/**
 * Several texts to standby numbers, in the caller's transaction, each at its own arrival instant,
 * with the caller's claim of each (`claimed`, see `handleCustomerTextsTogether`). Answers in the
 * order given; null for a text to handle on its own with `handleIncomingSms` (an engineer's, or
 * one the together path does not take), in the same transaction, after this, or for one not
 * claimed (nothing was written for it).
 */
export async function handleIncomingTexts(
  tx: Tx,
  deps: Pick<Deps, 'config'>,
  texts: ReadonlyArray<{ sms: IncomingSms; now: Date }>,
  claimed: Promise<readonly boolean[]> = Promise.resolve(texts.map(() => true)),
): Promise<{ answers: Array<IncomingSmsAnswer | null>; after: AfterCommit[] }> {
  const answers: Array<IncomingSmsAnswer | null> = texts.map(() => null);
  const readable: Array<{ i: number; text: CustomerSmsAt }> = [];
  texts.forEach(({ sms, now }, i) => {
    const from = normalisePhone(sms.from);
    const to = normalisePhone(sms.to);
    if (!from.ok || !to.ok) answers[i] = { outcome: 'unreadable' };
    else readable.push({ i, text: { sms: { from: from.e164, to: to.e164, body: sms.body, messageSid: sms.messageSid }, now } });
  });
  if (readable.length === 0) return { answers, after: [] };
  const together = await handleCustomerTextsTogether(
    tx,
    deps,
    readable.map((r) => r.text),
    claimed.then((claims) => readable.map((r) => claims[r.i]!)),
  );
  readable.forEach((r, n) => {
    const answer = together.answers[n];
    if (answer) answers[r.i] = { outcome: 'answered', replies: answer.replies, after: answer.after };
  });
  return { answers, after: together.after };
}
