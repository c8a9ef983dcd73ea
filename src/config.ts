import { z } from 'zod';

const zoneName = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'an IANA time zone such as America/Argentina/Buenos_Aires');

const url = (protocols: string[]) =>
  z.string().refine((value) => {
    try {
      return protocols.includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, `a URL starting with ${protocols.join(' or ')}`);

/** Every setting the process reads. Parsed once at start; nothing else reads `process.env`. */
export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_BASE_URL: url(['http:', 'https:']).transform((u) => u.replace(/\/+$/, '')),
  DATABASE_URL: url(['postgres:', 'postgresql:']),
  REDIS_URL: url(['redis:', 'rediss:']),
  TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'a Twilio account SID: AC followed by 32 hex digits'),
  TWILIO_AUTH_TOKEN: z.string().min(16, 'at least 16 characters'),
  TWILIO_API_BASE_URL: url(['http:', 'https:']).transform((u) => u.replace(/\/+$/, '')).optional(),
  ADMIN_API_TOKEN: z.string().min(24, 'at least 24 characters'),
  LINK_SECRET: z.string().min(32, 'at least 32 characters'),
  WORKING_HOURS_TZ: zoneName.default('America/Argentina/Buenos_Aires'),
  WORKING_HOURS_HOLIDAYS: z
    .string()
    .default('')
    .transform((s) => s.split(',').map((d) => d.trim()).filter(Boolean))
    .pipe(z.array(z.iso.date('dates as yyyy-MM-dd, comma separated'))),
  SUPPORT_CENTER_NAME: z.string().min(1).default('Aivo Support Center'),
  ROLE: z.enum(['web', 'worker', 'all']).default('all'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SEND_RATE_PER_SECOND: z.coerce.number().positive().default(10),
  API_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(600),
  /** Postgres connections per process: about what the machine's Postgres serves at once, not the number of requests. */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** Texts a web process works on at once; more wait their turn (see INTAKE_MAX_WAIT_MS). */
  INTAKE_CONCURRENCY: z.coerce.number().int().min(1).max(200).default(6),
  /** How long a text waits for its turn before it is kept for later and answered "received" at once. */
  INTAKE_MAX_WAIT_MS: z.coerce.number().int().min(0).max(10_000).default(50),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {}

/**
 * Parses the environment. A missing or malformed value throws one line per problem, naming the
 * variable, e.g. `DATABASE_URL: a URL starting with postgres: or postgresql:`.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = configSchema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? 'environment');
    const missing = issue.code === 'invalid_type' && env[name] === undefined;
    return `${name}: ${missing ? 'is required but not set' : issue.message}`;
  });
  throw new ConfigError(`Invalid configuration: ${lines.join('; ')}`);
}
