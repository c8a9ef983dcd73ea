import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { and, asc, eq, gt, isNull, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Deps } from '../../../app/deps.js';
import type { Executor } from '../../../db/client.js';
import { integrations } from '../../../db/schema.js';
import { notFound } from '../../problem.js';
import { Names } from '../../../db/names.js';
import { booleanQuery, EXAMPLE_AT, idInput, idParams, idQuery, iso, isoOrNull, page, pageOf, pageQuery, patchOf } from '../common.js';

const builtByInput = z
  .enum(['vendor', 'selfservice'])
  .describe("'vendor': built by the vendor, covered by the 24x7 service. 'selfservice': built with Integrations Selfservice, excluded from 24x7 support");

const integrationFields = z.object({
  customerId: idInput,
  name: z.string().trim().min(1).max(200).describe('Unique per customer, ignoring case; read to callers in the integration menu'),
  builtBy: builtByInput,
});

const integrationInput = integrationFields.meta({ id: 'IntegrationCreate', example: { customerId: 1, name: 'Salesforce sync', builtBy: 'vendor' } });
const integrationPatch = patchOf(integrationFields.omit({ customerId: true })).meta({ id: 'IntegrationUpdate', example: { name: 'Salesforce sync v2' } });

const integrationOutput = z
  .object({
    id: z.number().int(),
    customerId: z.number().int(),
    customerName: z.string(),
    name: z.string(),
    builtBy: builtByInput,
    archivedAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({
    id: 'Integration',
    example: { id: 1, customerId: 1, customerName: 'Acme Retail', name: 'Salesforce sync', builtBy: 'vendor', archivedAt: null, createdAt: EXAMPLE_AT, updatedAt: EXAMPLE_AT },
  });

type Row = typeof integrations.$inferSelect;
const toOutput = (i: Row, names: Names) => ({
  ...i,
  customerName: names.ofRequired('customer', i.customerId),
  archivedAt: isoOrNull(i.archivedAt),
  createdAt: iso(i.createdAt),
  updatedAt: iso(i.updatedAt),
});
const named = async (db: Executor, i: Row) => toOutput(i, await Names.load(db, { customer: [i.customerId] }));

export const integrationRoutes = (deps: Deps): FastifyPluginAsync => async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;
  const tags = ['integrations'];

  r.post('/integrations', {
    schema: { tags, summary: "Create a customer's integration (409 naming name when the customer already has one by that name)", body: integrationInput, problems: { 409: { detail: 'name: already in use', errors: [{ field: 'name', message: 'already in use' }] }, 422: { detail: 'customerId: customer 999 does not exist', errors: [{ field: 'customerId', message: 'customer 999 does not exist' }] } }, response: { 201: integrationOutput } },
  }, async (request, reply) => {
    const [row] = await db.insert(integrations).values(request.body).returning();
    return reply.code(201).send(await named(db, row!));
  });

  r.get('/integrations', {
    schema: {
      tags,
      summary: 'List integrations',
      querystring: pageQuery.extend({ customerId: idQuery.optional(), builtBy: builtByInput.optional(), archived: booleanQuery.optional().describe('true includes archived ones') }),
      response: { 200: pageOf(integrationOutput) },
    },
  }, async (request) => {
    const { limit, cursor, customerId, builtBy, archived } = request.query;
    const filters: SQL[] = [];
    if (cursor) filters.push(gt(integrations.id, cursor));
    if (customerId) filters.push(eq(integrations.customerId, customerId));
    if (builtBy) filters.push(eq(integrations.builtBy, builtBy));
    if (archived !== true) filters.push(isNull(integrations.archivedAt));
    const rows = await db.select().from(integrations).where(and(...filters)).orderBy(asc(integrations.id)).limit(limit + 1);
    const names = await Names.load(db, { customer: rows.map((i) => i.customerId) });
    return page(rows, limit, (row) => toOutput(row, names));
  });

  r.get('/integrations/:id', { schema: { tags, summary: 'Read an integration', params: idParams, response: { 200: integrationOutput } } }, async (request) => {
    const [row] = await db.select().from(integrations).where(eq(integrations.id, request.params.id));
    if (!row) throw notFound('integration', request.params.id);
    return named(db, row);
  });

  r.patch('/integrations/:id', {
    schema: { tags, summary: 'Rename an integration or change who built it (its customer does not change)', params: idParams, body: integrationPatch, problems: { 409: { detail: 'name: already in use', errors: [{ field: 'name', message: 'already in use' }] } }, response: { 200: integrationOutput } },
  }, async (request) => {
    const [row] = await db.update(integrations).set({ ...request.body, updatedAt: deps.clock.now() }).where(eq(integrations.id, request.params.id)).returning();
    if (!row) throw notFound('integration', request.params.id);
    return named(db, row);
  });

  r.delete('/integrations/:id', {
    schema: { tags, summary: 'Archive an integration (its incidents stay on record; callers no longer hear it in the menu)', params: idParams, response: { 200: integrationOutput } },
  }, async (request) => {
    const now = deps.clock.now();
    const [row] = await db
      .update(integrations)
      .set({ archivedAt: now, updatedAt: now })
      .where(and(eq(integrations.id, request.params.id), isNull(integrations.archivedAt)))
      .returning();
    if (row) return named(db, row);
    const [existing] = await db.select().from(integrations).where(eq(integrations.id, request.params.id));
    if (!existing) throw notFound('integration', request.params.id);
    return named(db, existing);
  });
};
