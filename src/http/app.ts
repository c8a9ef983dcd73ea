import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../app/deps.js';
import { swaggerOptions } from './openapi.js';
import { registerProblemHandler } from './problem.js';
import { OneLinePerRequest } from './request-log.js';
import { registerAuth } from './plugins/auth.js';
import { frontDoorRoutes, FAVICON_SVG } from './routes/front-door.js';
import { healthRoutes } from './routes/health.js';
import { adminApiRoutes } from './routes/api.js';
import { calendarRoutes } from './routes/calendar/calendar.js';
import { ackLinkRoutes } from './routes/ack-links.js';
import { pagingWebhooks } from './routes/twilio/paging.js';
import { smsWebhook } from './routes/twilio/sms.js';
import { voiceWebhooks } from './routes/twilio/voice.js';
import { startReplaying } from './routes/twilio/parking.js';
import { replayWebhook, webhookOutcomes } from './routes/twilio/webhook.js';
import { metricsRoutes } from './routes/metrics.js';
import { isDatabaseUnavailable } from '../db/client.js';

export type App = FastifyInstance;

/**
 * Which X-Forwarded-For entries are believed, counted from the right (hop 0 is the socket peer:
 * Fly's proxy). Fly keeps whatever the client wrote and appends two entries, the address it
 * accepted the connection from and then the app's own anycast address, so hops 0 and 1 are Fly's
 * and `request.ip` is the address Fly saw: a client prepending addresses cannot choose it.
 * A function because Fastify 5.12.1+ no longer honours a hop-count number (it trusts nothing).
 */
const flyProxyHops = (_address: string, hop: number) => hop < 2;

/**
 * Builds the HTTP application: infrastructure plugins, then auth-scoped admin API, then the
 * Twilio webhooks. It does not listen; `main.ts` (or a test's `inject`) does.
 */
export interface AppOptions {
  /** `npm run dev` only: where the built-in Twilio simulator's phone page is, so `/sim` finds it. */
  simPageUrl?: string;
  /** `npm run dev` only: the admin token, shown in the API docs so a newcomer can try them. */
  devAdminToken?: string;
}

export async function buildApp(deps: Deps, options: AppOptions = {}): Promise<App> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    },
    trustProxy: flyProxyHops,
    bodyLimit: 256 * 1024,
    return503OnClosing: true,
    logController: new OneLinePerRequest(),
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerProblemHandler(app);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await app.register(formbody);
  await app.register(swagger, swaggerOptions({ devAdminToken: options.devAdminToken }));
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    theme: { title: 'Standby admin API', favicon: [{ filename: 'favicon.svg', rel: 'icon', sizes: 'any', type: 'image/svg+xml', content: FAVICON_SVG }] },
    uiConfig: { persistAuthorization: true, displayRequestDuration: true, tryItOutEnabled: Boolean(options.devAdminToken) },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(healthRoutes(deps));
  const metrics = metricsRoutes(deps);
  await app.register(metrics.plugin);
  app.addHook('onResponse', async (request, reply) => {
    const outcome = webhookOutcomes.get(request);
    if (outcome) metrics.webhookTimer.observe(request.routeOptions.url ?? request.url, outcome, reply.elapsedTime / 1000);
  });
  await app.register(frontDoorRoutes({ simPageUrl: options.simPageUrl, devAdminToken: options.devAdminToken, publicBaseUrl: deps.config.PUBLIC_BASE_URL }));
  if (options.simPageUrl) {
    const target = options.simPageUrl;
    app.get('/sim', { schema: { hide: true } }, async (_request, reply) => reply.redirect(target));
  }
  // Public: calendar apps cannot send a bearer token; the secret address is the credential.
  await app.register(calendarRoutes(deps));
  await app.register(smsWebhook(deps));
  await app.register(voiceWebhooks(deps));
  await app.register(pagingWebhooks(deps));
  await app.register(ackLinkRoutes(deps));
  // Webhooks parked while Postgres was unreachable are replayed by whichever web process is up.
  let replaying: { stop(): Promise<void> } | undefined;
  app.addHook('onReady', async () => {
    replaying = startReplaying(deps, (webhook) => replayWebhook(deps, webhook), isDatabaseUnavailable, deps.logger);
  });
  app.addHook('onClose', async () => replaying?.stop());
  await app.register(
    async (api) => {
      await api.register(rateLimit, {
        // Not the plugin's per-route hook, which would run after auth's: see the hook below.
        global: false,
        // A Redis outage must not take the API down with it: requests pass unlimited meanwhile.
        skipOnError: true,
        max: deps.config.API_RATE_LIMIT_PER_MINUTE,
        timeWindow: 60_000,
        redis: deps.redis,
        // Under this service's Redis prefix ('standby' in production), so each test service counts alone.
        nameSpace: `${deps.scheduler.prefix}:api-rate:`,
        // By client address, not by token: made-up tokens would each get a fresh allowance.
        keyGenerator: (request) => request.ip,
        errorResponseBuilder: (_request, context) => {
          const error = new Error(`Rate limit of ${context.max} requests a minute exceeded; retry in ${Math.ceil(context.ttl / 1000)} s`) as Error & { statusCode: number };
          error.statusCode = 429;
          return error;
        },
      });
      // Counted before auth, so refused tokens use up the allowance too and, once it is spent,
      // cost no database lookup.
      api.addHook('onRequest', api.rateLimit());
      registerAuth(api, { db: deps.database.db, clock: deps.clock, adminToken: deps.config.ADMIN_API_TOKEN });
      await api.register(adminApiRoutes(deps));
    },
    { prefix: '/api/v1' },
  );
  return app;
}
