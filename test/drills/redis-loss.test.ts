import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tally } from '../../bench/drill-tally.js';
import { TARGET_LATE_MS, describeEscalations, duplicatePages, everyoneReports, nothingLeftToSend, pagesArrive, startDrillWorld, type DrillWorld } from './support.js';

let w: DrillWorld;
beforeAll(async () => {
  w = await startDrillWorld();
});
afterAll(() => w?.close());

describe('Redis loses everything mid-escalation (separate web and worker processes)', () => {
  it('after FLUSHALL, level 2 is still paged on time, once, for every incident', { timeout: 60_000 }, async () => {
    await everyoneReports(w);
    const reported = new Date();
    await pagesArrive(w, 1, new Date(reported.getTime() + 10_000));

    await w.topo.redis.flushAll();
    const flushedAt = new Date();
    await w.watch.poll();
    const dues = w.customers.map((c) => w.watch.of(c)?.level2DueAt?.getTime() ?? Number.NaN);
    expect(dues.every((due) => due > flushedAt.getTime()), `level 2 was due after the flush: ${await describeEscalations(w)}`).toBe(true);

    // Level 2 is owed at its due instant; allow the target lateness and a little more.
    await pagesArrive(w, 2, new Date(Math.max(...dues) + TARGET_LATE_MS + 2000));
    for (const c of w.customers) {
      expect((await w.topo.api.request('POST', `/incidents/${w.watch.of(c)!.incidentId}/acknowledge`, { engineerId: c.level2.engineerId })).status).toBe(200);
    }
    await nothingLeftToSend(w, 10_000);
    await w.watch.poll();

    const figures = tally(w.topo.sim, w.customers, w.watch, flushedAt);
    expect(duplicatePages(w)).toEqual([]);
    expect({ lost: figures.lost, duplicated: figures.duplicated, pagesSent: figures.pagesSent }).toEqual({ lost: 0, duplicated: 0, pagesSent: 4 * w.customers.length });
    expect(figures.latenessAfterClear!.maxMs).toBeLessThanOrEqual(TARGET_LATE_MS);
  });
});
