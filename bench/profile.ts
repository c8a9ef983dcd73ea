/**
 * `npm run bench:profile`: where the CPU goes while the standby line takes the benchmark's mix.
 * Starts the production topology (as `npm run bench`) with `--cpu-prof` on the web and worker
 * processes, offers the mix open loop (`--rate`, default 100/s, for `--seconds`, default 10), lets
 * the pages and delivery reports finish, stops the processes, and prints each process's CPU time
 * and its heaviest functions (self time) and files. The profiles stay in `--dir` for DevTools.
 *
 *   npm run bench:profile -- --rate 100 --seconds 10
 *
 * `--burst N` sends N eligible reports at once instead (as the bench's burst), and counts per report.
 * `--closed N` runs a closed loop of N connections for `--seconds` instead (the bench's throughput phase: 32).
 * `--no-drain` counts the CPU of the load alone and stops the processes right after it (their profiles then cover little more).
 * `--env KEY=VALUE` sets the service's environment. `--no-profile` runs the same load without the profiler (to watch the processes' CPU from outside).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { LoadJob, LoadResult } from './load.js';
import { SHARED_NUMBER, seedMixCustomers } from './support/mix.js';
import { startTopology } from './topology.js';
import { pollUntil } from './poll.js';
import { latenciesBySecond, pct, sortedOf } from './support/stats.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { burst: { type: 'string', default: '0' }, rate: { type: 'string', default: '100' }, seconds: { type: 'string', default: '10' }, dir: { type: 'string', default: '/tmp/standby-profiles' }, top: { type: 'string', default: '25' }, 'no-profile': { type: 'boolean', default: false }, 'via-proxy': { type: 'boolean', default: false }, closed: { type: 'string', default: '0' }, 'no-drain': { type: 'boolean', default: false }, 'by-second': { type: 'boolean', default: false }, env: { type: 'string', multiple: true, default: [] } } });
/** `--env KEY=VALUE` (repeatable): more service environment for the web and worker processes. */
const extraEnv = Object.fromEntries(values.env!.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
const burst = Number(values.burst);
/** `--closed N`: a closed loop of N connections for `--seconds` instead (as the bench's, 32). */
const closedConnections = Number(values.closed);
const rate = burst > 0 ? burst : Number(values.rate);
const seconds = burst > 0 ? 1 : Number(values.seconds);
const dir = values.dir!;
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

const topo = await startTopology({ web: 1, workers: 1, durable: true, nodeArgs: values['no-profile'] ? [] : ['--cpu-prof', `--cpu-prof-dir=${dir}`], logDir: join(dir, 'logs'), env: { LOG_LEVEL: 'info', SEND_RATE_PER_SECOND: '1000', ...extraEnv }, readyTimeoutMs: 120_000, proxyKeepAlive: true, simDirect: !values['via-proxy'] });
let result: LoadResult;
let cpuSummary = '';

/**
 * CPU seconds (user + system) used so far by each process on the machine, grouped as the run's
 * parts: Postgres, Redis, the web and worker processes, the load generator, and this process (the
 * simulator); anything else is `other` (work on the machine that is not the run's).
 */
function cpuByProcess(): Map<number, { group: string; seconds: number; syscalls: number }> {
  const ticks = 100;
  const procs: Array<{ pid: number; ppid: number; seconds: number; syscalls: number; cmd: string }> = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Reads and writes (sockets, pipes, files): each message between the processes costs one of each.
      const io = readFileSync(`/proc/${pid}/io`, 'utf8');
      const syscalls = Number(/syscr: (\d+)/.exec(io)?.[1] ?? 0) + Number(/syscw: (\d+)/.exec(io)?.[1] ?? 0);
      procs.push({ pid, ppid: Number(fields[1]), seconds: (Number(fields[11]) + Number(fields[12])) / ticks, syscalls, cmd: readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ') });
    } catch {
      // Gone meanwhile.
    }
  }
  const postmasters = new Set(procs.filter((p) => p.cmd.includes(topo.dir) && p.cmd.includes('postgres')).map((p) => p.pid));
  const webs = new Set(topo.webs.map((w) => w.pid));
  const workers = new Set(topo.workers.map((w) => w.pid));
  const groupOf = (p: (typeof procs)[number]) =>
    p.pid === process.pid ? 'simulator (this process)'
    : postmasters.has(p.pid) || postmasters.has(p.ppid) ? 'postgres'
    : p.cmd.includes('redis-server') && p.cmd.includes(topo.redis.url.split(':').at(-1)!) ? 'redis'
    : webs.has(p.pid) ? 'web'
    : workers.has(p.pid) ? 'worker'
    : p.cmd.includes('bench/load.ts') ? 'load generator'
    : 'other';
  return new Map(procs.map((p) => [p.pid, { group: groupOf(p), seconds: p.seconds, syscalls: p.syscalls }]));
}
try {
  await topo.sql`update escalation_levels set ack_timeout_seconds = 3600`;
  if (process.env.STANDBY_PG_STAT_STATEMENTS) await topo.sql`create extension if not exists pg_stat_statements`;
  const count = burst > 0 ? burst : closedConnections > 0 ? 4000 * seconds : Math.ceil(rate * seconds);
  const people = await seedMixCustomers(topo.sql, count + 200, count + 200);
  const job: LoadJob = {
    mode: 'open', rate, durationMs: seconds * 1000, targets: topo.webs.map((w) => `http://127.0.0.1:${w.port}`), publicBaseUrl: topo.url,
    authToken: topo.env.TWILIO_AUTH_TOKEN!, path: '/twilio/sms', to: SHARED_NUMBER, timeoutMs: 15_000,
    people: { eligible: people.eligible.slice(100), outOfScope: people.outOfScope, following: people.eligible.slice(0, 100) },
    ...(burst > 0 ? { mode: 'burst', count: burst, onlyEligible: true } : {}),
    ...(closedConnections > 0 ? { mode: 'closed', connections: closedConnections } : {}),
  };
  const before = cpuByProcess();
  result = await new Promise<LoadResult>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/load.ts')], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`load generator exited ${code}`))));
    child.stdin.end(JSON.stringify(job));
  });
  if (!values['no-drain']) {
    await pollUntil(async () => {
      const [row] = await topo.sql<{ owed: string }[]>`select (select count(*) from deferred_texts) + (select count(*) from notifications where status in ('pending', 'sending')) as owed`;
      return Number(row!.owed) === 0 ? true : undefined;
    }, { what: 'the backlog to drain', timeoutMs: 60_000, intervalMs: 200 });
    // Late delivery reports.
    await new Promise((r) => setTimeout(r, 2000));
  }
  const after = cpuByProcess();
  if (process.env.STANDBY_PG_STAT_STATEMENTS) {
    const rows = await topo.sql<{ calls: string; total: number; mean: number; query: string }[]>`select calls, round(total_exec_time + total_plan_time) as total, round((total_exec_time + total_plan_time)::numeric / calls, 3) as mean, left(regexp_replace(query, '\s+', ' ', 'g'), 160) as query from pg_stat_statements order by total_exec_time + total_plan_time desc limit 25`;
    for (const r of rows) console.log(`${String(r.total).padStart(7)} ms ${String(r.calls).padStart(7)} calls ${String(r.mean).padStart(8)} ms  ${r.query}`);
  }
  const used = new Map<string, number>();
  const calls = new Map<string, number>();
  for (const [pid, { group, seconds: s, syscalls }] of after) {
    used.set(group, (used.get(group) ?? 0) + s - (before.get(pid)?.seconds ?? 0));
    calls.set(group, (calls.get(group) ?? 0) + syscalls - (before.get(pid)?.syscalls ?? 0));
  }
  const total = [...used.values()].reduce((a, b) => a + b, 0);
  const requests = result.answered;
  cpuSummary = [...used].sort((a, b) => b[1] - a[1]).map(([group, s]) => `${group} ${s.toFixed(1)} s (${((1000 * s) / requests).toFixed(2)} ms per webhook; ${(calls.get(group)! / requests).toFixed(0)} reads and writes per webhook)`).join(', ') + `; all ${total.toFixed(1)} s, ${((1000 * total) / requests).toFixed(2)} ms per webhook`;
} finally {
  await topo.close();
}
const lat = [...result.latenciesMs].sort((a, b) => a - b);
if (values['by-second']) {
  // When the slow answers came, and of which kind: a warm-up, a pause, or spread evenly.
  latenciesBySecond(result).forEach((xs, s) => console.log(`second ${s}: ${xs.length} answered, p50 ${pct(xs, 50).toFixed(0)} ms, p99 ${pct(xs, 99).toFixed(0)} ms, max ${pct(xs, 100).toFixed(0)} ms`));
  for (const kind of ['eligible', 'out_of_scope', 'follow_up'] as const) {
    const xs = sortedOf(result.answers.filter((a) => a.kind === kind && !a.deferred).map((a) => a.latencyMs));
    console.log(`${kind} (handled at once): ${xs.length}, p50 ${pct(xs, 50).toFixed(0)} ms, p99 ${pct(xs, 99).toFixed(0)} ms`);
  }
}
console.log(`CPU used from the first webhook until ${values['no-drain'] ? 'the load ended (the processes then stop: the profiles cover little more)' : 'the backlog drained'}: ${cpuSummary}`);
console.log(`${closedConnections > 0 ? `closed loop, ${closedConnections} connections` : `offered ${rate}/s`} for ${seconds} s: ${result.answered} answered (${(result.answered / seconds).toFixed(0)}/s), ${result.errors} errors, ${result.deferred} deferred; p50 ${lat[Math.floor(lat.length / 2)]?.toFixed(0)} ms, p99 ${lat[Math.ceil(lat.length * 0.99) - 1]?.toFixed(0)} ms`);

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }
const top = Number(values.top);
for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const fn = new Map<string, number>();
  const files = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)' || functionName === '(program)' && false) continue;
    busy += us;
    const short = url.replace(/^file:\/\//, '').replace(`${ROOT}/`, '');
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(short)?.[1] ?? (short.startsWith('node:') || short === '' ? short || functionName : short);
    fn.set(`${functionName || '(anonymous)'} ${short}:${lineNumber + 1}`, (fn.get(`${functionName || '(anonymous)'} ${short}:${lineNumber + 1}`) ?? 0) + us);
    files.set(pkg, (files.get(pkg) ?? 0) + us);
  }
  const wall = (profile.endTime - profile.startTime) / 1e6;
  console.log(`\n## ${file}: ${(busy / 1e6).toFixed(1)} s CPU of ${wall.toFixed(1)} s`);
  const print = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).forEach(([k, us]) => console.log(`${(us / 1e3).toFixed(0).padStart(7)} ms ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${k}`));
  console.log('-- by package / file');
  print(files);
  console.log('-- by function (self)');
  print(fn);
}
