/**
 * Escalation stepping: who gets paged, when the next level is due, and when to give up and
 * alert the admins. One pure `decide` over the escalation state stored on the incident row;
 * the caller writes the new state in the incident's transaction and runs the effects after
 * commit. Redis jobs are only wake-ups: every command is re-checked against the stored state,
 * so a job run twice, late, or for a step that already happened changes nothing.
 *
 * Numbering is 0-based: `level` 0 is the policy's first level ("level 1" to a person) and
 * `round` 0 is the first pass through the levels.
 */

export type EscalationTarget = { kind: 'rotation'; rotationId: string } | { kind: 'engineer'; engineerId: string };

export interface EscalationLevel {
  /** How long the pages of this level wait for an acknowledgement before the next level is paged. */
  ackTimeoutSeconds: number;
  targets: readonly EscalationTarget[];
}

export interface EscalationPolicy {
  id: string;
  levels: readonly EscalationLevel[];
  /**
   * How many times the whole list of levels is paged again after the first pass:
   * "repeat twice" is `repeat: 2`, three passes in all, and only then are the admins alerted.
   */
  repeat: number;
}

/**
 * What the incident row stores about its escalation (plain data, no classes).
 * Invariants: not started ⇔ `nextStepAt`, `exhaustedAt` and `stoppedAt` are all null;
 * running ⇔ `nextStepAt` is set (and the other two are null); once `exhaustedAt` or
 * `stoppedAt` is set, `nextStepAt` stays null and no more levels are paged.
 */
export interface EscalationState {
  /** The level whose pages are currently waiting for an acknowledgement (the last one paged). */
  level: number;
  round: number;
  nextStepAt: Date | null;
  exhaustedAt: Date | null;
  stoppedAt: Date | null;
}

/** Engineer ids a target reaches at an instant (a rotation's on-call then; an engineer themself). */
export type ResolveTargets = (target: EscalationTarget, at: Date) => readonly string[];

export interface StepRef {
  level: number;
  round: number;
}

export type EscalationCommand =
  /** The incident was created: page the first level now. */
  | { type: 'start' }
  /**
   * A wake-up (a delayed job or the reconciler). It carries nothing on purpose: the step happens
   * only if the stored `nextStepAt` has been reached, so a duplicated, early or stale job finds
   * nothing due, and any wake-up at or after the due time does the step.
   */
  | { type: 'step_due' }
  /**
   * Someone asked to escalate now (pressed 2 on a page, or the API). `atStep` is the step the
   * request was made from (a page's level and round) so that two engineers pressing 2 on the
   * same page escalate once; null escalates from wherever the incident is.
   */
  | { type: 'escalate_now'; requestedBy: string | null; atStep: StepRef | null }
  /** An engineer acknowledged. `pagedEngineerIds`: everyone paged so far (from the page records). */
  | { type: 'acknowledge'; engineerId: string; pagedEngineerIds: readonly string[] }
  | { type: 'resolve' }
  | { type: 'close' };

export type EscalationTimelineEntry =
  | { type: 'timeline'; kind: 'escalation_started'; policyId: string }
  | {
      type: 'timeline';
      kind: 'escalated';
      fromLevel: number;
      fromRound: number;
      reason: 'ack_timeout' | 'escalate_now';
      requestedBy: string | null;
    }
  | { type: 'timeline'; kind: 'level_skipped'; reason: 'no_one_on_call'; level: number; round: number }
  | { type: 'timeline'; kind: 'escalation_exhausted'; reason: ExhaustedReason; rounds: number }
  | { type: 'timeline'; kind: 'escalation_stopped'; reason: 'acknowledged' | 'resolved' | 'closed'; by: string | null };

/**
 * `no_ack`: every level of every round was paged (or skipped) and nobody acknowledged.
 * `no_one_on_call`: a whole pass of levels resolved to nobody, so further passes would too.
 */
export type ExhaustedReason = 'no_ack' | 'no_one_on_call';

export type EscalationEffect =
  /** Send this engineer an SMS and a voice call for the incident. */
  | { type: 'page'; engineerId: string; level: number; round: number }
  /** Enqueue a `step_due` wake-up for `at` after commit (a deterministic job id derived from the incident and `at`). */
  | { type: 'schedule'; at: Date }
  | { type: 'page_admins'; reason: ExhaustedReason }
  /** Tell an engineer who was paged that someone else took the incident. */
  | { type: 'notify_ack'; engineerId: string; acknowledgedBy: string }
  /** Tell the customer who is on it. */
  | { type: 'notify_customer_ack'; acknowledgedBy: string }
  | EscalationTimelineEntry;

/** Why a command changed nothing. The edges may tell the person (e.g. "already acknowledged"). */
export type EscalationIgnoredReason =
  | 'not_started'
  | 'already_started'
  | 'not_due'
  | 'stale_step'
  | 'stopped'
  | 'exhausted';

export interface EscalationDecision {
  state: EscalationState;
  effects: EscalationEffect[];
  /** null when the command was applied; otherwise the state is returned unchanged and there are no effects. */
  ignored: EscalationIgnoredReason | null;
}

/** The state of an incident whose escalation has not started yet. */
export function notStartedEscalation(): EscalationState {
  return { level: 0, round: 0, nextStepAt: null, exhaustedAt: null, stoppedAt: null };
}

export type EscalationPolicyCheck =
  | { ok: true }
  | { ok: false; reason: 'no_levels' | 'bad_repeat' }
  | { ok: false; reason: 'level_without_targets' | 'bad_ack_timeout'; level: number };

/** A policy `decide` can run: at least one level, each with a target and a positive timeout; repeat a whole number ≥ 0. */
export function checkEscalationPolicy(policy: EscalationPolicy): EscalationPolicyCheck {
  if (policy.levels.length === 0) return { ok: false, reason: 'no_levels' };
  if (!Number.isInteger(policy.repeat) || policy.repeat < 0) return { ok: false, reason: 'bad_repeat' };
  for (const [level, l] of policy.levels.entries()) {
    if (l.targets.length === 0) return { ok: false, reason: 'level_without_targets', level };
    if (!Number.isFinite(l.ackTimeoutSeconds) || l.ackTimeoutSeconds <= 0) {
      return { ok: false, reason: 'bad_ack_timeout', level };
    }
  }
  return { ok: true };
}

/**
 * Decides what a command does to an incident's escalation at `now`.
 *
 * Guarantees:
 * - Pure: the same inputs give the same decision; nothing is read but the arguments.
 * - A `step_due` pages the next level only if the escalation is running and `now` has reached
 *   `nextStepAt`; a step moves `nextStepAt` on, so duplicated, early or stale wake-ups page
 *   nobody twice. The next timeout counts from the step's actual `now`, so a late step still
 *   gives the next level its full time to acknowledge.
 * - A level whose targets resolve to nobody at `now` is skipped at once, with a `level_skipped`
 *   timeline entry; a whole pass of nobody exhausts the escalation instead of looping.
 * - After the last level of the last round times out, the admins are paged once and the
 *   escalation ends (`exhaustedAt`). An acknowledgement, resolution or close ends it too
 *   (`stoppedAt`); an acknowledgement after exhaustion is still recorded and announced.
 * - An ignored command returns the state unchanged, no effects, and the reason.
 */
export function decide(
  state: EscalationState,
  command: EscalationCommand,
  policy: EscalationPolicy,
  resolveTargets: ResolveTargets,
  now: Date,
): EscalationDecision {
  const ignore = (reason: EscalationIgnoredReason): EscalationDecision => ({ state, effects: [], ignored: reason });

  switch (command.type) {
    case 'start': {
      if (state.stoppedAt) return ignore('stopped');
      if (state.exhaustedAt || state.nextStepAt) return ignore('already_started');
      const effects: EscalationEffect[] = [{ type: 'timeline', kind: 'escalation_started', policyId: policy.id }];
      const next = pageFirstReachable({ level: 0, round: 0 }, { level: 0, round: 0 }, policy, resolveTargets, now, effects);
      return { state: next, effects, ignored: null };
    }

    case 'step_due': {
      const notDue = whyNoStepDue(state, now);
      if (notDue) return ignore(notDue);
      return escalateFromCurrent(state, 'ack_timeout', null, policy, resolveTargets, now);
    }

    case 'escalate_now': {
      const blocked = whyNotRunning(state);
      if (blocked) return ignore(blocked);
      if (command.atStep && (command.atStep.level !== state.level || command.atStep.round !== state.round)) {
        return ignore('stale_step');
      }
      return escalateFromCurrent(state, 'escalate_now', command.requestedBy, policy, resolveTargets, now);
    }

    case 'acknowledge': {
      if (state.stoppedAt) return ignore('stopped');
      const effects: EscalationEffect[] = [
        { type: 'timeline', kind: 'escalation_stopped', reason: 'acknowledged', by: command.engineerId },
      ];
      for (const engineerId of new Set(command.pagedEngineerIds)) {
        if (engineerId !== command.engineerId) {
          effects.push({ type: 'notify_ack', engineerId, acknowledgedBy: command.engineerId });
        }
      }
      effects.push({ type: 'notify_customer_ack', acknowledgedBy: command.engineerId });
      return { state: { ...state, nextStepAt: null, stoppedAt: now }, effects, ignored: null };
    }

    case 'resolve':
    case 'close': {
      // After an acknowledgement the escalation is already stopped: nothing more to do here,
      // the incident itself is resolved or closed by the caller either way.
      if (state.stoppedAt) return ignore('stopped');
      const reason = command.type === 'resolve' ? 'resolved' : 'closed';
      return {
        state: { ...state, nextStepAt: null, stoppedAt: now },
        effects: [{ type: 'timeline', kind: 'escalation_stopped', reason, by: null }],
        ignored: null,
      };
    }

    default:
      return assertNever(command);
  }
}

/**
 * Why a `step_due` at `now` would change nothing, from the state alone (the policy is not needed
 * to say so); null when a step is due. `decide` answers a `step_due` by this rule.
 */
export function whyNoStepDue(state: EscalationState, now: Date): EscalationIgnoredReason | null {
  const blocked = whyNotRunning(state);
  if (blocked) return blocked;
  return now.getTime() < state.nextStepAt!.getTime() ? 'not_due' : null;
}

function whyNotRunning(state: EscalationState): EscalationIgnoredReason | null {
  if (state.stoppedAt) return 'stopped';
  if (state.exhaustedAt) return 'exhausted';
  if (!state.nextStepAt) return 'not_started';
  return null;
}

function escalateFromCurrent(
  state: EscalationState,
  reason: 'ack_timeout' | 'escalate_now',
  requestedBy: string | null,
  policy: EscalationPolicy,
  resolveTargets: ResolveTargets,
  now: Date,
): EscalationDecision {
  const current = { level: state.level, round: state.round };
  const effects: EscalationEffect[] = [
    { type: 'timeline', kind: 'escalated', fromLevel: current.level, fromRound: current.round, reason, requestedBy },
  ];
  const next = pageFirstReachable(stepAfter(current, policy), current, policy, resolveTargets, now, effects);
  return { state: next, effects, ignored: null };
}

function stepAfter(step: StepRef, policy: EscalationPolicy): StepRef {
  // `>=` rather than `===`: a policy edited to fewer levels mid-incident moves on to the next round.
  return step.level + 1 >= policy.levels.length
    ? { level: 0, round: step.round + 1 }
    : { level: step.level + 1, round: step.round };
}

/**
 * Pages the first step from `from` on whose targets resolve to someone at `now`, skipping
 * (and recording) the empty ones. `lastPaged` is kept as the state's position when the
 * escalation runs out instead.
 */
function pageFirstReachable(
  from: StepRef,
  lastPaged: StepRef,
  policy: EscalationPolicy,
  resolveTargets: ResolveTargets,
  now: Date,
  effects: EscalationEffect[],
): EscalationState {
  let step = from;
  let skippedInARow = 0;
  // resolveTargets is pure in (target, now): once a whole pass is empty at this instant,
  // every later pass would be too, so stop there rather than skip through all rounds.
  while (step.round <= policy.repeat && skippedInARow < policy.levels.length) {
    const level = policy.levels[step.level]!;
    const engineerIds = engineersOf(level, resolveTargets, now);
    if (engineerIds.length > 0) {
      for (const engineerId of engineerIds) effects.push({ type: 'page', engineerId, ...step });
      const nextStepAt = new Date(now.getTime() + level.ackTimeoutSeconds * 1000);
      effects.push({ type: 'schedule', at: nextStepAt });
      return { ...step, nextStepAt, exhaustedAt: null, stoppedAt: null };
    }
    effects.push({ type: 'timeline', kind: 'level_skipped', reason: 'no_one_on_call', ...step });
    skippedInARow += 1;
    step = stepAfter(step, policy);
  }

  const reason: ExhaustedReason = skippedInARow >= policy.levels.length ? 'no_one_on_call' : 'no_ack';
  effects.push(
    { type: 'timeline', kind: 'escalation_exhausted', reason, rounds: policy.repeat + 1 },
    { type: 'page_admins', reason },
  );
  return { ...lastPaged, nextStepAt: null, exhaustedAt: now, stoppedAt: null };
}

/** The engineers a level reaches at `at`, each once, in the order of the level's targets. */
function engineersOf(level: EscalationLevel, resolveTargets: ResolveTargets, at: Date): string[] {
  const ids = new Set<string>();
  for (const target of level.targets) {
    for (const id of resolveTargets(target, at)) ids.add(id);
  }
  return [...ids];
}

function assertNever(value: never): never {
  throw new Error(`Unhandled escalation command: ${JSON.stringify(value)}`);
}
