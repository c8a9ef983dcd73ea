import { writeLater, type Tx } from '../db/client.js';
import {
  addContactsLog,
  addContactsLogs,
  deleteSmsConversation,
  deleteSmsConversations,
  loadSmsIntake,
  loadSmsIntakes,
  lockSmsConversation,
  lockCustomerConversations,
  optIn,
  optOut,
  saveSmsConversation,
  saveSmsConversations,
  type ContactsLogEntry,
  type SmsConversationRow,
  type SmsIntakeFiles,
  type StandbyNumberRow,
} from '../db/intake.js';
import { addTimeline } from '../db/timeline.js';
import type { EscalationInputs } from '../db/escalation-policies.js';
import { assertNever, type LogOutOfScopeEffect, type OpenIncidentEffect } from '../domain/eligibility/index.js';
import { messages } from '../domain/i18n/index.js';
import {
  decideSmsIntake,
  incidentOpenedReply,
  isConversationExpired,
  parseKeyword,
  smsCustomerLookups,
  type SmsIntakeContext,
  type SmsIntakeResult,
  type SmsIntakeState,
} from '../domain/sms/index.js';
import type { Deps } from './deps.js';
import type { AfterCommit } from './effects.js';
import { incidentInputOf, onIncident, parseTranscript, supportCenterOf, toTimeline, transcriptEvent, type ContactsLogReason, type TranscriptEvent } from './intake-common.js';
import { relayFromCustomer } from './incident-actions.js';
import { noteUnverifiedContact, openIncident, openIncidentsTogether, raiseSeverity } from './incidents.js';
import { loadIncidentContext, lockIncident } from './paging.js';

/** A customer's text to a standby number, as the SMS webhook received it (phones in E.164). */
export interface CustomerSms {
  from: string;
  to: string;
  body: string;
  messageSid: string;
}

/**
 * What the caller loaded for a customer's text already, in the same transaction: the locked
 * conversation, and after the lock the files for `lookups` (used when they are the lookups the
 * conversation asks for).
 */
export interface CustomerSmsLoaded {
  row: SmsConversationRow;
  lookups: { customerId: number | null; code: string | null };
  files: SmsIntakeFiles;
  /** The standby number's escalation inputs at the text's instant, should it open an incident. */
  escalation?: EscalationInputs | null;
}

export interface CustomerSmsAnswer {
  /** Texts to answer with now, in order (sent inline as TwiML `<Message>`). */
  replies: string[];
  after: AfterCommit[];
}

/**
 * What `sms_conversations.state` holds: where the intake stands, what was said before the
 * incident existed, and the incident the conversation follows.
 */
interface Conversation {
  intake: SmsIntakeState | null;
  transcript: TranscriptEvent[];
  incidentId: number | null;
}

/**
 * A customer's text: one turn of the SMS intake conversation kept per (customer phone, standby
 * number), all in the caller's transaction.
 *
 * Guarantees: an eligible report opens the incident and starts paging (or, for an integration with
 * an open incident, adds to it and says so); a follow-up on an open incident is put on its
 * timeline and relayed to the engineer who has it; STOP records the opt-out (no further texts from
 * this number to that phone, replies included) and START lifts it; every text in and every reply
 * out lands on the incident's timeline (`sms_in`, `sms_out`), or with the conversation while no
 * incident exists yet, or in the contacts log when the conversation ends without one (out of
 * scope, abandoned, or an incident that could not be told apart).
 */
export async function handleCustomerSms(tx: Tx, deps: Pick<Deps, 'config'>, sms: CustomerSms, now: Date, loaded?: CustomerSmsLoaded): Promise<CustomerSmsAnswer> {
  // Load: the conversation first (its lock makes two texts from one phone take turns, and what is
  // read next sees what the other committed), then in one statement everything the decision reads.
  const row = loaded?.row ?? (await lockSmsConversation(tx, sms.from, sms.to, now));
  const stored = parseConversation(row.state);
  // Left mid-question for 30 minutes: the next text starts afresh (what was said is logged below).
  const expired = stored.intake !== null && isConversationExpired(stored.intake, now) ? stored.intake : null;
  const conversation: Conversation = expired ? { intake: null, transcript: [], incidentId: null } : stored;
  const lookups = smsCustomerLookups(conversation.intake, sms.body, now);
  // Files loaded with the lock for the same lookups are these files (a first text's, most often).
  const files =
    loaded && loaded.lookups.customerId === lookups.customerId && loaded.lookups.code === lookups.code
      ? loaded.files
      : await loadSmsIntake(tx, sms.to, { from: sms.from, customerId: lookups.customerId, code: lookups.code });
  const standby = files.standby;
  if (!standby) throw new Error(`${sms.to} is not a standby number; the SMS webhook is misconfigured`);

  // Decide.
  const result = decideSmsIntake(conversation.intake, sms.body, intakeContextOf(deps, files, now));

  // Write.
  if (expired && expired.step !== 'following_incident' && stored.transcript.length > 0) {
    logContact(tx, sms, standby, { reason: 'intake_abandoned', customerId: customerOf(expired), startedAt: expired.startedAt, transcript: stored.transcript, now, extra: { expired: true } });
  }
  const received = transcriptEvent(now, 'sms_in', 'customer', 'sms', sms.body, { messageSid: sms.messageSid, from: sms.from, to: standby.phone });
  // A phone that sent STOP gets no texts from this number; a keyword's own answer still goes (as Twilio's would).
  const keyword = parseKeyword(sms.body);
  const send = keyword !== null || !files.optedOut;
  const sentEvents = (texts: readonly string[]) =>
    texts.map((text) =>
      transcriptEvent(now, send ? 'sms_out' : 'sms_suppressed', 'system', 'sms', text, { to: sms.from, from: standby.phone, ...(send ? {} : { reason: 'the phone sent STOP to this number' }) }),
    );
  const replies = [...result.replies];
  const after: AfterCommit[] = [];
  let incidentId: number | null = null;
  let receivedWritten = false;
  /** How many of `replies` are on the timeline already (written with the incident it opened). */
  let repliesWritten = 0;
  let outOfScope: LogOutOfScopeEffect | null = null;
  // Ended early when a code-only texter's report could only be noted on an incident they may not follow.
  let state = result.state;

  for (const effect of result.effects) {
    switch (effect.type) {
      case 'opt_out':
        await optOut(tx, sms.from, standby.phone, now);
        break;
      case 'opt_in':
        await optIn(tx, sms.from, standby.phone);
        break;
      case 'open_incident': {
        const opened = await openIncident(
          tx,
          deps,
          incidentInputOf(effect, standby, files, { channel: 'sms', reporterPhone: sms.from, firstContactAt: effect.firstContactAt, transcript: toTimeline([...conversation.transcript, received]) }),
          now,
          {
            // Opened: the answers so far, and the one naming the reference, go on its timeline with the opening.
            timelineAfter: (incident) => onIncident(incident.id, sentEvents([...replies, incidentOpenedReply(effect, incident.id)])),
            escalationInputs: loaded?.escalation,
          },
        );
        after.push(...opened.after);
        incidentId = opened.incident.id;
        receivedWritten = true;
        if (opened.outcome === 'noted_on_open') state = null;
        replies.push(
          opened.outcome === 'opened'
            ? incidentOpenedReply(effect, opened.incident.id)
            : opened.outcome === 'noted_on_open'
              ? messages(effect.language).sms.reportNoted()
              : // Another contact opened it a moment before: say it was added to that one.
                messages(effect.language).sms.repeatContact({ reference: opened.incident.id }),
        );
        if (opened.outcome === 'opened') repliesWritten = replies.length;
        break;
      }
      case 'note_on_open_incident': {
        // Identified only by the code: noted on the open incident, which the texter is not told about.
        await lockIncident(tx, effect.reference);
        await noteUnverifiedContact(tx, effect.reference, { channel: 'sms', reporterPhone: sms.from, severity: effect.severity, text: effect.text, transcript: toTimeline([...conversation.transcript, received]) }, now);
        incidentId = effect.reference;
        receivedWritten = true;
        break;
      }
      case 'append_to_incident': {
        const context = await loadIncidentContext(tx, effect.reference, { lock: true });
        if (!context) throw new Error(`incident ${effect.reference} of an open-incident list vanished`);
        await addTimeline(tx, onIncident(effect.reference, conversation.transcript));
        if (effect.severity) await raiseSeverity(tx, effect.reference, effect.severity, now);
        if (effect.repeatContact) {
          await addTimeline(tx, {
            incidentId: effect.reference,
            at: now,
            actor: 'customer',
            channel: 'sms',
            kind: 'repeat_contact',
            body: `The customer reported this integration again by SMS from ${sms.from}; the report was added to this incident`,
            data: { reporterPhone: sms.from, messageSid: sms.messageSid },
          });
        }
        // The customer's own words, as sent, are what the timeline keeps and the engineer reads.
        after.push(...(await relayFromCustomer(tx, context, sms.body, sms.messageSid, now)));
        incidentId = effect.reference;
        receivedWritten = true;
        break;
      }
      case 'log_out_of_scope':
        outOfScope = effect;
        break;
      default:
        assertNever(effect);
    }
  }

  const sent = sentEvents(replies);

  // HELP while following an incident, or STOP/START ending that conversation, belong to its incident.
  const staysWithIncident = state?.step === 'following_incident' || (state === null && keyword !== null);
  if (incidentId === null && conversation.intake?.step === 'following_incident' && staysWithIncident) incidentId = conversation.incidentId;
  let transcript: TranscriptEvent[] = [];
  // The last writes go with the COMMIT (`writeLater`): nothing below reads them back.
  if (incidentId !== null) {
    const unwritten = sent.slice(repliesWritten);
    writeLater(tx, addTimeline(tx, onIncident(incidentId, receivedWritten ? unwritten : [received, ...unwritten])));
  } else if (outOfScope) {
    logContact(tx, sms, standby, {
      reason: outOfScope.reason,
      customerId: outOfScope.customerId,
      integrationId: outOfScope.integrationId,
      severity: outOfScope.severity,
      startedAt: outOfScope.firstContactAt.toISOString(),
      transcript: [...conversation.transcript, received, ...sent],
      now,
      extra: { description: outOfScope.text },
    });
  } else if (state !== null) {
    transcript = [...conversation.transcript, received, ...sent];
  } else if (conversation.transcript.length > 0 || keyword === null) {
    // The conversation ended without a decision: out of attempts, or a text that names none of several open incidents.
    const asked = conversation.intake !== null && conversation.intake.step !== 'following_incident';
    logContact(tx, sms, standby, {
      reason: asked ? 'intake_abandoned' : 'incident_not_identified',
      customerId: customerOf(conversation.intake) ?? files.dialledNumberOwner?.customer.id ?? files.senderOwner?.customer.id ?? null,
      startedAt: conversation.intake?.startedAt ?? now.toISOString(),
      transcript: [...conversation.transcript, received, ...sent],
      now,
    });
  }

  if (state === null) {
    writeLater(tx, deleteSmsConversation(tx, row.id));
  } else {
    const next: Conversation = { intake: state, transcript, incidentId: state.step === 'following_incident' ? incidentId : null };
    writeLater(tx, saveSmsConversation(tx, row.id, { ...next }, now));
  }
  return { replies: send ? replies : [], after };
}

/** What the intake decision reads besides the conversation and the text: the loaded files, the support centre, the instant. */
function intakeContextOf(deps: Pick<Deps, 'config'>, files: SmsIntakeFiles, now: Date): SmsIntakeContext {
  return {
    now,
    supportCenter: supportCenterOf(deps.config),
    dialledNumberOwner: files.dialledNumberOwner,
    senderOwner: files.senderOwner,
    identified: files.identified,
    typedCodeOwner: files.typedCodeOwner,
  };
}

function parseConversation(state: Record<string, unknown>): Conversation {
  const intake = state.intake && typeof state.intake === 'object' && typeof (state.intake as { step?: unknown }).step === 'string' ? (state.intake as SmsIntakeState) : null;
  return { intake, transcript: parseTranscript(state.transcript), incidentId: typeof state.incidentId === 'number' ? state.incidentId : null };
}

function customerOf(intake: SmsIntakeState | null): number | null {
  return intake && 'customerId' in intake ? intake.customerId : null;
}

/** Logs the contact with the COMMIT (`writeLater`): nothing reads the log back in the transaction. */
function logContact(tx: Tx, sms: CustomerSms, standby: StandbyNumberRow, entry: ContactToLog): void {
  writeLater(tx, addContactsLog(tx, contactsLogEntry(sms, standby, entry)));
}

interface ContactToLog {
  reason: ContactsLogReason;
  customerId: number | null;
  integrationId?: number | null;
  severity?: string | null;
  startedAt: string;
  transcript: TranscriptEvent[];
  now: Date;
  extra?: Record<string, unknown>;
}

function contactsLogEntry(sms: CustomerSms, standby: StandbyNumberRow, entry: ContactToLog): ContactsLogEntry {
  return {
    at: new Date(entry.startedAt),
    channel: 'sms',
    fromPhone: sms.from,
    standbyPhone: standby.phone,
    customerId: entry.customerId,
    integrationId: entry.integrationId ?? null,
    severity: entry.severity ?? null,
    reason: entry.reason,
    details: { ...entry.extra, decidedAt: entry.now.toISOString(), transcript: entry.transcript },
  };
}

/** A customer's text handled with others (see `handleCustomerTextsTogether`), at its own arrival instant. */
export interface CustomerSmsAt {
  sms: CustomerSms;
  now: Date;
}

/**
 * Texts to standby numbers handled together in the caller's transaction, with what
 * `handleCustomerSms` guarantees for each, in a few statements whatever their number: the
 * conversations locked and the files of all loaded in one round trip (with the caller's claim of
 * the texts, `claimed`), then the incidents, pages, timelines, contacts log and conversations
 * written in one or two each. This covers the texts a storm is made of: a first text that opens a
 * new incident, or that is out of scope. Every other text (from an engineer's phone, a
 * conversation under way, a keyword, an integration with an open incident, a phone that sent
 * STOP) gets null, with nothing written for it but its conversation's lock: the caller hands it to
 * `handleIncomingSms` in the same transaction. A text the caller did not claim (`claimed` false:
 * handled before) gets null and nothing written: the empty conversation its lock may have made is
 * removed again. Texts must be from distinct conversations (a later one gets null).
 */
export async function handleCustomerTextsTogether(
  tx: Tx,
  deps: Pick<Deps, 'config'>,
  texts: readonly CustomerSmsAt[],
  claimed: Promise<readonly boolean[]> = Promise.resolve(texts.map(() => true)),
): Promise<{ answers: Array<CustomerSmsAnswer | null>; after: AfterCommit[] }> {
  const answers: Array<CustomerSmsAnswer | null> = texts.map(() => null);
  // Load, in one round trip with the claim: the conversations (each text's first; none is taken
  // for an engineer's phone), and the files of every text that may start afresh (those without a
  // keyword; used for the ones whose conversation turns out empty). Sent after the locks, the
  // files see what a text from the same phone committed meanwhile.
  const conversationKey = (t: CustomerSmsAt) => `${t.sms.from} ${t.sms.to}`;
  const seen = new Set<string>();
  const distinct = texts.flatMap((t, i) => (seen.has(conversationKey(t)) ? [] : (seen.add(conversationKey(t)), [i])));
  const mayStart = distinct.filter((i) => parseKeyword(texts[i]!.sms.body) === null);
  const [claims, rows, filesOf] = await Promise.all([
    claimed,
    lockCustomerConversations(
      tx,
      distinct.map((i) => ({ customerPhone: texts[i]!.sms.from, standbyPhone: texts[i]!.sms.to, now: texts[i]!.now })),
    ),
    loadSmsIntakes(
      tx,
      mayStart.map((i) => ({ standbyPhone: texts[i]!.sms.to, from: texts[i]!.sms.from, ...smsCustomerLookups(null, texts[i]!.sms.body, texts[i]!.now) })),
    ),
  ]);
  const rowOf = new Map(distinct.map((i, n) => [i, rows[n]]));
  const isEmpty = (row: SmsConversationRow) => {
    const stored = parseConversation(row.state);
    return stored.intake === null && stored.transcript.length === 0;
  };
  const unclaimedEmpty = distinct.flatMap((i) => {
    const row = rowOf.get(i);
    return !claims[i] && row && isEmpty(row) ? [row.id] : [];
  });
  if (unclaimedEmpty.length > 0) writeLater(tx, deleteSmsConversations(tx, unclaimedEmpty));
  const filesByStart = new Map(mayStart.map((i, n) => [i, filesOf[n]!]));
  const fresh = mayStart.filter((i) => {
    const row = rowOf.get(i);
    return claims[i] && row !== undefined && isEmpty(row);
  });
  const conversationIds = new Map(fresh.map((i) => [i, rowOf.get(i)!.id]));

  // Decide.
  const toOpen: Array<{ i: number; effect: OpenIncidentEffect; result: SmsIntakeResult; standby: StandbyNumberRow; received: TranscriptEvent }> = [];
  const outOfScope: Array<{ i: number; effect: LogOutOfScopeEffect; result: SmsIntakeResult; standby: StandbyNumberRow; received: TranscriptEvent }> = [];
  const filesByText = new Map<number, SmsIntakeFiles>();
  fresh.forEach((i) => {
    const files = filesByStart.get(i)!;
    const { sms, now } = texts[i]!;
    if (!files.standby || files.optedOut) return;
    filesByText.set(i, files);
    const result = decideSmsIntake(null, sms.body, intakeContextOf(deps, files, now));
    const [effect, ...others] = result.effects;
    if (!effect || others.length > 0) return;
    const received = transcriptEvent(now, 'sms_in', 'customer', 'sms', sms.body, { messageSid: sms.messageSid, from: sms.from, to: files.standby.phone });
    if (effect.type === 'open_incident' && result.state !== null) toOpen.push({ i, effect, result, standby: files.standby, received });
    if (effect.type === 'log_out_of_scope' && result.state === null) outOfScope.push({ i, effect, result, standby: files.standby, received });
  });

  // Write: the new incidents with their pages and timelines, the contacts log, the conversations.
  const sentOf = (i: number, standby: StandbyNumberRow, replies: readonly string[]) =>
    replies.map((text) => transcriptEvent(texts[i]!.now, 'sms_out', 'system', 'sms', text, { to: texts[i]!.sms.from, from: standby.phone }));
  const { opened, after } = await openIncidentsTogether(
    tx,
    deps,
    toOpen.map(({ i, effect, result, standby, received }) => ({
      input: incidentInputOf(effect, standby, filesByText.get(i)!, { channel: 'sms', reporterPhone: texts[i]!.sms.from, firstContactAt: effect.firstContactAt, transcript: toTimeline([received]) }),
      now: texts[i]!.now,
      timelineAfter: (incident) => onIncident(incident.id, sentOf(i, standby, [...result.replies, incidentOpenedReply(effect, incident.id)])),
    })),
  );
  const saved: Array<{ id: number; state: Record<string, unknown>; now: Date }> = [];
  toOpen.forEach(({ i, effect, result }, n) => {
    const incident = opened[n];
    if (!incident) return;
    const conversation: Conversation = { intake: result.state, transcript: [], incidentId: result.state?.step === 'following_incident' ? incident.id : null };
    saved.push({ id: conversationIds.get(i)!, state: { ...conversation }, now: texts[i]!.now });
    answers[i] = { replies: [...result.replies, incidentOpenedReply(effect, incident.id)], after: [] };
  });
  // The last writes go with the COMMIT (`writeLater`): nothing in this transaction reads them back
  // before its next round trip, which they precede.
  const logged = outOfScope.map(({ i, effect, result, standby, received }) => {
    answers[i] = { replies: [...result.replies], after: [] };
    return contactsLogEntry(texts[i]!.sms, standby, {
      reason: effect.reason,
      customerId: effect.customerId,
      integrationId: effect.integrationId,
      severity: effect.severity,
      startedAt: effect.firstContactAt.toISOString(),
      transcript: [received, ...sentOf(i, standby, result.replies)],
      now: texts[i]!.now,
      extra: { description: effect.text },
    });
  });
  writeLater(tx, addContactsLogs(tx, logged));
  writeLater(tx, saveSmsConversations(tx, saved));
  writeLater(tx, deleteSmsConversations(tx, outOfScope.map(({ i }) => conversationIds.get(i)!)));
  return { answers, after };
}
