import { inArray } from 'drizzle-orm';
import type { Executor } from './client.js';
import { contracts, customers, engineers, escalationPolicies, integrations, rotations, standbyNumbers } from './schema.js';

export type NamedKind = 'customer' | 'contract' | 'integration' | 'engineer' | 'escalationPolicy' | 'rotation' | 'standbyNumber';

type Wanted = { [K in NamedKind]?: Iterable<number | null | undefined> };

/** id → name of one kind of thing; a standby number's name is its label, else its phone number. */
async function namesOfKind(db: Executor, kind: NamedKind, ids: number[]): Promise<Map<number, string>> {
  if (ids.length === 0) return new Map();
  const rows = await (async () => {
    switch (kind) {
      case 'customer':
        return db.select({ id: customers.id, name: customers.name }).from(customers).where(inArray(customers.id, ids));
      case 'contract':
        return db.select({ id: contracts.id, name: contracts.name }).from(contracts).where(inArray(contracts.id, ids));
      case 'integration':
        return db.select({ id: integrations.id, name: integrations.name }).from(integrations).where(inArray(integrations.id, ids));
      case 'engineer':
        return db.select({ id: engineers.id, name: engineers.name }).from(engineers).where(inArray(engineers.id, ids));
      case 'escalationPolicy':
        return db.select({ id: escalationPolicies.id, name: escalationPolicies.name }).from(escalationPolicies).where(inArray(escalationPolicies.id, ids));
      case 'rotation':
        return db.select({ id: rotations.id, name: rotations.name }).from(rotations).where(inArray(rotations.id, ids));
      case 'standbyNumber': {
        const numbers = await db.select({ id: standbyNumbers.id, label: standbyNumbers.label, phone: standbyNumbers.phone }).from(standbyNumbers).where(inArray(standbyNumbers.id, ids));
        return numbers.map((n) => ({ id: n.id, name: n.label || n.phone }));
      }
      default: {
        const never: never = kind;
        throw new Error(`unknown kind ${String(never)}`);
      }
    }
  })();
  return new Map(rows.map((r) => [r.id, r.name]));
}

/**
 * The names of what responses refer to by id, loaded with one query per kind. Every `…Id` in a
 * response has a `…Name` beside it (`acknowledgedBy` has `acknowledgedByName`), so a reader
 * needs no second request to know who or what it is.
 */
export class Names {
  private constructor(private readonly byKind: Map<NamedKind, Map<number, string>>) {}

  static async load(db: Executor, wanted: Wanted): Promise<Names> {
    const entries = await Promise.all(
      (Object.entries(wanted) as Array<[NamedKind, Iterable<number | null | undefined>]>).map(async ([kind, ids]) => {
        const unique = [...new Set([...ids].filter((id): id is number => typeof id === 'number'))];
        return [kind, await namesOfKind(db, kind, unique)] as const;
      }),
    );
    return new Names(new Map(entries));
  }

  /** The name of `id`, or null when there is no id (or the row is gone). */
  of(kind: NamedKind, id: number | null): string | null {
    return id === null ? null : (this.byKind.get(kind)?.get(id) ?? null);
  }

  /** The name of a reference that is never null (a foreign key): '' if the row could not be read. */
  ofRequired(kind: NamedKind, id: number): string {
    return this.of(kind, id) ?? '';
  }
}
