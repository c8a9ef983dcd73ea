import { and, eq, isNull } from 'drizzle-orm';
import type { Executor } from '../../../db/client.js';
import { contacts, engineers, standbyNumbers } from '../../../db/schema.js';
import { conflict } from '../../problem.js';

type PhoneOwnerKind = 'contact' | 'engineer' | 'standby_number';

/**
 * Refuses a phone that already means someone else to the service. A number is looked up by
 * caller ID to tell a customer's contact from an engineer (whose texts are acks and replies) and
 * from a standby number (which only receives), so one number may hold only one of these roles.
 * The same role twice is left to each table's unique index (also a 409 naming `phone`).
 */
export async function assertPhoneFree(db: Executor, phone: string, role: PhoneOwnerKind): Promise<void> {
  const owners: { kind: PhoneOwnerKind; id: number; name: string }[] = [];
  if (role !== 'contact') {
    const rows = await db.select({ id: contacts.id, name: contacts.name }).from(contacts).where(eq(contacts.phone, phone));
    owners.push(...rows.map((c) => ({ kind: 'contact' as const, ...c })));
  }
  if (role !== 'engineer') {
    const rows = await db.select({ id: engineers.id, name: engineers.name }).from(engineers).where(and(eq(engineers.phone, phone), isNull(engineers.archivedAt)));
    owners.push(...rows.map((e) => ({ kind: 'engineer' as const, ...e })));
  }
  if (role !== 'standby_number') {
    const rows = await db.select({ id: standbyNumbers.id, name: standbyNumbers.label }).from(standbyNumbers).where(eq(standbyNumbers.phone, phone));
    owners.push(...rows.map((n) => ({ kind: 'standby_number' as const, ...n })));
  }
  const owner = owners[0];
  if (owner) {
    const what = `${owner.kind.replace('_', ' ')} ${owner.id}${owner.name ? ` "${owner.name}"` : ''}`;
    throw conflict(`phone: ${phone} is already the number of ${what}`, { errors: [{ field: 'phone', message: `already the number of ${what}` }], usedBy: owners });
  }
}
