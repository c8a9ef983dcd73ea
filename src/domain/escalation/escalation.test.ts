import { describe, expect, it } from 'vitest';
import {
  checkEscalationPolicy,
  decide,
  notStartedEscalation,
  whyNoStepDue,
  type EscalationCommand,
  type EscalationDecision,
  type EscalationEffect,
  type EscalationPolicy,
  type EscalationState,
  type ResolveTargets,
} from './escalation.js';

const T0 = new Date('2025-03-14T03:00:00.000Z'); // a Friday, midnight in Buenos Aires
const at = (minutes: number): Date => new Date(T0.getTime() + minutes * 60_000);

/** DESIGN's demo: "level 1: the rotation's on-call, 5 min; level 2: Lead Three, 5 min; repeat twice, then admins". */
const demoPolicy: EscalationPolicy = {
  id: 'integrations-24x7',
  levels: [
    { ackTimeoutSeconds: 300, targets: [{ kind: 'rotation', rotationId: 'integrations-primary' }] },
    { ackTimeoutSeconds: 300, targets: [{ kind: 'engineer', engineerId: 'lead-three' }] },
  ],
  repeat: 2,
};

const engOneOnCall: ResolveTargets = (target) =>
  target.kind === 'engineer' ? [target.engineerId] : target.rotationId === 'integrations-primary' ? ['eng-one'] : [];

/** Plays commands against one incident, the way the app would: keep the state, collect the effects. */
class Incident {
  state: EscalationState = notStartedEscalation();
  readonly effects: EscalationEffect[] = [];

  constructor(
    private readonly policy: EscalationPolicy = demoPolicy,
    private readonly resolveTargets: ResolveTargets = engOneOnCall,
  ) {}

  send(command: EscalationCommand, now: Date): EscalationDecision {
    const decision = decide(this.state, command, this.policy, this.resolveTargets, now);
    this.state = decision.state;
    this.effects.push(...decision.effects);
    return decision;
  }

  /** The worker waking up at `now` (a delayed job or the reconciler). */
  wake(now: Date): EscalationDecision {
    return this.send({ type: 'step_due' }, now);
  }

  pages(): Array<[string, number, number]> {
    return this.effects.flatMap((e) => (e.type === 'page' ? [[e.engineerId, e.level, e.round] as [string, number, number]] : []));
  }

  of<T extends EscalationEffect['type']>(type: T): Array<Extract<EscalationEffect, { type: T }>> {
    return this.effects.filter((e): e is Extract<EscalationEffect, { type: T }> => e.type === type);
  }
}

describe('escalation through the demo policy', () => {
  it('pages the on-call, then Lead Three, five minutes apart, three passes, then alerts the admins at 30 minutes', () => {
    const incident = new Incident();
    const start = incident.send({ type: 'start' }, at(0));
    expect(start.effects).toEqual([
      { type: 'timeline', kind: 'escalation_started', policyId: 'integrations-24x7' },
      { type: 'page', engineerId: 'eng-one', level: 0, round: 0 },
      { type: 'schedule', at: at(5) },
    ]);

    const expected: Array<{ minute: number; page: [string, number, number] }> = [
      { minute: 5, page: ['lead-three', 1, 0] },
      { minute: 10, page: ['eng-one', 0, 1] },
      { minute: 15, page: ['lead-three', 1, 1] },
      { minute: 20, page: ['eng-one', 0, 2] },
      { minute: 25, page: ['lead-three', 1, 2] },
    ];
    for (const { minute, page } of expected) {
      const step = incident.wake(at(minute));
      const [engineerId, level, round] = page;
      expect(step.ignored).toBeNull();
      expect(step.effects).toContainEqual({ type: 'page', engineerId, level, round });
      expect(step.effects).toContainEqual({ type: 'schedule', at: at(minute + 5) });
      expect(incident.state).toEqual({ level, round, nextStepAt: at(minute + 5), exhaustedAt: null, stoppedAt: null });
    }

    const last = incident.wake(at(30));
    expect(last.effects).toEqual([
      { type: 'timeline', kind: 'escalated', fromLevel: 1, fromRound: 2, reason: 'ack_timeout', requestedBy: null },
      { type: 'timeline', kind: 'escalation_exhausted', reason: 'no_ack', rounds: 3 },
      { type: 'page_admins', reason: 'no_ack' },
    ]);
    expect(incident.state).toEqual({ level: 1, round: 2, nextStepAt: null, exhaustedAt: at(30), stoppedAt: null });
    expect(incident.pages()).toEqual([['eng-one', 0, 0], ...expected.map((e) => e.page)]);
  });

  it('pages nobody else once the admins have been alerted', () => {
    const incident = new Incident();
    incident.send({ type: 'start' }, at(0));
    for (let minute = 5; minute <= 30; minute += 5) incident.wake(at(minute));
    const after = incident.send({ type: 'step_due' }, at(35));
    expect(after).toMatchObject({ ignored: 'exhausted', effects: [] });
    expect(incident.send({ type: 'escalate_now', requestedBy: 'eng-one', atStep: null }, at(36)).ignored).toBe('exhausted');
    expect(incident.of('page_admins')).toHaveLength(1);
  });

  it('with repeat 0 alerts the admins after a single pass', () => {
    const incident = new Incident({ ...demoPolicy, repeat: 0 });
    incident.send({ type: 'start' }, at(0));
    incident.wake(at(5));
    incident.wake(at(10));
    expect(incident.pages()).toEqual([
      ['eng-one', 0, 0],
      ['lead-three', 1, 0],
    ]);
    expect(incident.state.exhaustedAt).toEqual(at(10));
  });

  it('starting twice (a replayed webhook) pages once', () => {
    const incident = new Incident();
    incident.send({ type: 'start' }, at(0));
    expect(incident.send({ type: 'start' }, at(0)).ignored).toBe('already_started');
    expect(incident.pages()).toEqual([['eng-one', 0, 0]]);
  });
});

describe('acknowledging', () => {
  it('stops the escalation: the next wake-up pages nobody', () => {
    const incident = new Incident();
    incident.send({ type: 'start' }, at(0));
    incident.wake(at(5));
    const ack = incident.send({ type: 'acknowledge', engineerId: 'lead-three', pagedEngineerIds: ['eng-one', 'lead-three'] }, at(7));
    expect(ack.state).toEqual({ level: 1, round: 0, nextStepAt: null, exhaustedAt: null, stoppedAt: at(7) });
    expect(incident.send({ type: 'step_due' }, at(10))).toMatchObject({ ignored: 'stopped', effects: [] });
    expect(incident.pages()).toEqual([
      ['eng-one', 0, 0],
      ['lead-three', 1, 0],
    ]);
    expect(incident.of('page_admins')).toEqual([]);
  });

  it('tells the other paged engineers who took it, and the customer, once each', () => {
    const incident = new Incident();
    incident.send({ type: 'start' }, at(0));
    const ack = incident.send(
      { type: 'acknowledge', engineerId: 'eng-one', pagedEngineerIds: ['eng-one', 'lead-three', 'lead-three'] },
      at(2),
    );
    expect(ack.effects).toEqual([
      { type: 'timeline', kind: 'escalation_stopped', reason: 'acknowledged', by: 'eng-one' },
      { type: 'notify_ack', engineerId: 'lead-three', acknowledgedBy: 'eng-one' },
      { type: 'notify_customer_ack', acknowledgedBy: 'eng-one' },
    ]);
  });

  it('a second acknowledgement is refused as already stopped and tells nobody again', () => {
    const incident = new Incident();
    incident.send({ type: 'start' }, at(0));
    incident.send({ type: 'acknowledge', engineerId: 'eng-one', pagedEngineerIds: ['eng-one'] }, at(1));
    const again = incident.send({ type: 'acknowledge', engineerId: 'lead-three', pagedEngineerIds: ['eng-one'] }, at(2));
    expect(again).toMatchObject({ ignored: 'stopped', effects: [] });
    expect(incident.of('notify_customer_ack')).toHaveLength(1);
  });

  it('an engineer acknowledging after the admins were alerted is still announced to the customer', () => {
    const incident = new Incident({ ...demoPolicy, repeat: 0 });
    incident.send({ type: 'start' }, at(0));
    incident.wake(at(5));
    incident.wake(at(10));
    const late = incident.send({ type: 'acknowledge', engineerId: 'eng-one', pagedEngineerIds: ['eng-one', 'lead-three'] }, at(12));
    expect(late.ignored).toBeNull();
    expect(late.effects).toContainEqual({ type: 'notify_customer_ack', acknowledgedBy: 'eng-one' });
    expect(incident.state).toMatchObject({ exhaustedAt: at(10), stoppedAt: at(12) });
  });
});

describe('resolving or closing', () => {
  it('resolving before anyone acknowledged stops the paging', () => {
    const incident = new Incident();
    incident.send({ type: 'start' }, at(0));
    const resolved = incident.send({ type: 'resolve' }, at(3));
    expect(resolved.effects).toEqual([{ type: 'timeline', kind: 'escalation_stopped', reason: 'resolved', by: null }]);
    expect(incident.send({ type: 'step_due' }, at(5)).ignored).toBe('stopped');
    expect(incident.pages()).toHaveLength(1);
  });

  it('closing with evidence stops the paging', () => {
    const incident = new Incident();
    incident.send({ type: 'start' }, at(0));
    incident.send({ type: 'close' }, at(4));
    expect(incident.state.stoppedAt).toEqual(at(4));
    expect(incident.wake(at(5)).ignored).toBe('stopped');
  });

  it('resolving after an acknowledgement changes nothing more in the escalation', () => {
    const incident = new Incident();
    incident.send({ type: 'start' }, at(0));
    incident.send({ type: 'acknowledge', engineerId: 'eng-one', pagedEngineerIds: ['eng-one'] }, at(1));
    expect(incident.send({ type: 'resolve' }, at(30))).toMatchObject({ ignored: 'stopped', effects: [] });
    expect(incident.state.stoppedAt).toEqual(at(1));
  });
});

describe('escalate now (the engineer presses 2)', () => {
  it('pages the next level immediately and gives it its own five minutes', () => {
    const incident = new Incident();
    incident.send({ type: 'start' }, at(0));
    const now = incident.send({ type: 'escalate_now', requestedBy: 'eng-one', atStep: { level: 0, round: 0 } }, at(1));
    expect(now.effects).toEqual([
      { type: 'timeline', kind: 'escalated', fromLevel: 0, fromRound: 0, reason: 'escalate_now', requestedBy: 'eng-one' },
      { type: 'page', engineerId: 'lead-three', level: 1, round: 0 },
      { type: 'schedule', at: at(6) },
    ]);
  });

  it('the wake-up that was due for the old level then pages nobody', () => {
    const incident = new Incident();
    incident.send({ type: 'start' }, at(0));
    incident.send({ type: 'escalate_now', requestedBy: 'eng-one', atStep: null }, at(1));
    expect(incident.send({ type: 'step_due' }, at(5)).ignored).toBe('not_due');
    expect(incident.pages()).toEqual([
      ['eng-one', 0, 0],
      ['lead-three', 1, 0],
    ]);
  });

  it('two engineers pressing 2 on the same page escalate one level, not two', () => {
    const both: ResolveTargets = (t) => (t.kind === 'rotation' ? ['eng-one', 'eng-two'] : [t.engineerId]);
    const incident = new Incident(demoPolicy, both);
    incident.send({ type: 'start' }, at(0));
    incident.send({ type: 'escalate_now', requestedBy: 'eng-one', atStep: { level: 0, round: 0 } }, at(1));
    const second = incident.send({ type: 'escalate_now', requestedBy: 'eng-two', atStep: { level: 0, round: 0 } }, at(1));
    expect(second.ignored).toBe('stale_step');
    expect(incident.state).toMatchObject({ level: 1, round: 0 });
  });

  it('is refused once someone has acknowledged', () => {
    const incident = new Incident();
    incident.send({ type: 'start' }, at(0));
    incident.send({ type: 'acknowledge', engineerId: 'eng-one', pagedEngineerIds: ['eng-one'] }, at(1));
    const refused = incident.send({ type: 'escalate_now', requestedBy: 'eng-one', atStep: null }, at(2));
    expect(refused).toMatchObject({ ignored: 'stopped', effects: [] });
  });

  it('from the last level of the last pass alerts the admins', () => {
    const incident = new Incident({ ...demoPolicy, repeat: 0 });
    incident.send({ type: 'start' }, at(0));
    incident.wake(at(5));
    incident.send({ type: 'escalate_now', requestedBy: 'lead-three', atStep: null }, at(6));
    expect(incident.of('page_admins')).toEqual([{ type: 'page_admins', reason: 'no_ack' }]);
    expect(incident.state.exhaustedAt).toEqual(at(6));
  });

  it('before the escalation started does nothing', () => {
    const incident = new Incident();
    expect(incident.send({ type: 'escalate_now', requestedBy: null, atStep: null }, at(0)).ignored).toBe('not_started');
  });
});

describe('wake-ups delivered twice, late or early', () => {
  it('a step delivered twice pages once', () => {
    const incident = new Incident();
    incident.send({ type: 'start' }, at(0));
    incident.send({ type: 'step_due' }, at(5));
    const duplicate = incident.send({ type: 'step_due' }, at(5));
    expect(duplicate).toMatchObject({ ignored: 'not_due', effects: [] });
    expect(incident.pages()).toEqual([
      ['eng-one', 0, 0],
      ['lead-three', 1, 0],
    ]);
  });

  it('a step delivered early waits for its time', () => {
    const incident = new Incident();
    incident.send({ type: 'start' }, at(0));
    expect(incident.send({ type: 'step_due' }, at(4))).toMatchObject({ ignored: 'not_due', effects: [] });
    expect(incident.send({ type: 'step_due' }, at(5)).ignored).toBeNull();
  });

  it('a step delivered 12 minutes late pages the next level once, which then gets its full five minutes', () => {
    const incident = new Incident();
    incident.send({ type: 'start' }, at(0));
    const late = incident.send({ type: 'step_due' }, at(17));
    const replay = incident.send({ type: 'step_due' }, at(17));
    expect(late.effects).toContainEqual({ type: 'schedule', at: at(22) });
    expect(replay.ignored).toBe('not_due');
    expect(incident.pages()).toEqual([
      ['eng-one', 0, 0],
      ['lead-three', 1, 0],
    ]);
  });

  it('a wake-up before the escalation started does nothing', () => {
    const incident = new Incident();
    expect(incident.send({ type: 'step_due' }, at(5)).ignored).toBe('not_started');
  });

  it('whether a wake-up has a step to take is known from the state alone, as the step itself would answer', () => {
    const incident = new Incident();
    expect(whyNoStepDue(incident.state, at(5))).toBe('not_started');
    incident.send({ type: 'start' }, at(0));
    expect(whyNoStepDue(incident.state, at(4))).toBe('not_due');
    expect(whyNoStepDue(incident.state, at(5))).toBeNull();
    incident.wake(at(5));
    expect(whyNoStepDue(incident.state, at(5))).toBe('not_due');
    incident.send({ type: 'acknowledge', engineerId: 'lead-three', pagedEngineerIds: ['eng-one', 'lead-three'] }, at(6));
    expect(whyNoStepDue(incident.state, at(60))).toBe('stopped');
  });
});

describe('levels with nobody on call', () => {
  const nobodyOnRotation: ResolveTargets = (t) => (t.kind === 'engineer' ? [t.engineerId] : []);

  it('a level with nobody on call is skipped at once, with the reason on the timeline', () => {
    const incident = new Incident(demoPolicy, nobodyOnRotation);
    const start = incident.send({ type: 'start' }, at(0));
    expect(start.effects).toEqual([
      { type: 'timeline', kind: 'escalation_started', policyId: 'integrations-24x7' },
      { type: 'timeline', kind: 'level_skipped', reason: 'no_one_on_call', level: 0, round: 0 },
      { type: 'page', engineerId: 'lead-three', level: 1, round: 0 },
      { type: 'schedule', at: at(5) },
    ]);
  });

  it('after a timeout, an empty first level of the next pass is skipped to the second level', () => {
    const incident = new Incident(demoPolicy, nobodyOnRotation);
    incident.send({ type: 'start' }, at(0));
    const step = incident.wake(at(5));
    expect(step.effects).toContainEqual({ type: 'timeline', kind: 'level_skipped', reason: 'no_one_on_call', level: 0, round: 1 });
    expect(step.effects).toContainEqual({ type: 'page', engineerId: 'lead-three', level: 1, round: 1 });
  });

  it('who is on call is asked at the moment of the step (a handoff between steps pages the new on-call)', () => {
    const handoffAtMinute7: ResolveTargets = (t, when) =>
      t.kind === 'engineer' ? [t.engineerId] : when < at(7) ? ['eng-one'] : ['eng-two'];
    const incident = new Incident(demoPolicy, handoffAtMinute7);
    incident.send({ type: 'start' }, at(0));
    incident.wake(at(5));
    incident.wake(at(10));
    expect(incident.pages()).toEqual([
      ['eng-one', 0, 0],
      ['lead-three', 1, 0],
      ['eng-two', 0, 1],
    ]);
  });

  it('when nobody at all can be reached, the admins are alerted right away instead of looping', () => {
    const incident = new Incident(demoPolicy, () => []);
    const start = incident.send({ type: 'start' }, at(0));
    expect(start.effects.filter((e) => e.type === 'timeline' && e.kind === 'level_skipped')).toHaveLength(2);
    expect(start.effects).toContainEqual({ type: 'page_admins', reason: 'no_one_on_call' });
    expect(incident.state).toEqual({ level: 0, round: 0, nextStepAt: null, exhaustedAt: at(0), stoppedAt: null });
  });

  it('an engineer named by two targets of one level is paged once', () => {
    const policy: EscalationPolicy = {
      ...demoPolicy,
      levels: [
        {
          ackTimeoutSeconds: 300,
          targets: [
            { kind: 'rotation', rotationId: 'integrations-primary' },
            { kind: 'engineer', engineerId: 'eng-one' },
            { kind: 'engineer', engineerId: 'lead-three' },
          ],
        },
      ],
    };
    const incident = new Incident(policy);
    incident.send({ type: 'start' }, at(0));
    expect(incident.pages()).toEqual([
      ['eng-one', 0, 0],
      ['lead-three', 0, 0],
    ]);
  });
});

describe('checking a policy before it is saved', () => {
  it('accepts the demo policy', () => {
    expect(checkEscalationPolicy(demoPolicy)).toEqual({ ok: true });
  });

  it('refuses a policy without levels, a level without targets, a non-positive timeout, a negative repeat', () => {
    expect(checkEscalationPolicy({ ...demoPolicy, levels: [] })).toEqual({ ok: false, reason: 'no_levels' });
    expect(checkEscalationPolicy({ ...demoPolicy, repeat: -1 })).toEqual({ ok: false, reason: 'bad_repeat' });
    expect(checkEscalationPolicy({ ...demoPolicy, repeat: 1.5 })).toEqual({ ok: false, reason: 'bad_repeat' });
    expect(
      checkEscalationPolicy({ ...demoPolicy, levels: [demoPolicy.levels[0]!, { ackTimeoutSeconds: 300, targets: [] }] }),
    ).toEqual({ ok: false, reason: 'level_without_targets', level: 1 });
    expect(checkEscalationPolicy({ ...demoPolicy, levels: [{ ...demoPolicy.levels[0]!, ackTimeoutSeconds: 0 }] })).toEqual({
      ok: false,
      reason: 'bad_ack_timeout',
      level: 0,
    });
  });
});
