import type { Language } from '../i18n/language.js';
import type { Contract, CoveredSeverity, CustomerFile, Integration, OutOfScopeReason, ReportedSeverity } from './contract.js';
import { decideEligibility, type IntegrationChoice } from './eligibility.js';

export type IntakeChannel = 'voice' | 'sms';

/**
 * How a contact was identified as the customer: by the dedicated number they reached, by caller ID
 * among the customer's registered phones, or only by a customer code typed on the shared number.
 * A code is the weakest of these (whoever learns it can type it): such a reporter may open an
 * incident, but is told nothing about the customer's other open incidents and adds nothing to them.
 */
export type IdentifiedBy = 'dialled_number' | 'caller_id' | 'customer_code';

/**
 * The reporter as intake sees them. `ownIntegrationId`: for a code-only reporter, the integration
 * whose incident they opened in this very conversation (the one incident they may hear about).
 */
export interface Reporter {
  identifiedBy: IdentifiedBy;
  ownIntegrationId?: number | null;
}

/** A reporter identified by the dedicated number or caller ID (the default). */
export const VERIFIED_REPORTER: Reporter = { identifiedBy: 'caller_id' };

/** Whether the reporter may be told about (and add to) the customer's open incident on this integration. */
export function mayFollowIncident(reporter: Reporter, integrationId: number): boolean {
  return reporter.identifiedBy !== 'customer_code' || reporter.ownIntegrationId === integrationId;
}

/**
 * What to do with a contact once severity and integration are known.
 * `append_to_incident` is the repeat-contact rule: an eligible contact about an integration that
 * already has an open incident adds to that incident instead of opening another one.
 */
export type IntakeDecision =
  | { outcome: 'open_incident'; contract: Contract; severity: CoveredSeverity; integration: Integration }
  | { outcome: 'append_to_incident'; reference: number; severity: CoveredSeverity; integration: Integration }
  /**
   * A reporter identified only by code reported an integration that already has an open incident:
   * the contact is noted on it for the engineers, and the reporter is told nothing about it.
   */
  | { outcome: 'note_on_open_incident'; reference: number; severity: CoveredSeverity; integration: Integration }
  | { outcome: 'out_of_scope'; reason: OutOfScopeReason };

export function decideIntake(file: CustomerFile | null, at: Date, severity: ReportedSeverity, integration: IntegrationChoice, reporter: Reporter = VERIFIED_REPORTER): IntakeDecision {
  const eligibility = decideEligibility({
    customer: file?.customer ?? null,
    contracts: file?.contracts ?? [],
    at,
    severity,
    integration,
  });
  if (!eligibility.eligible) return { outcome: 'out_of_scope', reason: eligibility.reason };
  const open = (file?.openIncidents ?? [])
    .filter((i) => i.integrationId === eligibility.integration.id)
    .sort((a, b) => a.reference - b.reference)[0];
  if (open) {
    const outcome = mayFollowIncident(reporter, open.integrationId) ? 'append_to_incident' : 'note_on_open_incident';
    return { outcome, reference: open.reference, severity: eligibility.severity, integration: eligibility.integration };
  }
  return { outcome: 'open_incident', contract: eligibility.contract, severity: eligibility.severity, integration: eligibility.integration };
}

/** Open an incident and start paging. The reference is assigned when it is written. */
export interface OpenIncidentEffect {
  type: 'open_incident';
  channel: IntakeChannel;
  customerId: number;
  contractId: number;
  severity: CoveredSeverity;
  integrationId: number;
  integrationName: string;
  /** What the customer said; empty when they have not described it yet (it is appended later). */
  description: string;
  language: Language;
  /** The customer's first contact (call start, first SMS): the SLA clocks count from here. */
  firstContactAt: Date;
  /** How the reporter was identified; a code-only reporter is named as such in the pages. */
  identifiedBy: IdentifiedBy;
}

/**
 * A code-only reporter's report about an integration with an open incident they were not told
 * about: noted on that incident's timeline for the engineers (who can check with the customer),
 * never relayed to anyone, never raising its severity.
 */
export interface NoteOnOpenIncidentEffect {
  type: 'note_on_open_incident';
  channel: IntakeChannel;
  customerId: number;
  reference: number;
  severity: CoveredSeverity;
  /** What the reporter said, if anything. */
  text: string;
}

/** Add the contact to an incident already open: a repeat report or a follow-up message. */
export interface AppendToIncidentEffect {
  type: 'append_to_incident';
  channel: IntakeChannel;
  customerId: number;
  reference: number;
  /** The customer's words, to land on the timeline and be relayed to the assigned engineer. */
  text: string;
  /** True when this is a new report about the same integration, false for a follow-up message. */
  repeatContact: boolean;
  /** The severity a repeat report gave (a Blocker report raises an open High incident); absent for follow-ups. */
  severity?: CoveredSeverity;
}

/** Policy: out-of-scope contacts are recorded too. */
export interface LogOutOfScopeEffect {
  type: 'log_out_of_scope';
  channel: IntakeChannel;
  reason: OutOfScopeReason;
  customerId: number | null;
  severity: ReportedSeverity | null;
  integrationId: number | null;
  text: string;
  firstContactAt: Date;
}
