import type { Executor } from './client.js';
import { auditLog } from './schema.js';

export type AuditEntry = typeof auditLog.$inferInsert;

/** Appends one change made through the admin API to the audit log. */
export async function addAuditEntry(db: Executor, entry: AuditEntry): Promise<void> {
  await db.insert(auditLog).values(entry);
}
