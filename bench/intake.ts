/**
 * `npm run bench`: intake at the speed of Postgres, measured in the production topology
 * (`bench/topology.ts`: the build, separate `web` and `worker` processes, their own Postgres with
 * fsync on and redis-server, the simulator as Twilio with status callbacks on). Prints each table
 * and rewrites its section of `bench/RESULTS.md`.
 *
 * Phases, on one web and one worker process, then again on two of each:
 * - reads: 10,000 incidents and 1,000,000 timeline rows; the incident list (first and deep pages,
 *   filters), a large incident's timeline and a month's SLA report, p99 over sequential requests;
 *   the plans of their queries go to `bench/plans/`;
 * - first page: the webhook's arrival (written whole by the load generator) → page request at the simulator, one report at a time and a burst of 500;
 * - throughput: closed loop, 32 connections, the mix (70% eligible reports from distinct
 *   customers, 15% out of scope, 15% follow-ups), side by side with the bare route
 *   (`bench/bare-route.ts`: Fastify + the Twilio signature check + one INSERT);
 * - latency: open loop at 100/s and 300/s (latency from each request's scheduled time);
 * - overload: 1,000/s offered for 10 s: answered within 10 s? lost? then 100/s again (recovery);
 * - memory: resident set of each process;
 * - escalation at scale (1 web + 1 worker, after the reads and before the intake phases, from a quiet machine; `bench/support/escalation-storm.ts`):
 *   2,000 incidents escalating at the same instant (step and level-2 page lateness), and one
 *   reconciler pass at a time over 10,000 open items (duration, Redis commands and round trips).
 *
 *   npm run bench                 # the whole run (under 10 minutes on a quiet machine)
 *   npm run bench -- --quick      # shorter phases, no escalation phases, no scale-out, RESULTS.md untouched
 *   npm run bench -- --escalation-only   # the topology and the escalation phases only; prints, RESULTS.md untouched
 *   npm run bench -- --burst-only --no-reads   # the first pages only (one at a time, the burst of 500); prints, RESULTS.md untouched
 *   npm run bench -- --escalation-only --storm-latency 200   # the storm's sends answered 200 ms late, as Twilio's are
 *   npm run bench -- --via-proxy   # Twilio's webhooks through the proxy in this process, not straight to the web processes
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { freePort } from '../scripts/local/net.js';
import { pollUntil } from './poll.js';
import { startTopology, type Topology } from './topology.js';
import type { LoadJob, LoadResult, SentReport } from './load.js';
import { latenciesBySecond, pct, sortedOf } from './support/stats.js';
import { SHARED_NUMBER, seedMixCustomers, type MixPeople } from './support/mix.js';
import { generateDataset } from './support/dataset.js';
import { explainHotQueries, measureReads, type ReadFigure } from './support/reads.js';
import { escalationStorm, reconcilerAtScale } from './support/escalation-storm.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, 'no-scale-out': { type: 'boolean', default: false }, 'no-reads': { type: 'boolean', default: false }, 'reads-only': { type: 'boolean', default: false }, 'escalation-only': { type: 'boolean', default: false }, 'burst-only': { type: 'boolean', default: false }, 'via-proxy': { type: 'boolean', default: false }, 'storm-latency': { type: 'string', default: '0' }, env: { type: 'string', multiple: true, default: [] } } });
/** `--env KEY=VALUE` (repeatable): service settings for this run, e.g. `--env INTAKE_CONCURRENCY=12`. */
const extraEnv = Object.fromEntries(values.env!.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
const quick = values.quick!;
const seconds = (full: number, short: number) => (quick ? short : full) * 1000;

const startedAt = performance.now();
const load0 = loadavg();
const log = (line: string) => console.error(`[bench ${((performance.now() - startedAt) / 1000).toFixed(0)} s] ${line}`);

const ms = (v: number) => (Number.isNaN(v) ? '–' : v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);

interface Row {
  cells: string[];
}
const tables: Array<{ title: string; header: string[]; rows: Row[]; note?: string }> = [];
function table(title: string, header: string[], rows: string[][], note?: string) {
  tables.push({ title, header, rows: rows.map((cells) => ({ cells })), note });
  console.log(`\n### ${title}\n`);
  console.log(`| ${header.join(' | ')} |`);
  console.log(`| ${header.map(() => '---').join(' | ')} |`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  if (note) console.log(`\n${note}`);
}

/** Runs one load job in the load generator's own process. */
function runLoad(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/load.ts')], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`load generator exited ${code}`))));
    child.stdin.end(JSON.stringify(job));
  });
}

// ---------------------------------------------------------------------------------------------
// The topology

/** Ends the run after the phases asked for (--reads-only, --escalation-only); the topology still closes. */
class EarlyEnd extends Error {}

/** How long the first-page figures wait for every page to reach the simulator (a report without one by then is counted apart). */
const FIRST_PAGE_WAIT_MS = 30_000;

if (!values['escalation-only']) {
  log('counting statements per webhook (bench/round-trips.ts, its own Postgres and Redis)…');
  const roundTrips = await new Promise<Array<[string, number, number | null, number]>>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/round-trips.ts'), '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out.split('\n').find((l) => l.startsWith('[['))!)) : reject(new Error(`round-trips exited ${code}`))));
  });
  table('Round trips per webhook and per send (counted, not timed)', ['request', 'Postgres statements (BEGIN and COMMIT included)', 'Postgres round trips', 'Redis commands after commit'], roundTrips.map(([name, pg, redis, waits]) => [name, String(pg), String(waits), redis === null || Number.isNaN(redis) ? '–' : String(redis)]),
    'Before this work an eligible report was 35 statements (the follow-up 20, the out-of-scope text 16), sending a page 9 and a delivery report 7 or 8; an eligible report brings two sends and about four delivery reports (five while the simulator still reported `queued`, which Twilio does not), so the whole of one went from about 90 statements to about 19 (11 + 2 × 2 + 4, fewer still when delivery reports share a statement). Round trips are the writes on the Postgres connections: statements sent together (the last writes of a transaction with its COMMIT, see writeLater) go in one; a send and a delivery report are counted on the first use of their statement on a connection, which costs a round trip more (Postgres describes it before it is prepared). Redis commands count what BullMQ runs inside its scripts too. The statements are the same every run; a round trip can differ by one, at the end: the COMMIT follows the last writes by one turn of the event loop (see writeLater), and when their answers come back first, its write counts as a round trip of its own though nothing waited for them.');
}

const SEND_RATE = '1000';
log('starting the topology (build, Postgres with fsync on, Redis, simulator, web, worker)…');
const topo: Topology = await startTopology({
  web: 1,
  workers: 1,
  durable: true,
  env: { LOG_LEVEL: 'info', SEND_RATE_PER_SECOND: SEND_RATE, ...extraEnv },
  readyTimeoutMs: 120_000,
  proxyKeepAlive: true,
  // Twilio's webhooks reach the web processes as through a load balancer on another machine (`--via-proxy`: through this process's proxy).
  simDirect: !values['via-proxy'],
  ...(process.env.STANDBY_BENCH_LOGS ? { logDir: process.env.STANDBY_BENCH_LOGS } : {}),
});
let bare: ChildProcess | undefined;
try {
  // Pages in the run must not escalate to level 2 mid-measurement: the bench policy waits an hour.
  await topo.sql`update escalation_levels set ack_timeout_seconds = 3600`;
  const authToken = topo.env.TWILIO_AUTH_TOKEN!;
  const webTargets = () => topo.webs.map((w) => `http://127.0.0.1:${w.port}`);

  /** Escalation at scale (bench/support/escalation-storm.ts): 2,000 steps due at once, then a reconciler pass over 10,000 open items. */
  const escalationPhases = async () => {
    // Each phase first waits (at most 90 s) for the backlog before it, and says what was left.
    const backlog = async () => {
      const waited = await waitForQuiet(45_000);
      return `The backlog before the phase (kept texts, sends owed): ${waited.startsWith('in ') ? `drained ${waited}` : waited}.`;
    };
    const stormBacklog = await backlog();
    log('escalation storm: 2,000 incidents escalating at the same instant…');
    const storm = await escalationStorm(topo, { twilioLatencyMs: Number(values['storm-latency']) });
    table(storm.title, storm.header, storm.rows, `${storm.note} ${stormBacklog}`);
    const passBacklog = await backlog();
    log('reconciler: one pass at a time over 10,000 open items…');
    const pass = await reconcilerAtScale(topo);
    table(pass.title, pass.header, pass.rows, `${pass.note} ${passBacklog}`);
  };
  if (values['escalation-only']) {
    await escalationPhases();
    throw new EarlyEnd();
  }

  // -------------------------------------------------------------------------------------------
  // Reads

  if (!values['no-reads']) {
    log('reads: generating 10,000 incidents and 1,000,000 timeline rows…');
    const t0 = performance.now();
    const dataset = await generateDataset(topo.sql, new Date());
    log(`… generated in ${((performance.now() - t0) / 1000).toFixed(1)} s; measuring the read paths`);
    const figures: ReadFigure[] = await measureReads(topo, dataset, quick ? 50 : 100);
    await explainHotQueries(topo, dataset, join(ROOT, 'bench/plans'));
    table(
      `Reads with ${dataset.incidents.toLocaleString('en')} incidents and ${dataset.timelineRows.toLocaleString('en')} timeline rows (one web process, sequential requests through HTTP)`,
      ['request', 'requests', 'p50', 'p99', 'max'],
      figures.map((f) => [f.name, String(f.samples.length), ms(pct(f.sorted, 50)), ms(pct(f.sorted, 99)), ms(f.sorted.at(-1)!)]),
      'Plans of these queries (EXPLAIN ANALYZE, BUFFERS) are in `bench/plans/`.',
    );
  }

  if (values['reads-only']) throw new EarlyEnd();

  // Escalation at scale, on 1 web + 1 worker, from a quiet machine: before the intake phases,
  // whose kept texts and delivery reports go on for a while after each phase.
  if (!quick && !values['burst-only']) await escalationPhases();

  // Customers of the mix (after the reads: the read paths see the data set's 1,000 customers, not these):
  // each eligible report and out-of-scope text comes from its own customer.
  const people: MixPeople & { following: string[] } = { ...(await seedMixCustomers(topo.sql, quick ? 40_000 : 80_000, quick ? 10_000 : 20_000)), following: [] };
  let eligibleUsed = 0;
  let outOfScopeUsed = 0;
  const takePeople = (eligible: number, outOfScope: number) => {
    const taken = { eligible: people.eligible.slice(eligibleUsed, eligibleUsed + eligible), outOfScope: people.outOfScope.slice(outOfScopeUsed, outOfScopeUsed + outOfScope), following: people.following };
    eligibleUsed += eligible;
    outOfScopeUsed += outOfScope;
    if (eligibleUsed > people.eligible.length || outOfScopeUsed > people.outOfScope.length) throw new Error('the bench seeded too few customers for its phases');
    return taken;
  };
  /** A load job; `requests` is how many it may send at most, for the customers it is given. */
  const job = (partial: Partial<LoadJob> & Pick<LoadJob, 'mode'>, requests: number, targets = webTargets()): LoadJob => ({
    targets,
    publicBaseUrl: topo.url,
    authToken,
    path: '/twilio/sms',
    to: SHARED_NUMBER,
    timeoutMs: 15_000,
    people: partial.recycle ? takePeople(200, 50) : partial.onlyEligible ? takePeople(requests, 0) : takePeople(Math.ceil(0.7 * requests) + 50, Math.ceil(0.15 * requests) + 50),
    ...partial,
  });

  // The customers just written vacuumed and analyzed, then a checkpoint, as pgbench does before
  // each run: otherwise autovacuum and the checkpoint that the data set's and the customers' WAL
  // (~0.5 GB) starts run during the measured phases, the checkpoint's full-page writes making the
  // first minute's commits larger. A running service meets them too, but not all at once on a
  // database just filled: the phases measure the service, not the bench's own setup.
  await topo.sql`vacuum (analyze) customers, contracts, integrations, contacts`;
  await topo.sql`checkpoint`;

  // Customers who reported once already: the follow-ups of the mix come from them.
  await waitForQuiet(45_000);
  log('warming up: 100 customers report once (their follow-ups are part of the mix)…');
  const warm = await runLoad(job({ mode: 'burst', count: 100, onlyEligible: true }, 100));
  people.following = warm.eligible.map((r) => r.phone);
  if (people.following.length < 100) throw new Error(`warm-up opened too few incidents: ${JSON.stringify({ ...warm, latenciesMs: undefined, eligible: undefined })}`);
  await waitForQuiet();
  // A fresh process answers its first second or two of texts slowly (its hot paths not yet
  // compiled, each pool connection preparing its statements): the phases measure a warm service,
  // as a storm finds one. Not counted; `bench:profile --by-second` shows the cold start.
  log('warming up: the mix at 100/s for 2 s (not counted)…');
  await runLoad(job({ mode: 'open', rate: 100, durationMs: 2000 }, 200));
  await waitForQuiet();

  // The bare route: its own process, on the same Postgres, with the same pool size.
  const barePort = await freePort();
  bare = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/bare-route.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, PORT: String(barePort), DATABASE_URL: topo.databaseUrl, PUBLIC_BASE_URL: topo.url, TWILIO_AUTH_TOKEN: authToken },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => bare!.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()));


  // -------------------------------------------------------------------------------------------
  // Intake, one web + one worker, then two of each

  const intakeRows: string[][] = [];
  const overloadRows: string[][] = [];
  const firstPageRows: string[][] = [];
  let bareRate = NaN;

  /** Where each phase's backlog stood when the next began (the machine is shared: a phase waits at most QUIET_MS for the last). */
  const quietNotes: string[] = [];
  const QUIET_MS = quick ? 15_000 : 12_000;
  const settle = async (label: string, phase: string, timeoutMs = QUIET_MS) => {
    const waited = await waitForQuiet(timeoutMs);
    if (!waited.startsWith('in ')) quietNotes.push(`${label}, after ${phase}: ${waited}`);
  };

  const intakePhases = async (label: string, full: boolean) => {
    if (full) {
      log(`${label}: first page, one report at a time…`);
      const one = await runLoad(job({ mode: 'sequential', count: quick ? 20 : 30, gapMs: 100, onlyEligible: true }, quick ? 20 : 30));
      const onePages = await firstPageLatencies(one.eligible);
      const oneLatency = onePages.latencies;
      firstPageRows.push([label, `${one.eligible.length}, one at a time`, ms(pct(oneLatency, 50)), ms(pct(oneLatency, 99)), ms(oneLatency.at(-1)!), String(one.errors), String(one.eligible.length - oneLatency.length), split(onePages)]);
      await settle(label, 'first pages one at a time');
    }

    // Latency first, each from a quiet service; then the phases that leave a backlog (closed loop, overload).
    for (const [offered, seconds_] of values['burst-only'] ? [] : ([[100, 6], [300, 5]] as Array<[number, number]>)) {
      log(`${label}: open loop at ${offered}/s…`);
      const duration = seconds(seconds_, 4);
      const o = await runLoad(job({ mode: 'open', rate: offered, durationMs: duration }, Math.ceil((offered * duration) / 1000)));
      const l = sortedOf(o.latenciesMs);
      intakeRows.push([`Standby, ${label}`, `open loop, ${offered}/s offered for ${duration / 1000} s`, `${(o.answered / (o.elapsedMs / 1000)).toFixed(0)}/s answered`, ms(pct(l, 50)), ms(pct(l, 99)), String(o.errors), `${o.deferred} of ${o.answered} deferred; p99 second by second ${bySecond(o).join(', ')}`]);
      await settle(label, `${offered}/s`);
    }

    log(`${label}: first page, a burst of 500 reports…`);
    const burst = await runLoad(job({ mode: 'burst', count: 500, onlyEligible: true }, 500));
    const burstPages = await firstPageLatencies(burst.eligible);
    const burstLatency = burstPages.latencies;
    const answers = sortedOf(burst.latenciesMs);
    firstPageRows.push([label, '500 at once', ms(pct(burstLatency, 50)), ms(pct(burstLatency, 99)), ms(burstLatency.at(-1)!), String(burst.errors), String(burst.eligible.length - burstLatency.length), `webhooks answered p99 ${ms(pct(answers, 99))}; ${burst.deferred} deferred; ${split(burstPages)}`]);
    await settle(label, 'the burst of 500');
    if (values['burst-only']) {
      table('First page (burst only)', ['processes', 'reports', 'p50', 'p99', 'max', 'errors', 'no page within 30 s', ''], firstPageRows);
      throw new EarlyEnd();
    }

    // The bare route does not care who texts: its customers are recycled. Standby's are not (enough for 4,000/s).
    const closed = (targets: string[], recycle: boolean) => {
      const duration = seconds(8, 5);
      return runLoad(job({ mode: 'closed', connections: 32, durationMs: duration, recycle }, 4 * duration, targets));
    };
    if (full) {
      log(`${label}: closed loop, the bare route…`);
      const b = await closed([`http://127.0.0.1:${barePort}`], true);
      bareRate = b.answered / (b.elapsedMs / 1000);
      const l = sortedOf(b.latenciesMs);
      intakeRows.push(['bare route (Fastify + signature + one INSERT)', 'closed loop, 32 connections', `${bareRate.toFixed(0)}/s`, ms(pct(l, 50)), ms(pct(l, 99)), String(b.errors), '']);
    }
    log(`${label}: closed loop, Standby…`);
    const c = await closed(webTargets(), false);
    const rate = c.answered / (c.elapsedMs / 1000);
    const cl = sortedOf(c.latenciesMs);
    intakeRows.push([`Standby, ${label}`, 'closed loop, 32 connections', `${rate.toFixed(0)}/s`, ms(pct(cl, 50)), ms(pct(cl, 99)), String(c.errors), `${(rate / bareRate).toFixed(2)} of the bare route; ${c.deferred} of ${c.answered} deferred`]);
    await settle(label, 'the closed loop');

    // The overload once, on 1 web + 1 worker: its thousands of kept texts take minutes to handle, and the run must fit in 10.
    if (!full) return;
    const overSeconds = 3;
    log(`${label}: overload, 1,000/s offered for ${overSeconds} s…`);
    const over = await runLoad(job({ mode: 'open', rate: 1000, durationMs: overSeconds * 1000, timeoutMs: 20_000 }, overSeconds * 1000));
    const ol = sortedOf(over.latenciesMs);
    const within10 = over.latenciesMs.filter((v) => v <= 10_000).length;
    const t0 = performance.now();
    const fate = await reportFate(over.eligible, 30_000);
    const drained = fate.kept === 0 ? `in ${((performance.now() - t0) / 1000).toFixed(0)} s` : `${fate.kept} still kept after ${((performance.now() - t0) / 1000).toFixed(0)} s`;
    log(`${label}: recovery, 100/s for 5 s…`);
    const after = await runLoad(job({ mode: 'open', rate: 100, durationMs: 5000 }, 500));
    const al = sortedOf(after.latenciesMs);
    overloadRows.push([
      label,
      `${over.sent} in ${overSeconds} s`,
      `${within10} (${((100 * within10) / over.sent).toFixed(1)}%)`,
      ms(pct(ol, 50)),
      ms(pct(ol, 99)),
      ms(ol.at(-1)!),
      `${over.deferred}`,
      `${over.errors}`,
      `${fate.lost}`,
      drained,
      `p50 ${ms(pct(al, 50))}, p99 ${ms(pct(al, 99))}, ${after.errors} errors`,
    ]);
    await settle(label, 'the overload');
  };

  await intakePhases('1 web + 1 worker', true);
  const memory = [...topo.webs, ...topo.workers].map((p) => [p.name, ...memoryOf(p.pid)]);

  if (!quick && !values['no-scale-out']) {
    // The scale-out figures start from an empty backlog (the overload's kept texts are handled first).
    log('scale-out: waiting for the backlog, then adding a second web and a second worker process…');
    await settle('1 web + 1 worker', 'the recovery (before scaling out)', quick ? 30_000 : 45_000);
    await topo.addWeb();
    await topo.addWorker();
    await intakePhases('2 web + 2 workers', false);
    memory.push(...[...topo.webs, ...topo.workers].map((p) => [`${p.name} (after 2 + 2)`, ...memoryOf(p.pid)]));
  }

  table('Intake: the SMS mix (70% eligible reports from distinct customers, 15% out of scope, 15% follow-ups)', ['service', 'load', 'throughput', 'p50', 'p99', 'errors', ''], intakeRows,
    `Latency is the webhook's answer as the sender sees it; in the open loop it counts from each request's scheduled send time. SEND_RATE_PER_SECOND=${SEND_RATE}.`);
  table('Overload: 1,000 reports/s offered', ['processes', 'sent', 'answered within 10 s', 'p50', 'p99', 'max', 'deferred (kept, answered at once)', 'errors', 'eligible reports lost', 'kept texts handled', 'then 100/s (recovery, no restart)'], overloadRows,
    'Lost: an eligible report answered 200 whose customer has neither an incident nor the text still kept for handling.');
  table(`First page: the webhook's arrival → first page request (SMS or call) at the simulator (Twilio)`, ['processes', 'reports', 'p50', 'p99', 'max', 'errors', `no page within ${FIRST_PAGE_WAIT_MS / 1000} s`, ''], firstPageRows,
    `Percentiles are over the reports paged within the wait; the ones not yet paged then are counted apart (they are paged later: none is lost). A webhook arrives when the load generator has written it whole to its connection (the issue times the first page from the webhook's arrival); the burst's requests are signed before the clock starts. Until session 8 the figures counted from the generator's send call, which for 500 at once included its own work on the shared cores (opening 500 connections and writing them one after another): that figure is the last one in each row.`);
  const backlog = quietNotes.length > 0 ? `Backlog carried into the next phase (a phase waits at most ${QUIET_MS / 1000} s for the previous one's, 45 s before scaling out): ${quietNotes.join('; ')}.` : 'Every phase started with no backlog.';
  console.log(`\n${backlog}`);
  tables.push({ title: 'Backlog between phases', header: [], rows: [], note: backlog });
  table('Memory (resident set; peak since the process started)', ['process', 'now', 'peak'], memory);
} catch (error) {
  if (!(error instanceof EarlyEnd)) throw error;
} finally {
  bare?.kill('SIGTERM');
  await topo.close();
}

const load1 = loadavg();
const elapsed = (performance.now() - startedAt) / 1000;
const context = `Run on ${new Date().toISOString().slice(0, 10)} in ${Math.round(elapsed)} s on a ${readFileSync('/proc/cpuinfo', 'utf8').split('\n').filter((l) => l.startsWith('processor')).length}-core machine; load average at start ${load0.map((v) => v.toFixed(1)).join(', ')}, at end ${load1.map((v) => v.toFixed(1)).join(', ')} (other work on the machine shares the cores).`;
console.log(`\n${context}`);
if (!quick && !values['reads-only'] && !values['escalation-only'] && !values['burst-only']) writeResults(context);
process.exit(0);

// ---------------------------------------------------------------------------------------------

/** Where a first page's time went: until the worker claimed it, then the send itself. */
function split(pages: FirstPages): string {
  if (pages.latencies.length === 0) return '';
  return `to the claim p50 ${ms(pct(pages.claimed, 50))}, p99 ${ms(pct(pages.claimed, 99))}; claim → simulator p50 ${ms(pct(pages.sending, 50))}, p99 ${ms(pct(pages.sending, 99))}; from the load generator's send call (its own work included) p50 ${ms(pct(pages.fromSend, 50))}, p99 ${ms(pct(pages.fromSend, 99))}`;
}

/** Waits until every kept text is handled and every page and message owed has gone to the simulator; says what was left when it gave up. */
/** Each second's p99 of an open loop (by scheduled send time), as "12 ms": where a tail sits. */
function bySecond(result: LoadResult): string[] {
  return latenciesBySecond(result).map((xs) => ms(pct(xs, 99)));
}

async function waitForQuiet(timeoutMs = 60_000): Promise<string> {
  const t0 = performance.now();
  let left = { kept: 0, owed: 0 };
  try {
    await pollUntil(async () => {
      const [row] = await topo.sql<{ kept: string; owed: string }[]>`
        select (select count(*) from deferred_texts) as kept, (select count(*) from notifications where status in ('pending', 'sending')) as owed`;
      left = { kept: Number(row!.kept), owed: Number(row!.owed) };
      return left.kept + left.owed === 0 ? true : undefined;
    }, { what: 'the backlog to drain', timeoutMs, intervalMs: 200 });
    return `in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
  } catch {
    return `${left.kept} texts still kept and ${left.owed} sends still owed after ${timeoutMs / 1000} s`;
  }
}

/** For each answered eligible report: from its webhook to the first page request (SMS or call) the simulator received. */
async function firstPageLatencies(reports: readonly SentReport[]): Promise<FirstPages> {
  if (reports.length === 0) return { latencies: [], claimed: [], sending: [], fromSend: [] };
  const phones = reports.map((r) => r.phone);
  await pollUntil(async () => {
    const [row] = await topo.sql<{ n: string }[]>`
      select count(distinct i.id) as n from incidents i join notifications n on n.incident_id = i.id and n.kind = 'page' and n.twilio_sid is not null
      where i.reporter_phone = any(${phones}::text[])`;
    return Number(row!.n) >= reports.length ? true : undefined;
  }, { what: `the first pages of ${reports.length} incidents`, timeoutMs: FIRST_PAGE_WAIT_MS, intervalMs: 200 }).catch(() => undefined);
  // One row per page (not arrays: how a timestamptz[] comes back depends on the driver having read the array types).
  const pages = await topo.sql<{ phone: string; sid: string; claimed: number }[]>`
    select i.reporter_phone as phone, n.twilio_sid as sid, (extract(epoch from n.claimed_at) * 1000)::float8 as claimed from incidents i
    join notifications n on n.incident_id = i.id and n.kind = 'page' and n.level = 0 and n.round = 0 and n.twilio_sid is not null
    where i.reporter_phone = any(${phones}::text[])`;
  const arrived = new Map<string, number>();
  for (const m of topo.sim.messages) arrived.set(m.sid, m.dateCreated.getTime());
  for (const c of topo.sim.calls) arrived.set(c.sid, c.dateCreated.getTime());
  const byPhone = new Map(reports.map((r) => [r.phone, r]));
  /** Per report, its first page at the simulator and when the worker claimed that page. */
  const firstOf = new Map<string, { at: number; claimed: number }>();
  for (const page of pages) {
    const at = arrived.get(page.sid);
    if (at === undefined) continue;
    const seen = firstOf.get(page.phone);
    if (!seen || at < seen.at) firstOf.set(page.phone, { at, claimed: Number(page.claimed) });
  }
  const latencies: number[] = [];
  const claimed: number[] = [];
  const sending: number[] = [];
  const fromSend: number[] = [];
  for (const [phone, first] of firstOf) {
    const { arrivedAt, sentAt } = byPhone.get(phone)!;
    latencies.push(first.at - arrivedAt);
    // The first page's claim, by the worker's clock (same machine): the time until then is intake and queue, the rest the send.
    claimed.push(first.claimed - arrivedAt);
    sending.push(first.at - first.claimed);
    fromSend.push(first.at - sentAt);
  }
  return { latencies: sortedOf(latencies), claimed: sortedOf(claimed), sending: sortedOf(sending), fromSend: sortedOf(fromSend) };
}

/** The first pages of a phase: webhook → page at the simulator, split at the worker's claim of that page. */
interface FirstPages {
  latencies: number[];
  /** The webhook's arrival → the page claimed by the worker (intake, the commit, the queue). */
  claimed: number[];
  /** Claimed → at the simulator (the `twilio` library's request). */
  sending: number[];
  /** From the load generator's send call instead of the webhook's arrival (its own work included: see `SentReport.arrivedAt`). */
  fromSend: number[];
}

/**
 * What became of answered eligible reports, once every kept text is handled or `timeoutMs` has
 * passed: lost (no incident for the customer and the text no longer kept) or still kept.
 */
async function reportFate(reports: readonly SentReport[], timeoutMs: number): Promise<{ lost: number; kept: number }> {
  const phones = reports.map((r) => r.phone);
  const count = async () => {
    const [row] = await topo.sql<{ opened: string; kept: string }[]>`
      select (select count(distinct reporter_phone) from incidents where reporter_phone = any(${phones}::text[])) as opened,
        (select count(*) from deferred_texts where from_phone = any(${phones}::text[])) as kept`;
    return { opened: Number(row!.opened), kept: Number(row!.kept) };
  };
  await pollUntil(async () => ((await count()).kept === 0 ? true : undefined), { what: 'the kept texts to be handled', timeoutMs, intervalMs: 500 }).catch(() => undefined);
  const { opened, kept } = await count();
  return { lost: Math.max(0, reports.length - opened - kept), kept };
}

function memoryOf(pid: number | undefined): [string, string] {
  if (pid === undefined) return ['–', '–'];
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return [`${Math.round(kb('VmRSS') / 1024)} MiB`, `${Math.round(kb('VmHWM') / 1024)} MiB`];
}

/** Rewrites this benchmark's section of bench/RESULTS.md (between its markers), leaving the rest. */
function writeResults(context: string): void {
  const file = join(ROOT, 'bench/RESULTS.md');
  const start = '<!-- bench:intake:start -->';
  const end = '<!-- bench:intake:end -->';
  const body = [
    start,
    '## Intake at the speed of Postgres (`npm run bench`)',
    '',
    'Production topology (`bench/topology.ts`): the build, separate `web` and `worker` processes, their own',
    'Postgres 18 (fsync on) and redis-server, the Twilio simulator with status callbacks on. The load generator',
    'is its own process sending signed `/twilio/sms` webhooks straight to the web processes (round-robin).',
    'A text that gets no turn within `INTAKE_MAX_WAIT_MS` (50 ms) is *deferred*: kept in Postgres and answered at once',
    'that it was received, then handled (incident opened, pages sent, answers texted) as soon as a web process has room.',
    'Throughput and latency rows count webhook answers; the first-page rows and "kept texts handled" count the work',
    'itself. The worker, the delivery status callbacks, the simulator (Twilio and every phone) and the load generator',
    'share the same two cores as the web process.',
    context,
    '',
    ...tables.flatMap((t) => [
      `### ${t.title}`,
      '',
      ...(t.header.length > 0 ? [`| ${t.header.join(' | ')} |`, `| ${t.header.map(() => '---').join(' | ')} |`, ...t.rows.map((r) => `| ${r.cells.join(' | ')} |`), ''] : []),
      ...(t.note ? [t.note, ''] : []),
    ]),
    end,
  ].join('\n');
  let text = readFileSync(file, 'utf8');
  if (text.includes(start)) text = text.slice(0, text.indexOf(start)) + body + text.slice(text.indexOf(end) + end.length);
  else text = `${text.trimEnd()}\n\n${body}\n`;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}
