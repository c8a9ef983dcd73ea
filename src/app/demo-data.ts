import { DateTime } from 'luxon';
import { and, eq, sql } from 'drizzle-orm';
import type { Db, Tx } from '../db/client.js';
import {
  contacts,
  contracts,
  customers,
  engineers,
  escalationLevels,
  escalationPolicies,
  escalationTargets,
  integrations,
  rotationParticipants,
  rotationVersions,
  rotations,
  standbyNumbers,
} from '../db/schema.js';

/** The demo data of DESIGN.md, by name, so tests and the README speak of the same things. */
export const demo = {
  zone: 'America/Argentina/Buenos_Aires',
  numbers: { acmeDedicated: '+541150000100', shared: '+541150000199' },
  acme: { code: '1001', name: 'Acme Retail', contacts: ['+5491150000101', '+5491150000102'] },
  beta: { code: '1002', name: 'Beta Logistics', contact: '+5491150000111' },
  gamma: { code: '1003', name: 'Gamma Pagamentos', contact: '+5511955550100' },
  engineers: {
    one: { name: 'Eng One', phone: '+5491150000201' },
    two: { name: 'Eng Two', phone: '+5491150000202' },
    lead: { name: 'Lead Three', phone: '+5491150000203' },
    admin: { name: 'Admin On-call', phone: '+5491150000299' },
  },
  rotation: 'Integrations primary',
  policy: 'Integrations 24x7',
} as const;

const LOCK = 7_240_002;
const longAgo = new Date('2025-01-01T03:00:00Z');

/**
 * Loads the demo data. Idempotent: everything is found by its natural key (code, phone, name)
 * and only created when missing, so running it on every `npm run dev` start changes nothing.
 * Gamma's contract "expired last month" is placed relative to `now`.
 */
export async function loadDemoData(db: Db, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${LOCK})`);

    const acme = await customer(tx, { code: demo.acme.code, name: demo.acme.name, language: 'es', timeZone: demo.zone });
    const beta = await customer(tx, { code: demo.beta.code, name: demo.beta.name, language: 'en', timeZone: demo.zone });
    const gamma = await customer(tx, { code: demo.gamma.code, name: demo.gamma.name, language: 'pt', timeZone: 'America/Sao_Paulo' });

    const lastMonthEnd = DateTime.fromJSDate(now, { zone: demo.zone }).startOf('month').minus({ days: 10 }).toJSDate();
    const sla = { blockerFirstResponseMinutes: 15, blockerResolutionMinutes: 240, highFirstResponseMinutes: 30, highResolutionMinutes: 480 };
    await contract(tx, { customerId: acme, name: 'Acme Enterprise + 24x7 Integrations', integrations24x7: true, validFrom: longAgo, validUntil: null, ...sla });
    await contract(tx, { customerId: beta, name: 'Beta Standard', integrations24x7: false, validFrom: longAgo, validUntil: null, ...sla });
    await contract(tx, { customerId: gamma, name: 'Gamma 24x7 Integrations (expired)', integrations24x7: true, validFrom: longAgo, validUntil: lastMonthEnd, ...sla });

    await integration(tx, acme, 'Salesforce sync', 'vendor');
    await integration(tx, acme, 'SAP orders', 'vendor');
    await integration(tx, acme, 'Zendesk widget', 'selfservice');
    await integration(tx, beta, 'Shopify feed', 'vendor');

    for (const [i, phone] of demo.acme.contacts.entries()) await contact(tx, acme, `Acme contact ${i + 1}`, phone);
    await contact(tx, beta, 'Beta contact', demo.beta.contact);
    await contact(tx, gamma, 'Gamma contact', demo.gamma.contact);

    const one = await engineer(tx, demo.engineers.one.name, demo.engineers.one.phone, false);
    const two = await engineer(tx, demo.engineers.two.name, demo.engineers.two.phone, false);
    const lead = await engineer(tx, demo.engineers.lead.name, demo.engineers.lead.phone, false);
    await engineer(tx, demo.engineers.admin.name, demo.engineers.admin.phone, true);

    const rotationId = await rotation(tx, demo.rotation, [one, two]);
    const policyId = await policy(tx, demo.policy, rotationId, lead);

    await tx.insert(standbyNumbers).values([
      { phone: demo.numbers.acmeDedicated, label: 'Acme Retail dedicated standby', customerId: acme, escalationPolicyId: policyId },
      { phone: demo.numbers.shared, label: 'Shared standby', customerId: null, escalationPolicyId: policyId },
    ]).onConflictDoNothing();
  });
}

async function customer(tx: Tx, values: typeof customers.$inferInsert): Promise<number> {
  await tx.insert(customers).values(values).onConflictDoNothing();
  const [row] = await tx.select({ id: customers.id }).from(customers).where(eq(customers.code, values.code));
  return row!.id;
}

async function contract(tx: Tx, values: typeof contracts.$inferInsert): Promise<void> {
  const [existing] = await tx.select({ id: contracts.id }).from(contracts).where(and(eq(contracts.customerId, values.customerId), eq(contracts.name, values.name)));
  if (!existing) await tx.insert(contracts).values(values);
}

async function integration(tx: Tx, customerId: number, name: string, builtBy: 'vendor' | 'selfservice'): Promise<void> {
  await tx.insert(integrations).values({ customerId, name, builtBy }).onConflictDoNothing();
}

async function contact(tx: Tx, customerId: number, name: string, phone: string): Promise<void> {
  await tx.insert(contacts).values({ customerId, name, phone }).onConflictDoNothing();
}

async function engineer(tx: Tx, name: string, phone: string, isAdmin: boolean): Promise<number> {
  await tx.insert(engineers).values({ name, phone, language: 'es', timeZone: demo.zone, isAdmin }).onConflictDoNothing();
  const [row] = await tx.select({ id: engineers.id }).from(engineers).where(eq(engineers.phone, phone));
  return row!.id;
}

async function rotation(tx: Tx, name: string, participants: number[]): Promise<number> {
  const [created] = await tx.insert(rotations).values({ name, description: 'Vendor-built integrations, first line' }).onConflictDoNothing().returning({ id: rotations.id });
  if (created) {
    // Weekly, handing off on Mondays at 09:00 Buenos Aires time (5 Jan 2026 was a Monday).
    const [version] = await tx
      .insert(rotationVersions)
      .values({ rotationId: created.id, effectiveFrom: longAgo, timeZone: demo.zone, shiftLength: 1, shiftUnit: 'weeks', handoffTime: '09:00', startDate: '2026-01-05' })
      .returning({ id: rotationVersions.id });
    await tx.insert(rotationParticipants).values(participants.map((engineerId, position) => ({ rotationVersionId: version!.id, position, engineerId })));
    return created.id;
  }
  const [row] = await tx.select({ id: rotations.id }).from(rotations).where(eq(rotations.name, name));
  return row!.id;
}

async function policy(tx: Tx, name: string, rotationId: number, lead: number): Promise<number> {
  const [created] = await tx.insert(escalationPolicies).values({ name, repeat: 2 }).onConflictDoNothing().returning({ id: escalationPolicies.id });
  if (created) {
    const [first, second] = await tx
      .insert(escalationLevels)
      .values([
        { policyId: created.id, position: 0, ackTimeoutSeconds: 300 },
        { policyId: created.id, position: 1, ackTimeoutSeconds: 300 },
      ])
      .returning({ id: escalationLevels.id });
    await tx.insert(escalationTargets).values([
      { levelId: first!.id, rotationId },
      { levelId: second!.id, engineerId: lead },
    ]);
    return created.id;
  }
  const [row] = await tx.select({ id: escalationPolicies.id }).from(escalationPolicies).where(eq(escalationPolicies.name, name));
  return row!.id;
}
