import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { Redis } from 'ioredis';
import { ManualClock } from '../../src/clock.js';
import type { Config } from '../../src/config.js';
import type { Deps } from '../../src/app/deps.js';
import { demo, loadDemoData } from '../../src/app/demo-data.js';
import { reconcile, type ReconcileResult } from '../../src/app/reconcile.js';
import { afterCommitsSettled } from '../../src/app/effects.js';
import { heartbeat } from '../../src/worker/upkeep.js';
import { buildApp, type App } from '../../src/http/app.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { createTwilioClient } from '../../src/twilio/client.js';
import { Scheduler } from '../../src/worker/scheduler.js';
import { startWorker, type RunningWorker } from '../../src/worker/worker.js';
import { sendHandoffNotices, sweepAbandonedCalls } from '../../src/worker/maintenance.js';
import { DEMO_PHONES, DEMO_STANDBY_LABELS } from '../../sim/demo.js';
import { startSimulator, type Simulator } from '../../sim/server.js';
import { freePort } from '../../scripts/local/net.js';
import { createTestDatabase } from './database.js';
import { DEFAULT_TEST_START, testConfig } from './service.js';

/**
 * The whole service as a person meets it: the web app listening on a real port, a worker on the
 * shared test Redis (its own queue prefix), the demo data, and the Twilio simulator playing the
 * phones. Time is a ManualClock: `advance` moves it and runs the reconciler, never sleeps.
 */
export interface World {
  app: App;
  deps: Deps;
  sim: Simulator;
  clock: ManualClock;
  config: Config;
  worker: RunningWorker | null;
  auth: { authorization: string };
  /** Moves the clock and wakes everything now due (the reconciler), then waits until all settles. */
  advance(minutes: number): Promise<void>;
  /** Runs the reconciler once, as the periodic job would. */
  reconcile(): Promise<ReconcileResult>;
  /** Waits until no job is runnable and the simulator has nothing in flight. */
  settle(): Promise<void>;
  startWorker(options?: { concurrency?: number }): Promise<RunningWorker>;
  /** A second, independent worker process's worth of BullMQ workers (same Redis and Postgres). */
  startExtraWorker(): Promise<RunningWorker>;
  /** Deletes every key this service has in Redis: what a Redis restart or flush does to it. */
  loseRedis(): Promise<void>;
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

export interface WorldOptions {
  start?: string;
  env?: Record<string, string>;
  worker?: boolean;
  /** The service's port, when a test needs it fixed (a free one otherwise). */
  port?: number;
  /** /sim as `npm run dev` shows it: the demo phones, labelled numbers and the incidents panel. */
  demoPhones?: boolean;
  logger?: Logger;
}

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const { url, database } = await createTestDatabase();
  const port = options.port ?? (await freePort());
  const config = testConfig({ DATABASE_URL: url, PUBLIC_BASE_URL: `http://127.0.0.1:${port}`, SEND_RATE_PER_SECOND: '1000', ...options.env });
  const clock = new ManualClock(options.start ?? DEFAULT_TEST_START);
  const sim = await startSimulator({
    accountSid: config.TWILIO_ACCOUNT_SID,
    authToken: config.TWILIO_AUTH_TOKEN,
    serviceBaseUrl: config.PUBLIC_BASE_URL,
    clock,
    standbyNumbers: [demo.numbers.acmeDedicated, demo.numbers.shared],
    ...(options.demoPhones
      ? { phones: DEMO_PHONES, standbyLabels: DEMO_STANDBY_LABELS, incidentsFeed: { url: `${config.PUBLIC_BASE_URL}/api/v1/incidents`, token: config.ADMIN_API_TOKEN } }
      : {}),
  });
  const liveConfig = { ...config, TWILIO_API_BASE_URL: sim.url };
  const redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
  const scheduler = new Scheduler(redis, clock, `t${randomBytes(5).toString('hex')}`);
  const logger = options.logger ?? createLogger(liveConfig.LOG_LEVEL);
  const deps: Deps = { config: liveConfig, clock, database, redis, logger, scheduler, twilio: createTwilioClient(liveConfig) };
  await loadDemoData(database.db, clock.now());
  const app = await buildApp(deps);
  await app.listen({ port, host: '127.0.0.1' });

  let worker: RunningWorker | null = null;
  const extras: RunningWorker[] = [];
  const world: World = {
    app,
    deps,
    sim,
    clock,
    config: liveConfig,
    get worker() {
      return worker;
    },
    auth: { authorization: `Bearer ${liveConfig.ADMIN_API_TOKEN}` },
    async advance(minutes) {
      clock.advanceMinutes(minutes);
      sim.tick();
      await world.reconcile();
      // The periodic upkeep the worker would run in that time.
      await sendHandoffNotices(deps);
      await sweepAbandonedCalls(deps);
      await world.settle();
    },
    async reconcile() {
      // The in-process workers say they are alive at the clock's new time (their timer would).
      for (const w of [worker, ...extras]) if (w) await heartbeat(deps, w.id);
      return reconcile(deps);
    },
    async settle() {
      // Quiet means: the simulator has nothing in flight, no escalation or send job runs or waits,
      // and Postgres owes no send that is due. (A job a killed worker left "active" in Redis is not
      // waited for: the row it was for says whether anything is still owed.) Two quiet looks in a row.
      let quiet = 0;
      let seen = '';
      for (let i = 0; i < 1000 && quiet < 2; i++) {
        await sim.idle();
        // A webhook is answered before its wake-ups reach Redis.
        await afterCommitsSettled(deps);
        if (!worker) return;
        const [escalation, send] = await Promise.all([
          scheduler.queues.escalation.getJobCounts('active', 'waiting', 'prioritized'),
          scheduler.queues.send.getJobCounts('waiting', 'prioritized'),
        ]);
        const owed = await database.sql<{ n: number }[]>`select count(*)::int as n from notifications where status = 'sending' or (status = 'pending' and not_before <= ${clock.now().toISOString()}::timestamptz)`;
        const busy = [escalation, send].some((c) => Object.values(c).some((n) => n > 0)) || owed[0]!.n > 0;
        seen = JSON.stringify({ escalation, send, owedSends: owed[0]!.n });
        quiet = busy ? 0 : quiet + 1;
        await new Promise((resolve) => setTimeout(resolve, busy ? 10 : 5));
      }
      if (quiet < 2) {
        const rows = await database.sql`select id, kind, channel, status, attempts, not_before, claimed_by, outcome_unknown, error from notifications where status in ('pending', 'sending')`;
        throw new Error(`settle: the service never went quiet; still busy: ${seen}; sends owed: ${JSON.stringify(rows)}`);
      }
    },
    async startWorker(workerOptions = {}) {
      worker = await startWorker(deps, { periodic: false, ...workerOptions });
      return worker;
    },
    async startExtraWorker() {
      const extra = await startWorker(deps, { periodic: false });
      extras.push(extra);
      return extra;
    },
    async loseRedis() {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${scheduler.prefix}:*`, 'COUNT', 500);
        if (keys.length > 0) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    },
    async stopWorker() {
      await worker?.close();
      worker = null;
    },
    async close() {
      await Promise.all(extras.map((e) => e.close()));
      await worker?.close();
      await app.close();
      await afterCommitsSettled(deps);
      await sim.close();
      await scheduler.queues.send.obliterate({ force: true }).catch(() => undefined);
      await scheduler.queues.escalation.obliterate({ force: true }).catch(() => undefined);
      await scheduler.close();
      redis.disconnect();
      await database.close();
    },
  };
  if (options.worker !== false) await world.startWorker();
  return world;
}
