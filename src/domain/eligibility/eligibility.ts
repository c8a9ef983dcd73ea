import {
  isCoveredSeverity,
  type Contract,
  type CoverageReason,
  type CoveredSeverity,
  type Customer,
  type Integration,
  type OutOfScopeReason,
  type ReportedSeverity,
} from './contract.js';

/** True when `at` lies in the contract's half-open validity `[validFrom, validUntil)`. */
export function isContractActiveAt(contract: Contract, at: Date): boolean {
  const t = at.getTime();
  return contract.validFrom.getTime() <= t && (contract.validUntil === null || t < contract.validUntil.getTime());
}

export type CoverageResult = { ok: true; contract: Contract } | { ok: false; reason: CoverageReason };

/**
 * The early check, made before the caller is asked about the incident: is this customer covered by
 * 24x7 Integrations support at `at`?
 *
 * The first failing check gives the reason:
 * 1. `unknown_caller` — no customer was identified;
 * 2. `no_contract` — the customer has no contract at all;
 * 3. `contract_without_24x7` — none of their contracts (in force or not) includes 24x7 support;
 * 4. `contract_not_active` — they have a 24x7 contract, but none is in force at `at` (expired or
 *    not started yet). This wins over 3 when a non-24x7 contract is in force and a 24x7 one has
 *    lapsed, because "your 24x7 support is no longer active" is the more useful answer.
 *
 * When several 24x7 contracts are in force, the one that started last is used (ties: the later
 * end, open-ended last; then the greatest id), so the choice is deterministic.
 */
export function checkCustomerCoverage(customer: Customer | null, contracts: readonly Contract[], at: Date): CoverageResult {
  if (customer === null) return { ok: false, reason: 'unknown_caller' };
  if (contracts.length === 0) return { ok: false, reason: 'no_contract' };
  const with24x7 = contracts.filter((c) => c.integrations24x7);
  if (with24x7.length === 0) return { ok: false, reason: 'contract_without_24x7' };
  const active = with24x7.filter((c) => isContractActiveAt(c, at));
  const chosen = active.sort(byMostRecentStart)[0];
  if (chosen === undefined) return { ok: false, reason: 'contract_not_active' };
  return { ok: true, contract: chosen };
}

function byMostRecentStart(a: Contract, b: Contract): number {
  const start = b.validFrom.getTime() - a.validFrom.getTime();
  if (start !== 0) return start;
  const endA = a.validUntil?.getTime() ?? Number.POSITIVE_INFINITY;
  const endB = b.validUntil?.getTime() ?? Number.POSITIVE_INFINITY;
  if (endA !== endB) return endB > endA ? 1 : -1;
  return b.id - a.id;
}

/** Which integration the customer says is failing: one of theirs, or "not in the list". */
export type IntegrationChoice = { kind: 'listed'; integration: Integration } | { kind: 'not_listed' };

export interface EligibilityInput {
  customer: Customer | null;
  /** The customer's contracts (all of them: the check itself picks the one in force). */
  contracts: readonly Contract[];
  /** The moment of contact. */
  at: Date;
  severity: ReportedSeverity;
  integration: IntegrationChoice;
}

export type Eligibility =
  | { eligible: true; contract: Contract; severity: CoveredSeverity; integration: Integration }
  | { eligible: false; reason: OutOfScopeReason };

/**
 * Whether a contact is within the 24x7 Integrations support policy. Checks run in a fixed order
 * and the first that fails is the reason: caller → contract → active → severity → integration
 * (the first four are `checkCustomerCoverage`; then `severity_not_covered` for anything but
 * Blocker or High; then `integration_not_listed` / `integration_selfservice`). The order follows
 * the voice menu, so the reason given is the first thing the caller could be told.
 */
export function decideEligibility(input: EligibilityInput): Eligibility {
  const coverage = checkCustomerCoverage(input.customer, input.contracts, input.at);
  if (!coverage.ok) return { eligible: false, reason: coverage.reason };
  if (!isCoveredSeverity(input.severity)) return { eligible: false, reason: 'severity_not_covered' };
  const choice = input.integration;
  switch (choice.kind) {
    case 'not_listed':
      return { eligible: false, reason: 'integration_not_listed' };
    case 'listed':
      if (choice.integration.builtBy === 'selfservice') return { eligible: false, reason: 'integration_selfservice' };
      return { eligible: true, contract: coverage.contract, severity: input.severity, integration: choice.integration };
    default:
      return assertNever(choice);
  }
}

export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}
