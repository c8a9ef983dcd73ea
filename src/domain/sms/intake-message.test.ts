import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Integration } from '../eligibility/contract.js';
import { ACME } from '../eligibility/demo.fixture.js';
import { customerCodeIn, guessLanguage, matchIntegration, parseIntakeMessage, type IntakeMessage } from './intake-message.js';
import { damerauLevenshtein, foldText } from './text-match.js';

const acme = ACME.integrations;

function report(text: string, expecting: 'severity' | 'integration' | 'anything' = 'anything', integrations: readonly Integration[] = acme) {
  const parsed = parseIntakeMessage(text, integrations, expecting);
  if (parsed.kind !== 'report') throw new Error(`expected a report, got ${parsed.kind}`);
  return parsed;
}

function integrationName(text: string, integrations: readonly Integration[] = acme): string {
  const match = matchIntegration(text, integrations);
  switch (match.kind) {
    case 'match':
      return match.integration.name;
    case 'ambiguous':
      return `ambiguous: ${match.candidates.map((c) => c.name).join(', ')}`;
    case 'not_listed':
    case 'none':
      return match.kind;
  }
}

describe('one-shot reports', () => {
  it.each([
    ['BLOCKER salesforce sync down', 'blocker', 'Salesforce sync', 'salesforce sync down'],
    ['bloqueante SAP caido', 'blocker', 'SAP orders', 'SAP caido'],
    ['ALTA zendesk no anda', 'high', 'Zendesk widget', 'zendesk no anda'],
    ['high: SAP orders failing', 'high', 'SAP orders', 'SAP orders failing'],
    ['Bloqueador - salesforse não sincroniza', 'blocker', 'Salesforce sync', 'salesforse não sincroniza'],
    ['Crítico: el sync de Salesforce está caído', 'blocker', 'Salesforce sync', 'el sync de Salesforce está caído'],
    ['prioridad alta sap orders lentos', 'high', 'SAP orders', 'sap orders lentos'],
    ['High priority SAP orders stuck', 'high', 'SAP orders', 'SAP orders stuck'],
    ['media: zendesk lento', 'medium', 'Zendesk widget', 'zendesk lento'],
    ['Média zendesk lento', 'medium', 'Zendesk widget', 'zendesk lento'],
    ['baja sap', 'low', 'SAP orders', 'sap'],
    ['baixa sap', 'low', 'SAP orders', 'sap'],
    ['low SAP', 'low', 'SAP orders', 'SAP'],
    ['salesforce sync down, BLOCKER', 'blocker', 'Salesforce sync', 'salesforce sync down'],
  ])('"%s" reads as severity %s on %s, described as "%s"', (text, severity, integration, description) => {
    const parsed = report(text);
    expect(parsed.severity).toBe(severity);
    expect(parsed.integration).toMatchObject({ kind: 'match', integration: { name: integration } });
    expect(parsed.description).toBe(description);
  });

  it('a report without a severity word has none, and keeps the whole text as description', () => {
    expect(report('el sync de salesforce no anda')).toMatchObject({ severity: null, description: 'el sync de salesforce no anda', integration: { kind: 'match' } });
  });

  it('"alta" inside a sentence is not a severity ("no puedo dar de alta clientes")', () => {
    expect(report('no puedo dar de alta clientes en SAP').severity).toBeNull();
  });

  it('digits are menu answers only when a menu was offered', () => {
    expect(report('1', 'severity')).toMatchObject({ severity: 'blocker', description: '' });
    expect(report('2', 'severity').severity).toBe('high');
    expect(report('3', 'severity').severity).toBe('other');
    expect(report('4', 'severity').severity).toBeNull();
    expect(report('1').severity).toBeNull();
    expect(report('1 salesforce caido', 'severity')).toMatchObject({ severity: 'blocker', integration: { kind: 'match', integration: { name: 'Salesforce sync' } } });
  });

  it('integration menu digits follow the menu order, 9 meaning "not listed"', () => {
    expect(report('2', 'integration').integration).toMatchObject({ kind: 'match', integration: { name: 'SAP orders' } });
    expect(report('3', 'integration').integration).toMatchObject({ kind: 'match', integration: { name: 'Zendesk widget' } });
    expect(report('9', 'integration').integration).toEqual({ kind: 'not_listed' });
    expect(report('7', 'integration').integration).toEqual({ kind: 'none' });
    expect(report('1 - the sync is down', 'integration')).toMatchObject({ integration: { kind: 'match', integration: { name: 'Salesforce sync' } }, description: 'the sync is down' });
  });
});

describe('keywords', () => {
  it.each([
    ['STOP', 'stop'],
    ['stop', 'stop'],
    [' Stop. ', 'stop'],
    ['STOPALL', 'stop'],
    ['UNSUBSCRIBE', 'stop'],
    ['CANCEL', 'stop'],
    ['END', 'stop'],
    ['QUIT', 'stop'],
    ['START', 'start'],
    ['YES', 'start'],
    ['UNSTOP', 'start'],
    ['HELP', 'help'],
    ['Ayuda', 'help'],
    ['AJUDA', 'help'],
  ] as const)('"%s" is the %s keyword', (text, kind) => {
    expect(parseIntakeMessage(text, acme).kind).toBe(kind);
  });

  it('a keyword inside a sentence is not a keyword', () => {
    expect(parseIntakeMessage('BLOCKER the sync will not stop failing', acme).kind).toBe('report');
    expect(parseIntakeMessage('help, SAP orders down', acme).kind).toBe('report');
  });

  it('help says which language it was asked in', () => {
    expect(parseIntakeMessage('AYUDA', acme)).toEqual<IntakeMessage>({ kind: 'help', language: 'es' });
    expect(parseIntakeMessage('ajuda', acme)).toEqual<IntakeMessage>({ kind: 'help', language: 'pt' });
  });
});

describe('forgiving integration names', () => {
  it.each([
    ['salesforce', 'Salesforce sync'],
    ['SALESFORCE SYNC', 'Salesforce sync'],
    ['salesforse', 'Salesforce sync'],
    ['slaesforce', 'Salesforce sync'],
    ['sales force sync', 'Salesforce sync'],
    ['sap', 'SAP orders'],
    ['the orders are not arriving', 'SAP orders'],
    ['zendesk no anda', 'Zendesk widget'],
    ['zend', 'Zendesk widget'],
    ['zendezk widgte', 'Zendesk widget'],
    ['el widget no carga', 'Zendesk widget'],
    ['nothing we know', 'none'],
    ['sip', 'none'],
  ])('"%s" → %s', (text, expected) => {
    expect(integrationName(text)).toBe(expected);
  });

  it('naming two integrations equally is ambiguous, so the customer is asked', () => {
    expect(integrationName('salesforce orders')).toBe('ambiguous: Salesforce sync, SAP orders');
  });

  it('a word shared by two integrations does not pick one', () => {
    const syncs: Integration[] = [
      { id: 1, name: 'Salesforce sync', builtBy: 'vendor' },
      { id: 2, name: 'Shopify sync', builtBy: 'vendor' },
    ];
    expect(integrationName('the sync is down', syncs)).toBe('ambiguous: Salesforce sync, Shopify sync');
    expect(integrationName('shopify sync is down', syncs)).toBe('Shopify sync');
  });

  it('the full name beats a name it contains ("SAP" vs "SAP orders")', () => {
    const saps: Integration[] = [
      { id: 1, name: 'SAP', builtBy: 'vendor' },
      { id: 2, name: 'SAP orders', builtBy: 'vendor' },
    ];
    expect(integrationName('sap down', saps)).toBe('SAP');
    expect(integrationName('sap orders down', saps)).toBe('SAP orders');
  });

  it('small words of a name ("de") do not match every sentence', () => {
    const pedidos: Integration[] = [
      { id: 1, name: 'Sistema de pedidos', builtBy: 'vendor' },
      { id: 2, name: 'Salesforce sync', builtBy: 'vendor' },
    ];
    expect(integrationName('el sync de salesforce', pedidos)).toBe('Salesforce sync');
  });
});

describe('text matching', () => {
  it('folds case and accents', () => {
    expect(foldText('  Caído, NÃO-sincroniza! ')).toBe('caido nao sincroniza');
  });

  it('counts a swap of neighbouring letters as one edit', () => {
    expect(damerauLevenshtein('salesforce', 'slaesforce')).toBe(1);
    expect(damerauLevenshtein('salesforce', 'salesforse')).toBe(1);
    expect(damerauLevenshtein('', 'abc')).toBe(3);
    expect(damerauLevenshtein('kitten', 'sitting')).toBe(3);
  });

  it('is a distance: zero only for equal words, symmetric, at most the longer length', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        const d = damerauLevenshtein(a, b);
        expect(d === 0).toBe(a === b);
        expect(damerauLevenshtein(b, a)).toBe(d);
        expect(d).toBeLessThanOrEqual(Math.max(a.length, b.length));
      }),
    );
  });

  it('never throws on any text, and always gives one of the known answers', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.constantFrom('severity', 'integration', 'anything') , (text, expecting) => {
        const parsed = parseIntakeMessage(text, acme, expecting);
        expect(['help', 'stop', 'start', 'report']).toContain(parsed.kind);
      }),
    );
  });
});

describe('strangers', () => {
  it('finds the customer code in a message', () => {
    expect(customerCodeIn('1001')).toBe('1001');
    expect(customerCodeIn('mi código es 1001, gracias')).toBe('1001');
    expect(customerCodeIn('12')).toBeNull();
    expect(customerCodeIn('123456789')).toBeNull();
  });

  it('guesses the language of a message from its words', () => {
    expect(guessLanguage('BLOCKER salesforce sync down')).toBe('en');
    expect(guessLanguage('bloqueante SAP caido')).toBe('es');
    expect(guessLanguage('o SAP caiu, não funciona')).toBe('pt');
    expect(guessLanguage('SAP')).toBeNull();
  });
});
