import { asc, eq, lte, or, sql } from 'drizzle-orm';
import { writeLaterOrNow, type Tx } from '../db/client.js';
import { loadEscalationInputs, type EscalationInputs, type PagedEngineer } from '../db/escalation-policies.js';
import { customers, incidents, integrations, standbyNumbers } from '../db/schema.js';
import { addTimeline, type TimelineEntry } from '../db/timeline.js';
import { decide, type EscalationCommand, type EscalationDecision, type EscalationEffect, type EscalationPolicy, type EscalationState, type ResolveTargets } from '../domain/escalation/escalation.js';
import { sendPriority } from '../domain/escalation/send-priority.js';
import { messages, type PageDetails } from '../domain/i18n/index.js';
import { onCallAt } from '../domain/rotation/rotation.js';
import { ACK_LINK_LIFETIME_MS, signAckToken } from './ack-links.js';
import type { Deps } from './deps.js';
import type { AfterCommit } from './effects.js';
import { queueOutbounds, type Outbound, type Queued } from './outbound.js';
import { dropPages } from './page-cancel.js';

export type IncidentRow = typeof incidents.$inferSelect;

/** An incident with what every message about it names: customer, integration, standby number. */
export interface IncidentContext {
  incident: IncidentRow;
  customer: { id: number; name: string; language: 'es' | 'en' | 'pt' };
  integrationName: string;
  /** The number the customer contacted; pages and notices are sent from it so replies come back. */
  standbyPhone: string;
}

/**
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

/** Incidents with what every message about them names, in one statement (the caller adds the conditions). */
const contextQuery = (tx: Tx) =>
  tx
    .select({
      incident: incidents,
      customer: { id: customers.id, name: customers.name, language: customers.language },
      integrationName: integrations.name,
      standbyPhone: standbyNumbers.phone,
    })
    .from(incidents)
    .innerJoin(customers, eq(customers.id, incidents.customerId))
    .innerJoin(integrations, eq(integrations.id, incidents.integrationId))
    .leftJoin(standbyNumbers, eq(standbyNumbers.id, incidents.standbyNumberId))
    .$dynamic();

async function contextOf(tx: Tx, row: Awaited<ReturnType<typeof contextQuery>>[number]): Promise<IncidentContext> {
  return { incident: row.incident, customer: row.customer, integrationName: row.integrationName, standbyPhone: row.standbyPhone ?? (await anySender(tx)) };
}

/**
 * Loads an incident (locked like `lockIncident` when asked) with its customer, integration and
 * number, in one statement (a second only for an incident without a standby number).
 */
export async function loadIncidentContext(tx: Tx, incidentId: number, options: { lock: boolean }): Promise<IncidentContext | null> {
  const query = contextQuery(tx).where(eq(incidents.id, incidentId));
  const [row] = options.lock ? await query.for('no key update', { of: incidents }) : await query;
  return row ? contextOf(tx, row) : null;
}

/**
 * Locks, like `loadIncidentContext`, incident `incidentId` and up to `limit - 1` others whose
 * escalation step is due at `now`, skipping any another transaction holds (never waiting, so
 * batches taken at once by several workers neither overlap nor deadlock). `incidentId` comes
 * first when it could be locked; it is missing when it could not.
 */
export async function lockDueEscalations(tx: Tx, incidentId: number, now: Date, limit: number): Promise<IncidentContext[]> {
  const rows = await contextQuery(tx)
    .where(or(eq(incidents.id, incidentId), lte(incidents.escalationNextAt, now)))
    .orderBy(sql`${incidents.id} = ${incidentId} desc`, asc(incidents.escalationNextAt))
    .limit(limit)
    .for('no key update', { of: incidents, skipLocked: true });
  const contexts: IncidentContext[] = [];
  for (const row of rows) contexts.push(await contextOf(tx, row));
  return contexts;
}

/** What incidents without a standby number (opened by API before numbers were required) send from: the first shared one. */
async function anySender(tx: Tx): Promise<string> {
  const [any] = await tx.select({ phone: standbyNumbers.phone }).from(standbyNumbers).orderBy(sql`${standbyNumbers.customerId} is not null`, asc(standbyNumbers.id)).limit(1);
  if (!any) throw new Error('no standby number is configured to send from');
  return any.phone;
}

export const escalationStateOf = (i: Pick<IncidentRow, 'escalationLevel' | 'escalationRound' | 'escalationNextAt' | 'escalationExhaustedAt' | 'escalationStoppedAt'>): EscalationState => ({
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
/**
 * An escalation policy with what its targets reach at `at`: `resolve` answers who a target pages (a
 * rotation's on-call, through the rotation engine, or the engineer named), counting only engineers
 * who are not archived. One statement (see `loadEscalationInputs`).
 */
export async function loadPolicyTargets(tx: Tx, policyId: number, at: Date): Promise<{ policy: EscalationPolicy; resolve: ResolveTargets }> {
  const inputs = await loadEscalationInputs(tx, policyId, at);
  return { policy: inputs.policy, resolve: resolverOf(inputs) };
}

/**
 * Applies an escalation command to a locked incident: loads the policy, rotations and engineers
 * in one statement, decides with the pure engine, writes the new escalation state, the pages and
 * notices to send and the timeline in the caller's transaction, and returns the wake-ups to
 * enqueue after commit.
 */
export async function applyEscalation(
  tx: Tx,
  deps: Pick<Deps, 'config'>,
  context: IncidentContext,
  command: EscalationCommand,
  now: Date,
): Promise<{ decision: EscalationDecision; after: AfterCommit[] }> {
  const { incident } = context;
  const inputs = await loadEscalationInputs(tx, incident.escalationPolicyId, now, engineersNamedBy(command));
  const decision = decideEscalation(inputs, escalationStateOf(incident), command, now);
  if (decision.ignored) return { decision, after: [] };

  await tx
    .update(incidents)
    .set({ ...escalationColumns(decision.state), updatedAt: now })
    .where(eq(incidents.id, incident.id));
  const after: AfterCommit[] = [];
  // Once someone has the incident, pages not yet sent are dropped and page calls still ringing hung up.
  if (decision.state.stoppedAt && !incident.escalationStoppedAt) after.push(...(await dropPages(tx, incident.id, now)));
  after.push(...(await writeEscalationEffects(tx, deps, context, decision.effects, inputs.engineers, now)));
  return { decision, after };
}

/** The escalation engine's decision with loaded inputs: targets resolve to engineers who are not archived. */
export function decideEscalation(inputs: EscalationInputs, state: EscalationState, command: EscalationCommand, now: Date): EscalationDecision {
  return decide(state, command, inputs.policy, resolverOf(inputs), now);
}

/** Who a target pages: a rotation's on-call (only the overrides the inputs were loaded with count), or the engineer named; never an archived one. */
function resolverOf({ rotations, engineers: active }: EscalationInputs): ResolveTargets {
  return (target, at) => {
    if (target.kind === 'engineer') return active.has(Number(target.engineerId)) ? [target.engineerId] : [];
    const rotation = rotations.get(Number(target.rotationId));
    const onCall = rotation ? onCallAt(rotation, at) : null;
    return onCall !== null && active.has(Number(onCall)) ? [onCall] : [];
  };
}

/** The escalation state as the incident row's columns. */
export const escalationColumns = (state: EscalationState) => ({
  escalationLevel: state.level,
  escalationRound: state.round,
  escalationNextAt: state.nextStepAt,
  escalationExhaustedAt: state.exhaustedAt,
  escalationStoppedAt: state.stoppedAt,
});

/** Engineers a command names beyond the policy's: whoever acknowledged or asked, and everyone paged before. */
function engineersNamedBy(command: EscalationCommand): number[] {
  switch (command.type) {
    case 'acknowledge':
      return [command.engineerId, ...command.pagedEngineerIds].map(Number);
    case 'escalate_now':
      return command.requestedBy === null ? [] : [Number(command.requestedBy)];
    case 'start':
    case 'step_due':
    case 'resolve':
    case 'close':
      return [];
    default: {
      const never: never = command;
      throw new Error(`unknown escalation command ${JSON.stringify(never)}`);
    }
  }
}

/**
 * Writes what an escalation decision's effects mean, in the caller's transaction and in two
 * statements whatever their number: every SMS and call to send (one `queueOutbounds`), then the
 * timeline (`timelineBefore`, then the effects' entries, in order). Returns the wake-ups.
 */
export async function writeEscalationEffects(
  tx: Tx,
  deps: Pick<Deps, 'config'>,
  context: IncidentContext,
  effects: readonly EscalationEffect[],
  engineersById: ReadonlyMap<number, PagedEngineer>,
  now: Date,
  timelineBefore: readonly TimelineEntry[] = [],
): Promise<AfterCommit[]> {
  return writeEscalationsEffects(tx, deps, [{ context, effects, engineersById, timelineBefore }], now);
}

/**
 * `writeEscalationEffects` for the decisions of several incidents at once, still in two
 * statements; each decision at its own instant when it has one (`now` otherwise), with timeline
 * entries before and after its effects' own.
 */
export async function writeEscalationsEffects(
  tx: Tx,
  deps: Pick<Deps, 'config'>,
  decided: ReadonlyArray<{
    context: IncidentContext;
    effects: readonly EscalationEffect[];
    engineersById: ReadonlyMap<number, PagedEngineer>;
    now?: Date;
    timelineBefore?: readonly TimelineEntry[];
    timelineAfter?: readonly TimelineEntry[];
  }>,
  now: Date,
): Promise<AfterCommit[]> {
  const planned = decided.map((d) => ({
    before: d.timelineBefore ?? [],
    plans: d.effects.map((effect) => planEffect(deps, d.context, effect, d.engineersById, d.now ?? now)),
    end: d.timelineAfter ?? [],
  }));
  const queued = await queueOutbounds(tx, planned.flatMap((p) => p.plans.flatMap((plan) => plan.outbound)));
  const after: AfterCommit[] = [];
  const timeline: TimelineEntry[] = [];
  let next = 0;
  for (const { before, plans, end } of planned) {
    timeline.push(...before);
    for (const plan of plans) {
      const mine = queued.slice(next, next + plan.outbound.length);
      next += plan.outbound.length;
      for (const q of mine) after.push(...q.after);
      if (plan.wake) after.push(plan.wake);
      timeline.push(...plan.timeline(mine));
    }
    timeline.push(...end);
  }
  // With what follows (nothing reads the timeline back before its next statement, which it precedes).
  await writeLaterOrNow(tx, addTimeline(tx, timeline));
  return after;
}

/** One effect as rows to write: its messages, its wake-up, and its timeline entries once the messages are queued. */
interface PlannedEffect {
  outbound: Outbound[];
  wake?: AfterCommit;
  timeline: (queued: readonly Queued[]) => TimelineEntry[];
}

function planEffect(deps: Pick<Deps, 'config'>, context: IncidentContext, effect: EscalationEffect, engineersById: ReadonlyMap<number, PagedEngineer>, now: Date): PlannedEffect {
  const { incident } = context;
  const base = { incidentId: incident.id, at: now, actor: 'system' as const, channel: 'system' as const };
  const none = () => [];
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
        level: effect.level,
        round: effect.round,
        now,
      };
      const key = `page:${incident.id}:${effect.round}:${effect.level}:${engineer.id}`;
      return {
        outbound: [
          { ...common, channel: 'sms', priority: sendPriority(incident.severity, 'page', 'sms'), body: `${m.pageSms(details)}\n${deps.config.PUBLIC_BASE_URL}/ack/${token}`, dedupeKey: `${key}:sms` },
          { ...common, channel: 'voice', priority: sendPriority(incident.severity, 'page', 'voice'), body: m.pageVoice(details), dedupeKey: `${key}:voice` },
        ],
        timeline: ([sms, call]) => [
          {
            ...base,
            kind: 'page',
            engineerId: engineer.id,
            body: `Paged ${engineer.name} by SMS and voice call (level ${effect.level + 1}, round ${effect.round + 1})`,
            data: { level: effect.level, round: effect.round, notificationIds: [sms!.notificationId, call!.notificationId] },
          },
        ],
      };
    }
    case 'schedule':
      return { outbound: [], wake: { type: 'wake_escalation', incidentId: incident.id, at: effect.at }, timeline: none };
    case 'page_admins': {
      const admins = [...engineersById.values()].filter((e) => e.isAdmin);
      // Admins are engineers (isAdmin), so their ACK comes back through the engineer commands.
      const phones = new Map(admins.map((a) => [a.phone, { engineerId: a.id, language: a.language }]));
      const outbound = [...phones].flatMap(([phone, admin]) =>
        (['sms', 'voice'] as const).map((channel): Outbound => ({
          incidentId: incident.id,
          engineerId: admin.engineerId,
          kind: 'admin_page',
          channel,
          to: phone,
          from: context.standbyPhone,
          body: messages(admin.language).engineer.escalationExhausted(pageDetails(context)),
          priority: sendPriority(incident.severity, 'page', channel),
          dedupeKey: `admin:${incident.id}:${phone}:${channel}`,
          now,
        })),
      );
      return {
        outbound,
        timeline: () => [
          {
            ...base,
            kind: 'admins_paged',
            body: phones.size > 0
              ? `Escalation policy exhausted (${effect.reason === 'no_ack' ? 'nobody acknowledged' : 'nobody on call'}): paged the admins (${phones.size})`
              : 'Escalation policy exhausted and no admin is configured to page: mark an engineer as admin (isAdmin)',
            data: { reason: effect.reason, admins: phones.size },
          },
        ],
      };
    }
    case 'notify_ack': {
      const engineer = engineersById.get(Number(effect.engineerId));
      const by = engineersById.get(Number(effect.acknowledgedBy));
      if (!engineer) return { outbound: [], timeline: none };
      return {
        outbound: [
          {
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
          },
        ],
        timeline: none,
      };
    }
    case 'notify_customer_ack': {
      const by = engineersById.get(Number(effect.acknowledgedBy));
      const notice = customerNotice(context, {
        kind: 'engineer_assigned',
        body: messages(context.customer.language).sms.engineerAssigned({ engineerName: by?.name ?? '', reference: incident.id }),
        dedupeKey: `assigned:${incident.id}`,
        now,
      });
      return notice ?? { outbound: [], timeline: none };
    }
    case 'timeline':
      return { outbound: [], timeline: () => [{ ...base, kind: effect.kind, body: timelineText(effect, engineersById), data: { ...effect, type: undefined } }] };
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
  const notice = customerNotice(context, message);
  if (!notice) return [];
  const queued = await queueOutbounds(tx, notice.outbound);
  await addTimeline(tx, notice.timeline(queued));
  return queued.flatMap((q) => q.after);
}

/** The text to the customer who reported the incident (none without a reporter phone); a phone that sent STOP is not texted, and the timeline says so. */
function customerNotice(context: IncidentContext, message: { kind: string; body: string; dedupeKey: string; now: Date }): PlannedEffect | null {
  const to = context.incident.reporterPhone;
  if (!to) return null;
  return {
    outbound: [
      {
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
      },
    ],
    timeline: ([queued]) =>
      queued?.skipped === 'opted_out'
        ? [{ incidentId: context.incident.id, at: message.now, actor: 'system', channel: 'system', kind: 'sms_suppressed', body: 'Not texted to the customer: their phone sent STOP to this number', data: { kind: message.kind } }]
        : [],
  };
}

function timelineText(effect: Extract<EscalationEffect, { type: 'timeline' }>, engineersById: ReadonlyMap<number, PagedEngineer>): string {
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
