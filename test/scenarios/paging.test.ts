import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { and, eq, inArray } from 'drizzle-orm';
import twilio from 'twilio';
import { demo } from '../../src/app/demo-data.js';
import { engineers, notifications, rotations, timelineEntries } from '../../src/db/schema.js';
import { startWorld, type World } from '../support/world.js';
import { stepEscalation } from '../../src/app/escalation-step.js';
import { jobIds } from '../../src/worker/jobs.js';
import { DeliveryReporter, recordDeliveryReports } from '../../src/db/delivery-reports.js';
import { answerRingingCall, callsTo, incident, openIncidentByApi, smsTo, timelineKinds } from './paging-support.js';

const { one, two, lead, admin } = demo.engineers;
const customer = demo.acme.contacts[0];
let w: World;

beforeAll(async () => {
  w = await startWorld();
});
afterAll(() => w.close());

/** Resolve whatever is open so each test starts with Acme's integrations free. */
beforeEach(async () => {
  const open = (await w.app.inject({ method: 'GET', url: '/api/v1/incidents?status=open', headers: w.auth })).json();
  for (const i of open.items) {
    await w.app.inject({ method: 'POST', url: `/api/v1/incidents/${i.id}/resolve`, headers: w.auth, payload: { engineerId: 1, note: 'test cleanup' } });
  }
  // Page calls left ringing by the previous test time out (no-answer).
  await w.advance(1);
});

const pagesSince = (before: number) => w.sim.messages.slice(before).filter((m) => /ACK \d+/.test(m.body) && m.direction !== 'inbound');

describe('escalation', () => {
  it('pages the on-call engineer, then Lead Three, twice more, and then the admins', async () => {
    const before = w.sim.messages.length;
    const opened = await openIncidentByApi(w);
    await w.settle();
    // Monday 23 Nov 2026 is Eng One's week in "Integrations primary".
    expect(pagesSince(before).map((m) => m.to)).toEqual([one.phone]);
    expect(callsTo(w, one.phone).length).toBeGreaterThan(0);

    await w.advance(5);
    expect(pagesSince(before).map((m) => m.to)).toEqual([one.phone, lead.phone]);
    for (let i = 0; i < 4; i++) await w.advance(5);
    expect(pagesSince(before).map((m) => m.to)).toEqual([one.phone, lead.phone, one.phone, lead.phone, one.phone, lead.phone]);

    await w.advance(5);
    await w.sim.phone(admin.phone).expectSms(new RegExp(`${opened.id}`));
    const kinds = await timelineKinds(w, opened.id);
    expect(kinds).toContain('admins_paged');
    expect(kinds.filter((k) => k === 'page')).toHaveLength(6);
    expect((await incident(w, opened.id)).escalation.exhaustedAt).not.toBeNull();

    // Nothing more after the admins.
    const count = w.sim.messages.length;
    await w.advance(30);
    expect(pagesSince(count)).toEqual([]);
  });
});

describe('many incidents due at the same instant', () => {
  it('are stepped together by the first wake-up, and each pages the next level once', async () => {
    const before = w.sim.messages.length;
    const salesforce = await openIncidentByApi(w, { integration: 'Salesforce sync' });
    const sap = await openIncidentByApi(w, { integration: 'SAP orders' });
    await w.settle();
    // Both level-1 timeouts come due now; only Salesforce's wake-up runs.
    const sapDue = new Date((await incident(w, sap.id)).escalation.nextStepAt);
    expect(await w.deps.scheduler.queues.escalation.getJob(jobIds.escalation(sap.id, sapDue))).toBeDefined();
    w.clock.advanceMinutes(5);
    await stepEscalation(w.deps, salesforce.id);
    for (const id of [salesforce.id, sap.id]) expect((await incident(w, id)).escalation.level).toBe(1);
    // SAP's own wake-up, which would only find its step taken, is gone.
    expect(await w.deps.scheduler.queues.escalation.getJob(jobIds.escalation(sap.id, sapDue))).toBeUndefined();
    await w.settle();
    await w.advance(0);
    expect(pagesSince(before).filter((m) => m.to === lead.phone).map((m) => Number(/ACK (\d+)/.exec(m.body)![1])).sort()).toEqual([salesforce.id, sap.id].sort());
    for (const id of [salesforce.id, sap.id]) expect((await timelineKinds(w, id)).filter((k) => k === 'escalated')).toHaveLength(1);
  });
});

describe('overrides', () => {
  it('pages whoever covers the on-call engineer now, not someone whose cover has ended or not begun', async () => {
    const db = w.deps.database.db;
    const [rotation] = await db.select().from(rotations).where(eq(rotations.name, demo.rotation));
    const ids = new Map((await db.select().from(engineers)).map((e) => [e.phone, e.id]));
    const covers = async (engineer: string, startsAt: string, endsAt: string) => {
      const response = await w.app.inject({
        method: 'POST',
        url: `/api/v1/rotations/${rotation!.id}/overrides`,
        headers: w.auth,
        payload: { engineerId: ids.get(engineer), replacesEngineerId: ids.get(one.phone), startsAt, endsAt },
      });
      expect(response.statusCode, response.body).toBe(201);
      return response.json().id as number;
    };
    // Eng One's week; overrides start in the future, then the clock moves into the middle one.
    const at = (minutes: number) => new Date(w.clock.now().getTime() + minutes * 60_000).toISOString();
    const overrides = [
      await covers(lead.phone, at(10), at(60)),
      await covers(two.phone, at(60), at(120)),
      await covers(lead.phone, at(120), at(180)),
    ];
    await w.advance(90);
    const before = w.sim.messages.length;
    await openIncidentByApi(w);
    await w.settle();
    expect(pagesSince(before).map((m) => m.to)).toEqual([two.phone]);
    for (const id of overrides) await w.app.inject({ method: 'DELETE', url: `/api/v1/rotations/${rotation!.id}/overrides/${id}`, headers: w.auth });
  });
});

describe('acknowledgement', () => {
  it('by SMS reply stops escalation and tells the customer who is on it', async () => {
    const opened = await openIncidentByApi(w);
    await w.settle();
    const eng = w.sim.phone(one.phone);
    await eng.expectSms(new RegExp(`ACK ${opened.id}`));
    await eng.sendSms(demo.numbers.acmeDedicated, `ACK ${opened.id}`);
    await w.settle();
    await eng.expectSms(/You acknowledged|Usted tomó|tomó el incidente|acknowledged/i);
    await w.sim.phone(customer).expectSms(/Eng One/);

    const before = w.sim.messages.length;
    await w.advance(15);
    expect(pagesSince(before)).toEqual([]);
    const after = await incident(w, opened.id);
    expect(after).toMatchObject({ status: 'acknowledged', acknowledgedBy: expect.any(Number) });
    expect(after.sla.firstResponse.state).toBe('met');
    expect(await timelineKinds(w, opened.id)).toEqual(expect.arrayContaining(['incident_opened', 'page', 'sms_out', 'sms_in', 'acknowledged', 'escalation_stopped']));
  });

  it('by pressing 1 on the page call', async () => {
    const opened = await openIncidentByApi(w, { integration: 'SAP orders' });
    await w.settle();
    const call = await answerRingingCall(w, one.phone);
    await call.expectSay(new RegExp(`${opened.id}`.split('').join('.*'), 'i'));
    await call.press('1');
    await w.settle();
    expect((await incident(w, opened.id)).status).toBe('acknowledged');
    expect(await timelineKinds(w, opened.id)).toEqual(expect.arrayContaining(['keypress', 'acknowledged', 'call_status']));
  });

  it('by link: opening it only shows a confirm page; posting the form acknowledges', async () => {
    const opened = await openIncidentByApi(w);
    await w.settle();
    const page = await w.sim.phone(one.phone).expectSms(new RegExp(`ACK ${opened.id}`));
    const link = /http\S+\/ack\/\S+/.exec(page.body)![0];
    const preview = await fetch(link);
    expect(preview.status).toBe(200);
    expect(await preview.text()).toContain('<form method="post">');
    expect((await incident(w, opened.id)).status).toBe('triggered');

    const post = await fetch(link, { method: 'POST' });
    expect(post.status).toBe(200);
    expect((await incident(w, opened.id)).status).toBe('acknowledged');
    const forged = await fetch(link.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')));
    expect(forged.status).toBe(404);
    const exported = await w.app.inject({ method: 'GET', url: `/api/v1/incidents/${opened.id}/export?format=text`, headers: w.auth });
    expect(exported.body).toContain('/ack/[link]');
    expect(exported.body).not.toContain(link.split('/ack/')[1]);
  });

  it('exactly once when several acknowledgements arrive together', async () => {
    const opened = await openIncidentByApi(w);
    await w.settle();
    const ids = await w.app.inject({ method: 'GET', url: '/api/v1/engineers?limit=10', headers: w.auth });
    const byPhone = new Map(ids.json().items.map((e: { id: number; phone: string }) => [e.phone, e.id]));
    const answers = await Promise.all([
      w.app.inject({ method: 'POST', url: `/api/v1/incidents/${opened.id}/acknowledge`, headers: w.auth, payload: { engineerId: byPhone.get(lead.phone) } }),
      w.app.inject({ method: 'POST', url: `/api/v1/incidents/${opened.id}/acknowledge`, headers: w.auth, payload: { engineerId: byPhone.get(two.phone) } }),
      w.sim.phone(one.phone).sendSms(demo.numbers.acmeDedicated, `ACK ${opened.id}`),
    ]);
    await w.settle();
    const apiCodes = answers.slice(0, 2).map((a) => (a as { statusCode: number }).statusCode).sort();
    const kinds = await timelineKinds(w, opened.id);
    expect(kinds.filter((k) => k === 'acknowledged')).toHaveLength(1);
    expect(smsTo(w, customer).filter((m) => m.body.includes(`${opened.id}`) && /Eng|Lead/.test(m.body))).toHaveLength(1);
    // Either one API call won (200 + 409) or the SMS won (409 + 409).
    expect([['200', '409'], ['409', '409']]).toContainEqual(apiCodes.map(String));
  });
});

describe('two engineers acknowledging at the same instant', () => {
  it('by SMS and by keypress: one wins, the other is told who has it, and both are on the timeline', async () => {
    const opened = await openIncidentByApi(w);
    await w.settle();
    await w.advance(5); // Lead Three is paged too
    await w.sim.phone(lead.phone).expectSms(new RegExp(`ACK ${opened.id}`));
    const call = await answerRingingCall(w, lead.phone);
    await call.expectSay(new RegExp(`${opened.id}`.split('').join('.*'), 'i'));
    const smsBefore = smsTo(w, one.phone).length;
    await Promise.all([call.press('1'), w.sim.phone(one.phone).sendSms(demo.numbers.acmeDedicated, `ACK ${opened.id}`)]);
    await w.settle();

    const kinds = await timelineKinds(w, opened.id);
    expect(kinds.filter((k) => k === 'acknowledged')).toHaveLength(1);
    expect(kinds).toEqual(expect.arrayContaining(['keypress', 'sms_in']));
    const texted = smsTo(w, one.phone).slice(smsBefore).map((m) => m.body).join('\n');
    const heard = w.sim.call(call.sid)!.transcript.flatMap((t) => (t.kind === 'say' ? [t.text] : [])).join('\n');
    expect(texted).not.toMatch(/could not read/i);
    expect(heard).not.toContain('application error');
    // Whoever lost was told who has it: the texter by SMS, or the caller on the call.
    const winner = (await incident(w, opened.id)).acknowledgedBy;
    const engineersList = (await w.app.inject({ method: 'GET', url: '/api/v1/engineers?limit=10', headers: w.auth })).json().items as { id: number; name: string }[];
    const winnerName = engineersList.find((e) => e.id === winner)!.name;
    expect(['Eng One', 'Lead Three']).toContain(winnerName);
    if (winnerName === 'Lead Three') expect(texted).toMatch(/Lead Three/);
    else expect(heard).toMatch(/Eng One/);
  });
});

describe('after an acknowledgement', () => {
  it('tells the other paged engineers who took it', async () => {
    const opened = await openIncidentByApi(w);
    await w.settle();
    await w.advance(5); // Lead Three is paged too
    await w.sim.phone(lead.phone).expectSms(new RegExp(`ACK ${opened.id}`));
    await w.sim.phone(lead.phone).sendSms(demo.numbers.acmeDedicated, `ACK ${opened.id}`);
    await w.settle();
    await w.sim.phone(one.phone).expectSms(new RegExp(`Lead Three.*\\b${opened.id}\\b`));
    await w.sim.phone(customer).expectSms(/Lead Three/);
  });
});

describe('escalate now', () => {
  it('ESC pages the next level at once, and a second ESC from the same page does not skip a level', async () => {
    const before = w.sim.messages.length;
    const opened = await openIncidentByApi(w);
    await w.settle();
    await w.sim.phone(one.phone).sendSms(demo.numbers.acmeDedicated, `ESC ${opened.id}`);
    await w.settle();
    expect(pagesSince(before).map((m) => m.to)).toEqual([one.phone, lead.phone]);
    await w.sim.phone(one.phone).sendSms(demo.numbers.acmeDedicated, '2');
    await w.settle();
    await w.sim.phone(one.phone).expectSms(/ya no escala|no longer escalating/);
    expect(pagesSince(before).map((m) => m.to)).toEqual([one.phone, lead.phone]);
    expect((await incident(w, opened.id)).escalation).toMatchObject({ level: 1, round: 0 });
  });

  it('pressing 2 on the page call escalates', async () => {
    const before = w.sim.messages.length;
    const opened = await openIncidentByApi(w);
    await w.settle();
    const call = await answerRingingCall(w, one.phone);
    await call.waitForGather();
    await call.press('2');
    await w.settle();
    expect(pagesSince(before).map((m) => m.to)).toEqual([one.phone, lead.phone]);
    expect((await incident(w, opened.id)).status).toBe('triggered');
  });
});

describe('working the incident by SMS', () => {
  it('relays, waits on the customer, and closes with evidence sent to the customer', async () => {
    const opened = await openIncidentByApi(w);
    await w.settle();
    const eng = w.sim.phone(one.phone);
    const ana = w.sim.phone(customer);
    await eng.sendSms(demo.numbers.acmeDedicated, `ACK ${opened.id}`);
    await w.settle();

    await eng.sendSms(demo.numbers.acmeDedicated, `REPLY ${opened.id} Can you send me the failing order id?`);
    await w.settle();
    await ana.expectSms(/failing order id/);

    await eng.sendSms(demo.numbers.acmeDedicated, `WAIT ${opened.id} waiting for the order id`);
    await w.settle();
    expect((await incident(w, opened.id)).status).toBe('waiting_on_customer');
    await w.advance(60);
    expect((await incident(w, opened.id)).sla.resolution.state).toBe('paused');

    await eng.sendSms(demo.numbers.acmeDedicated, `EVIDENCE ${opened.id} Your Salesforce API quota is exhausted (HTTP 403 REQUEST_LIMIT_EXCEEDED)`);
    await w.settle();
    await ana.expectSms(/REQUEST_LIMIT_EXCEEDED/);
    const closed = await incident(w, opened.id);
    expect(closed).toMatchObject({ status: 'closed_with_evidence', evidence: expect.stringContaining('REQUEST_LIMIT_EXCEEDED') });
    // The hour waiting on the customer did not count against resolution.
    expect(closed.sla.resolution.elapsedSeconds).toBeLessThan(60);
  });

  it('answers an unknown command with help, and RESOLVE ends the incident', async () => {
    const opened = await openIncidentByApi(w);
    await w.settle();
    const eng = w.sim.phone(one.phone);
    await eng.sendSms(demo.numbers.acmeDedicated, 'what now?');
    await eng.expectSms(/HELP|AYUDA|Sorry|entendimos/i);
    await eng.sendSms(demo.numbers.acmeDedicated, `RESOLVE ${opened.id} restarted the sync job`);
    await w.settle();
    expect((await incident(w, opened.id)).status).toBe('resolved');
    await w.sim.phone(customer).expectSms(/restarted the sync job/);
  });
});

describe('a customer who reports again at Blocker', () => {
  it('raises the open High incident to Blocker', async () => {
    const ana = w.sim.phone(customer);
    await ana.sendSms(demo.numbers.acmeDedicated, 'ALTA sap orders no sincroniza');
    await w.settle();
    const open = (await w.app.inject({ method: 'GET', url: '/api/v1/incidents?status=open', headers: w.auth })).json().items;
    expect(open).toHaveLength(1);
    expect(open[0].severity).toBe('high');
    await ana.sendSms(demo.numbers.acmeDedicated, 'BLOQUEANTE sap orders caido por completo');
    await w.settle();
    const raised = await incident(w, open[0].id);
    expect(raised).toMatchObject({ severity: 'blocker', sla: { firstResponse: { targetMinutes: 15 } } });
    expect(await timelineKinds(w, open[0].id)).toContain('severity_raised');
  });
});

describe('a customer who calls again about an incident someone has', () => {
  it('is added to it, and the engineer who has it is told', async () => {
    const opened = await openIncidentByApi(w);
    await w.settle();
    await w.sim.phone(one.phone).sendSms(demo.numbers.acmeDedicated, `ACK ${opened.id}`);
    await w.settle();
    const call = await w.sim.phone(demo.acme.contacts[1]).call(demo.numbers.acmeDedicated);
    await call.press('1');
    await call.press('1');
    await call.expectSay(/Agregamos su reporte/);
    await w.settle();
    await w.sim.phone(one.phone).expectSms(new RegExp(`volvió a llamar por el incidente ${opened.id}`));
  });
});

describe('delivery', () => {
  it('records delivery status callbacks on the timeline', async () => {
    const opened = await openIncidentByApi(w);
    await w.settle();
    const kinds = await timelineKinds(w, opened.id);
    expect(kinds).toContain('delivery_status');
  });

  it('keeps a delivery report once however often Twilio sends it, and a late one never moves the page back', async () => {
    const opened = await openIncidentByApi(w);
    await w.settle();
    const db = w.deps.database.db;
    const [sms] = await db.select().from(notifications).where(and(eq(notifications.incidentId, opened.id), eq(notifications.kind, 'page'), eq(notifications.channel, 'sms')));
    expect(sms!.status).toBe('delivered');
    const report = async (params: Record<string, string>) => {
      const url = `${w.config.PUBLIC_BASE_URL}/twilio/status/message?n=${sms!.id}`;
      const signature = twilio.getExpectedTwilioSignature(w.config.TWILIO_AUTH_TOKEN, url, params);
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, body: new URLSearchParams(params).toString() });
      expect(response.status).toBe(200);
    };
    const statuses = async () =>
      (await db.select().from(timelineEntries).where(and(eq(timelineEntries.incidentId, opened.id), eq(timelineEntries.kind, 'delivery_status'))).orderBy(timelineEntries.id)).map((e) => e.body);
    const before = await statuses();

    // A late "sent" after "delivered", three times (Twilio's retries): written once, the page stays delivered.
    for (let i = 0; i < 3; i++) await report({ MessageSid: sms!.twilioSid!, MessageStatus: 'sent', AccountSid: w.config.TWILIO_ACCOUNT_SID });
    expect((await db.select().from(notifications).where(eq(notifications.id, sms!.id)))[0]!.status).toBe('delivered');
    expect(await statuses()).toEqual([...before, `SMS to ${sms!.toPhone} (page): sent`]);

    // An error reported after delivery: the page stays delivered, and the record keeps Twilio's code as it came (a % included).
    await report({ MessageSid: sms!.twilioSid!, MessageStatus: 'undelivered', ErrorCode: '30%03', AccountSid: w.config.TWILIO_ACCOUNT_SID });
    const [failed] = await db.select().from(notifications).where(eq(notifications.id, sms!.id));
    expect(failed).toMatchObject({ status: 'delivered' });
    expect((await statuses()).at(-1)).toBe(`SMS to ${sms!.toPhone} (page): undelivered (error 30%03)`);
  });
});

describe('delivery reports that arrive together', () => {
  /** Two fresh SMS rows on a new incident, being sent: what Twilio's callbacks are about to report on. */
  const twoRowsBeingSent = async () => {
    const opened = await openIncidentByApi(w);
    await w.settle();
    const db = w.deps.database.db;
    const [engineer] = await db.select().from(engineers).where(eq(engineers.phone, one.phone));
    const rows = await db
      .insert(notifications)
      .values(
        [1, 2].map((n) => ({
          incidentId: opened.id,
          engineerId: engineer!.id,
          kind: 'page',
          channel: 'sms' as const,
          toPhone: one.phone,
          fromPhone: demo.numbers.acmeDedicated,
          body: `page ${n}`,
          priority: 1,
          dedupeKey: `together-${opened.id}-${n}`,
          status: 'sending' as const,
          notBefore: w.clock.now(),
        })),
      )
      .returning();
    return { incidentId: opened.id, rows };
  };
  const report = (notificationId: number, key: string, status: 'sent' | 'delivered', sid: string) => ({
    receiptKey: key,
    answer: '<Response/>',
    notificationId,
    sid,
    status,
    now: w.clock.now(),
    timeline: { channel: 'sms' as const, kind: 'delivery_status', body: `SMS to %1$s (%2$s): ${status}`, data: { status } },
  });

  it('records each as if it came alone: a row reported twice moves once per report, in order; a replay and a late report change nothing', async () => {
    const { incidentId, rows } = await twoRowsBeingSent();
    const [a, b] = rows;
    const results = await recordDeliveryReports(w.deps.database.db, [
      report(a!.id, `t-${a!.id}-sent`, 'sent', `SMT${a!.id}`),
      report(a!.id, `t-${a!.id}-delivered`, 'delivered', `SMT${a!.id}`),
      report(a!.id, `t-${a!.id}-delivered`, 'delivered', `SMT${a!.id}`),
      report(b!.id, `t-${b!.id}-delivered`, 'delivered', `SMT${b!.id}`),
      report(b!.id, `t-${b!.id}-sent`, 'sent', `SMT${b!.id}`),
      report(999_999_999, 't-unknown', 'delivered', 'SMT-unknown'),
    ]);
    expect(results.map((r) => r?.id ?? null)).toEqual([a!.id, a!.id, null, b!.id, b!.id, null]);
    const after = await w.deps.database.db.select().from(notifications).where(inArray(notifications.id, [a!.id, b!.id])).orderBy(notifications.id);
    expect(after.map((r) => [r.status, r.twilioSid])).toEqual([
      ['delivered', `SMT${a!.id}`],
      ['delivered', `SMT${b!.id}`],
    ]);
    const entries = await w.deps.database.db
      .select()
      .from(timelineEntries)
      .where(and(eq(timelineEntries.incidentId, incidentId), eq(timelineEntries.kind, 'delivery_status')))
      .orderBy(timelineEntries.id);
    const of = (id: number) => entries.filter((e) => (e.data as { notificationId?: number }).notificationId === id).map((e) => e.body);
    expect(of(a!.id)).toEqual([`SMS to ${one.phone} (page): sent`, `SMS to ${one.phone} (page): delivered`]);
    expect(of(b!.id)).toEqual([`SMS to ${one.phone} (page): delivered`, `SMS to ${one.phone} (page): sent`]);
  });

  it('reported together, two that name one SID fail their statement: each is then recorded alone, and neither fails', async () => {
    const { incidentId, rows } = await twoRowsBeingSent();
    const [a, b] = rows;
    const reporter = new DeliveryReporter(w.deps.database.db);
    const shared = `SMshared${incidentId}`;
    // The first ask goes alone; the next ones wait for it and go together, where the shared SID fails their statement.
    const recorded = await Promise.all([
      reporter.record(report(999_999_990, `t-${incidentId}-decoy-1`, 'sent', '')),
      reporter.record(report(999_999_991, `t-${incidentId}-decoy-2`, 'sent', '')),
      reporter.record(report(a!.id, `t-${a!.id}-shared`, 'sent', shared)),
      reporter.record(report(b!.id, `t-${b!.id}-shared`, 'delivered', shared)),
    ]);
    expect(recorded.map((r) => r?.id ?? null)).toEqual([null, null, a!.id, b!.id]);
    const after = await w.deps.database.db.select().from(notifications).where(inArray(notifications.id, [a!.id, b!.id])).orderBy(notifications.id);
    expect(after.map((r) => r.status)).toEqual(['sent', 'delivered']);
    // The SID is one Twilio resource: exactly one row holds it.
    expect(after.filter((r) => r.twilioSid === shared)).toHaveLength(1);
    const entries = await w.deps.database.db
      .select()
      .from(timelineEntries)
      .where(and(eq(timelineEntries.incidentId, incidentId), eq(timelineEntries.kind, 'delivery_status')));
    const mine = entries.map((e) => (e.data as { notificationId?: number }).notificationId).filter((id) => id === a!.id || id === b!.id);
    expect(mine.sort()).toEqual([a!.id, b!.id].sort());
  });
});
