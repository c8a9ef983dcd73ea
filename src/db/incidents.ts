import { and, asc, desc, eq, gte, inArray, lt, type SQL } from 'drizzle-orm';
import type { Executor } from './client.js';
import { contracts, customers, incidents, incidentStatuses, openIncidentStatuses } from './schema.js';

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

/**
 * The incidents first contacted in [from, to) (of one customer, if given), ordered by contract:
 * only what the SLA report reads of each (its clocks' instants, its contract's targets and names).
 */
export function slaReportQuery(db: Executor, range: { from: Date; to: Date; customerId?: number }) {
  const where: SQL[] = [gte(incidents.firstContactAt, range.from), lt(incidents.firstContactAt, range.to)];
  if (range.customerId) where.push(eq(incidents.customerId, range.customerId));
  return db
    .select({
      incident: {
        severity: incidents.severity,
        firstContactAt: incidents.firstContactAt,
        acknowledgedAt: incidents.acknowledgedAt,
        resolvedAt: incidents.resolvedAt,
        waitingSeconds: incidents.waitingSeconds,
        waitingSince: incidents.waitingSince,
      },
      contract: {
        id: contracts.id,
        name: contracts.name,
        integrations24x7: contracts.integrations24x7,
        validFrom: contracts.validFrom,
        validUntil: contracts.validUntil,
        blockerFirstResponseMinutes: contracts.blockerFirstResponseMinutes,
        blockerResolutionMinutes: contracts.blockerResolutionMinutes,
        highFirstResponseMinutes: contracts.highFirstResponseMinutes,
        highResolutionMinutes: contracts.highResolutionMinutes,
      },
      customer: { id: customers.id, code: customers.code, name: customers.name },
    })
    .from(incidents)
    .innerJoin(contracts, eq(contracts.id, incidents.contractId))
    .innerJoin(customers, eq(customers.id, incidents.customerId))
    .where(and(...where))
    .orderBy(asc(incidents.contractId), asc(incidents.id));
}
