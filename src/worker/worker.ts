import { Worker, type Job } from 'bullmq';
import type { Deps } from '../app/deps.js';
import { stepEscalation } from '../app/escalation-step.js';
import { reconcile } from '../app/reconcile.js';
import { RetryLater, sendNotification } from '../app/send.js';
import { pruneReceipts } from '../db/webhook-receipts.js';
import { queues, type Payload } from './jobs.js';
import { sendHandoffNotices, sweepAbandonedCalls } from './maintenance.js';

export interface RunningWorker {
  /** Stops taking jobs and waits for the ones in flight to finish. */
  close(): Promise<void>;
  /** The BullMQ workers, for tests that pause or kill them. */
  workers: Worker[];
}

export interface WorkerOptions {
  /** Periodic reconcile / handoff notices / pruning. Tests turn it off and call `reconcile` themselves. */
  periodic?: boolean;
  concurrency?: number;
}

/** A failed send waits what Twilio asked (`Retry-After`), else an exponential backoff up to 60 s. */
export function sendBackoff(attemptsMade: number, error: Error | undefined): number {
  const asked = error instanceof RetryLater ? error.failure.retryAfterMs : null;
  return asked ?? Math.min(60_000, 1000 * 2 ** Math.max(0, attemptsMade - 1));
}

/**
 * Starts the BullMQ workers of the `worker` role: escalation wake-ups, sends (rate limited
 * across all workers; Blocker pages first by priority) and maintenance. Handlers are thin: they
 * call a use case that reloads the truth from Postgres.
 */
export async function startWorker(deps: Deps, options: WorkerOptions = {}): Promise<RunningWorker> {
  const connection = deps.redis.duplicate({ maxRetriesPerRequest: null });
  const prefix = deps.scheduler.prefix;
  const log = deps.logger.child({ role: 'worker' });

  const escalation = new Worker<Payload<'escalation'>>(
    queues.escalation.name,
    async (job) => stepEscalation(deps, queues.escalation.payload.parse(job.data).incidentId),
    { connection, prefix, concurrency: options.concurrency ?? 10 },
  );

  const send: Worker<Payload<'send'>> = new Worker<Payload<'send'>>(
    queues.send.name,
    async (job: Job<Payload<'send'>>) => {
      const { notificationId } = queues.send.payload.parse(job.data);
      const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      try {
        return await sendNotification(deps, notificationId, { finalAttempt });
      } catch (error) {
        if (error instanceof RetryLater && error.failure.kind === 'rate_limited') {
          // Twilio says slow down: pause this queue for everyone, the job keeps its attempts.
          await send.rateLimit(error.failure.retryAfterMs ?? 1000);
          throw Worker.RateLimitError();
        }
        throw error;
      }
    },
    {
      connection,
      prefix,
      concurrency: options.concurrency ?? 10,
      limiter: { max: Math.max(1, Math.round(deps.config.SEND_RATE_PER_SECOND)), duration: 1000 },
      settings: { backoffStrategy: (attemptsMade: number, _type?: string, error?: Error) => sendBackoff(attemptsMade, error) },
    },
  );

  const maintenance = new Worker<Payload<'maintenance'>>(
    queues.maintenance.name,
    async (job) => {
      const { task } = queues.maintenance.payload.parse(job.data);
      switch (task) {
        case 'reconcile':
          return reconcile(deps);
        case 'handoff_notices':
          return sendHandoffNotices(deps);
        case 'abandoned_calls':
          return sweepAbandonedCalls(deps);
        case 'prune':
          return pruneReceipts(deps.database.db, new Date(deps.clock.now().getTime() - 7 * 24 * 3600_000));
        default: {
          const never: never = task;
          throw new Error(`unknown maintenance task ${String(never)}`);
        }
      }
    },
    { connection, prefix, concurrency: 1 },
  );

  const workers = [escalation, send, maintenance];
  for (const w of workers) {
    w.on('failed', (job, error) => log.warn({ queue: w.name, jobId: job?.id, attemptsMade: job?.attemptsMade, err: error }, 'job failed'));
    w.on('error', (error) => log.error({ queue: w.name, err: error }, 'worker error'));
  }

  if (options.periodic !== false) {
    const q = deps.scheduler.queues.maintenance;
    await q.upsertJobScheduler('reconcile', { every: 15_000 }, { name: 'reconcile', data: { task: 'reconcile' } });
    await q.upsertJobScheduler('handoff_notices', { every: 60_000 }, { name: 'handoff_notices', data: { task: 'handoff_notices' } });
    await q.upsertJobScheduler('abandoned_calls', { every: 60_000 }, { name: 'abandoned_calls', data: { task: 'abandoned_calls' } });
    await q.upsertJobScheduler('prune', { every: 6 * 3600_000 }, { name: 'prune', data: { task: 'prune' } });
    // At start, repair whatever Redis lost while no worker ran.
    await deps.scheduler.maintenance('reconcile');
  }
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  log.info('worker started');

  return {
    workers,
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      connection.disconnect();
    },
  };
}
