import { isCoveredSeverity, type CoveredSeverity, type CustomerFile, type OutOfScopeReason, type ReportedSeverity } from '../eligibility/contract.js';
import { assertNever, checkCustomerCoverage, type IntegrationChoice } from '../eligibility/eligibility.js';
import { decideIntake, type AppendToIncidentEffect, type IdentifiedBy, type LogOutOfScopeEffect, type NoteOnOpenIncidentEffect, type OpenIncidentEffect } from '../eligibility/intake.js';
import { NOT_LISTED_DIGIT, integrationMenu } from '../eligibility/integration-menu.js';
import { supportHoursFacts } from '../hours/calendar-moment.js';
import type { SupportCenter } from '../hours/working-hours.js';
import { LANGUAGES, type Language } from '../i18n/language.js';
import { messages } from '../i18n/messages.js';

/** Failed answers (wrong key, silence, unknown code) allowed at one question before the call ends. */
export const MAX_IVR_ATTEMPTS = 3;
/** The language menu offered to callers nobody recognises. */
export const LANGUAGE_DIGITS: { readonly [L in Language]: number } = { es: 1, en: 2, pt: 3 };

const MENU_GATHER: Gather = { numDigits: 1, timeoutSeconds: 6, finishOnKey: '' };
const CODE_GATHER: Gather = { numDigits: null, timeoutSeconds: 10, finishOnKey: '#' };
const DESCRIPTION_RECORDING: RecordSpec = { maxLengthSeconds: 120, timeoutSeconds: 5, finishOnKey: '#', playBeep: true, transcribe: true };

/**
 * How the caller was identified. Absent only in a call that started before this was kept, which is
 * read as caller ID.
 */
interface Identified {
  identifiedBy?: IdentifiedBy;
}

interface CallFacts {
  /** ISO instant the call arrived: the first contact the SLA counts from and the instant eligibility is judged at. */
  callStartedAt: string;
}

/**
 * Where a call stands: plain JSON (the edge keeps it in the TwiML action URL or in Postgres).
 * `attempts` counts failed answers to the current question.
 */
export type IvrState =
  | (CallFacts & { step: 'choose_language'; attempts: number })
  | (CallFacts & { step: 'customer_code'; attempts: number; language: Language })
  | (CallFacts & Identified & { step: 'severity'; attempts: number; language: Language; customerId: number })
  | (CallFacts & Identified & { step: 'integration'; attempts: number; language: Language; customerId: number; severity: CoveredSeverity; menu: number[] })
  | (CallFacts &
      Identified & {
      step: 'recording';
      language: Language;
      customerId: number;
      integrationId: number;
      /** Known at once for a repeat contact; for a new incident, set by `recordIncidentReference`. */
      reference: number | null;
    })
  | (CallFacts & { step: 'ended' });

/** What Twilio reported: the call arrived, keys were pressed, nothing was pressed, a recording ended. */
export type IvrInput = { kind: 'start' } | { kind: 'digits'; digits: string } | { kind: 'no_input' } | { kind: 'recorded' };

export interface Prompt {
  text: string;
  language: Language;
}

/** Collect keys; the step's prompts are spoken inside it, so callers can answer before they end. */
export interface Gather {
  /** Exact number of keys to wait for; null: until `finishOnKey` or the timeout. */
  numDigits: number | null;
  timeoutSeconds: number;
  /** '' disables it. */
  finishOnKey: string;
}

export interface RecordSpec {
  maxLengthSeconds: number;
  timeoutSeconds: number;
  finishOnKey: string;
  playBeep: boolean;
  transcribe: boolean;
}

export type IvrEffect =
  | OpenIncidentEffect
  | AppendToIncidentEffect
  | NoteOnOpenIncidentEffect
  | LogOutOfScopeEffect
  | { type: 'caller_identified'; customerId: number; by: 'dialled_number' | 'caller_id' | 'customer_code' }
  | { type: 'intake_abandoned'; step: IvrState['step']; customerId: number | null };

/** One answer to Twilio, described neutrally: the edge turns it into TwiML. */
export interface IvrStep {
  state: IvrState;
  say: Prompt[];
  gather?: Gather;
  record?: RecordSpec;
  hangup?: boolean;
  /** To run before answering Twilio; `open_incident` in particular pages before the recording starts. */
  effects: IvrEffect[];
}

export interface IvrContext {
  now: Date;
  supportCenter: SupportCenter;
  /** The customer the dialled standby number is dedicated to; null on the shared number. */
  dialledNumberOwner: CustomerFile | null;
  /** The customer one of whose registered contacts is the caller ID. */
  callerIdOwner: CustomerFile | null;
  /** The customer whose code was typed, at the customer-code step (see `ivrCustomerLookups`). */
  typedCodeOwner?: CustomerFile | null;
  /** The customer `state.customerId` names, when identified by code (see `ivrCustomerLookups`). */
  identified?: CustomerFile | null;
}

/**
 * Which customers the edge must load before `stepIvr`, beyond the dialled number's owner and the
 * caller ID's: the one the state names, and the one whose code was just typed.
 */
export function ivrCustomerLookups(state: IvrState | null, input: IvrInput): { customerId: number | null; code: string | null } {
  if (state === null || input.kind === 'start') return { customerId: null, code: null };
  if (state.step === 'customer_code') return { customerId: null, code: input.kind === 'digits' ? typedCode(input.digits) : null };
  return { customerId: 'customerId' in state ? state.customerId : null, code: null };
}

/** The state once the incident opened by this call has its reference, so it can be read back. */
export function recordIncidentReference(state: IvrState, reference: number): IvrState {
  return state.step === 'recording' ? { ...state, reference } : state;
}

/**
 * One step of the voice intake. The call goes: identify (dedicated number's owner, else caller
 * ID, else a language choice and a typed customer code) → coverage (rejected at once with the
 * reason, how to open a ticket, working hours and next opening) → severity (1 Blocker, 2 High,
 * 3 other) → integration (1..8 the customer's, 9 not listed) → decision. An eligible call opens
 * the incident (or, for a repeat contact, adds to the open one) as an effect of the same step that
 * starts the recording, so paging never waits on the caller; after the recording the reference is
 * read back digit by digit.
 *
 * Guarantees: pure and deterministic; a wrong key or silence re-asks the same question, and the
 * `MAX_IVR_ATTEMPTS`th failure ends the call politely; every step that ends the call sets
 * `hangup`; every out-of-scope answer comes with a `log_out_of_scope` effect.
 */
export function stepIvr(state: IvrState | null, input: IvrInput, ctx: IvrContext): IvrStep {
  if (state === null || input.kind === 'start') return start(ctx);
  switch (state.step) {
    case 'choose_language':
      return chooseLanguage(state, input);
    case 'customer_code':
      return customerCode(state, input, ctx);
    case 'severity':
      return severity(state, input, ctx);
    case 'integration':
      return integration(state, input, ctx);
    case 'recording':
      return recorded(state, ctx);
    case 'ended':
      return { state, say: [], hangup: true, effects: [] };
    default:
      return assertNever(state);
  }
}

function start(ctx: IvrContext): IvrStep {
  const callStartedAt = ctx.now.toISOString();
  const file = ctx.dialledNumberOwner ?? ctx.callerIdOwner;
  if (file === null) {
    return { state: { step: 'choose_language', callStartedAt, attempts: 0 }, say: languageMenu(), gather: MENU_GATHER, effects: [] };
  }
  const by = ctx.dialledNumberOwner ? 'dialled_number' : 'caller_id';
  const language = file.customer.language;
  const welcome = say(language, messages(language).ivr.welcome({ customerName: file.customer.name }));
  return identifiedCall(file, language, callStartedAt, [welcome], by, ctx);
}

/** The caller is known: reject at once if not covered, else ask the severity. */
function identifiedCall(file: CustomerFile, language: Language, callStartedAt: string, said: Prompt[], by: IdentifiedBy, ctx: IvrContext): IvrStep {
  const identified: IvrEffect = { type: 'caller_identified', customerId: file.customer.id, by };
  const coverage = checkCustomerCoverage(file.customer, file.contracts, new Date(callStartedAt));
  if (!coverage.ok) {
    return outOfScope(file, coverage.reason, language, callStartedAt, null, null, said, ctx, [identified]);
  }
  return {
    state: { step: 'severity', callStartedAt, attempts: 0, language, customerId: file.customer.id, identifiedBy: by },
    say: [...said, say(language, messages(language).ivr.severityMenu())],
    gather: MENU_GATHER,
    effects: [identified],
  };
}

function chooseLanguage(state: Extract<IvrState, { step: 'choose_language' }>, input: IvrInput): IvrStep {
  const digits = pressed(input);
  const language = LANGUAGES.find((l) => String(LANGUAGE_DIGITS[l]) === digits);
  if (language) {
    const ivr = messages(language).ivr;
    return {
      state: { step: 'customer_code', callStartedAt: state.callStartedAt, attempts: 0, language },
      say: [say(language, ivr.welcome({ customerName: null })), say(language, ivr.enterCustomerCode())],
      gather: CODE_GATHER,
      effects: [],
    };
  }
  const attempts = state.attempts + 1;
  if (attempts >= MAX_IVR_ATTEMPTS) return giveUp(state, null, LANGUAGES);
  return { state: { ...state, attempts }, say: languageMenu(), gather: MENU_GATHER, effects: [] };
}

function customerCode(state: Extract<IvrState, { step: 'customer_code' }>, input: IvrInput, ctx: IvrContext): IvrStep {
  const { language } = state;
  const ivr = messages(language).ivr;
  const code = input.kind === 'digits' ? typedCode(input.digits) : null;
  const owner = ctx.typedCodeOwner;
  if (code !== null && owner && owner.customer.code === code) {
    const thanks = say(language, ivr.identified({ customerName: owner.customer.name }));
    return identifiedCall(owner, language, state.callStartedAt, [thanks], 'customer_code', ctx);
  }
  const attempts = state.attempts + 1;
  if (code === null) {
    if (attempts >= MAX_IVR_ATTEMPTS) return giveUp(state, null, [language]);
    return { state: { ...state, attempts }, say: [say(language, ivr.noInput()), say(language, ivr.enterCustomerCode())], gather: CODE_GATHER, effects: [] };
  }
  if (attempts >= MAX_IVR_ATTEMPTS) {
    return outOfScope(null, 'unknown_caller', language, state.callStartedAt, null, null, [say(language, ivr.customerCodeNotFound())], ctx);
  }
  return {
    state: { ...state, attempts },
    say: [say(language, ivr.customerCodeNotFound()), say(language, ivr.enterCustomerCode())],
    gather: CODE_GATHER,
    effects: [],
  };
}

const SEVERITY_KEYS: ReadonlyMap<string, ReportedSeverity> = new Map([
  ['1', 'blocker'],
  ['2', 'high'],
  ['3', 'other'],
]);

function severity(state: Extract<IvrState, { step: 'severity' }>, input: IvrInput, ctx: IvrContext): IvrStep {
  const { language } = state;
  const file = fileById(ctx, state.customerId);
  if (file === null) return giveUp(state, state.customerId, [language]);
  const chosen = SEVERITY_KEYS.get(pressed(input) ?? '');
  if (chosen === undefined) return retry(state, input, messages(language).ivr.severityMenu(), state.customerId);
  if (!isCoveredSeverity(chosen)) {
    return outOfScope(file, 'severity_not_covered', language, state.callStartedAt, chosen, null, [], ctx);
  }
  const menu = integrationMenu(file.integrations);
  return {
    state: { step: 'integration', callStartedAt: state.callStartedAt, attempts: 0, language, customerId: state.customerId, identifiedBy: state.identifiedBy, severity: chosen, menu: menu.map((i) => i.id) },
    say: [say(language, integrationPrompt(file, menu.map((i) => i.id), language))],
    gather: MENU_GATHER,
    effects: [],
  };
}

function integration(state: Extract<IvrState, { step: 'integration' }>, input: IvrInput, ctx: IvrContext): IvrStep {
  const { language } = state;
  const file = fileById(ctx, state.customerId);
  if (file === null) return giveUp(state, state.customerId, [language]);
  const digits = pressed(input);
  let choice: IntegrationChoice | null = null;
  if (digits === String(NOT_LISTED_DIGIT)) choice = { kind: 'not_listed' };
  else if (digits !== null && /^[1-8]$/.test(digits)) {
    const id = state.menu[Number(digits) - 1];
    const chosen = file.integrations.find((i) => i.id === id);
    if (chosen) choice = { kind: 'listed', integration: chosen };
  }
  if (choice === null) return retry(state, input, integrationPrompt(file, state.menu, language), state.customerId);

  const ivr = messages(language).ivr;
  const contactAt = new Date(state.callStartedAt);
  const identifiedBy = state.identifiedBy ?? 'caller_id';
  // A call opens at most one incident, so a code-only caller follows none that was open before it.
  const decision = decideIntake(file, contactAt, state.severity, choice, { identifiedBy });
  const base = { callStartedAt: state.callStartedAt, language, customerId: state.customerId, identifiedBy };
  switch (decision.outcome) {
    case 'out_of_scope': {
      const integrationId = choice.kind === 'listed' ? choice.integration.id : null;
      return outOfScope(file, decision.reason, language, state.callStartedAt, state.severity, integrationId, [], ctx);
    }
    case 'open_incident':
      return {
        state: { ...base, step: 'recording', integrationId: decision.integration.id, reference: null },
        say: [say(language, ivr.incidentOpened()), say(language, ivr.recordDescription())],
        record: DESCRIPTION_RECORDING,
        effects: [
          {
            type: 'open_incident',
            channel: 'voice',
            customerId: file.customer.id,
            contractId: decision.contract.id,
            severity: decision.severity,
            integrationId: decision.integration.id,
            integrationName: decision.integration.name,
            description: '',
            language,
            firstContactAt: contactAt,
            identifiedBy,
          },
        ],
      };
    case 'note_on_open_incident':
      // Identified only by the code: noted on the open incident; nothing is said about it.
      return {
        state: { step: 'ended', callStartedAt: state.callStartedAt },
        say: [say(language, ivr.reportNoted())],
        hangup: true,
        effects: [{ type: 'note_on_open_incident', channel: 'voice', customerId: file.customer.id, reference: decision.reference, severity: decision.severity, text: '' }],
      };
    case 'append_to_incident':
      return {
        state: { ...base, step: 'recording', integrationId: decision.integration.id, reference: decision.reference },
        say: [say(language, ivr.repeatContact({ reference: decision.reference })), say(language, ivr.recordDescription())],
        record: DESCRIPTION_RECORDING,
        effects: [{ type: 'append_to_incident', channel: 'voice', customerId: file.customer.id, reference: decision.reference, text: '', repeatContact: true, severity: decision.severity }],
      };
    default:
      return assertNever(decision);
  }
}

/** After the recording (or silence instead of one): read the reference back and say goodbye. */
function recorded(state: Extract<IvrState, { step: 'recording' }>, ctx: IvrContext): IvrStep {
  const { language } = state;
  const ivr = messages(language).ivr;
  // Should the edge not have recorded the reference, the customer's open incident for the integration is it.
  const reference = state.reference ?? fileById(ctx, state.customerId)?.openIncidents.find((i) => i.integrationId === state.integrationId)?.reference ?? null;
  const said = reference === null ? [] : [say(language, ivr.readBackReference({ reference }))];
  return {
    state: { step: 'ended', callStartedAt: state.callStartedAt },
    say: [...said, say(language, ivr.goodbye())],
    hangup: true,
    effects: [],
  };
}

type QuestionState = Extract<IvrState, { attempts: number; language: Language }>;

/** Re-asks after a wrong key or silence, or ends the call after `MAX_IVR_ATTEMPTS` failures. */
function retry(state: QuestionState, input: IvrInput, question: string, customerId: number | null): IvrStep {
  const attempts = state.attempts + 1;
  if (attempts >= MAX_IVR_ATTEMPTS) return giveUp(state, customerId, [state.language]);
  const ivr = messages(state.language).ivr;
  const complaint = pressed(input) === null ? ivr.noInput() : ivr.invalidInput();
  return { state: { ...state, attempts }, say: [say(state.language, complaint), say(state.language, question)], gather: MENU_GATHER, effects: [] };
}

function giveUp(state: IvrState, customerId: number | null, languages: readonly Language[]): IvrStep {
  return {
    state: { step: 'ended', callStartedAt: state.callStartedAt },
    say: languages.map((l) => say(l, messages(l).ivr.tooManyAttempts())),
    hangup: true,
    effects: [{ type: 'intake_abandoned', step: state.step, customerId }],
  };
}

function outOfScope(
  file: CustomerFile | null,
  reason: OutOfScopeReason,
  language: Language,
  callStartedAt: string,
  reportedSeverity: ReportedSeverity | null,
  integrationId: number | null,
  said: Prompt[],
  ctx: IvrContext,
  earlier: IvrEffect[] = [],
): IvrStep {
  const hours = supportHoursFacts(ctx.now, ctx.supportCenter);
  return {
    state: { step: 'ended', callStartedAt },
    say: [...said, say(language, messages(language).outOfScope.voice({ reason, hours }))],
    hangup: true,
    effects: [
      ...earlier,
      {
        type: 'log_out_of_scope',
        channel: 'voice',
        reason,
        customerId: file?.customer.id ?? null,
        severity: reportedSeverity,
        integrationId,
        text: '',
        firstContactAt: new Date(callStartedAt),
      },
    ],
  };
}

function integrationPrompt(file: CustomerFile, menu: readonly number[], language: Language): string {
  const options = menu.flatMap((id, index) => {
    const found = file.integrations.find((i) => i.id === id);
    return found ? [{ digit: index + 1, name: found.name }] : [];
  });
  return messages(language).ivr.integrationMenu({ options, notListedDigit: NOT_LISTED_DIGIT });
}

function languageMenu(): Prompt[] {
  return LANGUAGES.map((l) => say(l, messages(l).ivr.chooseLanguage({ digit: LANGUAGE_DIGITS[l] })));
}

/** The keys pressed, or null for silence (Twilio posts an empty `Digits` on timeout). */
function pressed(input: IvrInput): string | null {
  if (input.kind !== 'digits') return null;
  const digits = input.digits.replace(/[^0-9]/g, '');
  return digits === '' ? null : digits;
}

/** A typed customer code without the finishing '#' (or stray '*'); null when nothing was typed. */
function typedCode(digits: string): string | null {
  const code = digits.replace(/[^0-9]/g, '');
  return code === '' ? null : code;
}

function fileById(ctx: IvrContext, customerId: number): CustomerFile | null {
  return [ctx.identified, ctx.dialledNumberOwner, ctx.callerIdOwner].find((f) => f?.customer.id === customerId) ?? null;
}

function say(language: Language, text: string): Prompt {
  return { text, language };
}
