import type { FastifyInstance, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { Deps } from '../../app/deps.js';
import { parseTrustProxy } from '../../config.js';

/**
 * Fastify's `trustProxy` for the configured `TRUST_PROXY`. A hop count is a function of the hop
 * (hop 0 is the socket's peer) because Fastify 5.12.1+ trusts nothing when given a plain number.
 * With nothing trusted, `request.ip` is the socket's peer: an address the client cannot choose.
 */
export function trustProxyOption(value: string): false | string[] | ((address: string, hop: number) => boolean) {
  // The configuration was validated at start: a value that does not read trusts nothing.
  const trust = parseTrustProxy(value) ?? { kind: 'off' as const };
  switch (trust.kind) {
    case 'off':
      return false;
    case 'hops':
      return (_address, hop) => hop < trust.hops;
    case 'cidrs':
      return trust.cidrs;
    default: {
      const never: never = trust;
      throw new Error(`unknown TRUST_PROXY ${JSON.stringify(never)}`);
    }
  }
}

/**
 * Limits the requests every route of `scope` takes per client address (`request.ip`, so what
 * `TRUST_PROXY` believes) per minute, counted in Redis so the limit holds across web machines.
 * Counted in `onRequest`, before auth or any database work, so refused requests use up the
 * allowance too and, once it is spent, cost nothing more. A Redis outage lets requests through.
 */
export async function limitRequests(
  scope: FastifyInstance,
  deps: Pick<Deps, 'redis' | 'scheduler'>,
  options: { name: string; perMinute: number; allowList?: (request: FastifyRequest) => boolean },
): Promise<void> {
  await scope.register(rateLimit, {
    // Not the plugin's per-route hook, which would run after auth's: see the hook below.
    global: false,
    skipOnError: true,
    max: options.perMinute,
    timeWindow: 60_000,
    redis: deps.redis,
    // Under this service's Redis prefix ('standby' in production), so each test service counts alone.
    nameSpace: `${deps.scheduler.prefix}:${options.name}-rate:`,
    // By client address, not by token: made-up tokens would each get a fresh allowance.
    keyGenerator: (request) => request.ip,
    ...(options.allowList ? { allowList: (request: FastifyRequest) => options.allowList!(request) } : {}),
    errorResponseBuilder: (_request, context) => {
      const error = new Error(`Rate limit of ${context.max} requests a minute exceeded; retry in ${Math.ceil(context.ttl / 1000)} s`) as Error & { statusCode: number };
      error.statusCode = 429;
      return error;
    },
  });
  scope.addHook('onRequest', scope.rateLimit());
}
