import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decide,
  notStartedEscalation,
  type EscalationEffect,
  type EscalationPolicy,
  type EscalationTarget,
  type ResolveTargets,
} from './escalation.js';

const T0 = new Date('2025-03-14T03:00:00.000Z').getTime();

/** Rotations r0..r2 with fixed members (r2 is empty: nobody on call); engineers e0..e3. */
const rotations: Record<string, readonly string[]> = { r0: ['e0'], r1: ['e1', 'e2'], r2: [] };
const resolveTargets: ResolveTargets = (t) => (t.kind === 'engineer' ? [t.engineerId] : (rotations[t.rotationId] ?? []));

const target: fc.Arbitrary<EscalationTarget> = fc.oneof(
  fc.constantFrom('r0', 'r1', 'r2').map((rotationId) => ({ kind: 'rotation' as const, rotationId })),
  fc.constantFrom('e0', 'e1', 'e2', 'e3').map((engineerId) => ({ kind: 'engineer' as const, engineerId })),
);

const policy: fc.Arbitrary<EscalationPolicy> = fc.record({
  id: fc.constant('p'),
  levels: fc.array(
    fc.record({
      ackTimeoutSeconds: fc.integer({ min: 60, max: 900 }),
      targets: fc.array(target, { minLength: 1, maxLength: 3 }),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  repeat: fc.integer({ min: 0, max: 3 }),
});

/**
 * How the worker delivers the wake-ups: for the n-th scheduled step (cycling), a list of
 * delivery offsets from its due time in ms (negative: early; positive: late, up to 20 minutes,
 * so past later steps too; several: duplicated).
 */
const deliveryPlans = fc.array(fc.array(fc.integer({ min: -120_000, max: 1_200_000 }), { minLength: 1, maxLength: 4 }), {
  minLength: 1,
  maxLength: 8,
});

interface Run {
  /** "engineer@level/round", in the order sent. */
  pages: string[];
  adminPages: number;
  /** For every step taken: when it was due and when it happened. */
  steps: Array<{ dueAt: number; at: number }>;
}

/** Runs an incident to the end, delivering each scheduled wake-up as `plan` says. */
function run(p: EscalationPolicy, plan: number[][]): Run {
  const result: Run = { pages: [], adminPages: 0, steps: [] };
  const queue: number[] = [];
  let scheduled = 0;

  const apply = (effects: EscalationEffect[]): void => {
    for (const e of effects) {
      if (e.type === 'page') result.pages.push(`${e.engineerId}@${e.level}/${e.round}`);
      if (e.type === 'page_admins') result.adminPages += 1;
      if (e.type === 'schedule') {
        const offsets = plan[scheduled % plan.length]!;
        scheduled += 1;
        // The reconciler guarantees a wake-up at or after the due time even if every job came early.
        const withOnTime = offsets.some((o) => o >= 0) ? offsets : [...offsets, 0];
        for (const o of withOnTime) queue.push(e.at.getTime() + o);
      }
    }
  };

  let decision = decide(notStartedEscalation(), { type: 'start' }, p, resolveTargets, new Date(T0));
  apply(decision.effects);
  while (queue.length > 0) {
    queue.sort((a, b) => a - b);
    const when = queue.shift()!;
    const before = decision.state;
    decision = decide(before, { type: 'step_due' }, p, resolveTargets, new Date(when));
    if (decision.ignored === null) result.steps.push({ dueAt: before.nextStepAt!.getTime(), at: when });
    apply(decision.effects);
  }
  return result;
}

describe('escalation under a messy worker (property)', () => {
  it('for any duplicated, early or late wake-ups, the pages sent are exactly those of a clean run', () => {
    fc.assert(
      fc.property(policy, deliveryPlans, (p, plan) => {
        const clean = run(p, [[0]]);
        const messy = run(p, plan);
        expect(messy.pages).toEqual(clean.pages);
        expect(messy.adminPages).toBe(1);
        expect(clean.adminPages).toBe(1);
      }),
      { numRuns: 500 },
    );
  });

  it('no level is paged before the previous level had its full time to acknowledge', () => {
    fc.assert(
      fc.property(policy, deliveryPlans, (p, plan) => {
        for (const step of run(p, plan).steps) expect(step.at).toBeGreaterThanOrEqual(step.dueAt);
      }),
      { numRuns: 500 },
    );
  });
});
