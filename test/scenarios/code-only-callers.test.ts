import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import { demo } from '../../src/app/demo-data.js';
import { incidents, timelineEntries } from '../../src/db/schema.js';
import { startWorld, type World } from '../support/world.js';
import { openIncidentByApi, smsTo } from './paging-support.js';

/**
 * On the shared number, a phone nobody registered is identified only by the customer code it
 * types: anyone who learns "1001" can type it. Such a caller may open an incident (the contract
 * still decides) but hears nothing about Acme's other open incidents and adds nothing to them;
 * the engineers are told the caller was identified by code only, and from which number.
 */
let w: World;
const eng = demo.engineers.one.phone;

beforeAll(async () => {
  w = await startWorld();
});
afterAll(() => w.close());

beforeEach(async () => {
  const open = (await w.app.inject({ method: 'GET', url: '/api/v1/incidents?status=open', headers: w.auth })).json();
  for (const i of open.items) await w.app.inject({ method: 'POST', url: `/api/v1/incidents/${i.id}/resolve`, headers: w.auth, payload: { engineerId: 1, note: 'test cleanup' } });
  await w.advance(1);
});

async function timeline(incidentId: number) {
  return w.deps.database.db.select().from(timelineEntries).where(eq(timelineEntries.incidentId, incidentId)).orderBy(asc(timelineEntries.id));
}

describe('a stranger who types Acme\'s code', () => {
  it('by phone, opens an incident whose page says the caller was identified by code only, and from which number', async () => {
    const stranger = '+5491150000881';
    const call = await w.sim.phone(stranger).call(demo.numbers.shared);
    await call.press('1');
    await call.press('1001#');
    await call.expectSay('Gracias, Acme Retail.');
    await call.press('1'); // Blocker
    await call.press('2'); // SAP orders
    await call.expectSay(/Abrimos su incidente/);
    await call.hangup();
    await w.settle();

    const page = await w.sim.phone(eng).expectSms(/Acme Retail – SAP orders/);
    expect(page.body).toContain(`Se identificó solo con el código de cliente, desde ${stranger}.`);
    const [opened] = await w.deps.database.db.select().from(incidents).where(eq(incidents.reporterPhone, stranger));
    expect(opened).toMatchObject({ reporterIdentifiedBy: 'customer_code', status: 'triggered' });
  });

  it('by text, about an integration Acme already has an open incident on: noted there, told nothing about it, nothing relayed', async () => {
    const reported = await openIncidentByApi(w, { integration: 'Salesforce sync' });
    await w.settle();
    await w.sim.phone(eng).sendSms(demo.numbers.shared, `ACK ${reported.id}`);
    await w.settle();
    const engineerTextsBefore = smsTo(w, eng).length;

    const stranger = w.sim.phone('+5491150000882');
    await stranger.sendSms(demo.numbers.shared, 'BLOCKER salesforce sync caído, soy de Acme');
    await stranger.expectSms(/código de cliente/);
    await stranger.sendSms(demo.numbers.shared, '1001');
    const answer = await stranger.expectSms(/registramos su reporte/);
    expect(answer.body).not.toContain(String(reported.id));
    await w.settle();

    // The stranger's later texts go nowhere near the incident either.
    await stranger.sendSms(demo.numbers.shared, `${reported.id} ¿cómo va?`);
    await w.settle();
    expect(smsTo(w, '+5491150000882').map((m) => m.body).join('\n')).not.toContain(String(reported.id));
    expect(smsTo(w, eng).slice(engineerTextsBefore).map((m) => m.body).join('\n')).not.toMatch(/soy de Acme|cómo va/);

    const entries = await timeline(reported.id);
    const noted = entries.filter((e) => e.kind === 'unverified_contact');
    expect(noted).toHaveLength(1);
    expect(noted[0]!.body).toContain('identified only by the customer code (a text from +5491150000882)');
    expect(noted[0]!.body).toContain('soy de Acme');
    expect(entries.some((e) => e.kind === 'sms_in' && e.body.includes('cómo va'))).toBe(false);
    expect(entries.some((e) => e.kind === 'severity_raised' || e.kind === 'repeat_contact')).toBe(false);
  });

  it('by phone, about an integration with an open incident: hears only that the report was recorded, and the call ends', async () => {
    const reported = await openIncidentByApi(w, { integration: 'SAP orders', severity: 'high' });
    await w.settle();
    const call = await w.sim.phone('+5491150000883').call(demo.numbers.shared);
    await call.press('1');
    await call.press('1001#');
    await call.press('1'); // Blocker
    await call.press('2'); // SAP orders
    await call.expectSay(/Registramos su reporte para los ingenieros/);
    await call.ended;
    await w.settle();
    const heard = w.sim.call(call.sid)!.transcript.flatMap((t) => (t.kind === 'say' ? [t.text] : [])).join('\n');
    expect(heard).not.toMatch(/Agregamos su reporte al incidente|Su número de incidente/);
    expect(heard).not.toMatch(new RegExp(`incidente (?:${reported.id}|${String(reported.id).split('').join(', ')})\\b`));
    const entries = await timeline(reported.id);
    expect(entries.filter((e) => e.kind === 'unverified_contact')).toHaveLength(1);
    // An unverified Blocker report does not raise the High incident.
    const [row] = await w.deps.database.db.select().from(incidents).where(eq(incidents.id, reported.id));
    expect(row!.severity).toBe('high');
  });
});

describe('a registered Acme contact on the shared number', () => {
  it('is identified by caller ID and still told the reference of the open incident it adds to', async () => {
    const reported = await openIncidentByApi(w, { integration: 'Salesforce sync' });
    await w.settle();
    const bruno = w.sim.phone(demo.acme.contacts[1]);
    await bruno.sendSms(demo.numbers.shared, 'BLOCKER salesforce sync sigue caído');
    await bruno.expectSms(new RegExp(`incidente ${reported.id}`));
  });
});
