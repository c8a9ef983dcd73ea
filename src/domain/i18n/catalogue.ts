import type { CoveredSeverity, OutOfScopeReason } from '../eligibility/contract.js';

/** ISO weekday: 1 = Monday … 7 = Sunday. */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/**
 * A local moment in the support center's zone, as calendar facts a sentence can be built from.
 * `relation` places it against "now" in local calendar days, so texts can say "today",
 * "tomorrow", a weekday within the coming week, or a full date beyond it.
 */
export interface CalendarMoment {
  weekday: Weekday;
  year: number;
  month: number;
  day: number;
  /** Local 24-hour time, `HH:mm`. */
  time: string;
  relation: 'today' | 'tomorrow' | 'this_week' | 'later';
}

/** What out-of-scope answers say about the Support Center: its name, hours, and whether it is open. */
export interface SupportHoursFacts {
  /** The ticket desk's name, e.g. "Aivo Support Center". */
  supportCenterName: string;
  /** A readable name of the working-hours zone, e.g. "Buenos Aires". */
  zoneLabel: string;
  opensAt: string;
  closesAt: string;
  status: { open: true; closesAt: CalendarMoment } | { open: false; nextOpening: CalendarMoment };
}

/** One entry of a numbered menu: "press 1 for Salesforce sync". */
export interface MenuOption {
  digit: number;
  name: string;
}

export interface PageDetails {
  severity: CoveredSeverity;
  reference: number;
  customerName: string;
  integrationName: string;
  description: string;
  /**
   * Set when the reporter was identified only by a customer code typed on the shared number (no
   * dedicated number, no registered caller ID): the page says so, and from which number (null:
   * caller ID withheld).
   */
  codeOnlyCaller?: { phone: string | null };
}

/**
 * Every text Standby sends or says, in one language. Each language's catalogue is typed by this
 * interface, so a key missing in one of them does not compile.
 */
export interface Catalogue {
  calendar: {
    weekday(weekday: Weekday): string;
    /** Relative to now: "today at 09:00", "tomorrow at 09:00", "Monday at 09:00", or with the date beyond a week. */
    moment(moment: CalendarMoment): string;
    /** Always with the date: "Monday 6 January at 09:00". */
    dateTime(moment: CalendarMoment): string;
  };
  severity: {
    label(severity: CoveredSeverity): string;
  };
  outOfScope: {
    /** One sentence saying why the 24x7 service does not apply. */
    reason(reason: OutOfScopeReason): string;
    /** The spoken answer: reason, how to open a ticket, working hours, when it next opens. */
    voice(p: { reason: OutOfScopeReason; hours: SupportHoursFacts }): string;
    /** The same answer as one short SMS. */
    sms(p: { reason: OutOfScopeReason; hours: SupportHoursFacts }): string;
  };
  ivr: {
    welcome(p: { customerName: string | null }): string;
    /** This language's own option in the language menu, spoken in this language. */
    chooseLanguage(p: { digit: number }): string;
    enterCustomerCode(): string;
    /** Said when a typed customer code identified the caller. */
    identified(p: { customerName: string }): string;
    customerCodeNotFound(): string;
    severityMenu(): string;
    integrationMenu(p: { options: readonly MenuOption[]; notListedDigit: number }): string;
    incidentOpened(): string;
    repeatContact(p: { reference: number }): string;
    /** To a caller identified only by customer code whose report joined an incident they are not told about. */
    reportNoted(): string;
    recordDescription(): string;
    readBackReference(p: { reference: number }): string;
    goodbye(): string;
    invalidInput(): string;
    noInput(): string;
    tooManyAttempts(): string;
    /** Said when the service could not take the call (its database is down): the call is kept and the truth told. */
    receivedDuringOutage(): string;
  };
  sms: {
    askCustomerCode(): string;
    customerCodeNotFound(): string;
    askSeverity(p: { customerName: string }): string;
    askIntegration(p: { options: readonly MenuOption[]; notListedDigit: number }): string;
    ambiguousIntegration(p: { options: readonly MenuOption[]; notListedDigit: number }): string;
    notUnderstood(): string;
    incidentOpened(p: { reference: number; severity: CoveredSeverity; integrationName: string; askDescription: boolean }): string;
    repeatContact(p: { reference: number }): string;
    /** To a texter identified only by customer code whose report joined an incident they are not told about. */
    reportNoted(): string;
    whichIncident(p: { references: readonly number[] }): string;
    tooManyAttempts(): string;
    /** Answered when a text could not be handled yet (the database is down): it is kept and will be acted on. */
    receivedDuringOutage(): string;
    help(): string;
    stopConfirmation(): string;
    startConfirmation(): string;
    /** The answer to a text taken while the service is at capacity: it is handled shortly, and the real answer follows by SMS. */
    received(): string;
    /** Customer notice when an engineer acknowledges. */
    engineerAssigned(p: { engineerName: string; reference: number }): string;
    /** An engineer's reply relayed to the customer. */
    fromEngineer(p: { engineerName: string; reference: number; text: string }): string;
    waitingOnCustomer(p: { reference: number; question: string }): string;
    resolved(p: { reference: number; note: string }): string;
    /** Policy: when the cause is the customer's or a third party's, the evidence is sent and the incident closed. */
    closedWithEvidence(p: { reference: number; evidence: string }): string;
  };
  engineer: {
    /** The page by SMS; the description is shortened so the whole text stays within 320 characters. */
    pageSms(p: PageDetails): string;
    pageVoice(p: PageDetails): string;
    voiceAcknowledged(p: { reference: number }): string;
    voiceEscalated(p: { reference: number }): string;
    ackConfirmed(p: { reference: number; customerName: string }): string;
    ackedByOther(p: { reference: number; engineerName: string }): string;
    escalated(p: { reference: number }): string;
    fromCustomer(p: { reference: number; customerName: string; text: string }): string;
    waitingOnCustomer(p: { reference: number }): string;
    resolved(p: { reference: number }): string;
    evidenceSent(p: { reference: number; customerName: string }): string;
    handoff(p: { rotationName: string; from: CalendarMoment; until: CalendarMoment }): string;
    escalationExhausted(p: PageDetails): string;
    noOpenPage(): string;
    incidentNotFound(p: { reference: number }): string;
    /**
     * The answer to an engineer who may not act on the incident (not paged, not on call, not the one
     * who has it) or who named one that does not exist: the same words either way.
     */
    notAllowed(p: { reference: number }): string;
    voiceNotAllowed(p: { reference: number }): string;
    /** An admin gave the incident to this engineer. */
    reassignedToYou(p: { reference: number; customerName: string; integrationName: string }): string;
    /** An admin gave this engineer's incident to someone else. */
    reassignedAway(p: { reference: number; engineerName: string }): string;
    /** To the engineer who has the incident: the customer called the standby line again about it. */
    customerCalledAgain(p: { reference: number; customerName: string; phone: string | null }): string;
    /** To the paged engineers: the caller's recorded description, transcribed after the page went out. */
    descriptionArrived(p: { reference: number; customerName: string; text: string }): string;
    incidentClosed(p: { reference: number }): string;
    alreadyAcknowledged(p: { reference: number; engineerName: string }): string;
    /** The escalation already moved on, ran out or stopped: pressing 2 / ESC changed nothing. */
    notEscalating(p: { reference: number }): string;
    /** Said on a page call when a key other than 1 or 2 was pressed, or none. */
    voiceChoose(): string;
    /** The acknowledgement link's confirm page. */
    linkConfirm(p: { reference: number; customerName: string; integrationName: string }): string;
    linkButton(): string;
    linkExpired(): string;
    severalOpenPages(p: { references: readonly number[] }): string;
    missingReference(p: { example: string }): string;
    missingText(p: { example: string }): string;
    unknownCommand(): string;
    help(): string;
  };
}
