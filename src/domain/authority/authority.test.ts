import { describe, expect, it } from 'vitest';
import type { EscalationPolicy, ResolveTargets } from '../escalation/escalation.js';
import { INCIDENT_ACTIONS, decideAuthority, onCallForPolicy, type IncidentAction, type IncidentStanding, type Requester } from './authority.js';

const engineer = (engineerId: string, isAdmin = false): Requester => ({ kind: 'engineer', engineerId, isAdmin });
const who = {
  admin: engineer('9', true),
  token: { kind: 'api_token', tokenName: 'ops script' } as Requester,
  paged: engineer('1'),
  onCall: engineer('3'),
  assignee: engineer('1'),
  stranger: engineer('2'),
};

const triggered: IncidentStanding = { acknowledgedBy: null, pagedEngineerIds: ['1'], onCallEngineerIds: ['1', '3'] };
const acknowledged: IncidentStanding = { ...triggered, acknowledgedBy: '1' };

type Row = [requester: keyof typeof who, standing: 'missing' | 'triggered' | 'acknowledged', allowed: Record<IncidentAction, string>];

// Each cell: the grant when allowed, or the refusal reason.
const Y = (grant: string) => Object.fromEntries(INCIDENT_ACTIONS.map((a) => [a, grant])) as Record<IncidentAction, string>;
const TABLE: Row[] = [
  ['admin', 'missing', Y('admin')],
  ['admin', 'triggered', Y('admin')],
  ['admin', 'acknowledged', Y('admin')],
  ['token', 'missing', Y('api_token')],
  ['token', 'acknowledged', Y('api_token')],
  ['stranger', 'missing', Y('no_such_incident')],
  ['paged', 'missing', Y('no_such_incident')],
  ['paged', 'triggered', { acknowledge: 'paged', escalate: 'paged', reply: 'paged', wait: 'paged', resolve: 'paged', evidence: 'paged', reassign: 'admins_only' }],
  ['onCall', 'triggered', { acknowledge: 'on_call', escalate: 'on_call', reply: 'on_call', wait: 'on_call', resolve: 'on_call', evidence: 'on_call', reassign: 'admins_only' }],
  ['stranger', 'triggered', { ...Y('not_paged_or_on_call'), reassign: 'admins_only' }],
  ['assignee', 'acknowledged', { acknowledge: 'paged', escalate: 'paged', reply: 'assignee', wait: 'assignee', resolve: 'assignee', evidence: 'assignee', reassign: 'admins_only' }],
  [
    'onCall',
    'acknowledged',
    { acknowledge: 'on_call', escalate: 'on_call', reply: 'not_the_assignee', wait: 'not_the_assignee', resolve: 'not_the_assignee', evidence: 'not_the_assignee', reassign: 'admins_only' },
  ],
  [
    'stranger',
    'acknowledged',
    {
      acknowledge: 'not_paged_or_on_call',
      escalate: 'not_paged_or_on_call',
      reply: 'not_the_assignee',
      wait: 'not_the_assignee',
      resolve: 'not_the_assignee',
      evidence: 'not_the_assignee',
      reassign: 'admins_only',
    },
  ],
];

describe('who may act on an incident', () => {
  for (const [requester, standing, expected] of TABLE) {
    for (const action of INCIDENT_ACTIONS) {
      it(`${requester} on a ${standing} incident, ${action}: ${expected[action]}`, () => {
        const incident = standing === 'missing' ? null : standing === 'triggered' ? triggered : acknowledged;
        const decision = decideAuthority(who[requester], action, incident);
        expect(decision.allowed ? decision.as : decision.reason).toBe(expected[action]);
      });
    }
  }

  it('refuses an engineer the same way whether the incident is missing or someone else has it', () => {
    // The edges answer every refusal alike; here: a refusal, never an "allowed" that would go on to say "not found".
    for (const action of INCIDENT_ACTIONS) {
      expect(decideAuthority(who.stranger, action, null).allowed).toBe(false);
      expect(decideAuthority(who.stranger, action, acknowledged).allowed).toBe(false);
    }
  });

  it('never lets an engineer who is not an admin reassign, even the one who has the incident', () => {
    expect(decideAuthority(who.assignee, 'reassign', acknowledged)).toEqual({ allowed: false, reason: 'admins_only' });
  });
});

describe('who is on call for a policy', () => {
  const policy: EscalationPolicy = {
    id: 'p',
    repeat: 0,
    levels: [
      { ackTimeoutSeconds: 300, targets: [{ kind: 'rotation', rotationId: 'r1' }] },
      { ackTimeoutSeconds: 300, targets: [{ kind: 'engineer', engineerId: '3' }, { kind: 'rotation', rotationId: 'r2' }] },
    ],
  };
  const at = new Date('2026-11-23T15:00:00Z');

  it("is every level's targets now: the rotations' current on-call and the engineers named directly", () => {
    const resolve: ResolveTargets = (target) => (target.kind === 'engineer' ? [target.engineerId] : target.rotationId === 'r1' ? ['1'] : []);
    expect(onCallForPolicy(policy, resolve, at)).toEqual(['1', '3']);
  });

  it('names an engineer once when several targets reach them', () => {
    const resolve: ResolveTargets = (target) => (target.kind === 'engineer' ? [target.engineerId] : ['3']);
    expect(onCallForPolicy(policy, resolve, at)).toEqual(['3']);
  });
});
