import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../app/deps.js';
import { swaggerOptions } from './openapi.js';
import { registerProblemHandler } from './problem.js';
import { OneLinePerRequest } from './request-log.js';
import { frontDoorRoutes, FAVICON_SVG } from './routes/front-door.js';
import { newInternalReadSecret, registerAudit } from './plugins/audit.js';
import { registerAuth } from './plugins/auth.js';
import { rejectNulCharacters } from './plugins/input-guards.js';
import { limitRequests, trustProxyOption } from './plugins/rate-limits.js';
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
    trustProxy: trustProxyOption(deps.config.TRUST_PROXY),
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
  // Twilio webhooks are not rate limited: a burst of real calls must never be turned away, and a
  // forged request costs one signature check before its 403.
  await app.register(smsWebhook(deps));
  await app.register(voiceWebhooks(deps));
  await app.register(pagingWebhooks(deps));
  // Webhooks parked while Postgres was unreachable are replayed by whichever web process is up.
  let replaying: { stop(): Promise<void> } | undefined;
  app.addHook('onReady', async () => {
    replaying = startReplaying(deps, (webhook) => replayWebhook(deps, webhook), isDatabaseUnavailable, deps.logger);
  });
  app.addHook('onClose', async () => replaying?.stop());
  // Public (no bearer: the secret address is the credential), so limited per client address.
  await app.register(async (open) => {
    await limitRequests(open, deps, { name: 'public', perMinute: deps.config.PUBLIC_RATE_LIMIT_PER_MINUTE });
    rejectNulCharacters(open);
    await open.register(calendarRoutes(deps));
    await open.register(ackLinkRoutes(deps));
  });
  // The audit log's own reads of a resource (before and after a change) carry this mark, so they
  // do not count against the caller's allowance.
  const internalRead = { header: 'x-standby-audit-read', secret: newInternalReadSecret() };
  await app.register(
    async (api) => {
      await limitRequests(api, deps, { name: 'api', perMinute: deps.config.API_RATE_LIMIT_PER_MINUTE, allowList: (request) => request.headers[internalRead.header] === internalRead.secret });
      registerAuth(api, { db: deps.database.db, clock: deps.clock, adminToken: deps.config.ADMIN_API_TOKEN });
      rejectNulCharacters(api);
      registerAudit(api, { db: deps.database.db, clock: deps.clock, internalReadHeader: internalRead.header, internalReadSecret: internalRead.secret });
      await api.register(adminApiRoutes(deps));
    },
    { prefix: '/api/v1' },
  );
  return app;
}
