import type { Config } from '../config.js';
import type { TimelineEntry } from '../db/timeline.js';
import type { OpenIncidentEffect, OutOfScopeReason } from '../domain/eligibility/index.js';
import type { IntakeFiles, StandbyNumberRow } from '../db/intake.js';
import type { OpenIncidentInput } from './incidents.js';
import type { SupportCenter } from '../domain/hours/index.js';

/** The ticket desk out-of-scope answers send people to, and its hours, from the configuration. */
export function supportCenterOf(config: Pick<Config, 'SUPPORT_CENTER_NAME' | 'WORKING_HOURS_TZ' | 'WORKING_HOURS_HOLIDAYS'>): SupportCenter {
  return { name: config.SUPPORT_CENTER_NAME, hours: { timeZone: config.WORKING_HOURS_TZ, holidays: config.WORKING_HOURS_HOLIDAYS } };
}

/**
 * Why a contact is in the contacts log: the out-of-scope reason the person was told, or, for a
 * contact that reached no decision, `intake_abandoned` (ran out of attempts, stayed silent, let an
 * SMS conversation expire) or `incident_not_identified` (a text that could be about several open
 * incidents and named none). Either way the exchange is kept in writing.
 */
export type ContactsLogReason = OutOfScopeReason | 'intake_abandoned' | 'incident_not_identified';

/**
 * One exchange of a contact before its incident exists (a prompt, a keypress, a text in or out),
 * as JSON kept with the call session or SMS conversation; it becomes a timeline entry once the
 * incident is opened, or goes to the contacts log with the contact.
 */
export type TranscriptEvent = {
  /** ISO instant. */
  at: string;
  kind: string;
  actor: 'customer' | 'system';
  channel: 'voice' | 'sms';
  body: string;
  data: Record<string, unknown>;
};

export function transcriptEvent(at: Date, kind: string, actor: TranscriptEvent['actor'], channel: TranscriptEvent['channel'], body: string, data: Record<string, unknown> = {}): TranscriptEvent {
  return { at: at.toISOString(), kind, actor, channel, body, data };
}

/** Transcript events as timeline entries (without the incident, which `openIncident` fills in). */
export function toTimeline(events: readonly TranscriptEvent[]): Array<Omit<TimelineEntry, 'incidentId'>> {
  return events.map((e) => ({ at: new Date(e.at), kind: e.kind, actor: e.actor, channel: e.channel, body: e.body, data: e.data }));
}

/** Transcript events written straight onto an existing incident's timeline. */
export function onIncident(incidentId: number, events: readonly TranscriptEvent[]): TimelineEntry[] {
  return toTimeline(events).map((e) => ({ ...e, incidentId }));
}

/** Reads back a transcript kept as JSON, dropping anything that is not an event. */
export function parseTranscript(value: unknown): TranscriptEvent[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (e): e is TranscriptEvent =>
      typeof e === 'object' && e !== null && typeof (e as TranscriptEvent).at === 'string' && typeof (e as TranscriptEvent).kind === 'string' && typeof (e as TranscriptEvent).body === 'string',
  );
}

/** The incident an eligible contact opens: the intake's decision, paged through the number's policy. */
export function incidentInputOf(
  effect: OpenIncidentEffect,
  standby: StandbyNumberRow,
  files: IntakeFiles,
  contact: { channel: 'voice' | 'sms'; reporterPhone: string | null; firstContactAt: Date; transcript: TimelineEntryWithoutIncident[] },
): OpenIncidentInput {
  const customer = [files.dialledNumberOwner, files.senderOwner, files.identified, files.typedCodeOwner].find((f) => f?.customer.id === effect.customerId)?.customer;
  if (!customer) throw new Error(`customer ${effect.customerId} of an open_incident decision was not among the files it was decided on`);
  return {
    customer: { id: customer.id, name: customer.name, language: customer.language },
    contractId: effect.contractId,
    integration: { id: effect.integrationId, name: effect.integrationName },
    standby: { id: standby.id, phone: standby.phone, escalationPolicyId: standby.escalationPolicyId },
    severity: effect.severity,
    description: effect.description,
    identifiedBy: effect.identifiedBy,
    ...contact,
  };
}

type TimelineEntryWithoutIncident = Omit<TimelineEntry, 'incidentId'>;
