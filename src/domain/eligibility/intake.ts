import type { Language } from '../i18n/language.js';
import type { Contract, CoveredSeverity, CustomerFile, Integration, OutOfScopeReason, ReportedSeverity } from './contract.js';
import { decideEligibility, type IntegrationChoice } from './eligibility.js';

export type IntakeChannel = 'voice' | 'sms';

/**
 * What to do with a contact once severity and integration are known.
 * `append_to_incident` is the repeat-contact rule: an eligible contact about an integration that
 * already has an open incident adds to that incident instead of opening another one.
 */
export type IntakeDecision =
  | { outcome: 'open_incident'; contract: Contract; severity: CoveredSeverity; integration: Integration }
  | { outcome: 'append_to_incident'; reference: number; severity: CoveredSeverity; integration: Integration }
  | { outcome: 'out_of_scope'; reason: OutOfScopeReason };

export function decideIntake(file: CustomerFile | null, at: Date, severity: ReportedSeverity, integration: IntegrationChoice): IntakeDecision {
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
  if (open) return { outcome: 'append_to_incident', reference: open.reference, severity: eligibility.severity, integration: eligibility.integration };
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
