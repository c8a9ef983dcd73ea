import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, asc, desc, eq } from 'drizzle-orm';
import { demo } from '../../src/app/demo-data.js';
import { runAfterCommit } from '../../src/app/effects.js';
import { acknowledge } from '../../src/app/incident-actions.js';
import { contacts, contactsLog, customers, engineers, incidents, integrations, smsConversations, smsOptOuts, timelineEntries } from '../../src/db/schema.js';
import { startWorld, type World } from '../support/world.js';

/**
 * Customers texting the standby numbers: one-shot reports, short conversations, follow-ups,
 * repeat contacts, every out-of-scope clause, keywords, and conversations left to expire.
 * Monday 23 Nov 2026, 12:00 in Buenos Aires: the Support Center is open, Eng One is on call.
 */
let w: World;
const [ana, bruno] = demo.acme.contacts;
const carla = '+5491150000103'; // a third Acme contact, who will text STOP
const delta = { code: '1004', contact: '+5491150000121' };

beforeAll(async () => {
  w = await startWorld();
  const db = w.deps.database.db;
  const [acme] = await db.select().from(customers).where(eq(customers.code, demo.acme.code));
  await db.insert(integrations).values({ customerId: acme!.id, name: 'Magento stock', builtBy: 'vendor' });
  await db.insert(contacts).values({ customerId: acme!.id, name: 'Carla', phone: carla });
  const [deltaFoods] = await db.insert(customers).values({ code: delta.code, name: 'Delta Foods', language: 'es', timeZone: demo.zone }).returning();
  await db.insert(contacts).values({ customerId: deltaFoods!.id, name: 'Delta contact', phone: delta.contact });
});

afterAll(async () => {
  await w?.close();
});

const db = () => w.deps.database.db;

async function openIncidentFor(integration: string) {
  const [row] = await db()
    .select({ incident: incidents })
    .from(incidents)
    .innerJoin(integrations, eq(integrations.id, incidents.integrationId))
    .where(eq(integrations.name, integration));
  return row!.incident;
}

async function timelineOf(incidentId: number) {
  return db().select().from(timelineEntries).where(eq(timelineEntries.incidentId, incidentId)).orderBy(asc(timelineEntries.id));
}

/** The texts exchanged with a customer's phone on a timeline (pages to engineers are `sms_out` too). */
function exchangedWith(timeline: Array<typeof timelineEntries.$inferSelect>, phone: string) {
  return timeline.filter((e) => e.kind === 'sms_in' || (e.kind === 'sms_out' && e.data.to === phone)).map((e) => `${e.kind} ${e.body}`);
}

async function lastContactsLog() {
  const [row] = await db().select().from(contactsLog).orderBy(desc(contactsLog.id)).limit(1);
  return row!;
}

describe('reporting an incident by SMS', () => {
  it('opens an incident from a one-shot "BLOCKER salesforce sync down" and pages the on-call engineer', async () => {
    const phone = w.sim.phone(ana);
    const sentAt = w.clock.now();
    await phone.sendSms(demo.numbers.acmeDedicated, 'BLOCKER salesforce sync down');
    const incident = await openIncidentFor('Salesforce sync');
    await phone.expectSms(`Incidente ${incident.id} abierto (BLOQUEANTE, Salesforce sync). Ya estamos avisando al ingeniero de guardia.`);
    await w.sim.phone(demo.engineers.one.phone).expectSms(new RegExp(`BLOQUEANTE incidente ${incident.id} Acme Retail – Salesforce sync: salesforce sync down`));
    expect(incident).toMatchObject({ severity: 'blocker', channel: 'sms', reporterPhone: ana, description: 'salesforce sync down', firstContactAt: sentAt });
    const timeline = await timelineOf(incident.id);
    expect(timeline.map((e) => e.kind).slice(0, 2)).toEqual(['sms_in', 'incident_opened']);
    expect(exchangedWith(timeline, ana)).toEqual(['sms_in BLOCKER salesforce sync down', `sms_out Incidente ${incident.id} abierto (BLOQUEANTE, Salesforce sync). Ya estamos avisando al ingeniero de guardia.`]);
  });

  it('puts later texts on the incident and relays them to the engineer who acknowledged it', async () => {
    const phone = w.sim.phone(ana);
    const incident = await openIncidentFor('Salesforce sync');
    await phone.sendSms(demo.numbers.acmeDedicated, 'Desde las 3 am no entra ningún pedido');
    expect(phone.unreadSms()).toEqual([]);

    const [one] = await db().select().from(engineers).where(eq(engineers.phone, demo.engineers.one.phone));
    const acked = await db().transaction((tx) => acknowledge(tx, w.deps, incident.id, { engineer: one!, channel: 'api' }, w.clock.now()));
    if (acked.outcome === 'done') await runAfterCommit(w.deps, acked.after);
    await w.settle();
    await phone.expectSms(/Eng One está trabajando en su incidente/);

    await phone.sendSms(demo.numbers.acmeDedicated, '¿Novedades? Seguimos sin pedidos');
    await w.settle();
    await w.sim.phone(demo.engineers.one.phone).expectSms(`Acme Retail (incidente ${incident.id}): ¿Novedades? Seguimos sin pedidos Conteste con REPLY ${incident.id} <texto>.`);
    const texts = (await timelineOf(incident.id)).filter((e) => e.kind === 'sms_in').map((e) => e.body);
    expect(texts).toEqual(['BLOCKER salesforce sync down', 'Desde las 3 am no entra ningún pedido', '¿Novedades? Seguimos sin pedidos']);
  });

  it('adds another contact\'s report about the same integration to the open incident, forgiving a typo, and says so', async () => {
    const phone = w.sim.phone(bruno);
    const incident = await openIncidentFor('Salesforce sync');
    await phone.sendSms(demo.numbers.shared, 'bloqueante salesforse caído');
    await phone.expectSms(`Agregamos su reporte al incidente ${incident.id}, ya abierto para esta integración.`);
    expect(await db().select().from(incidents).where(eq(incidents.integrationId, incident.integrationId))).toHaveLength(1);
    const timeline = await timelineOf(incident.id);
    expect(timeline.filter((e) => e.kind === 'repeat_contact')).toHaveLength(1);
    expect(exchangedWith(timeline, bruno).at(-1)).toBe(`sms_out Agregamos su reporte al incidente ${incident.id}, ya abierto para esta integración.`);
  });

  it('opens a High incident from "ALTA magento sin stock"', async () => {
    const phone = w.sim.phone(ana);
    await phone.sendSms(demo.numbers.acmeDedicated, 'ALTA magento sin stock');
    const incident = await openIncidentFor('Magento stock');
    await phone.expectSms(`Incidente ${incident.id} abierto (ALTA, Magento stock). Ya estamos avisando al ingeniero de guardia.`);
    expect(incident).toMatchObject({ severity: 'high', description: 'magento sin stock' });
  });

  it('asks what is missing, and counts the SLA from the first text of the conversation', async () => {
    const phone = w.sim.phone(bruno);
    const firstContact = w.clock.now();
    await phone.sendSms(demo.numbers.shared, 'hola, SAP no anda');
    await phone.expectSms('Acme Retail: ¿qué gravedad tiene el incidente? Responda 1 Bloqueante, 2 Alta, 3 otra.');
    w.clock.advanceMinutes(2);
    await phone.sendSms(demo.numbers.shared, '1');
    const incident = await openIncidentFor('SAP orders');
    await phone.expectSms(`Incidente ${incident.id} abierto (BLOQUEANTE, SAP orders). Ya estamos avisando al ingeniero de guardia.`);
    expect(incident).toMatchObject({ severity: 'blocker', description: 'hola, SAP no anda', firstContactAt: firstContact });
    const timeline = await timelineOf(incident.id);
    expect(exchangedWith(timeline, bruno)).toEqual([
      'sms_in hola, SAP no anda',
      'sms_out Acme Retail: ¿qué gravedad tiene el incidente? Responda 1 Bloqueante, 2 Alta, 3 otra.',
      'sms_in 1',
      `sms_out Incidente ${incident.id} abierto (BLOQUEANTE, SAP orders). Ya estamos avisando al ingeniero de guardia.`,
    ]);
  });
});

describe('texts the 24x7 service does not cover', () => {
  const hours = 'Abra un ticket en Aivo Support Center (lun a vie 09:00-18:00, hora de Buenos Aires; abierto hasta las 18:00).';

  it('asks a stranger for their customer code, and after three wrong ones says why it cannot help', async () => {
    const phone = w.sim.phone('+5491150000777');
    await phone.sendSms(demo.numbers.shared, 'el sync de pedidos está caido');
    await phone.expectSms('Responda con su código de cliente.');
    await phone.sendSms(demo.numbers.shared, '9999');
    await phone.expectSms('No encontramos ese código de cliente. Intente de nuevo.');
    await phone.sendSms(demo.numbers.shared, '8888');
    await phone.sendSms(demo.numbers.shared, '7777');
    await phone.expectSms(`No pudimos identificarlo como cliente con soporte 24x7 de Integraciones. ${hours}`);
    const logged = await lastContactsLog();
    expect(logged).toMatchObject({ channel: 'sms', reason: 'unknown_caller', customerId: null, fromPhone: '+5491150000777' });
    expect((logged.details.transcript as Array<{ kind: string; body: string }>).map((e) => e.kind)).toEqual([
      'sms_in', 'sms_out', 'sms_in', 'sms_out', 'sms_in', 'sms_out', 'sms_in', 'sms_out',
    ]);
  });

  it('identifies a stranger by the code they text, then declines an Integrations Selfservice integration', async () => {
    const phone = w.sim.phone('+5491150000778');
    await phone.sendSms(demo.numbers.shared, 'BLOCKER zendesk widget down');
    await phone.expectSms(/código de cliente|customer code/);
    await phone.sendSms(demo.numbers.shared, 'my code is 1001');
    await phone.expectSms(`El servicio 24x7 no cubre las integraciones hechas con Integrations Selfservice. ${hours}`);
    expect(await lastContactsLog()).toMatchObject({ reason: 'integration_selfservice', severity: 'blocker', customerId: expect.any(Number) });
  });

  it('tells a customer with no contract that none was found', async () => {
    const phone = w.sim.phone(delta.contact);
    await phone.sendSms(demo.numbers.shared, 'BLOQUEANTE pedidos caidos');
    await phone.expectSms(`No encontramos un contrato a nombre de su empresa. ${hours}`);
    expect(await lastContactsLog()).toMatchObject({ reason: 'no_contract' });
  });

  it('answers Beta in English: its contract has no 24x7 support', async () => {
    const phone = w.sim.phone(demo.beta.contact);
    await phone.sendSms(demo.numbers.shared, 'BLOCKER shopify feed down');
    await phone.expectSms('Your contract does not include 24x7 Integrations support. Please open a ticket at Aivo Support Center (Mon-Fri 09:00-18:00 Buenos Aires time; open now until 18:00).');
    expect(await lastContactsLog()).toMatchObject({ reason: 'contract_without_24x7', channel: 'sms' });
  });

  it('answers Gamma in Portuguese: its 24x7 support has expired', async () => {
    const phone = w.sim.phone(demo.gamma.contact);
    await phone.sendSms(demo.numbers.shared, 'bloqueante pagamentos fora do ar');
    await phone.expectSms(/^Seu suporte 24x7 de Integrações não está vigente neste momento\. .*Aivo Support Center.*09:00.*18:00/);
    expect(await lastContactsLog()).toMatchObject({ reason: 'contract_not_active' });
  });

  it('sends Low incidents to working hours', async () => {
    const phone = w.sim.phone(ana);
    await phone.sendSms(demo.numbers.acmeDedicated, 'baja: el reporte de zendesk tarda');
    await phone.expectSms(`El servicio 24x7 atiende solo incidentes bloqueantes y de prioridad alta; los demás se atienden en horario hábil. ${hours}`);
    expect(await lastContactsLog()).toMatchObject({ reason: 'severity_not_covered', severity: 'low' });
  });

  it('does not cover an integration that is not in the list (9)', async () => {
    const phone = w.sim.phone(ana);
    await phone.sendSms(demo.numbers.acmeDedicated, 'BLOCKER el portal de proveedores');
    await phone.expectSms('¿Qué integración está fallando? Responda 1 Magento stock, 2 Salesforce sync, 3 SAP orders, 4 Zendesk widget, 9 no está en la lista.');
    await phone.sendSms(demo.numbers.acmeDedicated, '9');
    await phone.expectSms(`El servicio 24x7 cubre solo las integraciones que desarrollamos para su empresa. ${hours}`);
    const logged = await lastContactsLog();
    expect(logged).toMatchObject({ reason: 'integration_not_listed', severity: 'blocker', integrationId: null });
    expect((logged.details.transcript as Array<{ body: string }>).map((e) => e.body)[0]).toBe('BLOCKER el portal de proveedores');
  });
});

describe('keywords', () => {
  it('answers HELP in the customer\'s language, keeping the conversation', async () => {
    const phone = w.sim.phone(ana);
    await phone.sendSms(demo.numbers.acmeDedicated, 'AYUDA');
    await phone.expectSms(/^Soporte 24x7 de Integraciones para incidentes bloqueantes y de prioridad alta\..*STOP/);
    const stranger = w.sim.phone('+5491150000779');
    await stranger.sendSms(demo.numbers.shared, 'HELP');
    await stranger.expectSms(/^24x7 Integrations support/);
  });

  it('stops texting a phone that sent STOP, until it sends START', async () => {
    const phone = w.sim.phone(carla);
    await phone.sendSms(demo.numbers.shared, 'STOP');
    await phone.expectSms('No recibirá más mensajes de este número. Responda START para volver a recibirlos.');
    expect(await db().select().from(smsOptOuts).where(and(eq(smsOptOuts.phone, carla), eq(smsOptOuts.standbyPhone, demo.numbers.shared)))).toHaveLength(1);

    // Still a customer: the report is taken, but no text goes back.
    const incident = await openIncidentFor('SAP orders');
    await phone.sendSms(demo.numbers.shared, 'BLOCKER SAP orders caído');
    await w.settle();
    expect(phone.unreadSms()).toEqual([]);
    const timeline = await timelineOf(incident.id);
    expect(timeline.filter((e) => e.data.to === carla).map((e) => `${e.kind} ${e.body}`)).toEqual([`sms_suppressed Agregamos su reporte al incidente ${incident.id}, ya abierto para esta integración.`]);

    await phone.sendSms(demo.numbers.shared, 'unstop');
    await phone.expectSms('Volverá a recibir mensajes de este número. Responda AYUDA para ver la ayuda.');
    expect(await db().select().from(smsOptOuts).where(eq(smsOptOuts.phone, carla))).toHaveLength(0);
  });
});

describe('a conversation left alone', () => {
  it('expires after 30 idle minutes: what was said is logged, and the next text starts afresh', async () => {
    const phone = w.sim.phone('+5491150000780');
    await phone.sendSms(demo.numbers.shared, 'BLOCKER sap caido');
    // "BLOCKER" reads English, "caido" Spanish: a stranger whose language nothing tells is asked in all three.
    await phone.expectSms('Responda con su código de cliente. / Reply with your customer code. / Responda com o seu código de cliente.');
    w.clock.advanceMinutes(31);
    await phone.sendSms(demo.numbers.shared, '1001');
    // Not taken as the code: a new conversation with a stranger starts by asking for it.
    await phone.expectSms(/código de cliente|customer code/);
    const logged = await lastContactsLog();
    expect(logged).toMatchObject({ reason: 'intake_abandoned', details: expect.objectContaining({ expired: true }) });
    expect((logged.details.transcript as Array<{ body: string }>).map((e) => e.body)).toEqual(['BLOCKER sap caido', 'Responda con su código de cliente. / Reply with your customer code. / Responda com o seu código de cliente.']);
    expect(await db().select().from(smsConversations).where(eq(smsConversations.customerPhone, '+5491150000780'))).toHaveLength(1);
  });
});

describe('an engineer texting the standby number', () => {
  it('gets the engineer commands, and starts no customer conversation', async () => {
    const engineer = w.sim.phone(demo.engineers.one.phone);
    await engineer.sendSms(demo.numbers.shared, 'HELP');
    await engineer.expectSms(/ACK/);
    expect(await db().select().from(smsConversations).where(eq(smsConversations.customerPhone, demo.engineers.one.phone))).toEqual([]);
  });
});
