import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Contract, CustomerFile, Integration, OpenIncident } from '../domain/eligibility/index.js';
import type { Executor, Tx } from './client.js';
import {
  callSessions,
  contacts,
  contactsLog,
  contracts,
  customers,
  incidents,
  integrations,
  openIncidentStatuses,
  smsConversations,
  smsOptOuts,
  standbyNumbers,
} from './schema.js';

export type StandbyNumberRow = typeof standbyNumbers.$inferSelect;
export type CallSessionRow = typeof callSessions.$inferSelect;
export type SmsConversationRow = typeof smsConversations.$inferSelect;
export type ContactsLogEntry = typeof contactsLog.$inferInsert;

/** The standby number a call or text reached, or null when it is not one of ours. */
export async function findStandbyNumber(db: Executor, phone: string): Promise<StandbyNumberRow | null> {
  const [row] = await db.select().from(standbyNumbers).where(eq(standbyNumbers.phone, phone));
  return row ?? null;
}

/**
 * Everything intake needs to know about one customer (see `CustomerFile`): all their contracts
 * (the domain picks the one in force), their integrations that are not archived, and their open
 * incidents by integration. Null for an unknown or archived customer, who is not a customer to
 * the 24x7 service any more.
 */
export async function loadCustomerFile(db: Executor, customerId: number): Promise<CustomerFile | null> {
  const [customer] = await db
    .select({ id: customers.id, code: customers.code, name: customers.name, language: customers.language })
    .from(customers)
    .where(and(eq(customers.id, customerId), isNull(customers.archivedAt)));
  if (!customer) return null;
  const contractRows = await db.select().from(contracts).where(eq(contracts.customerId, customerId)).orderBy(contracts.id);
  const integrationRows = await db
    .select({ id: integrations.id, name: integrations.name, builtBy: integrations.builtBy })
    .from(integrations)
    .where(and(eq(integrations.customerId, customerId), isNull(integrations.archivedAt)))
    .orderBy(integrations.id);
  const open = await db
    .select({ reference: incidents.id, integrationId: incidents.integrationId })
    .from(incidents)
    .where(and(eq(incidents.customerId, customerId), inArray(incidents.status, [...openIncidentStatuses])))
    .orderBy(incidents.id);
  return {
    customer,
    contracts: contractRows.map(contractOf),
    integrations: integrationRows.map((i): Integration => ({ ...i })),
    openIncidents: open.map((i): OpenIncident => ({ ...i })),
  };
}

/** The customer whose registered contact this phone is, or null. */
export async function customerIdByContactPhone(db: Executor, phone: string | null): Promise<number | null> {
  if (phone === null) return null;
  const [row] = await db.select({ customerId: contacts.customerId }).from(contacts).where(eq(contacts.phone, phone));
  return row?.customerId ?? null;
}

/** The customer with this keypad code, or null. */
export async function customerIdByCode(db: Executor, code: string | null): Promise<number | null> {
  if (code === null) return null;
  const [row] = await db.select({ id: customers.id }).from(customers).where(eq(customers.code, code));
  return row?.id ?? null;
}

/** The customers a contact may be about, each loaded once: the lookups intake asks for. */
export interface IntakeFiles {
  dialledNumberOwner: CustomerFile | null;
  senderOwner: CustomerFile | null;
  identified: CustomerFile | null;
  typedCodeOwner: CustomerFile | null;
}

/**
 * Loads the customer files a step of the voice or SMS intake may need: the dialled standby
 * number's owner, the owner of the caller's phone, the customer the conversation already names
 * and the one whose code was just typed.
 */
export async function loadIntakeFiles(
  db: Executor,
  who: { standby: StandbyNumberRow; from: string | null; customerId: number | null; code: string | null },
): Promise<IntakeFiles> {
  const cache = new Map<number, Promise<CustomerFile | null>>();
  const file = (id: number | null): Promise<CustomerFile | null> => {
    if (id === null) return Promise.resolve(null);
    let loaded = cache.get(id);
    if (!loaded) {
      loaded = loadCustomerFile(db, id);
      cache.set(id, loaded);
    }
    return loaded;
  };
  const dialledNumberOwner = await file(who.standby.customerId);
  const senderOwner = await file(await customerIdByContactPhone(db, who.from));
  const identified = await file(who.customerId);
  const typedCodeOwner = await file(await customerIdByCode(db, who.code));
  return { dialledNumberOwner, senderOwner, identified, typedCodeOwner };
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
 * The conversation between a customer's phone and a standby number, locked: a row is created
 * (empty) when there is none, so two texts from the same phone arriving together take turns.
 */
export async function lockSmsConversation(tx: Tx, customerPhone: string, standbyPhone: string, now: Date): Promise<SmsConversationRow> {
  await tx.insert(smsConversations).values({ customerPhone, standbyPhone, state: {}, lastActivityAt: now, createdAt: now }).onConflictDoNothing();
  const [row] = await tx
    .select()
    .from(smsConversations)
    .where(and(eq(smsConversations.customerPhone, customerPhone), eq(smsConversations.standbyPhone, standbyPhone)))
    .for('update');
  return row!;
}

export async function saveSmsConversation(tx: Tx, id: number, state: Record<string, unknown>, now: Date): Promise<void> {
  await tx.update(smsConversations).set({ state, lastActivityAt: now }).where(eq(smsConversations.id, id));
}

export async function deleteSmsConversation(tx: Tx, id: number): Promise<void> {
  await tx.delete(smsConversations).where(eq(smsConversations.id, id));
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

/** A contract row as the eligibility rules and SLA clocks read it. */
export function contractOf(c: typeof contracts.$inferSelect): Contract {
  return {
    id: c.id,
    integrations24x7: c.integrations24x7,
    validFrom: c.validFrom,
    validUntil: c.validUntil,
    sla: {
      blocker: { firstResponseMinutes: c.blockerFirstResponseMinutes, resolutionMinutes: c.blockerResolutionMinutes },
      high: { firstResponseMinutes: c.highFirstResponseMinutes, resolutionMinutes: c.highResolutionMinutes },
    },
  };
}
