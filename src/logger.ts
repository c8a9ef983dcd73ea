import pino, { type Logger, type LoggerOptions } from 'pino';
import { maskPhone } from './domain/phone.js';

const PHONE = /(?:\+|%2B)[1-9]\d{6,14}/gi;

/** Masks every E.164 number in a log value, however deep: phone numbers are personal data. */
export function maskPhonesDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(PHONE, (m) => maskPhone(m));
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => maskPhonesDeep(v, depth + 1));
  // Only plain data: requests, errors and other instances are left to their serializers.
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = maskPhonesDeep(v, depth + 1);
  return out;
}

/** The path segments that are credentials: the token of an acknowledgement link and of a calendar feed. */
const SECRET_PATH = /(\/(?:ack|calendar)\/)[^/?#]+/g;

/** A request URL fit for the log: link and calendar tokens hidden (anyone holding one can use it), phone numbers masked. */
export function logUrl(url: string): string {
  return maskPhonesDeep(url.replace(SECRET_PATH, '$1[redacted]')) as string;
}

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    serializers: {
      req: (req: { method?: string; url?: string; id?: string }) => ({ method: req.method, url: logUrl(req.url ?? ''), requestId: req.id }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      err: pino.stdSerializers.err,
    },
    formatters: { log: (object) => maskPhonesDeep(object) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a) => maskPhonesDeep(a)) as Parameters<typeof method>);
      },
    },
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
