import { describe, expect, it } from 'vitest';
import { slaReport } from './sla-report.js';
import type { SlaIncident, SlaTargets } from './sla.js';

const MARCH = new Date('2025-03-01T03:00:00.000Z');
const APRIL = new Date('2025-04-01T03:00:00.000Z');
/** Day `d` of March, `minutes` after 00:00 in Buenos Aires, in epoch milliseconds (what the SLA clocks read). */
const day = (d: number, minutes = 0): number => MARCH.getTime() + (d - 1) * 86_400_000 + minutes * 60_000;
const MIN = 60_000;

/** Acme Retail's contract: Blocker 15 min / 4 h, High 30 min / 8 h. */
const targets: Record<'blocker' | 'high', SlaTargets> = {
  blocker: { firstResponseMinutes: 15, resolutionMinutes: 240 },
  high: { firstResponseMinutes: 30, resolutionMinutes: 480 },
};

type Row = SlaIncident & { severity: 'blocker' | 'high' };

/** An incident on day `d`, acknowledged after `ackMin` minutes and resolved after `resolveMin` (null: still open). */
const row = (severity: Row['severity'], d: number, ackMin: number | null, resolveMin: number | null): Row => ({
  severity,
  firstContactAt: day(d),
  acknowledgedAt: ackMin === null ? null : day(d, ackMin),
  resolvedAt: resolveMin === null ? null : day(d, resolveMin),
  waitingOnCustomer: [],
});

describe('monthly SLA report', () => {
  it('counts met and breached first responses and resolutions per severity', () => {
    const incidents = [
      row('blocker', 2, 5, 60), // both met
      row('blocker', 3, 20, 300), // both breached
      row('blocker', 4, 14, 200), // both met
      row('high', 5, 31, 100), // first response breached, resolution met
    ];
    const report = slaReport(incidents, targets, MARCH, APRIL, APRIL);
    expect(report.blocker).toMatchObject({
      incidents: 3,
      firstResponse: { met: 2, breached: 1, open: 0 },
      resolution: { met: 2, breached: 1, open: 0 },
    });
    expect(report.high).toMatchObject({
      incidents: 1,
      firstResponse: { met: 0, breached: 1, open: 0 },
      resolution: { met: 1, breached: 0, open: 0 },
    });
  });

  it('gives the median and 90th percentile first response per severity', () => {
    const minutes = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const incidents = minutes.map((m, i) => row('blocker', i + 1, m, 60));
    const { blocker } = slaReport(incidents, targets, MARCH, APRIL, APRIL);
    expect(blocker.firstResponse.medianMs).toBe(5.5 * MIN);
    expect(blocker.firstResponse.p90Ms).toBe(9 * MIN);
  });

  it('with an odd count, the median is the middle first response', () => {
    const incidents = [row('high', 1, 30, 60), row('high', 2, 2, 60), row('high', 3, 10, 60)];
    const { high } = slaReport(incidents, targets, MARCH, APRIL, APRIL);
    expect(high.firstResponse.medianMs).toBe(10 * MIN);
    expect(high.firstResponse.p90Ms).toBe(30 * MIN);
  });

  it('shows a severity with no incidents as zeros and no median', () => {
    const report = slaReport([row('blocker', 2, 5, 60)], targets, MARCH, APRIL, APRIL);
    expect(report.high).toEqual({
      incidents: 0,
      firstResponse: { met: 0, breached: 0, open: 0, medianMs: null, p90Ms: null },
      resolution: { met: 0, breached: 0, open: 0 },
    });
  });

  it('only includes incidents whose first contact falls in the period', () => {
    const incidents = [
      { ...row('blocker', 1, 5, 60), firstContactAt: MARCH.getTime() - 1, acknowledgedAt: day(1, 5) },
      row('blocker', 1, 5, 60), // exactly at the start: included
      { ...row('blocker', 1, 5, 60), firstContactAt: APRIL.getTime(), acknowledgedAt: null, resolvedAt: null }, // at the end: excluded
    ];
    expect(slaReport(incidents, targets, MARCH, APRIL, APRIL).blocker.incidents).toBe(1);
  });

  it('an incident still open is counted as open while within target, and as breached once over it', () => {
    const now = new Date(day(10, 20));
    const incidents = [
      row('blocker', 10, null, null), // 20 min without acknowledgement: first response breached
      row('high', 10, 10, null), // acknowledged, resolution still within 8 h
    ];
    const report = slaReport(incidents, targets, MARCH, APRIL, now);
    expect(report.blocker.firstResponse).toMatchObject({ met: 0, breached: 1, open: 0, medianMs: null });
    expect(report.blocker.resolution).toMatchObject({ open: 1 });
    expect(report.high.firstResponse).toMatchObject({ met: 1, medianMs: 10 * MIN });
    expect(report.high.resolution).toMatchObject({ open: 1 });
  });

  it('waiting on the customer counts out of the reported resolution time', () => {
    const waited: Row = { ...row('blocker', 2, 5, 300), waitingOnCustomer: [{ start: day(2, 60), end: day(2, 120) }] };
    expect(slaReport([waited], targets, MARCH, APRIL, APRIL).blocker.resolution).toMatchObject({ met: 1, breached: 0 });
  });
});
