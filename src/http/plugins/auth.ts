import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { and, eq, isNull } from 'drizzle-orm';
import type { ApiTokenRef } from '../../app/authority.js';
import type { Db } from '../../db/client.js';
import { apiTokens } from '../../db/schema.js';
import { scopeCovers, type TokenScope } from '../../domain/authority/index.js';
import type { Clock } from '../../clock.js';
import { HttpProblem } from '../problem.js';

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** A new API token: shown once, stored only as its hash. */
export function newApiToken(): { token: string; hash: string } {
  const token = `sbt_${randomBytes(24).toString('base64url')}`;
  return { token, hash: hashToken(token) };
}

/** Who called: `tokenId` null is the bootstrap `ADMIN_API_TOKEN` (scope admin). */
export interface Principal {
  tokenId: number | null;
  name: string;
  scope: TokenScope;
}

/** How the record names the bootstrap token. */
export const BOOTSTRAP_TOKEN_NAME = 'ADMIN_API_TOKEN';

/** `last_used_at` is kept to the minute: a busy script does not turn every request into a write. */
export const LAST_USED_RESOLUTION_MS = 60_000;

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /**
     * The scope a route needs beyond the method's default (`read` for GET/HEAD/OPTIONS, `write`
     * for the others): `admin` for token management and the audit log.
     */
    scope?: TokenScope;
  }
}

function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The scope a request needs: the route's own, else by method (reads need `read`, changes `write`). */
export function neededScope(request: FastifyRequest): TokenScope {
  return request.routeOptions.config?.scope ?? (READS.has(request.method) ? 'read' : 'write');
}

/** The token that acted, as the timeline and the audit log name it. */
export function actingToken(request: FastifyRequest): ApiTokenRef {
  const principal = request.principal;
  if (!principal) throw new Error('no principal: the route is not behind auth');
  return { id: principal.tokenId, name: principal.name };
}

/**
 * Bearer-token auth for the admin API. The bootstrap `ADMIN_API_TOKEN` is compared in constant
 * time and is an admin; issued tokens are looked up by hash and refused once revoked. A token
 * whose scope is below what the route needs gets 403.
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
      request.principal = { tokenId: null, name: BOOTSTRAP_TOKEN_NAME, scope: 'admin' };
    } else {
      const [row] = await deps.db
        .select({ id: apiTokens.id, name: apiTokens.name, scope: apiTokens.scope, lastUsedAt: apiTokens.lastUsedAt })
        .from(apiTokens)
        .where(and(eq(apiTokens.tokenHash, hash), isNull(apiTokens.revokedAt)));
      if (!row) throw new HttpProblem(401, 'The API token is unknown or has been revoked');
      const now = deps.clock.now();
      if (row.lastUsedAt === null || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
        await deps.db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.id));
      }
      request.principal = { tokenId: row.id, name: row.name, scope: row.scope };
    }
    const needed = neededScope(request);
    if (!scopeCovers(request.principal.scope, needed)) {
      throw new HttpProblem(
        403,
        needed === 'admin' ? 'Only admin tokens may do this (manage tokens, read the audit log)' : 'This API token is read-only: it may not change anything',
        { scope: request.principal.scope, needed },
      );
    }
  });
}
