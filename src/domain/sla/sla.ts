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
 */

export interface SlaTargets {
  firstResponseMinutes: number;
  resolutionMinutes: number;
}

/** A stretch of time waiting on the customer or their third parties; `end` null while still waiting. */
export interface WaitingInterval {
  start: Date;
  end: Date | null;
}

export interface SlaIncident {
  firstContactAt: Date;
  acknowledgedAt: Date | null;
  /** When it was resolved or closed with evidence. */
  resolvedAt: Date | null;
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

const MINUTE_MS = 60_000;

/** Both SLA clocks of an incident at `now`. Pure; facts dated after `now` are taken as not yet known. */
export function slaStatus(incident: SlaIncident, targets: SlaTargets, now: Date): SlaStatus {
  const firstResponseEnd = earliest(incident.acknowledgedAt, incident.resolvedAt);
  return {
    firstResponse: clockStatus(incident.firstContactAt, known(firstResponseEnd, now), [], targets.firstResponseMinutes, now),
    resolution: clockStatus(
      incident.firstContactAt,
      known(incident.resolvedAt, now),
      incident.waitingOnCustomer,
      targets.resolutionMinutes,
      now,
    ),
  };
}

function clockStatus(
  start: Date,
  end: Date | null,
  waiting: readonly WaitingInterval[],
  targetMinutes: number,
  now: Date,
): SlaClockStatus {
  const targetMs = targetMinutes * MINUTE_MS;
  const from = start.getTime();
  const to = Math.max(from, (end ?? now).getTime());
  const pauses = countedOutPauses(waiting, from, to, now.getTime());
  const pausedMs = pauses.reduce((sum, p) => sum + (p.end - p.start), 0);
  const elapsedMs = to - from - pausedMs;
  const remainingMs = targetMs - elapsedMs;
  const pausedNow = end === null && waiting.some((w) => isWaitingAt(w, now.getTime()));

  let state: SlaClockState;
  if (remainingMs < 0) state = 'breached';
  else if (end !== null) state = 'met';
  else state = pausedNow ? 'paused' : 'running';

  return {
    state,
    targetMs,
    elapsedMs,
    remainingMs,
    dueAt: state === 'paused' ? null : dueInstant(from, targetMs, pauses),
    endedAt: end,
  };
}

interface Pause {
  start: number;
  end: number;
}

function isWaitingAt(w: WaitingInterval, at: number): boolean {
  return w.start.getTime() <= at && (w.end === null || w.end.getTime() > at);
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
    const knownEnd = w.end !== null && w.end.getTime() <= now ? w.end.getTime() : to;
    const pause = { start: Math.max(from, w.start.getTime()), end: Math.min(to, knownEnd) };
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
function dueInstant(start: number, targetMs: number, pauses: readonly Pause[]): Date {
  let cursor = start;
  let budget = targetMs;
  for (const p of pauses) {
    if (p.start >= cursor + budget) break;
    budget -= p.start - cursor;
    cursor = p.end;
  }
  return new Date(cursor + budget);
}

function earliest(a: Date | null, b: Date | null): Date | null {
  if (a === null) return b;
  if (b === null) return a;
  return a.getTime() <= b.getTime() ? a : b;
}

function known(instant: Date | null, now: Date): Date | null {
  return instant !== null && instant.getTime() <= now.getTime() ? instant : null;
}
