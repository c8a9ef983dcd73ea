/**
 * Fault drills (issue 10: "No lost page, none twice: proven in production topology"). Each drill
 * starts the production topology afresh (bench/topology.ts: web and worker processes from the
 * build, their own Postgres and Redis, the Twilio simulator over HTTP), enrols 100 customers
 * through the admin API (each with its own standby number, and a two-level policy of one engineer
 * per level at the shortest acknowledgement timeout, no repeat), has every customer text
 * "BLOCKER orders api down", breaks one thing mid-escalation, and counts from outside what the
 * engineers' phones received against what the escalation owed. Incidents are acknowledged (admin
 * API) once their level-2 pages arrived, so every incident owes four pages.
 *
 *   npm run drills                        # every drill; figures into bench/RESULTS.md
 *   npm run drills -- redis-flush web-kill --incidents 20 --grace 30
 *
 * Exit code 1 when a target is missed. Logs of every process: bench/logs/<drill>/.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import type { TrafficEntry } from '../sim/server.js';
import { acknowledgeTwiceAtOnce, enrolCustomers, reportAll, type DrillCustomer } from './drill-customers.js';
import { EscalationWatch, outstanding, pagesByPhone, tally, type Lateness, type Tally } from './drill-tally.js';
import { startTopology, type Topology } from './topology.js';

const ACK_TIMEOUT_SECONDS = 10;
/** The service as the drills run it: 10 s acknowledgement timeouts, and a send rate a healthy topology keeps up with. */
const DRILL_ENV = { MIN_ACK_TIMEOUT_SECONDS: String(ACK_TIMEOUT_SECONDS), SEND_RATE_PER_SECOND: '100' };
const TARGET_LATE_MS = 5000;

/** What a drill does while the customers report; the runner counts afterwards. */
interface Drill {
  key: string;
  letter: string;
  title: string;
  web?: number;
  workers?: number;
  /** The engineers answer the pages themselves; the runner does not acknowledge through the API. */
  answersPages?: boolean;
  run(d: DrillRun): Promise<string[]>;
}

interface DrillRun {
  topo: Topology;
  customers: readonly DrillCustomer[];
  watch: EscalationWatch;
  /** Every customer texts the report, spread over `spreadMs` (default 5 s); resolves when all were delivered. */
  report(spreadMs?: number): Promise<void>;
  /** Waits (at most 30 s) until every incident's level-1 SMS and call reached the phones. */
  level1Paged(): Promise<void>;
  /** The earliest level-2 due instant Postgres holds. */
  firstLevel2Due(): Promise<Date>;
  /** Real time passes: the drill script waits until `at`. */
  until(at: Date): Promise<void>;
  /** Real time passes: the drill script waits `ms`. */
  pause(ms: number): Promise<void>;
  /** The fault has cleared now: lateness is also counted from here. */
  cleared(): void;
  /** How many sends Postgres shows claimed (in flight) right now. */
  sendsInFlight(): Promise<number>;
  /** How many incidents still have their level 2 ahead (due later than now), as last read: did the fault hit mid-escalation? */
  level2Ahead(): number;
  /** A target of this drill's own was missed (beyond lost, duplicated, late and dropped). */
  miss(what: string): void;
}

const drills: Drill[] = [
  {
    key: 'baseline',
    letter: '0',
    title: 'No fault (control)',
    async run(d) {
      await d.report();
      return [];
    },
  },
  {
    key: 'redis-flush',
    letter: 'a',
    title: 'Redis FLUSHALL mid-escalation',
    async run(d) {
      const reports = d.report();
      await d.level1Paged();
      const ahead = d.level2Ahead();
      await d.topo.redis.flushAll();
      d.cleared();
      await reports;
      return [`FLUSHALL once the level-1 pages were out, with ${ahead} of ${d.customers.length} level-2 steps still ahead.`];
    },
  },
  {
    key: 'redis-restart',
    letter: 'b',
    title: 'Redis killed and restarted empty',
    async run(d) {
      const reports = d.report();
      await d.level1Paged();
      const ahead = d.level2Ahead();
      await d.topo.redis.kill();
      await d.pause(3000);
      await d.topo.redis.start();
      d.cleared();
      await reports;
      return [`redis-server SIGKILLed once the level-1 pages were out, with ${ahead} of ${d.customers.length} level-2 steps still ahead; an empty one on the same port 3 s later.`];
    },
  },
  {
    key: 'worker-kill-slow-twilio',
    letter: 'c',
    title: 'Worker SIGKILLed mid-send while Twilio is slow (2 s)',
    async run(d) {
      await d.report();
      await d.level1Paged();
      const due = await d.firstLevel2Due();
      await d.until(new Date(due.getTime() - 1000));
      d.topo.sim.faults.latency(2000, { of: 'answer' });
      await d.until(new Date(due.getTime() + 1500));
      const inFlight = await d.sendsInFlight();
      const [worker] = d.topo.workers;
      await worker!.kill('SIGKILL');
      await worker!.start(); // the platform restarts a crashed machine
      d.topo.sim.faults.latency(0);
      d.cleared();
      return [`Twilio answered 2 s late (having acted at once) from 1 s before the first level 2 was due; the only worker was SIGKILLed 1.5 s into the level-2 wave with ${inFlight} send(s) claimed, and restarted at once.`];
    },
  },
  {
    key: 'worker-kill-one-of-two',
    letter: 'd',
    title: 'Two workers, one SIGKILLed',
    workers: 2,
    async run(d) {
      await d.report();
      await d.level1Paged();
      const due = await d.firstLevel2Due();
      await d.until(new Date(due.getTime() + 1000));
      const inFlight = await d.sendsInFlight();
      await d.topo.workers[0]!.kill('SIGKILL');
      d.cleared();
      return [`worker-1 SIGKILLed 1 s into the level-2 wave (${inFlight} send(s) claimed at that moment), not restarted; worker-2 carries on.`];
    },
  },
  {
    key: 'postgres-restart',
    letter: 'e',
    title: 'Postgres stopped ~7 s while customers text',
    async run(d) {
      const reports = d.report(15_000);
      await d.pause(4000);
      const stopping = performance.now();
      await d.topo.postgres.stop();
      const stopped = performance.now();
      await d.pause(7000);
      await d.topo.postgres.start();
      const up = performance.now();
      d.cleared();
      await reports;
      const s = (ms: number) => (ms / 1000).toFixed(1);
      return [`Reports spread over 15 s; Postgres stopped (fast shutdown, took ${s(stopped - stopping)} s) 4 s in, down ${s(up - stopped)} s in all (its start took ${s(up - stopped - 7000)} s).`];
    },
  },
  {
    key: 'twilio-outage',
    letter: 'f',
    title: 'Twilio 500 for 150 s, then 429 with Retry-After',
    async run(d) {
      const traffic = recordRestTraffic(d.topo);
      await d.report();
      await d.level1Paged();
      d.topo.sim.faults.failFor(150_000, { status: 500 });
      await d.pause(150_000);
      d.topo.sim.faults.failFor(15_000, { status: 429, retryAfterSeconds: 3 });
      await d.pause(15_000);
      d.cleared();
      const entries = traffic.stop();
      const count = (fault: string) => entries.filter((e) => e.fault === fault).length;
      return [
        'Once the level-1 pages were out, every REST request answered 500 for 150 s, then 429 with Retry-After: 3 for 15 s.',
        `REST requests answered 500: ${count('outage 500')}; answered 429: ${count('outage 429')}.`,
      ];
    },
  },
  {
    key: 'webhook-replay',
    letter: 'g',
    title: 'The same webhook replayed 3x at once',
    async run(d) {
      d.topo.sim.faults.duplicateWebhooks(d.customers.length, { copies: 3, concurrent: true });
      await d.report();
      return ["Every customer's text was delivered three times at once (same MessageSid and idempotency token), as Twilio retries racing the first delivery."];
    },
  },
  {
    key: 'web-kill',
    letter: 'h',
    title: 'Web killed (and restarted) while webhooks arrive',
    web: 2,
    async run(d) {
      const reports = d.report(10_000);
      await d.pause(3000);
      const [web] = d.topo.webs;
      await web!.kill('SIGKILL');
      await web!.start();
      d.cleared();
      await reports;
      return ['Two web processes behind the load balancer; reports over 10 s; web-1 SIGKILLed 3 s in and restarted at once (the balancer sends new requests to web-2 meanwhile).'];
    },
  },
  {
    key: 'simultaneous-ack',
    letter: 'i',
    title: 'Two engineers acknowledge the same incident at the same instant (SMS and keypress)',
    answersPages: true,
    async run(d) {
      for (const customer of d.customers) d.topo.sim.phone(customer.level2.phone).autoAnswer('manual');
      await d.report();
      const answers = await Promise.allSettled(d.customers.map((customer) => acknowledgeTwiceAtOnce(d.topo, customer, { ringTimeoutMs: (ACK_TIMEOUT_SECONDS + 60) * 1000 })));
      const failed = answers.flatMap((a) => (a.status === 'rejected' ? [String(a.reason instanceof Error ? a.reason.message : a.reason)] : []));
      const acks = await d.topo.sql<{ acks: number }[]>`
        select count(t.id)::int as acks from incidents i left join timeline_entries t on t.incident_id = i.id and t.kind = 'acknowledged'
        where i.customer_id in ${d.topo.sql(d.customers.map((c) => c.customerId))} group by i.id`;
      const notOnce = acks.filter((a) => a.acks !== 1).length;
      if (notOnce > 0) d.miss(`${notOnce} incident(s) not acknowledged exactly once`);
      if (failed.length > 0) d.miss(`${failed.length} acknowledging pair(s) where an engineer could not act or was told nothing (e.g. ${failed[0]!.replace(/\s+/g, ' ')})`);
      return [
        'Once level 2 was paged, the level-1 engineer texted ACK <n> while the level-2 engineer pressed 1 on the page call, at the same instant.',
        `Incidents acknowledged exactly once: ${acks.filter((a) => a.acks === 1).length} of ${acks.length}.`,
      ];
    },
  },
];

/** Copies the simulator's REST traffic as it happens (its own log keeps only the latest 2000). */
function recordRestTraffic(topo: Topology): { stop(): TrafficEntry[] } {
  const entries: TrafficEntry[] = [];
  let seq = 0;
  const copy = () => {
    for (const entry of topo.sim.traffic) if (entry.seq > seq && entry.channel === 'rest') entries.push(entry);
    seq = topo.sim.traffic.at(-1)?.seq ?? seq;
  };
  const timer = setInterval(copy, 250);
  return {
    stop() {
      clearInterval(timer);
      copy();
      return entries;
    },
  };
}

interface DrillResult {
  drill: Drill;
  figures: Tally;
  notes: string[];
  /** Targets of the drill's own that were missed. */
  misses: string[];
  seconds: number;
}

/** Runs one drill on a fresh topology and counts. */
async function runDrill(drill: Drill, series: number, options: { incidents: number; graceMs: number }): Promise<DrillResult> {
  const started = performance.now();
  const progress = (what: string) => console.log(`(${drill.letter}) ${drill.key} ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s  ${what}`);
  const logDir = join('bench', 'logs', drill.key);
  rmSync(logDir, { recursive: true, force: true });
  progress('starting the topology');
  const topo = await startTopology({ web: drill.web ?? 1, workers: drill.workers ?? 1, env: DRILL_ENV, logDir });
  try {
    progress(`enrolling ${options.incidents} customers through the admin API`);
    const customers = await enrolCustomers(topo, { count: options.incidents, series, ackTimeoutSeconds: ACK_TIMEOUT_SECONDS });
    progress('customers report; the drill runs');
    const watch = new EscalationWatch(topo.sql, customers).start();
    const acknowledger = drill.answersPages ? undefined : acknowledgeOnceLevel2Paged(topo, customers, watch);
    let clearedAt: Date | undefined;
    const misses: string[] = [];
    let lastReportAt = new Date();
    const run: DrillRun = {
      topo,
      customers,
      watch,
      report: async (spreadMs = 5000) => {
        await reportAll(topo, customers, spreadMs);
        lastReportAt = new Date();
      },
      level1Paged: () => waitForLevel1(topo, customers),
      firstLevel2Due: async () => {
        await watch.poll();
        const dues = customers.flatMap((c) => watch.of(c)?.level2DueAt ?? []).map((d) => d.getTime());
        if (dues.length === 0) throw new Error('no incident has a level-2 due instant in Postgres');
        return new Date(Math.min(...dues));
      },
      until: async (at) => {
        const ms = at.getTime() - new Date().getTime();
        if (ms > 0) await delay(ms);
      },
      pause: (ms) => delay(ms).then(() => undefined),
      cleared: () => {
        clearedAt = new Date();
      },
      miss: (what) => misses.push(what),
      level2Ahead: () => customers.filter((c) => (watch.of(c)?.level2DueAt?.getTime() ?? 0) > new Date().getTime()).length,
      sendsInFlight: async () => Number((await topo.sql<{ n: number }[]>`select count(*)::int as n from notifications where status = 'sending'`)[0]?.n ?? 0),
    };
    const notes = await drill.run(run);
    progress('settling: waiting for what is owed');

    // Settle: until nothing is owed (and Postgres holds no unsent page), or the grace runs out.
    const deadline = Math.max(lastReportAt.getTime(), clearedAt?.getTime() ?? 0) + ACK_TIMEOUT_SECONDS * 1000 + options.graceMs;
    while (new Date().getTime() < deadline) {
      const owed = outstanding(topo.sim, customers, watch);
      if (owed.missingPages + owed.unacknowledged + owed.withoutIncident === 0 && (await unsent(topo, customers)) === 0) break;
      await delay(500);
    }
    await delay(2000); // a late copy of a page still counts as duplicated
    acknowledger?.stop();
    await watch.stop();
    const figures = tally(topo.sim, customers, watch, clearedAt);
    const errors = topo.sim.errors;
    if (errors.length > 0) {
      const byCode = new Map<number, number>();
      for (const e of errors) byCode.set(e.code, (byCode.get(e.code) ?? 0) + 1);
      notes.push(`Webhooks the service failed (Twilio debugger): ${[...byCode].map(([code, n]) => `${n} × ${code}`).join(', ')}; e.g. "${errors[0]!.message}".`);
    }
    if (watch.failedPolls > 0) notes.push(`Postgres could not be read ${watch.failedPolls} time(s) while it was down.`);
    if (figures.openedTwice > 0) misses.push(`${figures.openedTwice} report(s) opened more than one incident`);
    if (figures.notOwed > 0) notes.push(`Level-2 pages nothing owed (acknowledged before level 2 was due, or sent early): ${figures.notOwed}.`);
    // The machine is shared: say how busy it was, since lateness depends on it.
    notes.push(`Load average during the drill: ${loadavg().map((l) => l.toFixed(1)).join(' / ')} (1 / 5 / 15 min).`);
    return { drill, figures, notes, misses, seconds: (performance.now() - started) / 1000 };
  } finally {
    await topo.close();
  }
}

/** Notifications for the drill's incidents that Postgres still holds unsent (a send may still come). */
async function unsent(topo: Topology, customers: readonly DrillCustomer[]): Promise<number> {
  try {
    const [row] = await topo.sql<{ n: number }[]>`
      select count(*)::int as n from notifications n join incidents i on i.id = n.incident_id
      where i.customer_id in ${topo.sql(customers.map((c) => c.customerId))} and n.status in ('pending', 'sending')`;
    return row?.n ?? 0;
  } catch {
    return 1; // Postgres is down: something may still be owed
  }
}

async function waitForLevel1(topo: Topology, customers: readonly DrillCustomer[]): Promise<void> {
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline) {
    const pages = pagesByPhone(topo.sim);
    const done = customers.every((c) => {
      const received = pages.get(c.level1.phone) ?? [];
      return received.some((p) => p.channel === 'sms') && received.some((p) => p.channel === 'voice');
    });
    if (done) return;
    await delay(200);
  }
}

/**
 * The level-2 engineer acknowledges through the admin API once both level-2 pages reached their
 * phone (or 10 s after the first did), so every incident owes exactly its four pages.
 */
function acknowledgeOnceLevel2Paged(topo: Topology, customers: readonly DrillCustomer[], watch: EscalationWatch): { stop(): void } {
  const done = new Set<number>();
  const firstSeen = new Map<number, number>();
  let busy = false;
  const round = async () => {
    const pages = pagesByPhone(topo.sim);
    const due = customers.filter((c) => {
      if (done.has(c.customerId) || !watch.of(c)) return false;
      const level2 = pages.get(c.level2.phone) ?? [];
      if (level2.length === 0) return false;
      const since = firstSeen.get(c.customerId) ?? performance.now();
      firstSeen.set(c.customerId, since);
      const both = level2.some((p) => p.channel === 'sms') && level2.some((p) => p.channel === 'voice');
      return both || performance.now() - since > 10_000;
    });
    await Promise.all(
      due.map(async (c) => {
        const answer = await topo.api
          .request('POST', `/incidents/${watch.of(c)!.incidentId}/acknowledge`, { engineerId: c.level2.engineerId })
          .catch(() => ({ status: 0 }));
        if (answer.status === 200 || answer.status === 409) done.add(c.customerId);
      }),
    );
  };
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    round().finally(() => (busy = false));
  }, 300);
  return { stop: () => clearInterval(timer) };
}

// ---------------------------------------------------------------------------------------------
// Reporting

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const latenessCell = (l: Lateness | undefined) => (l ? `${seconds(l.p50Ms)} / ${seconds(l.p99Ms)} / ${seconds(l.maxMs)}` : 'none arrived');

interface Verdicts {
  lost: boolean;
  duplicated: boolean;
  late: boolean;
  dropped: boolean;
  own: boolean;
}

function verdicts(r: DrillResult): Verdicts {
  const f = r.figures;
  return {
    lost: f.lost === 0,
    duplicated: f.duplicated === 0 && f.notOwed === 0,
    late: f.latenessAfterClear !== undefined && f.latenessAfterClear.maxMs <= TARGET_LATE_MS,
    dropped: f.contactsDropped === 0,
    own: r.misses.length === 0,
  };
}

const mark = (ok: boolean) => (ok ? 'ok' : 'MISSED');

function printDrill(result: DrillResult): void {
  const f = result.figures;
  const v = verdicts(result);
  const rows: Array<[string, string, string, string]> = [
    ['reports (customers texting)', String(f.reports), '', ''],
    ['pages expected', String(f.pagesExpected), '', ''],
    ['pages sent (received by the simulator)', String(f.pagesSent), '', ''],
    ['lost', String(f.lost), '0', mark(v.lost)],
    ['duplicated', String(f.duplicated + f.notOwed), '0', mark(v.duplicated)],
    ['level-2 lateness p50 / p99 / max', latenessCell(f.lateness), '', ''],
    ['late after the fault cleared, max', f.latenessAfterClear ? seconds(f.latenessAfterClear.maxMs) : 'none arrived', '≤ 5 s', mark(v.late)],
    ['customer contacts dropped', String(f.contactsDropped), '0', mark(v.dropped)],
  ];
  console.log(`\n(${result.drill.letter}) ${result.drill.key}: ${result.drill.title}  [${result.seconds.toFixed(0)} s]`);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length), ['measure', 'measured', 'target'][i]!.length));
  const line = (r: string[]) => `  ${r[0]!.padEnd(widths[0]!)}  ${r[1]!.padEnd(widths[1]!)}  ${r[2]!.padEnd(widths[2]!)}  ${r[3] ?? ''}`.trimEnd();
  console.log(line(['measure', 'measured', 'target', '']));
  for (const r of rows) console.log(line(r));
  for (const miss of result.misses) console.log(`  MISSED: ${miss}`);
  for (const note of result.notes) console.log(`  - ${note}`);
}

const SECTION = '## Fault drills';

/** Rewrites the fault-drill section of bench/RESULTS.md: rows and notes of the drills run now replace their old ones; the rest of the file stays. */
function writeResults(results: DrillResult[], command: string, graceSeconds: number): void {
  const file = join('bench', 'RESULTS.md');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n';
  const start = text.indexOf(`\n${SECTION}`);
  const end = start < 0 ? -1 : text.indexOf('\n## ', start + 1);
  const before = start < 0 ? text.trimEnd() : text.slice(0, start).trimEnd();
  const after = start < 0 || end < 0 ? '' : text.slice(end);
  const old = start < 0 ? '' : text.slice(start, end < 0 ? undefined : end);
  const keyOf = (d: Drill) => `(${d.letter}) ${d.key}`;
  const day = new Date().toISOString().slice(0, 10);
  const commit = codeVersion();

  const rowOf = (r: DrillResult) => {
    const f = r.figures;
    const v = verdicts(r);
    const cell = (value: string, ok: boolean) => (ok ? value : `**${value}**`);
    return `| ${keyOf(r.drill)}: ${r.drill.title} | ${f.pagesExpected} | ${f.pagesSent} | ${cell(String(f.lost), v.lost)} | ${cell(String(f.duplicated + f.notOwed), v.duplicated)} | ${latenessCell(f.lateness)} | ${cell(f.latenessAfterClear ? seconds(f.latenessAfterClear.maxMs) : 'none arrived', v.late)} | ${cell(String(f.contactsDropped), v.dropped)} | ${day} at ${commit}, ${r.seconds.toFixed(0)} s |`;
  };
  const rows = drills.map((d) => {
    const fresh = results.find((r) => r.drill === d);
    if (fresh) return rowOf(fresh);
    return old.split('\n').find((l) => l.startsWith(`| ${keyOf(d)}:`));
  });
  const notes = drills.map((d) => {
    const fresh = results.find((r) => r.drill === d);
    if (fresh) return `- **${keyOf(d)}** (\`${command}\`): ${[...fresh.misses.map((m) => `**Missed: ${m}.**`), ...fresh.notes].join(' ')}`;
    return old.split('\n').find((l) => l.startsWith(`- **${keyOf(d)}**`));
  });

  const section = [
    SECTION,
    '',
    '`bench/drills.ts` (`npm run drills`, or `npm run drills -- redis-flush web-kill` for some) runs each drill on a fresh production',
    'topology (`bench/topology.ts`): `node dist/src/main.js web` and `worker` processes behind a load balancer, their own',
    'embedded Postgres and redis-server, the Twilio simulator over HTTP. 100 customers, each with its own standby number and a',
    `two-level policy (one engineer per level, ${ACK_TIMEOUT_SECONDS} s acknowledgement timeout: \`MIN_ACK_TIMEOUT_SECONDS=${ACK_TIMEOUT_SECONDS}\`, no repeat;`,
    `\`SEND_RATE_PER_SECOND=${DRILL_ENV.SEND_RATE_PER_SECOND}\`), text "BLOCKER orders api down" within 5 s; the fault hits mid-escalation;`,
    'incidents are acknowledged once their level-2 pages arrived, so each owes 4 pages (SMS + call per level). Counted from',
    "outside: pages are what the engineers' phones received; lateness is the level-2 page's arrival minus `incidents.escalation_next_at`",
    'read from Postgres before it fired; "late after clear" counts from when the fault cleared if that was later; a page not',
    `received within the grace period (${graceSeconds} s after its due instant, or after the fault cleared) is lost; a report that opened`,
    'no incident is a dropped contact (its pages are not counted as lost). Targets: 0 lost, 0 duplicated, every step ≤ 5 s late',
    'after the fault clears, 0 contacts dropped, and a drill\'s own targets (e.g. acknowledged exactly once) in its notes;',
    'misses in bold. The machine is shared with other work: each drill notes the load average. Logs: `bench/logs/<drill>/`.',
    '',
    '| drill | pages expected | sent | lost | duplicated | level-2 late p50 / p99 / max | late after clear (max) | contacts dropped | run |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.filter((r): r is string => r !== undefined),
    '',
    ...notes.filter((n): n is string => n !== undefined),
    '',
  ].join('\n');
  writeFileSync(file, `${before}\n\n${section}${after}`);
}

/** The commit measured (with "+changes" when the working tree differs from it). */
function codeVersion(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const changed = execFileSync('git', ['status', '--porcelain', '--', 'src', 'sim', 'bench', 'migrations'], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.trim() && !line.endsWith('bench/RESULTS.md'));
    return changed.length > 0 ? `${head}+changes` : head;
  } catch {
    return 'an unknown commit';
  }
}

// ---------------------------------------------------------------------------------------------
// Command line

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    incidents: { type: 'string', default: '100' },
    grace: { type: 'string', default: '30' },
  },
});
const unknown = positionals.filter((p) => !drills.some((d) => d.key === p || d.letter === p));
if (unknown.length > 0) {
  console.error(`unknown drill(s): ${unknown.join(', ')}. Drills: ${drills.map((d) => d.key).join(', ')}`);
  process.exit(2);
}
const chosen = positionals.length === 0 ? drills : drills.filter((d) => positionals.includes(d.key) || positionals.includes(d.letter));
const command = ['npm run drills', ...(positionals.length > 0 || process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' ');

const results: DrillResult[] = [];
for (const drill of chosen) {
  const result = await runDrill(drill, drills.indexOf(drill), { incidents: Number(values.incidents), graceMs: Number(values.grace) * 1000 });
  printDrill(result);
  results.push(result);
}
if (results.length > 0) writeResults(results, command, Number(values.grace));
const missed = results.filter((r) => Object.values(verdicts(r)).includes(false)).map((r) => r.drill.key);
console.log(missed.length === 0 ? '\nEvery target met.' : `\nTargets missed in: ${missed.join(', ')}. Figures written to bench/RESULTS.md.`);
process.exit(missed.length === 0 ? 0 : 1);
