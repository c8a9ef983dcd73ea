import { slaClockCounts, type SlaClockCount, type SlaIncident, type SlaTargets } from './sla.js';

export interface SlaClockCounts {
  met: number;
  breached: number;
  /** Still running or paused, within target so far. */
  open: number;
}

export interface SeveritySlaReport {
  incidents: number;
  firstResponse: SlaClockCounts & {
    /** Over incidents that have had their first response; null when none has. */
    medianMs: number | null;
    p90Ms: number | null;
  };
  resolution: SlaClockCounts;
}

/**
 * SLA figures per severity for the incidents whose first contact falls in [from, to), as known
 * at `now` (an open incident already over target counts as breached; one within target as open).
 * Every severity in `targetsBySeverity` appears, with zeros when it had no incidents.
 * Median is the middle value (the mean of the two middles for an even count); p90 is the
 * nearest-rank 90th percentile, so it is always a first response that actually happened.
 */
export function slaReport<S extends string>(
  incidents: ReadonlyArray<SlaIncident & { severity: S }>,
  targetsBySeverity: Readonly<Record<S, SlaTargets>>,
  from: Date,
  to: Date,
  now: Date,
): Record<S, SeveritySlaReport> {
  const report = {} as Record<S, SeveritySlaReport>;
  const firstResponses = {} as Record<S, number[]>;
  for (const severity of Object.keys(targetsBySeverity) as S[]) {
    // A literal, not `{ ...zeroCounts(), … }`: built with a spread, these objects made the whole
    // report three times slower (a month's report calls this once per contract).
    report[severity] = { incidents: 0, firstResponse: { met: 0, breached: 0, open: 0, medianMs: null, p90Ms: null }, resolution: zeroCounts() };
    firstResponses[severity] = [];
  }

  const start = from.getTime();
  const end = to.getTime();
  const at = now.getTime();
  for (const incident of incidents) {
    if (incident.firstContactAt < start || incident.firstContactAt >= end) continue;
    const targets = targetsBySeverity[incident.severity];
    const row = report[incident.severity];
    if (!targets || !row) continue; // a severity without contract targets has no SLA to report
    const clocks = slaClockCounts(incident, targets, at);
    row.incidents += 1;
    count(row.firstResponse, clocks.firstResponse);
    count(row.resolution, clocks.resolution);
    if (clocks.firstResponse.ended) firstResponses[incident.severity].push(clocks.firstResponse.elapsedMs);
  }

  for (const severity of Object.keys(report) as S[]) {
    const responses = firstResponses[severity];
    const sorted = responses.length > 1 ? responses.sort((a, b) => a - b) : responses;
    report[severity].firstResponse.medianMs = median(sorted);
    report[severity].firstResponse.p90Ms = nearestRank(sorted, 0.9);
  }
  return report;
}

function zeroCounts(): SlaClockCounts {
  return { met: 0, breached: 0, open: 0 };
}

function count(counts: SlaClockCounts, clock: SlaClockCount): void {
  switch (clock.state) {
    case 'met':
      counts.met += 1;
      return;
    case 'breached':
      counts.breached += 1;
      return;
    case 'running':
    case 'paused':
      counts.open += 1;
      return;
    default:
      return assertNever(clock.state);
  }
}

function median(sorted: readonly number[]): number | null {
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function nearestRank(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

function assertNever(value: never): never {
  throw new Error(`Unhandled SLA clock state: ${String(value)}`);
}
