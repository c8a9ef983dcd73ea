import { transaction } from '../db/client.js';
import { claimDeferredText, forgetDeferredText } from '../db/deferred-texts.js';
import { answerOnceIn } from '../db/webhook-receipts.js';
import type { Tx } from '../db/client.js';
import { sendPriority } from '../domain/escalation/send-priority.js';
import { normalisePhone } from '../domain/phone.js';
import type { Deps } from './deps.js';
import { enqueueAfterCommit, type AfterCommit } from './effects.js';
import { handleIncomingSms, type IncomingSms } from './incoming-sms.js';
import { queueOutbounds } from './outbound.js';

/** Answers to texts go with customer notices: after every page, before relays (see sendPriority). */
const REPLY_PRIORITY = sendPriority('high', 'customer_notice');

/**
 * Handles the oldest text kept while the web process was at capacity (see `deferred_texts`) as
 * if it had just arrived: in one transaction, with the receipt its webhook would have written, at
 * its arrival instant (the SLA counts from there). Its answers, which the sender could not get
 * inline (they were told "received"), are queued as SMS from the number they texted; then it is
 * forgotten. Returns false when no text was waiting.
 */
export async function handleDeferredText(deps: Deps): Promise<boolean> {
  const after = await transaction(deps.database.db, async (tx): Promise<AfterCommit[] | null> => {
    const kept = await claimDeferredText(tx);
    if (!kept) return null;
    const sms: IncomingSms = { from: kept.params.From ?? '', to: kept.params.To ?? '', body: kept.params.Body ?? '', messageSid: kept.params.MessageSid ?? '' };
    const handled = await answerOnceIn(tx, kept.receiptKey, async (tx) => {
      const answer = await handleIncomingSms(tx, deps, sms, kept.receivedAt);
      const replies = answer.outcome === 'answered' ? await textBack(tx, sms, answer.replies, kept.receivedAt) : [];
      return { answer: { statusCode: 200, contentType: 'text/xml', body: kept.answer }, after: answer.outcome === 'answered' ? [...answer.after, ...replies] : [] };
    });
    await forgetDeferredText(tx, kept.id);
    return handled.after;
  });
  if (after === null) return false;
  await enqueueAfterCommit(deps.scheduler, after, deps.logger);
  return true;
}

/** The answers a text would have had inline, as SMS to its sender from the number it reached (never to a phone that sent STOP). */
async function textBack(tx: Tx, sms: IncomingSms, replies: readonly string[], at: Date): Promise<AfterCommit[]> {
  const from = normalisePhone(sms.from);
  const to = normalisePhone(sms.to);
  if (!from.ok || !to.ok) return [];
  const queued = await queueOutbounds(
    tx,
    replies.map((body, i) => ({
      incidentId: null,
      engineerId: null,
      kind: 'reply',
      channel: 'sms' as const,
      to: from.e164,
      from: to.e164,
      body,
      priority: REPLY_PRIORITY,
      dedupeKey: `reply:${sms.messageSid}:${i}`,
      now: at,
    })),
  );
  return queued.flatMap((q) => q.after);
}
