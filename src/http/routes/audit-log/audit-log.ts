import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { and, desc, eq, gte, isNull, lt, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Deps } from '../../../app/deps.js';
import { auditLog } from '../../../db/schema.js';
import { idQuery, instantInput, iso, page, pageOf, pageQuery } from '../common.js';

const auditOutput = z
  .object({
    id: z.number().int(),
    at: z.string().describe('When the change was made'),
    token: z.object({ id: z.number().int().nullable().describe('null: the bootstrap ADMIN_API_TOKEN'), name: z.string() }).describe('Who made it'),
    method: z.string(),
    path: z.string(),
    resource: z.string().describe('The API resource: customers, incidents, api-tokens, …'),
    resourceId: z.number().int().nullable(),
    statusCode: z.number().int(),
    requestId: z.string(),
    request: z.unknown().describe('The request body (issued secrets redacted)'),
    before: z.unknown().describe('The resource before, as GET showed it; null for a create'),
    after: z.unknown().describe('The resource after; null once deleted'),
  })
  .meta({ id: 'AuditLogEntry' });

type Row = typeof auditLog.$inferSelect;
const toOutput = (a: Row) => ({
  id: a.id,
  at: iso(a.at),
  token: { id: a.tokenId, name: a.tokenName },
  method: a.method,
  path: a.path,
  resource: a.resource,
  resourceId: a.resourceId,
  statusCode: a.statusCode,
  requestId: a.requestId,
  request: a.request ?? null,
  before: a.before ?? null,
  after: a.after ?? null,
});

/** The audit log of changes made through the API: admin tokens only, newest first. */
export const auditLogRoutes = (deps: Deps): FastifyPluginAsync => async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;

  r.get('/audit-log', {
    config: { scope: 'admin' },
    schema: {
      tags: ['audit-log'],
      summary: 'Changes made through the API, newest first (admin tokens only): who, what, when, before and after',
      querystring: pageQuery.extend({
        tokenId: z.union([z.literal('bootstrap'), idQuery]).optional().describe('An issued token id, or "bootstrap" for ADMIN_API_TOKEN'),
        resource: z.string().regex(/^[a-z-]{1,40}$/).optional().describe('customers, incidents, api-tokens, …'),
        resourceId: idQuery.optional(),
        method: z.enum(['POST', 'PUT', 'PATCH', 'DELETE']).optional(),
        from: instantInput.optional().describe('Only changes at or after this instant'),
        to: instantInput.optional().describe('Only changes before this instant'),
      }),
      response: { 200: pageOf(auditOutput) },
    },
  }, async (request) => {
    const { limit, cursor, tokenId, resource, resourceId, method, from, to } = request.query;
    const filters: SQL[] = [];
    if (cursor) filters.push(lt(auditLog.id, cursor));
    if (tokenId === 'bootstrap') filters.push(isNull(auditLog.tokenId));
    else if (tokenId !== undefined) filters.push(eq(auditLog.tokenId, tokenId));
    if (resource) filters.push(eq(auditLog.resource, resource));
    if (resourceId) filters.push(eq(auditLog.resourceId, resourceId));
    if (method) filters.push(eq(auditLog.method, method));
    if (from) filters.push(gte(auditLog.at, from));
    if (to) filters.push(lt(auditLog.at, to));
    const rows = await db.select().from(auditLog).where(and(...filters)).orderBy(desc(auditLog.id)).limit(limit + 1);
    return page(rows, limit, toOutput);
  });
};
