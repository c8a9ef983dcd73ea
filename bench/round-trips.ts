/**
 * Round trips per webhook: how many statements Postgres receives (BEGIN and COMMIT included) and
 * how many commands Redis receives for each kind of SMS in the benchmark's mix, counted through
 * the driver's debug hook and Redis' own statistics. Deterministic: it does not measure time.
 *
 *   npx tsx bench/round-trips.ts
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Socket } from 'node:net';
import { Redis } from 'ioredis';
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import type { Deps } from '../src/app/deps.js';
import { loadDemoData } from '../src/app/demo-data.js';
import { createDatabase, type Database } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import * as schema from '../src/db/schema.js';
import { buildApp } from '../src/http/app.js';
import { createLogger } from '../src/logger.js';
import { createTwilioClient } from '../src/twilio/client.js';
import { Scheduler } from '../src/worker/scheduler.js';
import { startLocalPostgres } from '../scripts/local/postgres.js';
import { startLocalRedis } from '../scripts/local/redis.js';
import { ACCOUNT_SID, AUTH_TOKEN, benchEnv, mixBody, seedMixCustomers, signedForm, SHARED_NUMBER } from './support/mix.js';
import { and, eq } from 'drizzle-orm';
import { createSender } from '../src/app/send.js';
import { transaction } from '../src/db/client.js';
import { receiptKey } from '../src/db/webhook-receipts.js';
import { handleKeptWebhooks } from '../src/http/routes/twilio/webhook.js';
import { startSimulator } from '../sim/server.js';

/** The pool size of this count's database client. */
const POOL = 4;
/** Kept texts handled in one transaction, as the web process takes them (`DRAIN_BATCH`). */
const KEPT_BATCH = 50;
/** The customers the batches use start here (the ones before text one at a time). */
const BATCH_FROM = 2 + 2 * POOL + 2;
const dir = mkdtempSync('/tmp/standby-round-trips-');
chmodSync(dir, 0o755);
const pg = await startLocalPostgres({ dataDir: join(dir, 'pg'), persistent: false });
const redisServer = await startLocalRedis({ dir: join(dir, 'redis'), log: () => undefined });
try {
  await pg.createDatabase('bench');
  const sim = await startSimulator({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, serviceBaseUrl: 'http://127.0.0.1:9' });
  const env = benchEnv({ port: 3000, databaseUrl: pg.url('bench'), redisUrl: redisServer.url, simUrl: sim.url });
  await runMigrations(pg.url('bench'));
  const config = loadConfig({ ...env, LOG_LEVEL: 'silent' });
  const databaseUrl = config.DATABASE_URL;

  let statements: string[] = [];
  // Round trips: writes on a Postgres connection after its last answer came in (what waits for
  // an answer). Statements sent together, pipelined, cost one even when the driver writes them apart.
  let pgWrites = 0;
  const pgPort = Number(new URL(databaseUrl).port);
  const answered = new WeakMap<Socket, boolean>();
  const write = Socket.prototype.write;
  Socket.prototype.write = function (this: Socket, ...args: unknown[]) {
    if (this.remotePort === pgPort) {
      if (!answered.has(this)) this.prependListener('data', () => answered.set(this, true));
      if (answered.get(this) !== false) pgWrites++;
      answered.set(this, false);
    }
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as typeof Socket.prototype.write;
  // The service's own database client (prepared statements, as in production).
  const database: Database = createDatabase(databaseUrl, { max: POOL, onStatement: (query) => statements.push(query) });
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  const schedulerRedis = redis.duplicate({ maxRetriesPerRequest: 1 });
  const scheduler = new Scheduler(schedulerRedis, systemClock);
  const deps: Deps = { config, clock: systemClock, database, redis, logger: createLogger('silent'), scheduler, twilio: createTwilioClient(config) };
  await loadDemoData(database.db, systemClock.now());
  const people = await seedMixCustomers(database.sql, BATCH_FROM + (2 * POOL + 1) * KEPT_BATCH, BATCH_FROM);
  const app = await buildApp(deps);
  await app.ready();

  const redisCalls = async () => {
    const info = await redis.info('commandstats');
    return [...info.matchAll(/calls=(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
  };
  const text = async (from: string, body: string) => {
    const form = signedForm(config, '/twilio/sms', { From: from, To: SHARED_NUMBER, Body: body });
    statements = [];
    const redisBefore = await redisCalls();
    pgWrites = 0;
    const response = await app.inject({ method: 'POST', url: '/twilio/sms', headers: form.headers, payload: form.payload });
    if (response.statusCode !== 200 || /could not read your message/.test(response.body)) throw new Error(`webhook failed (${response.statusCode}): ${response.body}`);
    // The INFO call itself counts once.
    const writes = pgWrites;
    return { postgres: statements.length, waits: writes, redis: (await redisCalls()) - redisBefore - 1, statements: [...statements] };
  };

  const rows: Array<[string, { postgres: number; waits: number; redis: number; statements: string[] }]> = [];
  // Warm up each kind (the first request of a process loads modules, and a connection's first use
  // of a statement prepares it, a round trip more: the service's connections are long-lived).
  // Each of the pool's connections in turn.
  for (let i = 2; i < 2 + 2 * POOL; i++) {
    await text(people.eligible[i]!, mixBody('eligible'));
    await text(people.outOfScope[i]!, mixBody('out_of_scope'));
    await text(people.eligible[i]!, mixBody('follow_up'));
  }
  rows.push(['eligible report (opens an incident, pages)', await text(people.eligible[1]!, mixBody('eligible'))]);
  rows.push(['out of scope (no 24x7 contract)', await text(people.outOfScope[0]!, mixBody('out_of_scope'))]);
  rows.push(['follow-up on the open incident', await text(people.eligible[1]!, mixBody('follow_up'))]);

  // The worker's part of an eligible report: each of its two first pages (SMS and call) sent once,
  // with Twilio's delivery reports dropped here so that only the send is counted.
  const [incident] = await database.db.select().from(schema.incidents).where(eq(schema.incidents.reporterPhone, people.eligible[1]!));
  const pages = await database.db.select().from(schema.notifications).where(and(eq(schema.notifications.incidentId, incident!.id), eq(schema.notifications.kind, 'page')));
  sim.faults.dropStatusCallbacks(100);
  const sender = createSender(deps, { id: 'round-trips' });
  for (const page of pages) {
    statements = [];
    pgWrites = 0;
    const sent = await sender.send(page.id);
    if (sent.outcome !== 'sent') throw new Error(`the page was not sent: ${JSON.stringify(sent)}`);
    rows.push([`sending one page (${page.channel}), in the worker`, { postgres: statements.length, waits: pgWrites, redis: NaN, statements: [...statements] }]);
  }
  // A delivery report (Twilio sends ~2 per SMS and ~3 per call).
  const sms = pages.find((p) => p.channel === 'sms')!;
  const [sentSms] = await database.db.select().from(schema.notifications).where(eq(schema.notifications.id, sms.id));
  {
    const form = signedForm(config, `/twilio/status/message?n=${sms.id}`, { MessageSid: sentSms!.twilioSid!, MessageStatus: 'delivered' });
    statements = [];
    const redisBefore = await redisCalls();
    pgWrites = 0;
    const response = await app.inject({ method: 'POST', url: `/twilio/status/message?n=${sms.id}`, headers: form.headers, payload: form.payload });
    if (response.statusCode !== 200) throw new Error(`delivery report failed (${response.statusCode}): ${response.body}`);
    rows.push(['a delivery report (status callback)', { postgres: statements.length, waits: pgWrites, redis: (await redisCalls()) - redisBefore - 1, statements: [...statements] }]);
  }

  // A batch of kept texts (a storm's): 50 first reports handled together in one transaction, as
  // the web process does once it has a turn (`handleKeptWebhooks`, in the transaction that forgets them).
  const batch = async (phones: readonly string[]) => {
    statements = [];
    pgWrites = 0;
    const kept = phones.map((phone, i) => {
      const params = { AccountSid: ACCOUNT_SID, MessageSid: `SMkept${phone.slice(1)}${i}`, From: phone, To: SHARED_NUMBER, Body: mixBody('eligible') };
      return { path: '/twilio/sms', receiptKey: receiptKey(params.MessageSid, '/twilio/sms', params), params, receivedAt: new Date() };
    });
    await transaction(database.db, (tx) => handleKeptWebhooks(tx, deps, kept));
    return { postgres: statements.length, waits: pgWrites, redis: NaN, statements: [...statements] };
  };
  // Warmed as the texts are: each connection of the pool in turn.
  for (let i = 0; i < 2 * POOL; i++) await batch(people.eligible.slice(BATCH_FROM + i * KEPT_BATCH, BATCH_FROM + (i + 1) * KEPT_BATCH));
  rows.push([`a batch of ${KEPT_BATCH} kept texts (first reports, a storm's), handled together`, await batch(people.eligible.slice(BATCH_FROM + 2 * POOL * KEPT_BATCH, BATCH_FROM + (2 * POOL + 1) * KEPT_BATCH))]);

  if (process.argv.includes('--json')) console.log(JSON.stringify(rows.map(([name, counted]) => [name, counted.postgres, counted.redis, counted.waits])));
  console.log('| SMS webhook | Postgres statements (BEGIN/COMMIT included) | Postgres round trips | Redis commands |');
  console.log('| --- | --- | --- | --- |');
  for (const [name, counted] of rows) console.log(`| ${name} | ${counted.postgres} | ${counted.waits} | ${Number.isNaN(counted.redis) ? '–' : counted.redis} |`);
  if (process.argv.includes('--verbose')) {
    for (const [name, counted] of rows) console.log(`\n${name}:\n${counted.statements.map((s, i) => `  ${i + 1}. ${s.replace(/\s+/g, ' ').slice(0, 160)}`).join('\n')}`);
  }

  await app.close();
  await sim.close();
  await scheduler.close();
  schedulerRedis.disconnect();
  redis.disconnect();
  await database.close();
} finally {
  await redisServer.stop();
  await pg.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
