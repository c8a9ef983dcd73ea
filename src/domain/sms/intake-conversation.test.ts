import { describe, expect, it } from 'vitest';
import type { CustomerFile } from '../eligibility/contract.js';
import {
  ACME,
  ACME_DEDICATED_NUMBER,
  AIVO_SUPPORT_CENTER,
  BETA,
  DEMO_NOW,
  GAMMA,
  SHARED_NUMBER,
  customerByCode,
  customerByPhone,
  ownerOfNumber,
  withOpenIncident,
} from '../eligibility/demo.fixture.js';
import type { OpenIncidentEffect } from '../eligibility/intake.js';
import {
  decideSmsIntake,
  incidentOpenedReply,
  isConversationExpired,
  smsCustomerLookups,
  type SmsIntakeContext,
  type SmsIntakeResult,
  type SmsIntakeState,
} from './intake-conversation.js';

const MINUTE = 60_000;

/**
 * A phone texting a standby number, with the conversation state kept between messages as the edge
 * keeps it (JSON in Postgres) and the customers the edge would load.
 */
class Phone {
  state: SmsIntakeState | null = null;
  now = DEMO_NOW;
  constructor(
    readonly from: string,
    readonly to: string,
    public files: Map<number, CustomerFile> = new Map(),
  ) {}

  private fresh(file: CustomerFile | null): CustomerFile | null {
    return file ? (this.files.get(file.customer.id) ?? file) : null;
  }

  text(body: string): SmsIntakeResult {
    const lookups = smsCustomerLookups(this.state, body, this.now);
    const ctx: SmsIntakeContext = {
      now: this.now,
      supportCenter: AIVO_SUPPORT_CENTER,
      dialledNumberOwner: this.fresh(ownerOfNumber(this.to)),
      senderOwner: this.fresh(customerByPhone(this.from)),
      identified: lookups.customerId === null ? null : this.fresh([ACME, BETA, GAMMA].find((f) => f.customer.id === lookups.customerId) ?? null),
      typedCodeOwner: this.fresh(customerByCode(lookups.code)),
    };
    const result = decideSmsIntake(this.state, body, ctx);
    this.state = JSON.parse(JSON.stringify(result.state)) as SmsIntakeState | null;
    return result;
  }

  wait(minutes: number): void {
    this.now = new Date(this.now.getTime() + minutes * MINUTE);
  }

  /** The incident the edge opened for an `open_incident` effect now shows among the customer's open ones. */
  opened(effect: OpenIncidentEffect, reference: number, file: CustomerFile = ACME): string {
    this.files.set(file.customer.id, withOpenIncident(this.files.get(file.customer.id) ?? file, reference, effect.integrationId));
    return incidentOpenedReply(effect, reference);
  }
}

function openEffect(result: SmsIntakeResult): OpenIncidentEffect {
  const effect = result.effects.find((e) => e.type === 'open_incident');
  if (!effect || effect.type !== 'open_incident') throw new Error(`no open_incident in ${JSON.stringify(result.effects)}`);
  return effect;
}

const acmePhone = () => new Phone('+54 9 11 5000-0101', SHARED_NUMBER);

describe('a customer reports in one message', () => {
  it('Acme texting "BLOCKER salesforce sync down" opens a Blocker incident on Salesforce sync and gets the reference in Spanish', () => {
    const phone = acmePhone();
    const result = phone.text('BLOCKER salesforce sync down');
    expect(result.replies).toEqual([]);
    expect(openEffect(result)).toEqual({
      type: 'open_incident',
      channel: 'sms',
      customerId: 1,
      contractId: 11,
      severity: 'blocker',
      integrationId: 101,
      integrationName: 'Salesforce sync',
      description: 'salesforce sync down',
      language: 'es',
      firstContactAt: DEMO_NOW,
      identifiedBy: 'caller_id',
    });
    expect(phone.opened(openEffect(result), 123)).toBe('Incidente 123 abierto (BLOQUEANTE, Salesforce sync). Ya estamos avisando al ingeniero de guardia.');
  });

  it('a text to Acme\'s dedicated number is Acme\'s, whoever sends it', () => {
    const phone = new Phone('+5491199999999', ACME_DEDICATED_NUMBER);
    expect(openEffect(phone.text('alta: SAP orders failing'))).toMatchObject({ customerId: 1, severity: 'high', integrationId: 102 });
  });

  it('Acme texting about the Zendesk widget is told self-service integrations are not covered, how to open a ticket, and when the Support Center opens', () => {
    const result = acmePhone().text('ALTA zendesk no anda');
    expect(result.state).toBeNull();
    expect(result.replies).toEqual([
      'El servicio 24x7 no cubre las integraciones hechas con Integrations Selfservice. Abra un ticket en Aivo Support Center (lun a vie 09:00-18:00, hora de Buenos Aires; abre mañana a las 09:00).',
    ]);
    expect(result.effects).toEqual([
      { type: 'log_out_of_scope', channel: 'sms', reason: 'integration_selfservice', customerId: 1, severity: 'high', integrationId: 103, text: 'zendesk no anda', firstContactAt: DEMO_NOW },
    ]);
  });

  it('a low-priority report is told the 24x7 service covers only Blocker and High', () => {
    const result = acmePhone().text('baja sap lento');
    expect(result.effects).toMatchObject([{ type: 'log_out_of_scope', reason: 'severity_not_covered', severity: 'low' }]);
    expect(result.replies[0]).toContain('solo incidentes bloqueantes y de prioridad alta');
  });

  it('Beta Logistics is told in English that its contract has no 24x7 support', () => {
    const result = new Phone('+5491150000111', SHARED_NUMBER).text('BLOCKER shopify feed down');
    expect(result.replies[0]).toMatch(/^Your contract does not include 24x7 Integrations support\. Please open a ticket at Aivo Support Center/);
    expect(result.effects).toMatchObject([{ type: 'log_out_of_scope', reason: 'contract_without_24x7', customerId: 2 }]);
  });

  it('Gamma Pagamentos, whose contract expired, is told in Portuguese, before being asked anything', () => {
    const result = new Phone('+5511955550100', SHARED_NUMBER).text('oi');
    expect(result.replies[0]).toMatch(/^Seu suporte 24x7 de Integrações não está vigente neste momento\. Abra um chamado no Aivo Support Center/);
    expect(result.effects).toMatchObject([{ type: 'log_out_of_scope', reason: 'contract_not_active', customerId: 3 }]);
  });
});

describe('a customer reports step by step', () => {
  it('Acme writing "hola" is asked the severity, then the integration, and the incident opens asking for a description', () => {
    const phone = acmePhone();
    expect(phone.text('hola').replies).toEqual(['Acme Retail: ¿qué gravedad tiene el incidente? Responda 1 Bloqueante, 2 Alta, 3 otra.']);
    phone.wait(1);
    expect(phone.text('1').replies).toEqual(['¿Qué integración está fallando? Responda 1 Salesforce sync, 2 SAP orders, 3 Zendesk widget, 9 no está en la lista.']);
    phone.wait(1);
    const opened = phone.text('2');
    expect(openEffect(opened)).toMatchObject({ severity: 'blocker', integrationId: 102, description: 'hola', firstContactAt: DEMO_NOW });
  });

  it('after a digits-only conversation the confirmation asks for a description, and the next text lands on the incident', () => {
    const phone = acmePhone();
    phone.text('2');
    phone.text('2');
    const effect = openEffect(phone.text('salesforse'));
    expect(effect).toMatchObject({ severity: 'high', integrationId: 101, description: '' });
    expect(phone.opened(effect, 124)).toBe(
      'Incidente 124 abierto (ALTA, Salesforce sync). Ya estamos avisando al ingeniero de guardia. Responda con una breve descripción del problema.',
    );
    const described = phone.text('No sincronizan los pedidos desde las 2am');
    expect(described.replies).toEqual([]);
    expect(described.effects).toEqual([
      { type: 'append_to_incident', channel: 'sms', customerId: 1, reference: 124, text: 'No sincronizan los pedidos desde las 2am', repeatContact: false },
    ]);
  });

  it('the SLA counts from the first message of the conversation, not from the last answer', () => {
    const phone = acmePhone();
    phone.text('BLOCKER');
    phone.wait(3);
    expect(openEffect(phone.text('1')).firstContactAt).toEqual(DEMO_NOW);
  });

  it('answering "3" (other) to the severity question is out of scope', () => {
    const phone = acmePhone();
    phone.text('sap caido');
    const result = phone.text('3');
    expect(result.effects).toMatchObject([{ type: 'log_out_of_scope', reason: 'severity_not_covered', severity: 'other', integrationId: 102 }]);
  });

  it('answering 9 (not listed) is told only integrations built for them are covered', () => {
    const phone = acmePhone();
    phone.text('BLOCKER');
    const result = phone.text('9');
    expect(result.replies[0]).toMatch(/^El servicio 24x7 cubre solo las integraciones que desarrollamos para su empresa\./);
    expect(result.effects).toMatchObject([{ type: 'log_out_of_scope', reason: 'integration_not_listed' }]);
  });

  it('an ambiguous integration is asked about with just the candidates', () => {
    const phone = acmePhone();
    const result = phone.text('BLOCKER salesforce orders');
    expect(result.replies).toEqual(['¿Cuál de estas integraciones? Responda 1 Salesforce sync, 2 SAP orders, 9 no está en la lista.']);
    expect(openEffect(phone.text('2'))).toMatchObject({ integrationId: 102, description: 'salesforce orders' });
  });

  it('a wrong answer is asked again, and the third wrong answer ends the conversation', () => {
    const phone = acmePhone();
    phone.text('hola');
    expect(phone.text('no sé').replies).toEqual(['Disculpe, no entendimos. Acme Retail: ¿qué gravedad tiene el incidente? Responda 1 Bloqueante, 2 Alta, 3 otra.']);
    phone.text('7');
    const last = phone.text('??');
    expect(last.state).toBeNull();
    expect(last.replies).toEqual(['No pudimos completar su reporte. Envíe AYUDA para ver instrucciones, o llame a este número.']);
  });
});

describe('repeat contacts and follow-ups', () => {
  it('a new report about an integration with an open incident is added to it: "your report was added to incident 123"', () => {
    const phone = acmePhone();
    phone.files.set(1, withOpenIncident(ACME, 123, 101));
    const result = phone.text('BLOCKER salesforce sync sigue caido');
    expect(result.replies).toEqual(['Agregamos su reporte al incidente 123, ya abierto para esta integración.']);
    expect(result.effects).toEqual([
      { type: 'append_to_incident', channel: 'sms', customerId: 1, reference: 123, text: 'salesforce sync sigue caido', repeatContact: true, severity: 'blocker' },
    ]);
  });

  it('with one open incident, a text without severity is a follow-up on it', () => {
    const phone = acmePhone();
    phone.files.set(1, withOpenIncident(ACME, 123, 101));
    expect(phone.text('ya reiniciamos el servidor').effects).toEqual([
      { type: 'append_to_incident', channel: 'sms', customerId: 1, reference: 123, text: 'ya reiniciamos el servidor', repeatContact: false },
    ]);
  });

  it('with several open incidents, the customer is asked to start with the number, and then it goes there', () => {
    const phone = acmePhone();
    phone.files.set(1, withOpenIncident(withOpenIncident(ACME, 123, 101), 124, 102));
    expect(phone.text('¿novedades?').replies).toEqual([
      'Tiene los incidentes abiertos 123, 124. Empiece su mensaje con el número de incidente, p. ej. "123 siguen fallando los pedidos".',
    ]);
    expect(phone.text('124 ¿novedades?').effects).toMatchObject([{ type: 'append_to_incident', reference: 124, text: '¿novedades?' }]);
    expect(phone.text('sap sigue lento').effects).toMatchObject([{ type: 'append_to_incident', reference: 124 }]);
  });

  it('naming an integration without an open incident starts a new report instead of a follow-up', () => {
    const phone = acmePhone();
    phone.files.set(1, withOpenIncident(ACME, 123, 101));
    expect(phone.text('SAP orders caido').replies[0]).toContain('¿qué gravedad tiene el incidente?');
  });

  it('contract checks do not stop follow-ups on an incident already open', () => {
    const phone = new Phone('+5511955550100', SHARED_NUMBER);
    phone.files.set(3, withOpenIncident(GAMMA, 90, 301));
    expect(phone.text('o webhook voltou').effects).toMatchObject([{ type: 'append_to_incident', reference: 90 }]);
  });
});

describe('strangers on the shared number', () => {
  it('an unknown phone is asked for its customer code in all three languages, and the first message is handled once it answers', () => {
    const phone = new Phone('+5491177777777', SHARED_NUMBER);
    const asked = phone.text('SAP');
    expect(asked.replies).toEqual(['Responda con su código de cliente. / Reply with your customer code. / Responda com o seu código de cliente.']);
    const identified = phone.text('1001');
    expect(identified.replies).toEqual(['Acme Retail: ¿qué gravedad tiene el incidente? Responda 1 Bloqueante, 2 Alta, 3 otra.']);
    expect(openEffect(phone.text('1'))).toMatchObject({ customerId: 1, integrationId: 102, firstContactAt: DEMO_NOW });
  });

  it('a one-shot report from a stranger is answered in its language and opened once the code is given', () => {
    const phone = new Phone('+5491177777777', SHARED_NUMBER);
    expect(phone.text('BLOCKER salesforce sync is down').replies).toEqual(['Reply with your customer code.']);
    expect(openEffect(phone.text('code 1001'))).toMatchObject({ customerId: 1, severity: 'blocker', integrationId: 101, language: 'es' });
  });

  it('three wrong codes end with the unknown-caller answer, logged', () => {
    const phone = new Phone('+5491177777777', SHARED_NUMBER);
    phone.text('bloqueante sap caido');
    expect(phone.text('9999').replies).toEqual(['No encontramos ese código de cliente. Intente de nuevo.']);
    phone.text('hola?');
    const last = phone.text('8888');
    expect(last.state).toBeNull();
    expect(last.replies[0]).toMatch(/^No pudimos identificarlo como cliente con soporte 24x7 de Integraciones\. Abra un ticket en Aivo Support Center/);
    expect(last.effects).toMatchObject([{ type: 'log_out_of_scope', reason: 'unknown_caller', customerId: null, text: 'bloqueante sap caido' }]);
  });
});

describe('a stranger identified only by the customer code', () => {
  const stranger = (files: Map<number, CustomerFile> = new Map()) => new Phone('+5491177777777', SHARED_NUMBER, files);

  it('may open an incident, which is marked as reported by code only', () => {
    const phone = stranger();
    phone.text('BLOCKER salesforce sync is down');
    expect(openEffect(phone.text('1001'))).toMatchObject({ customerId: 1, integrationId: 101, identifiedBy: 'customer_code' });
  });

  it('reporting an integration that already has an open incident is told nothing about it: the report is only noted there', () => {
    const phone = stranger(new Map([[1, withOpenIncident(ACME, 123, 101)]]));
    phone.text('BLOCKER salesforce sync is down');
    const answer = phone.text('1001');
    expect(answer.effects).toEqual([{ type: 'note_on_open_incident', channel: 'sms', customerId: 1, reference: 123, severity: 'blocker', text: 'salesforce sync is down' }]);
    expect(answer.replies.join(' ')).not.toMatch(/123/);
    expect(answer.replies).toEqual(['Gracias, registramos su reporte para los ingenieros. Para novedades sobre sus incidentes, llame o escriba desde un teléfono registrado.']);
    expect(answer.state).toBeNull();
  });

  it('cannot follow up on, nor be told the numbers of, the open incidents of the customer', () => {
    const phone = stranger(new Map([[1, withOpenIncident(withOpenIncident(ACME, 123, 101), 124, 102)]]));
    phone.text('hola');
    const answer = phone.text('1001');
    // Not "you have open incidents 123, 124": asked for the severity, as for a new report.
    expect(answer.effects).toEqual([]);
    expect(answer.replies).toEqual(['Acme Retail: ¿qué gravedad tiene el incidente? Responda 1 Bloqueante, 2 Alta, 3 otra.']);
    expect(phone.text('123 sigue caído').effects.some((e) => e.type === 'append_to_incident')).toBe(false);
  });

  it('follows the incident it opened, and only that one', () => {
    const phone = stranger(new Map([[1, withOpenIncident(ACME, 124, 102)]]));
    phone.text('BLOCKER salesforce sync is down');
    phone.opened(openEffect(phone.text('1001')), 125);
    expect(phone.text('sigue caído').effects).toEqual([{ type: 'append_to_incident', channel: 'sms', customerId: 1, reference: 125, text: 'sigue caído', repeatContact: false }]);
    expect(phone.text('124 y el SAP también').effects.some((e) => e.type === 'append_to_incident' && e.reference === 124)).toBe(false);
  });

  it('a registered contact is not a stranger: they follow every open incident of the customer', () => {
    const phone = new Phone('+54 9 11 5000-0101', SHARED_NUMBER, new Map([[1, withOpenIncident(ACME, 123, 101)]]));
    expect(phone.text('sigue caído').effects).toMatchObject([{ type: 'append_to_incident', reference: 123 }]);
  });
});

describe('keywords and time', () => {
  it('HELP answers without losing the conversation', () => {
    const phone = acmePhone();
    phone.text('hola');
    const help = phone.text('AYUDA');
    expect(help.replies[0]).toMatch(/^Soporte 24x7 de Integraciones/);
    expect(help.state).toMatchObject({ step: 'awaiting_severity' });
    expect(openEffect(phone.text('1 salesforce'))).toMatchObject({ severity: 'blocker', integrationId: 101 });
  });

  it('STOP ends the conversation and opts the phone out; START opts it back in', () => {
    const phone = acmePhone();
    phone.text('hola');
    expect(phone.text('STOP')).toEqual({ state: null, replies: ['No recibirá más mensajes de este número. Responda START para volver a recibirlos.'], effects: [{ type: 'opt_out' }] });
    expect(phone.text('unstop').effects).toEqual([{ type: 'opt_in' }]);
  });

  it('a stranger asking for HELP in Portuguese is answered in Portuguese', () => {
    expect(new Phone('+5511900000000', SHARED_NUMBER).text('ajuda').replies[0]).toMatch(/^Suporte 24x7 de Integrações/);
  });

  it('after 30 idle minutes the conversation is over: "1" is no longer an answer to the severity question', () => {
    const phone = acmePhone();
    phone.text('hola');
    phone.wait(30);
    const result = phone.text('1');
    expect(result.effects).toEqual([]);
    expect(result.replies[0]).toContain('¿qué gravedad tiene el incidente?');
    expect(result.state).toMatchObject({ step: 'awaiting_severity', startedAt: phone.now.toISOString() });
  });

  it('a conversation idle for 29 minutes 59 seconds is still going', () => {
    const phone = acmePhone();
    phone.text('hola');
    const state = phone.state;
    if (!state) throw new Error('no state');
    expect(isConversationExpired(state, new Date(DEMO_NOW.getTime() + 30 * MINUTE - 1000))).toBe(false);
    expect(isConversationExpired(state, new Date(DEMO_NOW.getTime() + 30 * MINUTE))).toBe(true);
  });

  it('tells the edge which customers to load: the code being typed, or the customer identified by code', () => {
    const phone = new Phone('+5491177777777', SHARED_NUMBER);
    expect(smsCustomerLookups(null, '1001', DEMO_NOW)).toEqual({ customerId: null, code: null });
    phone.text('hola');
    expect(smsCustomerLookups(phone.state, 'mi código es 1001', DEMO_NOW)).toEqual({ customerId: null, code: '1001' });
    phone.text('1001');
    expect(smsCustomerLookups(phone.state, '1', DEMO_NOW)).toEqual({ customerId: 1, code: null });
  });
});
