import pino, { type Logger, type LoggerOptions } from 'pino';

/**
 * What never reaches a log line: phone numbers (personal data) in any format, the words people
 * text or say (SMS bodies, transcriptions, notes, evidence), and secrets that work for whoever
 * holds them (acknowledgement-link tokens, calendar addresses, API tokens). Everything a logger
 * writes passes through `scrubLogLine` last (pino's `streamWrite` hook), so request logs, error
 * messages and stacks, database errors and job failures are covered alike, whatever logged them.
 */

/**
 * A phone number as people and systems write it: E.164 with or without `+` (or `%2B` in a URL),
 * international with spaces (`+54 9 11 5000-0101`), national (`011 5000-0100`, `(11) 95555-0100`,
 * `15-5000-0100`). Runs of 8 to 15 digits, possibly broken by spaces, dashes or brackets, that are
 * not part of a longer word (a Twilio SID, a token) nor a date.
 */
const PHONE_LIKE = /(?<![\w.%-])(?:\+|%2B)?\(?\d(?:[\d ()-]*\d)?(?!\w|\.\d)/gi;
const DATE = /^\d{4}-\d{2}-\d{2}\b/;

function maskPhoneLike(match: string): string {
  const prefix = /^%2B/i.test(match) ? match.slice(0, 3) : '';
  const number = match.slice(prefix.length);
  const digits = number.replace(/\D/g, '').length;
  if (digits < 8 || digits > 15 || DATE.test(number)) return match;
  // All digits but the last four become '*': the shape stays readable, the number does not.
  let keep = 4;
  const masked = [...number]
    .reverse()
    .map((c) => (/\d/.test(c) ? (keep-- > 0 ? c : '*') : c))
    .reverse()
    .join('');
  return prefix + masked;
}

/** Secrets in text: link and calendar paths, API and calendar tokens, bare acknowledgement tokens. */
const SECRETS: Array<[RegExp, string]> = [
  [/(\/(?:ack|calendar)\/)[^\s"'/?#&]+/g, '$1[redacted]'],
  [/\b(sb[ct])_[\w-]+/g, '$1_[redacted]'],
  [/\b\d{1,15}\.\d{1,15}\.\d{1,12}\.[\w-]{43}\b/g, '[redacted]'],
];

/**
 * Values a database error quotes: a failed query's parameters ("params: …" in drizzle's message),
 * the row of a constraint violation ("Failing row contains (…)") and a key's value ("Key (x)=(…)").
 */
const QUOTED_VALUES: Array<[RegExp, string]> = [
  [/(\bparams:)[^\n]*/g, '$1 [redacted]'],
  [/(Failing row contains )\(.*\)/g, '$1(…)'],
  [/(Key \([^)]*\)=)\(.*?\)(?= |$|\n)/g, '$1(…)'],
];

/** A string fit for the log: secrets hidden, quoted database values dropped, phone numbers masked. */
export function scrubText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRETS) out = out.replace(pattern, replacement);
  for (const [pattern, replacement] of QUOTED_VALUES) out = out.replace(pattern, replacement);
  return out.replace(PHONE_LIKE, maskPhoneLike);
}

/**
 * Fields whose value is what someone wrote or said, or the values a failed query carried: dropped
 * whole, wherever they appear (Twilio's `Body`, a conversation's `state`, a query's `params`).
 */
const WORDS_FIELDS = new Set([
  'body',
  'Body',
  'text',
  'TranscriptionText',
  'description',
  'note',
  'evidence',
  'question',
  'state',
  'events',
  'transcript',
  'params',
  'parameters',
  'replies',
]);

/** Scrubs every string in a JSON value, however deep, and drops the words fields. */
export function scrubDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (depth > 12 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = WORDS_FIELDS.has(key) && v !== null && v !== undefined ? '[redacted]' : scrubDeep(v, depth + 1);
  return out;
}

/** One serialized log line, scrubbed (a line that is not JSON is scrubbed as text). */
export function scrubLogLine(line: string): string {
  try {
    return `${JSON.stringify(scrubDeep(JSON.parse(line)))}\n`;
  } catch {
    return scrubText(line);
  }
}

/** A request URL fit for the log: link and calendar tokens hidden, phone numbers masked. */
export function logUrl(url: string): string {
  return scrubText(url);
}

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    serializers: {
      req: (req: { method?: string; url?: string; id?: string }) => ({ method: req.method, url: logUrl(req.url ?? ''), requestId: req.id }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      err: pino.stdSerializers.err,
    },
    hooks: { streamWrite: scrubLogLine },
  };
}

/**
 * `pretty` (npm run dev in a terminal) prints one readable line per entry through pino-pretty, a
 * dev dependency: the request line's own fields are left out, since its message says it all.
 */
export function createLogger(level: string, options: { pretty?: boolean } = {}): Logger {
  const base = loggerOptions(level);
  const pretty = { ignore: 'pid,hostname,reqId,req,res,responseTime', translateTime: 'SYS:HH:MM:ss', singleLine: true };
  return pino(options.pretty ? { ...base, transport: { target: 'pino-pretty', options: pretty } } : base);
}

export type { Logger };
