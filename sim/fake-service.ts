import formbody from '@fastify/formbody';
import Fastify from 'fastify';
import twilio, { type Twilio } from 'twilio';
import { startSimulator, type Simulator, type SimulatorOptions } from './server.js';

/**
 * A stand-in for the Standby service in the simulator's own tests: it answers fixed TwiML per
 * path and checks every webhook's X-Twilio-Signature with the twilio library's own
 * `validateRequest`, over its public URL, the way the real service will.
 */

export interface ReceivedWebhook {
  method: string;
  /** Path and query, as requested. */
  path: string;
  /** The full URL the signature was checked against. */
  url: string;
  params: Record<string, string>;
  signatureValid: boolean;
  idempotencyToken: string | undefined;
}

export type Answer = string | { status?: number; body?: string; contentType?: string };
export type Handler = (params: Record<string, string>, webhook: ReceivedWebhook) => Answer | Promise<Answer>;

export interface FakeService {
  /** Its PUBLIC_BASE_URL. */
  readonly url: string;
  readonly received: ReceivedWebhook[];
  /** Answers requests to `path` (without query) with `handler`; unknown paths answer 404. */
  on(path: string, handler: Handler | Answer): void;
  /** The webhooks received on a path (without query), in order. */
  at(path: string): ReceivedWebhook[];
  close(): Promise<void>;
}

export async function startFakeService(authToken: string): Promise<FakeService> {
  const handlers = new Map<string, Handler>();
  const received: ReceivedWebhook[] = [];
  const app = Fastify({ logger: false, forceCloseConnections: true });
  await app.register(formbody);
  let url = '';

  app.route({
    method: ['GET', 'POST'],
    url: '/*',
    handler: async (request, reply) => {
      const fullUrl = url + request.url;
      const params = (request.method === 'POST' ? request.body : {}) as Record<string, string>;
      const signature = request.headers['x-twilio-signature'];
      const webhook: ReceivedWebhook = {
        method: request.method,
        path: request.url,
        url: fullUrl,
        params: request.method === 'GET' ? Object.fromEntries(new URL(fullUrl).searchParams) : params,
        signatureValid: typeof signature === 'string' && twilio.validateRequest(authToken, signature, fullUrl, params),
        idempotencyToken: request.headers['i-twilio-idempotency-token'] as string | undefined,
      };
      received.push(webhook);
      if (!webhook.signatureValid) return reply.code(403).send('forged');
      const handler = handlers.get(request.url.split('?')[0] ?? '');
      if (!handler) return reply.code(404).send('no handler');
      const answer = await handler(webhook.params, webhook);
      if (typeof answer === 'string') return reply.header('content-type', 'text/xml').send(answer);
      return reply
        .code(answer.status ?? 200)
        .header('content-type', answer.contentType ?? 'text/xml')
        .send(answer.body ?? '');
    },
  });

  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  return {
    url,
    received,
    on: (path, handler) => handlers.set(path, typeof handler === 'function' ? handler : () => handler),
    at: (path) => received.filter((w) => (w.path.split('?')[0] ?? '') === path),
    close: () => app.close(),
  };
}

/** Wraps verbs in a TwiML document. */
export function twiml(verbs: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Response>${verbs}</Response>`;
}

export const TEST_ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
export const TEST_AUTH_TOKEN = 'simulator-test-auth-token';
export const STANDBY = '+541150000100';

export interface Harness {
  sim: Simulator;
  service: FakeService;
  /** The service's twilio client, wired to the simulator exactly as the service wires it. */
  client: Twilio;
  close(): Promise<void>;
}

/** A fake service, a simulator pointed at it, and a twilio client pointed at the simulator. */
export async function startHarness(options: Partial<SimulatorOptions> = {}): Promise<Harness> {
  const service = await startFakeService(TEST_AUTH_TOKEN);
  const sim = await startSimulator({
    accountSid: TEST_ACCOUNT_SID,
    authToken: TEST_AUTH_TOKEN,
    serviceBaseUrl: service.url,
    standbyNumbers: [STANDBY],
    ...options,
  });
  const client = twilio(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN);
  client.api.baseUrl = sim.url;
  return {
    sim,
    service,
    client,
    close: async () => {
      await sim.close();
      await service.close();
    },
  };
}
