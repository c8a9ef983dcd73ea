import type { IncidentRow } from './paging.js';
import type { contracts } from '../db/schema.js';
import type { Executor } from '../db/client.js';
import { loadSlaReportContracts, type SlaReportContract } from '../db/incidents.js';
import { contractSlaOf } from '../db/intake.js';
import { slaReport, type SeveritySlaReport } from '../domain/sla/sla-report.js';
import { slaStatus, type SlaIncident, type SlaStatus, type SlaTargets, type WaitingInterval } from '../domain/sla/sla.js';

type ContractRow = typeof contracts.$inferSelect;
/** What the SLA clocks read of a contract: its targets. */
export type ContractTargets = Parameters<typeof contractSlaOf>[0];
/** What the SLA clocks read of an incident. */
export type SlaIncidentRow = Pick<IncidentRow, 'firstContactAt' | 'acknowledgedAt' | 'resolvedAt' | 'waitingSeconds' | 'waitingSince'>;

export function targetsOf(contract: ContractTargets, severity: 'blocker' | 'high'): SlaTargets {
  return contractSlaOf(contract)[severity];
}

/**
 * The SLA clocks' input from an incident row. Waiting already over is kept as a total (its
 * placement does not change the counted time); waiting still going on is an open interval.
 */
export function slaIncidentOf(incident: SlaIncidentRow): SlaIncident {
  return { firstContactAt: incident.firstContactAt, acknowledgedAt: incident.acknowledgedAt, resolvedAt: incident.resolvedAt, waitingOnCustomer: waitingOf(incident) };
}

function waitingOf(incident: SlaIncidentRow): WaitingInterval[] {
  const waiting: WaitingInterval[] = [];
  if (incident.waitingSeconds > 0) {
    waiting.push({ start: incident.firstContactAt, end: new Date(incident.firstContactAt.getTime() + incident.waitingSeconds * 1000) });
  }
  if (incident.waitingSince) waiting.push({ start: incident.waitingSince, end: null });
  return waiting;
}

export function incidentSla(incident: IncidentRow, contract: ContractRow, now: Date): SlaStatus {
  return slaStatus(slaIncidentOf(incident), targetsOf(contract, incident.severity), now);
}

/** One contract's lines of the SLA report. */
export interface ContractSlaReport extends Omit<SlaReportContract, 'incidents'> {
  bySeverity: Record<'blocker' | 'high', SeveritySlaReport>;
}

/**
 * The SLA report of the incidents first contacted in [from, to) (of one customer, if given), as
 * known at `now`: one entry per contract that has such incidents, in contract order, judged
 * against the contract's targets as they are now.
 */
export async function slaReportOf(db: Executor, range: { from: Date; to: Date; customerId?: number }, now: Date): Promise<ContractSlaReport[]> {
  const contracts = await loadSlaReportContracts(db, range);
  return contracts.map(({ contract, customer, incidents }) => ({
    contract,
    customer,
    bySeverity: slaReport(
      // Written out rather than `{ ...slaIncidentOf(incident), severity }`: a spread per incident was a tenth of the request.
      incidents.map((incident) => ({
        severity: incident.severity,
        firstContactAt: incident.firstContactAt,
        acknowledgedAt: incident.acknowledgedAt,
        resolvedAt: incident.resolvedAt,
        waitingOnCustomer: waitingOf(incident),
      })),
      contract.sla,
      range.from,
      range.to,
      now,
    ),
  }));
}
