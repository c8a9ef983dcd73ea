import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../app/deps.js';

const readiness = z.object({ status: z.enum(['ready', 'degraded', 'not_ready']), postgres: z.string(), redis: z.string() });

async function probe(check: () => Promise<unknown>, timeoutMs = 2000): Promise<string> {
  try {
    await Promise.race([check(), new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), timeoutMs))]);
    return 'ok';
  } catch (error) {
    return error instanceof Error ? error.message : 'unreachable';
  }
}

/**
 * `GET /healthz` is liveness: the process answers, whatever its dependencies (the platform's check:
 * a Redis or Postgres outage must not take the web machines out of rotation, since they still
 * answer Twilio then). `GET /readyz` says which dependency is down: `ready` (200) with both,
 * `degraded` (200) with one (Postgres down: webhooks are parked in Redis; Redis down: paging
 * catches up when it returns), `not_ready` (503) with neither.
 */
export const healthRoutes = (deps: Deps): FastifyPluginAsync => async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/healthz', { schema: { hide: true, response: { 200: z.object({ status: z.literal('ok') }) } } }, async () => ({ status: 'ok' as const }));
  r.get('/readyz', { schema: { hide: true, response: { 200: readiness, 503: readiness } } }, async (_request, reply) => {
    const [postgres, redis] = await Promise.all([probe(() => deps.database.sql`select 1`), probe(() => deps.scheduler.connection.ping())]);
    const up = [postgres, redis].filter((s) => s === 'ok').length;
    const status = up === 2 ? 'ready' : up === 1 ? 'degraded' : 'not_ready';
    return reply.code(up === 0 ? 503 : 200).send({ status, postgres, redis });
  });
};
