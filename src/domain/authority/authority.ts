/**
 * Who may act on an incident. One pure decision over who asks, what they ask and where the
 * incident stands; the use cases load those facts under the incident's row lock and call it
 * before writing anything, so every channel (SMS, keypress, acknowledgement link, API) obeys the
 * same rules.
 *
 * The rules:
 * - an admin (an engineer with `isAdmin`) or an API token (tokens act as admins) may do anything;
 * - acknowledging or escalating is for an engineer paged for the incident or on call now for its
 *   escalation policy (a rotation's current on-call, or an engineer the policy names directly);
 * - replying, waiting on the customer, resolving and closing with evidence are, once someone
 *   acknowledged, for that engineer only; before that, for those who may acknowledge;
 * - reassigning is for admins only;
 * - nobody but an admin learns whether an incident exists: a refusal about a missing incident and
 *   one about someone else's are the same refusal.
 */
import type { EscalationPolicy, ResolveTargets } from '../escalation/escalation.js';

export const INCIDENT_ACTIONS = ['acknowledge', 'escalate', 'reply', 'wait', 'resolve', 'evidence', 'reassign'] as const;
export type IncidentAction = (typeof INCIDENT_ACTIONS)[number];

/** Who asks: an engineer (by SMS, keypress or link), or an API token (named in the record). */
export type Requester = { kind: 'engineer'; engineerId: string; isAdmin: boolean } | { kind: 'api_token'; tokenName: string };

/** Where the incident stands, as far as authority goes. */
export interface IncidentStanding {
  /** The engineer who acknowledged it (or was assigned it), if anyone. */
  acknowledgedBy: string | null;
  /** Everyone paged for it so far (pages and admin pages). */
  pagedEngineerIds: readonly string[];
  /** Everyone on call for its escalation policy now (see `onCallForPolicy`). */
  onCallEngineerIds: readonly string[];
}

/** Why someone may act: said on the timeline when it matters. */
export type Grant = 'admin' | 'api_token' | 'paged' | 'on_call' | 'assignee';

/** Why not. The edges answer every reason with the same words: the reason is for the timeline. */
export type RefusalReason = 'no_such_incident' | 'not_paged_or_on_call' | 'not_the_assignee' | 'admins_only';

export type Authority = { allowed: true; as: Grant } | { allowed: false; reason: RefusalReason };

/**
 * Decides whether `requester` may do `action` on an incident (`null`: there is no such incident).
 *
 * Guarantees: admins and API tokens are always allowed (a missing incident is then theirs to be
 * told about); anyone else asking about a missing incident is refused with `no_such_incident`, so
 * the answer they get does not depend on whether it exists; a non-admin is never allowed to
 * reassign; after acknowledgement only the assignee may reply, wait, resolve or close.
 */
export function decideAuthority(requester: Requester, action: IncidentAction, incident: IncidentStanding | null): Authority {
  if (requester.kind === 'api_token') return { allowed: true, as: 'api_token' };
  if (requester.isAdmin) return { allowed: true, as: 'admin' };
  if (incident === null) return { allowed: false, reason: 'no_such_incident' };
  const { engineerId } = requester;
  const pagedOrOnCall = (): Authority => {
    if (incident.pagedEngineerIds.includes(engineerId)) return { allowed: true, as: 'paged' };
    if (incident.onCallEngineerIds.includes(engineerId)) return { allowed: true, as: 'on_call' };
    return { allowed: false, reason: 'not_paged_or_on_call' };
  };
  switch (action) {
    case 'acknowledge':
    case 'escalate':
      return pagedOrOnCall();
    case 'reply':
    case 'wait':
    case 'resolve':
    case 'evidence':
      if (incident.acknowledgedBy === null) return pagedOrOnCall();
      return incident.acknowledgedBy === engineerId ? { allowed: true, as: 'assignee' } : { allowed: false, reason: 'not_the_assignee' };
    case 'reassign':
      return { allowed: false, reason: 'admins_only' };
    default: {
      const never: never = action;
      throw new Error(`unknown incident action ${String(never)}`);
    }
  }
}

/**
 * The engineers on call for a policy at `at`: every target of every level resolved then (a
 * rotation's current on-call, an engineer named directly), each once, in policy order.
 */
export function onCallForPolicy(policy: EscalationPolicy, resolve: ResolveTargets, at: Date): string[] {
  const seen = new Set<string>();
  for (const level of policy.levels) {
    for (const target of level.targets) for (const id of resolve(target, at)) seen.add(id);
  }
  return [...seen];
}
