import type { Integration, ReportedSeverity } from '../eligibility/contract.js';
import { NOT_LISTED_DIGIT, integrationMenu } from '../eligibility/integration-menu.js';
import type { Language } from '../i18n/language.js';
import { foldText, tokenSimilarity, tokens } from './text-match.js';

/** Twilio's standard opt-out and opt-in keywords, plus help in the three languages. Whole message only. */
const STOP_WORDS = new Set(['stop', 'stopall', 'unsubscribe', 'cancel', 'end', 'quit', 'optout', 'revoke']);
const START_WORDS = new Set(['start', 'yes', 'unstop']);
const HELP_WORDS: ReadonlyMap<string, Language | null> = new Map([
  ['help', 'en'],
  ['info', null],
  ['ayuda', 'es'],
  ['ajuda', 'pt'],
]);

/** Severity words (folded). Strong words are recognised anywhere; the others only at the start. */
const STRONG_SEVERITY: ReadonlyMap<string, ReportedSeverity> = new Map([
  ['blocker', 'blocker'],
  ['blocking', 'blocker'],
  ['bloqueante', 'blocker'],
  ['bloqueador', 'blocker'],
]);
const LEADING_SEVERITY: ReadonlyMap<string, ReportedSeverity> = new Map([
  ...STRONG_SEVERITY,
  ['critical', 'blocker'],
  ['critico', 'blocker'],
  ['critica', 'blocker'],
  ['high', 'high'],
  ['alta', 'high'],
  ['alto', 'high'],
  ['medium', 'medium'],
  ['media', 'medium'],
  ['medio', 'medium'],
  ['low', 'low'],
  ['baja', 'low'],
  ['bajo', 'low'],
  ['baixa', 'low'],
  ['baixo', 'low'],
]);
/** Words that may come before a severity: "severity high", "prioridad alta", "prioridade alta". */
const SEVERITY_PREFIXES = new Set(['severity', 'sev', 'priority', 'prioridad', 'prioridade', 'gravedad', 'gravidade']);
/** Words that may come after it: "high priority", "alta prioridad". */
const SEVERITY_SUFFIXES = new Set(['priority', 'prioridad', 'prioridade', 'severity']);

/** Words too common to identify an integration by ("Sistema de pedidos" must not match every "de"). */
const NAME_STOP_WORDS = new Set(['de', 'del', 'da', 'do', 'dos', 'das', 'la', 'el', 'los', 'las', 'the', 'of', 'and', 'y', 'e', 'para', 'for', 'to', 'a', 'o', 'en', 'em', 'no', 'na', 'integration', 'integracion', 'integracao']);

/** Marker words to guess the language of a stranger's message, when nothing else tells it. */
const LANGUAGE_MARKERS: { readonly [L in Language]: ReadonlySet<string> } = {
  es: new Set(['ayuda', 'caido', 'caida', 'anda', 'funciona', 'hola', 'baja', 'bajo', 'medio', 'los', 'las', 'el', 'y', 'esta', 'falla', 'fallando', 'pedidos', 'bloqueado']),
  en: new Set(['help', 'down', 'not', 'is', 'the', 'failing', 'broken', 'blocker', 'high', 'low', 'medium', 'working', 'hello', 'hi', 'orders', 'fails']),
  pt: new Set(['ajuda', 'caiu', 'fora', 'do', 'da', 'ar', 'nao', 'baixa', 'baixo', 'falhando', 'parou', 'com', 'um', 'uma', 'ola', 'pedidos', 'funcionando']),
};

export type IntegrationMatch =
  | { kind: 'match'; integration: Integration }
  | { kind: 'not_listed' }
  | { kind: 'ambiguous'; candidates: Integration[] }
  | { kind: 'none' };

export type IntakeMessage =
  | { kind: 'help'; language: Language | null }
  | { kind: 'stop' }
  | { kind: 'start' }
  | {
      kind: 'report';
      severity: ReportedSeverity | null;
      integration: IntegrationMatch;
      /** The message without its severity word: what the customer says is wrong. */
      description: string;
      /** The language the message seems written in, when its words tell. */
      language: Language | null;
    };

export type Keyword = Extract<IntakeMessage, { kind: 'help' | 'stop' | 'start' }>;

/** HELP/AYUDA/AJUDA/INFO, STOP and Twilio's opt-out synonyms, START/YES/UNSTOP: only as the whole message. */
export function parseKeyword(text: string): Keyword | null {
  const words = tokens(text);
  if (words.length !== 1) return null;
  const only = words[0] ?? '';
  if (STOP_WORDS.has(only)) return { kind: 'stop' };
  if (START_WORDS.has(only)) return { kind: 'start' };
  const help = HELP_WORDS.get(only);
  if (help !== undefined) return { kind: 'help', language: help };
  return null;
}

/**
 * What the conversation is waiting for changes how bare digits read: `severity` takes 1 Blocker,
 * 2 High, 3 other; `integration` takes the menu digits (1..8 as `integrationMenu` orders them, 9
 * not listed). Otherwise digits are just text.
 */
export type Expecting = 'severity' | 'integration' | 'anything';

const MENU_SEVERITY: ReadonlyMap<string, ReportedSeverity> = new Map([
  ['1', 'blocker'],
  ['2', 'high'],
  ['3', 'other'],
]);

/**
 * Reads a customer's text: a keyword (HELP/AYUDA/AJUDA, STOP and its synonyms, START and its
 * synonyms, as the whole message), or a report with whatever severity, integration and
 * description it carries ("BLOCKER salesforce sync down", "alta: SAP caido", "2").
 */
export function parseIntakeMessage(text: string, integrations: readonly Integration[], expecting: Expecting = 'anything'): IntakeMessage {
  const keyword = parseKeyword(text);
  if (keyword) return keyword;

  const severity = findSeverity(text, expecting);
  const rest = severity?.rest ?? text.trim();
  const restWords = tokens(rest);
  let integration: IntegrationMatch = { kind: 'none' };
  let description = rest;
  if (expecting === 'integration' && restWords.length >= 1 && /^\d$/.test(restWords[0] ?? '')) {
    integration = integrationByDigit(Number(restWords[0]), integrations);
    description = rest.replace(/^\s*\d\s*[.):-]?\s*/, '');
  } else {
    integration = matchIntegration(rest, integrations);
  }
  return { kind: 'report', severity: severity?.severity ?? null, integration, description: description.trim(), language: guessLanguage(text) };
}

function integrationByDigit(digit: number, integrations: readonly Integration[]): IntegrationMatch {
  if (digit === NOT_LISTED_DIGIT) return { kind: 'not_listed' };
  const chosen = integrationMenu(integrations)[digit - 1];
  return chosen ? { kind: 'match', integration: chosen } : { kind: 'none' };
}

/** The severity the text states, and the text without it. */
function findSeverity(text: string, expecting: Expecting): { severity: ReportedSeverity; rest: string } | null {
  // Leading words, separated by spaces or punctuation: "high: SAP", "prioridad alta - SAP", "1 SAP".
  const leading = /^\s*([\p{L}\p{N}]+)(?:[\s:;,.\-–!]+([\p{L}\p{N}]+))?/u.exec(text);
  if (leading) {
    const first = foldText(leading[1] ?? '');
    const second = foldText(leading[2] ?? '');
    const strip = (n: number): string => stripLeadingWords(text, n);
    if (expecting === 'severity' && MENU_SEVERITY.has(first)) return { severity: MENU_SEVERITY.get(first) as ReportedSeverity, rest: strip(1) };
    if (SEVERITY_PREFIXES.has(first) && LEADING_SEVERITY.has(second)) return { severity: LEADING_SEVERITY.get(second) as ReportedSeverity, rest: strip(2) };
    const s = LEADING_SEVERITY.get(first);
    if (s) return { severity: s, rest: strip(SEVERITY_SUFFIXES.has(second) ? 2 : 1) };
  }
  // A strong word anywhere: "salesforce down, BLOCKER".
  for (const match of text.matchAll(/[\p{L}\p{N}]+/gu)) {
    const s = STRONG_SEVERITY.get(foldText(match[0]));
    if (s) {
      const index = match.index;
      const rest = `${text.slice(0, index)} ${text.slice(index + match[0].length)}`;
      return { severity: s, rest: rest.replace(/\s+/g, ' ').replace(/^[\s:;,.\-–!]+|[\s:;,\-–]+$/g, '') };
    }
  }
  return null;
}

/** `text` without its first `n` words and the punctuation after them. */
function stripLeadingWords(text: string, n: number): string {
  const pattern = new RegExp(`^\\s*(?:[\\p{L}\\p{N}]+[\\s:;,.\\-–!]*){${n}}`, 'u');
  return text.replace(pattern, '').trim();
}

/**
 * Which of the customer's integrations the text names, forgiving case, accents, word order and
 * small typos ("salesforse", "sap" for "SAP orders", "zendesk no anda").
 *
 * Each integration scores the share of its name's words found in the text, a word weighing less
 * when several integrations share it ("sync" in "Salesforce sync" and "Shopify sync"). The best
 * score wins when it is clearly ahead; two equal best scores are `ambiguous` (ask); no word found
 * at all is `none`.
 */
export function matchIntegration(text: string, integrations: readonly Integration[]): IntegrationMatch {
  const typed = tokens(text);
  if (typed.length === 0 || integrations.length === 0) return { kind: 'none' };
  const nameWords = integrations.map((i) => significantWords(i.name));
  const sharedBy = new Map<string, number>();
  for (const words of nameWords) for (const w of new Set(words)) sharedBy.set(w, (sharedBy.get(w) ?? 0) + 1);

  const scored = integrations.map((integration, index) => {
    const words = nameWords[index] ?? [];
    let total = 0;
    let found = 0;
    let distinctive = false;
    for (const word of words) {
      const weight = 1 / (sharedBy.get(word) ?? 1);
      const best = Math.max(0, ...typed.map((t) => tokenSimilarity(t, word)));
      total += weight;
      found += weight * best;
      if (best > 0 && weight === 1) distinctive = true;
    }
    const score = total === 0 ? 0 : found / total;
    return { integration, score: score > 0 && !distinctive ? score / 2 : score };
  });

  const ranked = scored.filter((s) => s.score > 0).sort((a, b) => b.score - a.score);
  const best = ranked[0];
  if (!best) return { kind: 'none' };
  const tied = ranked.filter((s) => best.score - s.score < 0.1);
  if (tied.length > 1) return { kind: 'ambiguous', candidates: tied.map((s) => s.integration) };
  return { kind: 'match', integration: best.integration };
}

function significantWords(name: string): string[] {
  const words = tokens(name);
  const significant = words.filter((w) => !NAME_STOP_WORDS.has(w) && w.length > 1);
  return significant.length > 0 ? significant : words;
}

/** The language the text's words point to, or null when they do not clearly point to one. */
export function guessLanguage(text: string): Language | null {
  const words = tokens(text);
  const scores = (Object.keys(LANGUAGE_MARKERS) as Language[]).map((language) => ({
    language,
    score: words.filter((w) => LANGUAGE_MARKERS[language].has(w)).length,
  }));
  scores.sort((a, b) => b.score - a.score);
  const [first, second] = scores;
  if (!first || first.score === 0 || (second && second.score === first.score)) return null;
  return first.language;
}

/** The customer code in a text ("1001", "code 1001", "mi código es 1001"): the first run of 3–8 digits. */
export function customerCodeIn(text: string): string | null {
  return /(?<!\d)(\d{3,8})(?!\d)/.exec(text)?.[1] ?? null;
}
