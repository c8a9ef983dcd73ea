import type { Redis } from 'ioredis';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { TwilioClient } from '../twilio/client.js';
import type { Scheduler } from '../worker/scheduler.js';

/**
 * What use cases, routes and job handlers are given. Built once in the composition root
 * (`service.ts`) or by a test; nothing here is a Fastify decorator, so a worker uses it without HTTP.
 */
export interface Deps {
  config: Config;
  clock: Clock;
  database: Database;
  redis: Redis;
  logger: Logger;
  scheduler: Scheduler;
  twilio: TwilioClient;
}
