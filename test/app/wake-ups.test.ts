import { randomBytes } from 'node:crypto';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { Scheduler, type Wake } from '../../src/worker/scheduler.js';

let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
});
afterAll(() => redis.disconnect());

/** A scheduler on its own queues, with a clock that moves only when told. */
function scheduler(clock: ManualClock): Scheduler {
  return new Scheduler(redis, clock, `t${randomBytes(5).toString('hex')}`);
}

describe('wake-ups in Redis', () => {
  it('puts back every wake-up Redis lost (more than one batch of each queue), and none twice', async () => {
    const clock = new ManualClock('2026-11-23T15:00:00Z');
    const s = scheduler(clock);
    const inAnHour = new Date(clock.now().getTime() + 3600_000);
    const wakes: Wake[] = [
      ...Array.from({ length: 2500 }, (_, i): Wake => ({ queue: 'escalation', incidentId: i + 1, at: inAnHour })),
      ...Array.from({ length: 1500 }, (_, i): Wake => ({ queue: 'send', notificationId: i + 1, priority: 1, attempt: 0, at: inAnHour })),
    ];
    try {
      expect(await s.ensure(wakes)).toEqual({ added: 4000, promoted: 0 });
      expect(await s.queues.escalation.getDelayedCount()).toBe(2500);
      expect(await s.queues.send.getDelayedCount()).toBe(1500);
      expect(await s.ensure(wakes)).toEqual({ added: 0, promoted: 0 });
      expect(await s.queues.escalation.getDelayedCount()).toBe(2500);
    } finally {
      await Promise.all(Object.values(s.queues).map((q) => q.obliterate({ force: true })));
      await s.close();
    }
  });

  it('gives a late send an extra wake-up only when a worker (perhaps a dead one) holds its own', async () => {
    const clock = new ManualClock('2026-11-23T15:00:00Z');
    const s = scheduler(clock);
    const due = clock.now();
    const own = (notificationId: number): Wake => ({ queue: 'send', notificationId, priority: 1, attempt: 0, at: due });
    const retake = (notificationId: number, bucket: string): Wake => ({ ...own(notificationId), retake: bucket });
    let holder: Worker | undefined;
    try {
      await s.ensure([own(1), own(2)]);
      // Still waiting its turn: every reconciler pass (a new bucket each 5 s) adds nothing.
      clock.advance(30_000);
      expect(await s.ensure([own(1), retake(1, 'late1')])).toEqual({ added: 0, promoted: 0 });
      expect(await s.ensure([own(1), retake(1, 'late2')])).toEqual({ added: 0, promoted: 0 });
      // A worker takes send 1's job and dies holding it: send 1 gets its extra wake-up, send 2 (still in line) none.
      holder = new Worker(s.queues.send.name, undefined, { connection: redis.duplicate({ maxRetriesPerRequest: null }), prefix: s.prefix, autorun: false });
      expect((await holder.getNextJob('dead-worker'))?.data).toEqual({ notificationId: 1 });
      expect(await s.ensure([own(1), retake(1, 'late3'), own(2), retake(2, 'late3')])).toEqual({ added: 1, promoted: 0 });
      expect((await s.queues.send.getJobs(['prioritized'])).map((j) => j.id).sort()).toEqual(['send-1-0-late3', 'send-2-0']);
    } finally {
      await holder?.close(true);
      await s.queues.send.obliterate({ force: true });
      await s.close();
    }
  });

  it('wakes at once a step whose delayed wake-up the clock has overtaken', async () => {
    const clock = new ManualClock('2026-11-23T15:00:00Z');
    const s = scheduler(clock);
    const due = new Date(clock.now().getTime() + 5 * 60_000);
    const steps = [1, 2, 3].map((incidentId): Wake => ({ queue: 'escalation', incidentId, at: due }));
    try {
      await s.ensure(steps);
      expect(await s.queues.escalation.getDelayedCount()).toBe(3);
      clock.advance(6 * 60_000);
      expect(await s.ensure(steps)).toEqual({ added: 0, promoted: 3 });
      expect(await s.queues.escalation.getDelayedCount()).toBe(0);
      expect(await s.queues.escalation.getWaitingCount()).toBe(3);
    } finally {
      await s.queues.escalation.obliterate({ force: true });
      await s.close();
    }
  });
});
