import { and, eq, inArray } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import { engineers, notifications } from '../db/schema.js';
import { addTimeline, type TimelineChannel } from '../db/timeline.js';
import { decideAuthority, onCallForPolicy, type Authority, type IncidentAction, type IncidentStanding, type RefusalReason, type Requester } from '../domain/authority/index.js';
import { loadPolicyTargets, type IncidentContext } from './paging.js';

type EngineerRow = typeof engineers.$inferSelect;

/** An API token, as the record names it: `id` null is the bootstrap `ADMIN_API_TOKEN`. */
export interface ApiTokenRef {
  id: number | null;
  name: string;
}

/**
 * Who acts and how: an engineer by SMS, keypress or link, or an API token on an engineer's
 * behalf (`apiToken` set: tokens act as admins, and the timeline names the token).
 */
export interface Actor {
  engineer: EngineerRow;
  channel: TimelineChannel;
  apiToken?: ApiTokenRef;
}

/** An API token acting without naming an engineer (escalate, reassign). */
export interface TokenActor {
  engineer: null;
  channel: 'api';
  apiToken: ApiTokenRef;
}

export type AnyActor = Actor | TokenActor;

export const tokenLabel = (token: ApiTokenRef): string => (token.id === null ? 'the bootstrap admin token' : `API token "${token.name}" (#${token.id})`);

/** How the actor came, for timeline text: "sms", "voice", "link", or "api, API token "ops" (#3)". */
export function viaLabel(actor: AnyActor): string {
  return actor.apiToken ? `api, ${tokenLabel(actor.apiToken)}` : actor.channel;
}

/** What the timeline's `data` keeps of an API token that acted (nothing for other channels). */
export function tokenData(actor: AnyActor): Record<string, unknown> {
  return actor.apiToken ? { apiToken: { id: actor.apiToken.id, name: actor.apiToken.name } } : {};
}

function requesterOf(actor: AnyActor): Requester {
  if (actor.apiToken) return { kind: 'api_token', tokenName: actor.apiToken.name };
  return { kind: 'engineer', engineerId: String(actor.engineer!.id), isAdmin: actor.engineer!.isAdmin };
}

/** Everyone paged for the incident, and everyone on call for its policy at `now`. */
async function loadStanding(tx: Tx, context: IncidentContext, now: Date): Promise<IncidentStanding> {
  const paged = await tx
    .selectDistinct({ engineerId: notifications.engineerId })
    .from(notifications)
    .where(and(eq(notifications.incidentId, context.incident.id), inArray(notifications.kind, ['page', 'admin_page'])));
  const { policy, resolve } = await loadPolicyTargets(tx, context.incident.escalationPolicyId, now);
  return {
    acknowledgedBy: context.incident.acknowledgedBy === null ? null : String(context.incident.acknowledgedBy),
    pagedEngineerIds: paged.flatMap((p) => (p.engineerId === null ? [] : [String(p.engineerId)])),
    onCallEngineerIds: onCallForPolicy(policy, resolve, now),
  };
}

const ACTION_WORDS: Record<IncidentAction, string> = {
  acknowledge: 'acknowledge',
  escalate: 'escalate',
  reply: 'text the customer',
  wait: 'mark it waiting on the customer',
  resolve: 'resolve',
  evidence: 'close it with evidence',
  reassign: 'reassign',
};

const REASON_WORDS: Record<RefusalReason, string> = {
  no_such_incident: 'there is no such incident',
  not_paged_or_on_call: 'not paged for it nor on call for its policy',
  not_the_assignee: 'another engineer has it',
  admins_only: 'only admins may',
};

/**
 * Decides, under the incident's row lock (the caller took it with `loadIncidentContext(..., { lock:
 * true })`; `context` null: no such incident), whether the actor may do `action`. A refusal about an
 * incident that exists is written on its timeline, naming who tried what and why.
 */
export async function authorize(tx: Tx, context: IncidentContext | null, actor: AnyActor, action: IncidentAction, now: Date): Promise<Authority> {
  const requester = requesterOf(actor);
  // Admins and tokens need no facts: the rule lets them through before reading any.
  const needsFacts = requester.kind === 'engineer' && !requester.isAdmin;
  const standing = context && needsFacts ? await loadStanding(tx, context, now) : null;
  const authority = decideAuthority(requester, action, standing);
  if (!authority.allowed && context && actor.engineer) {
    await addTimeline(tx, {
      incidentId: context.incident.id,
      at: now,
      actor: 'engineer',
      engineerId: actor.engineer.id,
      channel: actor.channel,
      kind: 'action_refused',
      body: `${actor.engineer.name} tried to ${ACTION_WORDS[action]} (${viaLabel(actor)}): refused, ${REASON_WORDS[authority.reason]}`,
      data: { action, reason: authority.reason },
    });
  }
  return authority;
}
