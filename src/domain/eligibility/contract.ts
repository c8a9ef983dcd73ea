import type { Language } from '../i18n/language.js';

/** Minutes allowed for the first response (until an engineer acknowledges) and for the resolution. */
export interface SlaTarget {
  firstResponseMinutes: number;
  resolutionMinutes: number;
}

/**
 * A support contract. It is in force on the half-open interval `[validFrom, validUntil)`;
 * `validUntil: null` means it has no end date.
 */
export interface Contract {
  id: number;
  /** Whether the contract includes the "24x7 Integrations support" service. */
  integrations24x7: boolean;
  validFrom: Date;
  validUntil: Date | null;
  sla: { blocker: SlaTarget; high: SlaTarget };
}

/** An integration of a customer; the 24x7 service covers only those the vendor built. */
export interface Integration {
  id: number;
  name: string;
  builtBy: 'vendor' | 'selfservice';
}

export interface Customer {
  id: number;
  /** The code a caller types on the keypad (or texts) when their phone is not registered. */
  code: string;
  name: string;
  language: Language;
}

/** An incident of the customer that is still open, by integration: the repeat-contact rule needs it. */
export interface OpenIncident {
  reference: number;
  integrationId: number;
}

/** Everything intake needs to know about one customer, loaded by the edge in one go. */
export interface CustomerFile {
  customer: Customer;
  contracts: readonly Contract[];
  integrations: readonly Integration[];
  openIncidents: readonly OpenIncident[];
}

/**
 * What the customer says about the incident. `other` is the menu's third option ("neither
 * Blocker nor High") when the customer does not name medium or low.
 */
export type ReportedSeverity = 'blocker' | 'high' | 'medium' | 'low' | 'other';

/** The severities the 24x7 service covers (policy: Blocker and High only). */
export type CoveredSeverity = 'blocker' | 'high';

export function isCoveredSeverity(severity: ReportedSeverity): severity is CoveredSeverity {
  return severity === 'blocker' || severity === 'high';
}

/** Why the customer is not covered at all, whatever the incident (checked before asking about it). */
export type CoverageReason = 'unknown_caller' | 'no_contract' | 'contract_without_24x7' | 'contract_not_active';

/** Why a contact is out of the 24x7 service's scope. */
export type OutOfScopeReason = CoverageReason | 'severity_not_covered' | 'integration_selfservice' | 'integration_not_listed';

export const OUT_OF_SCOPE_REASONS: readonly OutOfScopeReason[] = [
  'unknown_caller',
  'no_contract',
  'contract_without_24x7',
  'contract_not_active',
  'severity_not_covered',
  'integration_selfservice',
  'integration_not_listed',
];
