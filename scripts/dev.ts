/**
 * `npm run dev`: the whole service on one machine. Embeds only what is not given: an explicit
 * DATABASE_URL, REDIS_URL or TWILIO_API_BASE_URL is used as is. Ctrl-C stops everything it started.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { systemClock } from '../src/clock.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startService } from '../src/service.js';
import { loadDemoData, demo } from '../src/app/demo-data.js';
import { startLocalPostgres } from './local/postgres.js';
import { startLocalRedis } from './local/redis.js';
import { portInUse } from './local/net.js';
import { startSimulator } from '../sim/server.js';
import { DEMO_PHONES, DEMO_STANDBY_LABELS, DEMO_STANDBY_NUMBERS } from '../sim/demo.js';

const DEV_DEFAULTS = {
  TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000000',
  TWILIO_AUTH_TOKEN: 'dev-twilio-auth-token-0000',
  ADMIN_API_TOKEN: 'dev-admin-token-change-me-0000',
  LINK_SECRET: 'dev-link-secret-change-me-0000000000',
};

const say = (line: string) => console.log(`[dev] ${line}`);

/** A port someone else holds, said as what to change instead of a stack trace. */
class PortInUse extends Error {
  constructor(port: number, variable: 'PORT' | 'SIM_PORT') {
    const what = variable === 'PORT' ? 'the service' : 'the phone simulator (default: PORT + 1)';
    super(`Port ${port} is already in use, so ${what} cannot listen there. Stop whatever uses it, or choose another port: ${variable}=${port + 100} npm run dev`);
  }
}

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
    const simPort = Number(env.SIM_PORT ?? port + 1);
    const embedSimulator = !env.TWILIO_API_BASE_URL;
    // Before anything starts: a port in use is said at once, naming the variable to change.
    if (await portInUse(port)) throw new PortInUse(port, 'PORT');
    if (embedSimulator && (await portInUse(simPort))) throw new PortInUse(simPort, 'SIM_PORT');
    const root = dataRoot();

    if (!env.DATABASE_URL) {
      const pg = await startLocalPostgres({ dataDir: join(root, 'pg'), persistent: true, notice: say });
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
    if (embedSimulator) {
      const sim = await startSimulator({
        accountSid: env.TWILIO_ACCOUNT_SID!,
        authToken: env.TWILIO_AUTH_TOKEN!,
        serviceBaseUrl: env.PUBLIC_BASE_URL,
        port: simPort,
        phones: [...DEMO_PHONES, { number: '+5491150000999', name: 'Unknown caller', kind: 'customer', dials: demo.numbers.shared }],
        standbyNumbers: DEMO_STANDBY_NUMBERS,
        standbyLabels: DEMO_STANDBY_LABELS,
        // The page's incidents panel reads the admin API, like any other client.
        incidentsFeed: { url: `http://127.0.0.1:${port}/api/v1/incidents`, token: env.ADMIN_API_TOKEN! },
        autoTickMs: 1000,
      }).catch((error: unknown) => {
        throw (error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? new PortInUse(simPort, 'SIM_PORT') : error;
      });
      stops.push(() => sim.close());
      env.TWILIO_API_BASE_URL = sim.url;
      simUrl = sim.url;
    }

    const config = loadConfig(env);
    const logger = createLogger(config.LOG_LEVEL, { pretty: process.stdout.isTTY });
    const service = await startService(config, {
      clock: systemClock,
      logger,
      host: '127.0.0.1',
      simPageUrl: simUrl ? `${simUrl}/sim` : undefined,
      devAdminToken: config.ADMIN_API_TOKEN,
    }).catch((error: unknown) => {
      throw (error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? new PortInUse(port, 'PORT') : error;
    });
    stops.push(() => service.close());
    await loadDemoData(service.deps.database.db, systemClock.now());

    // Counted from the process start (Node and TypeScript loading included), as a person timing it would.
    say(`ready in ${process.uptime().toFixed(1)} s`);
    say(`start here: ${config.PUBLIC_BASE_URL}/  (links to everything below)`);
    say(`service:   ${config.PUBLIC_BASE_URL}  (health /healthz, readiness /readyz)`);
    say(`API docs:  ${config.PUBLIC_BASE_URL}/docs  (OpenAPI at /openapi.json)`);
    say(`admin API: curl -H 'Authorization: Bearer ${config.ADMIN_API_TOKEN}' ${config.PUBLIC_BASE_URL}/api/v1/customers`);
    if (simUrl) say(`phones:    ${config.PUBLIC_BASE_URL}/sim → ${simUrl}/sim  (Twilio simulator on SIM_PORT ${simPort}; dial ${demo.numbers.acmeDedicated} or ${demo.numbers.shared})`);
    say('Ctrl-C stops everything.');
  } catch (error) {
    console.error(error instanceof ConfigError || error instanceof PortInUse ? `[dev] ${error.message}` : error);
    await stopAll(1);
  }
}

void main();
