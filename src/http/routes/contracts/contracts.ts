import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { and, asc, count, eq, gt, isNull, lte, or, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Deps } from '../../../app/deps.js';
import type { Executor } from '../../../db/client.js';
import { contracts, incidents } from '../../../db/schema.js';
import { conflict, HttpProblem, notFound, type FieldError } from '../../problem.js';
import { Names } from '../../../db/names.js';
import { booleanQuery, EXAMPLE_AT, idInput, idParams, idQuery, instantInput, iso, isoOrNull, page, pageOf, pageQuery, patchOf } from '../common.js';

const minutes = z.number().int().min(1).max(43_200).describe('Minutes (1 to 43200, i.e. up to 30 days)');

const severityTargetsInput = z.object({
  firstResponseMinutes: minutes.describe('From first contact until an engineer acknowledges'),
  resolutionMinutes: minutes.describe('From first contact until resolved, not counting time waiting on the customer'),
});

const slaInput = z
  .object({ blocker: severityTargetsInput, high: severityTargetsInput })
  .describe('SLA targets per severity; only Blocker and High incidents are covered by the 24x7 service');

const contractFields = z.object({
  customerId: idInput,
  name: z.string().trim().min(1).max(200),
  integrations24x7: z.boolean().describe('Whether the contract includes 24x7 Integrations support'),
  validFrom: instantInput.describe('First instant the contract is active (inclusive)'),
  validUntil: instantInput.nullable().default(null).describe('Instant the contract stops being active (exclusive); null = open-ended'),
  sla: slaInput,
});

interface ContractRuleInput {
  validFrom: Date;
  validUntil: Date | null;
  sla: z.infer<typeof slaInput>;
}

/**
 * The rules a contract obeys beyond each field's own shape, named by the field a client should
 * fix (as zod names body fields). Used by the create schema and again on the merged row of a
 * PATCH, so both answer a bad window the same way.
 */
function contractRuleErrors(c: ContractRuleInput): FieldError[] {
  const errors: FieldError[] = [];
  if (c.validUntil && c.validUntil.getTime() <= c.validFrom.getTime()) {
    errors.push({ field: 'validUntil', message: `must be after validFrom (${c.validFrom.toISOString()})` });
  }
  for (const severity of ['blocker', 'high'] as const) {
    const targets = c.sla[severity];
    if (targets.resolutionMinutes < targets.firstResponseMinutes) {
      errors.push({ field: `sla.${severity}.resolutionMinutes`, message: 'must not be shorter than firstResponseMinutes' });
    }
  }
  return errors;
}

/**
 * zod runs an object's refinements even when one of its fields failed; a field that failed is not
 * yet what its schema makes of it (an instant is still the string that did not parse), so the
 * cross-field rules only look at values that parsed.
 */
const isInstant = (value: unknown): value is Date => value instanceof Date && !Number.isNaN(value.getTime());

const contractInput = contractFields
  .superRefine((c, ctx) => {
    if (!isInstant(c.validFrom) || !(c.validUntil === null || isInstant(c.validUntil)) || !c.sla?.blocker || !c.sla?.high) return;
    for (const e of contractRuleErrors(c)) ctx.addIssue({ code: 'custom', path: e.field.split('.'), message: e.message });
  })
  .meta({
    id: 'ContractCreate',
    example: {
      customerId: 1,
      name: 'Acme Retail 24x7 2026',
      integrations24x7: true,
      validFrom: '2026-01-01T00:00:00-03:00',
      validUntil: null,
      sla: { blocker: { firstResponseMinutes: 15, resolutionMinutes: 240 }, high: { firstResponseMinutes: 30, resolutionMinutes: 480 } },
    },
  });

const contractPatch = patchOf(contractFields.omit({ customerId: true, sla: true }))
  .extend({
    sla: z
      .object({ blocker: severityTargetsInput.partial().optional(), high: severityTargetsInput.partial().optional() })
      .optional()
      .describe('Only the targets given change'),
  })
  .superRefine((c, ctx) => {
    if (isInstant(c.validFrom) && isInstant(c.validUntil) && c.validUntil.getTime() <= c.validFrom.getTime()) {
      ctx.addIssue({ code: 'custom', path: ['validUntil'], message: 'must be after validFrom' });
    }
  })
  .meta({ id: 'ContractUpdate', example: { validUntil: '2027-01-01T00:00:00-03:00', sla: { blocker: { firstResponseMinutes: 10 } } } });

const severityTargetsOutput = z.object({ firstResponseMinutes: z.number().int(), resolutionMinutes: z.number().int() });

const contractOutput = z
  .object({
    id: z.number().int(),
    customerId: z.number().int(),
    customerName: z.string(),
    name: z.string(),
    integrations24x7: z.boolean(),
    validFrom: z.string(),
    validUntil: z.string().nullable(),
    sla: z.object({ blocker: severityTargetsOutput, high: severityTargetsOutput }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({
    id: 'Contract',
    example: {
      id: 1,
      customerId: 1,
      customerName: 'Acme Retail',
      name: 'Acme Retail 24x7 2026',
      integrations24x7: true,
      validFrom: '2026-01-01T03:00:00.000Z',
      validUntil: null,
      sla: { blocker: { firstResponseMinutes: 15, resolutionMinutes: 240 }, high: { firstResponseMinutes: 30, resolutionMinutes: 480 } },
      createdAt: EXAMPLE_AT,
      updatedAt: EXAMPLE_AT,
    },
  });

type Row = typeof contracts.$inferSelect;

const slaOf = (c: Row) => ({
  blocker: { firstResponseMinutes: c.blockerFirstResponseMinutes, resolutionMinutes: c.blockerResolutionMinutes },
  high: { firstResponseMinutes: c.highFirstResponseMinutes, resolutionMinutes: c.highResolutionMinutes },
});

const slaColumns = (sla: z.infer<typeof slaInput>) => ({
  blockerFirstResponseMinutes: sla.blocker.firstResponseMinutes,
  blockerResolutionMinutes: sla.blocker.resolutionMinutes,
  highFirstResponseMinutes: sla.high.firstResponseMinutes,
  highResolutionMinutes: sla.high.resolutionMinutes,
});

const toOutput = (c: Row, names: Names) => ({
  id: c.id,
  customerId: c.customerId,
  customerName: names.ofRequired('customer', c.customerId),
  name: c.name,
  integrations24x7: c.integrations24x7,
  validFrom: iso(c.validFrom),
  validUntil: isoOrNull(c.validUntil),
  sla: slaOf(c),
  createdAt: iso(c.createdAt),
  updatedAt: iso(c.updatedAt),
});

const named = async (db: Executor, c: Row) => toOutput(c, await Names.load(db, { customer: [c.customerId] }));

/** Active at T: `validFrom <= T < validUntil` (an open-ended contract has no end). */
export const contractActiveAt = (at: Date): SQL => and(lte(contracts.validFrom, at), or(isNull(contracts.validUntil), gt(contracts.validUntil, at)))!;

export const contractRoutes = (deps: Deps): FastifyPluginAsync => async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;
  const tags = ['contracts'];

  r.post('/contracts', {
    schema: { tags, summary: 'Create a contract (an unknown customerId is a 422 naming customerId)', body: contractInput, problems: { 422: { detail: 'customerId: 999 does not exist', errors: [{ field: 'customerId', message: 'does not exist' }] } }, response: { 201: contractOutput } },
  }, async (request, reply) => {
    const { sla, ...fields } = request.body;
    const [row] = await db.insert(contracts).values({ ...fields, ...slaColumns(sla) }).returning();
    return reply.code(201).send(await named(db, row!));
  });

  r.get('/contracts', {
    schema: {
      tags,
      summary: 'List contracts',
      querystring: pageQuery.extend({
        customerId: idQuery.optional(),
        integrations24x7: booleanQuery.optional(),
        activeAt: instantInput.optional().describe('Only contracts active at this instant (validFrom <= activeAt < validUntil)'),
      }),
      response: { 200: pageOf(contractOutput) },
    },
  }, async (request) => {
    const { limit, cursor, customerId, integrations24x7, activeAt } = request.query;
    const filters: SQL[] = [];
    if (cursor) filters.push(gt(contracts.id, cursor));
    if (customerId) filters.push(eq(contracts.customerId, customerId));
    if (integrations24x7 !== undefined) filters.push(eq(contracts.integrations24x7, integrations24x7));
    if (activeAt) filters.push(contractActiveAt(activeAt));
    const rows = await db.select().from(contracts).where(and(...filters)).orderBy(asc(contracts.id)).limit(limit + 1);
    const names = await Names.load(db, { customer: rows.map((c) => c.customerId) });
    return page(rows, limit, (row) => toOutput(row, names));
  });

  r.get('/contracts/:id', { schema: { tags, summary: 'Read a contract', params: idParams, response: { 200: contractOutput } } }, async (request) => {
    const [row] = await db.select().from(contracts).where(eq(contracts.id, request.params.id));
    if (!row) throw notFound('contract', request.params.id);
    return named(db, row);
  });

  r.patch('/contracts/:id', {
    schema: { tags, summary: 'Update a contract (its customer does not change)', params: idParams, body: contractPatch, response: { 200: contractOutput } },
  }, async (request) => {
    const { sla, ...fields } = request.body;
    return db.transaction(async (tx) => {
      const [current] = await tx.select().from(contracts).where(eq(contracts.id, request.params.id)).for('update');
      if (!current) throw notFound('contract', request.params.id);
      const currentSla = slaOf(current);
      const merged = {
        validFrom: fields.validFrom ?? current.validFrom,
        validUntil: fields.validUntil === undefined ? current.validUntil : fields.validUntil,
        sla: { blocker: { ...currentSla.blocker, ...sla?.blocker }, high: { ...currentSla.high, ...sla?.high } },
      };
      const errors = contractRuleErrors(merged);
      if (errors.length > 0) throw new HttpProblem(422, errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
      const [row] = await tx
        .update(contracts)
        .set({ ...fields, ...slaColumns(merged.sla), updatedAt: deps.clock.now() })
        .where(eq(contracts.id, current.id))
        .returning();
      return named(tx, row!);
    });
  });

  r.delete('/contracts/:id', {
    schema: { tags, summary: 'Delete a contract; 409 while incidents refer to it (end it with validUntil instead)', params: idParams, problems: { 409: { detail: 'contract 1 is referenced by 3 incident(s): set validUntil to end it instead', incidents: 3 } }, response: { 204: z.null().describe('Deleted') } },
  }, async (request, reply) => {
    await db.transaction(async (tx) => {
      const [current] = await tx.select({ id: contracts.id }).from(contracts).where(eq(contracts.id, request.params.id)).for('update');
      if (!current) throw notFound('contract', request.params.id);
      const [used] = await tx.select({ n: count() }).from(incidents).where(eq(incidents.contractId, current.id));
      if (used && used.n > 0) {
        throw conflict(`contract ${current.id} is referenced by ${used.n} incident(s): set validUntil to end it instead`, { incidents: used.n });
      }
      await tx.delete(contracts).where(eq(contracts.id, current.id));
    });
    return reply.code(204).send(null);
  });
};
