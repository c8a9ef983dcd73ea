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

/** The SLA clocks' input from an incident row (see `waitingOf`). */
export function slaIncidentOf(incident: SlaIncidentRow): SlaIncident {
  const firstContactAt = incident.firstContactAt.getTime();
  return {
    firstContactAt,
    acknowledgedAt: epochMs(incident.acknowledgedAt),
    resolvedAt: epochMs(incident.resolvedAt),
    waitingOnCustomer: waitingOf({ firstContactAt, waitingSeconds: incident.waitingSeconds, waitingSince: epochMs(incident.waitingSince) }),
  };
}

/**
 * The waiting on the customer an incident row records, as the SLA clocks read it. Waiting
 * already over is kept as a total (its placement does not change the counted time); waiting
 * still going on is an open interval.
 */
function waitingOf(incident: { firstContactAt: number; waitingSeconds: number; waitingSince: number | null }): WaitingInterval[] {
  const waiting: WaitingInterval[] = [];
  if (incident.waitingSeconds > 0) waiting.push({ start: incident.firstContactAt, end: incident.firstContactAt + incident.waitingSeconds * 1000 });
  if (incident.waitingSince !== null) waiting.push({ start: incident.waitingSince, end: null });
  return waiting;
}

const epochMs = (instant: Date | null): number | null => (instant === null ? null : instant.getTime());

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
      // Built field by field: an object spread per incident here once cost a tenth of the request.
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
