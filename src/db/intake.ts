import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { Contract, CustomerFile, Integration, OpenIncident } from '../domain/eligibility/index.js';
import type { Executor, Tx } from './client.js';
import { callSessions, contactsLog, contracts, openIncidentStatuses, smsConversations, smsOptOuts, standbyNumbers } from './schema.js';
import { jsonRows } from './json-rows.js';

export type StandbyNumberRow = typeof standbyNumbers.$inferSelect;
export type CallSessionRow = typeof callSessions.$inferSelect;
export type SmsConversationRow = typeof smsConversations.$inferSelect;
export type ContactsLogEntry = typeof contactsLog.$inferInsert;

/** The standby number a call or text reached, or null when it is not one of ours. */
export async function findStandbyNumber(db: Executor, phone: string): Promise<StandbyNumberRow | null> {
  const [row] = await db.select().from(standbyNumbers).where(eq(standbyNumbers.phone, phone));
  return row ?? null;
}

/** The customers a contact may be about, each loaded once: the lookups intake asks for. */
export interface IntakeFiles {
  dialledNumberOwner: CustomerFile | null;
  senderOwner: CustomerFile | null;
  identified: CustomerFile | null;
  typedCodeOwner: CustomerFile | null;
}

/** Who a step of intake asks about: the phone that called or texted, a customer named earlier, a code just typed. */
export interface IntakeLookups {
  from: string | null;
  customerId: number | null;
  code: string | null;
}

/**
 * The customer files (see `CustomerFile`) of the customers in `wanted` (a query of ids), as one
 * JSON array: each with all their contracts (the domain picks the one in force), their
 * integrations that are not archived, and their open incidents by integration. An unknown or
 * archived customer has no file: they are not a customer to the 24x7 service any more.
 */
const openStatuses = sql.join(
  openIncidentStatuses.map((status) => sql`${status}`),
  sql`, `,
);

const customerFilesOf = (wanted: SQL) => sql`coalesce((
  select json_agg(json_build_object(
    'customer', json_build_object('id', c.id, 'code', c.code, 'name', c.name, 'language', c.language),
    'contracts', coalesce((
      select json_agg(json_build_object(
        'id', k.id, 'integrations24x7', k.integrations_24x7, 'validFrom', k.valid_from, 'validUntil', k.valid_until,
        'blockerFirstResponseMinutes', k.blocker_first_response_minutes, 'blockerResolutionMinutes', k.blocker_resolution_minutes,
        'highFirstResponseMinutes', k.high_first_response_minutes, 'highResolutionMinutes', k.high_resolution_minutes) order by k.id)
      from contracts k where k.customer_id = c.id), '[]'),
    'integrations', coalesce((
      select json_agg(json_build_object('id', i.id, 'name', i.name, 'builtBy', i.built_by) order by i.id)
      from integrations i where i.customer_id = c.id and i.archived_at is null), '[]'),
    'openIncidents', coalesce((
      select json_agg(json_build_object('reference', x.id, 'integrationId', x.integration_id) order by x.id)
      from incidents x where x.customer_id = c.id and x.status in (${openStatuses})), '[]')))
  from customers c where c.id in (${wanted}) and c.archived_at is null), '[]')`;

interface CustomerFileJson {
  customer: CustomerFile['customer'];
  contracts: Array<{
    id: number;
    integrations24x7: boolean;
    validFrom: string;
    validUntil: string | null;
    blockerFirstResponseMinutes: number;
    blockerResolutionMinutes: number;
    highFirstResponseMinutes: number;
    highResolutionMinutes: number;
  }>;
  integrations: Integration[];
  openIncidents: OpenIncident[];
}

interface IntakeFilesRow {
  files: CustomerFileJson[];
  sender_customer_id: string | null;
  code_customer_id: string | null;
}

/** Sorts the loaded files into the roles intake asks about. */
function intakeFilesOf(row: IntakeFilesRow, dialledOwnerId: number | null, identifiedId: number | null): IntakeFiles {
  const files = new Map(
    row.files.map((f): [number, CustomerFile] => [
      f.customer.id,
      {
        customer: f.customer,
        contracts: f.contracts.map((c) => contractOf({ ...c, validFrom: new Date(c.validFrom), validUntil: c.validUntil === null ? null : new Date(c.validUntil) })),
        integrations: f.integrations,
        openIncidents: f.openIncidents,
      },
    ]),
  );
  const file = (id: string | number | null) => (id === null ? null : (files.get(Number(id)) ?? null));
  return { dialledNumberOwner: file(dialledOwnerId), senderOwner: file(row.sender_customer_id), identified: file(identifiedId), typedCodeOwner: file(row.code_customer_id) };
}

/** The customers one step of intake may be about, as ids: the caller's phone's, the code's, and those given. */
const intakeLookupsSql = (who: IntakeLookups, dialledOwner: SQL) => sql`
  sender as (select customer_id from contacts where phone = ${who.from}::text),
  coded as (select id from customers where code = ${who.code}::text),
  wanted as (
    select ${dialledOwner} as id
    union all select customer_id from sender
    union all select id from coded
    union all select ${who.customerId}::bigint)`;

/**
 * Loads, in one statement, the customer files a step of the voice intake may need: the dialled
 * standby number's owner, the owner of the caller's phone, the customer the call already names
 * and the one whose code was just typed.
 */
export async function loadIntakeFiles(db: Executor, standby: StandbyNumberRow, who: IntakeLookups): Promise<IntakeFiles> {
  const [row] = await db.execute<IntakeFilesRow & Record<string, unknown>>(sql`
    with ${intakeLookupsSql(who, sql`${standby.customerId}::bigint`)}
    select ${customerFilesOf(sql`select id from wanted`)} as files,
      (select customer_id from sender) as sender_customer_id,
      (select id from coded) as code_customer_id`);
  return intakeFilesOf(row!, standby.customerId, who.customerId);
}

/** What one customer text needs to be decided: the standby number it reached, the customer files, and whether the phone sent STOP. */
export interface SmsIntakeFiles extends IntakeFiles {
  standby: StandbyNumberRow | null;
  /** The phone sent STOP to this standby number (no texts go to it, replies included). */
  optedOut: boolean;
}

/** One customer text's lookups (see `loadSmsIntakes`). */
export interface SmsIntakeLookups extends IntakeLookups {
  standbyPhone: string;
  from: string;
}

/**
 * Loads, in one statement, what a customer's text to `standbyPhone` needs: the standby number,
 * the customer files of `loadIntakeFiles` and the phone's opt-out.
 */
export async function loadSmsIntake(db: Executor, standbyPhone: string, who: IntakeLookups & { from: string }): Promise<SmsIntakeFiles> {
  const [files] = await loadSmsIntakes(db, [{ ...who, standbyPhone }]);
  return files!;
}

type StandbyJson = Omit<StandbyNumberRow, 'createdAt' | 'updatedAt'> & { createdAt: string; updatedAt: string };

/** `loadSmsIntake` for several texts, in one statement whatever their number; answers in the order asked. */
export async function loadSmsIntakes(db: Executor, asked: readonly SmsIntakeLookups[]): Promise<SmsIntakeFiles[]> {
  if (asked.length === 0) return [];
  const wanted = asked.map((w, ord) => ({ ord, standby_phone: w.standbyPhone, from_phone: w.from, customer_id: w.customerId, code: w.code }));
  const rows = await db.execute<IntakeFilesRow & { ord: number; standby: StandbyJson | null; opted_out: boolean } & Record<string, unknown>>(sql`
    select w.ord,
      ${customerFilesOf(sql`select unnest(array[st.customer_id, s.customer_id, k.id, w.customer_id])`)} as files,
      s.customer_id as sender_customer_id,
      k.id as code_customer_id,
      case when st.id is null then null else json_build_object('id', st.id, 'phone', st.phone, 'label', st.label, 'customerId', st.customer_id,
        'escalationPolicyId', st.escalation_policy_id, 'createdAt', st.created_at, 'updatedAt', st.updated_at) end as standby,
      exists (select 1 from sms_opt_outs o where o.phone = w.from_phone and o.standby_phone = w.standby_phone) as opted_out
    from ${jsonRows(wanted, 'ord int, standby_phone text, from_phone text, customer_id bigint, code text')} as w
    left join standby_numbers st on st.phone = w.standby_phone
    left join contacts s on s.phone = w.from_phone
    left join customers k on k.code = w.code
    order by w.ord`);
  return rows.map((row) => {
    const standby = row.standby ? { ...row.standby, createdAt: new Date(row.standby.createdAt), updatedAt: new Date(row.standby.updatedAt) } : null;
    return { ...intakeFilesOf(row, standby?.customerId ?? null, asked[row.ord]!.customerId), standby, optedOut: row.opted_out };
  });
}

// -------------------------------------------------------------------------------------------------
// Call sessions

/** Creates the call's session; null when the CallSid already has one (the call was started before). */
export async function createCallSession(tx: Tx, values: typeof callSessions.$inferInsert): Promise<CallSessionRow | null> {
  const [row] = await tx.insert(callSessions).values(values).onConflictDoNothing().returning();
  return row ?? null;
}

/** The call's session, locked until the transaction ends so steps of one call never interleave. */
export async function lockCallSession(tx: Tx, callSid: string): Promise<CallSessionRow | null> {
  const [row] = await tx.select().from(callSessions).where(eq(callSessions.callSid, callSid)).for('update');
  return row ?? null;
}

export async function saveCallSession(tx: Tx, callSid: string, values: Partial<Pick<CallSessionRow, 'state' | 'events' | 'incidentId' | 'updatedAt'>>): Promise<void> {
  await tx.update(callSessions).set(values).where(eq(callSessions.callSid, callSid));
}

// -------------------------------------------------------------------------------------------------
// SMS conversations

/**
 * The conversation between a customer's phone and a standby number, locked until the transaction
 * ends, in one statement: a row is created (empty) when there is none, so two texts from the same
 * phone arriving together take turns. Reads made after this see what the other text committed.
 */
export async function lockSmsConversation(tx: Tx, customerPhone: string, standbyPhone: string, now: Date): Promise<SmsConversationRow> {
  const [row] = await tx
    .insert(smsConversations)
    .values({ customerPhone, standbyPhone, state: {}, lastActivityAt: now, createdAt: now })
    // Updating nothing still takes the row lock, like `select … for update`.
    .onConflictDoUpdate({ target: [smsConversations.customerPhone, smsConversations.standbyPhone], set: { customerPhone: sql`excluded.customer_phone` } })
    .returning();
  return row!;
}

/**
 * `lockSmsConversation` for a text whose sender may be an engineer, in one statement: the
 * conversation of a customer's phone (locked, created when there is none), or undefined for the
 * phone of an engineer (not archived), for whom nothing is written. Sent without waiting for the
 * engineer lookup, so a text costs one round trip for both.
 */
export async function lockCustomerConversation(tx: Tx, customerPhone: string, standbyPhone: string, now: Date): Promise<SmsConversationRow | undefined> {
  const [row] = await lockCustomerConversations(tx, [{ customerPhone, standbyPhone, now }]);
  return row;
}

/**
 * `lockCustomerConversation` for several texts, in one statement, locked in the order of their
 * phones so two such calls never wait on each other crosswise (a pair asked twice is locked once,
 * at its first instant). Answers in the order asked.
 */
export async function lockCustomerConversations(tx: Tx, asked: ReadonlyArray<{ customerPhone: string; standbyPhone: string; now: Date }>): Promise<Array<SmsConversationRow | undefined>> {
  if (asked.length === 0) return [];
  const key = (c: { customerPhone: string; standbyPhone: string }) => `${c.customerPhone} ${c.standbyPhone}`;
  const pairs = new Map<string, { customer_phone: string; standby_phone: string; at: string }>();
  for (const c of asked) if (!pairs.has(key(c))) pairs.set(key(c), { customer_phone: c.customerPhone, standby_phone: c.standbyPhone, at: c.now.toISOString() });
  const rows = await tx.execute<{ id: string; customer_phone: string; standby_phone: string; state: Record<string, unknown>; last_activity_at: string; created_at: string }>(sql`
    insert into sms_conversations (customer_phone, standby_phone, state, last_activity_at, created_at)
    select a.customer_phone, a.standby_phone, '{}'::jsonb, a.at, a.at
    from ${jsonRows([...pairs.values()], 'customer_phone text, standby_phone text, at timestamptz')} as a
    where not exists (select 1 from engineers e where e.phone = a.customer_phone and e.archived_at is null)
    order by a.customer_phone collate "C", a.standby_phone collate "C"
    -- Updating nothing still takes the row lock, like select … for update.
    on conflict (customer_phone, standby_phone) do update set customer_phone = excluded.customer_phone
    returning id, customer_phone, standby_phone, state, last_activity_at, created_at`);
  const byKey = new Map(
    rows.map((row) => [
      `${row.customer_phone} ${row.standby_phone}`,
      { id: Number(row.id), customerPhone: row.customer_phone, standbyPhone: row.standby_phone, state: row.state, lastActivityAt: new Date(row.last_activity_at), createdAt: new Date(row.created_at) },
    ]),
  );
  return asked.map((c) => byKey.get(key(c)));
}

export async function saveSmsConversation(tx: Tx, id: number, state: Record<string, unknown>, now: Date): Promise<void> {
  await tx.update(smsConversations).set({ state, lastActivityAt: now }).where(eq(smsConversations.id, id));
}

/** Saves several conversations' states, each at its own instant, in one statement. */
export async function saveSmsConversations(tx: Tx, list: ReadonlyArray<{ id: number; state: Record<string, unknown>; now: Date }>): Promise<void> {
  if (list.length === 0) return;
  const rows = list.map((c) => ({ id: c.id, state: c.state, at: c.now.toISOString() }));
  await tx.execute(sql`
    update sms_conversations c set state = v.state, last_activity_at = v.at
    from ${jsonRows(rows, 'id bigint, state jsonb, at timestamptz')} as v
    where c.id = v.id`);
}

export async function deleteSmsConversation(tx: Tx, id: number): Promise<void> {
  await deleteSmsConversations(tx, [id]);
}

export async function deleteSmsConversations(tx: Tx, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await tx.delete(smsConversations).where(sql`${smsConversations.id} = any(${`{${ids.join(',')}}`}::bigint[])`);
}

// -------------------------------------------------------------------------------------------------
// Opt-outs

/** STOP: no further texts from this standby number to this phone (see `queueOutbound`). */
export async function optOut(tx: Tx, phone: string, standbyPhone: string, now: Date): Promise<void> {
  await tx.insert(smsOptOuts).values({ phone, standbyPhone, at: now }).onConflictDoNothing();
}

/** START: texts to this phone may go again. */
export async function optIn(tx: Tx, phone: string, standbyPhone: string): Promise<void> {
  await tx.delete(smsOptOuts).where(and(eq(smsOptOuts.phone, phone), eq(smsOptOuts.standbyPhone, standbyPhone)));
}

export async function isOptedOut(db: Executor, phone: string, standbyPhone: string): Promise<boolean> {
  const [row] = await db.select({ phone: smsOptOuts.phone }).from(smsOptOuts).where(and(eq(smsOptOuts.phone, phone), eq(smsOptOuts.standbyPhone, standbyPhone)));
  return row !== undefined;
}

// -------------------------------------------------------------------------------------------------
// Contacts log

/** Records a contact that did not become (or join) an incident, with the reason the person was given. */
export async function addContactsLog(db: Executor, entry: ContactsLogEntry): Promise<number> {
  const [row] = await db.insert(contactsLog).values(entry).returning({ id: contactsLog.id });
  return row!.id;
}

/** `addContactsLog` for several contacts, in one statement. */
export async function addContactsLogs(db: Executor, entries: readonly ContactsLogEntry[]): Promise<void> {
  if (entries.length > 0) await db.insert(contactsLog).values([...entries]);
}

/** A contract row as the eligibility rules and SLA clocks read it. */
export function contractOf(
  c: Pick<
    typeof contracts.$inferSelect,
    'id' | 'integrations24x7' | 'validFrom' | 'validUntil' | 'blockerFirstResponseMinutes' | 'blockerResolutionMinutes' | 'highFirstResponseMinutes' | 'highResolutionMinutes'
  >,
): Contract {
  return {
    id: c.id,
    integrations24x7: c.integrations24x7,
    validFrom: c.validFrom,
    validUntil: c.validUntil,
    sla: contractSlaOf(c),
  };
}

/** A contract's SLA targets per severity, from its columns. */
export function contractSlaOf(
  c: Pick<typeof contracts.$inferSelect, 'blockerFirstResponseMinutes' | 'blockerResolutionMinutes' | 'highFirstResponseMinutes' | 'highResolutionMinutes'>,
): Contract['sla'] {
  return {
    blocker: { firstResponseMinutes: c.blockerFirstResponseMinutes, resolutionMinutes: c.blockerResolutionMinutes },
    high: { firstResponseMinutes: c.highFirstResponseMinutes, resolutionMinutes: c.highResolutionMinutes },
  };
}
