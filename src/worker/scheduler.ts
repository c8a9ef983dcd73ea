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

/** Wake-ups whose jobs one script call looks up (`wakeStates`): a few milliseconds of Redis' time. */
const CHECK_CHUNK = 2000;

/** What Redis holds for a wake-up, one character each in `wakeStates`' answer. */
const WAKE_STATES = {
  /** Its job is there, not delayed (waiting, prioritized or running); or, for a send's retake, the send's own job still waits its turn. */
  held: '0',
  /** Neither: it must be added. */
  missing: '1',
  /** Its job is there, delayed. */
  delayed: '2',
} as const;

/**
 * `wakeStates(base, id1, own1, id2, own2, …)`: for each job id of one queue (`base` is the queue's
 * key prefix, `<prefix>:<queue>:`), its `WAKE_STATES` character. `own` is, for a send's retake, the
 * id of the send's own job ('' otherwise): a retake is not missing while that job is prioritized or
 * delayed. Keys are built in the script: one Redis, not a cluster (as BullMQ's own keys here).
 */
const WAKE_STATES_LUA = `
local base = ARGV[1]
local delayed = base .. 'delayed'
local prioritized = base .. 'prioritized'
local out = {}
for i = 2, #ARGV, 2 do
  local id, own = ARGV[i], ARGV[i + 1]
  local state = '1'
  if redis.call('EXISTS', base .. id) == 1 then
    state = redis.call('ZSCORE', delayed, id) and '2' or '0'
  elseif own ~= '' and (redis.call('ZSCORE', prioritized, own) or redis.call('ZSCORE', delayed, own)) then
    state = '0'
  end
  out[#out + 1] = state
end
return table.concat(out)
`;

/** A pipeline with the script defined on the connection. */
interface WakeStatePipeline {
  wakeStates(base: string, ...idsAndOwn: string[]): void;
}

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
    connection.defineCommand('wakeStates', { numberOfKeys: 0, lua: WAKE_STATES_LUA });
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
   * which job ids exist (one round trip whatever their number; a script per `CHECK_CHUNK`, so the
   * pipeline is a few commands, not a few for each of tens of thousands of open items, which in a
   * backlog took a worker's heap past 384 MiB), then the missing ones are added,
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
    // Per wake-up, what Redis holds (`WAKE_STATES`), asked by a script, `CHECK_CHUNK` wake-ups a
    // call and every call in one pipeline: one round trip, and an answer of a character each.
    const positions = { escalation: [] as number[], send: [] as number[] };
    wakes.forEach((wake, i) => positions[wake.queue].push(i));
    const check = this.connection.pipeline();
    const calls: number[][] = [];
    for (const queue of ['escalation', 'send'] as const) {
      for (const at of chunked(positions[queue], CHECK_CHUNK)) {
        const args = at.flatMap((i) => {
          const wake = wakes[i]!;
          return [ids[i]!, wake.queue === 'send' && wake.retake ? this.#jobId({ ...wake, retake: undefined }) : ''];
        });
        (check as unknown as WakeStatePipeline).wakeStates(this.#key(queue, ''), ...args);
        calls.push(at);
      }
    }
    const answers = (await check.exec()) ?? [];
    const states: string[] = wakes.map(() => '');
    calls.forEach((at, n) => {
      const [error, value] = answers[n] ?? [new Error('no answer')];
      if (error) throw error;
      at.forEach((i, k) => (states[i] = (value as string)[k]!));
    });
    const missing: AddBatches = { escalation: [], send: [] };
    const overdueDelayed: Wake[] = [];
    for (let i = 0; i < wakes.length; i++) {
      const wake = wakes[i]!;
      const delay = Math.max(0, wake.at.getTime() - now);
      if (states[i] === WAKE_STATES.delayed && delay === 0) overdueDelayed.push(wake);
      if (states[i] !== WAKE_STATES.missing) continue;
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
