/**
 * The whole Postgres schema. Postgres is the source of truth: invariants that matter (unique
 * numbers, E.164 shape, one open incident per integration, valid windows) are constraints here,
 * not only checks in code. Migrations in `migrations/` are generated from this file by drizzle-kit.
 */
import { sql } from 'drizzle-orm';
import { NOTIFICATION_STATUSES } from '../domain/delivery-status.js';
import {
  type AnyPgColumn,
  bigint,
  boolean,
  check,
  date,

  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const id = () => bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity();
const ref = (name: string) => bigint(name, { mode: 'number' });
const instant = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const createdAt = () => instant('created_at').notNull().defaultNow();
const updatedAt = () => instant('updated_at').notNull().defaultNow();
const e164 = (column: string) => sql.raw(`${column} ~ '^\\+[1-9][0-9]{6,14}$'`);
const language = (column: string) => sql.raw(`${column} in ('es', 'en', 'pt')`);

export const customers = pgTable(
  'customers',
  {
    id: id(),
    code: text('code').notNull(),
    name: text('name').notNull(),
    language: text('language', { enum: ['es', 'en', 'pt'] }).notNull(),
    timeZone: text('time_zone').notNull(),
    archivedAt: instant('archived_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('customers_code_key').on(t.code),
    check('customers_code_digits', sql`${t.code} ~ '^[0-9]{3,8}$'`),
    check('customers_language', language('language')),
    check('customers_name_present', sql`length(trim(${t.name})) > 0`),
  ],
);

export const contracts = pgTable(
  'contracts',
  {
    id: id(),
    customerId: ref('customer_id').notNull().references(() => customers.id, { onDelete: 'restrict' }),
    name: text('name').notNull(),
    integrations24x7: boolean('integrations_24x7').notNull(),
    validFrom: instant('valid_from').notNull(),
    validUntil: instant('valid_until'),
    blockerFirstResponseMinutes: integer('blocker_first_response_minutes').notNull(),
    blockerResolutionMinutes: integer('blocker_resolution_minutes').notNull(),
    highFirstResponseMinutes: integer('high_first_response_minutes').notNull(),
    highResolutionMinutes: integer('high_resolution_minutes').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('contracts_customer_idx').on(t.customerId),
    check('contracts_window', sql`${t.validUntil} is null or ${t.validUntil} > ${t.validFrom}`),
    check(
      'contracts_sla_positive',
      sql`${t.blockerFirstResponseMinutes} > 0 and ${t.blockerResolutionMinutes} > 0 and ${t.highFirstResponseMinutes} > 0 and ${t.highResolutionMinutes} > 0`,
    ),
  ],
);

export const integrations = pgTable(
  'integrations',
  {
    id: id(),
    customerId: ref('customer_id').notNull().references(() => customers.id, { onDelete: 'restrict' }),
    name: text('name').notNull(),
    builtBy: text('built_by', { enum: ['vendor', 'selfservice'] }).notNull(),
    archivedAt: instant('archived_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('integrations_customer_name_key').on(t.customerId, sql`lower(${t.name})`).where(sql`${t.archivedAt} is null`),
    check('integrations_built_by', sql`${t.builtBy} in ('vendor', 'selfservice')`),
  ],
);

export const contacts = pgTable(
  'contacts',
  {
    id: id(),
    customerId: ref('customer_id').notNull().references(() => customers.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    phone: text('phone').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('contacts_phone_key').on(t.phone), index('contacts_customer_idx').on(t.customerId), check('contacts_phone_e164', e164('phone'))],
);

export const engineers = pgTable(
  'engineers',
  {
    id: id(),
    name: text('name').notNull(),
    phone: text('phone').notNull(),
    language: text('language', { enum: ['es', 'en', 'pt'] }).notNull(),
    timeZone: text('time_zone').notNull(),
    /** Admins are paged when an escalation policy is exhausted. */
    isAdmin: boolean('is_admin').notNull().default(false),
    archivedAt: instant('archived_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('engineers_phone_key').on(t.phone), check('engineers_phone_e164', e164('phone')), check('engineers_language', language('language'))],
);

export const rotations = pgTable(
  'rotations',
  {
    id: id(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    archivedAt: instant('archived_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('rotations_name_key').on(t.name).where(sql`${t.archivedAt} is null`)],
);

/**
 * A rotation's shape from `effective_from` on. Changing a rotation adds a version instead of
 * editing one, so "who was on call at T" stays true for every T before the change.
 */
export const rotationVersions = pgTable(
  'rotation_versions',
  {
    id: id(),
    rotationId: ref('rotation_id').notNull().references(() => rotations.id, { onDelete: 'cascade' }),
    effectiveFrom: instant('effective_from').notNull(),
    timeZone: text('time_zone').notNull(),
    shiftLength: integer('shift_length').notNull(),
    shiftUnit: text('shift_unit', { enum: ['hours', 'days', 'weeks'] }).notNull(),
    handoffTime: text('handoff_time').notNull(),
    startDate: date('start_date', { mode: 'string' }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('rotation_versions_effective_key').on(t.rotationId, t.effectiveFrom),
    check('rotation_versions_length', sql`${t.shiftLength} between 1 and 1000`),
    check('rotation_versions_unit', sql`${t.shiftUnit} in ('hours', 'days', 'weeks')`),
    check('rotation_versions_handoff', sql`${t.handoffTime} ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'`),
  ],
);

export const rotationParticipants = pgTable(
  'rotation_participants',
  {
    rotationVersionId: ref('rotation_version_id').notNull().references(() => rotationVersions.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    engineerId: ref('engineer_id').notNull().references(() => engineers.id, { onDelete: 'restrict' }),
  },
  (t) => [primaryKey({ columns: [t.rotationVersionId, t.position] }), index('rotation_participants_engineer_idx').on(t.engineerId), check('rotation_participants_position', sql`${t.position} >= 0`)],
);

/** Someone covers a window: for one participant (`replaces_engineer_id`) or the whole rotation (null). */
export const rotationOverrides = pgTable(
  'rotation_overrides',
  {
    id: id(),
    rotationId: ref('rotation_id').notNull().references(() => rotations.id, { onDelete: 'cascade' }),
    engineerId: ref('engineer_id').notNull().references(() => engineers.id, { onDelete: 'restrict' }),
    replacesEngineerId: ref('replaces_engineer_id').references(() => engineers.id, { onDelete: 'restrict' }),
    startsAt: instant('starts_at').notNull(),
    endsAt: instant('ends_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('rotation_overrides_window_idx').on(t.rotationId, t.startsAt, t.endsAt), check('rotation_overrides_window', sql`${t.endsAt} > ${t.startsAt}`)],
);

/** Handoff notices already sent: the unique key makes "once, even with several workers" a fact. */
export const handoffNotices = pgTable(
  'handoff_notices',
  {
    rotationId: ref('rotation_id').notNull().references(() => rotations.id, { onDelete: 'cascade' }),
    shiftStart: instant('shift_start').notNull(),
    engineerId: ref('engineer_id').notNull().references(() => engineers.id, { onDelete: 'cascade' }),
    sentAt: instant('sent_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.rotationId, t.shiftStart] })],
);

export const calendarTokens = pgTable(
  'calendar_tokens',
  {
    id: id(),
    engineerId: ref('engineer_id').notNull().references(() => engineers.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    revokedAt: instant('revoked_at'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('calendar_tokens_hash_key').on(t.tokenHash)],
);

export const escalationPolicies = pgTable(
  'escalation_policies',
  {
    id: id(),
    name: text('name').notNull(),
    /** How many more times the whole list of levels runs after the first pass. */
    repeat: integer('repeat').notNull().default(0),
    archivedAt: instant('archived_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('escalation_policies_name_key').on(t.name).where(sql`${t.archivedAt} is null`), check('escalation_policies_repeat', sql`${t.repeat} between 0 and 10`)],
);

export const escalationLevels = pgTable(
  'escalation_levels',
  {
    id: id(),
    policyId: ref('policy_id').notNull().references(() => escalationPolicies.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    /** The API holds the floor (MIN_ACK_TIMEOUT_SECONDS, 30 s in production); the database only bounds it. */
    ackTimeoutSeconds: integer('ack_timeout_seconds').notNull(),
  },
  (t) => [uniqueIndex('escalation_levels_position_key').on(t.policyId, t.position), check('escalation_levels_timeout', sql`${t.ackTimeoutSeconds} between 1 and 86400`)],
);

export const escalationTargets = pgTable(
  'escalation_targets',
  {
    id: id(),
    levelId: ref('level_id').notNull().references(() => escalationLevels.id, { onDelete: 'cascade' }),
    rotationId: ref('rotation_id').references(() => rotations.id, { onDelete: 'restrict' }),
    engineerId: ref('engineer_id').references(() => engineers.id, { onDelete: 'restrict' }),
  },
  (t) => [
    index('escalation_targets_level_idx').on(t.levelId),
    index('escalation_targets_engineer_idx').on(t.engineerId),
    index('escalation_targets_rotation_idx').on(t.rotationId),
    check('escalation_targets_one_kind', sql`(${t.rotationId} is null) <> (${t.engineerId} is null)`),
  ],
);

/** A number customers call or text. Dedicated to one customer, or shared (customer_id null). */
export const standbyNumbers = pgTable(
  'standby_numbers',
  {
    id: id(),
    phone: text('phone').notNull(),
    label: text('label').notNull().default(''),
    customerId: ref('customer_id').references(() => customers.id, { onDelete: 'restrict' }),
    escalationPolicyId: ref('escalation_policy_id').notNull().references(() => escalationPolicies.id, { onDelete: 'restrict' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('standby_numbers_phone_key').on(t.phone), check('standby_numbers_phone_e164', e164('phone'))],
);

export const incidentStatuses = ['triggered', 'acknowledged', 'waiting_on_customer', 'resolved', 'closed_with_evidence'] as const;
export const openIncidentStatuses = ['triggered', 'acknowledged', 'waiting_on_customer'] as const;

export const incidents = pgTable(
  'incidents',
  {
    id: id(),
    customerId: ref('customer_id').notNull().references(() => customers.id, { onDelete: 'restrict' }),
    contractId: ref('contract_id').notNull().references(() => contracts.id, { onDelete: 'restrict' }),
    integrationId: ref('integration_id').notNull().references(() => integrations.id, { onDelete: 'restrict' }),
    standbyNumberId: ref('standby_number_id').references(() => standbyNumbers.id, { onDelete: 'restrict' }),
    escalationPolicyId: ref('escalation_policy_id').notNull().references(() => escalationPolicies.id, { onDelete: 'restrict' }),
    severity: text('severity', { enum: ['blocker', 'high'] }).notNull(),
    status: text('status', { enum: incidentStatuses }).notNull().default('triggered'),
    channel: text('channel', { enum: ['voice', 'sms', 'api'] }).notNull(),
    reporterPhone: text('reporter_phone'),
    /**
     * How the reporter was identified: `customer_code` means only by a code typed on the shared
     * number (anyone who knows it can type it), which the pages say; null for API-opened incidents.
     */
    reporterIdentifiedBy: text('reporter_identified_by', { enum: ['dialled_number', 'caller_id', 'customer_code'] }),
    description: text('description').notNull().default(''),
    /** The webhook's arrival, not when this row was written: the SLA clocks start here. */
    firstContactAt: instant('first_contact_at').notNull(),
    acknowledgedAt: instant('acknowledged_at'),
    acknowledgedBy: ref('acknowledged_by').references(() => engineers.id, { onDelete: 'restrict' }),
    resolvedAt: instant('resolved_at'),
    resolution: text('resolution'),
    evidence: text('evidence'),
    /** Set while waiting on the customer or their third parties: the resolution clock is paused. */
    waitingSince: instant('waiting_since'),
    waitingSeconds: integer('waiting_seconds').notNull().default(0),
    /** Escalation state, written in the same transaction as the incident or the ack. */
    escalationLevel: integer('escalation_level').notNull().default(0),
    escalationRound: integer('escalation_round').notNull().default(0),
    escalationNextAt: instant('escalation_next_at'),
    escalationExhaustedAt: instant('escalation_exhausted_at'),
    /** Set when an acknowledgement, resolution or close ended the escalation. */
    escalationStoppedAt: instant('escalation_stopped_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('incidents_one_open_per_integration')
      .on(t.customerId, t.integrationId)
      .where(sql`${t.status} in ('triggered', 'acknowledged', 'waiting_on_customer')`),
    index('incidents_escalation_due_idx').on(t.escalationNextAt).where(sql`${t.escalationNextAt} is not null`),
    index('incidents_status_idx').on(t.status, t.id),
    index('incidents_customer_idx').on(t.customerId, t.id),
    /** The SLA report's month and the list's from/to filters. */
    index('incidents_first_contact_idx').on(t.firstContactAt),
    check('incidents_severity', sql`${t.severity} in ('blocker', 'high')`),
    check('incidents_ack_pair', sql`(${t.acknowledgedAt} is null) = (${t.acknowledgedBy} is null)`),
    check('incidents_reporter_identified_by', sql`${t.reporterIdentifiedBy} in ('dialled_number', 'caller_id', 'customer_code')`),
  ],
);

/** Every exchange, in writing: calls, keypresses, prompts, recordings, SMS, pages, acks, notes. */
export const timelineEntries = pgTable(
  'timeline_entries',
  {
    id: id(),
    incidentId: ref('incident_id').notNull().references(() => incidents.id, { onDelete: 'cascade' }),
    at: instant('at').notNull(),
    kind: text('kind').notNull(),
    actor: text('actor', { enum: ['customer', 'engineer', 'admin', 'system'] }).notNull(),
    engineerId: ref('engineer_id').references(() => engineers.id, { onDelete: 'set null' }),
    channel: text('channel', { enum: ['voice', 'sms', 'api', 'link', 'system'] }).notNull(),
    body: text('body').notNull().default(''),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [index('timeline_incident_idx').on(t.incidentId, t.id)],
);

/**
 * Outbound pages and messages: the truth of what must be sent. The send queue in Redis only
 * wakes a worker for a row here; `twilio_sid` is set once Twilio accepted it.
 */
export const notifications = pgTable(
  'notifications',
  {
    id: id(),
    incidentId: ref('incident_id').references(() => incidents.id, { onDelete: 'cascade' }),
    engineerId: ref('engineer_id').references(() => engineers.id, { onDelete: 'set null' }),
    kind: text('kind').notNull(),
    channel: text('channel', { enum: ['sms', 'voice'] }).notNull(),
    toPhone: text('to_phone').notNull(),
    fromPhone: text('from_phone').notNull(),
    body: text('body').notNull(),
    priority: integer('priority').notNull(),
    /** For pages: the escalation step that sent it, so "press 2" escalates from that step only. */
    level: integer('level'),
    round: integer('round'),
    /** Makes "a job run twice pages once" a constraint: one row per incident, step and target. */
    dedupeKey: text('dedupe_key').notNull(),
    status: text('status', { enum: NOTIFICATION_STATUSES })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    /**
     * Set when a worker died holding the row: Twilio may or may not have it. The next attempt
     * asks Twilio before sending again; a clean 429/5xx leaves it false (Twilio did not send).
     */
    outcomeUnknown: boolean('outcome_unknown').notNull().default(false),
    twilioSid: text('twilio_sid'),
    error: text('error'),
    /** When the send is due: at creation, or after a failed attempt's backoff (Twilio's `Retry-After`). */
    notBefore: instant('not_before').notNull(),
    /** The worker process holding the send (`workers.id`) and since when: a dead holder's claim is taken back. */
    claimedBy: text('claimed_by'),
    claimedAt: instant('claimed_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('notifications_dedupe_key').on(t.dedupeKey),
    uniqueIndex('notifications_twilio_sid_key').on(t.twilioSid),
    index('notifications_pending_idx').on(t.status, t.notBefore).where(sql`${t.status} in ('pending', 'sending')`),
    index('notifications_incident_idx').on(t.incidentId),
  ],
);

/**
 * The worker processes alive now: each writes `last_seen_at` every second or so. A send claimed by
 * a worker that stopped being seen is taken back by the reconciler.
 */
export const workers = pgTable('workers', {
  id: text('id').primaryKey(),
  startedAt: instant('started_at').notNull(),
  lastSeenAt: instant('last_seen_at').notNull(),
});

/**
 * The periodic upkeep (reconciler, handoff notices, abandoned calls, pruning): when each last ran
 * and by whom. Workers coordinate through this row (locked) so a task runs once per interval
 * whatever the number of workers; `/metrics` reads the reconciler's lag from here.
 */
export const upkeep = pgTable('upkeep', {
  task: text('task').primaryKey(),
  lastRunAt: instant('last_run_at').notNull(),
  lastRunBy: text('last_run_by').notNull(),
  lastDurationMs: integer('last_duration_ms').notNull(),
  lastResult: jsonb('last_result').notNull().default({}),
});

/** A webhook answered once: a replay with the same key gets the same answer and changes nothing. */
export const webhookReceipts = pgTable('webhook_receipts', {
  key: text('key').primaryKey(),
  statusCode: integer('status_code').notNull(),
  contentType: text('content_type').notNull(),
  body: text('body').notNull(),
  createdAt: createdAt(),
});

/**
 * A text to a standby number that arrived while the web process was at capacity: answered at
 * once ("received, we will text you back") and kept here, in arrival order, until a web process
 * has room to handle it as if it had just arrived (`received_at` is its arrival: the first contact
 * the SLA counts from). `receipt_key` is the webhook's receipt key: Twilio's retry of the same
 * request finds it here, or in `webhook_receipts` once it has been handled.
 */
export const deferredTexts = pgTable(
  'deferred_texts',
  {
    id: id(),
    receiptKey: text('receipt_key').notNull(),
    /** The sender, so texts from one phone are handled one at a time, in order. */
    fromPhone: text('from_phone').notNull(),
    /** Every form parameter Twilio sent. */
    params: jsonb('params').$type<Record<string, string>>().notNull(),
    /** What Twilio was answered (TwiML): its receipt keeps it once the text is handled. */
    answer: text('answer').notNull(),
    receivedAt: instant('received_at').notNull(),
    /** Times handling it failed on its own (a text no handling can take, e.g. to a number that is not a standby number). */
    failures: integer('failures').notNull().default(0),
    /** After a failure: not tried again before this instant (backing off), so it costs the other texts nothing meanwhile. */
    retryAt: instant('retry_at'),
  },
  (t) => [uniqueIndex('deferred_texts_receipt_key').on(t.receiptKey), index('deferred_texts_from_idx').on(t.fromPhone, t.id)],
);

/** The state of a customer's SMS conversation with a standby number; expires after 30 min idle. */
export const smsConversations = pgTable(
  'sms_conversations',
  {
    id: id(),
    customerPhone: text('customer_phone').notNull(),
    standbyPhone: text('standby_phone').notNull(),
    state: jsonb('state').$type<Record<string, unknown>>().notNull(),
    lastActivityAt: instant('last_activity_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('sms_conversations_key').on(t.customerPhone, t.standbyPhone)],
);

/**
 * A voice call to a standby number while the IVR runs: its state between webhooks and every
 * prompt and keypress so far, written to the incident's timeline (or the contacts log) when the
 * call reaches a decision.
 */
export const callSessions = pgTable('call_sessions', {
  callSid: text('call_sid').primaryKey(),
  fromPhone: text('from_phone').notNull(),
  standbyPhone: text('standby_phone').notNull(),
  state: jsonb('state').$type<Record<string, unknown>>().notNull(),
  events: jsonb('events').$type<Array<Record<string, unknown>>>().notNull().default([]),
  /** The first webhook's arrival: the SLA clocks start here. */
  firstContactAt: instant('first_contact_at').notNull(),
  incidentId: ref('incident_id').references(() => incidents.id, { onDelete: 'set null' }),
  /** When the call went to the contacts log (out of scope, abandoned); null while undecided. */
  loggedAt: instant('logged_at'),
  updatedAt: instant('updated_at').notNull(),
});

/** STOP from a phone to a standby number: no further texts to that phone from that number. */
export const smsOptOuts = pgTable(
  'sms_opt_outs',
  {
    phone: text('phone').notNull(),
    standbyPhone: text('standby_phone').notNull(),
    at: instant('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.phone, t.standbyPhone] })],
);

/** Contacts the 24x7 service does not cover, with the reason they were told. */
export const contactsLog = pgTable(
  'contacts_log',
  {
    id: id(),
    at: instant('at').notNull(),
    channel: text('channel', { enum: ['voice', 'sms'] }).notNull(),
    fromPhone: text('from_phone').notNull(),
    standbyPhone: text('standby_phone').notNull(),
    customerId: ref('customer_id').references(() => customers.id, { onDelete: 'set null' }),
    integrationId: ref('integration_id').references(() => integrations.id, { onDelete: 'set null' }),
    severity: text('severity'),
    reason: text('reason').notNull(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [index('contacts_log_at_idx').on(t.at, t.id), index('contacts_log_customer_idx').on(t.customerId)],
);

export const apiTokenScopes = ['read', 'write', 'admin'] as const;

export const apiTokens = pgTable(
  'api_tokens',
  {
    id: id(),
    name: text('name').notNull(),
    /** `read` tokens may only read; `write` tokens may change things too; `admin` tokens also manage tokens and read the audit log. */
    scope: text('scope', { enum: apiTokenScopes }).notNull(),
    tokenHash: text('token_hash').notNull(),
    /** The token that issued this one; null: the bootstrap ADMIN_API_TOKEN. A token may not revoke the tokens above it. */
    createdByTokenId: ref('created_by_token_id').references((): AnyPgColumn => apiTokens.id, { onDelete: 'restrict' }),
    lastUsedAt: instant('last_used_at'),
    revokedAt: instant('revoked_at'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('api_tokens_hash_key').on(t.tokenHash),
    index('api_tokens_created_by_idx').on(t.createdByTokenId),
    check('api_tokens_scope', sql`${t.scope} in ('read', 'write', 'admin')`),
  ],
);

/**
 * Every change made through the admin API: which token (null id: the bootstrap token), what
 * (method, path, the resource and its id, the request body), when, and the resource before and
 * after, as the API shows it. Secrets (issued tokens, calendar addresses) are never kept here.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: id(),
    at: instant('at').notNull(),
    tokenId: ref('token_id').references(() => apiTokens.id, { onDelete: 'restrict' }),
    tokenName: text('token_name').notNull(),
    method: text('method').notNull(),
    path: text('path').notNull(),
    resource: text('resource').notNull(),
    resourceId: ref('resource_id'),
    statusCode: integer('status_code').notNull(),
    requestId: text('request_id').notNull(),
    request: jsonb('request').$type<unknown>(),
    before: jsonb('before').$type<unknown>(),
    after: jsonb('after').$type<unknown>(),
  },
  (t) => [
    index('audit_log_at_idx').on(t.at, t.id),
    index('audit_log_resource_idx').on(t.resource, t.resourceId, t.id),
    index('audit_log_token_idx').on(t.tokenId, t.id),
  ],
);
