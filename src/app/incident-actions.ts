import { and, eq, sql } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import { engineers, incidents, notifications } from '../db/schema.js';
import { addTimeline, type TimelineChannel } from '../db/timeline.js';
import { sendPriority } from '../domain/escalation/send-priority.js';
import { messages } from '../domain/i18n/index.js';
import type { Deps } from './deps.js';
import type { AfterCommit } from './effects.js';
import { queueOutbound } from './outbound.js';
import { applyEscalation, loadIncidentContext, notifyCustomer, type IncidentContext } from './paging.js';

type EngineerRow = typeof engineers.$inferSelect;

/** Who acts and how: an engineer by SMS, keypress, link, or an admin through the API on their behalf. */
export interface Actor {
  engineer: EngineerRow;
  channel: TimelineChannel;
}

export type ActionResult =
  | { outcome: 'done'; context: IncidentContext; after: AfterCommit[] }
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

async function openContext(tx: Tx, incidentId: number): Promise<ActionResult | IncidentContext> {
  const context = await loadIncidentContext(tx, incidentId, { lock: true });
  if (!context) return { outcome: 'not_found' };
  if (!OPEN.has(context.incident.status)) return { outcome: 'closed', context };
  return context;
}

const isResult = (x: ActionResult | IncidentContext): x is ActionResult => 'outcome' in x;

/**
 * Acknowledges exactly once: the incident row is locked, so of several acknowledgements arriving
 * together one wins and the others are told who has it. Stops the escalation, tells the other
 * paged engineers who took it and the customer who is on it.
 */
export async function acknowledge(tx: Tx, deps: Pick<Deps, 'config'>, incidentId: number, actor: Actor, now: Date): Promise<ActionResult> {
  const loaded = await openContext(tx, incidentId);
  if (isResult(loaded)) return loaded;
  const { incident } = loaded;
  if (incident.status !== 'triggered') {
    return { outcome: 'already_acknowledged', context: loaded, by: await engineerName(tx, incident.acknowledgedBy) };
  }
  await tx.update(incidents).set({ status: 'acknowledged', acknowledgedAt: now, acknowledgedBy: actor.engineer.id, updatedAt: now }).where(eq(incidents.id, incident.id));
  await addTimeline(tx, {
    incidentId: incident.id,
    at: now,
    actor: 'engineer',
    engineerId: actor.engineer.id,
    channel: actor.channel,
    kind: 'acknowledged',
    body: `${actor.engineer.name} acknowledged (${actor.channel}); first response ${Math.round((now.getTime() - incident.firstContactAt.getTime()) / 1000)} s after first contact`,
    data: { firstResponseSeconds: Math.round((now.getTime() - incident.firstContactAt.getTime()) / 1000) },
  });
  const paged = await tx
    .selectDistinct({ engineerId: notifications.engineerId })
    .from(notifications)
    .where(and(eq(notifications.incidentId, incident.id), eq(notifications.kind, 'page')));
  const { after } = await applyEscalation(
    tx,
    deps,
    loaded,
    { type: 'acknowledge', engineerId: String(actor.engineer.id), pagedEngineerIds: paged.flatMap((p) => (p.engineerId === null ? [] : [String(p.engineerId)])) },
    now,
  );
  const confirm = await toEngineer(tx, loaded, actor, 'ack_confirmation', messages(actor.engineer.language).engineer.ackConfirmed({ reference: incident.id, customerName: loaded.customer.name }), now);
  return { outcome: 'done', context: loaded, after: [...after, ...confirm] };
}

/** Escalates to the next level now (press 2, ESC, API). `atStep` stops two presses on one page from skipping two levels. */
export async function escalateNow(
  tx: Tx,
  deps: Pick<Deps, 'config'>,
  incidentId: number,
  actor: Actor | null,
  atStep: { level: number; round: number } | null,
  now: Date,
): Promise<ActionResult> {
  const loaded = await openContext(tx, incidentId);
  if (isResult(loaded)) return loaded;
  if (loaded.incident.status !== 'triggered') {
    return { outcome: 'already_acknowledged', context: loaded, by: await engineerName(tx, loaded.incident.acknowledgedBy) };
  }
  const { decision, after } = await applyEscalation(tx, deps, loaded, { type: 'escalate_now', requestedBy: actor ? String(actor.engineer.id) : null, atStep }, now);
  if (decision.ignored) return { outcome: 'not_escalating', context: loaded };
  return { outcome: 'done', context: loaded, after };
}

/** The engineer waits on the customer (or their third party): the resolution clock pauses. */
export async function waitOnCustomer(tx: Tx, deps: Pick<Deps, 'config'>, incidentId: number, actor: Actor, question: string, now: Date): Promise<ActionResult> {
  let loaded = await openContext(tx, incidentId);
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
  await addTimeline(tx, { incidentId: incident.id, at: now, actor: 'engineer', engineerId: actor.engineer.id, channel: actor.channel, kind: 'waiting_on_customer', body: `${actor.engineer.name} is waiting on the customer${question ? `: ${question}` : ''}; resolution clock paused`, data: { question } });
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
  const loaded = await openContext(tx, incidentId);
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
    body: isEvidence ? `${actor.engineer.name} closed the incident: the cause is in the customer's or a third party's system. Evidence: ${how.note}` : `${actor.engineer.name} resolved the incident${how.note ? `: ${how.note}` : ''}`,
    data: { note: how.note },
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
  const loaded = await openContext(tx, incidentId);
  if (isResult(loaded)) return loaded;
  await addTimeline(tx, { incidentId, at: now, actor: 'engineer', engineerId: actor.engineer.id, channel: actor.channel, kind: 'relay_to_customer', body: text, data: {} });
  const after = await notifyCustomer(tx, loaded, {
    kind: 'relay',
    body: messages(loaded.customer.language).sms.fromEngineer({ engineerName: actor.engineer.name, reference: incidentId, text }),
    dedupeKey: `relay:${incidentId}:${actor.engineer.id}:${now.getTime()}`,
    now,
  });
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
