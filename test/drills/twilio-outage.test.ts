import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../../bench/poll.js';
import type { TrafficEntry } from '../../sim/server.js';
import { TARGET_LATE_MS, duplicatePages, everyoneReports, nothingLeftToSend, pagesArrive, startDrillWorld, type DrillWorld } from './support.js';

let world: DrillWorld;
beforeAll(async () => {
  // Only the first level matters here: level 2 is not due during these tests.
  world = await startDrillWorld({ customers: 4, ackTimeoutSeconds: 600 });
});
afterAll(() => world?.close());

/** Some of the drill customers, as a world of their own (each test opens its own incidents). */
const some = (from: number, to: number): DrillWorld => ({ ...world, customers: world.customers.slice(from, to) });
const restTraffic = (): TrafficEntry[] => world.topo.sim.traffic.filter((t) => t.channel === 'rest');

describe('Twilio is down (separate web and worker processes)', () => {
  it('pages held back by 500s and then 429s all go out within 5 s of the outage ending, each once', { timeout: 60_000 }, async () => {
    const w = some(0, 3);
    world.topo.sim.faults.failFor(60_000, { status: 500 });
    await everyoneReports(w);
    // The outage lasts 16 s from the service's first refused attempt (long enough for a growing
    // backoff to overshoot its end), then Twilio answers 429 with Retry-After: 2 for 2 s.
    const firstRefusal = await pollUntil(() => restTraffic().find((t) => t.fault === 'outage 500'), { what: 'a first send attempt refused with 500', timeoutMs: 10_000 });
    const refusedAt = Date.parse(firstRefusal.at);
    const outageEnds = new Date(refusedAt + 18_000);
    world.topo.sim.faults.failUntil(new Date(refusedAt + 16_000), { status: 500 });
    const switchTo429 = setTimeout(() => world.topo.sim.faults.failUntil(outageEnds, { status: 429, retryAfterSeconds: 2 }), refusedAt + 16_000 - new Date().getTime());
    try {
      const arrivals = await pagesArrive(w, 1, new Date(outageEnds.getTime() + TARGET_LATE_MS + 3000));
      const lateAfterOutage = Math.max(...arrivals.map((a) => a.at.getTime() - outageEnds.getTime()));
      expect(lateAfterOutage).toBeLessThanOrEqual(TARGET_LATE_MS);
    } finally {
      clearTimeout(switchTo429);
    }
    await nothingLeftToSend(w, 10_000);
    expect(duplicatePages(w)).toEqual([]);
  });

  it("waits out Twilio's Retry-After before asking again, then sends the page once", { timeout: 60_000 }, async () => {
    const w = some(3, 4);
    const before = restTraffic().at(-1)?.seq ?? 0;
    world.topo.sim.faults.failFor(1000, { status: 429, retryAfterSeconds: 3 });
    await everyoneReports(w);
    const arrivals = await pagesArrive(w, 1, new Date(new Date().getTime() + 15_000));

    const traffic = restTraffic().filter((t) => t.seq > before);
    const refused = traffic.filter((t) => t.fault === 'outage 429');
    expect(refused.length, 'Twilio refused at least one send with 429').toBeGreaterThan(0);
    // After a 429 saying "Retry-After: 3", nothing new is asked of Twilio for 3 s (requests already
    // on their way, arriving within 500 ms of it, excepted).
    const tooSoon = refused.flatMap((r) => {
      const at = Date.parse(r.at);
      return traffic.filter((t) => Date.parse(t.at) > at + 500 && Date.parse(t.at) < at + 3000).map((t) => `${t.kind} ${((Date.parse(t.at) - at) / 1000).toFixed(2)} s after a 429`);
    });
    expect(tooSoon).toEqual([]);
    const lastRefusal = Math.max(...refused.map((r) => Date.parse(r.at)));
    for (const a of arrivals) expect(a.at.getTime() - lastRefusal).toBeLessThanOrEqual(3000 + TARGET_LATE_MS);
    await nothingLeftToSend(w, 10_000);
    expect(duplicatePages(w)).toEqual([]);
  });
});
