import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acknowledgeTwiceAtOnce } from '../../bench/drill-customers.js';
import { pagesByPhone } from '../../bench/drill-tally.js';
import { ACK_TIMEOUT_SECONDS, everyoneReports, nothingLeftToSend, startDrillWorld, type DrillWorld } from './support.js';

let w: DrillWorld;
beforeAll(async () => {
  // Ten pairs: a race that loses one time in a few shows up.
  w = await startDrillWorld({ customers: 10 });
});
afterAll(() => w?.close());

describe('two engineers acknowledge the same incident at the same instant (separate web and worker processes)', () => {
  it('one of them gets it, exactly once; both are told who has it; paging stops', { timeout: 60_000 }, async () => {
    for (const c of w.customers) w.topo.sim.phone(c.level2.phone).autoAnswer('manual');
    await everyoneReports(w);

    // Once level 2 rings, the level-1 engineer texts ACK while the level-2 engineer presses 1.
    await Promise.all(w.customers.map((c) => acknowledgeTwiceAtOnce(w.topo, c, { ringTimeoutMs: (ACK_TIMEOUT_SECONDS + 15) * 1000 })));
    await nothingLeftToSend(w, 10_000);

    const acks = await w.topo.sql<{ customer_id: number; acknowledged_by: number | null; acks: number }[]>`
      select i.customer_id::int, i.acknowledged_by::int, count(t.id)::int as acks
      from incidents i left join timeline_entries t on t.incident_id = i.id and t.kind = 'acknowledged'
      where i.customer_id in ${w.topo.sql(w.customers.map((c) => c.customerId))} group by i.id order by i.customer_id`;
    expect(acks.map((a) => a.acks)).toEqual(w.customers.map(() => 1));
    for (const c of w.customers) {
      expect([c.level1.engineerId, c.level2.engineerId]).toContain(acks.find((a) => a.customer_id === c.customerId)?.acknowledged_by);
    }
    expect(w.topo.sim.errors).toEqual([]);
    const pages = pagesByPhone(w.topo.sim);
    for (const c of w.customers) {
      expect([...(pages.get(c.level1.phone) ?? []), ...(pages.get(c.level2.phone) ?? [])].map((p) => p.channel).sort()).toEqual(['sms', 'sms', 'voice', 'voice']);
    }
  });
});
