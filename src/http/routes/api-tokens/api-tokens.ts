import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { and, asc, eq, gt, isNull } from 'drizzle-orm';
import { z } from 'zod';
import type { Deps } from '../../../app/deps.js';
import { apiTokens } from '../../../db/schema.js';
import { newApiToken } from '../../plugins/auth.js';
import { notFound } from '../../problem.js';
import { EXAMPLE_AT, idParams, iso, isoOrNull, page, pageOf, pageQuery } from '../common.js';

const tokenOutput = z
  .object({
    id: z.number().int(),
    name: z.string(),
    scope: z.enum(['read', 'write']),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'ApiToken', example: { id: 1, name: 'ticket-system sync', scope: 'read', lastUsedAt: EXAMPLE_AT, revokedAt: null, createdAt: EXAMPLE_AT } });

const tokenInput = z
  .object({ name: z.string().trim().min(1).max(100), scope: z.enum(['read', 'write']).default('write').describe('read tokens may only GET') })
  .meta({ id: 'ApiTokenCreate', example: { name: 'ticket-system sync', scope: 'read' } });

const newTokenOutput = tokenOutput
  .extend({ token: z.string().describe('Shown only in this answer') })
  .meta({ id: 'NewApiToken', example: { id: 1, name: 'ticket-system sync', scope: 'read', lastUsedAt: null, revokedAt: null, createdAt: EXAMPLE_AT, token: 'sbt_Q2hhbmdlIG1lIGluIHByb2R1Y3Rpb24' } });

type Row = typeof apiTokens.$inferSelect;
const toOutput = (t: Row) => ({ id: t.id, name: t.name, scope: t.scope, lastUsedAt: isoOrNull(t.lastUsedAt), revokedAt: isoOrNull(t.revokedAt), createdAt: iso(t.createdAt) });

export const apiTokenRoutes = (deps: Deps): FastifyPluginAsync => async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;
  const tags = ['api-tokens'];

  r.post('/api-tokens', {
    schema: {
      tags,
      summary: 'Issue an API token (the token is shown only in this answer; only its hash is stored)',
      body: tokenInput,
      response: { 201: newTokenOutput },
    },
  }, async (request, reply) => {
    const { token, hash } = newApiToken();
    const [row] = await db.insert(apiTokens).values({ name: request.body.name, scope: request.body.scope, tokenHash: hash }).returning();
    return reply.code(201).send({ ...toOutput(row!), token });
  });

  r.get('/api-tokens', { schema: { tags, summary: 'List API tokens', querystring: pageQuery, response: { 200: pageOf(tokenOutput) } } }, async (request) => {
    const { limit, cursor } = request.query;
    const rows = await db.select().from(apiTokens).where(cursor ? gt(apiTokens.id, cursor) : undefined).orderBy(asc(apiTokens.id)).limit(limit + 1);
    return page(rows, limit, toOutput);
  });

  r.delete('/api-tokens/:id', { schema: { tags, summary: 'Revoke an API token', params: idParams, response: { 200: tokenOutput } } }, async (request) => {
    const [row] = await db.update(apiTokens).set({ revokedAt: deps.clock.now() }).where(and(eq(apiTokens.id, request.params.id), isNull(apiTokens.revokedAt))).returning();
    if (row) return toOutput(row);
    const [existing] = await db.select().from(apiTokens).where(eq(apiTokens.id, request.params.id));
    if (!existing) throw notFound('API token', request.params.id);
    return toOutput(existing);
  });
};
