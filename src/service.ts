import { Redis } from 'ioredis';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Deps } from './app/deps.js';
import { createDatabase, openConnections } from './db/client.js';
import { runMigrations } from './db/migrate.js';
import { buildApp, type App } from './http/app.js';
import type { Logger } from './logger.js';
import { startWorker, type RunningWorker } from './worker/worker.js';
import { Scheduler } from './worker/scheduler.js';
import { createTwilioClient } from './twilio/client.js';
import { afterCommitsSettled } from './app/effects.js';

export interface RunningService {
  deps: Deps;
  app?: App;
  worker?: RunningWorker;
  /** The address the web role listens on. */
  url?: string;
  /** Graceful: stops accepting, lets in-flight requests and jobs finish, then closes connections. */
  close(): Promise<void>;
}

/**
 * Starts the process roles named by `config.ROLE` against the configured Postgres and Redis,
 * after applying pending migrations (safe when several processes start at once).
 */
export async function startService(config: Config, options: { clock: Clock; logger: Logger; host?: string; simPageUrl?: string; devAdminToken?: string }): Promise<RunningService> {
  await runMigrations(config.DATABASE_URL);
  const database = createDatabase(config.DATABASE_URL, { max: config.DATABASE_POOL_SIZE, prepare: config.DATABASE_PREPARE });
  await openConnections(database, config.DATABASE_POOL_SIZE);
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  // Its own connection that gives up quickly: a request must not hang on Redis (workers block on theirs).
  const schedulerRedis = redis.duplicate({ maxRetriesPerRequest: 1, commandTimeout: 3000 });
  const scheduler = new Scheduler(schedulerRedis, options.clock);
  const deps: Deps = { config, clock: options.clock, database, redis, logger: options.logger, scheduler, twilio: createTwilioClient(config) };

  let app: App | undefined;
  let url: string | undefined;
  if (config.ROLE === 'web' || config.ROLE === 'all') {
    app = await buildApp(deps, { simPageUrl: options.simPageUrl, devAdminToken: options.devAdminToken });
    url = await app.listen({ port: config.PORT, host: options.host ?? '0.0.0.0' });
  }
  const worker = config.ROLE === 'worker' || config.ROLE === 'all' ? await startWorker(deps) : undefined;

  return {
    deps,
    app,
    worker,
    url,
    async close() {
      await app?.close();
      // Answers went out before their wake-ups reached Redis (see registerWebhook): let those finish.
      await afterCommitsSettled(deps);
      await worker?.close();
      await scheduler.close();
      schedulerRedis.disconnect();
      await database.close();
      redis.disconnect();
    },
  };
}
