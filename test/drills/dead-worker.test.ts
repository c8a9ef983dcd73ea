import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../../bench/poll.js';
import { TARGET_LATE_MS, describeEscalations, duplicatePages, everyoneReports, nothingLeftToSend, pagesArrive, startDrillWorld, type DrillWorld } from './support.js';

let w: DrillWorld;
beforeAll(async () => {
  // Only the first level matters here: level 2 is not due during the test.
  w = await startDrillWorld({ ackTimeoutSeconds: 600 });
});
afterAll(() => w?.close());

describe('a worker process dies (SIGKILL) in the middle of sending', () => {
  it('every page still goes out once, soon after a worker is back, whether or not Twilio had accepted it', { timeout: 60_000 }, async () => {
    // Twilio is slow to answer: the worker is waiting for it when it dies, and does not know that
    // the messages and calls it asked for were made.
    w.topo.sim.faults.latency(1500, { of: 'answer' });
    await everyoneReports(w);
    const inFlight = await pollUntil(
      async () => {
        const [row] = await w.topo.sql<{ n: number }[]>`select count(*)::int as n from notifications where status = 'sending'`;
        return row!.n > 0 ? row!.n : undefined;
      },
      { what: 'the worker to claim a page (status sending)', timeoutMs: 15_000, seen: () => describeEscalations(w) },
    );
    expect(inFlight).toBeGreaterThan(0);

    const [worker] = w.topo.workers;
    await worker!.kill('SIGKILL');
    w.topo.sim.faults.latency(0);
    await worker!.start(); // the platform restarts the machine
    const backAt = new Date();

    await pagesArrive(w, 1, new Date(backAt.getTime() + TARGET_LATE_MS + 5000));
    await nothingLeftToSend(w, 10_000);
    expect(duplicatePages(w)).toEqual([]);
    expect(w.topo.sim.messages.filter((m) => m.direction === 'outbound-api' && /Reply ACK/.test(m.body))).toHaveLength(w.customers.length);
    expect(w.topo.sim.calls.filter((c) => c.direction === 'outbound-api')).toHaveLength(w.customers.length);
  });
});
