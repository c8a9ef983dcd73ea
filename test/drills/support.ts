import { enrolCustomers, type DrillCustomer } from '../../bench/drill-customers.js';
import { EscalationWatch, pagesByPhone, type Channel } from '../../bench/drill-tally.js';
import { pollUntil } from '../../bench/poll.js';
import { startTopology, type Topology } from '../../bench/topology.js';
import { createTestDatabase } from '../support/database.js';

/** The drill tests' acknowledgement timeout: level 2 is due this long after the report. */
export const ACK_TIMEOUT_SECONDS = 3;
/** What the drills promise: a step is at most this late once a fault has cleared. */
export const TARGET_LATE_MS = 5000;

export interface DrillWorld {
  topo: Topology;
  customers: DrillCustomer[];
  watch: EscalationWatch;
  close(): Promise<void>;
}

/**
 * The production topology in small: a web and a worker process of their own (`node --import
 * tsx src/main.ts`), this file's own database (cloned from the test template) and its own
 * redis-server (so flushing or killing it touches no other file), the simulator in the test
 * process, and a few drill customers.
 */
export async function startDrillWorld(options: { customers?: number; ackTimeoutSeconds?: number; workers?: number } = {}): Promise<DrillWorld> {
  const { url, database } = await createTestDatabase();
  await database.close();
  const ackTimeoutSeconds = options.ackTimeoutSeconds ?? ACK_TIMEOUT_SECONDS;
  const topo = await startTopology({
    runner: 'tsx',
    databaseUrl: url,
    workers: options.workers ?? 1,
    autoTickMs: 500,
    env: { MIN_ACK_TIMEOUT_SECONDS: String(Math.min(ackTimeoutSeconds, ACK_TIMEOUT_SECONDS)), SEND_RATE_PER_SECOND: '50', LOG_LEVEL: process.env.TEST_LOG_LEVEL === 'debug' ? 'debug' : 'info' },
  });
  try {
    const customers = await enrolCustomers(topo, { count: options.customers ?? 3, series: 0, ackTimeoutSeconds });
    const watch = new EscalationWatch(topo.sql, customers).start(100);
    return {
      topo,
      customers,
      watch,
      async close() {
        await watch.stop();
        await topo.close();
      },
    };
  } catch (error) {
    await topo.close();
    throw error;
  }
}

/** Every customer texts the one-shot report at once. */
export async function everyoneReports(w: DrillWorld): Promise<void> {
  await Promise.all(w.customers.map((c) => w.topo.sim.phone(c.phone).sendSms(c.standbyNumber, 'BLOCKER orders api down')));
}

/**
 * Waits until every customer's engineer at `level` received its page SMS and call, and returns
 * when each arrived. Fails loudly at `deadline`, naming what is missing and what Postgres shows.
 */
export async function pagesArrive(w: DrillWorld, level: 1 | 2, deadline: Date): Promise<Array<{ customer: DrillCustomer; channel: Channel; at: Date }>> {
  const arrivals = () => {
    const pages = pagesByPhone(w.topo.sim);
    return w.customers.flatMap((customer) =>
      (['sms', 'voice'] as const).map((channel) => ({
        customer,
        channel,
        at: (pages.get(level === 1 ? customer.level1.phone : customer.level2.phone) ?? []).find((p) => p.channel === channel)?.at,
      })),
    );
  };
  return pollUntil(
    () => {
      const all = arrivals();
      return all.every((a) => a.at) ? all.map((a) => ({ ...a, at: a.at! })) : undefined;
    },
    {
      what: `the level-${level} pages (SMS and call) of ${w.customers.length} incidents`,
      timeoutMs: Math.max(0, deadline.getTime() - new Date().getTime()),
      intervalMs: 100,
      seen: async () => `missing ${arrivals().filter((a) => !a.at).map((a) => `${a.customer.name} ${a.channel}`).join(', ')}; Postgres: ${await describeEscalations(w)}`,
    },
  );
}

/** The drill customers' incidents and notifications as Postgres holds them, for failure messages. */
export async function describeEscalations(w: DrillWorld): Promise<string> {
  const ids = w.customers.map((c) => c.customerId);
  const incidents = await w.topo.sql<{ id: number; status: string; level: number; next_at: Date | null }[]>`
    select id::int, status, escalation_level as level, escalation_next_at as next_at from incidents where customer_id in ${w.topo.sql(ids)} order by id`;
  const sends = await w.topo.sql<{ incident_id: number; level: number | null; channel: string; status: string; attempts: number; error: string | null }[]>`
    select n.incident_id::int, n.level, n.channel, n.status, n.attempts, n.error from notifications n join incidents i on i.id = n.incident_id
    where i.customer_id in ${w.topo.sql(ids)} and n.kind = 'page' order by n.id`;
  const now = new Date();
  return incidents
    .map((i) => {
      const due = i.next_at ? `next step ${((i.next_at.getTime() - now.getTime()) / 1000).toFixed(1)} s from now` : 'no next step';
      const pages = sends.filter((s) => s.incident_id === i.id).map((s) => `L${(s.level ?? 0) + 1} ${s.channel} ${s.status}×${s.attempts}${s.error ? ` (${s.error})` : ''}`);
      return `incident ${i.id} ${i.status} at level ${i.level + 1}, ${due}, pages [${pages.join('; ')}]`;
    })
    .join(' | ');
}

/** Pages Postgres still holds unsent for the drill's incidents; polls until none (a send may still come). */
export async function nothingLeftToSend(w: DrillWorld, timeoutMs: number): Promise<void> {
  await pollUntil(
    async () => {
      const [row] = await w.topo.sql<{ n: number }[]>`
        select count(*)::int as n from notifications n join incidents i on i.id = n.incident_id
        where i.customer_id in ${w.topo.sql(w.customers.map((c) => c.customerId))} and n.status in ('pending', 'sending')`;
      return row?.n === 0 ? true : undefined;
    },
    { what: 'Postgres to hold no unsent notification for the drill incidents', timeoutMs, seen: () => describeEscalations(w) },
  );
}

/** Copies of the same page beyond the first, per engineer and channel, as the phones received them. */
export function duplicatePages(w: DrillWorld): string[] {
  const pages = pagesByPhone(w.topo.sim);
  return w.customers.flatMap((c) =>
    [c.level1, c.level2].flatMap((engineer, level) =>
      (['sms', 'voice'] as const).flatMap((channel) => {
        const copies = (pages.get(engineer.phone) ?? []).filter((p) => p.channel === channel).length;
        return copies > 1 ? [`${c.name} level ${level + 1} ${channel} ×${copies}`] : [];
      }),
    ),
  );
}
