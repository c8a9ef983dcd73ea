export {
  OUT_OF_SCOPE_REASONS,
  isCoveredSeverity,
  type Contract,
  type CoverageReason,
  type CoveredSeverity,
  type Customer,
  type CustomerFile,
  type Integration,
  type OpenIncident,
  type OutOfScopeReason,
  type ReportedSeverity,
  type SlaTarget,
} from './contract.js';
export {
  assertNever,
  checkCustomerCoverage,
  decideEligibility,
  isContractActiveAt,
  type CoverageResult,
  type Eligibility,
  type EligibilityInput,
  type IntegrationChoice,
} from './eligibility.js';
export {
  VERIFIED_REPORTER,
  decideIntake,
  mayFollowIncident,
  type AppendToIncidentEffect,
  type IdentifiedBy,
  type IntakeChannel,
  type IntakeDecision,
  type LogOutOfScopeEffect,
  type NoteOnOpenIncidentEffect,
  type OpenIncidentEffect,
  type Reporter,
} from './intake.js';
export { INTEGRATION_MENU_SIZE, NOT_LISTED_DIGIT, integrationMenu } from './integration-menu.js';
