import { and, eq, isNull } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import { engineers } from '../db/schema.js';
import { normalisePhone } from '../domain/phone.js';
import type { Deps } from './deps.js';
import type { AfterCommit } from './effects.js';
import { handleEngineerSms } from './engineer-sms.js';
import { handleCustomerSms } from './intake-sms.js';

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
  const [engineer] = await tx.select().from(engineers).where(and(eq(engineers.phone, from.e164), isNull(engineers.archivedAt)));
  if (engineer) {
    const answer = await handleEngineerSms(tx, deps, engineer, sms.body, sms.messageSid, now);
    return { outcome: 'answered', replies: answer.reply ? [answer.reply] : [], after: answer.after };
  }
  const answer = await handleCustomerSms(tx, deps, { from: from.e164, to: to.e164, body: sms.body, messageSid: sms.messageSid }, now);
  return { outcome: 'answered', replies: answer.replies, after: answer.after };
}
