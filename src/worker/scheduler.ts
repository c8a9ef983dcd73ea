import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Clock } from '../clock.js';
import { jobIds, queues, type Payload, type QueueName } from './jobs.js';

/**
 * Puts wake-ups into Redis after a commit. Delays are computed from the injected clock; ids are
 * deterministic, so adding what is already there changes nothing. Redis only schedules: losing a
 * job here is repaired by the reconciler from Postgres.
 */
export class Scheduler {
  readonly queues: { [Q in QueueName]: Queue<Payload<Q>> };

  constructor(
    connection: Redis,
    private readonly clock: Clock,
    readonly prefix = 'standby',
  ) {
    const make = <Q extends QueueName>(q: Q) =>
      new Queue<Payload<Q>>(queues[q].name, {
        connection,
        prefix,
        defaultJobOptions: {
          attempts: queues[q].attempts,
          backoff: queues[q].backoff,
          removeOnComplete: { count: 1000 },
          removeOnFail: { count: 5000 },
        },
      });
    this.queues = { escalation: make('escalation'), send: make('send'), maintenance: make('maintenance') };
    // Connection errors surface as rejected calls (and the reconciler repairs); don't also print them.
    for (const queue of Object.values(this.queues)) queue.on('error', () => undefined);
  }

  /** Wakes the incident's escalation at `at` (now, if `at` has passed). */
  async wakeEscalation(incidentId: number, at: Date): Promise<void> {
    const delay = Math.max(0, at.getTime() - this.clock.now().getTime());
    const jobId = jobIds.escalation(incidentId, at);
    await this.addOrPromote('escalation', jobId, { incidentId }, { delay });
  }

  /** Queues one notification for sending; lower priority numbers go first (Blocker pages are 1). */
  async send(notificationId: number, priority: number, retake?: string): Promise<void> {
    // Never promoted: a send waiting out Twilio's Retry-After or a backoff keeps waiting.
    await this.addOrPromote('send', jobIds.send(notificationId, retake), { notificationId }, { priority }, false);
  }

  async maintenance(task: Payload<'maintenance'>['task']): Promise<void> {
    await this.queues.maintenance.add(task, { task }, { removeOnComplete: true, removeOnFail: { count: 100 } });
  }

  /**
   * Adds a job under its deterministic id. If it is already waiting with a delay but is now due
   * (the clock moved, or its wake-up time came), it is promoted so it runs at once.
   */
  private async addOrPromote<Q extends QueueName>(q: Q, jobId: string, data: Payload<Q>, options: { delay?: number; priority?: number }, promote = true): Promise<void> {
    const queue = this.queues[q] as Queue<Payload<Q>>;
    const existing = await queue.getJob(jobId);
    if (existing) {
      const state = await existing.getState();
      if (promote && state === 'delayed' && (options.delay ?? 0) === 0) await existing.promote().catch(() => undefined);
      if (state === 'completed' || state === 'failed') {
        // Finished earlier: a new wake-up under the same id needs the old record out of the way.
        await existing.remove().catch(() => undefined);
        await (queue as Queue).add(q, data, { jobId, ...options });
      }
      return;
    }
    await (queue as Queue).add(q, data, { jobId, ...options });
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.queues).map((queue) => queue.close()));
  }
}
