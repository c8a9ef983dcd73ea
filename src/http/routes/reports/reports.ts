import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../../app/deps.js';
import { slaReportOf } from '../../../app/sla.js';
import { plainJsonSerializer } from '../../plain-json-serializer.js';
import { unprocessable } from '../../problem.js';
import { instantInput, iso } from '../common.js';

const counts = z.object({ met: z.number().int(), breached: z.number().int(), open: z.number().int() });
const severityReport = z.object({
  incidents: z.number().int(),
  firstResponse: counts.extend({ medianSeconds: z.number().nullable(), p90Seconds: z.number().nullable() }),
  resolution: counts,
});

const reportOutput = z
  .object({
    from: z.string(),
    to: z.string(),
    contracts: z.array(
      z.object({
        contractId: z.number().int(),
        contractName: z.string(),
        customer: z.object({ id: z.number().int(), code: z.string(), name: z.string() }),
        blocker: severityReport,
        high: severityReport,
      }),
    ),
  })
  .meta({
    id: 'SlaReport',
    example: {
      from: '2026-11-01T03:00:00.000Z',
      to: '2026-12-01T03:00:00.000Z',
      contracts: [
        {
          contractId: 1,
          contractName: 'Acme Retail 24x7 2026',
          customer: { id: 1, code: '1001', name: 'Acme Retail' },
          blocker: { incidents: 4, firstResponse: { met: 3, breached: 1, open: 0, medianSeconds: 240, p90Seconds: 1100 }, resolution: { met: 4, breached: 0, open: 0 } },
          high: { incidents: 2, firstResponse: { met: 2, breached: 0, open: 0, medianSeconds: 600, p90Seconds: 900 }, resolution: { met: 1, breached: 0, open: 1 } },
        },
      ],
    },
  });

type SlaReportOutput = z.output<typeof reportOutput>;

/** SLA reports: first response and resolution met/breached per contract and severity, judged now. */
export const reportRoutes = (deps: Deps): FastifyPluginAsync => async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;

  r.get('/reports/sla', {
    // A month's report is ~1,000 contracts: written as built (typed below with reportOutput's type), not re-checked by zod value by value.
    serializerCompiler: plainJsonSerializer,
    schema: {
      tags: ['reports'],
      summary: 'SLA report for incidents first contacted in [from, to), per contract (targets come from the contract)',
      querystring: z.object({ from: instantInput, to: instantInput, customerId: z.coerce.number().int().positive().optional() }),
      problems: { 422: { detail: 'query.to: must be after from', errors: [{ field: 'query.to', message: 'must be after from' }] } },
      response: { 200: reportOutput },
    },
  }, async (request): Promise<SlaReportOutput> => {
    const { from, to, customerId } = request.query;
    if (to.getTime() <= from.getTime()) throw unprocessable('query.to', 'must be after from');
    const seconds = (ms: number | null) => (ms === null ? null : Math.round(ms / 1000));
    const contracts = await slaReportOf(db, { from, to, customerId }, deps.clock.now());
    return {
      from: iso(from),
      to: iso(to),
      contracts: contracts.map(({ contract, customer, bySeverity }): SlaReportOutput['contracts'][number] => {
        const severity = (s: 'blocker' | 'high'): z.output<typeof severityReport> => {
          const { incidents, firstResponse, resolution } = bySeverity[s];
          return {
            incidents,
            firstResponse: { met: firstResponse.met, breached: firstResponse.breached, open: firstResponse.open, medianSeconds: seconds(firstResponse.medianMs), p90Seconds: seconds(firstResponse.p90Ms) },
            resolution: { met: resolution.met, breached: resolution.breached, open: resolution.open },
          };
        };
        return { contractId: contract.id, contractName: contract.name, customer: { id: customer.id, code: customer.code, name: customer.name }, blocker: severity('blocker'), high: severity('high') };
      }),
    };
  });
};
