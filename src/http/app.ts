import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../app/deps.js';
import { registerProblemHandler } from './problem.js';
import { registerAuth, hashToken } from './plugins/auth.js';
import { healthRoutes } from './routes/health.js';
import { adminApiRoutes } from './routes/api.js';
import { calendarRoutes } from './routes/calendar/calendar.js';
import { ackLinkRoutes } from './routes/ack-links.js';
import { pagingWebhooks } from './routes/twilio/paging.js';
import { smsWebhook } from './routes/twilio/sms.js';
import { voiceWebhooks } from './routes/twilio/voice.js';

export type App = FastifyInstance;

/**
 * Builds the HTTP application: infrastructure plugins, then auth-scoped admin API, then the
 * Twilio webhooks. It does not listen; `main.ts` (or a test's `inject`) does.
 */
export async function buildApp(deps: Deps): Promise<App> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    },
    trustProxy: true,
    bodyLimit: 256 * 1024,
    return503OnClosing: true,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerProblemHandler(app);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await app.register(formbody);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Standby admin API',
        version: '1.0.0',
        description: 'Customers, contracts, integrations, engineers, rotations, escalation policies and incidents of the 24x7 standby service. Errors are RFC 9457 application/problem+json.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(healthRoutes(deps));
  // Public: calendar apps cannot send a bearer token; the secret address is the credential.
  await app.register(calendarRoutes(deps));
  await app.register(smsWebhook(deps));
  await app.register(voiceWebhooks(deps));
  await app.register(pagingWebhooks(deps));
  await app.register(ackLinkRoutes(deps));
  await app.register(
    async (api) => {
      await api.register(rateLimit, {
        max: deps.config.API_RATE_LIMIT_PER_MINUTE,
        timeWindow: 60_000,
        redis: deps.redis,
        nameSpace: 'standby:api-rate:',
        keyGenerator: (request) => {
          const header = request.headers.authorization ?? '';
          return header ? hashToken(header).slice(0, 32) : request.ip;
        },
        errorResponseBuilder: (_request, context) => {
          const error = new Error(`Rate limit of ${context.max} requests a minute exceeded; retry in ${Math.ceil(context.ttl / 1000)} s`) as Error & { statusCode: number };
          error.statusCode = 429;
          return error;
        },
      });
      registerAuth(api, { db: deps.database.db, clock: deps.clock, adminToken: deps.config.ADMIN_API_TOKEN });
      await api.register(adminApiRoutes(deps));
    },
    { prefix: '/api/v1' },
  );
  return app;
}
