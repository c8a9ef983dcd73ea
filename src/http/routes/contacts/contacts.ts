import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { and, asc, eq, gt, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Deps } from '../../../app/deps.js';
import { contacts } from '../../../db/schema.js';
import { notFound } from '../../problem.js';
import { idInput, idParams, idQuery, iso, page, pageOf, pageQuery, patchOf, phoneInput } from '../common.js';
import { assertPhoneFree } from './phone-owners.js';

const contactInput = z.object({
  customerId: idInput,
  name: z.string().trim().min(1).max(200),
  phone: phoneInput.describe('Any common format, stored as E.164; a caller with this number is recognised as the customer. Unique across all contacts'),
});

const contactPatch = patchOf(contactInput.omit({ customerId: true }));

const contactOutput = z
  .object({
    id: z.number().int(),
    customerId: z.number().int(),
    name: z.string(),
    phone: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Contact' });

type Row = typeof contacts.$inferSelect;
const toOutput = (c: Row) => ({ ...c, createdAt: iso(c.createdAt), updatedAt: iso(c.updatedAt) });

export const contactRoutes = (deps: Deps): FastifyPluginAsync => async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;
  const tags = ['contacts'];

  r.post('/contacts', {
    schema: {
      tags,
      summary: "Register a customer's phone (409 naming phone when the number is already a contact, an engineer or a standby number)",
      body: contactInput,
      response: { 201: contactOutput },
    },
  }, async (request, reply) => {
    const row = await db.transaction(async (tx) => {
      await assertPhoneFree(tx, request.body.phone, 'contact');
      const [inserted] = await tx.insert(contacts).values(request.body).returning();
      return inserted!;
    });
    return reply.code(201).send(toOutput(row));
  });

  r.get('/contacts', {
    schema: {
      tags,
      summary: 'List contacts',
      querystring: pageQuery.extend({ customerId: idQuery.optional(), phone: phoneInput.optional().describe('Any common format') }),
      response: { 200: pageOf(contactOutput) },
    },
  }, async (request) => {
    const { limit, cursor, customerId, phone } = request.query;
    const filters: SQL[] = [];
    if (cursor) filters.push(gt(contacts.id, cursor));
    if (customerId) filters.push(eq(contacts.customerId, customerId));
    if (phone) filters.push(eq(contacts.phone, phone));
    const rows = await db.select().from(contacts).where(and(...filters)).orderBy(asc(contacts.id)).limit(limit + 1);
    return page(rows, limit, toOutput);
  });

  r.get('/contacts/:id', { schema: { tags, summary: 'Read a contact', params: idParams, response: { 200: contactOutput } } }, async (request) => {
    const [row] = await db.select().from(contacts).where(eq(contacts.id, request.params.id));
    if (!row) throw notFound('contact', request.params.id);
    return toOutput(row);
  });

  r.patch('/contacts/:id', {
    schema: { tags, summary: "Change a contact's name or phone (its customer does not change)", params: idParams, body: contactPatch, response: { 200: contactOutput } },
  }, async (request) => {
    return db.transaction(async (tx) => {
      const [current] = await tx.select({ id: contacts.id }).from(contacts).where(eq(contacts.id, request.params.id)).for('update');
      if (!current) throw notFound('contact', request.params.id);
      if (request.body.phone) await assertPhoneFree(tx, request.body.phone, 'contact');
      const [row] = await tx.update(contacts).set({ ...request.body, updatedAt: deps.clock.now() }).where(eq(contacts.id, current.id)).returning();
      return toOutput(row!);
    });
  });

  r.delete('/contacts/:id', {
    schema: { tags, summary: 'Delete a contact (calls from that number are no longer recognised as the customer)', params: idParams, response: { 204: z.null().describe('Deleted') } },
  }, async (request, reply) => {
    const [row] = await db.delete(contacts).where(eq(contacts.id, request.params.id)).returning({ id: contacts.id });
    if (!row) throw notFound('contact', request.params.id);
    return reply.code(204).send(null);
  });
};
