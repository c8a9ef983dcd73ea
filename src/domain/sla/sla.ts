/**
 * SLA clocks, as the support policy defines them. Both clocks start at the customer's first
 * contact (the webhook's arrival, not when the incident row was written) and count wall time,
 * 24x7 (no working hours):
 *
 * - **First response** ends when an engineer acknowledges. It is never paused: it ends at the
 *   acknowledgement, and waiting on the customer only starts once an engineer is engaged.
 *   An incident resolved or closed without an acknowledgement responded at that moment.
 * - **Resolution** ends when the incident is resolved or closed (with evidence). Time waiting on
 *   the customer, or on their third parties, does not count ("the customer must provide their
 *   cooperation … otherwise any delay will be taken into account").
 *
 * A clock is met when its counted time is at most the target, breached as soon as it is over.
 *
 * Instants given are epoch milliseconds: a month's report judges thousands of incidents, and a
 * Date per instant was most of what it kept in memory. Instants answered (`dueAt`, `endedAt`)
 * are Dates.
 */

export interface SlaTargets {
  firstResponseMinutes: number;
  resolutionMinutes: number;
}

/** A stretch of time waiting on the customer or their third parties (epoch ms); `end` null while still waiting. */
export interface WaitingInterval {
  start: number;
  end: number | null;
}

/** What the SLA clocks read of an incident; instants in epoch milliseconds. */
export interface SlaIncident {
  firstContactAt: number;
  acknowledgedAt: number | null;
  /** When it was resolved or closed with evidence. */
  resolvedAt: number | null;
  waitingOnCustomer: readonly WaitingInterval[];
}

/**
 * - `running`: open, within target, counting;
 * - `paused`: open, within target, not counting (waiting on the customer now);
 * - `met`: ended within target;
 * - `breached`: over target, whether ended or still open.
 */
export type SlaClockState = 'running' | 'paused' | 'met' | 'breached';

export interface SlaClockStatus {
  state: SlaClockState;
  targetMs: number;
  /** Counted time, up to the end of the clock or `now`. */
  elapsedMs: number;
  /** `targetMs - elapsedMs`; negative by how much the target was missed. */
  remainingMs: number;
  /**
   * The instant the counted time reaches the target, given the waiting known so far: in the
   * past for a breach, later by every pause before it. Null while paused (it depends on when
   * the customer answers).
   */
  dueAt: Date | null;
  endedAt: Date | null;
}

export interface SlaStatus {
  firstResponse: SlaClockStatus;
  resolution: SlaClockStatus;
}

/** A clock as a report counts it: `SlaClockStatus` without the instants. */
export interface SlaClockCount {
  state: SlaClockState;
  /** Counted time, up to the end of the clock or `now`. */
  elapsedMs: number;
  /** Whether the clock has ended (a first response given, an incident resolved) by `now`. */
  ended: boolean;
}

const MINUTE_MS = 60_000;
const NO_WAITING: readonly WaitingInterval[] = [];

/** Both SLA clocks of an incident at `now`. Pure; facts dated after `now` are taken as not yet known. */
export function slaStatus(incident: SlaIncident, targets: SlaTargets, now: Date): SlaStatus {
  const { firstResponse, resolution } = clocks(incident, targets, now.getTime());
  return { firstResponse: statusOf(firstResponse), resolution: statusOf(resolution) };
}

/**
 * Both SLA clocks of an incident at `now` (epoch ms) as a report counts them: `slaStatus` by the
 * same rules, without the due instants a report does not show.
 */
export function slaClockCounts(incident: SlaIncident, targets: SlaTargets, now: number): { firstResponse: SlaClockCount; resolution: SlaClockCount } {
  return clocks(incident, targets, now);
}

/** A clock run up to its end or `now`, with what `slaStatus` needs besides its count. */
interface Clock extends SlaClockCount {
  start: number;
  end: number | null;
  targetMs: number;
  pauses: readonly Pause[];
}

/** The two clocks as the policy defines them (see the top of this file). */
function clocks(incident: SlaIncident, targets: SlaTargets, now: number): { firstResponse: Clock; resolution: Clock } {
  const firstResponseEnd = earliest(incident.acknowledgedAt, incident.resolvedAt);
  return {
    firstResponse: runClock(incident.firstContactAt, known(firstResponseEnd, now), NO_WAITING, targets.firstResponseMinutes * MINUTE_MS, now),
    resolution: runClock(incident.firstContactAt, known(incident.resolvedAt, now), incident.waitingOnCustomer, targets.resolutionMinutes * MINUTE_MS, now),
  };
}

function runClock(start: number, end: number | null, waiting: readonly WaitingInterval[], targetMs: number, now: number): Clock {
  const to = Math.max(start, end ?? now);
  const pauses = countedOutPauses(waiting, start, to, now);
  let pausedMs = 0;
  for (const p of pauses) pausedMs += p.end - p.start;
  const elapsedMs = to - start - pausedMs;

  let state: SlaClockState;
  if (targetMs - elapsedMs < 0) state = 'breached';
  else if (end !== null) state = 'met';
  else state = waiting.some((w) => isWaitingAt(w, now)) ? 'paused' : 'running';
  return { state, elapsedMs, ended: end !== null, start, end, targetMs, pauses };
}

function statusOf(clock: Clock): SlaClockStatus {
  return {
    state: clock.state,
    targetMs: clock.targetMs,
    elapsedMs: clock.elapsedMs,
    remainingMs: clock.targetMs - clock.elapsedMs,
    dueAt: clock.state === 'paused' ? null : new Date(dueInstant(clock.start, clock.targetMs, clock.pauses)),
    endedAt: clock.end === null ? null : new Date(clock.end),
  };
}

interface Pause {
  start: number;
  end: number;
}

function isWaitingAt(w: WaitingInterval, at: number): boolean {
  return w.start <= at && (w.end === null || w.end > at);
}

const NO_PAUSES: readonly Pause[] = [];

/**
 * The waiting that does not count, clipped to the clock's span [from, to], overlaps merged,
 * sorted. An end after `now` is not known yet, so such an interval counts as still waiting.
 */
function countedOutPauses(waiting: readonly WaitingInterval[], from: number, to: number, now: number): readonly Pause[] {
  // Written as loops over fresh objects, without intermediate arrays: reports run this for
  // every incident of a month, and most clocks have no waiting or one stretch of it.
  if (waiting.length === 0) return NO_PAUSES;
  const clipped: Pause[] = [];
  for (const w of waiting) {
    const knownEnd = w.end !== null && w.end <= now ? w.end : to;
    const pause = { start: Math.max(from, w.start), end: Math.min(to, knownEnd) };
    if (pause.start < pause.end) clipped.push(pause);
  }
  if (clipped.length < 2) return clipped;
  clipped.sort((a, b) => a.start - b.start);

  const merged: Pause[] = [clipped[0]!];
  for (let i = 1; i < clipped.length; i++) {
    const pause = clipped[i]!;
    const last = merged[merged.length - 1]!;
    if (pause.start <= last.end) last.end = Math.max(last.end, pause.end);
    else merged.push(pause);
  }
  return merged;
}

/** Walks forward from `start`, skipping the pauses, until `targetMs` of counted time has passed. */
function dueInstant(start: number, targetMs: number, pauses: readonly Pause[]): number {
  let cursor = start;
  let budget = targetMs;
  for (const p of pauses) {
    if (p.start >= cursor + budget) break;
    budget -= p.start - cursor;
    cursor = p.end;
  }
  return cursor + budget;
}

function earliest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return a <= b ? a : b;
}

function known(instant: number | null, now: number): number | null {
  return instant !== null && instant <= now ? instant : null;
}
