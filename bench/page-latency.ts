/**
 * Page latency: from a customer's text arriving at the standby number to the on-call engineer's
 * phone receiving the page SMS, through the real stack (Postgres, Redis, web, worker, the Twilio
 * simulator over HTTP). Customers report in bursts; each gets its own incident.
 *
 *   npm run bench -- --incidents 200 --burst 20 --rate 50
 */
import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startService } from '../src/service.js';
import { demo, loadDemoData } from '../src/app/demo-data.js';
import { contacts, contracts, customers, integrations } from '../src/db/schema.js';
import { startSimulator } from '../sim/server.js';
import { startLocalPostgres } from '../scripts/local/postgres.js';
import { startLocalRedis } from '../scripts/local/redis.js';
import { freePort } from '../scripts/local/net.js';

const { values } = parseArgs({
  options: {
    incidents: { type: 'string', default: '100' },
    burst: { type: 'string', default: '20' },
    rate: { type: 'string', default: '50' },
  },
});
const total = Number(values.incidents);
const burst = Number(values.burst);

const dir = mkdtempSync('/tmp/standby-bench-');
chmodSync(dir, 0o755);
const pg = await startLocalPostgres({ dataDir: join(dir, 'pg'), persistent: false });
const redis = await startLocalRedis({ dir: join(dir, 'redis'), log: () => undefined });
await pg.createDatabase('bench');
const port = await freePort();
const env = {
  PORT: String(port),
  PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
  DATABASE_URL: pg.url('bench'),
  REDIS_URL: redis.url,
  TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000000',
  TWILIO_AUTH_TOKEN: 'bench-twilio-auth-token-000',
  ADMIN_API_TOKEN: 'bench-admin-token-000000000000',
  LINK_SECRET: 'bench-link-secret-0000000000000000000',
  SEND_RATE_PER_SECOND: values.rate,
  LOG_LEVEL: process.env.BENCH_LOG ?? 'warn',
};
const sim = await startSimulator({ accountSid: env.TWILIO_ACCOUNT_SID, authToken: env.TWILIO_AUTH_TOKEN, serviceBaseUrl: env.PUBLIC_BASE_URL, standbyNumbers: [demo.numbers.shared] });
const config = loadConfig({ ...env, TWILIO_API_BASE_URL: sim.url });
const service = await startService(config, { clock: systemClock, logger: createLogger(env.LOG_LEVEL), host: '127.0.0.1' });
const db = service.deps.database.db;
await loadDemoData(db, systemClock.now());

// One customer per incident, each with a 24x7 contract, a vendor integration and a contact phone.
const people: Array<{ phone: string; name: string }> = [];
for (let i = 0; i < total; i++) {
  const code = String(50000 + i);
  const [c] = await db.insert(customers).values({ code, name: `Bench ${code}`, language: 'en', timeZone: demo.zone }).returning();
  await db.insert(contracts).values({ customerId: c!.id, name: '24x7', integrations24x7: true, validFrom: new Date('2025-01-01'), blockerFirstResponseMinutes: 15, blockerResolutionMinutes: 240, highFirstResponseMinutes: 30, highResolutionMinutes: 480 });
  await db.insert(integrations).values({ customerId: c!.id, name: 'Orders API', builtBy: 'vendor' });
  const phone = `+54911600${String(i).padStart(5, '0')}`;
  await db.insert(contacts).values({ customerId: c!.id, name: 'Bench contact', phone });
  people.push({ phone, name: c!.name });
}

// Who is on call now (the rotation's current engineer) receives every first page.
const onCall = await service.deps.database.sql<{ phone: string }[]>`
  select e.phone from engineers e where e.phone in (${demo.engineers.one.phone}, ${demo.engineers.two.phone})`;
const engineers = onCall.map((r) => sim.phone(r.phone));

const latencies: number[] = [];
const started = performance.now();
for (let i = 0; i < total; i += burst) {
  const group = people.slice(i, i + burst);
  await Promise.all(
    group.map(async (person) => {
      const t0 = performance.now();
      await sim.phone(person.phone).sendSms(demo.numbers.shared, 'BLOCKER orders api down');
      await Promise.any(engineers.map((e) => e.expectSms(new RegExp(person.name), { timeoutMs: 60_000 })));
      latencies.push(performance.now() - t0);
    }),
  );
}
const elapsed = (performance.now() - started) / 1000;

latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]!.toFixed(0);
console.log(`incidents: ${latencies.length} in bursts of ${burst}, SEND_RATE_PER_SECOND=${values.rate}`);
console.log(`text in → page SMS on the engineer's phone: p50 ${pct(50)} ms, p95 ${pct(95)} ms, p99 ${pct(99)} ms, max ${latencies.at(-1)!.toFixed(0)} ms`);
console.log(`throughput: ${(latencies.length / elapsed).toFixed(1)} incidents/s over ${elapsed.toFixed(1)} s`);

await service.close();
await sim.close();
await redis.stop();
await pg.stop();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
