/**
 * The production topology on one machine: separate `web` and `worker` processes (the code as it
 * ships, `node dist/src/main.js <role>`) behind a load balancer, against their own Postgres and
 * redis-server, paging through the Twilio simulator over HTTP. Fault drills (`npm run drills`),
 * benchmarks and the drill tests start it, break parts of it, and observe the service only from
 * outside: what the phones received (the simulator), Postgres reads, the admin API and the
 * processes' exit and logs.
 *
 * ```ts
 * const topo = await startTopology({ web: 2, workers: 2, env: { MIN_ACK_TIMEOUT_SECONDS: '5' } });
 * const customer = await topo.api.create<{ id: number }>('/customers', { code: '5001', name: 'Drill', language: 'en' });
 * await topo.sim.phone('+5491160000001').sendSms('+541140000001', 'BLOCKER orders api down');
 * await topo.workers[0]!.kill('SIGKILL');   // a crash; .kill('SIGTERM') is a graceful stop
 * await topo.workers[0]!.start();           // same name, same log file; a web keeps its port
 * await topo.redis.flushAll();  await topo.redis.kill();  await topo.redis.start();  // empty, same port
 * await topo.postgres.stop();   await topo.postgres.start();                        // same port and data
 * const rows = await topo.sql`select id, escalation_next_at from incidents`;
 * await topo.close();
 * ```
 *
 * What it guarantees:
 * - `startTopology` resolves only when every process serves (web: `/healthz` answers through its
 *   own port; worker: it logged "standby started"); any wait that gives up throws, naming the
 *   process and pointing at its log.
 * - Every process's stdout and stderr go to `<logDir>/<name>.log` (appended across restarts, with
 *   a marker line), and the simulator's traffic to `<logDir>/sim.log`, for post-mortems.
 * - `close()` stops every process it started (SIGTERM, then SIGKILL after 10 s), the simulator,
 *   the proxy, Redis and Postgres, and removes its temporary folder. A run that was killed leaves
 *   its folder in /tmp with the pids it started: the next `startTopology` stops those processes
 *   and removes the folder (only when the process that owned it is gone).
 *
 * Postgres is an embedded Postgres 18 in a temporary folder (fsync off: a drill measures the
 * service, not the disk; `durable: true` turns it on, as the benchmark does), unless
 * `databaseUrl` names an existing database (the test suite's);
 * `postgres.stop/start` then throw. `PUBLIC_BASE_URL` is the proxy's URL, as in production it is
 * the platform's: signatures are checked against it whichever web process answers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, appendFileSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import postgres, { type Sql } from 'postgres';
import { freePort, isAlive, waitUntil } from '../scripts/local/net.js';
import { startLocalPostgres, type LocalPostgres } from '../scripts/local/postgres.js';
import { startLocalRedis, type LocalRedis } from '../scripts/local/redis.js';
import { systemClock } from '../src/clock.js';
import { loadDemoData } from '../src/app/demo-data.js';
import { createDatabase } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import { startSimulator, type Simulator } from '../sim/server.js';
import type { ConnectTo } from '../sim/webhook.js';
import { startFrontProxy, type FrontProxy } from './front-proxy.js';
import { pollUntil } from './poll.js';

export type Role = 'web' | 'worker';
export type StopSignal = 'SIGKILL' | 'SIGTERM';

export interface TopologyOptions {
  /** Web processes behind the proxy (default 1). */
  web?: number;
  /** Worker processes (default 1). */
  workers?: number;
  /**
   * `build` (default): `npm run build` once per drill process, then `node dist/src/main.js <role>`,
   * as in production. `tsx`: `node --import tsx src/main.ts <role>`, no build step (the test suite).
   */
  runner?: 'build' | 'tsx';
  /** Node options for the web and worker processes, e.g. `['--cpu-prof', '--cpu-prof-dir=/tmp/p']` (not allowed in NODE_OPTIONS). */
  nodeArgs?: string[];
  /** An existing, reachable database to use instead of an embedded Postgres (migrated here if needed). */
  databaseUrl?: string;
  /** The embedded Postgres with fsync and synchronous commit on, as in production (benchmarks). Default: off, a drill measures the service, not the disk. */
  durable?: boolean;
  /** More service environment (see src/config.ts), e.g. `{ MIN_ACK_TIMEOUT_SECONDS: '5', SEND_RATE_PER_SECOND: '100' }`. */
  env?: Record<string, string>;
  /** Where the logs go; they outlive `close()` only when this is given. Default: inside the temporary folder. */
  logDir?: string;
  /** The simulator's tick (real ms): rings and Gathers time out in real time. Default 1000. */
  autoTickMs?: number;
  /** How long a process may take to serve before the start fails. Default 60 s. */
  readyTimeoutMs?: number;
  /** The proxy pools its connections to the web processes (benchmarks); default a connection per request (see `startFrontProxy`). */
  proxyKeepAlive?: boolean;
  /**
   * The simulator sends its webhooks (delivery reports, TwiML fetches) straight to the web
   * processes, round-robin over those running, as a load balancer on another machine would,
   * instead of through the proxy in this process (benchmarks: the proxy's hop is not the
   * service's work, and it shares the machine's two cores). Drills keep the proxy, which is what
   * they kill web processes behind.
   */
  simDirect?: boolean;
}

/** One service process: a stable name and log file across restarts; a web process keeps its port. */
export interface ServiceProcess {
  readonly name: string;
  readonly role: Role;
  /** A web process's own port (the proxy sends to it); undefined for a worker. */
  readonly port: number | undefined;
  readonly logFile: string;
  /** The OS pid while it runs. */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** Starts it (if stopped) and waits until it serves. */
  start(): Promise<void>;
  /** SIGKILL: dies at once, mid-request (a crash). SIGTERM: a graceful stop. Resolves once it has exited. */
  kill(signal?: StopSignal): Promise<void>;
}

/** The admin API through the public URL, as an operator's script uses it. */
export interface AdminApi {
  request<T = unknown>(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** POSTs and returns the created resource; throws with the answer unless it is 201. */
  create<T = { id: number }>(path: string, body: unknown): Promise<T>;
}

export interface Topology {
  /** The temporary folder (Postgres data, Redis, pids). */
  readonly dir: string;
  readonly logDir: string;
  /** PUBLIC_BASE_URL: the proxy in front of the web processes. */
  readonly url: string;
  /** The service environment every process gets (plus its own PORT). */
  readonly env: Readonly<Record<string, string>>;
  readonly databaseUrl: string;
  /** A small connection pool for reading what Postgres holds (the drills' observation). */
  readonly sql: Sql;
  readonly sim: Simulator;
  readonly api: AdminApi;
  readonly webs: readonly ServiceProcess[];
  readonly workers: readonly ServiceProcess[];
  addWeb(): Promise<ServiceProcess>;
  addWorker(): Promise<ServiceProcess>;
  readonly redis: {
    readonly url: string;
    /** FLUSHALL: every job, schedule and lock in Redis is gone; the server stays up. */
    flushAll(): Promise<void>;
    /** SIGKILL to redis-server. */
    kill(): Promise<void>;
    /** Starts an empty redis-server on the same port. */
    start(): Promise<void>;
  };
  readonly postgres: {
    /** A fast shutdown (open transactions roll back, connections are cut). */
    stop(): Promise<void>;
    /** Starts it again on the same port with the same data. */
    start(): Promise<void>;
  };
  close(): Promise<void>;
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TMP = '/tmp';
const PREFIX = 'standby-topology-';
const MARKER = 'STANDBY_TOPOLOGY';
const DATABASE = 'standby';

let built: Promise<void> | undefined;

/** `npm run build` (tsc to dist/), once per process however many topologies start. */
export function buildOnce(): Promise<void> {
  built ??= new Promise<void>((done, fail) => {
    const child = spawn('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', (code) => (code === 0 ? done() : fail(new Error(`npm run build failed (exit ${code}):\n${output}`))));
  });
  return built;
}

/** Starts the whole topology; see the module comment. */
export async function startTopology(options: TopologyOptions = {}): Promise<Topology> {
  const runner = options.runner ?? 'build';
  const building = runner === 'build' ? buildOnce() : Promise.resolve();
  await removeStaleTopologies();
  const dir = mkdtempSync(join(TMP, PREFIX));
  chmodSync(dir, 0o755); // the postgres user must reach the data dir below it
  writeFileSync(join(dir, 'owner'), String(process.pid));
  mkdirSync(join(dir, 'pids'));
  const logDir = options.logDir ?? join(dir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const infraLog = (line: string) => appendFileSync(join(logDir, 'infrastructure.log'), `${line}\n`);

  const stack: Array<() => Promise<unknown>> = [];
  const unwind = async () => {
    for (const undo of stack.reverse()) await undo().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const pgDir = join(dir, 'pg');
    let pg: LocalPostgres | undefined;
    let pgPort = 0;
    let databaseUrl = options.databaseUrl;
    if (!databaseUrl) {
      pgPort = await freePort();
      pg = await startLocalPostgres({ dataDir: pgDir, persistent: true, port: pgPort, fast: !options.durable, log: infraLog });
      stack.push(() => pg!.stop());
      await pg.createDatabase(DATABASE);
      databaseUrl = pg.url(DATABASE);
    }
    const redisDir = join(dir, 'redis');
    let redis: LocalRedis = await startLocalRedis({ dir: redisDir, log: infraLog });
    const redisPort = Number(new URL(redis.url).port);
    stack.push(() => redis.stop('SIGKILL'));

    await runMigrations(databaseUrl);
    const database = createDatabase(databaseUrl, { max: 1 });
    await loadDemoData(database.db, systemClock.now());
    await database.close();
    const sql = postgres(databaseUrl, { max: 3, onnotice: () => undefined, connection: { application_name: 'topology-observer' } });
    stack.push(() => sql.end({ timeout: 1 }));

    const processes: Process[] = [];
    const proxy: FrontProxy = await startFrontProxy({ keepAlive: options.proxyKeepAlive ?? false });
    stack.push(() => proxy.close());
    const secrets = {
      TWILIO_ACCOUNT_SID: `AC${randomBytes(16).toString('hex')}`,
      TWILIO_AUTH_TOKEN: randomBytes(16).toString('hex'),
      ADMIN_API_TOKEN: randomBytes(24).toString('base64url'),
      LINK_SECRET: randomBytes(32).toString('base64url'),
    };
    const simLog = bufferedLog(join(logDir, 'sim.log'));
    stack.push(() => simLog.close());
    let nextWeb = 0;
    const proxyOrigin = new URL(proxy.url).origin;
    const connectTo: ConnectTo = (url) => {
      if (url.origin !== proxyOrigin) return undefined;
      const ports = processes.filter((p) => p.role === 'web' && p.running && p.port !== undefined).map((p) => p.port!);
      return ports.length === 0 ? undefined : { host: '127.0.0.1', port: ports[nextWeb++ % ports.length]! };
    };
    const sim = await startSimulator({
      ...(options.simDirect ? { connectTo } : {}),
      accountSid: secrets.TWILIO_ACCOUNT_SID,
      authToken: secrets.TWILIO_AUTH_TOKEN,
      serviceBaseUrl: proxy.url,
      autoTickMs: options.autoTickMs ?? 1000,
      // Webhooks still in flight when the topology closes may log after the file is closed.
      log: (level, msg, obj) => simLog.write(`${new Date().toISOString()} ${level} ${msg} ${JSON.stringify(obj)}\n`),
    });
    stack.push(() => sim.close());

    const env: Record<string, string> = {
      PUBLIC_BASE_URL: proxy.url,
      DATABASE_URL: databaseUrl,
      REDIS_URL: redis.url,
      TWILIO_API_BASE_URL: sim.url,
      ...secrets,
      LOG_LEVEL: 'info', // a worker is ready when it logs "standby started"
      API_RATE_LIMIT_PER_MINUTE: '1000000',
      ...options.env,
    };

    stack.push(() => Promise.all(processes.map((p) => p.stop())));
    await building;
    const spec = { dir, logDir, env, runner, nodeArgs: options.nodeArgs ?? [], readyTimeoutMs: options.readyTimeoutMs ?? 60_000, proxy };
    const counts = { web: 0, worker: 0 };
    const add = async (role: Role) => {
      const name = `${role}-${++counts[role]}`;
      const added = new Process(spec, role, name, role === 'web' ? await freePort() : undefined);
      processes.push(added);
      await added.start();
      return added;
    };
    await Promise.all([
      ...Array.from({ length: options.web ?? 1 }, () => add('web')),
      ...Array.from({ length: options.workers ?? 1 }, () => add('worker')),
    ]);

    return {
      dir,
      logDir,
      url: proxy.url,
      env,
      databaseUrl,
      sql,
      sim,
      api: adminApi(proxy.url, secrets.ADMIN_API_TOKEN),
      get webs() {
        return processes.filter((p) => p.role === 'web');
      },
      get workers() {
        return processes.filter((p) => p.role === 'worker');
      },
      addWeb: () => add('web'),
      addWorker: () => add('worker'),
      redis: {
        get url() {
          return redis.url;
        },
        async flushAll() {
          const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
          try {
            await client.flushall();
          } finally {
            client.disconnect();
          }
        },
        kill: () => redis.stop('SIGKILL'),
        async start() {
          redis = await startLocalRedis({ dir: redisDir, log: infraLog, port: redisPort });
        },
      },
      postgres: {
        async stop() {
          if (!pg) throw new Error('this topology uses an external database (databaseUrl): it cannot stop Postgres');
          await pg.stop();
        },
        async start() {
          if (!pg) throw new Error('this topology uses an external database (databaseUrl): it cannot start Postgres');
          pg = await startLocalPostgres({ dataDir: pgDir, persistent: true, port: pgPort, fast: !options.durable, log: infraLog });
        },
      },
      close: unwind,
    };
  } catch (error) {
    await unwind();
    throw error;
  }
}

interface ProcessSpec {
  dir: string;
  logDir: string;
  env: Record<string, string>;
  runner: 'build' | 'tsx';
  nodeArgs: string[];
  readyTimeoutMs: number;
  proxy: FrontProxy;
}

class Process implements ServiceProcess {
  readonly logFile: string;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();

  constructor(
    private readonly spec: ProcessSpec,
    readonly role: Role,
    readonly name: string,
    readonly port: number | undefined,
  ) {
    this.logFile = join(spec.logDir, `${name}.log`);
  }

  get pid(): number | undefined {
    return this.running ? this.#child?.pid : undefined;
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  async start(): Promise<void> {
    if (this.running) return;
    appendFileSync(this.logFile, `\n===== ${new Date().toISOString()} starting ${this.name} =====\n`);
    const from = statSync(this.logFile).size;
    const out = openSync(this.logFile, 'a');
    const entry = this.spec.runner === 'build' ? ['dist/src/main.js'] : ['--import', 'tsx', 'src/main.ts'];
    const child = spawn(process.execPath, [...this.spec.nodeArgs, ...entry, this.role], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/tmp',
        ...this.spec.env,
        ...(this.port !== undefined ? { PORT: String(this.port) } : {}),
        [MARKER]: this.spec.dir,
      },
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    this.#child = child;
    this.#exited = new Promise((done) => child.once('exit', () => done()));
    writeFileSync(join(this.spec.dir, 'pids', this.name), String(child.pid));

    const serving =
      this.role === 'web'
        ? async () => (await fetch(`http://127.0.0.1:${this.port}/healthz`)).ok
        : () => readFileSync(this.logFile).subarray(from).includes('"standby started"');
    const outcome = await pollUntil(async () => (!this.running ? 'exited' : (await serving()) ? 'serving' : undefined), {
      what: `${this.name} to serve (log: ${this.logFile})`,
      timeoutMs: this.spec.readyTimeoutMs,
      intervalMs: 50,
      seen: () => tail(this.logFile, from),
    });
    if (outcome === 'exited') throw new Error(`${this.name} exited while starting (${child.exitCode ?? child.signalCode}); its log says:\n${tail(this.logFile, from)}`);
    if (this.port !== undefined) this.spec.proxy.add(this.port);
  }

  async kill(signal: StopSignal = 'SIGKILL'): Promise<void> {
    if (!this.running) return;
    if (this.port !== undefined && signal === 'SIGTERM') this.spec.proxy.remove(this.port); // a planned stop drains; a crash does not
    this.#child!.kill(signal);
    await this.#exited;
  }

  /** Teardown: SIGTERM, then SIGKILL if it has not exited within 10 s. */
  async stop(): Promise<void> {
    if (!this.running) return;
    const timer = setTimeout(() => this.#child?.kill('SIGKILL'), 10_000);
    await this.kill('SIGTERM');
    clearTimeout(timer);
  }
}

/** The last lines a process wrote since `from`, for an error message. */
function tail(file: string, from: number): string {
  const text = readFileSync(file).subarray(from).toString().trim();
  return text ? text.split('\n').slice(-8).join('\n') : '(nothing logged)';
}

function adminApi(base: string, token: string): AdminApi {
  const request: AdminApi['request'] = async (method, path, body) => {
    const response = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON (e.g. the proxy's 502): keep the text
    }
    return { status: response.status, body: parsed as never };
  };
  return {
    request,
    async create<T>(path: string, body: unknown): Promise<T> {
      const answer = await request<T>('POST', path, body);
      if (answer.status !== 201) throw new Error(`POST ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      return answer.body;
    },
  };
}

/**
 * Folders of topologies whose owner process is gone: stops what they left running (service
 * processes, verified by the marker in their environment; Redis and Postgres by their pid files)
 * and removes the folder.
 */
async function removeStaleTopologies(): Promise<void> {
  for (const name of readdirSync(TMP)) {
    if (!name.startsWith(PREFIX)) continue;
    const dir = join(TMP, name);
    const owner = readPid(join(dir, 'owner'));
    if (owner !== undefined && isAlive(owner)) continue;
    const pidsDir = join(dir, 'pids');
    const services = existsSync(pidsDir) ? readdirSync(pidsDir).map((file) => readPid(join(pidsDir, file))) : [];
    for (const pid of services) {
      if (pid !== undefined && isAlive(pid) && environmentOf(pid).includes(`${MARKER}=${dir}`)) process.kill(pid, 'SIGKILL');
    }
    const redisPid = readPid(join(dir, 'redis', 'redis.pid'));
    if (redisPid !== undefined && isAlive(redisPid)) process.kill(redisPid, 'SIGKILL');
    const postgresPid = readPid(join(dir, 'pg', 'postmaster.pid'));
    if (postgresPid !== undefined && isAlive(postgresPid)) {
      process.kill(postgresPid, 'SIGINT'); // a fast shutdown
      await waitUntil(() => !isAlive(postgresPid), 15_000, `stale Postgres (pid ${postgresPid}) did not stop`);
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function environmentOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8');
  } catch {
    return '';
  }
}

/**
 * A log file written a few times a second rather than once a line: the simulator logs every
 * request and webhook, thousands a second in the benchmarks, and shares the cores with the service
 * (a stream write per line cost it about a tenth of its time in a burst of 500 reports). Lines
 * written after `close` (webhooks still in flight when the topology closes) are dropped.
 */
function bufferedLog(path: string): { write(line: string): void; close(): Promise<void> } {
  const stream = createWriteStream(path, { flags: 'a' });
  let lines: string[] = [];
  let closed = false;
  const flush = () => {
    if (lines.length === 0) return;
    stream.write(lines.join(''));
    lines = [];
  };
  const timer = setInterval(flush, 200);
  timer.unref();
  return {
    write(line) {
      if (!closed) lines.push(line);
    },
    close() {
      closed = true;
      clearInterval(timer);
      flush();
      return new Promise<void>((done) => stream.end(done));
    },
  };
}
