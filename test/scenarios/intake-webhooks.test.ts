import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, count, eq } from 'drizzle-orm';
import twilio from 'twilio';
import { demo } from '../../src/app/demo-data.js';
import {
  callSessions,
  contactsLog,
  customers,
  incidents,
  integrations,
  notifications,
  smsConversations,
  smsOptOuts,
  timelineEntries,
  webhookReceipts,
} from '../../src/db/schema.js';
import { startWorld, type World } from '../support/world.js';

/**
 * Twilio's webhooks as they really arrive: retried (the same request twice, or several at once),
 * forged or unsigned, and malformed. A retry answers the same and changes nothing; a forgery
 * changes nothing at all; a malformed request still gets TwiML that tells the person what to do.
 */
let w: World;
const [ana, bruno] = demo.acme.contacts;

beforeAll(async () => {
  w = await startWorld();
  const [acme] = await db().select().from(customers).where(eq(customers.code, demo.acme.code));
  await db().insert(integrations).values([
    { customerId: acme!.id, name: 'Magento stock', builtBy: 'vendor' },
    { customerId: acme!.id, name: 'VTEX catalog', builtBy: 'vendor' },
  ]);
});

afterAll(async () => {
  await w?.close();
});

const db = () => w.deps.database.db;

/** Posts a webhook as Twilio would (signed over the exact URL), or unsigned / wrongly signed. */
async function post(path: string, params: Record<string, string>, signature: 'valid' | 'none' | 'forged' = 'valid') {
  const url = path.startsWith('http') ? path : `${w.config.PUBLIC_BASE_URL}${path}`;
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (signature === 'valid') headers['x-twilio-signature'] = twilio.getExpectedTwilioSignature(w.config.TWILIO_AUTH_TOKEN, url, params);
  if (signature === 'forged') headers['x-twilio-signature'] = twilio.getExpectedTwilioSignature('not-the-auth-token-at-all', url, params);
  const response = await fetch(url, { method: 'POST', headers, body: new URLSearchParams(params).toString() });
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: await response.text() };
}

let sequence = 0;
const sid = (prefix: 'CA' | 'SM') => `${prefix}${String(++sequence).padStart(32, '0')}`;

async function rowCounts() {
  const tables = { callSessions, contactsLog, incidents, notifications, smsConversations, smsOptOuts, timelineEntries, webhookReceipts };
  const entries = await Promise.all(Object.entries(tables).map(async ([name, table]) => [name, (await db().select({ n: count() }).from(table))[0]!.n] as const));
  return Object.fromEntries(entries);
}

async function incidentFor(integration: string) {
  const rows = await db()
    .select({ incident: incidents })
    .from(incidents)
    .innerJoin(integrations, eq(integrations.id, incidents.integrationId))
    .where(eq(integrations.name, integration));
  return rows.map((r) => r.incident);
}

async function timelineOf(incidentId: number) {
  return db().select().from(timelineEntries).where(eq(timelineEntries.incidentId, incidentId)).orderBy(timelineEntries.id);
}

describe('Twilio retrying a webhook', () => {
  it('gets the same answer for every step of a call delivered twice, and the call is written once', async () => {
    w.sim.faults.duplicateWebhooks(50);
    try {
      const call = await w.sim.phone(ana).call(demo.numbers.acmeDedicated);
      await call.press('1');
      await call.press('2'); // Salesforce sync
      await call.expectSay(/Abrimos su incidente/);
      await call.record({ transcription: 'No se sincronizan los contactos', durationSeconds: 6 });
      await call.expectSay(/Su número de incidente es/);
      await call.ended;
      await w.settle();

      const retried = w.sim.traffic.filter((t) => t.channel === 'webhook' && t.fault === 'retried (second delivery)');
      expect(retried.length).toBeGreaterThanOrEqual(4);
      const [incident, ...more] = await incidentFor('Salesforce sync');
      expect(more).toEqual([]);
      const timeline = await timelineOf(incident!.id);
      const kinds = (kind: string) => timeline.filter((e) => e.kind === kind);
      expect(kinds('call_in')).toHaveLength(1);
      expect(kinds('keypress')).toHaveLength(2);
      expect(kinds('incident_opened')).toHaveLength(1);
      expect(kinds('recording_ended')).toHaveLength(1);
      expect(kinds('ivr_prompt').map((e) => e.body)).toEqual(call.said.map((s) => s.text));
      // One page per step and target, however often the webhook came.
      const sent = async (kind: string) => db().select().from(notifications).where(and(eq(notifications.incidentId, incident!.id), eq(notifications.kind, kind)));
      expect(await sent('page')).toHaveLength(2);
      expect(await sent('description')).toHaveLength(1);

      // Twilio retrying the recording and transcription callbacks changes nothing either.
      const callbacks = w.sim.traffic.filter((t) => t.channel === 'webhook' && (t.kind === 'recording-status' || t.kind === 'transcription') && t.params.CallSid === call.sid);
      expect(callbacks).toHaveLength(2);
      for (const callback of callbacks) {
        const params = Object.fromEntries(Object.entries(callback.params).map(([k, v]) => [k, String(v)]));
        expect((await post(callback.url, params)).status).toBe(200);
      }
      const after = await timelineOf(incident!.id);
      expect(after.filter((e) => e.kind === 'recording')).toHaveLength(1);
      expect(after.filter((e) => e.kind === 'transcription')).toHaveLength(1);
      expect(await sent('description')).toHaveLength(1);
    } finally {
      w.sim.faults.reset();
    }
  });

  it('answers a text delivered twice once, with one incident', async () => {
    const phone = w.sim.phone(bruno);
    w.sim.faults.duplicateWebhooks(1);
    await phone.sendSms(demo.numbers.shared, 'BLOCKER SAP orders caído');
    const [incident, ...more] = await incidentFor('SAP orders');
    expect(more).toEqual([]);
    await phone.expectSms(`Incidente ${incident!.id} abierto (BLOQUEANTE, SAP orders). Ya estamos avisando al ingeniero de guardia.`);
    await w.settle();
    expect(phone.unreadSms()).toEqual([]);
    expect((await timelineOf(incident!.id)).filter((e) => e.kind === 'sms_in')).toHaveLength(1);
  });

  it('answers the same text posted five times at once identically, and opens one incident', async () => {
    const params = { MessageSid: sid('SM'), AccountSid: w.config.TWILIO_ACCOUNT_SID, From: ana, To: demo.numbers.acmeDedicated, Body: 'ALTA magento sin stock' };
    const answers = await Promise.all(Array.from({ length: 5 }, () => post('/twilio/sms', params)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(new Set(answers.map((a) => a.body)).size).toBe(1);
    const [incident, ...more] = await incidentFor('Magento stock');
    expect(more).toEqual([]);
    expect(answers[0]!.body).toContain(`Incidente ${incident!.id} abierto (ALTA, Magento stock)`);
    expect((await timelineOf(incident!.id)).filter((e) => e.kind === 'sms_in')).toHaveLength(1);
  });

  it('opens one incident when two contacts report the same integration at the same moment', async () => {
    const report = (from: string) => ({ MessageSid: sid('SM'), AccountSid: w.config.TWILIO_ACCOUNT_SID, From: from, To: demo.numbers.shared, Body: 'BLOCKER vtex catalog caído' });
    const answers = await Promise.all([post('/twilio/sms', report(ana)), post('/twilio/sms', report(bruno))]);
    const [incident, ...more] = await incidentFor('VTEX catalog');
    expect(more).toEqual([]);
    const bodies = answers.map((a) => a.body).sort();
    expect(bodies[0]).toContain(`Agregamos su reporte al incidente ${incident!.id}`);
    expect(bodies[1]).toContain(`Incidente ${incident!.id} abierto`);
    expect((await timelineOf(incident!.id)).filter((e) => e.kind === 'repeat_contact')).toHaveLength(1);
  });

  it('starts a call once when its first webhook arrives three times at once', async () => {
    const params = { CallSid: sid('CA'), AccountSid: w.config.TWILIO_ACCOUNT_SID, From: '+5491150000790', To: demo.numbers.shared, CallStatus: 'ringing', Direction: 'inbound' };
    const answers = await Promise.all([post('/twilio/voice', params), post('/twilio/voice', params), post('/twilio/voice', params)]);
    expect(new Set(answers.map((a) => a.body)).size).toBe(1);
    expect(answers[0]!.body).toContain('For English, press 2.');
    const sessions = await db().select().from(callSessions).where(eq(callSessions.callSid, params.CallSid));
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.events.filter((e) => e.kind === 'call_in')).toHaveLength(1);
  });
});

describe('forged and unsigned webhooks', () => {
  it('are refused with 403 and change nothing', async () => {
    await w.settle(); // pages of earlier incidents are still going out
    const before = await rowCounts();
    const call = { CallSid: sid('CA'), AccountSid: w.config.TWILIO_ACCOUNT_SID, From: ana, To: demo.numbers.acmeDedicated, CallStatus: 'ringing' };
    const text = { MessageSid: sid('SM'), AccountSid: w.config.TWILIO_ACCOUNT_SID, From: ana, To: demo.numbers.acmeDedicated, Body: 'BLOCKER zendesk widget' };
    expect((await post('/twilio/voice', call, 'none')).status).toBe(403);
    expect((await post('/twilio/voice', call, 'forged')).status).toBe(403);
    expect((await post('/twilio/voice/step?turn=1', { ...call, Digits: '1' }, 'forged')).status).toBe(403);
    expect((await post('/twilio/voice/transcription', { ...call, TranscriptionText: 'x', TranscriptionStatus: 'completed' }, 'none')).status).toBe(403);
    expect((await post('/twilio/sms', text, 'none')).status).toBe(403);
    expect((await post('/twilio/sms', { ...text, Body: 'STOP' }, 'forged')).status).toBe(403);
    // Signed for other parameters than those sent: a tampered body.
    const signed = twilio.getExpectedTwilioSignature(w.config.TWILIO_AUTH_TOKEN, `${w.config.PUBLIC_BASE_URL}/twilio/sms`, text);
    const tampered = await fetch(`${w.config.PUBLIC_BASE_URL}/twilio/sms`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signed },
      body: new URLSearchParams({ ...text, Body: 'STOP' }).toString(),
    });
    expect(tampered.status).toBe(403);
    await w.settle();
    expect(await rowCounts()).toEqual(before);
  });

  it('are told from genuine ones signed over the URL without its port (as Twilio signs it when the port is the scheme default)', async () => {
    const text = { MessageSid: sid('SM'), AccountSid: w.config.TWILIO_ACCOUNT_SID, From: ana, To: demo.numbers.acmeDedicated, Body: 'HELP' };
    const withoutPort = new URL(`${w.config.PUBLIC_BASE_URL}/twilio/sms`);
    withoutPort.port = '';
    const signedWithoutPort = twilio.getExpectedTwilioSignature(w.config.TWILIO_AUTH_TOKEN, withoutPort.href, text);
    const send = (signature: string) =>
      fetch(`${w.config.PUBLIC_BASE_URL}/twilio/sms`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, body: new URLSearchParams(text).toString() });
    expect((await send(signedWithoutPort)).status).toBe(200);
    // The same, one character off: refused.
    const off = `${signedWithoutPort.slice(0, -2)}${signedWithoutPort.at(-2) === 'A' ? 'B' : 'A'}${signedWithoutPort.at(-1)}`;
    expect((await send(off)).status).toBe(403);
    await w.settle();
  });
});

describe('malformed webhooks', () => {
  it('answer a call without a caller number with TwiML telling the person to call again or text', async () => {
    await w.settle();
    const before = await rowCounts();
    const answer = await post('/twilio/voice', { CallSid: sid('CA'), AccountSid: w.config.TWILIO_ACCOUNT_SID, To: demo.numbers.shared });
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/xml/);
    expect(answer.body).toContain('<Say language="es-MX">No pudimos completar su llamada. Puede volver a llamar o enviarnos un mensaje de texto a este número. Hasta luego.</Say>');
    expect(answer.body).toContain('<Say language="en-US">We could not complete your call. Please call again, or send a text message to this number. Goodbye.</Say>');
    expect(answer.body).toContain('<Hangup/>');
    const after = await rowCounts();
    expect({ ...after, webhookReceipts: 0 }).toEqual({ ...before, webhookReceipts: 0 });
  });

  it('read keys no keypad can send as an invalid option, and ask again', async () => {
    const callSid = sid('CA');
    const base = { CallSid: callSid, AccountSid: w.config.TWILIO_ACCOUNT_SID, From: ana, To: demo.numbers.acmeDedicated };
    const first = await post('/twilio/voice', { ...base, CallStatus: 'ringing' });
    expect(first.body).toContain(`action="${w.config.PUBLIC_BASE_URL}/twilio/voice/step?turn=1"`);
    const garbage = await post('/twilio/voice/step?turn=1', { ...base, CallStatus: 'in-progress', Digits: '1; drop table incidents' });
    expect(garbage.status).toBe(200);
    expect(garbage.body).toMatch(/<Gather [^>]*action="[^"]*\/twilio\/voice\/step\?turn=2"[^>]*><Say language="es-MX">La opción no es válida\.<\/Say><Say language="es-MX">Si el incidente es bloqueante/);
  });

  it('end a step of a call the service never started with the same polite advice', async () => {
    const answer = await post('/twilio/voice/step?turn=3', { CallSid: sid('CA'), AccountSid: w.config.TWILIO_ACCOUNT_SID, Digits: '1' });
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('Please call again, or send a text message to this number.');
    expect(answer.body).toContain('<Hangup/>');
  });

  it('answer a text without a sender with a message saying what to do', async () => {
    const answer = await post('/twilio/sms', { MessageSid: sid('SM'), AccountSid: w.config.TWILIO_ACCOUNT_SID, To: demo.numbers.shared, Body: 'BLOCKER' });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatch(/<Response><Message>.+<\/Message><\/Response>/);
  });
});
