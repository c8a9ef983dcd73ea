import { spawn } from 'node:child_process';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demo } from '../../src/app/demo-data.js';
import { notifications } from '../../src/db/schema.js';
import { Redis } from 'ioredis';
import { Scheduler } from '../../src/worker/scheduler.js';
import { createSender } from '../../src/app/send.js';
import { createDatabase } from '../../src/db/client.js';
import { startWorld, type World } from '../support/world.js';
import { incident, openIncidentByApi, timelineKinds } from './paging-support.js';

const { one, lead } = demo.engineers;
let w: World;

beforeEach(async () => {
  // Not on a whole second: Twilio's times are whole seconds, and finding what a dead worker already
  // sent must not depend on the claim and Twilio's record falling in the same second.
  w = await startWorld({ start: '2026-11-23T15:00:00.730Z' });
});
afterEach(() => w.close());

/** Page SMS per recipient for one incident: every page is sent, none twice. */
const pageTexts = (incidentId: number) => w.sim.messages.filter((m) => m.direction !== 'inbound' && m.body.includes(`ACK ${incidentId}`));
const recipients = (incidentId: number) => pageTexts(incidentId).map((m) => m.to);

describe('a page is never lost', () => {
  it('keeps escalating after Redis loses every job mid-escalation', async () => {
    const opened = await openIncidentByApi(w);
    await w.settle();
    expect(recipients(opened.id)).toEqual([one.phone]);

    await w.loseRedis();
    await w.advance(5); // the reconciler finds the due step in Postgres and wakes it
    expect(recipients(opened.id)).toEqual([one.phone, lead.phone]);
    await w.advance(5);
    expect(recipients(opened.id)).toEqual([one.phone, lead.phone, one.phone]);
  });

  it('sends the first page even when Redis lost it before any worker ran', async () => {
    await w.stopWorker();
    const opened = await openIncidentByApi(w);
    await w.loseRedis();
    await w.startWorker();
    await w.reconcile();
    await w.settle();
    expect(recipients(opened.id)).toEqual([one.phone]);
  });

  it('after a worker dies mid-send, the page goes out once: resent if Twilio never got it, not resent if it did', async () => {
    await w.stopWorker();
    const opened = await openIncidentByApi(w);
    const db = w.deps.database.db;
    const rows = await db.select().from(notifications).where(eq(notifications.incidentId, opened.id));
    const sms = rows.find((r) => r.channel === 'sms')!;
    const call = rows.find((r) => r.channel === 'voice')!;
    const diedAt = w.clock.now();
    // The dead worker had claimed both; Twilio accepted the SMS before it died, never saw the call.
    await db.update(notifications).set({ status: 'sending', attempts: 1, updatedAt: diedAt }).where(eq(notifications.incidentId, opened.id));
    await w.deps.twilio.messages.create({ to: sms.toPhone, from: sms.fromPhone, body: sms.body });
    await w.loseRedis();

    await w.startWorker();
    await w.advance(3); // past the stale-claim time: the reconciler takes both rows back
    expect(recipients(opened.id)).toEqual([one.phone]);
    expect(w.sim.calls.filter((c) => c.to === one.phone)).toHaveLength(1);
    const settled = await db.select().from(notifications).where(eq(notifications.id, call.id));
    expect(settled[0]!.twilioSid).toMatch(/^CA/);
  });

  it('a worker process killed (SIGKILL) while Twilio is answering: every page still goes out, once', async () => {
    await w.stopWorker();
    // `node --import tsx` (not the tsx CLI, which runs the script in a grandchild the kill would miss).
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/worker-process.ts'], {
      env: {
        ...process.env,
        ...Object.fromEntries(Object.entries(w.config).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v ?? '')])),
        QUEUE_PREFIX: w.deps.scheduler.prefix,
        CLOCK_START: w.clock.now().toISOString(),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`worker process exited early (${code})`)));
    });
    w.sim.faults.latency(1500); // Twilio is slow: the worker will be mid-request when it dies
    const opened = await openIncidentByApi(w);
    const db = w.deps.database.db;
    for (let i = 0; i < 300; i++) {
      const rows = await db.select().from(notifications).where(eq(notifications.incidentId, opened.id));
      if (rows.some((r) => r.status === 'sending')) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    child.stdout!.destroy();
    w.sim.faults.latency(0);
    await new Promise((resolve) => setTimeout(resolve, 1600)); // let the requests the dead worker made land at "Twilio"

    await w.startWorker();
    await w.advance(3); // past the stale-claim time: the reconciler takes the dead worker's sends back
    expect(recipients(opened.id)).toEqual([one.phone]);
    expect(w.sim.calls.filter((c) => c.to === one.phone)).toHaveLength(1);
    const rows = await db.select().from(notifications).where(eq(notifications.incidentId, opened.id));
    expect(rows.map((r) => r.status).sort()).not.toContain('sending');
    expect(rows.every((r) => r.twilioSid !== null)).toBe(true);
  });

  it('with two workers running, every page is sent and none twice', async () => {
    await w.startExtraWorker();
    const incidents = [];
    incidents.push(await openIncidentByApi(w, { integration: 'Salesforce sync' }));
    incidents.push(await openIncidentByApi(w, { integration: 'SAP orders', severity: 'high' }));
    await w.settle();
    for (let i = 0; i < 3; i++) {
      await Promise.all([w.reconcile(), w.reconcile()]); // two reconcilers racing too
      await w.advance(5);
    }
    for (const opened of incidents) {
      expect(recipients(opened.id)).toEqual([one.phone, lead.phone, one.phone, lead.phone]);
      expect((await timelineKinds(w, opened.id)).filter((k) => k === 'page')).toHaveLength(4);
    }
  });
});

describe('when Redis is unreachable', () => {
  it('still answers the customer at once, and the page goes out once Redis is back', async () => {
    const healthy = w.deps.scheduler;
    const dead = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 1, commandTimeout: 300, retryStrategy: () => 50 });
    dead.on('error', () => undefined);
    w.deps.scheduler = new Scheduler(dead, w.clock, healthy.prefix);
    try {
      const started = performance.now();
      const reply = await w.sim.phone(demo.acme.contacts[0]).sendSms(demo.numbers.acmeDedicated, 'BLOCKER salesforce sync down');
      await w.sim.idle();
      expect(performance.now() - started).toBeLessThan(5000);
      await w.sim.phone(demo.acme.contacts[0]).expectSms(/\d+/);
      expect(reply.body).toContain('salesforce');
    } finally {
      await w.deps.scheduler.close().catch(() => undefined);
      dead.disconnect();
      w.deps.scheduler = healthy;
    }
    await w.advance(0); // the reconciler finds the unsent page in Postgres
    await w.sim.phone(one.phone).expectSms(/ACK \d+/);
  });
});

describe('when Redis is slow', () => {
  it('answers the customer without waiting for Redis, and the page goes out once Redis takes it, once', async () => {
    const pauser = new Redis(w.deps.config.REDIS_URL);
    // Redis takes no write for 20 s: the page's wake-up cannot reach it.
    await pauser.call('CLIENT', 'PAUSE', '20000', 'WRITE');
    try {
      const reply = await w.sim.phone(demo.acme.contacts[0]).sendSms(demo.numbers.acmeDedicated, 'BLOCKER salesforce sync down');
      expect(reply.body).toContain('salesforce');
      const [page] = await w.deps.database.db.select().from(notifications).where(eq(notifications.kind, 'page'));
      expect(page?.status).toBe('pending');
    } finally {
      await pauser.call('CLIENT', 'UNPAUSE');
      pauser.disconnect();
    }
    // No reconciler pass: the wake-up sent alongside the answer gets there.
    await w.settle();
    const [incidentId] = w.sim.messages.filter((m) => m.body.includes('ACK ')).map((m) => Number(/ACK (\d+)/.exec(m.body)![1]));
    expect(recipients(incidentId!)).toContain(one.phone);
    expect(recipients(incidentId!).filter((to) => to === one.phone)).toHaveLength(1);
  });
});

describe('when Postgres is unreachable', () => {
  it('a customer who texts is told the truth at once, and the report opens an incident and pages when Postgres is back', async () => {
    const healthy = w.deps.database;
    const down = createDatabase('postgres://standby:x@127.0.0.1:1/standby', { connectTimeoutSeconds: 1 });
    const customer = w.sim.phone(demo.acme.contacts[1]);
    const arrivedAt = w.clock.now();
    w.deps.database = down;
    try {
      await customer.sendSms(demo.numbers.acmeDedicated, 'BLOCKER salesforce sync down');
      const reply = await customer.expectSms(/Recibimos su mensaje/);
      expect(reply.body).toMatch(/We received your message/);
      expect(await healthy.sql`select id from incidents`).toHaveLength(0);
    } finally {
      w.deps.database = healthy;
      await down.close();
    }
    w.clock.advance(60_000); // the replay comes a minute later: first contact is still the arrival

    // The web process replays it on its own timer; the customer gets the real answer by SMS.
    const answer = await customer.expectSms(/\b\d+\b/, { timeoutMs: 10_000 });
    const [opened] = await healthy.sql<{ id: number; first_contact_at: Date }[]>`select id, first_contact_at from incidents order by id desc limit 1`;
    expect(answer.body).toContain(String(opened!.id));
    expect(new Date(opened!.first_contact_at).getTime()).toBe(arrivedAt.getTime());
    await w.settle();
    await w.sim.phone(one.phone).expectSms(new RegExp(`ACK ${opened!.id}`));
  });
});

describe('sending', () => {
  it('sends Blocker pages before High ones when the sender is backed up', async () => {
    await w.stopWorker();
    const high = await openIncidentByApi(w, { integration: 'SAP orders', severity: 'high' });
    const blocker = await openIncidentByApi(w, { integration: 'Salesforce sync', severity: 'blocker' });
    await w.startWorker({ concurrency: 1 });
    await w.settle();
    const order = w.sim.messages.filter((m) => /ACK \d+/.test(m.body)).map((m) => (m.body.includes(`ACK ${blocker.id}`) ? 'blocker' : m.body.includes(`ACK ${high.id}`) ? 'high' : '?'));
    expect(order).toEqual(['blocker', 'high']);
  });

  it('sends pages owed at the same moment once each, each on its own incident\'s timeline', async () => {
    await w.stopWorker();
    const opened = [await openIncidentByApi(w, { integration: 'Salesforce sync' }), await openIncidentByApi(w, { integration: 'SAP orders', severity: 'high' })];
    await w.startWorker();
    await w.settle();
    for (const { id } of opened) {
      expect(recipients(id)).toEqual([one.phone]);
      const kinds = await timelineKinds(w, id);
      expect(kinds.filter((k) => k === 'sms_out')).toHaveLength(1);
      expect(kinds.filter((k) => k === 'call_out')).toHaveLength(1);
    }
    expect(w.sim.calls.filter((c) => c.to === one.phone)).toHaveLength(2);
  });

  it('places a page call once when two wake-ups for it run at the same moment', async () => {
    await w.stopWorker();
    const opened = await openIncidentByApi(w);
    const rows = await w.deps.database.db.select().from(notifications).where(eq(notifications.incidentId, opened.id));
    const sms = rows.find((r) => r.channel === 'sms')!;
    const call = rows.find((r) => r.channel === 'voice')!;
    const sender = createSender(w.deps, { id: 'twin-wake-ups' });
    // The text's claim is written first; both wake-ups for the call wait for it and are claimed together.
    const outcomes = await Promise.all([sender.send(sms.id), sender.send(call.id), sender.send(call.id)]);
    expect(outcomes.map((o) => o.outcome)).toEqual(['sent', 'sent', 'skipped']);
    expect(w.sim.calls.filter((c) => c.to === one.phone)).toHaveLength(1);
    expect(recipients(opened.id)).toEqual([one.phone]);
    // The queued wake-ups of both pages find them sent.
    await w.startWorker();
    await w.settle();
    expect(w.sim.calls.filter((c) => c.to === one.phone)).toHaveLength(1);
  });

  it('waits what Twilio asked in Retry-After before trying a page again, then sends it once', async () => {
    w.sim.faults.failNext(1, { status: 429, retryAfterSeconds: 30 });
    const opened = await openIncidentByApi(w);
    const refusedAt = w.clock.now().getTime();
    await w.settle();
    const rows = await w.deps.database.db.select().from(notifications).where(eq(notifications.incidentId, opened.id));
    const refused = rows.find((r) => r.error !== null)!;
    expect(refused).toMatchObject({ status: 'pending', attempts: 1 });
    expect(refused.notBefore.getTime() - refusedAt).toBe(30_000);
    const sentTo = () => (refused.channel === 'sms' ? recipients(opened.id) : w.sim.calls.filter((c) => c.to === one.phone).map((c) => c.to));

    expect(sentTo()).toEqual([]);
    await w.advance(0.25); // 15 s later: still waiting, as Twilio asked
    expect(sentTo()).toEqual([]);
    await w.advance(0.25); // 30 s: tried again, sent
    expect(sentTo()).toEqual([one.phone]);
    await w.advance(1);
    expect(sentTo()).toEqual([one.phone]);
  });

  it('keeps trying a page through a Twilio outage, never gives it up, and sends it once when Twilio recovers', async () => {
    w.sim.faults.failNext(24, { status: 500 });
    const opened = await openIncidentByApi(w);
    await w.settle();
    let waited = 0;
    while (recipients(opened.id).length === 0 && waited < 180) {
      await w.advance(5 / 60); // 5 s at a time: no backoff is longer than that without Retry-After
      waited += 5;
    }
    expect(waited).toBeLessThan(180);
    expect(recipients(opened.id)).toEqual([one.phone]);
    expect(w.sim.calls.filter((c) => c.to === one.phone)).toHaveLength(1);
    expect(await timelineKinds(w, opened.id)).not.toContain('send_failed');
    const rows = await w.deps.database.db.select().from(notifications).where(eq(notifications.incidentId, opened.id));
    expect(Math.max(...rows.map((r) => r.attempts))).toBeGreaterThan(8); // more than BullMQ's old 8 attempts
  });

  it('writes a page that finally fails on the timeline and still escalates on time', async () => {
    w.sim.phone(one.phone).markInvalid();
    const opened = await openIncidentByApi(w);
    await w.settle();
    expect(await timelineKinds(w, opened.id)).toContain('send_failed');
    await w.advance(5);
    expect(recipients(opened.id)).toEqual([lead.phone]);
    expect((await incident(w, opened.id)).escalation.level).toBe(1);
  });
});
