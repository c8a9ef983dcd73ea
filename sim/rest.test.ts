import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STANDBY, startHarness, TEST_ACCOUNT_SID, twiml, type Harness } from './fake-service.js';

const ENGINEER = '+5491150000201';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  h.service.on('/twilio/status', '');
  h.service.on('/page', twiml('<Say>Page</Say>'));
});

afterAll(async () => {
  await h.close();
});

/** The error the twilio library throws, as the service will catch it. */
async function restError(promise: Promise<unknown>): Promise<{ status: number; code: number; message: string; moreInfo: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { status: number; code: number; message: string; moreInfo: string };
  }
  throw new Error('expected the request to fail');
}

describe('Twilio REST API, through the official twilio library', () => {
  it('routes client.messages.create to the simulator when client.api.baseUrl is set', async () => {
    const message = await h.client.messages.create({ from: STANDBY, to: ENGINEER, body: 'Page: incident 42' });

    expect(message.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(message.status).toBe('queued');
    expect(message.direction).toBe('outbound-api');
    expect(message.accountSid).toBe(TEST_ACCOUNT_SID);
    expect(message.dateCreated).toBeInstanceOf(Date);
    expect(Number.isNaN(message.dateCreated.getTime())).toBe(false);
    expect(h.sim.traffic.some((t) => t.channel === 'rest' && t.kind === 'messages.create' && t.status === 201)).toBe(true);
    await h.sim.phone(ENGINEER).expectSms('incident 42');

    const fetched = await h.client.messages(message.sid).fetch();
    expect(fetched.status).toBe('delivered');
    const listed = await h.client.messages.list({ to: ENGINEER, limit: 20 });
    expect(listed.map((m) => m.sid)).toContain(message.sid);
  });

  it('routes calls.create and calls(sid).update to the simulator', async () => {
    const call = await h.client.calls.create({ from: STANDBY, to: ENGINEER, url: `${h.service.url}/page`, machineDetection: 'Enable' });
    expect(call.sid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(call.status).toBe('queued');
    const ring = await h.sim.phone(ENGINEER).expectCall();
    expect(ring.sid).toBe(call.sid);

    const updated = await h.client.calls(call.sid).update({ status: 'canceled' });
    expect(updated.status).toBe('canceled');
    expect((await h.client.calls(call.sid).fetch()).status).toBe('canceled');
    expect((await h.client.calls.list({ to: ENGINEER })).map((c) => c.sid)).toContain(call.sid);
  });

  it('answers 401 with code 20003 when the auth token is wrong', async () => {
    const wrong = twilio(TEST_ACCOUNT_SID, 'not-the-token');
    wrong.api.baseUrl = h.sim.url;
    const error = await restError(wrong.messages.create({ from: STANDBY, to: ENGINEER, body: 'hi' }));
    expect(error.status).toBe(401);
    expect(error.code).toBe(20003);
    expect(error.moreInfo).toBe('https://www.twilio.com/docs/errors/20003');
  });

  it('refuses a To that is not E.164 with 21211', async () => {
    const error = await restError(h.client.messages.create({ from: STANDBY, to: '011 5000 0201', body: 'hi' }));
    expect(error).toMatchObject({ status: 400, code: 21211 });
    expect(error.message).toContain("Invalid 'To' Phone Number");
  });

  it('refuses a number marked invalid (or unverified) with 21211, for texts and calls', async () => {
    h.sim.phone('+5491150000777').markInvalid();
    expect(await restError(h.client.messages.create({ from: STANDBY, to: '+5491150000777', body: 'hi' }))).toMatchObject({ status: 400, code: 21211 });
    expect(await restError(h.client.calls.create({ from: STANDBY, to: '+5491150000777', url: `${h.service.url}/page` }))).toMatchObject({ status: 400, code: 21211 });
  });

  it('refuses a message without a body with 21602', async () => {
    const error = await restError(h.client.messages.create({ from: STANDBY, to: ENGINEER, body: '' }));
    expect(error).toMatchObject({ status: 400, code: 21602, message: 'Message body is required.' });
  });

  it('refuses a From that is not one of the account numbers with 21606', async () => {
    const error = await restError(h.client.messages.create({ from: '+541150009999', to: ENGINEER, body: 'hi' }));
    expect(error).toMatchObject({ status: 400, code: 21606 });
  });

  it('refuses a call without Url or Twiml, and one with broken TwiML', async () => {
    expect(await restError(h.client.calls.create({ from: STANDBY, to: ENGINEER } as never))).toMatchObject({ status: 400, code: 21205 });
    expect(await restError(h.client.calls.create({ from: STANDBY, to: ENGINEER, twiml: '<Response><Say>unclosed</Response>' }))).toMatchObject({ status: 400, code: 21232 });
  });

  it('answers 404 with code 20404 for an unknown SID', async () => {
    const error = await restError(h.client.messages('SM00000000000000000000000000000000').fetch());
    expect(error).toMatchObject({ status: 404, code: 20404 });
  });

  it('fails the next requests with 429 (code 20429) and Retry-After, then recovers', async () => {
    h.sim.faults.failNext(2, { status: 429, retryAfterSeconds: 7 });

    const first = await restError(h.client.messages.create({ from: STANDBY, to: ENGINEER, body: 'rate limited' }));
    expect(first).toMatchObject({ status: 429, code: 20429 });
    // The library keeps the last response: this is where the service reads Retry-After.
    expect(h.client.httpClient.lastResponse?.headers['retry-after']).toBe('7');

    const raw = await fetch(`${h.sim.url}/2010-04-01/Accounts/${TEST_ACCOUNT_SID}/Messages.json`, {
      method: 'POST',
      headers: { Authorization: `Basic ${Buffer.from(`${TEST_ACCOUNT_SID}:simulator-test-auth-token`).toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ From: STANDBY, To: ENGINEER, Body: 'raw' }).toString(),
    });
    expect(raw.status).toBe(429);
    expect(raw.headers.get('retry-after')).toBe('7');
    expect(await raw.json()).toEqual({ code: 20429, message: 'Too Many Requests', more_info: 'https://www.twilio.com/docs/errors/20429', status: 429 });

    const third = await h.client.messages.create({ from: STANDBY, to: ENGINEER, body: 'after the limit' });
    expect(third.status).toBe('queued');
    expect(h.sim.traffic.filter((t) => t.fault?.includes('failNext 429'))).toHaveLength(2);
  });

  it('fails the next request with 500 when told to', async () => {
    h.sim.faults.failNext(1, { status: 500 });
    expect(await restError(h.client.calls.create({ from: STANDBY, to: ENGINEER, url: `${h.service.url}/page` }))).toMatchObject({ status: 500, code: 20500 });
  });

  it('adds latency to REST answers when told to', async () => {
    h.sim.faults.latency(150);
    const started = performance.now();
    await h.client.messages.create({ from: STANDBY, to: ENGINEER, body: 'slow' });
    const elapsed = performance.now() - started;
    h.sim.faults.latency(0);
    expect(elapsed).toBeGreaterThanOrEqual(140);
  });
});
