/**
 * A worker in a process of its own, for tests that kill it (SIGKILL) mid-job. Configured by the
 * environment (the same variables as the service) plus QUEUE_PREFIX and CLOCK_START; prints
 * "ready" once its BullMQ workers listen.
 */
import { Redis } from 'ioredis';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { createDatabase } from '../../src/db/client.js';
import { createLogger } from '../../src/logger.js';
import { createTwilioClient } from '../../src/twilio/client.js';
import { Scheduler } from '../../src/worker/scheduler.js';
import { startWorker } from '../../src/worker/worker.js';

const config = loadConfig(process.env);
const clock = new ManualClock(process.env.CLOCK_START ?? new Date(0).toISOString());
const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
const scheduler = new Scheduler(redis, clock, process.env.QUEUE_PREFIX);
await startWorker(
  { config, clock, database: createDatabase(config.DATABASE_URL), redis, logger: createLogger(config.LOG_LEVEL), scheduler, twilio: createTwilioClient(config) },
  { periodic: false },
);
console.log('ready');
