import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Clock } from '../clock.js';
import { jobIds, queues, type Payload, type QueueName } from './jobs.js';

/** Wake-ups added per BullMQ `addBulk` call (one pipeline of that many scripts). */
const ADD_CHUNK = 1000;
/**
 * `addBulk` calls sent together, without waiting for each other's answers: one round trip adds up
 * to 10,000 wake-ups, and the last of them is answered well within the connection's command
 * timeout (about half a second of Redis' time on the benchmark machine).
 */
const ADDS_IN_FLIGHT = 10;

/** A wake-up Postgres says is owed: what the reconciler makes sure Redis holds. */
export type Wake =
  | { queue: 'escalation'; incidentId: number; at: Date; retake?: string }
  | { queue: 'send'; notificationId: number; priority: number; attempt: number; at: Date; retake?: string };

type AddBatches = { escalation: { name: string; data: Payload<'escalation'>; opts: JobsOptions }[]; send: { name: string; data: Payload<'send'>; opts: JobsOptions }[] };

/**
 * Puts wake-ups into Redis after a commit. Delays are computed from the injected clock; ids are
 * deterministic, so adding what is already there changes nothing. Redis only schedules: losing a
 * job here is repaired by the reconciler from Postgres. Finished jobs are removed at once, so a
 * job id present in Redis always means a wake-up still to come (or running).
 */
export class Scheduler {
  readonly queues: { [Q in QueueName]: Queue<Payload<Q>> };

  constructor(
    readonly connection: Redis,
    private readonly clock: Clock,
    readonly prefix = 'standby',
  ) {
    const make = <Q extends QueueName>(q: Q) =>
      new Queue<Payload<Q>>(queues[q].name, {
        connection,
        prefix,
        defaultJobOptions: { attempts: queues[q].attempts, backoff: queues[q].backoff, removeOnComplete: true, removeOnFail: true },
      });
    this.queues = { escalation: make('escalation'), send: make('send') };
    // Connection errors surface as rejected calls (and the reconciler repairs); don't also print them.
    for (const queue of Object.values(this.queues)) queue.on('error', () => undefined);
  }

  now(): Date {
    return this.clock.now();
  }

  /** Queues one attempt of a send, due at `at`; lower priority numbers go first (Blocker pages are 1). */
  async send(notificationId: number, priority: number, attempt = 0, at: Date = this.clock.now()): Promise<void> {
    await this.ensure([{ queue: 'send', notificationId, priority, attempt, at }]);
  }

  /**
   * Makes Redis hold every wake-up given, in a bounded number of round trips: one pipeline asks
   * which job ids exist (one round trip whatever their number), then the missing ones are added,
   * `ADD_CHUNK` per pipeline and `ADDS_IN_FLIGHT` pipelines at once (one more round trip per
   * 10,000 missing: none when Redis already holds them all, as on a reconciler pass with nothing
   * lost). A wake-up that exists but is delayed past a due time that has come (the clock moved) is
   * promoted, up to `ADD_CHUNK` at once. Returns how many were added.
   *
   * An extra wake-up for a late send (`retake`) is for a job a dead worker may hold (active): it is
   * not added while the send's own job still waits its turn (or is delayed), since that job runs
   * first anyway (same priority, earlier in line). Added, it would only spend a slot of the rate
   * limit finding the row sent, and a backlog's thousands of them, every reconciler pass, kept new
   * pages waiting behind them.
   */
  async ensure(wakes: readonly Wake[]): Promise<{ added: number; promoted: number }> {
    if (wakes.length === 0) return { added: 0, promoted: 0 };

    const now = this.clock.now().getTime();
    const ids = wakes.map((w) => this.#jobId(w));
    const exists = this.connection.pipeline();
    // Per wake-up: does its job exist, is it delayed; for a send's retake, is the send's own job waiting or delayed.
    const asked: number[] = [];
    for (let i = 0; i < wakes.length; i++) {
      const wake = wakes[i]!;
      asked.push(exists.length);
      exists.exists(this.#key(wake.queue, ids[i]!));
      exists.zscore(this.#key(wake.queue, 'delayed'), ids[i]!);
      if (wake.queue === 'send' && wake.retake) {
        const own = this.#jobId({ ...wake, retake: undefined });
        exists.zscore(this.#key('send', 'prioritized'), own);
        exists.zscore(this.#key('send', 'delayed'), own);
      }
    }
    const answers = (await exists.exec()) ?? [];
    const answer = (at: number) => {
      const [error, value] = answers[at] ?? [];
      if (error) throw error;
      return value;
    };
    const missing: AddBatches = { escalation: [], send: [] };
    const overdueDelayed: Wake[] = [];
    for (let i = 0; i < wakes.length; i++) {
      const wake = wakes[i]!;
      const at = asked[i]!;
      const present = answer(at);
      const delay = Math.max(0, wake.at.getTime() - now);
      if (present === 1) {
        const delayedScore = answer(at + 1);
        if (delayedScore !== null && delayedScore !== undefined && delay === 0) overdueDelayed.push(wake);
        continue;
      }
      if (wake.queue === 'send' && wake.retake && (answer(at + 2) !== null || answer(at + 3) !== null)) continue;
      if (wake.queue === 'escalation') {
        missing.escalation.push({ name: 'escalation', data: { incidentId: wake.incidentId }, opts: { jobId: ids[i]!, delay } });
      } else {
        missing.send.push({ name: 'send', data: { notificationId: wake.notificationId }, opts: { jobId: ids[i]!, delay, priority: wake.priority } });
      }
    }
    await this.#addAll(missing);
    // Delayed past a time that has come: only when the clock jumped (tests) or was skewed; rare.
    let promoted = 0;
    for (const wave of chunked(overdueDelayed, ADD_CHUNK)) {
      const jobs = await Promise.all(wave.map((wake) => this.queues[wake.queue].getJob(this.#jobId(wake))));
      const done = await Promise.all(jobs.map((job) => (job ? job.promote().then(() => true, () => false) : false)));
      promoted += done.filter(Boolean).length;
    }
    return { added: missing.escalation.length + missing.send.length, promoted };
  }

  /**
   * Adds the wake-ups for rows a transaction has just written, without asking Redis first which
   * exist: none can (their ids are new), and BullMQ ignores an id it already holds. One round trip
   * per queue, the queues at once: this is on every intake's answer path.
   */
  async addNew(wakes: readonly Wake[]): Promise<void> {
    if (wakes.length === 0) return;
    const now = this.clock.now().getTime();
    const jobs: AddBatches = { escalation: [], send: [] };
    for (const wake of wakes) {
      const delay = Math.max(0, wake.at.getTime() - now);
      if (wake.queue === 'escalation') jobs.escalation.push({ name: 'escalation', data: { incidentId: wake.incidentId }, opts: { jobId: this.#jobId(wake), delay } });
      else jobs.send.push({ name: 'send', data: { notificationId: wake.notificationId }, opts: { jobId: this.#jobId(wake), delay, priority: wake.priority } });
    }
    await this.#addAll(jobs);
  }

  /**
   * Removes wake-ups no longer needed, all at once: one a worker has started (or already gone) is
   * left alone. Only spares the workers the job: a wake-up left behind finds nothing to do.
   */
  async drop(wakes: readonly Wake[]): Promise<void> {
    await Promise.all(wakes.map((wake) => this.queues[wake.queue].remove(this.#jobId(wake)).catch(() => 0)));
  }

  async #addAll(jobs: AddBatches): Promise<void> {
    // ioredis writes each pipeline as soon as it is built: the calls of a wave share one round trip.
    const adds = [
      ...chunked(jobs.escalation, ADD_CHUNK).map((chunk) => () => this.queues.escalation.addBulk(chunk)),
      ...chunked(jobs.send, ADD_CHUNK).map((chunk) => () => this.queues.send.addBulk(chunk)),
    ];
    for (const wave of chunked(adds, ADDS_IN_FLIGHT)) await Promise.all(wave.map((add) => add()));
  }

  #jobId(wake: Wake): string {
    return wake.queue === 'escalation' ? jobIds.escalation(wake.incidentId, wake.at, wake.retake) : jobIds.send(wake.notificationId, wake.attempt, wake.retake);
  }

  /** BullMQ's key for a job (or a queue's structure): `<prefix>:<queue>:<id>`. */
  #key(queue: QueueName, id: string): string {
    return `${this.prefix}:${queues[queue].name}:${id}`;
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.queues).map((queue) => queue.close()));
  }
}

/** `items` in consecutive slices of at most `size`. */
function chunked<T>(items: readonly T[], size: number): T[][] {
  const slices: T[][] = [];
  for (let i = 0; i < items.length; i += size) slices.push(items.slice(i, i + size));
  return slices;
}
