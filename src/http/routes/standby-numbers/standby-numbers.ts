import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { and, asc, count, eq, gt, isNotNull, isNull, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Deps } from '../../../app/deps.js';
import type { Executor } from '../../../db/client.js';
import { escalationPolicies, incidents, standbyNumbers } from '../../../db/schema.js';
import { conflict, notFound, unprocessable } from '../../problem.js';
import { assertPhoneFree } from '../contacts/phone-owners.js';
import { booleanQuery, idInput, idParams, idQuery, iso, page, pageOf, pageQuery, patchOf, phoneInput } from '../common.js';

const standbyNumberInput = z.object({
  phone: phoneInput.describe('The number customers call or text (a Twilio number), any common format, stored as E.164'),
  label: z.string().trim().max(200).default(''),
  customerId: idInput
    .nullable()
    .default(null)
    .describe("The customer this number is dedicated to; null = a shared number, where callers are identified by caller ID or by typing their customer code"),
  escalationPolicyId: idInput.describe('Who is paged for incidents opened through this number'),
});

const standbyNumberPatch = patchOf(standbyNumberInput);

const standbyNumberOutput = z
  .object({
    id: z.number().int(),
    phone: z.string(),
    label: z.string(),
    customerId: z.number().int().nullable(),
    escalationPolicyId: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'StandbyNumber' });

type Row = typeof standbyNumbers.$inferSelect;
const toOutput = (n: Row) => ({ ...n, createdAt: iso(n.createdAt), updatedAt: iso(n.updatedAt) });

/**
 * A standby number must page through a live policy. The policy row is share-locked so that a
 * concurrent archive of it (which checks for standby numbers under an update lock) waits for us.
 */
async function assertPolicyUsable(tx: Executor, policyId: number): Promise<void> {
  const [policy] = await tx.select({ archivedAt: escalationPolicies.archivedAt }).from(escalationPolicies).where(eq(escalationPolicies.id, policyId)).for('share');
  if (!policy) throw unprocessable('escalationPolicyId', `escalation policy ${policyId} does not exist`);
  if (policy.archivedAt) throw unprocessable('escalationPolicyId', `escalation policy ${policyId} is archived`);
}

export const standbyNumberRoutes = (deps: Deps): FastifyPluginAsync => async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;
  const tags = ['standby-numbers'];

  r.post('/standby-numbers', {
    schema: {
      tags,
      summary: 'Add a standby number (409 naming phone when the number is already in use; 422 naming the field for an unknown customer or policy)',
      body: standbyNumberInput,
      response: { 201: standbyNumberOutput },
    },
  }, async (request, reply) => {
    const row = await db.transaction(async (tx) => {
      await assertPolicyUsable(tx, request.body.escalationPolicyId);
      await assertPhoneFree(tx, request.body.phone, 'standby_number');
      const [inserted] = await tx.insert(standbyNumbers).values(request.body).returning();
      return inserted!;
    });
    return reply.code(201).send(toOutput(row));
  });

  r.get('/standby-numbers', {
    schema: {
      tags,
      summary: 'List standby numbers',
      querystring: pageQuery.extend({
        customerId: idQuery.optional(),
        shared: booleanQuery.optional().describe('true: only shared numbers; false: only dedicated ones'),
        escalationPolicyId: idQuery.optional(),
        phone: phoneInput.optional().describe('Any common format'),
      }),
      response: { 200: pageOf(standbyNumberOutput) },
    },
  }, async (request) => {
    const { limit, cursor, customerId, shared, escalationPolicyId, phone } = request.query;
    const filters: SQL[] = [];
    if (cursor) filters.push(gt(standbyNumbers.id, cursor));
    if (customerId) filters.push(eq(standbyNumbers.customerId, customerId));
    if (shared !== undefined) filters.push(shared ? isNull(standbyNumbers.customerId) : isNotNull(standbyNumbers.customerId));
    if (escalationPolicyId) filters.push(eq(standbyNumbers.escalationPolicyId, escalationPolicyId));
    if (phone) filters.push(eq(standbyNumbers.phone, phone));
    const rows = await db.select().from(standbyNumbers).where(and(...filters)).orderBy(asc(standbyNumbers.id)).limit(limit + 1);
    return page(rows, limit, toOutput);
  });

  r.get('/standby-numbers/:id', { schema: { tags, summary: 'Read a standby number', params: idParams, response: { 200: standbyNumberOutput } } }, async (request) => {
    const [row] = await db.select().from(standbyNumbers).where(eq(standbyNumbers.id, request.params.id));
    if (!row) throw notFound('standby number', request.params.id);
    return toOutput(row);
  });

  r.patch('/standby-numbers/:id', {
    schema: { tags, summary: 'Update a standby number (customerId null makes it shared)', params: idParams, body: standbyNumberPatch, response: { 200: standbyNumberOutput } },
  }, async (request) => {
    return db.transaction(async (tx) => {
      const [current] = await tx.select({ id: standbyNumbers.id }).from(standbyNumbers).where(eq(standbyNumbers.id, request.params.id)).for('update');
      if (!current) throw notFound('standby number', request.params.id);
      if (request.body.escalationPolicyId) await assertPolicyUsable(tx, request.body.escalationPolicyId);
      if (request.body.phone) await assertPhoneFree(tx, request.body.phone, 'standby_number');
      const [row] = await tx.update(standbyNumbers).set({ ...request.body, updatedAt: deps.clock.now() }).where(eq(standbyNumbers.id, current.id)).returning();
      return toOutput(row!);
    });
  });

  r.delete('/standby-numbers/:id', {
    schema: { tags, summary: 'Delete a standby number; 409 while incidents refer to it', params: idParams, response: { 204: z.null().describe('Deleted') } },
  }, async (request, reply) => {
    await db.transaction(async (tx) => {
      const [current] = await tx.select({ id: standbyNumbers.id, phone: standbyNumbers.phone }).from(standbyNumbers).where(eq(standbyNumbers.id, request.params.id)).for('update');
      if (!current) throw notFound('standby number', request.params.id);
      const [used] = await tx.select({ n: count() }).from(incidents).where(eq(incidents.standbyNumberId, current.id));
      if (used && used.n > 0) throw conflict(`standby number ${current.phone} is referenced by ${used.n} incident(s) and stays on record`, { incidents: used.n });
      await tx.delete(standbyNumbers).where(eq(standbyNumbers.id, current.id));
    });
    return reply.code(204).send(null);
  });
};
