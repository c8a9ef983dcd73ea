import { and, eq, sql } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import { engineers, incidents, notifications } from '../db/schema.js';
import { addTimeline } from '../db/timeline.js';
import type { IncidentAction, RefusalReason } from '../domain/authority/index.js';
import { sendPriority } from '../domain/escalation/send-priority.js';
import { messages } from '../domain/i18n/index.js';
import { authorize, tokenData, viaLabel, type Actor, type AnyActor } from './authority.js';
import type { Deps } from './deps.js';
import type { AfterCommit } from './effects.js';
import { queueOutbound } from './outbound.js';
import { applyEscalation, loadIncidentContext, notifyCustomer, type IncidentContext } from './paging.js';

export type { Actor, AnyActor, ApiTokenRef, TokenActor } from './authority.js';

type EngineerRow = typeof engineers.$inferSelect;

export type ActionResult =
  | { outcome: 'done'; context: IncidentContext; after: AfterCommit[] }
  /**
   * The actor may not do this (see `domain/authority`): nothing changes, and the attempt is on the
   * incident's timeline when it exists. Edges answer every refusal alike, whether or not it exists.
   */
  | { outcome: 'refused'; reason: RefusalReason }
  | { outcome: 'not_found' }
  /** Already resolved or closed: nothing changes. */
  | { outcome: 'closed'; context: IncidentContext }
  /** Someone else (or the same engineer) acknowledged first: nothing changes. */
  | { outcome: 'already_acknowledged'; context: IncidentContext; by: string }
  /** The escalation had already moved on, stopped or ran out: nothing changes. */
  | { outcome: 'not_escalating'; context: IncidentContext };

const OPEN = new Set(['triggered', 'acknowledged', 'waiting_on_customer']);

async function engineerName(tx: Tx, id: number | null): Promise<string> {
  if (id === null) return '';
  const [row] = await tx.select({ name: engineers.name }).from(engineers).where(eq(engineers.id, id));
  return row?.name ?? '';
}

/**
 * Locks and loads the incident, then decides whether the actor may do `action` on it (under the
 * lock, before anything is written): refused, missing, closed, or the context to act on.
 */
async function openContext(tx: Tx, incidentId: number, actor: AnyActor, action: IncidentAction, now: Date): Promise<ActionResult | IncidentContext> {
  const context = await loadIncidentContext(tx, incidentId, { lock: true });
  const authority = await authorize(tx, context, actor, action, now);
  if (!authority.allowed) return { outcome: 'refused', reason: authority.reason };
  if (!context) return { outcome: 'not_found' };
  if (!OPEN.has(context.incident.status)) return { outcome: 'closed', context };
  return context;
}

const isResult = (x: ActionResult | IncidentContext): x is ActionResult => 'outcome' in x;

/**
 * Acknowledges exactly once: the incident row is locked, so of several acknowledgements arriving
 * together one wins and the others are told who has it. Stops the escalation, tells the other
 * paged engineers who took it and the customer who is on it. Only those paged for it, on call
 * for its policy, or admins may (see `domain/authority`).
 */
export async function acknowledge(tx: Tx, deps: Pick<Deps, 'config'>, incidentId: number, actor: Actor, now: Date): Promise<ActionResult> {
  const loaded = await openContext(tx, incidentId, actor, 'acknowledge', now);
  if (isResult(loaded)) return loaded;
  if (loaded.incident.status !== 'triggered') {
    return { outcome: 'already_acknowledged', context: loaded, by: await engineerName(tx, loaded.incident.acknowledgedBy) };
  }
  return acknowledgeFor(tx, deps, loaded, actor.engineer, actor, now);
}

/**
 * Writes the acknowledgement of a locked, triggered incident by `assignee`: themself (`actor` is
 * them), or assigned by an admin (`actor` is the admin or API token). Confirms to whoever acted by
 * SMS, and tells an assignee who did not act that the incident is theirs.
 */
async function acknowledgeFor(tx: Tx, deps: Pick<Deps, 'config'>, context: IncidentContext, assignee: EngineerRow, actor: AnyActor, now: Date): Promise<ActionResult> {
  const { incident } = context;
  const firstResponseSeconds = Math.round((now.getTime() - incident.firstContactAt.getTime()) / 1000);
  const self = actor.engineer?.id === assignee.id;
  await tx.update(incidents).set({ status: 'acknowledged', acknowledgedAt: now, acknowledgedBy: assignee.id, updatedAt: now }).where(eq(incidents.id, incident.id));
  await addTimeline(tx, {
    incidentId: incident.id,
    at: now,
    actor: 'engineer',
    engineerId: assignee.id,
    channel: actor.channel,
    kind: 'acknowledged',
    body: `${assignee.name} ${self ? 'acknowledged' : `was assigned the incident by ${actor.engineer?.name ?? 'an admin'}`} (${viaLabel(actor)}); first response ${firstResponseSeconds} s after first contact`,
    data: { firstResponseSeconds, ...(self ? {} : { assignedBy: actor.engineer?.id ?? null }), ...tokenData(actor) },
  });
  const paged = await tx
    .selectDistinct({ engineerId: notifications.engineerId })
    .from(notifications)
    .where(and(eq(notifications.incidentId, incident.id), eq(notifications.kind, 'page')));
  const { after } = await applyEscalation(
    tx,
    deps,
    context,
    { type: 'acknowledge', engineerId: String(assignee.id), pagedEngineerIds: paged.flatMap((p) => (p.engineerId === null ? [] : [String(p.engineerId)])) },
    now,
  );
  const details = { reference: incident.id, customerName: context.customer.name, integrationName: context.integrationName };
  const confirm = self
    ? await toEngineer(tx, context, { engineer: assignee, channel: actor.channel }, 'ack_confirmation', messages(assignee.language).engineer.ackConfirmed(details), now)
    : await textEngineer(tx, context, assignee, { kind: 'assigned', body: messages(assignee.language).engineer.reassignedToYou(details), dedupeKey: `assignedto:${incident.id}:${assignee.id}:${now.getTime()}` }, now);
  return { outcome: 'done', context, after: [...after, ...confirm] };
}

/**
 * Escalates to the next level now (press 2, ESC, API). `atStep` stops two presses on one page from
 * skipping two levels. Only those paged for it, on call for its policy, or admins may.
 */
export async function escalateNow(
  tx: Tx,
  deps: Pick<Deps, 'config'>,
  incidentId: number,
  actor: AnyActor,
  atStep: { level: number; round: number } | null,
  now: Date,
): Promise<ActionResult> {
  const loaded = await openContext(tx, incidentId, actor, 'escalate', now);
  if (isResult(loaded)) return loaded;
  if (loaded.incident.status !== 'triggered') {
    return { outcome: 'already_acknowledged', context: loaded, by: await engineerName(tx, loaded.incident.acknowledgedBy) };
  }
  const { decision, after } = await applyEscalation(tx, deps, loaded, { type: 'escalate_now', requestedBy: actor.engineer ? String(actor.engineer.id) : null, atStep }, now);
  if (decision.ignored) return { outcome: 'not_escalating', context: loaded };
  if (actor.apiToken) {
    await addTimeline(tx, { incidentId, at: now, actor: 'admin', engineerId: actor.engineer?.id ?? null, channel: 'api', kind: 'escalate_requested', body: `Escalation requested through the API by ${viaLabel(actor).replace(/^api, /, '')}`, data: tokenData(actor) });
  }
  return { outcome: 'done', context: loaded, after };
}

/** The engineer waits on the customer (or their third party): the resolution clock pauses. */
export async function waitOnCustomer(tx: Tx, deps: Pick<Deps, 'config'>, incidentId: number, actor: Actor, question: string, now: Date): Promise<ActionResult> {
  let loaded = await openContext(tx, incidentId, actor, 'wait', now);
  if (isResult(loaded)) return loaded;
  const before: AfterCommit[] = [];
  if (loaded.incident.status === 'triggered') {
    // Waiting on the customer means someone has the incident: acknowledge it first.
    const acked = await acknowledge(tx, deps, incidentId, actor, now);
    if (acked.outcome === 'done') before.push(...acked.after);
    loaded = (await loadIncidentContext(tx, incidentId, { lock: true }))!;
  }
  const { incident } = loaded;
  if (incident.status !== 'waiting_on_customer') {
    await tx.update(incidents).set({ status: 'waiting_on_customer', waitingSince: now, updatedAt: now }).where(eq(incidents.id, incident.id));
  }
  await addTimeline(tx, {
    incidentId: incident.id,
    at: now,
    actor: 'engineer',
    engineerId: actor.engineer.id,
    channel: actor.channel,
    kind: 'waiting_on_customer',
    body: `${actor.engineer.name} is waiting on the customer${question ? `: ${question}` : ''}; resolution clock paused${actor.apiToken ? ` (${viaLabel(actor)})` : ''}`,
    data: { question, ...tokenData(actor) },
  });
  const after = await notifyCustomer(tx, loaded, {
    kind: 'waiting_on_customer',
    body: messages(loaded.customer.language).sms.waitingOnCustomer({ reference: incident.id, question }),
    dedupeKey: `waiting:${incident.id}:${now.getTime()}`,
    now,
  });
  const confirm = await toEngineer(tx, loaded, actor, 'wait_confirmation', messages(actor.engineer.language).engineer.waitingOnCustomer({ reference: incident.id }), now);
  return { outcome: 'done', context: loaded, after: [...before, ...after, ...confirm] };
}

/** The customer answered while we waited on them: the resolution clock runs again. */
export async function resumeFromCustomer(tx: Tx, context: IncidentContext, now: Date): Promise<void> {
  const { incident } = context;
  if (incident.status !== 'waiting_on_customer' || !incident.waitingSince) return;
  const waited = secondsWaiting(incident, now);
  await tx
    .update(incidents)
    .set({ status: 'acknowledged', waitingSince: null, waitingSeconds: sql`${incidents.waitingSeconds} + ${waited}`, updatedAt: now })
    .where(eq(incidents.id, incident.id));
  await addTimeline(tx, { incidentId: incident.id, at: now, actor: 'system', channel: 'system', kind: 'waiting_ended', body: `The customer answered after ${waited} s; resolution clock running again`, data: { waitedSeconds: waited } });
}

/** Resolves (RESOLVE, API): stops any escalation, stops the clocks, tells the customer. */
export async function resolve(tx: Tx, deps: Pick<Deps, 'config'>, incidentId: number, actor: Actor, note: string, now: Date): Promise<ActionResult> {
  return finish(tx, deps, incidentId, actor, now, { status: 'resolved', note });
}

/**
 * Closes with evidence that the cause is in the customer's or a third party's system (policy:
 * the evidence is provided and the incident closed). The evidence is kept and sent to the customer.
 */
export async function closeWithEvidence(tx: Tx, deps: Pick<Deps, 'config'>, incidentId: number, actor: Actor, evidence: string, now: Date): Promise<ActionResult> {
  return finish(tx, deps, incidentId, actor, now, { status: 'closed_with_evidence', note: evidence });
}

async function finish(
  tx: Tx,
  deps: Pick<Deps, 'config'>,
  incidentId: number,
  actor: Actor,
  now: Date,
  how: { status: 'resolved' | 'closed_with_evidence'; note: string },
): Promise<ActionResult> {
  const loaded = await openContext(tx, incidentId, actor, how.status === 'resolved' ? 'resolve' : 'evidence', now);
  if (isResult(loaded)) return loaded;
  const { incident } = loaded;
  const waited = secondsWaiting(incident, now);
  const { after: escalationAfter } = await applyEscalation(tx, deps, loaded, { type: how.status === 'resolved' ? 'resolve' : 'close' }, now);
  await tx
    .update(incidents)
    .set({
      status: how.status,
      resolvedAt: now,
      ...(how.status === 'resolved' ? { resolution: how.note } : { evidence: how.note }),
      // Closing an incident nobody acknowledged counts as the first response (no clock runs forever).
      ...(incident.acknowledgedAt ? {} : { acknowledgedAt: now, acknowledgedBy: actor.engineer.id }),
      waitingSince: null,
      waitingSeconds: sql`${incidents.waitingSeconds} + ${waited}`,
      updatedAt: now,
    })
    .where(eq(incidents.id, incident.id));
  const m = messages(loaded.customer.language).sms;
  const isEvidence = how.status === 'closed_with_evidence';
  await addTimeline(tx, {
    incidentId: incident.id,
    at: now,
    actor: 'engineer',
    engineerId: actor.engineer.id,
    channel: actor.channel,
    kind: isEvidence ? 'closed_with_evidence' : 'resolved',
    body:
      (isEvidence ? `${actor.engineer.name} closed the incident: the cause is in the customer's or a third party's system. Evidence: ${how.note}` : `${actor.engineer.name} resolved the incident${how.note ? `: ${how.note}` : ''}`) +
      (actor.apiToken ? ` (${viaLabel(actor)})` : ''),
    data: { note: how.note, ...tokenData(actor) },
  });
  const toCustomer = await notifyCustomer(tx, loaded, {
    kind: isEvidence ? 'evidence' : 'resolved',
    body: isEvidence ? m.closedWithEvidence({ reference: incident.id, evidence: how.note }) : m.resolved({ reference: incident.id, note: how.note }),
    dedupeKey: `${isEvidence ? 'evidence' : 'resolved'}:${incident.id}`,
    now,
  });
  const e = messages(actor.engineer.language).engineer;
  const confirm = await toEngineer(tx, loaded, actor, isEvidence ? 'evidence_confirmation' : 'resolve_confirmation', isEvidence ? e.evidenceSent({ reference: incident.id, customerName: loaded.customer.name }) : e.resolved({ reference: incident.id }), now);
  return { outcome: 'done', context: loaded, after: [...escalationAfter, ...toCustomer, ...confirm] };
}

/** The engineer's words relayed to the customer (REPLY, plain text, API), kept on the timeline. */
export async function replyToCustomer(tx: Tx, incidentId: number, actor: Actor, text: string, now: Date): Promise<ActionResult> {
  const loaded = await openContext(tx, incidentId, actor, 'reply', now);
  if (isResult(loaded)) return loaded;
  await addTimeline(tx, { incidentId, at: now, actor: 'engineer', engineerId: actor.engineer.id, channel: actor.channel, kind: 'relay_to_customer', body: text, data: tokenData(actor) });
  const after = await notifyCustomer(tx, loaded, {
    kind: 'relay',
    body: messages(loaded.customer.language).sms.fromEngineer({ engineerName: actor.engineer.name, reference: incidentId, text }),
    dedupeKey: `relay:${incidentId}:${actor.engineer.id}:${now.getTime()}`,
    now,
  });
  return { outcome: 'done', context: loaded, after };
}

/**
 * Gives the incident to another engineer (admins only: an admin engineer, or an API token). Before
 * anyone acknowledged, it is acknowledged for them (escalation stops, the customer is told);
 * after, the assignment moves: the new engineer is told it is theirs, the previous one that it is
 * not any more, and the customer who is on it now. Giving it to whoever has it changes nothing.
 */
export async function reassign(tx: Tx, deps: Pick<Deps, 'config'>, incidentId: number, actor: AnyActor, to: EngineerRow, now: Date): Promise<ActionResult> {
  const loaded = await openContext(tx, incidentId, actor, 'reassign', now);
  if (isResult(loaded)) return loaded;
  const { incident } = loaded;
  if (incident.status === 'triggered') return acknowledgeFor(tx, deps, loaded, to, actor, now);
  if (incident.acknowledgedBy === to.id) return { outcome: 'done', context: loaded, after: [] };
  const previous = await assignedEngineer(tx, loaded);
  await tx.update(incidents).set({ acknowledgedBy: to.id, updatedAt: now }).where(eq(incidents.id, incident.id));
  await addTimeline(tx, {
    incidentId,
    at: now,
    actor: actor.apiToken ? 'admin' : 'engineer',
    engineerId: actor.engineer?.id ?? null,
    channel: actor.channel,
    kind: 'reassigned',
    body: `Reassigned from ${previous?.name ?? 'nobody'} to ${to.name} by ${actor.engineer?.name ?? 'an admin'} (${viaLabel(actor)})`,
    data: { from: previous?.id ?? null, to: to.id, ...tokenData(actor) },
  });
  const details = { reference: incidentId, customerName: loaded.customer.name, integrationName: loaded.integrationName };
  const after = [
    ...(await textEngineer(tx, loaded, to, { kind: 'assigned', body: messages(to.language).engineer.reassignedToYou(details), dedupeKey: `assignedto:${incidentId}:${to.id}:${now.getTime()}` }, now)),
    ...(previous
      ? await textEngineer(tx, loaded, previous, { kind: 'unassigned', body: messages(previous.language).engineer.reassignedAway({ reference: incidentId, engineerName: to.name }), dedupeKey: `unassigned:${incidentId}:${previous.id}:${now.getTime()}` }, now)
      : []),
    ...(await notifyCustomer(tx, loaded, { kind: 'engineer_assigned', body: messages(loaded.customer.language).sms.engineerAssigned({ engineerName: to.name, reference: incidentId }), dedupeKey: `assigned:${incidentId}:${to.id}:${now.getTime()}`, now })),
  ];
  return { outcome: 'done', context: loaded, after };
}

/**
 * A customer's text about an open incident: kept on the timeline and relayed to the engineer who
 * has it (or, before anyone acknowledged, to nobody: the page already went out). An answer while
 * we waited on them restarts the resolution clock.
 */
export async function relayFromCustomer(tx: Tx, context: IncidentContext, text: string, messageSid: string, now: Date): Promise<AfterCommit[]> {
  const { incident } = context;
  await addTimeline(tx, { incidentId: incident.id, at: now, actor: 'customer', channel: 'sms', kind: 'sms_in', body: text, data: { messageSid } });
  await resumeFromCustomer(tx, context, now);
  const engineer = await assignedEngineer(tx, context);
  if (!engineer) return [];
  const body = messages(engineer.language).engineer.fromCustomer({ reference: incident.id, customerName: context.customer.name, text });
  return textEngineer(tx, context, engineer, { kind: 'relay', body, dedupeKey: `fromcustomer:${messageSid}` }, now);
}

/** The customer called the standby line again about an incident someone has: that engineer is told. */
export async function tellEngineerOfRepeatCall(tx: Tx, context: IncidentContext, callerPhone: string | null, callSid: string, now: Date): Promise<AfterCommit[]> {
  const engineer = await assignedEngineer(tx, context);
  if (!engineer) return [];
  const body = messages(engineer.language).engineer.customerCalledAgain({ reference: context.incident.id, customerName: context.customer.name, phone: callerPhone });
  return textEngineer(tx, context, engineer, { kind: 'relay', body, dedupeKey: `calledagain:${callSid}` }, now);
}

/** A short confirmation to the engineer who acted by SMS (other channels answer in place). */
async function toEngineer(tx: Tx, context: IncidentContext, actor: Actor, kind: string, body: string, now: Date): Promise<AfterCommit[]> {
  if (actor.channel !== 'sms') return [];
  return textEngineer(tx, context, actor.engineer, { kind, body, dedupeKey: `${kind}:${context.incident.id}:${actor.engineer.id}:${now.getTime()}` }, now);
}

/** How long the incident has been waiting on the customer right now (0 when it is not). */
function secondsWaiting(incident: IncidentContext['incident'], now: Date): number {
  return incident.waitingSince ? Math.max(0, Math.round((now.getTime() - incident.waitingSince.getTime()) / 1000)) : 0;
}

/** The engineer who acknowledged the incident, if anyone has. */
async function assignedEngineer(tx: Tx, context: IncidentContext): Promise<EngineerRow | null> {
  if (context.incident.acknowledgedBy === null) return null;
  const [engineer] = await tx.select().from(engineers).where(eq(engineers.id, context.incident.acknowledgedBy));
  return engineer ?? null;
}

/** Queues a text to an engineer about the incident, from the number the customer contacted. */
async function textEngineer(tx: Tx, context: IncidentContext, engineer: EngineerRow, message: { kind: string; body: string; dedupeKey: string }, now: Date): Promise<AfterCommit[]> {
  const queued = await queueOutbound(tx, {
    incidentId: context.incident.id,
    engineerId: engineer.id,
    channel: 'sms',
    to: engineer.phone,
    from: context.standbyPhone,
    priority: sendPriority(context.incident.severity, 'other'),
    now,
    ...message,
  });
  return queued.after;
}
