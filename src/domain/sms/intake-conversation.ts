import {
  isCoveredSeverity,
  type CoveredSeverity,
  type CustomerFile,
  type Integration,
  type OpenIncident,
  type OutOfScopeReason,
  type ReportedSeverity,
} from '../eligibility/contract.js';
import { assertNever, checkCustomerCoverage, type IntegrationChoice } from '../eligibility/eligibility.js';
import {
  decideIntake,
  mayFollowIncident,
  type AppendToIncidentEffect,
  type IdentifiedBy,
  type LogOutOfScopeEffect,
  type NoteOnOpenIncidentEffect,
  type OpenIncidentEffect,
  type Reporter,
} from '../eligibility/intake.js';
import { NOT_LISTED_DIGIT, integrationMenu } from '../eligibility/integration-menu.js';
import { supportHoursFacts } from '../hours/calendar-moment.js';
import type { SupportCenter } from '../hours/working-hours.js';
import type { Catalogue, MenuOption } from '../i18n/catalogue.js';
import { LANGUAGES, type Language } from '../i18n/language.js';
import { messages } from '../i18n/messages.js';
import { customerCodeIn, guessLanguage, parseIntakeMessage, parseKeyword, type IntegrationMatch } from './intake-message.js';

/** A conversation left alone this long is over; the next message starts a new one. */
export const SMS_CONVERSATION_IDLE_MINUTES = 30;
/** Wrong answers (or wrong customer codes) allowed at one question before the conversation ends. */
export const MAX_SMS_ATTEMPTS = 3;
/** Replies to someone whose language nothing tells are in this language (the vendor's). */
export const DEFAULT_SMS_LANGUAGE: Language = 'es';

interface ConversationTimes {
  /** ISO instant of the conversation's first message: the first contact the SLA counts from. */
  startedAt: string;
  /** ISO instant of its latest message: the idle expiry counts from here. */
  lastActivityAt: string;
}

/**
 * Where an SMS intake conversation stands; plain JSON, kept by the edge keyed by the customer's
 * number and the standby number. `null` means no conversation (none yet, finished or expired).
 * - `awaiting_customer_code`: a stranger wrote to the shared number; their first message is kept
 *   and handled once the code identifies them.
 * - `awaiting_severity` / `awaiting_integration`: a question is pending.
 * - `following_incident`: an incident was opened or added to; further texts go to it.
 */
export type SmsIntakeState =
  | (ConversationTimes & { step: 'awaiting_customer_code'; attempts: number; firstMessage: string; language: Language | null })
  | (ConversationTimes & Identified & { step: 'awaiting_severity'; attempts: number; customerId: number; integrationId: number | null; description: string })
  | (ConversationTimes & Identified & { step: 'awaiting_integration'; attempts: number; customerId: number; severity: CoveredSeverity; description: string })
  | (ConversationTimes & Identified & { step: 'following_incident'; customerId: number; integrationId: number });

/**
 * How the texter was identified (see `IdentifiedBy`): a conversation identified only by a customer
 * code follows no open incident but the one it opened. Absent in a conversation that started
 * before this was kept, which is read as caller ID.
 */
interface Identified {
  identifiedBy?: IdentifiedBy;
}

export interface SmsIntakeContext {
  now: Date;
  supportCenter: SupportCenter;
  /** The customer the standby number that received the SMS is dedicated to; null on the shared number. */
  dialledNumberOwner: CustomerFile | null;
  /** The customer one of whose registered contacts sent the SMS. */
  senderOwner: CustomerFile | null;
  /** The customer `state.customerId` names, when identified earlier by code (see `smsCustomerLookups`). */
  identified?: CustomerFile | null;
  /** The customer whose code the message carries, while a code is awaited (see `smsCustomerLookups`). */
  typedCodeOwner?: CustomerFile | null;
}

export type SmsIntakeEffect = OpenIncidentEffect | AppendToIncidentEffect | NoteOnOpenIncidentEffect | LogOutOfScopeEffect | { type: 'opt_out' } | { type: 'opt_in' };

export interface SmsIntakeResult {
  state: SmsIntakeState | null;
  /** Texts to send back now, in order. After `open_incident`, also send `incidentOpenedReply`. */
  replies: string[];
  effects: SmsIntakeEffect[];
}

/** True when the conversation has been idle for `SMS_CONVERSATION_IDLE_MINUTES` or more at `now`. */
export function isConversationExpired(state: SmsIntakeState, now: Date): boolean {
  return now.getTime() - Date.parse(state.lastActivityAt) >= SMS_CONVERSATION_IDLE_MINUTES * 60_000;
}

/**
 * Which customers the edge must load before `decideSmsIntake`, beyond the dialled number's owner
 * and the sender's: the one a code identified earlier, and the one whose code this message carries.
 */
export function smsCustomerLookups(state: SmsIntakeState | null, text: string, now: Date): { customerId: number | null; code: string | null } {
  if (state === null || isConversationExpired(state, now)) return { customerId: null, code: null };
  if (state.step === 'awaiting_customer_code') return { customerId: null, code: customerCodeIn(text) };
  return { customerId: state.customerId, code: null };
}

/** The confirmation to send once the incident of an `open_incident` effect has its reference. */
export function incidentOpenedReply(effect: OpenIncidentEffect, reference: number): string {
  return messages(effect.language).sms.incidentOpened({
    reference,
    severity: effect.severity,
    integrationName: effect.integrationName,
    askDescription: effect.description === '',
  });
}

/**
 * One step of the SMS intake: the customer's message `text` against the conversation `state`.
 *
 * Guarantees: the same (state, text, context) always gives the same result; an expired state is
 * treated as no conversation; HELP never loses the conversation, STOP/START end it; every
 * out-of-scope answer is also a `log_out_of_scope` effect; an eligible report about an
 * integration with an open incident is appended to it (repeat contact), never opened twice; a
 * text without a severity from a customer with open incidents is a follow-up on one of them.
 */
export function decideSmsIntake(state: SmsIntakeState | null, text: string, ctx: SmsIntakeContext): SmsIntakeResult {
  const live = state !== null && !isConversationExpired(state, ctx.now) ? state : null;
  const now = ctx.now.toISOString();
  const known = live && live.step !== 'awaiting_customer_code' ? fileById(ctx, live.customerId) : (ctx.dialledNumberOwner ?? ctx.senderOwner);
  const language = known?.customer.language ?? (live?.step === 'awaiting_customer_code' ? live.language : null) ?? guessLanguage(text);

  const keyword = parseKeyword(text);
  if (keyword) {
    switch (keyword.kind) {
      case 'stop':
        return { state: null, replies: [t(language).sms.stopConfirmation()], effects: [{ type: 'opt_out' }] };
      case 'start':
        return { state: null, replies: [t(language).sms.startConfirmation()], effects: [{ type: 'opt_in' }] };
      case 'help':
        return { state: live ? { ...live, lastActivityAt: now } : null, replies: [t(language ?? keyword.language).sms.help()], effects: [] };
      default:
        return assertNever(keyword);
    }
  }

  if (live?.step === 'awaiting_customer_code') {
    const code = customerCodeIn(text);
    const owner = ctx.typedCodeOwner;
    if (code !== null && owner && owner.customer.code === code) return newMessage(owner, live.firstMessage, live.startedAt, { identifiedBy: 'customer_code', ownIntegrationId: null }, ctx);
    const attempts = live.attempts + 1;
    if (attempts >= MAX_SMS_ATTEMPTS) {
      const logged = { severity: null, integrationId: null, text: live.firstMessage, startedAt: live.startedAt };
      return outOfScope(null, 'unknown_caller', language ?? DEFAULT_SMS_LANGUAGE, logged, ctx);
    }
    return {
      state: { ...live, attempts, lastActivityAt: now },
      replies: [inLanguageOrAll(language, (c) => c.sms.customerCodeNotFound())],
      effects: [],
    };
  }

  if (live === null || known === null) {
    const file = ctx.dialledNumberOwner ?? ctx.senderOwner;
    if (file === null) {
      return {
        state: { step: 'awaiting_customer_code', startedAt: now, lastActivityAt: now, attempts: 0, firstMessage: text, language },
        replies: [inLanguageOrAll(language, (c) => c.sms.askCustomerCode())],
        effects: [],
      };
    }
    return newMessage(file, text, now, { identifiedBy: ctx.dialledNumberOwner ? 'dialled_number' : 'caller_id', ownIntegrationId: null }, ctx);
  }

  const reporter: Reporter = { identifiedBy: live.identifiedBy ?? 'caller_id', ownIntegrationId: live.step === 'following_incident' ? live.integrationId : null };
  switch (live.step) {
    case 'awaiting_severity': {
      const parsed = parseIntakeMessage(text, known.integrations, 'severity');
      if (parsed.kind !== 'report' || parsed.severity === null) {
        return retry(live, known, [t(known.customer.language).sms.notUnderstood(), askSeverity(known)], ctx);
      }
      const integration: IntegrationMatch = live.integrationId !== null ? knownIntegration(known, live.integrationId) : parsed.integration;
      return continueIntake(known, { severity: parsed.severity, integration, description: joinDescriptions(live.description, parsed.description) }, live.startedAt, reporter, ctx);
    }
    case 'awaiting_integration': {
      const parsed = parseIntakeMessage(text, known.integrations, 'integration');
      const integration = parsed.kind === 'report' ? parsed.integration : ({ kind: 'none' } as const);
      if (integration.kind === 'none' || integration.kind === 'ambiguous') {
        const options = integration.kind === 'ambiguous' ? integration.candidates : known.integrations;
        return retry(live, known, [t(known.customer.language).sms.notUnderstood(), askIntegration(known, options, integration.kind === 'ambiguous')], ctx);
      }
      // The answer names the integration; the description stays what the customer said before.
      return continueIntake(known, { severity: live.severity, integration, description: live.description }, live.startedAt, reporter, ctx);
    }
    case 'following_incident':
      return newMessage(known, text, now, reporter, ctx);
    default:
      return assertNever(live);
  }
}

interface Facts {
  severity: ReportedSeverity | null;
  integration: IntegrationMatch;
  description: string;
}

/**
 * A message outside any pending question: a follow-up on an open incident, or a new report.
 * `reporter.ownIntegrationId` is the integration whose incident the conversation was following, if
 * any. Only the open incidents the reporter may follow (see `mayFollowIncident`) are considered or
 * named: a reporter identified only by code sees none but their own.
 */
function newMessage(file: CustomerFile, text: string, startedAt: string, reporter: Reporter, ctx: SmsIntakeContext): SmsIntakeResult {
  const parsed = parseIntakeMessage(text, file.integrations);
  // Keywords were answered before; one kept from before identification reads as an empty report.
  const report = parsed.kind === 'report' ? parsed : { severity: null, integration: { kind: 'none' } as const, description: '' };
  const followable = file.openIncidents.filter((i) => mayFollowIncident(reporter, i.integrationId));
  if (report.severity === null && followable.length > 0) {
    const followUp = followUpTarget({ ...file, openIncidents: followable }, text, report.integration, reporter.ownIntegrationId ?? null);
    if (followUp.kind === 'append') {
      const { reference, integrationId } = followUp.incident;
      return {
        state: { step: 'following_incident', startedAt, lastActivityAt: ctx.now.toISOString(), customerId: file.customer.id, integrationId, identifiedBy: reporter.identifiedBy },
        replies: [],
        effects: [{ type: 'append_to_incident', channel: 'sms', customerId: file.customer.id, reference, text: followUp.text, repeatContact: false }],
      };
    }
    if (followUp.kind === 'ask') {
      const references = followable.map((i) => i.reference).sort((a, b) => a - b);
      return { state: null, replies: [t(file.customer.language).sms.whichIncident({ references })], effects: [] };
    }
  }
  return continueIntake(file, { severity: report.severity, integration: report.integration, description: report.description }, startedAt, reporter, ctx);
}

type FollowUp = { kind: 'append'; incident: OpenIncident; text: string } | { kind: 'ask' } | { kind: 'new_report' };

/**
 * Which open incident a message without a severity is about: the one whose number starts it
 * ("123 still failing"), else the one of the integration it names (naming an integration with no
 * open incident makes it a new report), else the one the conversation follows, else the only one.
 */
function followUpTarget(file: CustomerFile, text: string, integration: IntegrationMatch, followed: number | null): FollowUp {
  const numbered = /^\s*#?(\d+)(?!\d)[\s:.,\-–]*(.*)$/su.exec(text);
  const byNumber = numbered ? file.openIncidents.find((i) => i.reference === Number(numbered[1])) : undefined;
  if (numbered && byNumber) return { kind: 'append', incident: byNumber, text: (numbered[2] ?? '').trim() };
  if (integration.kind === 'match') {
    const open = file.openIncidents.find((i) => i.integrationId === integration.integration.id);
    return open ? { kind: 'append', incident: open, text } : { kind: 'new_report' };
  }
  const followedIncident = followed === null ? undefined : file.openIncidents.find((i) => i.integrationId === followed);
  if (followedIncident) return { kind: 'append', incident: followedIncident, text };
  const [only, ...others] = file.openIncidents;
  if (only && others.length === 0) return { kind: 'append', incident: only, text };
  return { kind: 'ask' };
}

/** Asks what is still missing, or decides once severity and integration are known. */
function continueIntake(file: CustomerFile, facts: Facts, startedAt: string, reporter: Reporter, ctx: SmsIntakeContext): SmsIntakeResult {
  const identifiedBy = reporter.identifiedBy;
  const language = file.customer.language;
  const now = ctx.now.toISOString();
  const matchedId = facts.integration.kind === 'match' ? facts.integration.integration.id : null;
  const logged = { severity: facts.severity, integrationId: matchedId, text: facts.description, startedAt };

  // Policy: the contract must be in force at the moment of contact, i.e. the conversation's first message.
  const contactAt = new Date(startedAt);
  const coverage = checkCustomerCoverage(file.customer, file.contracts, contactAt);
  if (!coverage.ok) return outOfScope(file, coverage.reason, language, logged, ctx);

  if (facts.severity === null) {
    return {
      state: { step: 'awaiting_severity', startedAt, lastActivityAt: now, attempts: 0, customerId: file.customer.id, identifiedBy, integrationId: matchedId, description: facts.description },
      replies: [askSeverity(file)],
      effects: [],
    };
  }
  if (!isCoveredSeverity(facts.severity)) return outOfScope(file, 'severity_not_covered', language, logged, ctx);

  let choice: IntegrationChoice;
  switch (facts.integration.kind) {
    case 'match':
      choice = { kind: 'listed', integration: facts.integration.integration };
      break;
    case 'not_listed':
      choice = { kind: 'not_listed' };
      break;
    case 'ambiguous':
    case 'none': {
      const ambiguous = facts.integration.kind === 'ambiguous';
      return {
        state: { step: 'awaiting_integration', startedAt, lastActivityAt: now, attempts: 0, customerId: file.customer.id, identifiedBy, severity: facts.severity, description: facts.description },
        replies: [askIntegration(file, ambiguous && facts.integration.kind === 'ambiguous' ? facts.integration.candidates : file.integrations, ambiguous)],
        effects: [],
      };
    }
    default:
      return assertNever(facts.integration);
  }

  const decision = decideIntake(file, contactAt, facts.severity, choice, reporter);
  switch (decision.outcome) {
    case 'out_of_scope':
      return outOfScope(file, decision.reason, language, logged, ctx);
    case 'note_on_open_incident':
      // Identified only by the code: noted on the open incident; nothing is said about it.
      return {
        state: null,
        replies: [t(language).sms.reportNoted()],
        effects: [{ type: 'note_on_open_incident', channel: 'sms', customerId: file.customer.id, reference: decision.reference, severity: decision.severity, text: facts.description }],
      };
    case 'append_to_incident':
      return {
        state: { step: 'following_incident', startedAt, lastActivityAt: now, customerId: file.customer.id, integrationId: decision.integration.id, identifiedBy },
        replies: [t(language).sms.repeatContact({ reference: decision.reference })],
        effects: [{ type: 'append_to_incident', channel: 'sms', customerId: file.customer.id, reference: decision.reference, text: facts.description, repeatContact: true, severity: decision.severity }],
      };
    case 'open_incident':
      return {
        state: { step: 'following_incident', startedAt, lastActivityAt: now, customerId: file.customer.id, integrationId: decision.integration.id, identifiedBy },
        replies: [],
        effects: [
          {
            type: 'open_incident',
            channel: 'sms',
            customerId: file.customer.id,
            contractId: decision.contract.id,
            severity: decision.severity,
            integrationId: decision.integration.id,
            integrationName: decision.integration.name,
            description: facts.description,
            language,
            firstContactAt: new Date(startedAt),
            identifiedBy,
          },
        ],
      };
    default:
      return assertNever(decision);
  }
}

function outOfScope(
  file: CustomerFile | null,
  reason: OutOfScopeReason,
  language: Language,
  logged: { severity: ReportedSeverity | null; integrationId: number | null; text: string; startedAt: string },
  ctx: SmsIntakeContext,
): SmsIntakeResult {
  return {
    state: null,
    replies: [t(language).outOfScope.sms({ reason, hours: supportHoursFacts(ctx.now, ctx.supportCenter) })],
    effects: [
      {
        type: 'log_out_of_scope',
        channel: 'sms',
        reason,
        customerId: file?.customer.id ?? null,
        severity: logged.severity,
        integrationId: logged.integrationId,
        text: logged.text,
        firstContactAt: new Date(logged.startedAt),
      },
    ],
  };
}

/** Re-asks after a wrong answer, or gives up after `MAX_SMS_ATTEMPTS`. */
function retry(
  live: Extract<SmsIntakeState, { attempts: number; customerId: number }>,
  file: CustomerFile,
  replies: string[],
  ctx: SmsIntakeContext,
): SmsIntakeResult {
  const attempts = live.attempts + 1;
  if (attempts >= MAX_SMS_ATTEMPTS) return { state: null, replies: [t(file.customer.language).sms.tooManyAttempts()], effects: [] };
  return { state: { ...live, attempts, lastActivityAt: ctx.now.toISOString() }, replies: [replies.join(' ')], effects: [] };
}

function askSeverity(file: CustomerFile): string {
  return t(file.customer.language).sms.askSeverity({ customerName: file.customer.name });
}

/** The integration question; digits always follow the full menu so they mean the same thing in every answer. */
function askIntegration(file: CustomerFile, among: readonly Integration[], ambiguous: boolean): string {
  const menu = integrationMenu(file.integrations);
  const all: MenuOption[] = menu.map((integration, index) => ({ digit: index + 1, name: integration.name }));
  const ids = new Set(among.map((i) => i.id));
  const narrowed = all.filter((_, index) => ids.has(menu[index]?.id ?? Number.NaN));
  const sms = t(file.customer.language).sms;
  return ambiguous && narrowed.length > 0
    ? sms.ambiguousIntegration({ options: narrowed, notListedDigit: NOT_LISTED_DIGIT })
    : sms.askIntegration({ options: all, notListedDigit: NOT_LISTED_DIGIT });
}

function knownIntegration(file: CustomerFile, integrationId: number): IntegrationMatch {
  const integration = file.integrations.find((i) => i.id === integrationId);
  return integration ? { kind: 'match', integration } : { kind: 'none' };
}

/** The customer's words across the conversation, menu digits left out. */
function joinDescriptions(before: string, after: string): string {
  return [before, after].filter((d) => d !== '' && !/^\d$/.test(d)).join(' / ');
}

function fileById(ctx: SmsIntakeContext, customerId: number): CustomerFile | null {
  return [ctx.identified, ctx.dialledNumberOwner, ctx.senderOwner].find((f) => f?.customer.id === customerId) ?? null;
}

function t(language: Language | null): Catalogue {
  return messages(language ?? DEFAULT_SMS_LANGUAGE);
}

/** One language when known; otherwise the same short text in all of them. */
function inLanguageOrAll(language: Language | null, text: (c: Catalogue) => string): string {
  return language ? text(messages(language)) : LANGUAGES.map((l) => text(messages(l))).join(' / ');
}
