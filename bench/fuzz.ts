/**
 * The fuzz suite, long: thousands of random and malformed requests against the web role (no
 * worker: every row a request adds is its own) on an embedded Postgres and a local Redis, with
 * the demo data. Prints the status counts, every 5xx, every rejected request that wrote rows,
 * and how many odd customer texts were read; exits 1 unless all three targets are met.
 *
 *   npm run fuzz -- --seed 7 --requests 5000 --odd-texts 300
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { demo, loadDemoData } from '../src/app/demo-data.js';
import { createLogger } from '../src/logger.js';
import { startService } from '../src/service.js';
import { freePort } from '../scripts/local/net.js';
import { startLocalPostgres } from '../scripts/local/postgres.js';
import { startLocalRedis } from '../scripts/local/redis.js';
import { describeReport, runFuzz } from '../test/fuzz/fuzz.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '20261123' },
    requests: { type: 'string', default: '5000' },
    'odd-texts': { type: 'string', default: '300' },
  },
});

const dir = mkdtempSync('/tmp/standby-fuzz-');
chmodSync(dir, 0o755);
const pg = await startLocalPostgres({ dataDir: join(dir, 'pg'), persistent: false });
const redis = await startLocalRedis({ dir: join(dir, 'redis'), log: () => undefined });
await pg.createDatabase('fuzz');
const port = await freePort();
const config = loadConfig({
  PORT: String(port),
  PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
  DATABASE_URL: pg.url('fuzz'),
  REDIS_URL: redis.url,
  TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000000',
  TWILIO_AUTH_TOKEN: 'fuzz-twilio-auth-token-0000',
  // Nothing is sent (no worker); should anything try, it goes nowhere.
  TWILIO_API_BASE_URL: 'http://127.0.0.1:9',
  ADMIN_API_TOKEN: 'fuzz-admin-token-000000000000',
  LINK_SECRET: 'fuzz-link-secret-0000000000000000000000',
  ROLE: 'web',
  // The limits are tested elsewhere; here every request should reach its handler.
  API_RATE_LIMIT_PER_MINUTE: '100000000',
  PUBLIC_RATE_LIMIT_PER_MINUTE: '100000000',
  LOG_LEVEL: process.env.FUZZ_LOG ?? 'silent',
});
const service = await startService(config, { clock: systemClock, logger: createLogger(config.LOG_LEVEL), host: '127.0.0.1' });
await loadDemoData(service.deps.database.db, systemClock.now());

const report = await runFuzz(
  {
    baseUrl: config.PUBLIC_BASE_URL,
    publicBaseUrl: config.PUBLIC_BASE_URL,
    twilioAuthToken: config.TWILIO_AUTH_TOKEN,
    adminToken: config.ADMIN_API_TOKEN,
    sql: service.deps.database.sql,
    standbyNumbers: [demo.numbers.acmeDedicated, demo.numbers.shared],
    customerPhones: [...demo.acme.contacts, demo.beta.contact, demo.gamma.contact],
    engineerPhones: Object.values(demo.engineers).map((e) => e.phone),
  },
  { seed: Number(values.seed), requests: Number(values.requests), oddTexts: Number(values['odd-texts']), progress: (n) => process.stderr.write(`${n} `) },
);
process.stderr.write('\n');
console.log(describeReport(report));
for (const e of report.serverErrors.slice(0, 20)) console.log(`5xx ${e.status} ${e.method} ${e.url} → ${e.body}`);
for (const e of report.rejectedThatWrote.slice(0, 20)) console.log(`wrote ${e.status} ${e.method} ${e.url} → ${JSON.stringify(e.changed)}`);
for (const e of report.oddTexts.droppedOrFailed.slice(0, 20)) console.log(`odd text not handled: ${e.body} → ${e.status} ${e.answer}`);

await service.close();
await redis.stop();
await pg.stop();
rmSync(dir, { recursive: true, force: true });
const ok = report.serverErrors.length === 0 && report.rejectedThatWrote.length === 0 && report.oddTexts.handled === report.oddTexts.sent;
process.exit(ok ? 0 : 1);
