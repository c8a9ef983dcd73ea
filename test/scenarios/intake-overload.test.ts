import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggerOptions } from '../../src/logger.js';
import { pollUntil } from '../../bench/poll.js';
import { eq } from 'drizzle-orm';
import { demo } from '../../src/app/demo-data.js';
import { deferredTexts, incidents, integrations, timelineEntries } from '../../src/db/schema.js';
import { holdConversation, untilKeptTextsAreAtMost, untilSomeoneWaitsForALock } from '../support/held-turn.js';
import { startWorld, type World } from '../support/world.js';

/**
 * A storm of texts: the web process works on a bounded number at once (here one, with no wait),
 * and a text that gets no turn is answered at once that it was received, kept in Postgres, and
 * handled as soon as there is room, its answers following by SMS. Nothing is lost, and the SLA
 * counts from the text's arrival.
 */
let w: World;
const [ana, bruno] = demo.acme.contacts;
const acme = demo.numbers.acmeDedicated;

/** What the service logs at info (kept texts' request lines are at debug: one line a second says how many were kept). */
const lines: string[] = [];
const logger = pino(loggerOptions('info'), new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }));

beforeAll(async () => {
  w = await startWorld({ env: { INTAKE_CONCURRENCY: '1', INTAKE_MAX_WAIT_MS: '0' }, logger });
});
afterAll(async () => {
  await w?.close();
});

describe('a text that arrives while every turn is taken', () => {
  it('is answered at once that it was received, then handled: the incident opens, the engineer is paged and the customer gets the answer by SMS', async () => {
    const arrival = w.clock.now();
    const release = await holdConversation(w, ana!, acme);
    const anasText = w.sim.phone(ana!).sendSms(acme, 'BLOCKER salesforce sync down');
    await untilSomeoneWaitsForALock(w);

    const logged = lines.length;
    await w.sim.phone(bruno!).sendSms(acme, 'BLOQUEANTE SAP orders caido');
    const received = await w.sim.phone(bruno!).expectSms(/Recibimos su mensaje/);
    expect(received.direction).toBe('outbound-reply');
    expect(await w.deps.database.db.select().from(deferredTexts)).toHaveLength(1);
    // The log says a text was kept, once, and not with a line of its own (in a storm, thousands a second).
    const summary = await pollUntil(() => lines.slice(logged).find((l) => l.includes('kept 1 text(s)')), { what: 'the kept-texts line', timeoutMs: 5000, intervalMs: 20 });
    expect(JSON.parse(summary)).toMatchObject({ level: 30, kept: 1 });
    expect(lines.slice(logged).filter((l) => l.includes('POST /twilio/sms'))).toEqual([]);

    // Time passes before there is room: the incident still counts from the text's arrival.
    w.clock.advanceMinutes(2);
    await release();
    await anasText;
    const opened = await w.sim.phone(bruno!).expectSms(/Incidente \d+/);
    expect(opened.direction).toBe('outbound-api');
    await w.sim.phone(demo.engineers.one.phone).expectSms(/SAP orders/);

    const [incident] = await w.deps.database.db
      .select({ incident: incidents })
      .from(incidents)
      .innerJoin(integrations, eq(integrations.id, incidents.integrationId))
      .where(eq(integrations.name, 'SAP orders'));
    expect(incident!.incident.firstContactAt).toEqual(arrival);
    expect(incident!.incident.reporterPhone).toBe(bruno);
    const kinds = (await w.deps.database.db.select().from(timelineEntries).where(eq(timelineEntries.incidentId, incident!.incident.id))).map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['sms_in', 'incident_opened', 'page', 'sms_out']));
    expect(await w.deps.database.db.select().from(deferredTexts)).toHaveLength(0);
  });

  it('is kept once when Twilio delivers it twice, and handled once', async () => {
    const release = await holdConversation(w, ana!, acme);
    const anasText = w.sim.phone(ana!).sendSms(acme, 'hola?');
    await untilSomeoneWaitsForALock(w);
    w.sim.faults.duplicateWebhooks(1);
    await w.sim.phone(bruno!).sendSms(acme, 'BLOCKER Zendesk widget down');
    expect(await w.deps.database.db.select().from(deferredTexts)).toHaveLength(1);
    await release();
    await anasText;
    await w.sim.phone(bruno!).expectSms(/Integrations Selfservice|autoservicio|Selfservice/i);
    await w.settle();
    expect(w.sim.phone(bruno!).inbox.filter((m) => m.direction === 'outbound-api' && /Selfservice|autoservicio/i.test(m.body))).toHaveLength(1);
  });

  it('are handled together once there is room, each sender in order, and one that cannot be handled holds back no other', async () => {
    const release = await holdConversation(w, ana!, acme);
    const anasText = w.sim.phone(ana!).sendSms(acme, 'hola de nuevo');
    await untilSomeoneWaitsForALock(w);
    // A text to a number that is not a standby number (a misconfigured webhook) cannot be handled.
    const misdirected = { MessageSid: 'SMmisdirected', From: '+5491150000777', To: '+541150000555', Body: 'BLOCKER something down' };
    await w.deps.database.sql`insert into deferred_texts (receipt_key, from_phone, params, answer, received_at)
      values ('sms:SMmisdirected', ${misdirected.From}, ${JSON.stringify(misdirected)}::jsonb, '<Response/>', now())`;
    await w.sim.phone(demo.beta.contact).sendSms(demo.numbers.shared, 'BLOCKER Shopify feed down');
    await w.sim.phone(bruno!).sendSms(acme, 'BLOQUEANTE Salesforce sync caido');
    await w.sim.phone(bruno!).sendSms(acme, 'sigue caido');
    expect(await w.deps.database.db.select().from(deferredTexts)).toHaveLength(4);

    await release();
    await anasText;
    await w.sim.phone(demo.beta.contact).expectSms(/24x7/);
    // Salesforce sync already has Ana's incident: Bruno's report joins it.
    await w.sim.phone(bruno!).expectSms(/incidente \d+/i);
    await untilKeptTextsAreAtMost(w, 1);
    await w.settle();
    const [incident] = await w.deps.database.db
      .select({ id: incidents.id })
      .from(incidents)
      .innerJoin(integrations, eq(integrations.id, incidents.integrationId))
      .where(eq(integrations.name, 'Salesforce sync'));
    const texts = (await w.deps.database.db.select().from(timelineEntries).where(eq(timelineEntries.incidentId, incident!.id)))
      .filter((e) => e.kind === 'sms_in')
      .map((e) => e.body);
    // Bruno's follow-up came after his report, on the incident the report opened.
    expect(texts).toEqual(expect.arrayContaining(['BLOQUEANTE Salesforce sync caido', 'sigue caido']));
    expect(texts.indexOf('sigue caido')).toBeGreaterThan(texts.indexOf('BLOQUEANTE Salesforce sync caido'));
    const left = await w.deps.database.db.select().from(deferredTexts);
    expect(left.map((t) => t.fromPhone)).toEqual(['+5491150000777']);
    // It stays kept (a fix may handle it), backing off: the texts kept next are handled without trying it again.
    const { failures } = left[0]!;
    expect(failures).toBeGreaterThan(0);
    expect(left[0]!.retryAt!.getTime()).toBeGreaterThan(w.clock.now().getTime());
    const releaseAgain = await holdConversation(w, ana!, acme);
    const anasNext = w.sim.phone(ana!).sendSms(acme, 'hola otra vez');
    await untilSomeoneWaitsForALock(w);
    await w.sim.phone(bruno!).sendSms(acme, 'sigue caido, 10:15');
    await releaseAgain();
    await anasNext;
    await untilKeptTextsAreAtMost(w, 1);
    const [still] = await w.deps.database.db.select().from(deferredTexts);
    expect(still!.failures).toBe(failures);
  });
});

