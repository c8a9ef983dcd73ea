import { describe, expect, it } from 'vitest';
import type { OutOfScopeReason } from '../eligibility/contract.js';
import { OUT_OF_SCOPE_REASONS } from '../eligibility/contract.js';
import { AIVO_SUPPORT_CENTER, DEMO_NOW } from '../eligibility/demo.fixture.js';
import { supportHoursFacts, toCalendarMoment } from '../hours/calendar-moment.js';
import type { Catalogue, PageDetails, SupportHoursFacts } from './catalogue.js';
import { LANGUAGES, sayLanguage, spellDigits } from './language.js';
import { catalogues, messages } from './messages.js';
import { SMS_MAX_CHARS, truncate } from './text.js';

const closed = supportHoursFacts(DEMO_NOW, AIVO_SUPPORT_CENTER);
const open = supportHoursFacts(new Date('2025-06-10T15:00:00Z'), AIVO_SUPPORT_CENTER);
const page: PageDetails = { severity: 'blocker', reference: 123, customerName: 'Acme Retail', integrationName: 'Salesforce sync', description: 'Orders stopped syncing at 01:00.' };
const options = [
  { digit: 1, name: 'Salesforce sync' },
  { digit: 2, name: 'SAP orders' },
  { digit: 3, name: 'Zendesk widget' },
];
const BA = 'America/Argentina/Buenos_Aires';
const from = toCalendarMoment(new Date('2025-06-16T12:00:00Z'), DEMO_NOW, BA);
const until = toCalendarMoment(new Date('2025-06-23T12:00:00Z'), DEMO_NOW, BA);

/** Every SMS text of a catalogue, with the demo data as parameters. */
function smsTexts(c: Catalogue, hours: SupportHoursFacts): string[] {
  const s = c.sms;
  const e = c.engineer;
  return [
    ...OUT_OF_SCOPE_REASONS.map((reason) => c.outOfScope.sms({ reason, hours })),
    s.askCustomerCode(),
    s.customerCodeNotFound(),
    s.askSeverity({ customerName: 'Gamma Pagamentos' }),
    s.askIntegration({ options, notListedDigit: 9 }),
    s.ambiguousIntegration({ options: options.slice(0, 2), notListedDigit: 9 }),
    s.notUnderstood(),
    s.incidentOpened({ reference: 123456, severity: 'high', integrationName: 'Salesforce sync', askDescription: true }),
    s.repeatContact({ reference: 123 }),
    s.whichIncident({ references: [123, 124, 125] }),
    s.tooManyAttempts(),
    s.help(),
    s.stopConfirmation(),
    s.startConfirmation(),
    s.received(),
    s.engineerAssigned({ engineerName: 'Eng One', reference: 123 }),
    s.fromEngineer({ engineerName: 'Eng One', reference: 123, text: 'x'.repeat(500) }),
    s.waitingOnCustomer({ reference: 123, question: 'Can you send the failing order id? '.repeat(20) }),
    s.resolved({ reference: 123, note: 'Token renewed. '.repeat(40) }),
    s.closedWithEvidence({ reference: 123, evidence: 'Your firewall blocks our IP. '.repeat(30) }),
    e.pageSms({ ...page, description: 'long '.repeat(100) }),
    e.ackConfirmed({ reference: 123, customerName: 'Acme Retail' }),
    e.ackedByOther({ reference: 123, engineerName: 'Eng Two' }),
    e.escalated({ reference: 123 }),
    e.fromCustomer({ reference: 123, customerName: 'Acme Retail', text: 'y'.repeat(600) }),
    e.descriptionArrived({ reference: 123, customerName: 'Acme Retail', text: 'z'.repeat(600) }),
    e.waitingOnCustomer({ reference: 123 }),
    e.resolved({ reference: 123 }),
    e.evidenceSent({ reference: 123, customerName: 'Acme Retail' }),
    e.handoff({ rotationName: 'Integrations primary', from, until }),
    e.escalationExhausted({ ...page, description: 'long '.repeat(100) }),
    e.noOpenPage(),
    e.severalOpenPages({ references: [123, 124] }),
    e.missingReference({ example: 'ACK 123' }),
    e.missingText({ example: 'REPLY 123 <text>' }),
    e.unknownCommand(),
    e.help(),
    s.reportNoted(),
    e.notAllowed({ reference: 123456 }),
    e.reassignedToYou({ reference: 123456, customerName: 'Acme Retail', integrationName: 'Salesforce sync' }),
    e.reassignedAway({ reference: 123456, engineerName: 'Eng Two' }),
    e.pageSms({ ...page, description: 'long '.repeat(100), codeOnlyCaller: { phone: '+5491150000881' } }),
    e.pageSms({ ...page, codeOnlyCaller: { phone: null } }),
    e.escalationExhausted({ ...page, description: 'long '.repeat(100), codeOnlyCaller: { phone: '+5491150000881' } }),
  ];
}

/** Every spoken text of a catalogue. */
function voiceTexts(c: Catalogue, hours: SupportHoursFacts): string[] {
  const v = c.ivr;
  return [
    ...OUT_OF_SCOPE_REASONS.map((reason) => c.outOfScope.voice({ reason, hours })),
    v.welcome({ customerName: 'Acme Retail' }),
    v.welcome({ customerName: null }),
    v.chooseLanguage({ digit: 1 }),
    v.enterCustomerCode(),
    v.identified({ customerName: 'Acme Retail' }),
    v.customerCodeNotFound(),
    v.severityMenu(),
    v.integrationMenu({ options, notListedDigit: 9 }),
    v.incidentOpened(),
    v.repeatContact({ reference: 123 }),
    v.recordDescription(),
    v.readBackReference({ reference: 123 }),
    v.goodbye(),
    v.invalidInput(),
    v.noInput(),
    v.tooManyAttempts(),
    c.engineer.pageVoice(page),
    c.engineer.voiceAcknowledged({ reference: 123 }),
    c.engineer.voiceEscalated({ reference: 123 }),
    c.engineer.voiceNotAllowed({ reference: 123 }),
    c.engineer.pageVoice({ ...page, codeOnlyCaller: { phone: '+5491150000881' } }),
    v.reportNoted(),
  ];
}

function shape(value: unknown): unknown {
  if (typeof value === 'function') return 'fn';
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]));
  return typeof value;
}

describe('the catalogue', () => {
  it('has the same keys in Spanish, English and Portuguese', () => {
    expect(shape(catalogues.es)).toEqual(shape(catalogues.en));
    expect(shape(catalogues.pt)).toEqual(shape(catalogues.en));
  });

  it.each(LANGUAGES)('in %s, every text is filled in: no empty text, no "undefined", no raw placeholders', (language) => {
    for (const hours of [open, closed]) {
      for (const text of [...smsTexts(messages(language), hours), ...voiceTexts(messages(language), hours)]) {
        expect(text.trim()).not.toBe('');
        expect(text).not.toMatch(/undefined|NaN|\[object|\$\{| {2}/);
      }
    }
  });

  it.each(LANGUAGES)('in %s, a page about a caller identified by code only says so, and spells the number when spoken', (language) => {
    const m = messages(language).engineer;
    expect(m.pageSms({ ...page, codeOnlyCaller: { phone: '+5491150000881' } })).toContain('+5491150000881');
    expect(m.pageSms(page)).not.toContain('+549');
    expect(m.pageVoice({ ...page, codeOnlyCaller: { phone: '+5491150000881' } })).toContain('5, 4, 9, 1, 1, 5, 0, 0, 0, 0, 8, 8, 1');
  });

  it.each(LANGUAGES)('in %s, every SMS fits in 320 characters, even with very long customer or engineer text', (language) => {
    for (const hours of [open, closed]) {
      for (const text of smsTexts(messages(language), hours)) expect(text.length, text).toBeLessThanOrEqual(SMS_MAX_CHARS);
    }
  });
});

describe('engineer pages', () => {
  it('the SMS page reads as the issue specifies', () => {
    expect(messages('en').engineer.pageSms({ ...page, description: 'orders not syncing' })).toBe(
      'BLOCKER incident 123 Acme Retail – Salesforce sync: orders not syncing. Reply ACK 123 to acknowledge, ESC 123 to escalate',
    );
  });

  it('a long description is shortened with "…" and the ACK/ESC instructions are kept', () => {
    const text = messages('es').engineer.pageSms({ ...page, description: 'El sync falla '.repeat(50) });
    expect(text.length).toBeLessThanOrEqual(SMS_MAX_CHARS);
    expect(text).toContain('…');
    expect(text.endsWith('Responda ACK 123 para tomarlo, ESC 123 para escalar')).toBe(true);
  });

  it('the voice page offers 1 to acknowledge and 2 to escalate now, reading the number digit by digit', () => {
    expect(messages('en').engineer.pageVoice(page)).toBe(
      'This is Standby. Blocker incident 1, 2, 3 for Acme Retail, Salesforce sync. Orders stopped syncing at 01:00. Press 1 to acknowledge, 2 to escalate now.',
    );
  });

  it('the customer hears who is working on the incident', () => {
    expect(messages('en').sms.engineerAssigned({ engineerName: 'Eng One', reference: 123 })).toBe('Eng One is working on your incident 123.');
    expect(messages('es').sms.engineerAssigned({ engineerName: 'Eng One', reference: 123 })).toBe('Eng One está trabajando en su incidente 123.');
    expect(messages('pt').sms.engineerAssigned({ engineerName: 'Eng One', reference: 123 })).toBe('Eng One está trabalhando no seu incidente 123.');
  });

  it('the handoff notice gives the rotation and both ends of the shift with dates', () => {
    expect(messages('en').engineer.handoff({ rotationName: 'Integrations primary', from, until })).toBe(
      'You are on call for rotation Integrations primary from Monday 16 June at 09:00 to Monday 23 June at 09:00.',
    );
    expect(messages('es').engineer.handoff({ rotationName: 'Integrations primary', from, until })).toBe(
      'Está de guardia en la rotación Integrations primary desde el lunes 16 de junio a las 09:00 hasta el lunes 23 de junio a las 09:00.',
    );
  });
});

describe('out-of-scope answers', () => {
  const reasons: OutOfScopeReason[] = [...OUT_OF_SCOPE_REASONS];

  it.each(reasons)('for %s, the spoken answer gives a reason, the Support Center, the hours and the next opening', (reason) => {
    const text = messages('en').outOfScope.voice({ reason, hours: closed });
    expect(text).toContain(messages('en').outOfScope.reason(reason));
    expect(text).toContain('open a ticket at Aivo Support Center');
    expect(text).toContain('Monday to Friday from 09:00 to 18:00, Buenos Aires time');
    expect(text).toContain('It opens again tomorrow at 09:00.');
  });

  it('each reason has its own explanation in each language', () => {
    for (const language of LANGUAGES) {
      const explanations = new Set(reasons.map((r) => messages(language).outOfScope.reason(r)));
      expect(explanations.size).toBe(reasons.length);
    }
  });

  it('the Support Center name is a parameter', () => {
    const hours = { ...closed, supportCenterName: 'Mesa de Ayuda' };
    expect(messages('es').outOfScope.sms({ reason: 'no_contract', hours })).toContain('Abra un ticket en Mesa de Ayuda');
  });

  it('during working hours it says the Support Center is open now, until 18:00', () => {
    expect(messages('pt').outOfScope.voice({ reason: 'contract_not_active', hours: open })).toContain('Agora está aberto, até as 18:00.');
    expect(messages('es').outOfScope.sms({ reason: 'contract_not_active', hours: open })).toContain('abierto hasta las 18:00');
  });
});

describe('voice helpers', () => {
  it('reads an incident reference digit by digit', () => {
    expect(spellDigits(123)).toBe('1, 2, 3');
    expect(messages('es').ivr.readBackReference({ reference: 405 })).toBe('Su número de incidente es 4, 0, 5. Repito: 4, 0, 5.');
  });

  it('maps each language to a Twilio voice locale', () => {
    expect(LANGUAGES.map(sayLanguage)).toEqual(['es-MX', 'en-US', 'pt-BR']);
  });

  it('offers the language menu each in its own language', () => {
    expect(LANGUAGES.map((l, i) => messages(l).ivr.chooseLanguage({ digit: i + 1 })).join(' ')).toBe(
      'Para español, marque 1. For English, press 2. Para português, digite 3.',
    );
  });

  it('lists integrations by number with 9 for "not listed"', () => {
    expect(messages('es').ivr.integrationMenu({ options: options.slice(0, 2), notListedDigit: 9 })).toBe(
      '¿Qué integración está fallando? Para Salesforce sync, marque 1. Para SAP orders, marque 2. Si no está en la lista, marque 9.',
    );
  });

  it('truncate keeps short text and marks cuts', () => {
    expect(truncate('short', 10)).toBe('short');
    expect(truncate('a much longer text', 10)).toBe('a much lo…');
  });
});
