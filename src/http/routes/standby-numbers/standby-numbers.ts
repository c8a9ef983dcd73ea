import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { and, asc, count, eq, gt, isNotNull, isNull, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Deps } from '../../../app/deps.js';
import type { Executor } from '../../../db/client.js';
import { escalationPolicies, incidents, standbyNumbers } from '../../../db/schema.js';
import { conflict, notFound, unprocessable } from '../../problem.js';
import { assertPhoneFree } from '../contacts/phone-owners.js';
import { Names } from '../../../db/names.js';
import { booleanQuery, EXAMPLE_AT, idInput, idParams, idQuery, iso, page, pageOf, pageQuery, patchOf, phoneInput } from '../common.js';

const standbyNumberFields = z.object({
  phone: phoneInput.describe('The number customers call or text (a Twilio number), any common format, stored as E.164'),
  label: z.string().trim().max(200).default(''),
  customerId: idInput
    .nullable()
    .default(null)
    .describe("The customer this number is dedicated to; null = a shared number, where callers are identified by caller ID or by typing their customer code"),
  escalationPolicyId: idInput.describe('Who is paged for incidents opened through this number'),
});

const standbyNumberInput = standbyNumberFields.meta({
  id: 'StandbyNumberCreate',
  example: { phone: '+54 11 5000-0100', label: 'Acme Retail dedicated line', customerId: 1, escalationPolicyId: 1 },
});
const standbyNumberPatch = patchOf(standbyNumberFields).meta({ id: 'StandbyNumberUpdate', example: { escalationPolicyId: 2 } });

const standbyNumberOutput = z
  .object({
    id: z.number().int(),
    phone: z.string(),
    label: z.string(),
    customerId: z.number().int().nullable().describe('The customer it is dedicated to; null = shared'),
    customerName: z.string().nullable(),
    escalationPolicyId: z.number().int(),
    escalationPolicyName: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({
    id: 'StandbyNumber',
    example: {
      id: 1,
      phone: '+541150000100',
      label: 'Acme Retail dedicated line',
      customerId: 1,
      customerName: 'Acme Retail',
      escalationPolicyId: 1,
      escalationPolicyName: 'Integrations 24x7',
      createdAt: EXAMPLE_AT,
      updatedAt: EXAMPLE_AT,
    },
  });

type Row = typeof standbyNumbers.$inferSelect;
const toOutput = (n: Row, names: Names) => ({
  ...n,
  customerName: names.of('customer', n.customerId),
  escalationPolicyName: names.ofRequired('escalationPolicy', n.escalationPolicyId),
  createdAt: iso(n.createdAt),
  updatedAt: iso(n.updatedAt),
});
const namesFor = (db: Executor, rows: Row[]) => Names.load(db, { customer: rows.map((n) => n.customerId), escalationPolicy: rows.map((n) => n.escalationPolicyId) });
const named = async (db: Executor, n: Row) => toOutput(n, await namesFor(db, [n]));

const phoneTaken = {
  detail: 'phone: +5491150000101 is already the number of contact 1 "Ana Gómez"',
  errors: [{ field: 'phone', message: 'already the number of contact 1 "Ana Gómez"' }],
  usedBy: [{ kind: 'contact', id: 1, name: 'Ana Gómez' }],
};
const policyMissing = { detail: 'escalationPolicyId: escalation policy 9 does not exist', errors: [{ field: 'escalationPolicyId', message: 'escalation policy 9 does not exist' }] };

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
      problems: { 409: phoneTaken, 422: policyMissing },
      response: { 201: standbyNumberOutput },
    },
  }, async (request, reply) => {
    const row = await db.transaction(async (tx) => {
      await assertPolicyUsable(tx, request.body.escalationPolicyId);
      await assertPhoneFree(tx, request.body.phone, 'standby_number');
      const [inserted] = await tx.insert(standbyNumbers).values(request.body).returning();
      return inserted!;
    });
    return reply.code(201).send(await named(db, row));
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
    const names = await namesFor(db, rows);
    return page(rows, limit, (row) => toOutput(row, names));
  });

  r.get('/standby-numbers/:id', { schema: { tags, summary: 'Read a standby number', params: idParams, response: { 200: standbyNumberOutput } } }, async (request) => {
    const [row] = await db.select().from(standbyNumbers).where(eq(standbyNumbers.id, request.params.id));
    if (!row) throw notFound('standby number', request.params.id);
    return named(db, row);
  });

  r.patch('/standby-numbers/:id', {
    schema: { tags, summary: 'Update a standby number (customerId null makes it shared)', params: idParams, body: standbyNumberPatch, problems: { 409: phoneTaken, 422: policyMissing }, response: { 200: standbyNumberOutput } },
  }, async (request) => {
    return db.transaction(async (tx) => {
      const [current] = await tx.select({ id: standbyNumbers.id }).from(standbyNumbers).where(eq(standbyNumbers.id, request.params.id)).for('update');
      if (!current) throw notFound('standby number', request.params.id);
      if (request.body.escalationPolicyId) await assertPolicyUsable(tx, request.body.escalationPolicyId);
      if (request.body.phone) await assertPhoneFree(tx, request.body.phone, 'standby_number');
      const [row] = await tx.update(standbyNumbers).set({ ...request.body, updatedAt: deps.clock.now() }).where(eq(standbyNumbers.id, current.id)).returning();
      return named(tx, row!);
    });
  });

  r.delete('/standby-numbers/:id', {
    schema: { tags, summary: 'Delete a standby number; 409 while incidents refer to it', params: idParams, problems: { 409: { detail: 'standby number +541150000100 is referenced by 3 incident(s) and stays on record', incidents: 3 } }, response: { 204: z.null().describe('Deleted') } },
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
