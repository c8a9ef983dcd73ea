import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { Redis } from 'ioredis';
import { ManualClock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Deps } from '../../src/app/deps.js';
import { buildApp, type App } from '../../src/http/app.js';
import { createLogger } from '../../src/logger.js';
import { createTestDatabase } from './database.js';
import { createTwilioClient } from '../../src/twilio/client.js';
import { Scheduler } from '../../src/worker/scheduler.js';

/** Monday 2026-11-23 12:00 in Buenos Aires: inside working hours, the demo contracts active. */
export const DEFAULT_TEST_START = '2026-11-23T15:00:00Z';

export interface TestService {
  app: App;
  deps: Deps;
  clock: ManualClock;
  config: Config;
  /** Headers that authenticate as the bootstrap admin token. */
  auth: { authorization: string };
  close(): Promise<void>;
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    PORT: '0',
    PUBLIC_BASE_URL: 'http://127.0.0.1:3000',
    DATABASE_URL: 'postgres://unused/unused',
    REDIS_URL: inject('redisUrl'),
    TWILIO_ACCOUNT_SID: `AC${randomBytes(16).toString('hex')}`,
    TWILIO_AUTH_TOKEN: randomBytes(16).toString('hex'),
    ADMIN_API_TOKEN: randomBytes(18).toString('base64url'),
    LINK_SECRET: randomBytes(24).toString('base64url'),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    WEBHOOK_RETRY_BUDGET_MS: '600',
    ...overrides,
  });
}

/** The service against a database of its own and the shared test Redis, with a manual clock. */
export async function startTestService(options: { start?: string; env?: Record<string, string> } = {}): Promise<TestService> {
  const { url, database } = await createTestDatabase();
  const config = testConfig({ DATABASE_URL: url, ...options.env });
  const clock = new ManualClock(options.start ?? DEFAULT_TEST_START);
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  const logger = createLogger(config.LOG_LEVEL);
  const scheduler = new Scheduler(redis, clock, `t${randomBytes(5).toString('hex')}`);
  const deps: Deps = { config, clock, database, redis, logger, scheduler, twilio: createTwilioClient(config) };
  const app = await buildApp(deps);
  await app.ready();
  return {
    app,
    deps,
    clock,
    config,
    auth: { authorization: `Bearer ${config.ADMIN_API_TOKEN}` },
    async close() {
      await app.close();
      await scheduler.close();
      redis.disconnect();
      await database.close();
    },
  };
}
