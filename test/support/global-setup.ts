import { chmodSync, mkdtempSync, readdirSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startLocalPostgres } from '../../scripts/local/postgres.js';
import { startLocalRedis } from '../../scripts/local/redis.js';
import { isAlive } from '../../scripts/local/net.js';
import { runMigrations } from '../../src/db/migrate.js';

export const TEMPLATE_DATABASE = 'standby_template';
const ROOT = '/tmp';
const PREFIX = 'standby-test-';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
    redisUrl: string;
  }
}

/**
 * Starts one real Postgres and one real Redis for the whole run. Migrations are applied once to a
 * template database; each test file clones it (a database per file), so files run in parallel.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  removeStaleRuns();
  const dir = mkdtempSync(join(ROOT, PREFIX));
  chmodSync(dir, 0o755); // the postgres user must reach the data dir below it
  const log = (line: string) => {
    if (process.env.DEBUG_INFRA) console.error(line);
  };
  const [postgres, redis] = await Promise.all([
    startLocalPostgres({ dataDir: join(dir, 'pg'), persistent: false, fast: true, log }),
    startLocalRedis({ dir: join(dir, 'redis'), log }),
  ]);
  await postgres.createDatabase(TEMPLATE_DATABASE);
  await runMigrations(postgres.url(TEMPLATE_DATABASE));
  project.provide('postgresUrl', postgres.url('postgres'));
  project.provide('redisUrl', redis.url);
  return async () => {
    await Promise.allSettled([postgres.stop(), redis.stop()]);
    rmSync(dir, { recursive: true, force: true });
  };
}

/** A killed test run leaves its servers up: stop them and remove their folders. */
function removeStaleRuns(): void {
  for (const name of readdirSync(ROOT)) {
    if (!name.startsWith(PREFIX)) continue;
    const dir = join(ROOT, name);
    const owners = [join(dir, 'pg', 'postmaster.pid'), join(dir, 'redis', 'redis.pid')]
      .filter((file) => existsSync(file))
      .map((file) => Number(readFileSync(file, 'utf8').split('\n')[0]));
    // A folder whose servers are still alive may belong to a run in progress next door: leave it.
    if (owners.some((pid) => Number.isInteger(pid) && pid > 0 && isAlive(pid) && isOrphan(pid))) {
      for (const pid of owners) if (isAlive(pid)) process.kill(pid, 'SIGTERM');
    } else if (owners.some((pid) => isAlive(pid))) {
      continue;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A server whose parent is init (pid 1) was left behind by a run that died. */
function isOrphan(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return ppid === 1;
  } catch {
    return false;
  }
}
