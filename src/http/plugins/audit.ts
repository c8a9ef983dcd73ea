import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import { addAuditEntry } from '../../db/audit-log.js';
import type { Db } from '../../db/client.js';

const CHANGES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Fields that hold a secret shown once (an issued API token, a calendar address): never kept. */
const SECRET_KEYS = new Set(['token', 'url']);

/** A JSON value fit for the audit log: issued secrets replaced by "[redacted]". */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEYS.has(k) && typeof v === 'string' ? '[redacted]' : redactSecrets(v, depth + 1)]));
}

declare module 'fastify' {
  interface FastifyRequest {
    /** What the audited resource looked like before this change (set for changes only). */
    auditBefore?: { url: string | null; pattern: string | null; before: unknown };
  }
}

/**
 * The resource a change is about: the nearest route pattern at or above the request's that ends in
 * a path parameter and can be read with GET (`/incidents/:id/acknowledge` → `/incidents/:id`,
 * `/rotations/:id/overrides/:overrideId` → `/rotations/:id`), with the request's parameters filled
 * in. Null for a create on a collection (`POST /customers`).
 */
function resourceOf(app: FastifyInstance, request: FastifyRequest): { pattern: string; url: string } | null {
  const parts = (request.routeOptions.url ?? '').split('/');
  const params = (request.params ?? {}) as Record<string, unknown>;
  for (let n = parts.length; n > 1; n--) {
    const last = parts[n - 1]!;
    if (!last.startsWith(':')) continue;
    const pattern = parts.slice(0, n).join('/');
    if (!app.hasRoute({ method: 'GET', url: pattern })) continue;
    const url = parts
      .slice(0, n)
      .map((p) => (p.startsWith(':') ? encodeURIComponent(String(params[p.slice(1)] ?? '')) : p))
      .join('/');
    return { pattern, url };
  }
  return null;
}

const asJson = (payload: unknown): unknown => {
  if (typeof payload !== 'string' || payload === '') return null;
  try {
    return JSON.parse(payload);
  } catch {
    return null;
  }
};

/**
 * The audit log of the admin API: every change that succeeded (POST, PUT, PATCH, DELETE answered
 * 2xx) is written with the token that made it, what it was (method, path, resource, request body),
 * when, and the resource before and after as `GET` shows it (the answer itself for a create).
 * Registered inside the API's scope after auth, so the principal is known. Reads of the resource
 * are made through the app itself, marked so that they do not count against the rate limit.
 */
export function registerAudit(app: FastifyInstance, deps: { db: Db; clock: Clock; internalReadHeader: string; internalReadSecret: string }): void {
  const read = async (request: FastifyRequest, url: string): Promise<unknown> => {
    const response = await app.inject({
      method: 'GET',
      url,
      headers: { authorization: request.headers.authorization ?? '', [deps.internalReadHeader]: deps.internalReadSecret },
    });
    return response.statusCode === 200 ? asJson(response.body) : null;
  };

  app.addHook('preHandler', async (request) => {
    if (!CHANGES.has(request.method) || !request.principal) return;
    const resource = resourceOf(app, request);
    request.auditBefore = { url: resource?.url ?? null, pattern: resource?.pattern ?? null, before: resource ? await read(request, resource.url) : null };
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const audit = request.auditBefore;
    if (!audit || !request.principal || reply.statusCode < 200 || reply.statusCode >= 300) return payload;
    try {
      const answer = asJson(payload);
      // The answer is the resource itself for a create or a change made at its own address; otherwise read it again.
      const own = audit.pattern === null || audit.pattern === request.routeOptions.url;
      const after = own ? answer : audit.url ? await read(request, audit.url) : answer;
      const params = (request.params ?? {}) as Record<string, unknown>;
      const resourceId = Number(params.id ?? (answer as { id?: unknown } | null)?.id);
      await addAuditEntry(deps.db, {
        at: deps.clock.now(),
        tokenId: request.principal.tokenId,
        tokenName: request.principal.name,
        method: request.method,
        path: request.url.split('?')[0]!,
        resource: (request.routeOptions.url ?? '').split('/')[3] ?? '',
        resourceId: Number.isSafeInteger(resourceId) ? resourceId : null,
        statusCode: reply.statusCode,
        requestId: request.id,
        request: redactSecrets(request.body ?? null),
        before: redactSecrets(audit.before),
        after: redactSecrets(after),
      });
    } catch (error) {
      // The change is made and answered; a record that could not be written is an alarm in the log.
      request.log.error({ err: error }, 'audit log entry could not be written');
    }
    return payload;
  });
}

/** A fresh secret marking the audit's own reads of a resource (they skip the rate limit). */
export const newInternalReadSecret = () => randomBytes(24).toString('base64url');
