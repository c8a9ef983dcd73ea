import { and, desc, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { Contract } from '../domain/eligibility/index.js';
import type { Executor } from './client.js';
import { contractSlaOf } from './intake.js';
import { contracts, incidents, incidentStatuses, openIncidentStatuses } from './schema.js';

export interface IncidentFilters {
  status?: (typeof incidentStatuses)[number] | 'open';
  customerId?: number;
  severity?: 'blocker' | 'high';
  /** First contact at or after. */
  from?: Date;
  /** First contact before. */
  to?: Date;
}

/**
 * Incidents read with their contract in the same query: the SLA targets shown are the
 * contract's as they are now (PATCH /contracts/:id changes them), never a copy kept from earlier.
 */
export const incidentsWithContract = (db: Executor) =>
  db.select({ id: incidents.id, incident: incidents, contract: contracts }).from(incidents).innerJoin(contracts, eq(contracts.id, incidents.contractId));

/**
 * One page of the incident list, newest first: `limit + 1` rows with ids below `cursor` (keyset
 * pagination, so a deep page costs what the first does). Every filter is served by an index.
 */
export function incidentPageQuery(db: Executor, filters: IncidentFilters, page: { cursor?: number; limit: number }) {
  const where: SQL[] = [];
  if (page.cursor) where.push(lt(incidents.id, page.cursor));
  if (filters.status === 'open') where.push(inArray(incidents.status, [...openIncidentStatuses]));
  else if (filters.status) where.push(eq(incidents.status, filters.status));
  if (filters.customerId) where.push(eq(incidents.customerId, filters.customerId));
  if (filters.severity) where.push(eq(incidents.severity, filters.severity));
  if (filters.from) where.push(gte(incidents.firstContactAt, filters.from));
  if (filters.to) where.push(lt(incidents.firstContactAt, filters.to));
  return incidentsWithContract(db)
    .where(and(...where))
    .orderBy(desc(incidents.id))
    .limit(page.limit + 1);
}

/** A contract in the SLA report: its names, its targets as they are now, and its incidents of the period. */
export interface SlaReportContract {
  contract: { id: number; name: string; sla: Contract['sla'] };
  customer: { id: number; code: string; name: string };
  /** In id order; only what the SLA clocks read of each. */
  incidents: SlaReportIncident[];
}

/** An incident as the SLA report reads it: instants as epoch milliseconds (the SLA clocks' unit; no Date per instant). */
export interface SlaReportIncident {
  severity: 'blocker' | 'high';
  firstContactAt: number;
  acknowledgedAt: number | null;
  resolvedAt: number | null;
  waitingSeconds: number;
  waitingSince: number | null;
}

interface SlaReportRow extends Record<string, unknown> {
  contract_id: string;
  contract_name: string;
  customer_id: string;
  customer_code: string;
  customer_name: string;
  blocker_first_response_minutes: number;
  blocker_resolution_minutes: number;
  high_first_response_minutes: number;
  high_resolution_minutes: number;
  severity: 'blocker' | 'high';
  first_contact_at: number;
  acknowledged_at: number | null;
  resolved_at: number | null;
  waiting_seconds: number;
  waiting_since: number | null;
}

/**
 * An instant as epoch milliseconds, exactly: cut to the millisecond first, as a JS Date cuts the
 * microseconds Postgres keeps, so the float8 it yields holds a whole number. Read as a number
 * (a fifth of the cost of parsing the text of a timestamptz) whatever the session's DateStyle.
 */
const epochMs = (column: SQL) => sql`round(date_part('epoch', date_trunc('milliseconds', ${column})) * 1000)`;

/**
 * The statement behind `loadSlaReportContracts`: the incidents first contacted in [from, to) (of
 * one customer, if given) with their contract and customer, ordered by contract, then incident.
 */
export function slaReportSql(range: { from: Date; to: Date; customerId?: number }): SQL {
  const customer = range.customerId ? sql`and i.customer_id = ${range.customerId}` : sql``;
  return sql`
    select i.contract_id, k.name as contract_name, c.id as customer_id, c.code as customer_code, c.name as customer_name,
      k.blocker_first_response_minutes, k.blocker_resolution_minutes, k.high_first_response_minutes, k.high_resolution_minutes,
      i.severity, ${epochMs(sql`i.first_contact_at`)} as first_contact_at, ${epochMs(sql`i.acknowledged_at`)} as acknowledged_at,
      ${epochMs(sql`i.resolved_at`)} as resolved_at, i.waiting_seconds, ${epochMs(sql`i.waiting_since`)} as waiting_since
    from incidents i
    join contracts k on k.id = i.contract_id
    join customers c on c.id = i.customer_id
    where i.first_contact_at >= ${range.from.toISOString()}::timestamptz and i.first_contact_at < ${range.to.toISOString()}::timestamptz ${customer}
    order by i.contract_id, i.id`;
}

/**
 * The contracts with incidents first contacted in [from, to) (of one customer, if given), in
 * contract order, each with those incidents: what the SLA report reads, in one statement. The
 * targets are the contract's as they are now, never a copy kept from earlier. Read as plain rows
 * (not through the query builder, whose per-row mapping cost several times the query itself).
 */
export async function loadSlaReportContracts(db: Executor, range: { from: Date; to: Date; customerId?: number }): Promise<SlaReportContract[]> {
  const rows = await db.execute<SlaReportRow>(slaReportSql(range));
  const contracts: SlaReportContract[] = [];
  let current: SlaReportContract | undefined;
  for (const row of rows) {
    const contractId = Number(row.contract_id);
    if (current?.contract.id !== contractId) {
      current = {
        contract: { id: contractId, name: row.contract_name, sla: contractSlaOf({
          blockerFirstResponseMinutes: row.blocker_first_response_minutes,
          blockerResolutionMinutes: row.blocker_resolution_minutes,
          highFirstResponseMinutes: row.high_first_response_minutes,
          highResolutionMinutes: row.high_resolution_minutes,
        }) },
        customer: { id: Number(row.customer_id), code: row.customer_code, name: row.customer_name },
        incidents: [],
      };
      contracts.push(current);
    }
    current.incidents.push({
      severity: row.severity,
      firstContactAt: row.first_contact_at,
      acknowledgedAt: row.acknowledged_at,
      resolvedAt: row.resolved_at,
      waitingSeconds: row.waiting_seconds,
      waitingSince: row.waiting_since,
    });
  }
  return contracts;
}
