import { and, eq, isNull, lt } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import {
  addContactsLog,
  createCallSession,
  findStandbyNumber,
  loadIntakeFiles,
  lockCallSession,
  saveCallSession,
  type CallSessionRow,
  type IntakeFiles,
  type StandbyNumberRow,
} from '../db/intake.js';
import { callSessions, incidents } from '../db/schema.js';
import { addTimeline } from '../db/timeline.js';
import { assertNever } from '../domain/eligibility/index.js';
import { messages } from '../domain/i18n/index.js';
import { normalisePhone } from '../domain/phone.js';
import { ivrCustomerLookups, recordIncidentReference, stepIvr, type IvrEffect, type IvrInput, type IvrState, type IvrStep } from '../domain/ivr/index.js';
import type { Deps } from './deps.js';
import type { AfterCommit } from './effects.js';
import { incidentInputOf, onIncident, parseTranscript, supportCenterOf, toTimeline, transcriptEvent, type ContactsLogReason, type TranscriptEvent } from './intake-common.js';
import { noteUnverifiedContact, openIncident, raiseSeverity } from './incidents.js';
import { tellEngineerOfRepeatCall } from './incident-actions.js';
import { loadIncidentContext, lockIncident } from './paging.js';
import { sendDescriptionToPaged } from './page-description.js';

/**
 * What a call webhook asks the IVR: the call arrived, keys were pressed (or nothing within the
 * timeout), or the description recording ended (`recordingSid` null: nothing was recorded;
 * `hungUp`: the caller hung up to end it, so nothing more is heard).
 */
export type CallEvent =
  | { kind: 'start' }
  | { kind: 'digits'; digits: string }
  | { kind: 'no_input' }
  | { kind: 'recorded'; recordingSid: string | null; durationSeconds: number | null; hungUp: boolean };

/**
 * What to answer Twilio. `step` is the IVR's answer, to render as TwiML whose action URLs carry
 * `turn` (so two silences at one question are two requests, not a replay of one).
 * `not_a_standby_number` and `unknown_call` are requests the service cannot place.
 */
export type VoiceAnswer = { outcome: 'step'; step: IvrStep; turn: number } | { outcome: 'not_a_standby_number' } | { outcome: 'unknown_call' };

export interface VoiceResult {
  answer: VoiceAnswer;
  after: AfterCommit[];
}

/** What `call_sessions.state` holds: where the IVR stands and how many answers it has given. */
interface SessionState {
  ivr: IvrState | null;
  turn: number;
}

/**
 * `POST /twilio/voice`: a call reached a standby number. Starts the call's session (its first
 * webhook's arrival is the first contact) and answers the IVR's first step.
 *
 * `from` is the caller ID in E.164, or null when it is withheld or unreadable (the caller is then
 * identified by the dialled number or by their customer code); `fromRaw` is what Twilio sent.
 */
export async function answerCall(tx: Tx, deps: Pick<Deps, 'config'>, call: { callSid: string; from: string | null; fromRaw: string; to: string }, now: Date): Promise<VoiceResult> {
  const standby = await findStandbyNumber(tx, call.to);
  if (!standby) return { answer: { outcome: 'not_a_standby_number' }, after: [] };
  const created = await createCallSession(tx, {
    callSid: call.callSid,
    fromPhone: call.from ?? call.fromRaw,
    standbyPhone: standby.phone,
    state: { ivr: null, turn: 0 } satisfies SessionState,
    events: [],
    firstContactAt: now,
    updatedAt: now,
  });
  // A second start of the same call (never a replay: those are answered from the receipt) begins again.
  const session = created ?? (await lockCallSession(tx, call.callSid));
  if (!session) throw new Error(`call session ${call.callSid} vanished`);
  return step(tx, deps, session, standby, { kind: 'start' }, now);
}

/** A later webhook of the call: keys, silence, or the end of the recording. */
export async function continueCall(tx: Tx, deps: Pick<Deps, 'config'>, call: { callSid: string; event: Exclude<CallEvent, { kind: 'start' }> }, now: Date): Promise<VoiceResult> {
  const session = await lockCallSession(tx, call.callSid);
  if (!session) return { answer: { outcome: 'unknown_call' }, after: [] };
  const standby = await findStandbyNumber(tx, session.standbyPhone);
  if (!standby) return { answer: { outcome: 'not_a_standby_number' }, after: [] };
  return step(tx, deps, session, standby, call.event, now);
}

/**
 * Runs one IVR step and writes what it means, all in the caller's transaction: the keypress and
 * every prompt said go to the call's transcript (kept with the session until the incident exists,
 * then on the incident's timeline); an eligible call opens the incident — and starts paging —
 * before the answer asking for the recording is returned; a repeat contact adds to the open
 * incident; an out-of-scope or abandoned call goes to the contacts log with its transcript.
 */
async function step(tx: Tx, deps: Pick<Deps, 'config'>, session: CallSessionRow, standby: StandbyNumberRow, event: CallEvent, now: Date): Promise<VoiceResult> {
  const saved = sessionState(session.state);
  const state = event.kind === 'start' ? null : saved.ivr;
  const input = ivrInput(event);
  const phone = normalisePhone(session.fromPhone);
  const callerId = phone.ok ? phone.e164 : null;
  const lookups = ivrCustomerLookups(state, input);
  const files = await loadIntakeFiles(tx, standby, { from: callerId, customerId: lookups.customerId, code: lookups.code });
  const result = stepIvr(state, input, {
    // The call is judged at its first contact; a restarted call keeps it.
    now: event.kind === 'start' ? session.firstContactAt : now,
    supportCenter: supportCenterOf(deps.config),
    dialledNumberOwner: files.dialledNumberOwner,
    callerIdOwner: files.senderOwner,
    identified: files.identified,
    typedCodeOwner: files.typedCodeOwner,
  });

  const before = parseTranscript(session.events);
  let incidentId = session.incidentId;
  let ivr = result.state;
  let say = result.say;
  let endsNow = false;
  const after: AfterCommit[] = [];
  // Until the incident exists, the transcript grows with the session; from then on it is on the timeline.
  let pending: TranscriptEvent[] = incidentId === null ? [...before] : [];
  // The transcript handed to the incident by this step, which the session keeps as its record.
  let kept: TranscriptEvent[] | null = null;
  const write = async (events: TranscriptEvent[]) => {
    if (incidentId === null) pending.push(...events);
    else await addTimeline(tx, onIncident(incidentId, events));
  };

  await write([inputEvent(event, session, state, now)]);
  // A caller who hung up to end the recording hears nothing more: what follows is not said to anyone.
  const heard = !(event.kind === 'recorded' && event.hungUp);
  const promptEvents = () => (heard ? say : []).map((p) => transcriptEvent(now, 'ivr_prompt', 'system', 'voice', p.text, { language: p.language, callSid: session.callSid }));

  for (const effect of result.effects) {
    switch (effect.type) {
      case 'caller_identified':
        await write([identifiedEvent(effect, files, now)]);
        break;
      case 'open_incident': {
        const opened = await openIncident(
          tx,
          deps,
          incidentInputOf(effect, standby, files, { channel: 'voice', reporterPhone: callerId, firstContactAt: session.firstContactAt, transcript: toTimeline(pending) }),
          now,
        );
        after.push(...opened.after);
        incidentId = opened.incident.id;
        kept = pending;
        pending = [];
        ivr = recordIncidentReference(ivr, incidentId);
        if (opened.outcome === 'added_to_open') {
          // Another contact opened it a moment before: say so instead of "we opened your incident".
          say = [{ language: effect.language, text: messages(effect.language).ivr.repeatContact({ reference: incidentId }) }, ...say.slice(1)];
        }
        if (opened.outcome === 'noted_on_open') {
          // Identified only by the code, and another contact opened it a moment before: noted, not told.
          say = [{ language: effect.language, text: messages(effect.language).ivr.reportNoted() }];
          ivr = { step: 'ended', callStartedAt: result.state.callStartedAt };
          endsNow = true;
        }
        break;
      }
      case 'note_on_open_incident':
        // Identified only by the code: noted on the open incident, which the caller is not told about.
        await lockIncident(tx, effect.reference);
        await noteUnverifiedContact(tx, effect.reference, { channel: 'voice', reporterPhone: callerId, severity: effect.severity, text: effect.text, transcript: toTimeline(pending) }, now);
        incidentId = effect.reference;
        kept = pending;
        pending = [];
        break;
      case 'append_to_incident': {
        const reference = effect.reference;
        await addTimeline(tx, [
          ...onIncident(reference, pending),
          {
            incidentId: reference,
            at: now,
            actor: 'customer',
            channel: 'voice',
            kind: 'repeat_contact',
            body: `The customer called again about this integration (${callerId ?? 'caller ID withheld'}, ${severityOf(state)}); their report was added to this incident`,
            data: { callSid: session.callSid, reporterPhone: callerId, severity: severityOf(state) },
          },
        ]);
        if (effect.severity) await raiseSeverity(tx, reference, effect.severity, now);
        const context = await loadIncidentContext(tx, reference, { lock: true });
        if (context) after.push(...(await tellEngineerOfRepeatCall(tx, context, callerId, session.callSid, now)));
        incidentId = reference;
        kept = pending;
        pending = [];
        break;
      }
      case 'log_out_of_scope':
        await logCall(tx, session, now, { reason: effect.reason, customerId: effect.customerId, integrationId: effect.integrationId, severity: effect.severity }, [...pending, ...promptEvents()]);
        break;
      case 'intake_abandoned':
        // Ran out of attempts before any decision: the call is kept in writing all the same.
        if (incidentId === null) {
          await logCall(tx, session, now, { reason: 'intake_abandoned', customerId: effect.customerId, integrationId: null, severity: null, step: effect.step }, [...pending, ...promptEvents()]);
        }
        break;
      default:
        assertNever(effect);
    }
  }
  await write(promptEvents());

  const turn = saved.turn + 1;
  await saveCallSession(tx, session.callSid, {
    state: { ivr, turn } satisfies SessionState,
    ...(incidentId === null ? { events: pending } : kept !== null ? { events: kept } : {}),
    incidentId,
    updatedAt: now,
  });
  const answer: IvrStep = endsNow ? { ...result, state: ivr, say, record: undefined, gather: undefined, hangup: true } : { ...result, state: ivr, say };
  return { answer: { outcome: 'step', step: answer, turn }, after };
}

/**
 * The description recording is stored (Twilio's recordingStatusCallback): its URL lands on the
 * incident's timeline. A recording with no incident (the call never reached one) has nowhere to go.
 */
export async function attachRecording(
  tx: Tx,
  recording: { callSid: string; recordingSid: string; url: string | null; durationSeconds: number | null; status: string },
  now: Date,
): Promise<void> {
  const session = await lockCallSession(tx, recording.callSid);
  if (session?.incidentId == null) return;
  const made = recording.status === 'completed' && recording.url !== null;
  await addTimeline(tx, {
    incidentId: session.incidentId,
    at: now,
    actor: 'customer',
    channel: 'voice',
    kind: 'recording',
    body: made ? `Recorded description (${recording.durationSeconds ?? '?'} s): ${recording.url}` : `No description was recorded (${recording.status})`,
    data: { callSid: recording.callSid, recordingSid: recording.recordingSid, url: recording.url, durationSeconds: recording.durationSeconds, status: recording.status },
  });
}

/**
 * The recording's transcription arrived (Twilio's transcribeCallback): it lands on the incident's
 * timeline, becomes the incident's description when the incident has none yet, and goes by SMS
 * to the engineers already paged (the page went out before the caller described the problem).
 */
export async function attachTranscription(tx: Tx, transcription: { callSid: string; recordingSid: string | null; text: string; status: string }, now: Date): Promise<AfterCommit[]> {
  const session = await lockCallSession(tx, transcription.callSid);
  if (session?.incidentId == null) return [];
  const text = transcription.text.trim();
  const ok = transcription.status === 'completed' && text !== '';
  await addTimeline(tx, {
    incidentId: session.incidentId,
    at: now,
    actor: 'customer',
    channel: 'voice',
    kind: 'transcription',
    body: ok ? text : `The recording could not be transcribed (${transcription.status})`,
    data: { callSid: transcription.callSid, recordingSid: transcription.recordingSid, status: transcription.status },
  });
  if (!ok) return [];
  await tx
    .update(incidents)
    .set({ description: text, updatedAt: now })
    .where(and(eq(incidents.id, session.incidentId), eq(incidents.description, '')));
  return sendDescriptionToPaged(tx, session.incidentId, text, now);
}

async function logCall(
  tx: Tx,
  session: CallSessionRow,
  now: Date,
  entry: { reason: ContactsLogReason; customerId: number | null; integrationId: number | null; severity: string | null; step?: string },
  transcript: TranscriptEvent[],
): Promise<void> {
  await addContactsLog(tx, {
    at: session.firstContactAt,
    channel: 'voice',
    fromPhone: session.fromPhone,
    standbyPhone: session.standbyPhone,
    customerId: entry.customerId,
    integrationId: entry.integrationId,
    severity: entry.severity,
    reason: entry.reason,
    details: { callSid: session.callSid, ...(entry.step ? { step: entry.step } : {}), decidedAt: now.toISOString(), transcript },
  });
  await tx.update(callSessions).set({ loggedAt: now }).where(eq(callSessions.callSid, session.callSid));
}

/** A call this long silent without a decision is over: the caller hung up mid-menu. */
export const ABANDONED_CALL_IDLE_MS = 10 * 60_000;

/**
 * Calls that ended before any decision (the caller hung up during the menus) are written to the
 * contacts log as abandoned, with what was said and pressed: every contact is kept in writing.
 * Each call is logged once, whatever the number of workers (row locks, skip locked).
 */
export async function logAbandonedCalls(tx: Tx, now: Date): Promise<number> {
  const idle = await tx
    .select()
    .from(callSessions)
    .where(and(isNull(callSessions.incidentId), isNull(callSessions.loggedAt), lt(callSessions.updatedAt, new Date(now.getTime() - ABANDONED_CALL_IDLE_MS))))
    .for('update', { skipLocked: true })
    .limit(200);
  for (const session of idle) {
    const state = sessionState(session.state);
    await logCall(tx, session, now, { reason: 'intake_abandoned', customerId: customerIdOf(state.ivr), integrationId: null, severity: null, step: state.ivr?.step ?? 'start' }, parseTranscript(session.events));
  }
  return idle.length;
}

const customerIdOf = (state: IvrState | null): number | null => (state && 'customerId' in state ? state.customerId : null);

function sessionState(value: Record<string, unknown>): SessionState {
  const turn = typeof value.turn === 'number' ? value.turn : 0;
  const ivr = value.ivr && typeof value.ivr === 'object' && typeof (value.ivr as { step?: unknown }).step === 'string' ? (value.ivr as IvrState) : null;
  return { ivr, turn };
}

function ivrInput(event: CallEvent): IvrInput {
  switch (event.kind) {
    case 'start':
      return { kind: 'start' };
    case 'digits':
      return { kind: 'digits', digits: event.digits };
    case 'no_input':
      return { kind: 'no_input' };
    case 'recorded':
      return { kind: 'recorded' };
    default:
      return assertNever(event);
  }
}

function inputEvent(event: CallEvent, session: CallSessionRow, state: IvrState | null, now: Date): TranscriptEvent {
  const data = { callSid: session.callSid, step: state?.step ?? null };
  switch (event.kind) {
    case 'start':
      return transcriptEvent(now, 'call_in', 'customer', 'voice', `Call from ${session.fromPhone} to ${session.standbyPhone}`, { ...data, from: session.fromPhone, to: session.standbyPhone });
    case 'digits':
      return transcriptEvent(now, 'keypress', 'customer', 'voice', `Pressed ${event.digits}`, { ...data, digits: event.digits });
    case 'no_input':
      return transcriptEvent(now, 'keypress', 'customer', 'voice', 'Pressed nothing (timed out)', { ...data, digits: '' });
    case 'recorded':
      return transcriptEvent(
        now,
        'recording_ended',
        'customer',
        'voice',
        event.recordingSid
          ? `${event.hungUp ? 'Hung up to end' : 'Finished'} recording the description (${event.durationSeconds ?? '?'} s)`
          : 'Recorded nothing',
        { ...data, recordingSid: event.recordingSid, durationSeconds: event.durationSeconds, hungUp: event.hungUp },
      );
    default:
      return assertNever(event);
  }
}

function identifiedEvent(effect: Extract<IvrEffect, { type: 'caller_identified' }>, files: IntakeFiles, now: Date): TranscriptEvent {
  const name = [files.dialledNumberOwner, files.senderOwner, files.typedCodeOwner].find((f) => f?.customer.id === effect.customerId)?.customer.name ?? `customer ${effect.customerId}`;
  const how = { dialled_number: 'the dedicated number dialled', caller_id: 'caller ID', customer_code: 'the customer code typed' }[effect.by];
  return transcriptEvent(now, 'caller_identified', 'system', 'voice', `Identified as ${name} by ${how}`, { customerId: effect.customerId, by: effect.by });
}

function severityOf(state: IvrState | null): string {
  return state?.step === 'integration' ? state.severity : 'unknown severity';
}
