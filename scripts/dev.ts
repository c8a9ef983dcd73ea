/**
 * `npm run dev`: the whole service on one machine. Embeds only what is not given: an explicit
 * DATABASE_URL, REDIS_URL or TWILIO_API_BASE_URL is used as is. Ctrl-C stops everything it started.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { systemClock } from '../src/clock.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startService } from '../src/service.js';
import { loadDemoData, demo } from '../src/app/demo-data.js';
import { startLocalPostgres } from './local/postgres.js';
import { startLocalRedis } from './local/redis.js';
import { startSimulator } from '../sim/server.js';
import { DEMO_PHONES, DEMO_STANDBY_NUMBERS } from '../sim/demo.js';

const DEV_DEFAULTS = {
  TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000000',
  TWILIO_AUTH_TOKEN: 'dev-twilio-auth-token-0000',
  ADMIN_API_TOKEN: 'dev-admin-token-change-me-0000',
  LINK_SECRET: 'dev-link-secret-change-me-0000000000',
};

const say = (line: string) => console.log(`[dev] ${line}`);

/** A data folder the `postgres` user can reach: `.data/` here, unless a parent is closed to others (e.g. /root). */
function dataRoot(): string {
  const local = resolve('.data');
  for (let dir = dirname(local); dir !== dirname(dir); dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) {
      return join('/var/tmp', `standby-dev-${createHash('sha256').update(local).digest('hex').slice(0, 8)}`);
    }
  }
  return local;
}

async function main(): Promise<void> {
  const started = performance.now();
  const stops: Array<() => Promise<void>> = [];
  let stopping = false;
  const stopAll = async (code = 0) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => say(`while stopping: ${String(error)}`));
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll());
  process.on('SIGTERM', () => void stopAll());

  try {
    const env: Record<string, string | undefined> = { ...process.env };
    const port = Number(env.PORT ?? 3000);
    env.PORT = String(port);
    env.PUBLIC_BASE_URL ??= `http://localhost:${port}`;
    for (const [key, value] of Object.entries(DEV_DEFAULTS)) env[key] ??= value;
    const root = dataRoot();

    if (!env.DATABASE_URL) {
      const pg = await startLocalPostgres({ dataDir: join(root, 'pg'), persistent: true });
      stops.push(() => pg.stop());
      await pg.createDatabase('standby');
      env.DATABASE_URL = pg.url('standby');
      say(`embedded Postgres: ${env.DATABASE_URL} (data in ${join(root, 'pg')})`);
    }
    if (!env.REDIS_URL) {
      const redis = await startLocalRedis({ dir: join(root, 'redis'), log: (line) => say(line) });
      stops.push(() => redis.stop());
      env.REDIS_URL = redis.url;
      say(`local Redis: ${env.REDIS_URL} (noeviction, no persistence)`);
    }
    let simUrl: string | undefined;
    if (!env.TWILIO_API_BASE_URL) {
      const sim = await startSimulator({
        accountSid: env.TWILIO_ACCOUNT_SID!,
        authToken: env.TWILIO_AUTH_TOKEN!,
        serviceBaseUrl: env.PUBLIC_BASE_URL,
        port: Number(env.SIM_PORT ?? port + 1),
        phones: [...DEMO_PHONES, { number: '+5491150000999', name: 'Unknown caller', kind: 'customer' }],
        standbyNumbers: DEMO_STANDBY_NUMBERS,
        autoTickMs: 1000,
      });
      stops.push(() => sim.close());
      env.TWILIO_API_BASE_URL = sim.url;
      simUrl = sim.url;
    }

    const config = loadConfig(env);
    const logger = createLogger(config.LOG_LEVEL, { pretty: process.stdout.isTTY });
    const service = await startService(config, { clock: systemClock, logger, host: '127.0.0.1', simPageUrl: simUrl ? `${simUrl}/sim` : undefined });
    stops.push(() => service.close());
    await loadDemoData(service.deps.database.db, systemClock.now());

    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    say(`ready in ${seconds} s`);
    say(`service:   ${config.PUBLIC_BASE_URL}  (health /healthz, readiness /readyz)`);
    say(`API docs:  ${config.PUBLIC_BASE_URL}/docs  (OpenAPI at /openapi.json)`);
    say(`admin API: curl -H 'Authorization: Bearer ${config.ADMIN_API_TOKEN}' ${config.PUBLIC_BASE_URL}/api/v1/customers`);
    if (simUrl) say(`phones:    ${config.PUBLIC_BASE_URL}/sim → ${simUrl}/sim  (Twilio simulator; dial ${demo.numbers.acmeDedicated} or ${demo.numbers.shared})`);
    say('Ctrl-C stops everything.');
  } catch (error) {
    console.error(error instanceof ConfigError ? error.message : error);
    await stopAll(1);
  }
}

void main();
