import { asc, eq, sql } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import { loadPolicy } from '../db/escalation-policies.js';
import { loadRotations } from '../db/rotations.js';
import { customers, engineers, incidents, integrations, standbyNumbers } from '../db/schema.js';
import { addTimeline } from '../db/timeline.js';
import { decide, type EscalationCommand, type EscalationDecision, type EscalationEffect, type EscalationPolicy, type EscalationState, type ResolveTargets } from '../domain/escalation/escalation.js';
import { sendPriority } from '../domain/escalation/send-priority.js';
import { messages, type PageDetails } from '../domain/i18n/index.js';
import { onCallAt } from '../domain/rotation/rotation.js';
import { ACK_LINK_LIFETIME_MS, signAckToken } from './ack-links.js';
import type { Deps } from './deps.js';
import type { AfterCommit } from './effects.js';
import { queueOutbound } from './outbound.js';
import { dropPages } from './page-cancel.js';

export type IncidentRow = typeof incidents.$inferSelect;
type EngineerRow = typeof engineers.$inferSelect;

/** An incident with what every message about it names: customer, integration, standby number. */
export interface IncidentContext {
  incident: IncidentRow;
  customer: { id: number; name: string; language: 'es' | 'en' | 'pt' };
  integrationName: string;
  /** The number the customer contacted; pages and notices are sent from it so replies come back. */
  standbyPhone: string;
}

/**
 * Locks the incident's row for this transaction (the lock every engineer action and escalation
 * step takes first, before writing anything about the incident, so concurrent actions queue in one
 * order instead of deadlocking). `FOR NO KEY UPDATE` leaves timeline inserts by others (their
 * foreign-key check) unblocked. Returns whether the incident exists.
 */
export async function lockIncident(tx: Tx, incidentId: number): Promise<boolean> {
  const [row] = await tx.select({ id: incidents.id }).from(incidents).where(eq(incidents.id, incidentId)).for('no key update');
  return row !== undefined;
}

/** Loads an incident (locked for update when asked) with its customer, integration and number. */
export async function loadIncidentContext(tx: Tx, incidentId: number, options: { lock: boolean }): Promise<IncidentContext | null> {
  const query = tx.select().from(incidents).where(eq(incidents.id, incidentId));
  const [incident] = options.lock ? await query.for('no key update') : await query;
  if (!incident) return null;
  const [customer] = await tx.select({ id: customers.id, name: customers.name, language: customers.language }).from(customers).where(eq(customers.id, incident.customerId));
  const [integration] = await tx.select({ name: integrations.name }).from(integrations).where(eq(integrations.id, incident.integrationId));
  const standbyPhone = await senderFor(tx, incident.standbyNumberId);
  return { incident, customer: customer!, integrationName: integration!.name, standbyPhone };
}

/** The incident's standby number, or (for incidents opened by API) the first shared one. */
async function senderFor(tx: Tx, standbyNumberId: number | null): Promise<string> {
  if (standbyNumberId !== null) {
    const [row] = await tx.select({ phone: standbyNumbers.phone }).from(standbyNumbers).where(eq(standbyNumbers.id, standbyNumberId));
    if (row) return row.phone;
  }
  const [any] = await tx.select({ phone: standbyNumbers.phone }).from(standbyNumbers).orderBy(sql`${standbyNumbers.customerId} is not null`, asc(standbyNumbers.id)).limit(1);
  if (!any) throw new Error('no standby number is configured to send from');
  return any.phone;
}

export const escalationStateOf = (i: IncidentRow): EscalationState => ({
  level: i.escalationLevel,
  round: i.escalationRound,
  nextStepAt: i.escalationNextAt,
  exhaustedAt: i.escalationExhaustedAt,
  stoppedAt: i.escalationStoppedAt,
});

export const pageDetails = (c: IncidentContext): PageDetails => ({
  severity: c.incident.severity,
  reference: c.incident.id,
  customerName: c.customer.name,
  integrationName: c.integrationName,
  description: c.incident.description,
  // Anyone who knows the code can type it: the engineers are told, and from which number.
  ...(c.incident.reporterIdentifiedBy === 'customer_code' ? { codeOnlyCaller: { phone: c.incident.reporterPhone } } : {}),
});

/**
 * An escalation policy with what its targets reach: `resolve` answers who a target pages at an
 * instant (a rotation's on-call then, through the rotation engine, or the engineer named), counting
 * only engineers who are not archived; `active` is those engineers by id.
 */
export async function loadPolicyTargets(tx: Tx, policyId: number): Promise<{ policy: EscalationPolicy; resolve: ResolveTargets; active: Map<number, EngineerRow> }> {
  const { policy, rotationIds } = await loadPolicy(tx, policyId);
  const rotations = await loadRotations(tx, rotationIds);
  const active = new Map((await tx.select().from(engineers)).filter((e) => e.archivedAt === null).map((e) => [e.id, e]));
  const resolve: ResolveTargets = (target, at) => {
    if (target.kind === 'engineer') return active.has(Number(target.engineerId)) ? [target.engineerId] : [];
    const rotation = rotations.get(Number(target.rotationId));
    const onCall = rotation ? onCallAt(rotation, at) : null;
    return onCall !== null && active.has(Number(onCall)) ? [onCall] : [];
  };
  return { policy, resolve, active };
}

/**
 * Applies an escalation command to a locked incident: decides with the pure engine, writes the
 * new escalation state and the timeline in the caller's transaction, records the pages and
 * notices to send, and returns the wake-ups to enqueue after commit.
 */
export async function applyEscalation(
  tx: Tx,
  deps: Pick<Deps, 'config'>,
  context: IncidentContext,
  command: EscalationCommand,
  now: Date,
): Promise<{ decision: EscalationDecision; after: AfterCommit[] }> {
  const { incident } = context;
  const { policy, resolve, active } = await loadPolicyTargets(tx, incident.escalationPolicyId);

  const decision = decide(escalationStateOf(incident), command, policy, resolve, now);
  if (decision.ignored) return { decision, after: [] };

  await tx
    .update(incidents)
    .set({
      escalationLevel: decision.state.level,
      escalationRound: decision.state.round,
      escalationNextAt: decision.state.nextStepAt,
      escalationExhaustedAt: decision.state.exhaustedAt,
      escalationStoppedAt: decision.state.stoppedAt,
      updatedAt: now,
    })
    .where(eq(incidents.id, incident.id));
  const after: AfterCommit[] = [];
  // Once someone has the incident, pages not yet sent are dropped and page calls still ringing hung up.
  if (decision.state.stoppedAt && !incident.escalationStoppedAt) after.push(...(await dropPages(tx, incident.id, now)));
  for (const effect of decision.effects) {
    after.push(...(await runEffect(tx, deps, context, effect, active, now)));
  }
  return { decision, after };
}

async function runEffect(
  tx: Tx,
  deps: Pick<Deps, 'config'>,
  context: IncidentContext,
  effect: EscalationEffect,
  engineersById: Map<number, EngineerRow>,
  now: Date,
): Promise<AfterCommit[]> {
  const { incident } = context;
  const base = { incidentId: incident.id, at: now, actor: 'system' as const, channel: 'system' as const };
  switch (effect.type) {
    case 'page': {
      const engineer = engineersById.get(Number(effect.engineerId))!;
      const m = messages(engineer.language).engineer;
      const token = signAckToken(deps.config.LINK_SECRET, { incidentId: incident.id, engineerId: engineer.id, expiresAt: new Date(now.getTime() + ACK_LINK_LIFETIME_MS) });
      const details = pageDetails(context);
      const common = {
        incidentId: incident.id,
        engineerId: engineer.id,
        kind: 'page',
        to: engineer.phone,
        from: context.standbyPhone,
        priority: sendPriority(incident.severity, 'page'),
        level: effect.level,
        round: effect.round,
        now,
      };
      const key = `page:${incident.id}:${effect.round}:${effect.level}:${engineer.id}`;
      const sms = await queueOutbound(tx, { ...common, channel: 'sms', body: `${m.pageSms(details)}\n${deps.config.PUBLIC_BASE_URL}/ack/${token}`, dedupeKey: `${key}:sms` });
      const call = await queueOutbound(tx, { ...common, channel: 'voice', body: m.pageVoice(details), dedupeKey: `${key}:voice` });
      await addTimeline(tx, {
        ...base,
        kind: 'page',
        engineerId: engineer.id,
        body: `Paged ${engineer.name} by SMS and voice call (level ${effect.level + 1}, round ${effect.round + 1})`,
        data: { level: effect.level, round: effect.round, notificationIds: [sms.notificationId, call.notificationId] },
      });
      return [...sms.after, ...call.after];
    }
    case 'schedule':
      return [{ type: 'wake_escalation', incidentId: incident.id, at: effect.at }];
    case 'page_admins': {
      const admins = [...engineersById.values()].filter((e) => e.isAdmin);
      // Admins are engineers (isAdmin), so their ACK comes back through the engineer commands.
      const phones = new Map(admins.map((a) => [a.phone, { engineerId: a.id, language: a.language }]));
      const after: AfterCommit[] = [];
      for (const [phone, admin] of phones) {
        const text = messages(admin.language).engineer.escalationExhausted(pageDetails(context));
        for (const channel of ['sms', 'voice'] as const) {
          const queued = await queueOutbound(tx, {
            incidentId: incident.id,
            engineerId: admin.engineerId,
            kind: 'admin_page',
            channel,
            to: phone,
            from: context.standbyPhone,
            body: text,
            priority: sendPriority(incident.severity, 'page'),
            dedupeKey: `admin:${incident.id}:${phone}:${channel}`,
            now,
          });
          after.push(...queued.after);
        }
      }
      await addTimeline(tx, {
        ...base,
        kind: 'admins_paged',
        body: phones.size > 0
          ? `Escalation policy exhausted (${effect.reason === 'no_ack' ? 'nobody acknowledged' : 'nobody on call'}): paged the admins (${phones.size})`
          : 'Escalation policy exhausted and no admin is configured to page: mark an engineer as admin (isAdmin)',
        data: { reason: effect.reason, admins: phones.size },
      });
      return after;
    }
    case 'notify_ack': {
      const engineer = engineersById.get(Number(effect.engineerId));
      const by = engineersById.get(Number(effect.acknowledgedBy));
      if (!engineer) return [];
      const queued = await queueOutbound(tx, {
        incidentId: incident.id,
        engineerId: engineer.id,
        kind: 'ack_notice',
        channel: 'sms',
        to: engineer.phone,
        from: context.standbyPhone,
        body: messages(engineer.language).engineer.ackedByOther({ reference: incident.id, engineerName: by?.name ?? '?' }),
        priority: sendPriority(incident.severity, 'other'),
        dedupeKey: `ackedby:${incident.id}:${engineer.id}`,
        now,
      });
      return queued.after;
    }
    case 'notify_customer_ack': {
      const by = engineersById.get(Number(effect.acknowledgedBy));
      return notifyCustomer(tx, context, {
        kind: 'engineer_assigned',
        body: messages(context.customer.language).sms.engineerAssigned({ engineerName: by?.name ?? '', reference: incident.id }),
        dedupeKey: `assigned:${incident.id}`,
        now,
      });
    }
    case 'timeline':
      await addTimeline(tx, { ...base, kind: effect.kind, body: timelineText(effect, engineersById), data: { ...effect, type: undefined } });
      return [];
    default: {
      const never: never = effect;
      throw new Error(`unknown escalation effect ${JSON.stringify(never)}`);
    }
  }
}

/** Texts the customer who reported the incident, from the number they contacted. */
export async function notifyCustomer(
  tx: Tx,
  context: IncidentContext,
  message: { kind: string; body: string; dedupeKey: string; now: Date },
): Promise<AfterCommit[]> {
  const to = context.incident.reporterPhone;
  if (!to) return [];
  const queued = await queueOutbound(tx, {
    incidentId: context.incident.id,
    engineerId: null,
    kind: message.kind,
    channel: 'sms',
    to,
    from: context.standbyPhone,
    body: message.body,
    priority: sendPriority(context.incident.severity, 'customer_notice'),
    dedupeKey: message.dedupeKey,
    now: message.now,
  });
  if (queued.skipped === 'opted_out') {
    await addTimeline(tx, { incidentId: context.incident.id, at: message.now, actor: 'system', channel: 'system', kind: 'sms_suppressed', body: 'Not texted to the customer: their phone sent STOP to this number', data: { kind: message.kind } });
  }
  return queued.after;
}

function timelineText(effect: Extract<EscalationEffect, { type: 'timeline' }>, engineersById: Map<number, EngineerRow>): string {
  const name = (id: string | null) => (id ? (engineersById.get(Number(id))?.name ?? `engineer ${id}`) : 'someone');
  switch (effect.kind) {
    case 'escalation_started':
      return 'Escalation started';
    case 'escalated':
      return effect.reason === 'ack_timeout'
        ? `No acknowledgement at level ${effect.fromLevel + 1} (round ${effect.fromRound + 1}): escalating`
        : `${name(effect.requestedBy)} asked to escalate now from level ${effect.fromLevel + 1}`;
    case 'level_skipped':
      return `Level ${effect.level + 1} (round ${effect.round + 1}) skipped: nobody is on call there now`;
    case 'escalation_exhausted':
      return `Escalation policy exhausted after ${effect.rounds} round(s)`;
    case 'escalation_stopped':
      return `Escalation stopped: ${effect.reason}${effect.by ? ` by ${name(effect.by)}` : ''}`;
    default: {
      const never: never = effect;
      return String(never);
    }
  }
}
