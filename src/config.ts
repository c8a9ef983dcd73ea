import { isIP } from 'node:net';
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

/**
 * Which proxies in front of the service are believed about the client's address (X-Forwarded-For):
 * none (the socket's peer is the client), the nearest `hops` (counting the socket's peer as one),
 * or those whose address is in one of `cidrs`. The rate limiters key on the address this yields.
 */
export type TrustProxy = { kind: 'off' } | { kind: 'hops'; hops: number } | { kind: 'cidrs'; cidrs: string[] };

/** An IP address or a CIDR block (`10.0.0.0/8`, `fdaa::/16`), or proxy-addr's names for the private ranges. */
function isAddressOrBlock(value: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(value)) return true;
  const [address, prefix, ...rest] = value.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * Reads a `TRUST_PROXY` value: empty, `off`, `false` or `0` trust nothing; a number trusts that
 * many hops (1 to 10); otherwise a comma-separated list of addresses or CIDR blocks. Null when
 * the value is none of these.
 */
export function parseTrustProxy(raw: string): TrustProxy | null {
  const value = raw.trim();
  if (value === '' || /^(off|false|0)$/i.test(value)) return { kind: 'off' };
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    return hops <= 10 ? { kind: 'hops', hops } : null;
  }
  const cidrs = value.split(',').map((v) => v.trim()).filter(Boolean);
  return cidrs.length > 0 && cidrs.every(isAddressOrBlock) ? { kind: 'cidrs', cidrs } : null;
}

/** Kept as text (the configuration stays plain strings and numbers); `parseTrustProxy` reads it. */
const trustProxy = z
  .string()
  .trim()
  .default('')
  .refine((value) => parseTrustProxy(value) !== null, 'off, a hop count from 1 to 10 (2 on Fly.io), or a comma-separated list of proxy addresses or CIDR blocks such as 10.0.0.0/8,fdaa::/16');

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
  /**
   * Sends in flight per worker. Twilio takes a few hundred milliseconds per request: 50 in flight
   * capped a worker near 150 sends a second, whatever the rate allowed; 200 keep several hundred.
   */
  SEND_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(200),
  ESCALATION_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(50),
  /** How long a webhook keeps retrying an unreachable Postgres before parking the request (Twilio waits 15 s). */
  WEBHOOK_RETRY_BUDGET_MS: z.coerce.number().int().min(0).max(12_000).default(8000),
  /** How often (across all workers) the reconciler puts back what Redis lost. */
  RECONCILE_INTERVAL_MS: z.coerce.number().int().min(250).max(60_000).default(2000),
  API_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(600),
  /** The shortest acknowledgement timeout an escalation level may have. Fault drills and tests lower it; production keeps 30 s. */
  MIN_ACK_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(86_400).default(30),
  PUBLIC_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(60),
  TRUST_PROXY: trustProxy,
  /** Postgres connections per process: about what the machine's Postgres serves at once, not the number of requests. */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** Queries as named prepared statements (parsed and planned once per connection); `false` behind a transaction-mode pooler such as PgBouncer's. */
  DATABASE_PREPARE: z.enum(['true', 'false']).default('true').transform((value) => value === 'true'),
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
