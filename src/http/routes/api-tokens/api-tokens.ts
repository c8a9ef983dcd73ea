import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { asc, eq, gt } from 'drizzle-orm';
import { z } from 'zod';
import type { Deps } from '../../../app/deps.js';
import { issueApiToken, revokeApiToken } from '../../../app/api-tokens.js';
import { transaction } from '../../../db/client.js';
import { apiTokens, apiTokenScopes } from '../../../db/schema.js';
import { newApiToken } from '../../plugins/auth.js';
import { HttpProblem, notFound } from '../../problem.js';
import { EXAMPLE_AT, idParams, iso, isoOrNull, page, pageOf, pageQuery } from '../common.js';

const tokenOutput = z
  .object({
    id: z.number().int(),
    name: z.string(),
    scope: z.enum(apiTokenScopes),
    createdByTokenId: z.number().int().nullable().describe('The token that issued it; null: the bootstrap ADMIN_API_TOKEN'),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'ApiToken', example: { id: 1, name: 'ticket-system sync', scope: 'read', createdByTokenId: null, lastUsedAt: EXAMPLE_AT, revokedAt: null, createdAt: EXAMPLE_AT } });

const tokenInput = z
  .object({ name: z.string().trim().min(1).max(100), scope: z.enum(apiTokenScopes).default('write').describe('read tokens may only GET; write tokens change resources; admin tokens also manage tokens and read the audit log') })
  .meta({ id: 'ApiTokenCreate', example: { name: 'ticket-system sync', scope: 'read' } });

const newTokenOutput = tokenOutput
  .extend({ token: z.string().describe('Shown only in this answer') })
  .meta({ id: 'NewApiToken', example: { id: 1, name: 'ticket-system sync', scope: 'read', createdByTokenId: null, lastUsedAt: null, revokedAt: null, createdAt: EXAMPLE_AT, token: 'sbt_Q2hhbmdlIG1lIGluIHByb2R1Y3Rpb24' } });

type Row = typeof apiTokens.$inferSelect;
const toOutput = (t: Row) => ({
  id: t.id,
  name: t.name,
  scope: t.scope,
  createdByTokenId: t.createdByTokenId,
  lastUsedAt: isoOrNull(t.lastUsedAt),
  revokedAt: isoOrNull(t.revokedAt),
  createdAt: iso(t.createdAt),
});

const REFUSALS = {
  admins_only: 'Only admin tokens manage tokens',
  outranks_issuer: 'A token may not issue a token with a higher scope than its own',
  revokes_its_issuer: 'A token may not revoke the token that issued it, nor any token above that one',
} as const;

/**
 * API tokens: admin tokens only (route scope `admin`). A token is shown once and stored hashed;
 * revoking one revokes every token it issued, directly or not.
 */
export const apiTokenRoutes = (deps: Deps): FastifyPluginAsync => async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;
  const tags = ['api-tokens'];
  const config = { scope: 'admin' as const };

  r.post('/api-tokens', {
    config,
    schema: {
      tags,
      summary: 'Issue an API token (admin tokens only; the token is shown only in this answer; only its hash is stored)',
      body: tokenInput,
      response: { 201: newTokenOutput },
    },
  }, async (request, reply) => {
    const { token, hash } = newApiToken();
    const result = await transaction(db, (tx) => issueApiToken(tx, request.principal!, { name: request.body.name, scope: request.body.scope, tokenHash: hash }, deps.clock.now()));
    if (result.outcome === 'refused') throw new HttpProblem(403, REFUSALS[result.reason], { reason: result.reason });
    return reply.code(201).send({ ...toOutput(result.token), token });
  });

  r.get('/api-tokens', { config, schema: { tags, summary: 'List API tokens (admin tokens only)', querystring: pageQuery, response: { 200: pageOf(tokenOutput) } } }, async (request) => {
    const { limit, cursor } = request.query;
    const rows = await db.select().from(apiTokens).where(cursor ? gt(apiTokens.id, cursor) : undefined).orderBy(asc(apiTokens.id)).limit(limit + 1);
    return page(rows, limit, toOutput);
  });

  r.get('/api-tokens/:id', { config, schema: { tags, summary: 'Read an API token (admin tokens only; never its secret)', params: idParams, response: { 200: tokenOutput } } }, async (request) => {
    const [row] = await db.select().from(apiTokens).where(eq(apiTokens.id, request.params.id));
    if (!row) throw notFound('API token', request.params.id);
    return toOutput(row);
  });

  r.delete('/api-tokens/:id', {
    config,
    schema: { tags, summary: 'Revoke an API token and every token it issued (admin tokens only; never one above the caller)', params: idParams, response: { 200: tokenOutput } },
  }, async (request) => {
    const result = await transaction(db, (tx) => revokeApiToken(tx, request.principal!, request.params.id, deps.clock.now()));
    switch (result.outcome) {
      case 'refused':
        throw new HttpProblem(403, REFUSALS[result.reason], { reason: result.reason });
      case 'not_found':
        throw notFound('API token', request.params.id);
      case 'revoked':
        return toOutput(result.token);
      default: {
        const never: never = result;
        throw new Error(String(never));
      }
    }
  });
};
