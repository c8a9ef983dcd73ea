import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { and, asc, eq, gt, isNull, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Deps } from '../../../app/deps.js';
import { customers } from '../../../db/schema.js';
import { notFound } from '../../problem.js';
import { booleanQuery, EXAMPLE_AT, patchOf, idParams, iso, isoOrNull, languageInput, page, pageOf, pageQuery, timeZoneInput } from '../common.js';

const customerFields = z.object({
  code: z.string().regex(/^[0-9]{3,8}$/, 'must be 3 to 8 digits (callers type it on the keypad)').describe('Callers on a shared number type it on the keypad'),
  name: z.string().trim().min(1).max(200),
  language: languageInput.describe('The language callers and texts from this customer are answered in'),
  timeZone: timeZoneInput.default('America/Argentina/Buenos_Aires'),
});

const customerInput = customerFields.meta({ id: 'CustomerCreate', example: { code: '1001', name: 'Acme Retail', language: 'es', timeZone: 'America/Argentina/Buenos_Aires' } });
const customerPatch = patchOf(customerFields).meta({ id: 'CustomerUpdate', example: { name: 'Acme Retail S.A.' } });

const customerOutput = z
  .object({
    id: z.number().int(),
    code: z.string(),
    name: z.string(),
    language: languageInput,
    timeZone: z.string(),
    archivedAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({
    id: 'Customer',
    example: { id: 1, code: '1001', name: 'Acme Retail', language: 'es', timeZone: 'America/Argentina/Buenos_Aires', archivedAt: null, createdAt: EXAMPLE_AT, updatedAt: EXAMPLE_AT },
  });

type Row = typeof customers.$inferSelect;
const toOutput = (c: Row) => ({ ...c, archivedAt: isoOrNull(c.archivedAt), createdAt: iso(c.createdAt), updatedAt: iso(c.updatedAt) });

export const customerRoutes = (deps: Deps): FastifyPluginAsync => async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;
  const tags = ['customers'];

  r.post('/customers', { schema: { tags, summary: 'Create a customer', body: customerInput, problems: { 409: { detail: 'code: already in use', errors: [{ field: 'code', message: 'already in use' }] } }, response: { 201: customerOutput } } }, async (request, reply) => {
    const [row] = await db.insert(customers).values(request.body).returning();
    return reply.code(201).send(toOutput(row!));
  });

  r.get('/customers', {
    schema: { tags, summary: 'List customers', querystring: pageQuery.extend({ code: z.string().optional(), archived: booleanQuery.optional() }), response: { 200: pageOf(customerOutput) } },
  }, async (request) => {
    const { limit, cursor, code, archived } = request.query;
    const filters: SQL[] = [];
    if (cursor) filters.push(gt(customers.id, cursor));
    if (code) filters.push(eq(customers.code, code));
    if (archived !== true) filters.push(isNull(customers.archivedAt));
    const rows = await db.select().from(customers).where(and(...filters)).orderBy(asc(customers.id)).limit(limit + 1);
    return page(rows, limit, toOutput);
  });

  r.get('/customers/:id', { schema: { tags, summary: 'Read a customer', params: idParams, response: { 200: customerOutput } } }, async (request) => {
    const [row] = await db.select().from(customers).where(eq(customers.id, request.params.id));
    if (!row) throw notFound('customer', request.params.id);
    return toOutput(row);
  });

  r.patch('/customers/:id', { schema: { tags, summary: 'Update a customer', params: idParams, body: customerPatch, problems: { 409: { detail: 'code: already in use', errors: [{ field: 'code', message: 'already in use' }] } }, response: { 200: customerOutput } } }, async (request) => {
    const [row] = await db.update(customers).set({ ...request.body, updatedAt: deps.clock.now() }).where(eq(customers.id, request.params.id)).returning();
    if (!row) throw notFound('customer', request.params.id);
    return toOutput(row);
  });

  r.delete('/customers/:id', {
    schema: { tags, summary: 'Archive a customer (their incidents stay on record; they can no longer open new ones)', params: idParams, response: { 200: customerOutput } },
  }, async (request) => {
    const now = deps.clock.now();
    const [row] = await db.update(customers).set({ archivedAt: now, updatedAt: now }).where(eq(customers.id, request.params.id)).returning();
    if (!row) throw notFound('customer', request.params.id);
    return toOutput(row);
  });
};
