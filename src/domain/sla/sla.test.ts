import { describe, expect, it } from 'vitest';
import { slaStatus, type SlaIncident, type SlaTargets } from './sla.js';

const T0 = new Date('2025-03-14T03:00:00.000Z'); // the customer's call reaches the webhook
const at = (minutes: number): Date => new Date(T0.getTime() + minutes * 60_000);
const MIN = 60_000;
const HOUR = 60 * MIN;

/** Acme Retail's Blocker targets: 15 min first response, 4 h resolution. */
const blocker: SlaTargets = { firstResponseMinutes: 15, resolutionMinutes: 240 };

/** An incident written with Dates, as a person reads them; the clocks read epoch milliseconds. */
interface DatedIncident {
  firstContactAt: Date;
  acknowledgedAt: Date | null;
  resolvedAt: Date | null;
  waitingOnCustomer: Array<{ start: Date; end: Date | null }>;
}

const incident = (overrides: Partial<DatedIncident> = {}): SlaIncident => {
  const i: DatedIncident = { firstContactAt: T0, acknowledgedAt: null, resolvedAt: null, waitingOnCustomer: [], ...overrides };
  return {
    firstContactAt: i.firstContactAt.getTime(),
    acknowledgedAt: i.acknowledgedAt?.getTime() ?? null,
    resolvedAt: i.resolvedAt?.getTime() ?? null,
    waitingOnCustomer: i.waitingOnCustomer.map((w) => ({ start: w.start.getTime(), end: w.end?.getTime() ?? null })),
  };
};

describe('first response', () => {
  it('an acknowledgement 10 minutes after the call meets a 15-minute target', () => {
    const { firstResponse } = slaStatus(incident({ acknowledgedAt: at(10) }), blocker, at(60));
    expect(firstResponse).toEqual({
      state: 'met',
      targetMs: 15 * MIN,
      elapsedMs: 10 * MIN,
      remainingMs: 5 * MIN,
      dueAt: at(15),
      endedAt: at(10),
    });
  });

  it('an acknowledgement exactly at 15 minutes still meets the target; a second later breaches it', () => {
    expect(slaStatus(incident({ acknowledgedAt: at(15) }), blocker, at(60)).firstResponse.state).toBe('met');
    const late = new Date(at(15).getTime() + 1000);
    expect(slaStatus(incident({ acknowledgedAt: late }), blocker, at(60)).firstResponse).toMatchObject({
      state: 'breached',
      remainingMs: -1000,
    });
  });

  it('while nobody has acknowledged, the clock runs and shows the time left and when it is due', () => {
    const { firstResponse } = slaStatus(incident(), blocker, at(6));
    expect(firstResponse).toEqual({
      state: 'running',
      targetMs: 15 * MIN,
      elapsedMs: 6 * MIN,
      remainingMs: 9 * MIN,
      dueAt: at(15),
      endedAt: null,
    });
  });

  it('is breached as soon as 15 minutes pass without an acknowledgement, before anyone acknowledges', () => {
    const { firstResponse } = slaStatus(incident(), blocker, at(20));
    expect(firstResponse).toMatchObject({ state: 'breached', remainingMs: -5 * MIN, dueAt: at(15), endedAt: null });
  });

  it('counts from the webhook arrival, not from when the incident row was written', () => {
    // The row is written later than first contact; only firstContactAt matters.
    expect(slaStatus(incident({ acknowledgedAt: at(14) }), blocker, at(14)).firstResponse.elapsedMs).toBe(14 * MIN);
  });

  it('is not paused by waiting on the customer', () => {
    const waiting = incident({ waitingOnCustomer: [{ start: at(2), end: at(12) }] });
    expect(slaStatus(waiting, blocker, at(20)).firstResponse).toMatchObject({ state: 'breached', elapsedMs: 20 * MIN });
  });

  it('an incident closed with evidence before anyone acknowledged responded when it was closed', () => {
    const closed = incident({ resolvedAt: at(12) });
    expect(slaStatus(closed, blocker, at(30)).firstResponse).toMatchObject({ state: 'met', endedAt: at(12), elapsedMs: 12 * MIN });
  });
});

describe('resolution', () => {
  it('resolved 3 hours after the call meets a 4-hour target', () => {
    const { resolution } = slaStatus(incident({ acknowledgedAt: at(5), resolvedAt: at(180) }), blocker, at(300));
    expect(resolution).toMatchObject({ state: 'met', elapsedMs: 3 * HOUR, remainingMs: 1 * HOUR, dueAt: at(240), endedAt: at(180) });
  });

  it('waiting on the customer for 1 h moves the resolution due time 1 h later', () => {
    const waited = incident({ acknowledgedAt: at(5), waitingOnCustomer: [{ start: at(30), end: at(90) }] });
    const { resolution } = slaStatus(waited, blocker, at(120));
    expect(resolution).toMatchObject({ state: 'running', elapsedMs: 1 * HOUR, remainingMs: 3 * HOUR, dueAt: at(300) });
  });

  it('resolved 4.5 hours after the call, of which 1 h waiting on the customer, meets the 4-hour target', () => {
    const waited = incident({ acknowledgedAt: at(5), resolvedAt: at(270), waitingOnCustomer: [{ start: at(30), end: at(90) }] });
    expect(slaStatus(waited, blocker, at(300)).resolution).toMatchObject({ state: 'met', elapsedMs: 210 * MIN });
  });

  it('while waiting on the customer, the clock is paused: time left stays still and the due time is unknown', () => {
    const waiting = incident({ acknowledgedAt: at(5), waitingOnCustomer: [{ start: at(60), end: null }] });
    const early = slaStatus(waiting, blocker, at(90)).resolution;
    const later = slaStatus(waiting, blocker, at(600)).resolution;
    expect(early).toMatchObject({ state: 'paused', elapsedMs: 1 * HOUR, remainingMs: 3 * HOUR, dueAt: null });
    expect(later).toEqual(early);
  });

  it('once the customer answers, the clock runs again from where it stopped', () => {
    const answered = incident({ acknowledgedAt: at(5), waitingOnCustomer: [{ start: at(60), end: at(180) }] });
    expect(slaStatus(answered, blocker, at(200)).resolution).toMatchObject({
      state: 'running',
      elapsedMs: 80 * MIN,
      dueAt: at(360),
    });
  });

  it('overlapping waiting periods (customer and their third party at once) are not counted out twice', () => {
    const overlapping = incident({
      waitingOnCustomer: [
        { start: at(30), end: at(90) },
        { start: at(60), end: at(120) },
        { start: at(100), end: at(110) },
      ],
    });
    expect(slaStatus(overlapping, blocker, at(150)).resolution.elapsedMs).toBe(60 * MIN);
  });

  it('several separate waits all push the due time later', () => {
    const twice = incident({
      waitingOnCustomer: [
        { start: at(200), end: at(230) },
        { start: at(20), end: at(50) },
      ],
    });
    expect(slaStatus(twice, blocker, at(240)).resolution).toMatchObject({ elapsedMs: 180 * MIN, dueAt: at(300) });
  });

  it('a wait that starts after the target was already missed does not undo the breach', () => {
    const tooLate = incident({ waitingOnCustomer: [{ start: at(250), end: null }] });
    expect(slaStatus(tooLate, blocker, at(300)).resolution).toMatchObject({
      state: 'breached',
      elapsedMs: 250 * MIN,
      remainingMs: -10 * MIN,
      dueAt: at(240),
    });
  });

  it('a wait left open when the incident is resolved counts only until the resolution', () => {
    const resolvedWhileWaiting = incident({ resolvedAt: at(100), waitingOnCustomer: [{ start: at(40), end: null }] });
    expect(slaStatus(resolvedWhileWaiting, blocker, at(500)).resolution).toMatchObject({ state: 'met', elapsedMs: 40 * MIN });
  });

  it('waiting recorded before the first contact does not count', () => {
    const before = incident({ waitingOnCustomer: [{ start: at(-60), end: at(10) }] });
    expect(slaStatus(before, blocker, at(30)).resolution.elapsedMs).toBe(20 * MIN);
  });

  it('is breached while still open once the counted time passes 4 hours', () => {
    const open = incident({ acknowledgedAt: at(5), waitingOnCustomer: [{ start: at(10), end: at(40) }] });
    expect(slaStatus(open, blocker, at(270)).resolution.state).toBe('running');
    expect(slaStatus(open, blocker, at(271)).resolution).toMatchObject({ state: 'breached', dueAt: at(270), remainingMs: -1 * MIN });
  });

  it('a resolution dated after now is not known yet: the clock is still running', () => {
    const future = incident({ resolvedAt: at(100) });
    expect(slaStatus(future, blocker, at(50)).resolution).toMatchObject({ state: 'running', elapsedMs: 50 * MIN, endedAt: null });
  });
});
