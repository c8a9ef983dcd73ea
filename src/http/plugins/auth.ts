import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { apiTokens } from '../../db/schema.js';
import type { Clock } from '../../clock.js';
import { HttpProblem } from '../problem.js';

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** A new API token: shown once, stored only as its hash. */
export function newApiToken(): { token: string; hash: string } {
  const token = `sbt_${randomBytes(24).toString('base64url')}`;
  return { token, hash: hashToken(token) };
}

/** `last_used_at` is kept to the minute: a busy script does not turn every request into a write. */
export const LAST_USED_RESOLUTION_MS = 60_000;

declare module 'fastify' {
  interface FastifyRequest {
    /** Who called: the bootstrap token or an issued token's id. */
    principal?: { kind: 'bootstrap' } | { kind: 'token'; tokenId: number; scope: 'read' | 'write' };
  }
}

function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * Bearer-token auth for the admin API. The bootstrap `ADMIN_API_TOKEN` is compared in constant
 * time; issued tokens are looked up by hash and refused once revoked.
 */
export function registerAuth(app: FastifyInstance, deps: { db: Db; clock: Clock; adminToken: string }): void {
  const bootstrapHash = Buffer.from(hashToken(deps.adminToken), 'hex');
  app.addHook('onRequest', async (request) => {
    const token = bearerOf(request);
    if (!token) {
      throw new HttpProblem(401, 'Send the API token as "Authorization: Bearer <token>"');
    }
    const hash = hashToken(token);
    if (timingSafeEqual(Buffer.from(hash, 'hex'), bootstrapHash)) {
      request.principal = { kind: 'bootstrap' };
      return;
    }
    const [row] = await deps.db
      .select({ id: apiTokens.id, scope: apiTokens.scope, lastUsedAt: apiTokens.lastUsedAt })
      .from(apiTokens)
      .where(and(eq(apiTokens.tokenHash, hash), isNull(apiTokens.revokedAt)));
    const now = deps.clock.now();
    if (row && (row.lastUsedAt === null || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS)) {
      await deps.db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.id));
    }
    if (!row) throw new HttpProblem(401, 'The API token is unknown or has been revoked');
    request.principal = { kind: 'token', tokenId: row.id, scope: row.scope };
    if (row.scope === 'read' && !['GET', 'HEAD', 'OPTIONS'].includes(request.method)) {
      throw new HttpProblem(403, 'This API token is read-only: it may not change anything');
    }
  });
}
