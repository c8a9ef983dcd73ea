import type { IncidentRow } from './paging.js';
import type { contracts } from '../db/schema.js';
import { contractOf } from '../db/intake.js';
import { slaStatus, type SlaIncident, type SlaStatus, type SlaTargets } from '../domain/sla/sla.js';

type ContractRow = typeof contracts.$inferSelect;
/** What the SLA clocks read of a contract: its targets. */
export type ContractTargets = Parameters<typeof contractOf>[0];
/** What the SLA clocks read of an incident. */
export type SlaIncidentRow = Pick<IncidentRow, 'firstContactAt' | 'acknowledgedAt' | 'resolvedAt' | 'waitingSeconds' | 'waitingSince'>;

export function targetsOf(contract: ContractTargets, severity: 'blocker' | 'high'): SlaTargets {
  return contractOf(contract).sla[severity];
}

/**
 * The SLA clocks' input from an incident row. Waiting already over is kept as a total (its
 * placement does not change the counted time); waiting still going on is an open interval.
 */
export function slaIncidentOf(incident: SlaIncidentRow): SlaIncident {
  const waiting = [];
  if (incident.waitingSeconds > 0) {
    waiting.push({ start: incident.firstContactAt, end: new Date(incident.firstContactAt.getTime() + incident.waitingSeconds * 1000) });
  }
  if (incident.waitingSince) waiting.push({ start: incident.waitingSince, end: null });
  return { firstContactAt: incident.firstContactAt, acknowledgedAt: incident.acknowledgedAt, resolvedAt: incident.resolvedAt, waitingOnCustomer: waiting };
}

export function incidentSla(incident: IncidentRow, contract: ContractRow, now: Date): SlaStatus {
  return slaStatus(slaIncidentOf(incident), targetsOf(contract, incident.severity), now);
}
