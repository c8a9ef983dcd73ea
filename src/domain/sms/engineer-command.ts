import { assertNever } from '../eligibility/eligibility.js';
import { foldText } from './text-match.js';

export type EngineerVerb = 'ack' | 'escalate' | 'reply' | 'wait' | 'resolve' | 'evidence';

/**
 * What an on-call engineer's SMS asks for.
 * - `ack_only_page` / `escalate_only_page`: a bare "1"/"2" (or "ACK"/"ESC" alone), meaning the one
 *   open page; the caller checks that exactly one is open.
 * - `text`: anything that is not a command; relayed to the customer when exactly one incident is
 *   open for the engineer, else answered with the help text.
 * - `malformed`: a command word without what it needs ("REPLY 123" with no text, "RESOLVE" with no
 *   number), to be answered with an example.
 */
export type EngineerCommand =
  | { kind: 'ack'; reference: number }
  | { kind: 'escalate'; reference: number }
  | { kind: 'reply'; reference: number; text: string }
  | { kind: 'wait'; reference: number; note: string }
  | { kind: 'resolve'; reference: number; note: string }
  | { kind: 'evidence'; reference: number; evidence: string }
  | { kind: 'ack_only_page' }
  | { kind: 'escalate_only_page' }
  | { kind: 'help' }
  | { kind: 'text'; text: string }
  | { kind: 'malformed'; verb: EngineerVerb; missing: 'reference' | 'text' };

/** The English command words: always commands, so a missing number or text is reported. */
const COMMAND_WORDS: ReadonlyMap<string, EngineerVerb> = new Map([
  ['ack', 'ack'],
  ['acknowledge', 'ack'],
  ['esc', 'escalate'],
  ['escalate', 'escalate'],
  ['reply', 'reply'],
  ['wait', 'wait'],
  ['resolve', 'resolve'],
  ['resolved', 'resolve'],
  ['evidence', 'evidence'],
]);

/**
 * Spanish and Portuguese synonyms. They are also ordinary words ("Espera un momento…"), so they
 * count as commands only when an incident number follows them; otherwise the message is text.
 */
const SYNONYMS: ReadonlyMap<string, EngineerVerb> = new Map([
  ['tomo', 'ack'],
  ['acepto', 'ack'],
  ['aceito', 'ack'],
  ['assumo', 'ack'],
  ['escalar', 'escalate'],
  ['responder', 'reply'],
  ['respuesta', 'reply'],
  ['resposta', 'reply'],
  ['esperar', 'wait'],
  ['espera', 'wait'],
  ['aguardar', 'wait'],
  ['aguardando', 'wait'],
  ['resolver', 'resolve'],
  ['resuelto', 'resolve'],
  ['resolvido', 'resolve'],
  ['evidencia', 'evidence'],
]);

const HELP_WORDS = new Set(['help', 'ayuda', 'ajuda', 'comandos', 'commands']);

/** Verbs whose argument is required text; the others take an optional note. */
const NEEDS_TEXT: ReadonlySet<EngineerVerb> = new Set(['reply', 'evidence']);

/**
 * Reads an engineer's SMS. Case-insensitive and forgiving of "#123", "ACK: 123", "ack123" and
 * extra spaces; anything after the number is the text or note, with its own case kept.
 */
export function parseEngineerCommand(text: string): EngineerCommand {
  const body = text.trim();
  if (body === '1') return { kind: 'ack_only_page' };
  if (body === '2') return { kind: 'escalate_only_page' };
  if (body === '?') return { kind: 'help' };

  const head = /^(\p{L}+)(.*)$/su.exec(body);
  if (!head) return { kind: 'text', text: body };
  const word = foldText(head[1] ?? '');
  const rest = head[2] ?? '';
  if (HELP_WORDS.has(word) && rest.trim() === '') return { kind: 'help' };

  const command = COMMAND_WORDS.get(word);
  const synonym = SYNONYMS.get(word);
  const verb = command ?? synonym;
  if (!verb) return { kind: 'text', text: body };

  const numbered = /^\s*[:.\-–]?\s*#?\s*(\d+)(?!\d)\s*[:.\-–]?\s*(.*)$/su.exec(rest);
  if (!numbered) {
    if (!command) return { kind: 'text', text: body };
    if (rest.trim() === '' && verb === 'ack') return { kind: 'ack_only_page' };
    if (rest.trim() === '' && verb === 'escalate') return { kind: 'escalate_only_page' };
    return { kind: 'malformed', verb, missing: 'reference' };
  }
  const reference = Number(numbered[1]);
  const tail = (numbered[2] ?? '').trim();
  if (NEEDS_TEXT.has(verb) && tail === '') return { kind: 'malformed', verb, missing: 'text' };
  switch (verb) {
    case 'ack':
      return { kind: 'ack', reference };
    case 'escalate':
      return { kind: 'escalate', reference };
    case 'reply':
      return { kind: 'reply', reference, text: tail };
    case 'wait':
      return { kind: 'wait', reference, note: tail };
    case 'resolve':
      return { kind: 'resolve', reference, note: tail };
    case 'evidence':
      return { kind: 'evidence', reference, evidence: tail };
    default:
      return assertNever(verb);
  }
}

/** An example of the command, for "please include the number/text, e.g. …" answers. */
export function commandExample(verb: EngineerVerb, reference = 123): string {
  switch (verb) {
    case 'ack':
      return `ACK ${reference}`;
    case 'escalate':
      return `ESC ${reference}`;
    case 'reply':
      return `REPLY ${reference} <text>`;
    case 'wait':
      return `WAIT ${reference}`;
    case 'resolve':
      return `RESOLVE ${reference} <note>`;
    case 'evidence':
      return `EVIDENCE ${reference} <text>`;
    default:
      return assertNever(verb);
  }
}
