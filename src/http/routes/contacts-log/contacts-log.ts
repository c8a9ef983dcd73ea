import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { and, desc, eq, gte, lt, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Deps } from '../../../app/deps.js';
import { contactsLog } from '../../../db/schema.js';
import { notFound } from '../../problem.js';
import { idParams, idQuery, instantInput, iso, page, pageOf, pageQuery } from '../common.js';

const channelInput = z.enum(['voice', 'sms']);

const contactsLogOutput = z
  .object({
    id: z.number().int(),
    at: z.string().describe('When the contact arrived'),
    channel: channelInput,
    fromPhone: z.string(),
    standbyPhone: z.string(),
    customerId: z.number().int().nullable().describe('null when the caller could not be identified'),
    integrationId: z.number().int().nullable(),
    severity: z.string().nullable(),
    reason: z.string().describe('Why the 24x7 service did not cover it, as the caller was told'),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'ContactsLogEntry' });

type Row = typeof contactsLog.$inferSelect;
const toOutput = (c: Row) => ({ ...c, at: iso(c.at) });

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
    return page(rows, limit, toOutput);
  });

  r.get('/contacts-log/:id', { schema: { tags, summary: 'Read an out-of-scope contact', params: idParams, response: { 200: contactsLogOutput } } }, async (request) => {
    const [row] = await db.select().from(contactsLog).where(eq(contactsLog.id, request.params.id));
    if (!row) throw notFound('contacts-log entry', request.params.id);
    return toOutput(row);
  });
};
