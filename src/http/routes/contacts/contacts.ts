import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { and, asc, eq, gt, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Deps } from '../../../app/deps.js';
import type { Executor } from '../../../db/client.js';
import { contacts } from '../../../db/schema.js';
import { notFound } from '../../problem.js';
import { Names } from '../../../db/names.js';
import { EXAMPLE_AT, idInput, idParams, idQuery, iso, page, pageOf, pageQuery, patchOf, phoneInput } from '../common.js';
import { assertPhoneFree } from './phone-owners.js';

const contactFields = z.object({
  customerId: idInput,
  name: z.string().trim().min(1).max(200),
  phone: phoneInput.describe('Any common format, stored as E.164; a caller with this number is recognised as the customer. Unique across all contacts'),
});

const contactInput = contactFields.meta({ id: 'ContactCreate', example: { customerId: 1, name: 'Ana Gómez (IT, Acme Retail)', phone: '+54 9 11 5000-0101' } });
const contactPatch = patchOf(contactFields.omit({ customerId: true })).meta({ id: 'ContactUpdate', example: { phone: '+54 9 11 5000-0109' } });

const contactOutput = z
  .object({
    id: z.number().int(),
    customerId: z.number().int(),
    customerName: z.string(),
    name: z.string(),
    phone: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({
    id: 'Contact',
    example: { id: 1, customerId: 1, customerName: 'Acme Retail', name: 'Ana Gómez (IT, Acme Retail)', phone: '+5491150000101', createdAt: EXAMPLE_AT, updatedAt: EXAMPLE_AT },
  });

type Row = typeof contacts.$inferSelect;
const toOutput = (c: Row, names: Names) => ({ ...c, customerName: names.ofRequired('customer', c.customerId), createdAt: iso(c.createdAt), updatedAt: iso(c.updatedAt) });
const named = async (db: Executor, c: Row) => toOutput(c, await Names.load(db, { customer: [c.customerId] }));

const phoneTaken = {
  detail: 'phone: +5491150000201 is already the number of engineer 1 "Eng One"',
  errors: [{ field: 'phone', message: 'already the number of engineer 1 "Eng One"' }],
  usedBy: [{ kind: 'engineer', id: 1, name: 'Eng One' }],
};

export const contactRoutes = (deps: Deps): FastifyPluginAsync => async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;
  const tags = ['contacts'];

  r.post('/contacts', {
    schema: {
      tags,
      summary: "Register a customer's phone (409 naming phone when the number is already a contact, an engineer or a standby number)",
      body: contactInput,
      problems: { 409: phoneTaken, 422: { detail: 'customerId: customer 999 does not exist', errors: [{ field: 'customerId', message: 'customer 999 does not exist' }] } },
      response: { 201: contactOutput },
    },
  }, async (request, reply) => {
    const row = await db.transaction(async (tx) => {
      await assertPhoneFree(tx, request.body.phone, 'contact');
      const [inserted] = await tx.insert(contacts).values(request.body).returning();
      return inserted!;
    });
    return reply.code(201).send(await named(db, row));
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
    const names = await Names.load(db, { customer: rows.map((c) => c.customerId) });
    return page(rows, limit, (row) => toOutput(row, names));
  });

  r.get('/contacts/:id', { schema: { tags, summary: 'Read a contact', params: idParams, response: { 200: contactOutput } } }, async (request) => {
    const [row] = await db.select().from(contacts).where(eq(contacts.id, request.params.id));
    if (!row) throw notFound('contact', request.params.id);
    return named(db, row);
  });

  r.patch('/contacts/:id', {
    schema: { tags, summary: "Change a contact's name or phone (its customer does not change)", params: idParams, body: contactPatch, problems: { 409: phoneTaken }, response: { 200: contactOutput } },
  }, async (request) => {
    return db.transaction(async (tx) => {
      const [current] = await tx.select({ id: contacts.id }).from(contacts).where(eq(contacts.id, request.params.id)).for('update');
      if (!current) throw notFound('contact', request.params.id);
      if (request.body.phone) await assertPhoneFree(tx, request.body.phone, 'contact');
      const [row] = await tx.update(contacts).set({ ...request.body, updatedAt: deps.clock.now() }).where(eq(contacts.id, current.id)).returning();
      return named(tx, row!);
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
