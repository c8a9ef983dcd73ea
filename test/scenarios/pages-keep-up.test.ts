import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { demo } from '../../src/app/demo-data.js';
import { notifications, timelineEntries } from '../../src/db/schema.js';
import { waitUntil } from '../../scripts/local/net.js';
import { startWorld, type World } from '../support/world.js';
import { openIncidentByApi } from './paging-support.js';

/**
 * Pages follow the incident: once someone has it, a page call still ringing elsewhere stops, and
 * what the caller said after the page went out reaches the engineers who were paged.
 */
const { one } = demo.engineers;
let w: World;

beforeAll(async () => {
  w = await startWorld();
});
afterAll(() => w.close());

beforeEach(async () => {
  const open = (await w.app.inject({ method: 'GET', url: '/api/v1/incidents?status=open', headers: w.auth })).json();
  for (const i of open.items) {
    await w.app.inject({ method: 'POST', url: `/api/v1/incidents/${i.id}/resolve`, headers: w.auth, payload: { engineerId: 1, note: 'test cleanup' } });
  }
  await w.advance(1);
});

const pageCall = async (incidentId: number) => {
  const [row] = await w.deps.database.db
    .select()
    .from(notifications)
    .where(and(eq(notifications.incidentId, incidentId), eq(notifications.kind, 'page'), eq(notifications.channel, 'voice')));
  return row!;
};

describe('a page call still ringing when the incident is acknowledged', () => {
  it('is cancelled at Twilio when the engineer acknowledges by SMS instead of answering', async () => {
    const opened = await openIncidentByApi(w);
    await w.settle();
    const eng = w.sim.phone(one.phone);
    await eng.expectSms(new RegExp(`ACK ${opened.id}`));
    const ringing = await eng.expectCall();
    expect(w.sim.call(ringing.sid)?.status).toBe('ringing');

    await eng.sendSms(demo.numbers.acmeDedicated, `ACK ${opened.id}`);
    await w.settle();

    expect(w.sim.call(ringing.sid)?.status).toBe('canceled');
    expect((await pageCall(opened.id)).status).toBe('canceled');
    const statuses = await w.deps.database.db.select().from(timelineEntries).where(and(eq(timelineEntries.incidentId, opened.id), eq(timelineEntries.kind, 'call_status')));
    expect(statuses.map((e) => e.body)).toContainEqual(expect.stringContaining('canceled (hung up before it was answered: someone has the incident)'));
  });

  it('is cancelled even when Twilio was still placing it as the acknowledgement came', async () => {
    w.sim.faults.latency(300); // Twilio is slow to accept the call: the acknowledgement lands meanwhile
    try {
      const opened = await openIncidentByApi(w, { integration: 'SAP orders' });
      await waitUntil(async () => (await pageCall(opened.id)).status === 'sending', 5000, 'the page call was never being placed');
      const acked = await w.app.inject({ method: 'POST', url: `/api/v1/incidents/${opened.id}/acknowledge`, headers: w.auth, payload: { engineerId: 1 } });
      expect(acked.statusCode).toBe(200);
      await w.settle();
      const call = w.sim.calls.filter((c) => c.to === one.phone).at(-1);
      expect(call?.status).toBe('canceled');
    } finally {
      w.sim.faults.latency(0);
    }
  });

  it('answered a moment too late, tells the engineer who has the incident and hangs up', async () => {
    const opened = await openIncidentByApi(w, { integration: 'SAP orders' });
    await w.settle();
    // The call the test before cancelled may have rung this phone too: this incident's is the one ringing.
    let ringing = await w.sim.phone(one.phone).expectCall();
    while (w.sim.call(ringing.sid)?.status !== 'ringing') ringing = await w.sim.phone(one.phone).expectCall();
    // Someone takes it through the API; the cancel is about to reach Twilio as the engineer picks up.
    w.sim.faults.latency(300);
    try {
      const acked = w.app.inject({ method: 'POST', url: `/api/v1/incidents/${opened.id}/acknowledge`, headers: w.auth, payload: { engineerId: 3 } });
      await waitUntil(async () => (await w.deps.database.db.select().from(timelineEntries).where(and(eq(timelineEntries.incidentId, opened.id), eq(timelineEntries.kind, 'acknowledged')))).length > 0, 5000, 'never acknowledged');
      const answered = await ringing.answer();
      // Eng One hears it in Spanish, their language.
      await answered.expectSay(new RegExp(`ya fue tomado por ${demo.engineers.lead.name}`));
      expect((await answered.ended).status).toBe('completed');
      await acked;
    } finally {
      w.sim.faults.latency(0);
    }
  });
});

describe("the caller's description, transcribed after the page went out", () => {
  it('reaches the paged engineer by SMS', async () => {
    const call = await w.sim.phone(demo.acme.contacts[0]).call(demo.numbers.acmeDedicated);
    await call.expectSay(/bloqueante, marque 1/i);
    await call.press('1');
    await call.expectSay(/Para Salesforce sync, marque 1/);
    await call.press('1');
    await call.waitForRecord();
    const open = (await w.app.inject({ method: 'GET', url: '/api/v1/incidents?status=open', headers: w.auth })).json();
    const reference = open.items[0].id;
    const eng = w.sim.phone(one.phone);
    await eng.expectSms(new RegExp(`incidente ${reference} Acme Retail – Salesforce sync: \\(aún sin descripción\\)`));

    await call.record({ transcription: 'Los pedidos no llegan a Salesforce desde las 3', durationSeconds: 9, finishOnKey: '#' });
    await call.ended;
    await w.settle();
    await eng.expectSms(new RegExp(`Incidente ${reference} \\(Acme Retail\\), el cliente dijo: Los pedidos no llegan a Salesforce desde las 3`));
  });
});
