import { Worker, type Job } from 'bullmq';
import type { Deps } from '../app/deps.js';
import { stepEscalation } from '../app/escalation-step.js';
import { createSender } from '../app/send.js';
import { queues, type Payload } from './jobs.js';
import { newWorkerId, startUpkeep, type Upkeep } from './upkeep.js';

export interface RunningWorker {
  /** This process's name in `workers` (the claims it holds carry it). */
  id: string;
  /** Stops taking jobs and waits for the ones in flight to finish. */
  close(): Promise<void>;
  /** The BullMQ workers, for tests that pause or kill them. */
  workers: Worker[];
  /** The upkeep timers (heartbeat, reconciler and the other periodic turns). */
  upkeep: Upkeep;
}

export interface WorkerOptions {
  /**
   * The periodic upkeep (reconciler, handoff notices, abandoned calls, pruning) on this process's
   * own timer. Tests that move a manual clock turn it off and call `reconcile` themselves; the
   * heartbeat runs either way.
   */
  periodic?: boolean;
  concurrency?: number;
}

/** How often the upkeep timer ticks (heartbeat; then whatever upkeep turn is due). */
export const UPKEEP_TICK_MS = 1000;

/**
 * Starts the `worker` role: BullMQ workers for escalation wake-ups and sends (rate limited across
 * all workers at `SEND_RATE_PER_SECOND`; Blocker pages first by priority; as many in flight as
 * `SEND_CONCURRENCY`, so a slow Twilio does not cap the rate), and the upkeep timer, which does
 * not depend on Redis. Handlers are thin: they call a use case that reloads the truth from Postgres.
 */
export async function startWorker(deps: Deps, options: WorkerOptions = {}): Promise<RunningWorker> {
  const id = newWorkerId();
  const connection = deps.redis.duplicate({ maxRetriesPerRequest: null });
  const prefix = deps.scheduler.prefix;
  const log = deps.logger.child({ role: 'worker', worker: id });

  const escalation = new Worker<Payload<'escalation'>>(
    queues.escalation.name,
    async (job) => stepEscalation(deps, queues.escalation.payload.parse(job.data).incidentId),
    { connection, prefix, concurrency: options.concurrency ?? deps.config.ESCALATION_CONCURRENCY },
  );

  const sender = createSender(deps, { id });
  const send = new Worker<Payload<'send'>>(
    queues.send.name,
    async (job: Job<Payload<'send'>>) => {
      const { notificationId } = queues.send.payload.parse(job.data);
      // A 429 puts the row back for the time Twilio asked (`Retry-After`); the limiter keeps the pace.
      const result = await sender.send(notificationId);
      return result.outcome;
    },
    {
      connection,
      prefix,
      concurrency: options.concurrency ?? deps.config.SEND_CONCURRENCY,
      limiter: { max: Math.max(1, Math.round(deps.config.SEND_RATE_PER_SECOND)), duration: 1000 },
    },
  );

  const workers = [escalation, send];
  for (const w of workers) {
    w.on('failed', (job, error) => log.warn({ queue: w.name, jobId: job?.id, err: error }, 'job failed; the reconciler will wake it again'));
    w.on('error', (error) => log.error({ queue: w.name, err: error }, 'worker error'));
  }

  const upkeep = startUpkeep(deps, id, { tickMs: UPKEEP_TICK_MS, reconcileEveryMs: deps.config.RECONCILE_INTERVAL_MS, tasks: options.periodic !== false });
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  log.info({ sendConcurrency: deps.config.SEND_CONCURRENCY, sendRatePerSecond: deps.config.SEND_RATE_PER_SECOND }, 'worker started');

  return {
    id,
    workers,
    upkeep,
    async close() {
      // Jobs in flight finish first, while the heartbeat still says this worker is alive.
      await Promise.all(workers.map((w) => w.close()));
      await upkeep.stop();
      connection.disconnect();
    },
  };
}
