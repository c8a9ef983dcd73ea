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

/**
 * An incident in the statement's answer: [severity, first contact, acknowledged, resolved,
 * waiting seconds, waiting since], instants as epoch milliseconds.
 */
type SlaReportIncidentTuple = ['blocker' | 'high', number, number | null, number | null, number, number | null];
/** A contract in the statement's answer: its ids, names and targets (minutes), then its incidents in id order. */
type SlaReportContractTuple = [number, string, number, string, string, number, number, number, number, SlaReportIncidentTuple[]];

/**
 * An instant as epoch milliseconds, exactly: cut to the millisecond first, as a JS Date cuts the
 * microseconds Postgres keeps, so the float8 it yields holds a whole number (written in JSON as one).
 */
const epochMs = (column: SQL) => sql`round(date_part('epoch', date_trunc('milliseconds', ${column})) * 1000)`;

/**
 * The statement behind `loadSlaReportContracts`: the incidents first contacted in [from, to) (of
 * one customer, if given) grouped by contract, with the contract's names and targets once, as one
 * JSON value (`SlaReportContractTuple[]`, in contract order). One value, parsed by `JSON.parse`,
 * instead of a row per incident decoded value by value: for a month's report (1,700 incidents of
 * 1,000 contracts) the rows' decoding and their garbage were a third of the request's CPU.
 */
export function slaReportSql(range: { from: Date; to: Date; customerId?: number }): SQL {
  const customer = range.customerId ? sql`and i.customer_id = ${range.customerId}` : sql``;
  return sql`
    select coalesce(json_agg(json_build_array(k.id, k.name, c.id, c.code, c.name,
        k.blocker_first_response_minutes, k.blocker_resolution_minutes, k.high_first_response_minutes, k.high_resolution_minutes,
        g.incidents) order by k.id), '[]') as contracts
    from (
      select i.contract_id, i.customer_id, json_agg(json_build_array(i.severity, ${epochMs(sql`i.first_contact_at`)}, ${epochMs(sql`i.acknowledged_at`)},
          ${epochMs(sql`i.resolved_at`)}, i.waiting_seconds, ${epochMs(sql`i.waiting_since`)}) order by i.id) as incidents
      from incidents i
      where i.first_contact_at >= ${range.from.toISOString()}::timestamptz and i.first_contact_at < ${range.to.toISOString()}::timestamptz ${customer}
      group by i.contract_id, i.customer_id
    ) g
    join contracts k on k.id = g.contract_id
    join customers c on c.id = g.customer_id`;
}

/**
 * The contracts with incidents first contacted in [from, to) (of one customer, if given), in
 * contract order, each with those incidents: what the SLA report reads, in one statement. The
 * targets are the contract's as they are now, never a copy kept from earlier.
 */
export async function loadSlaReportContracts(db: Executor, range: { from: Date; to: Date; customerId?: number }): Promise<SlaReportContract[]> {
  // postgres.js parses a json value itself (JSON.parse).
  const [row] = await db.execute<{ contracts: SlaReportContractTuple[] }>(slaReportSql(range));
  return row!.contracts.map(
    ([id, name, customerId, customerCode, customerName, blockerFirstResponseMinutes, blockerResolutionMinutes, highFirstResponseMinutes, highResolutionMinutes, incidents]) => ({
      contract: { id, name, sla: contractSlaOf({ blockerFirstResponseMinutes, blockerResolutionMinutes, highFirstResponseMinutes, highResolutionMinutes }) },
      customer: { id: customerId, code: customerCode, name: customerName },
      incidents: incidents.map(([severity, firstContactAt, acknowledgedAt, resolvedAt, waitingSeconds, waitingSince]) => ({
        severity,
        firstContactAt,
        acknowledgedAt,
        resolvedAt,
        waitingSeconds,
        waitingSince,
      })),
    }),
  );
}
