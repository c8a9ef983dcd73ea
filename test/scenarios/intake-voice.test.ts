import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, desc, eq } from 'drizzle-orm';
import { demo } from '../../src/app/demo-data.js';
import { callSessions, contacts, contactsLog, customers, incidents, integrations, timelineEntries } from '../../src/db/schema.js';
import { startWorld, type World } from '../support/world.js';

/**
 * Customers calling the standby numbers: every clause of the 24x7 Integrations support policy,
 * as a person on the phone hears it. At the start (Monday 23 Nov 2026, 12:00 in Buenos Aires)
 * the Support Center is open and Eng One is on call in "Integrations primary".
 */
let w: World;
const stranger = '+5491150000777';
const delta = { code: '1004', contact: '+5491150000121' };

beforeAll(async () => {
  w = await startWorld();
  // A customer with no contract at all, for the "no contract" clause.
  const [customer] = await w.deps.database.db.insert(customers).values({ code: delta.code, name: 'Delta Foods', language: 'es', timeZone: demo.zone }).returning();
  await w.deps.database.db.insert(contacts).values({ customerId: customer!.id, name: 'Delta contact', phone: delta.contact });
});

afterAll(async () => {
  await w?.close();
});

const db = () => w.deps.database.db;

async function lastContactsLog() {
  const [row] = await db().select().from(contactsLog).orderBy(desc(contactsLog.id)).limit(1);
  return row!;
}

async function timelineOf(incidentId: number) {
  return db().select().from(timelineEntries).where(eq(timelineEntries.incidentId, incidentId)).orderBy(asc(timelineEntries.id));
}

async function integrationId(name: string): Promise<number> {
  const [row] = await db().select({ id: integrations.id }).from(integrations).where(eq(integrations.name, name));
  return row!.id;
}

describe('an Acme contact calling the dedicated number about a Blocker', () => {
  it('pages the on-call engineer before the caller records, then reads the reference back digit by digit', async () => {
    const ana = w.sim.phone(demo.acme.contacts[0]);
    const callStartedAt = w.clock.now();
    const call = await ana.call(demo.numbers.acmeDedicated);
    expect(await call.expectSay(/Hola, Acme Retail/)).toMatchObject({ language: 'es-MX' });
    await call.expectSay(/bloqueante, marque 1/i);
    await call.press('1');
    await call.expectSay(/Para Salesforce sync, marque 1\. Para SAP orders, marque 2\. Para Zendesk widget, marque 3\. Si no está en la lista, marque 9/);
    w.clock.advance(20_000);
    await call.press('1');
    await call.expectSay(/Abrimos su incidente/);
    await call.expectSay(/describa brevemente el problema/);
    await call.waitForRecord();

    // The caller has not said a word yet, and Eng One already has the page.
    const page = await w.sim.phone(demo.engineers.one.phone).expectSms(/Acme Retail.*Salesforce sync/);
    expect(page.body).toMatch(/ACK \d+/);
    const [incident] = await db().select().from(incidents).where(eq(incidents.integrationId, await integrationId('Salesforce sync')));
    expect(incident).toMatchObject({ severity: 'blocker', channel: 'voice', status: 'triggered', reporterPhone: demo.acme.contacts[0], description: '' });
    expect(incident!.firstContactAt).toEqual(callStartedAt);

    await call.record({ transcription: 'El sync de Salesforce no sube pedidos desde las 3', durationSeconds: 14, finishOnKey: '#' });
    const reference = String(incident!.id).split('').join(', ');
    await call.expectSay(`Su número de incidente es ${reference}. Repito: ${reference}.`);
    await call.expectSay(/hasta luego/);
    expect((await call.ended).status).toBe('completed');
    await w.settle();

    const [described] = await db().select().from(incidents).where(eq(incidents.id, incident!.id));
    expect(described!.description).toBe('El sync de Salesforce no sube pedidos desde las 3');
    const timeline = await timelineOf(incident!.id);
    const kinds = timeline.map((e) => e.kind);
    expect(kinds.slice(0, 3)).toEqual(['call_in', 'caller_identified', 'ivr_prompt']);
    expect(kinds.indexOf('incident_opened')).toBeGreaterThan(kinds.lastIndexOf('keypress'));
    expect(kinds.filter((k) => k === 'keypress')).toHaveLength(2);
    expect(kinds).toEqual(expect.arrayContaining(['recording_ended', 'recording', 'transcription']));
    expect(timeline.filter((e) => e.kind === 'ivr_prompt').map((e) => e.body)).toEqual(call.said.map((s) => s.text));
    expect(timeline.find((e) => e.kind === 'recording')!.body).toContain(call.recordings[0]!.url);
    expect(timeline.find((e) => e.kind === 'transcription')!.body).toBe('El sync de Salesforce no sube pedidos desde las 3');
    const [session] = await db().select().from(callSessions).where(eq(callSessions.callSid, call.sid));
    expect(session).toMatchObject({ incidentId: incident!.id, firstContactAt: callStartedAt });
  });

  it('adds a second call about the same integration to the open incident and says so', async () => {
    const bruno = w.sim.phone(demo.acme.contacts[1]);
    // On the shared number, the caller ID tells who calls.
    const call = await bruno.call(demo.numbers.shared);
    await call.expectSay(/Hola, Acme Retail/);
    await call.press('2');
    await call.press('1');
    const [open] = await db().select().from(incidents).where(eq(incidents.integrationId, await integrationId('Salesforce sync')));
    await call.expectSay(`Agregamos su reporte al incidente ${String(open!.id).split('').join(', ')}, que ya estaba abierto para esta integración.`);
    await call.record({ transcription: 'Sigue caído', durationSeconds: 4 });
    await call.expectSay(/Su número de incidente es/);
    await call.ended;
    await w.settle();

    expect(await db().select().from(incidents).where(eq(incidents.customerId, open!.customerId))).toHaveLength(1);
    const timeline = await timelineOf(open!.id);
    expect(timeline.filter((e) => e.kind === 'repeat_contact')).toHaveLength(1);
    expect(timeline.filter((e) => e.kind === 'call_in')).toHaveLength(2);
    // The first description stays; the second transcription is on the timeline.
    expect(timeline.filter((e) => e.kind === 'transcription').map((e) => e.body)).toEqual(['El sync de Salesforce no sube pedidos desde las 3', 'Sigue caído']);
  });

  it('attaches the recording of a caller who hangs up to end it, and says nothing more to them', async () => {
    const call = await w.sim.phone(demo.acme.contacts[1]).call(demo.numbers.acmeDedicated);
    await call.press('1');
    await call.press('1');
    await call.expectSay(/Agregamos su reporte al incidente/);
    await call.record({ transcription: 'Ahora tampoco entran facturas', durationSeconds: 8, hangup: true });
    expect((await call.ended).status).toBe('completed');
    await w.settle();
    const [open] = await db().select().from(incidents).where(eq(incidents.integrationId, await integrationId('Salesforce sync')));
    const timeline = await timelineOf(open!.id);
    const last = timeline.slice(timeline.findLastIndex((e) => e.kind === 'call_in'));
    expect(last.map((e) => e.kind)).toEqual(['call_in', 'caller_identified', 'ivr_prompt', 'ivr_prompt', 'keypress', 'ivr_prompt', 'keypress', 'repeat_contact', 'ivr_prompt', 'ivr_prompt', 'recording_ended', 'recording', 'transcription']);
    expect(last.find((e) => e.kind === 'recording_ended')!.body).toBe('Hung up to end recording the description (8 s)');
    expect(last.at(-1)!.body).toBe('Ahora tampoco entran facturas');
  });

  it('still reads the reference back when the caller records nothing', async () => {
    const call = await w.sim.phone(demo.acme.contacts[0]).call(demo.numbers.acmeDedicated);
    await call.press('2');
    await call.press('2'); // SAP orders
    await call.expectSay(/Abrimos su incidente/);
    await call.silence();
    await call.expectSay(/Su número de incidente es/);
    await call.ended;
    await w.settle();
    const [incident] = await db().select().from(incidents).where(eq(incidents.integrationId, await integrationId('SAP orders')));
    expect(incident).toMatchObject({ severity: 'high', description: '' });
    const timeline = await timelineOf(incident!.id);
    expect(timeline.find((e) => e.kind === 'recording_ended')?.body).toBe('Recorded nothing');
    expect(timeline.find((e) => e.kind === 'recording')?.body).toBe('No description was recorded (absent)');
  });
});

describe('calls the 24x7 service does not cover', () => {
  it('tells a caller nobody can identify why, where to open a ticket and the working hours, after three wrong codes', async () => {
    const call = await w.sim.phone(stranger).call(demo.numbers.shared);
    await call.expectSay(/Para español, marque 1/);
    await call.expectSay(/For English, press 2/);
    await call.expectSay(/Para português, digite 3/);
    await call.press('2');
    expect(await call.expectSay(/enter your customer code/)).toMatchObject({ language: 'en-US' });
    await call.press('9999#');
    await call.expectSay(/could not find that customer code/);
    await call.press('8888#');
    await call.press('7777#');
    await call.expectSay(
      'We could not identify you as a customer with 24x7 Integrations support. To get help, please open a ticket at Aivo Support Center. Working hours are Monday to Friday from 09:00 to 18:00, Buenos Aires time. It is open now, until 18:00.',
    );
    expect((await call.ended).status).toBe('completed');
    await w.settle();
    const logged = await lastContactsLog();
    expect(logged).toMatchObject({ channel: 'voice', reason: 'unknown_caller', fromPhone: stranger, customerId: null, standbyPhone: demo.numbers.shared });
    const transcript = logged.details.transcript as Array<{ kind: string; body: string }>;
    expect(transcript.filter((e) => e.kind === 'keypress').map((e) => e.body)).toEqual(['Pressed 2', 'Pressed 9999', 'Pressed 8888', 'Pressed 7777']);
    expect(transcript.at(-1)?.body).toMatch(/could not identify you/);
  });

  it('speaks Portuguese to an unknown caller who chooses it', async () => {
    const call = await w.sim.phone('+5511955550999').call(demo.numbers.shared);
    await call.press('3');
    expect(await call.expectSay('Bem-vindo à linha de suporte 24x7 de Integrações.')).toMatchObject({ language: 'pt-BR' });
    expect(await call.expectSay('Digite seu código de cliente e depois a tecla jogo da velha.')).toMatchObject({ language: 'pt-BR' });
    await call.hangup();
  });

  it('identifies a caller from an unknown phone by the customer code they type', async () => {
    const call = await w.sim.phone('+5491150000778').call(demo.numbers.shared);
    await call.press('1');
    await call.expectSay(/Ingrese su código de cliente/);
    await call.press('1001#');
    await call.expectSay('Gracias, Acme Retail.');
    await call.expectSay(/bloqueante, marque 1/);
    await call.hangup();
  });

  it('tells a customer with no contract that none was found', async () => {
    const call = await w.sim.phone(delta.contact).call(demo.numbers.shared);
    await call.expectSay(/Hola, Delta Foods/);
    await call.expectSay(/No encontramos un contrato a nombre de su empresa\. Para recibir ayuda, abra un ticket en Aivo Support Center\. El horario de atención es de lunes a viernes de 09:00 a 18:00/);
    await call.ended;
    await w.settle();
    expect(await lastContactsLog()).toMatchObject({ reason: 'no_contract', channel: 'voice', fromPhone: delta.contact });
  });

  it('tells Beta, in English, that its contract has no 24x7 support, and when the Support Center opens on a weekend', async () => {
    const monday = w.clock.now();
    w.clock.set('2026-11-28T13:00:00Z'); // Saturday 10:00 in Buenos Aires
    try {
      const call = await w.sim.phone(demo.beta.contact).call(demo.numbers.shared);
      expect(await call.expectSay(/Hello Beta Logistics/)).toMatchObject({ language: 'en-US' });
      await call.expectSay(
        'Your contract does not include 24x7 Integrations support. To get help, please open a ticket at Aivo Support Center. Working hours are Monday to Friday from 09:00 to 18:00, Buenos Aires time. It opens again Monday at 09:00.',
      );
      await call.ended;
      await w.settle();
      expect(await lastContactsLog()).toMatchObject({ reason: 'contract_without_24x7', at: new Date('2026-11-28T13:00:00Z') });
    } finally {
      w.clock.set(monday);
    }
  });

  it('tells Gamma, in Portuguese, that its 24x7 support has expired', async () => {
    const call = await w.sim.phone(demo.gamma.contact).call(demo.numbers.shared);
    expect(await call.expectSay(/Olá, Gamma Pagamentos/)).toMatchObject({ language: 'pt-BR' });
    await call.expectSay(
      'Seu suporte 24x7 de Integrações não está vigente neste momento. Para receber ajuda, abra um chamado no Aivo Support Center. O horário de atendimento é de segunda a sexta, das 09:00 às 18:00, horário de Buenos Aires. Agora está aberto, até as 18:00.',
    );
    await call.ended;
    await w.settle();
    expect(await lastContactsLog()).toMatchObject({ reason: 'contract_not_active', channel: 'voice' });
  });

  it('sends Medium and Low incidents to working hours', async () => {
    const call = await w.sim.phone(demo.acme.contacts[0]).call(demo.numbers.acmeDedicated);
    await call.press('3');
    await call.expectSay(/El servicio 24x7 atiende solo incidentes bloqueantes y de prioridad alta.*abra un ticket en Aivo Support Center.*Ahora está abierto, hasta las 18:00/);
    await call.ended;
    await w.settle();
    expect(await lastContactsLog()).toMatchObject({ reason: 'severity_not_covered', severity: 'other' });
  });

  it('does not cover an integration built with Integrations Selfservice', async () => {
    const call = await w.sim.phone(demo.acme.contacts[0]).call(demo.numbers.acmeDedicated);
    await call.press('1');
    await call.press('3');
    await call.expectSay(/no cubre las integraciones hechas con Integrations Selfservice.*abra un ticket/);
    await call.ended;
    await w.settle();
    expect(await lastContactsLog()).toMatchObject({ reason: 'integration_selfservice', severity: 'blocker', integrationId: await integrationId('Zendesk widget') });
  });

  it('does not cover an integration that is not in the list (9)', async () => {
    const call = await w.sim.phone(demo.acme.contacts[0]).call(demo.numbers.acmeDedicated);
    await call.press('2');
    await call.press('9');
    await call.expectSay(/cubre solo las integraciones que desarrollamos para su empresa.*abra un ticket/);
    await call.ended;
    await w.settle();
    expect(await lastContactsLog()).toMatchObject({ reason: 'integration_not_listed', severity: 'high', integrationId: null });
  });
});

describe('a caller who does not answer as asked', () => {
  it('is asked again after silence or a wrong key, and the call ends politely after the third failure', async () => {
    const call = await w.sim.phone(demo.acme.contacts[0]).call(demo.numbers.acmeDedicated);
    await call.expectSay(/bloqueante, marque 1/);
    await call.silence();
    await call.expectSay('No recibimos ninguna respuesta.');
    await call.expectSay(/bloqueante, marque 1/);
    await call.press('7');
    await call.expectSay('La opción no es válida.');
    await call.expectSay(/bloqueante, marque 1/);
    await call.silence();
    await call.expectSay(/No pudimos completar su llamada\. Puede volver a llamar o enviarnos un mensaje de texto/);
    expect((await call.ended).status).toBe('completed');
    await w.settle();
    const logged = await lastContactsLog();
    expect(logged).toMatchObject({ reason: 'intake_abandoned', channel: 'voice' });
    expect((logged.details.transcript as Array<{ kind: string }>).filter((e) => e.kind === 'keypress')).toHaveLength(3);
  });
});

describe('a caller who hangs up in the middle of the menus', () => {
  it('is still kept in writing: the call goes to the contacts log as abandoned, once', async () => {
    const quitter = '+5491150000779';
    const logsOf = () => db().select().from(contactsLog).where(eq(contactsLog.fromPhone, quitter));
    const call = await w.sim.phone(quitter).call(demo.numbers.shared);
    await call.expectSay(/English/);
    await call.press('2');
    await call.expectSay(/customer code/i);
    await call.hangup();
    expect(await logsOf()).toEqual([]);

    await w.advance(11);
    const [logged, ...more] = await logsOf();
    expect(more).toEqual([]);
    expect(logged).toMatchObject({ reason: 'intake_abandoned', channel: 'voice' });
    expect(JSON.stringify(logged!.details)).toMatch(/customer code/i);

    await w.advance(11);
    expect(await logsOf()).toHaveLength(1);
  });
});
