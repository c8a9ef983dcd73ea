import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseEngineerCommand, type EngineerCommand } from './engineer-command.js';

describe('engineer commands by SMS', () => {
  it.each<[string, EngineerCommand]>([
    ['ACK 123', { kind: 'ack', reference: 123 }],
    ['ack 123', { kind: 'ack', reference: 123 }],
    ['  Ack   #123  ', { kind: 'ack', reference: 123 }],
    ['ACK: 123', { kind: 'ack', reference: 123 }],
    ['ack123', { kind: 'ack', reference: 123 }],
    ['ACK 123 on my way', { kind: 'ack', reference: 123 }],
    ['ESC 123', { kind: 'escalate', reference: 123 }],
    ['escalate #77', { kind: 'escalate', reference: 77 }],
    ['REPLY 123 Looking into it now', { kind: 'reply', reference: 123, text: 'Looking into it now' }],
    ['reply #123: Can you restart the job?', { kind: 'reply', reference: 123, text: 'Can you restart the job?' }],
    ['WAIT 123', { kind: 'wait', reference: 123, note: '' }],
    ['wait 123 asked for their VPN logs', { kind: 'wait', reference: 123, note: 'asked for their VPN logs' }],
    ['RESOLVE 123 Renewed the expired token', { kind: 'resolve', reference: 123, note: 'Renewed the expired token' }],
    ['resolve 123', { kind: 'resolve', reference: 123, note: '' }],
    ['EVIDENCE 123 Their firewall drops our calls, see trace id 9f2', { kind: 'evidence', reference: 123, evidence: 'Their firewall drops our calls, see trace id 9f2' }],
    ['1', { kind: 'ack_only_page' }],
    [' 2 ', { kind: 'escalate_only_page' }],
    ['ACK', { kind: 'ack_only_page' }],
    ['esc', { kind: 'escalate_only_page' }],
    ['HELP', { kind: 'help' }],
    ['ayuda', { kind: 'help' }],
    ['Ajuda', { kind: 'help' }],
    ['?', { kind: 'help' }],
  ])('"%s" is understood', (text, expected) => {
    expect(parseEngineerCommand(text)).toEqual(expected);
  });

  it.each<[string, EngineerCommand]>([
    ['tomo 123', { kind: 'ack', reference: 123 }],
    ['Aceito #123', { kind: 'ack', reference: 123 }],
    ['escalar 123', { kind: 'escalate', reference: 123 }],
    ['responder 123 ya lo estamos viendo', { kind: 'reply', reference: 123, text: 'ya lo estamos viendo' }],
    ['aguardar 123', { kind: 'wait', reference: 123, note: '' }],
    ['resuelto 123 token renovado', { kind: 'resolve', reference: 123, note: 'token renovado' }],
    ['Evidência 123 o firewall deles bloqueia', { kind: 'evidence', reference: 123, evidence: 'o firewall deles bloqueia' }],
  ])('Spanish and Portuguese: "%s" is understood', (text, expected) => {
    expect(parseEngineerCommand(text)).toEqual(expected);
  });

  it('Spanish words without a number are ordinary text to relay, not commands', () => {
    expect(parseEngineerCommand('Espera un momento, ya reviso')).toEqual({ kind: 'text', text: 'Espera un momento, ya reviso' });
    expect(parseEngineerCommand('Resuelto, ya funciona')).toEqual({ kind: 'text', text: 'Resuelto, ya funciona' });
  });

  it('plain text is text, kept as written', () => {
    expect(parseEngineerCommand('  Restarted the connector, please retry  ')).toEqual({ kind: 'text', text: 'Restarted the connector, please retry' });
    expect(parseEngineerCommand('12')).toEqual({ kind: 'text', text: '12' });
  });

  it('a command without its number or text says what is missing', () => {
    expect(parseEngineerCommand('REPLY 123')).toEqual({ kind: 'malformed', verb: 'reply', missing: 'text' });
    expect(parseEngineerCommand('EVIDENCE 123   ')).toEqual({ kind: 'malformed', verb: 'evidence', missing: 'text' });
    expect(parseEngineerCommand('RESOLVE fixed it')).toEqual({ kind: 'malformed', verb: 'resolve', missing: 'reference' });
    expect(parseEngineerCommand('ACK abc')).toEqual({ kind: 'malformed', verb: 'ack', missing: 'reference' });
    expect(parseEngineerCommand('WAIT')).toEqual({ kind: 'malformed', verb: 'wait', missing: 'reference' });
  });

  it('never throws, and a command always names a positive incident number', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 40 }), fc.tuple(fc.constantFrom('ACK', 'esc', 'Reply', 'WAIT', 'resolve', 'EVIDENCE', 'tomo'), fc.string({ maxLength: 20 })).map(([a, b]) => `${a}${b}`)), (text) => {
        const command = parseEngineerCommand(text);
        if ('reference' in command) expect(Number.isInteger(command.reference) && command.reference >= 0).toBe(true);
      }),
    );
  });
});
