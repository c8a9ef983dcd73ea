import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { and, desc, eq, gte, lt, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Deps } from '../../../app/deps.js';
import type { Executor } from '../../../db/client.js';
import { contactsLog } from '../../../db/schema.js';
import { notFound } from '../../problem.js';
import { EXAMPLE_AT, idParams, idQuery, instantInput, iso, page, pageOf, pageQuery } from '../common.js';
import { Names } from '../../../db/names.js';

const channelInput = z.enum(['voice', 'sms']);

const contactsLogOutput = z
  .object({
    id: z.number().int(),
    at: z.string().describe('When the contact arrived'),
    channel: channelInput,
    fromPhone: z.string(),
    standbyPhone: z.string(),
    customerId: z.number().int().nullable().describe('null when the caller could not be identified'),
    customerName: z.string().nullable(),
    integrationId: z.number().int().nullable(),
    integrationName: z.string().nullable(),
    severity: z.string().nullable(),
    reason: z.string().describe('Why the 24x7 service did not cover it, as the caller was told'),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({
    id: 'ContactsLogEntry',
    example: {
      id: 1,
      at: EXAMPLE_AT,
      channel: 'voice',
      fromPhone: '+5491150000111',
      standbyPhone: '+541150000199',
      customerId: 2,
      customerName: 'Beta Logistics',
      integrationId: null,
      integrationName: null,
      severity: null,
      reason: 'contract_without_24x7',
      details: { callSid: 'CA0123456789abcdef0123456789abcdef' },
    },
  });

type Row = typeof contactsLog.$inferSelect;
const toOutput = (c: Row, names: Names) => ({ ...c, at: iso(c.at), customerName: names.of('customer', c.customerId), integrationName: names.of('integration', c.integrationId) });
const namesFor = (db: Executor, rows: Row[]) => Names.load(db, { customer: rows.map((c) => c.customerId), integration: rows.map((c) => c.integrationId) });

/** Out-of-scope contacts, read-only: the intake writes them, admins read them. */
export const contactsLogRoutes = (deps: Deps): FastifyPluginAsync => async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;
  const tags = ['contacts-log'];

  r.get('/contacts-log', {
    schema: {
      tags,
      summary: 'List out-of-scope contacts, newest first (by the order they were recorded); nextCursor pages on to older ones',
      querystring: pageQuery.extend({
        customerId: idQuery.optional(),
        reason: z.string().min(1).max(100).optional(),
        channel: channelInput.optional(),
        from: instantInput.optional().describe('Only contacts at or after this instant'),
        to: instantInput.optional().describe('Only contacts before this instant'),
      }),
      response: { 200: pageOf(contactsLogOutput) },
    },
  }, async (request) => {
    const { limit, cursor, customerId, reason, channel, from, to } = request.query;
    const filters: SQL[] = [];
    if (cursor) filters.push(lt(contactsLog.id, cursor));
    if (customerId) filters.push(eq(contactsLog.customerId, customerId));
    if (reason) filters.push(eq(contactsLog.reason, reason));
    if (channel) filters.push(eq(contactsLog.channel, channel));
    if (from) filters.push(gte(contactsLog.at, from));
    if (to) filters.push(lt(contactsLog.at, to));
    const rows = await db.select().from(contactsLog).where(and(...filters)).orderBy(desc(contactsLog.id)).limit(limit + 1);
    const names = await namesFor(db, rows);
    return page(rows, limit, (row) => toOutput(row, names));
  });

  r.get('/contacts-log/:id', { schema: { tags, summary: 'Read an out-of-scope contact', params: idParams, response: { 200: contactsLogOutput } } }, async (request) => {
    const [row] = await db.select().from(contactsLog).where(eq(contactsLog.id, request.params.id));
    if (!row) throw notFound('contacts-log entry', request.params.id);
    return toOutput(row, await namesFor(db, [row]));
  });
};
