import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import { insertRows, tableRows } from '../db/json-rows.js';
import { incidents, openIncidentStatuses } from '../db/schema.js';
import { addTimeline, type TimelineEntry } from '../db/timeline.js';
import type { CoveredSeverity, IdentifiedBy } from '../domain/eligibility/index.js';
import { loadEscalationInputs, type EscalationInputs } from '../db/escalation-policies.js';
import { notStartedEscalation, type EscalationDecision } from '../domain/escalation/escalation.js';
import type { Deps } from './deps.js';
import type { AfterCommit } from './effects.js';
import { decideEscalation, escalationColumns, writeEscalationsEffects, type IncidentContext, type IncidentRow } from './paging.js';

export interface OpenIncidentInput {
  customer: IncidentContext['customer'];
  contractId: number;
  integration: { id: number; name: string };
  /** The number the customer contacted (or the API chose): its policy pages, and notices are sent from it. */
  standby: { id: number; phone: string; escalationPolicyId: number };
  severity: 'blocker' | 'high';
  channel: 'voice' | 'sms' | 'api';
  reporterPhone: string | null;
  /** How the reporter was identified (null: opened through the API). `customer_code` is named in the pages. */
  identifiedBy: IdentifiedBy | null;
  description: string;
  /** When the customer first reached us (the first webhook's arrival): the SLA clocks start here. */
  firstContactAt: Date;
  /** What happened before the incident existed (prompts, keypresses, texts), in order. */
  transcript?: Array<Omit<TimelineEntry, 'incidentId'>>;
}

export type OpenIncidentResult =
  | { outcome: 'opened'; incident: IncidentRow; after: AfterCommit[] }
  /** The customer already has an open incident for this integration: the contact was added to it. */
  | { outcome: 'added_to_open'; incident: IncidentRow; after: AfterCommit[] }
  /**
   * It has one, and the reporter was identified only by code: the contact was noted on it (see
   * `noteUnverifiedContact`) and the reporter must not be told which incident it is.
   */
  | { outcome: 'noted_on_open'; incident: IncidentRow; after: AfterCommit[] };

/**
 * Opens an incident and starts paging, all in the caller's transaction: the escalation is
 * decided before the row is written and its state is written with the incident, so a crash after
 * commit loses nothing (the reconciler finds the due step). A second contact about an integration
 * that already has an open incident is added to that incident instead; the database's partial
 * unique index settles concurrent contacts.
 *
 * Round trips: the escalation inputs (one statement, unless given), the incident, the pages, the timeline.
 */
export async function openIncident(
  tx: Tx,
  deps: Pick<Deps, 'config'>,
  input: OpenIncidentInput,
  now: Date,
  options: {
    /** Timeline entries to write after the opening's own, when it opens (e.g. the answers the reporter gets, which name the reference): in the same statement. */
    timelineAfter?: (incident: IncidentRow) => TimelineEntry[];
    /** The escalation inputs loaded already, with the request's first statements: used when they are this policy's (at `now`). */
    escalationInputs?: EscalationInputs | null;
  } = {},
): Promise<OpenIncidentResult> {
  const { timelineAfter, escalationInputs: loaded } = options;
  const inputs = loaded?.policy.id === String(input.standby.escalationPolicyId) ? loaded : await loadEscalationInputs(tx, input.standby.escalationPolicyId, now);
  const escalation = decideEscalation(inputs, notStartedEscalation(), { type: 'start' }, now);
  // Twice at most: the open incident that made the insert conflict may be resolved before we lock it.
  for (let attempt = 0; attempt < 2; attempt++) {
    const [created] = await tx.insert(incidents).values(incidentValues(input, escalation, now)).onConflictDoNothing().returning();
    if (created) {
      const context = contextOf(created, input);
      const after = await writeEscalationsEffects(
        tx,
        deps,
        [{ context, effects: escalation.effects, engineersById: inputs.engineers, timelineBefore: openedTimeline(created, input, now), timelineAfter: timelineAfter?.(created) ?? [] }],
        now,
      );
      return { outcome: 'opened', incident: created, after };
    }

    const [open] = await tx
      .select()
      .from(incidents)
      .where(and(eq(incidents.customerId, input.customer.id), eq(incidents.integrationId, input.integration.id), inArray(incidents.status, [...openIncidentStatuses])))
      .for('update');
    // The open incident's row is locked (for update) by the select above.
    if (open && input.identifiedBy === 'customer_code' && input.channel !== 'api') {
      await noteUnverifiedContact(tx, open.id, { channel: input.channel, reporterPhone: input.reporterPhone, severity: input.severity, text: input.description, transcript: input.transcript ?? [] }, now);
      return { outcome: 'noted_on_open', incident: open, after: [] };
    }
    if (open) return addedToOpen(tx, input, open, now);
  }
  throw new Error('incident insert kept conflicting with an open incident that could not be found');
}

/** A new incident to open with others (see `openIncidentsTogether`), at its own instant. */
export interface IncidentToOpen {
  input: OpenIncidentInput;
  now: Date;
  /** Timeline entries to write after the opening's (e.g. the answers the reporter gets, which name the reference). */
  timelineAfter: (incident: IncidentRow) => TimelineEntry[];
}

/**
 * `openIncident` for many reports at once, each at its own instant, in a few statements whatever
 * their number: the escalation inputs (one per policy), the incidents, the pages, the timeline.
 * Only new incidents are opened here: a report whose integration already has an open incident
 * (or another report of this call about the same integration) gets null and nothing is written
 * for it; the caller hands it to `openIncident`, which adds it to that incident.
 */
export async function openIncidentsTogether(
  tx: Tx,
  deps: Pick<Deps, 'config'>,
  list: readonly IncidentToOpen[],
): Promise<{ opened: Array<IncidentRow | null>; after: AfterCommit[] }> {
  if (list.length === 0) return { opened: [], after: [] };
  const instants = list.map((o) => o.now.getTime());
  const during = { from: new Date(Math.min(...instants)), until: new Date(Math.max(...instants)) };
  const inputsByPolicy = new Map<number, EscalationInputs>();
  for (const policyId of new Set(list.map((o) => o.input.standby.escalationPolicyId))) inputsByPolicy.set(policyId, await loadEscalationInputs(tx, policyId, during));

  const integrationKey = (input: OpenIncidentInput) => `${input.customer.id}:${input.integration.id}`;
  const firsts = new Map<string, number>();
  list.forEach((o, i) => firsts.has(integrationKey(o.input)) || firsts.set(integrationKey(o.input), i));
  const planned = [...firsts.values()].map((i) => {
    const { input, now } = list[i]!;
    const inputs = inputsByPolicy.get(input.standby.escalationPolicyId)!;
    return { i, inputs, escalation: decideEscalation(inputs, notStartedEscalation(), { type: 'start' }, now) };
  });
  // One statement of one parameter whatever their number (see `insertRows`).
  const inserted = await tx.execute<Record<string, unknown>>(sql`
    ${insertRows(
      incidents,
      planned.map((p) => incidentValues(list[p.i]!.input, p.escalation, list[p.i]!.now)),
    )}
    on conflict do nothing
    returning *`);
  const created = tableRows(incidents, inserted);
  const byIntegration = new Map(created.map((row) => [`${row.customerId}:${row.integrationId}`, row]));

  const opened: Array<IncidentRow | null> = list.map(() => null);
  const decided = [];
  for (const { i, inputs, escalation } of planned) {
    const { input, now, timelineAfter } = list[i]!;
    const incident = byIntegration.get(integrationKey(input));
    if (!incident) continue;
    opened[i] = incident;
    decided.push({
      context: contextOf(incident, input),
      effects: escalation.effects,
      engineersById: inputs.engineers,
      now,
      timelineBefore: openedTimeline(incident, input, now),
      timelineAfter: timelineAfter(incident),
    });
  }
  const after = await writeEscalationsEffects(tx, deps, decided, list[0]!.now);
  return { opened, after };
}

/** The incident row an opening writes: the report, and the escalation state decided before it (so a crash after commit loses no step). */
function incidentValues(input: OpenIncidentInput, escalation: EscalationDecision, now: Date): typeof incidents.$inferInsert {
  return {
    customerId: input.customer.id,
    contractId: input.contractId,
    integrationId: input.integration.id,
    standbyNumberId: input.standby.id,
    escalationPolicyId: input.standby.escalationPolicyId,
    severity: input.severity,
    channel: input.channel,
    reporterPhone: input.reporterPhone,
    reporterIdentifiedBy: input.identifiedBy,
    description: input.description,
    firstContactAt: input.firstContactAt,
    // An ignored start leaves the state as it was: not started (the columns' defaults).
    ...escalationColumns(escalation.state),
    createdAt: now,
    updatedAt: now,
  };
}

function contextOf(incident: IncidentRow, input: OpenIncidentInput): IncidentContext {
  return { incident, customer: input.customer, integrationName: input.integration.name, standbyPhone: input.standby.phone };
}

/** What an opened incident's timeline starts with: what happened before it existed, then the opening. */
function openedTimeline(incident: IncidentRow, input: OpenIncidentInput, now: Date): TimelineEntry[] {
  return [
    ...(input.transcript ?? []).map((e) => ({ ...e, incidentId: incident.id })),
    {
      incidentId: incident.id,
      at: now,
      actor: 'system',
      channel: 'system',
      kind: 'incident_opened',
      body: `Incident ${incident.id} opened: ${input.severity === 'blocker' ? 'Blocker' : 'High'} via ${input.channel}; first contact ${input.firstContactAt.toISOString()}`,
      data: { severity: input.severity, channel: input.channel, firstContactAt: input.firstContactAt.toISOString() },
    },
  ];
}

/** A repeat contact joins the open incident; a Blocker report raises a High incident to Blocker. */
async function addedToOpen(tx: Tx, input: OpenIncidentInput, open: IncidentRow, now: Date): Promise<OpenIncidentResult> {
  await addTimeline(tx, [
    ...(input.transcript ?? []).map((e) => ({ ...e, incidentId: open.id })),
    {
      incidentId: open.id,
      at: input.firstContactAt,
      actor: 'customer',
      channel: input.channel === 'api' ? 'api' : input.channel,
      kind: 'repeat_contact',
      body: `The customer contacted again (${input.channel}${input.reporterPhone ? ` from ${input.reporterPhone}` : ''}, ${input.severity})${input.description ? `: ${input.description}` : ''}`,
      data: { severity: input.severity, reporterPhone: input.reporterPhone },
    },
  ]);
  const incident = (await raiseSeverity(tx, open.id, input.severity, now)) ?? open;
  return { outcome: 'added_to_open', incident, after: [] };
}

/**
 * A new report at Blocker on an open High incident raises it: Blocker SLA targets apply from then
 * on, and the timeline says so. Returns the updated row, or null when nothing changed.
 */
export async function raiseSeverity(tx: Tx, incidentId: number, reported: 'blocker' | 'high', now: Date): Promise<IncidentRow | null> {
  if (reported !== 'blocker') return null;
  const [raised] = await tx
    .update(incidents)
    .set({ severity: 'blocker', updatedAt: now })
    .where(and(eq(incidents.id, incidentId), eq(incidents.severity, 'high'), inArray(incidents.status, [...openIncidentStatuses])))
    .returning();
  if (!raised) return null;
  await addTimeline(tx, { incidentId, at: now, actor: 'system', channel: 'system', kind: 'severity_raised', body: "Raised from High to Blocker by the customer's new report: Blocker SLA targets apply", data: { from: 'high', to: 'blocker' } });
  return raised;
}

/**
 * A report from someone identified only by a customer code, about an integration whose incident
 * they were not told about: written on that incident's timeline (with what was said before, and
 * from which number) so the engineers can check it with the customer. Nothing is relayed, the
 * severity is not raised, and the reporter hears nothing about the incident. The caller holds the
 * incident's row lock.
 */
export async function noteUnverifiedContact(
  tx: Tx,
  incidentId: number,
  contact: { channel: 'voice' | 'sms'; reporterPhone: string | null; severity: CoveredSeverity; text: string; transcript: Array<Omit<TimelineEntry, 'incidentId'>> },
  now: Date,
): Promise<void> {
  await addTimeline(tx, [
    ...contact.transcript.map((e) => ({ ...e, incidentId })),
    {
      incidentId,
      at: now,
      actor: 'customer',
      channel: contact.channel,
      kind: 'unverified_contact',
      body:
        `Someone identified only by the customer code (${contact.channel === 'voice' ? 'a call' : 'a text'} from ${contact.reporterPhone ?? 'a withheld number'}) reported this integration ` +
        `(${contact.severity}); they were not told about this incident and nothing was relayed${contact.text ? `. They said: ${contact.text}` : ''}`,
      data: { reporterPhone: contact.reporterPhone, severity: contact.severity, identifiedBy: 'customer_code' },
    },
  ]);
}
