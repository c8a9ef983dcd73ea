import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import twilio from 'twilio';
import { demo } from '../../src/app/demo-data.js';
import { ACK_LINK_LIFETIME_MS, signAckToken } from '../../src/app/ack-links.js';
import { engineers, notifications, timelineEntries } from '../../src/db/schema.js';
import { startWorld, type World } from '../support/world.js';
import { incident, openIncidentByApi, smsTo } from './paging-support.js';

/**
 * Who may act on an incident. Monday 23 Nov 2026 is Eng One's week in "Integrations primary"
 * (level 1) and Lead Three is level 2 of "Integrations 24x7" (on call through the policy); Eng Two
 * is neither; Admin On-call is an admin. Engineers answer in Spanish.
 */
const { one, two, lead, admin } = demo.engineers;
const customer = demo.acme.contacts[0];
const standby = demo.numbers.acmeDedicated;
const REFUSAL = /No puede actuar sobre el incidente (\d+)/;
let w: World;

beforeAll(async () => {
  w = await startWorld();
});
afterAll(() => w.close());

beforeEach(async () => {
  const open = (await w.app.inject({ method: 'GET', url: '/api/v1/incidents?status=open', headers: w.auth })).json();
  for (const i of open.items) {
    await w.app.inject({ method: 'POST', url: `/api/v1/incidents/${i.id}/resolve`, headers: w.auth, payload: { engineerId: await idOf(admin.phone), note: 'test cleanup' } });
  }
  await w.advance(1);
});

async function idOf(phone: string): Promise<number> {
  const [row] = await w.deps.database.db.select({ id: engineers.id }).from(engineers).where(eq(engineers.phone, phone));
  return row!.id;
}

/** An engineer texts the standby number and reads the answer that comes back. */
async function texts(phone: string, body: string): Promise<string> {
  const before = smsTo(w, phone).length;
  await w.sim.phone(phone).sendSms(standby, body);
  await w.settle();
  return smsTo(w, phone).slice(before).map((m) => m.body).join('\n');
}

async function timeline(incidentId: number) {
  return w.deps.database.db.select().from(timelineEntries).where(eq(timelineEntries.incidentId, incidentId)).orderBy(timelineEntries.id);
}

const customerHeard = (text: string) => smsTo(w, customer).some((m) => m.body.includes(text));

describe('an engineer who was not paged and is not on call', () => {
  it('cannot acknowledge, escalate or text the customer: they are told so, nothing changes, and the attempt is on the timeline', async () => {
    const opened = await openIncidentByApi(w);
    await w.settle();

    for (const command of [`ACK ${opened.id}`, `ESC ${opened.id}`, `REPLY ${opened.id} hola, soy del soporte`, `RESOLVE ${opened.id} listo`]) {
      expect(await texts(two.phone, command)).toMatch(REFUSAL);
    }
    expect(customerHeard('hola, soy del soporte')).toBe(false);
    const after = await incident(w, opened.id);
    expect(after).toMatchObject({ status: 'triggered', escalation: { level: 0 } });
    const refusals = (await timeline(opened.id)).filter((e) => e.kind === 'action_refused');
    expect(refusals.map((e) => (e.data as { action: string }).action)).toEqual(['acknowledge', 'escalate', 'reply', 'resolve']);
    expect(refusals.every((e) => e.engineerId !== null && e.body.startsWith('Eng Two tried to'))).toBe(true);
  });

  it('gets the very same answer for an incident that does not exist', async () => {
    const opened = await openIncidentByApi(w);
    await w.settle();
    const missing = opened.id + 1000;
    const aboutReal = await texts(two.phone, `ACK ${opened.id}`);
    const aboutMissing = await texts(two.phone, `ACK ${missing}`);
    expect(aboutReal.replace(String(opened.id), 'N')).toBe(aboutMissing.replace(String(missing), 'N'));
    expect(aboutReal).not.toMatch(/Acme|Salesforce|Eng One|no existe/i);
  });
});

describe('an engineer on call for the policy', () => {
  it('may acknowledge before being paged (Lead Three, level 2)', async () => {
    const opened = await openIncidentByApi(w);
    await w.settle();
    await texts(lead.phone, `ACK ${opened.id}`);
    expect(await incident(w, opened.id)).toMatchObject({ status: 'acknowledged', acknowledgedBy: await idOf(lead.phone) });
  });
});

describe('once an engineer has the incident', () => {
  it('only they may text the customer, wait on them, resolve or close it', async () => {
    const opened = await openIncidentByApi(w);
    await w.settle();
    await texts(one.phone, `ACK ${opened.id}`);

    // Lead Three is on call for the policy, yet Eng One has it now.
    for (const command of [`REPLY ${opened.id} soy Lead`, `WAIT ${opened.id} ¿me pasa el id?`, `RESOLVE ${opened.id} listo`, `EVIDENCE ${opened.id} es su firewall`]) {
      expect(await texts(lead.phone, command)).toMatch(REFUSAL);
    }
    expect(customerHeard('soy Lead')).toBe(false);
    expect(await incident(w, opened.id)).toMatchObject({ status: 'acknowledged', acknowledgedBy: await idOf(one.phone) });

    await texts(one.phone, `REPLY ${opened.id} estoy revisando el sync`);
    await w.sim.phone(customer).expectSms(/estoy revisando el sync/);
    await texts(one.phone, `RESOLVE ${opened.id} token renovado`);
    expect((await incident(w, opened.id)).status).toBe('resolved');
  });

  it('an admin may still resolve it by SMS', async () => {
    const opened = await openIncidentByApi(w);
    await w.settle();
    await texts(one.phone, `ACK ${opened.id}`);
    await texts(admin.phone, `RESOLVE ${opened.id} cerrado por guardia de admins`);
    expect((await incident(w, opened.id)).status).toBe('resolved');
  });

  it('an admin reassigns it through the API: the new engineer and the previous one are told, and from then on only the new one may reply', async () => {
    const opened = await openIncidentByApi(w);
    await w.settle();
    await texts(one.phone, `ACK ${opened.id}`);
    const reassigned = await w.app.inject({ method: 'POST', url: `/api/v1/incidents/${opened.id}/reassign`, headers: w.auth, payload: { engineerId: await idOf(two.phone) } });
    expect(reassigned.statusCode, reassigned.body).toBe(200);
    expect(reassigned.json().acknowledgedBy).toBe(await idOf(two.phone));
    await w.settle();
    await w.sim.phone(two.phone).expectSms(new RegExp(`incidente ${opened.id} .*ahora es suyo`));
    await w.sim.phone(one.phone).expectSms(new RegExp(`incidente ${opened.id} fue reasignado a Eng Two`));
    await w.sim.phone(customer).expectSms(/Eng Two/);

    expect(await texts(one.phone, `REPLY ${opened.id} sigo yo`)).toMatch(REFUSAL);
    await texts(two.phone, `REPLY ${opened.id} ahora lo llevo yo`);
    await w.sim.phone(customer).expectSms(/ahora lo llevo yo/);
    const reassignedEntry = (await timeline(opened.id)).find((e) => e.kind === 'reassigned')!;
    expect(reassignedEntry.body).toBe('Reassigned from Eng One to Eng Two by an admin (api, the bootstrap admin token)');
  });

  it('an engineer who is not an admin cannot reassign it', async () => {
    const opened = await openIncidentByApi(w);
    await w.settle();
    const { reassign } = await import('../../src/app/incident-actions.js');
    const [eng] = await w.deps.database.db.select().from(engineers).where(eq(engineers.phone, one.phone));
    const result = await w.deps.database.db.transaction((tx) => reassign(tx, w.deps, opened.id, { engineer: eng!, channel: 'sms' }, eng!, w.clock.now()));
    expect(result).toEqual({ outcome: 'refused', reason: 'admins_only' });
  });
});

describe('the same rules for acknowledgement links and keypresses', () => {
  it('a link made out to an engineer who may not act shows the refusal and acknowledges nothing', async () => {
    const opened = await openIncidentByApi(w);
    await w.settle();
    const token = signAckToken(w.config.LINK_SECRET, { incidentId: opened.id, engineerId: await idOf(two.phone), expiresAt: new Date(w.clock.now().getTime() + ACK_LINK_LIFETIME_MS) });
    const posted = await fetch(`${w.config.PUBLIC_BASE_URL}/ack/${token}`, { method: 'POST' });
    expect(await posted.text()).toMatch(REFUSAL);
    expect((await incident(w, opened.id)).status).toBe('triggered');
    expect((await timeline(opened.id)).some((e) => e.kind === 'action_refused' && e.channel === 'link')).toBe(true);
  });

  it('pressing 1 on a call that was not a page for the incident acknowledges nothing', async () => {
    const opened = await openIncidentByApi(w);
    await w.settle();
    const db = w.deps.database.db;
    // A call to Eng Two about the incident that is not a page (say, a notice): its keypad cannot acknowledge.
    const [notice] = await db
      .insert(notifications)
      .values({ incidentId: opened.id, engineerId: await idOf(two.phone), kind: 'notice', channel: 'voice', toPhone: two.phone, fromPhone: standby, body: 'aviso', priority: 4, dedupeKey: `test-notice:${opened.id}`, status: 'sent', notBefore: w.clock.now() })
      .returning();
    const url = `${w.config.PUBLIC_BASE_URL}/twilio/page/keypress?n=${notice!.id}&try=1`;
    const params = { CallSid: `CA${'7'.repeat(32)}`, Digits: '1', From: standby, To: two.phone };
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(w.config.TWILIO_AUTH_TOKEN, url, params) },
      body: new URLSearchParams(params).toString(),
    });
    expect(await response.text()).toMatch(/No puede actuar sobre el incidente/);
    expect((await incident(w, opened.id)).status).toBe('triggered');
    const refused = (await timeline(opened.id)).filter((e) => e.kind === 'action_refused');
    expect(refused.map((e) => e.channel)).toEqual(['voice']);
    await db.delete(notifications).where(and(eq(notifications.id, notice!.id)));
  });
});

describe('API tokens act as admins, and the record names them', () => {
  it('an acknowledgement through the API says which token made it', async () => {
    const opened = await openIncidentByApi(w);
    await w.settle();
    const issued = (await w.app.inject({ method: 'POST', url: '/api/v1/api-tokens', headers: w.auth, payload: { name: 'ops script', scope: 'write' } })).json();
    const acked = await w.app.inject({
      method: 'POST',
      url: `/api/v1/incidents/${opened.id}/acknowledge`,
      headers: { authorization: `Bearer ${issued.token}` },
      payload: { engineerId: await idOf(two.phone) },
    });
    expect(acked.statusCode, acked.body).toBe(200);
    await w.settle();
    const entry = (await timeline(opened.id)).find((e) => e.kind === 'acknowledged')!;
    expect(entry.body).toContain(`Eng Two acknowledged (api, API token "ops script" (#${issued.id}))`);
    expect(entry.data).toMatchObject({ apiToken: { id: issued.id, name: 'ops script' } });
  });
});
