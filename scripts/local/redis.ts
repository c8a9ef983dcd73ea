import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, isAlive, waitUntil } from './net.js';

export interface LocalRedis {
  url: string;
  /** SIGTERM stops it cleanly; SIGKILL is a crash (fault drills). Either way the data is gone: nothing is persisted. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

/** Finds redis-server on PATH; as root on Debian, installs it with apt-get (and says so). */
export function ensureRedisServer(log: (line: string) => void): string {
  const found = which('redis-server');
  if (found) return found;
  const isRoot = process.getuid?.() === 0;
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    log('redis-server is not installed: installing it with apt-get (Debian package redis-server)…');
    const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    const install = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'redis-server'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    const installed = which('redis-server');
    if (update.status === 0 && install.status === 0 && installed) return installed;
  }
  throw new Error(
    'redis-server is not installed. Install it with: sudo apt-get install -y --no-install-recommends redis-server ' +
      '(or set REDIS_URL to a running Redis with maxmemory-policy noeviction)',
  );
}

function which(command: string): string | undefined {
  const result = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  const path = result.stdout.trim();
  return result.status === 0 && path ? path : undefined;
}

/**
 * Starts a private redis-server on loopback with no persistence and `noeviction` (BullMQ needs
 * it). A server left by a killed run (pid file in `dir`) is stopped first.
 */
export async function startLocalRedis(options: { dir: string; log: (line: string) => void; port?: number }): Promise<LocalRedis> {
  const binary = ensureRedisServer(options.log);
  mkdirSync(options.dir, { recursive: true });
  const pidFile = join(options.dir, 'redis.pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
      process.kill(pid, 'SIGTERM');
      await waitUntil(() => !isAlive(pid), 10_000, `stale redis-server (pid ${pid}) did not stop`);
    }
    rmSync(pidFile, { force: true });
  }
  const port = options.port ?? (await freePort());
  const child: ChildProcess = spawn(
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--maxmemory-policy', 'noeviction', '--pidfile', pidFile, '--dir', options.dir, '--daemonize', 'no'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr?.on('data', (d: Buffer) => options.log(d.toString().trimEnd()));
  const url = `redis://127.0.0.1:${port}`;
  await waitUntil(async () => {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      return (await probe.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      probe.disconnect();
    }
  }, 10_000, `redis-server did not answer on port ${port}`);
  return {
    url,
    stop: (signal = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}
