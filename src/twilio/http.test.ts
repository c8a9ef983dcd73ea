import twilio from 'twilio';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { STANDBY, startHarness, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, twiml, type Harness } from '../../sim/fake-service.js';
import { classifySendError } from './client.js';
import { TwilioHttpClient } from './http.js';

const ENGINEER = '+5491150000201';

let h: Harness;
let client: ReturnType<typeof twilio>;
let httpClient: TwilioHttpClient;

beforeAll(async () => {
  h = await startHarness();
  h.service.on('/twilio/status', '');
  h.service.on('/page', twiml('<Say>Page</Say>'));
  httpClient = new TwilioHttpClient({ sockets: 4, timeoutMs: 200 });
  client = twilio(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, { httpClient: httpClient as unknown as InstanceType<typeof twilio.RequestClient> });
  client.api.baseUrl = h.sim.url;
});
afterAll(() => h.close());
beforeEach(() => h.sim.faults.reset());

/** The error a request fails with. */
async function failure(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('expected the request to fail');
}

describe('the HTTP client the twilio library sends through', () => {
  it('sends what the library asks, as its own client does: a form with repeated keys for lists, a query for pages, authenticated', async () => {
    const call = await client.calls.create({
      from: STANDBY,
      to: ENGINEER,
      url: `${h.service.url}/page`,
      statusCallback: `${h.service.url}/twilio/status`,
      statusCallbackEvent: ['ringing', 'completed'],
    });
    expect(call.sid).toMatch(/^CA[0-9a-f]{32}$/);
    // Both events were understood: the call reports ringing and, hung up while ringing, its end (and nothing else).
    await h.sim.phone(ENGINEER).expectCall();
    await client.calls(call.sid).update({ status: 'completed' });
    await h.sim.idle();
    const statuses = h.service.at('/twilio/status').map((w) => w.params.CallStatus);
    expect(statuses).toEqual(['ringing', 'canceled']);

    const message = await client.messages.create({ from: STANDBY, to: ENGINEER, body: 'Página: incidente 42 ✓' });
    const page = await client.messages.page({ to: ENGINEER, pageSize: 50 });
    expect(page.instances.find((m) => m.sid === message.sid)?.body).toBe('Página: incidente 42 ✓');
  });

  it("carries Twilio's Retry-After to the sender on a 429", async () => {
    h.sim.faults.failNext(1, { status: 429, retryAfterSeconds: 7 });
    const error = await failure(client.messages.create({ from: STANDBY, to: ENGINEER, body: 'rate limited' }));
    expect(error).toMatchObject({ status: 429, code: 20429 });
    expect(classifySendError(error)).toMatchObject({ kind: 'rate_limited', retryAfterMs: 7000 });
  });

  it('fails a request answered too late with ETIMEDOUT (it may have been acted on), and a refused connection with ECONNREFUSED', async () => {
    h.sim.faults.latency(500, { of: 'answer' });
    const late = await failure(client.messages.create({ from: STANDBY, to: ENGINEER, body: 'slow' }));
    expect(late.code).toBe('ETIMEDOUT');
    expect(classifySendError(late).kind).toBe('transient');
    h.sim.faults.latency(0);

    const nowhere = twilio(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, { httpClient: httpClient as unknown as InstanceType<typeof twilio.RequestClient> });
    nowhere.api.baseUrl = 'http://127.0.0.1:9';
    expect((await failure(nowhere.messages.create({ from: STANDBY, to: ENGINEER, body: 'x' }))).code).toBe('ECONNREFUSED');
  });

  it('keeps its connections open between requests: one per request in flight, at most as many as it was given', async () => {
    await Promise.all(Array.from({ length: 10 }, (_, i) => client.messages.create({ from: STANDBY, to: ENGINEER, body: `burst ${i}` })));
    const open = Object.values(httpClient.agents.http.freeSockets).reduce((n, sockets) => n + (sockets?.length ?? 0), 0);
    expect(open).toBeGreaterThan(0);
    expect(open).toBeLessThanOrEqual(4);
  });
});
