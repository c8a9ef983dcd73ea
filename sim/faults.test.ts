import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RestException } from 'twilio';
import { ManualClock } from '../src/clock.js';
import { STANDBY, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, startHarness, twiml, type Harness } from './fake-service.js';

const CUSTOMER = '+5491150000101';
const ENGINEER = '+5491150000201';

let h: Harness;

beforeEach(async () => {
  h = await startHarness();
  h.service.on('/status', '');
});

afterEach(async () => {
  await h.close();
});

describe('fault injection', () => {
  it('drops the next status callbacks', async () => {
    h.sim.faults.dropStatusCallbacks(1);
    await h.client.messages.create({ from: STANDBY, to: ENGINEER, body: 'page', statusCallback: `${h.service.url}/status` });
    await h.sim.idle();

    expect(h.service.at('/status').map((c) => c.params.MessageStatus)).toEqual(['delivered']);
    expect(h.sim.traffic.filter((t) => t.fault === 'dropped').map((t) => t.params.MessageStatus)).toEqual(['sent']);
  });

  it('duplicates the next status callbacks, identically', async () => {
    h.sim.faults.duplicateStatusCallbacks(1);
    await h.client.calls.create({ from: STANDBY, to: ENGINEER, twiml: '<Response><Hangup/></Response>', statusCallback: `${h.service.url}/status` });
    await (await h.sim.phone(ENGINEER).expectCall()).answer();
    await h.sim.idle();

    const [first, second] = h.service.at('/status');
    expect(h.service.at('/status')).toHaveLength(2);
    expect(first?.params).toEqual(second?.params);
    expect(first?.params.CallStatus).toBe('completed');
    expect(first?.idempotencyToken).toBe(second?.idempotencyToken);
  });

  it('delivers an incoming SMS webhook twice with the same MessageSid, as a Twilio retry', async () => {
    let n = 0;
    h.service.on('/twilio/sms', () => twiml(`<Message>answer ${++n}</Message>`));
    h.sim.faults.duplicateWebhooks(1);
    const ana = h.sim.phone(CUSTOMER);

    const sent = await ana.sendSms(STANDBY, 'BLOCKER sap down');

    const deliveries = h.service.at('/twilio/sms');
    expect(deliveries).toHaveLength(2);
    expect(deliveries.map((d) => d.params.MessageSid)).toEqual([sent.sid, sent.sid]);
    expect(deliveries[0]?.idempotencyToken).toBe(deliveries[1]?.idempotencyToken);
    expect(deliveries.every((d) => d.signatureValid)).toBe(true);
    // Only the retry's answer counts, as when Twilio retried because the first was lost.
    await ana.expectSms('answer 2');
    await h.sim.idle();
    expect(ana.inbox.map((m) => m.body)).toEqual(['answer 2']);
  });

  it('delivers a voice webhook twice and follows the second answer', async () => {
    h.service.on('/twilio/voice', twiml('<Gather numDigits="1" action="/ivr/severity"><Say>Press 1.</Say></Gather>'));
    h.service.on('/ivr/severity', twiml('<Say>Thanks.</Say>'));
    const call = await h.sim.phone(CUSTOMER).call(STANDBY);
    await call.waitForGather();

    h.sim.faults.duplicateWebhooks(1);
    await call.press('1');
    await call.expectSay('Thanks.');

    const deliveries = h.service.at('/ivr/severity');
    expect(deliveries.map((d) => [d.params.CallSid, d.params.Digits])).toEqual([
      [call.sid, '1'],
      [call.sid, '1'],
    ]);
    expect(h.service.at('/twilio/voice')).toHaveLength(1);
  });

  it('replays a webhook three times at once, as Twilio retries racing the first delivery', async () => {
    let inFlight = 0;
    let mostAtOnce = 0;
    let release: () => void = () => undefined;
    const allArrived = new Promise<void>((resolve) => (release = resolve));
    h.service.on('/twilio/sms', async () => {
      mostAtOnce = Math.max(mostAtOnce, ++inFlight);
      if (mostAtOnce === 3) release();
      // Sequential deliveries would never have three here: bounded so such a failure is quick.
      await Promise.race([allArrived, new Promise((resolve) => setTimeout(resolve, 2000))]);
      inFlight--;
      return twiml('<Message>got it</Message>');
    });
    h.sim.faults.duplicateWebhooks(1, { copies: 3, concurrent: true });

    const sent = await h.sim.phone(CUSTOMER).sendSms(STANDBY, 'BLOCKER sap down');

    const deliveries = h.service.at('/twilio/sms');
    expect(mostAtOnce).toBe(3);
    expect(deliveries.map((d) => d.params.MessageSid)).toEqual([sent.sid, sent.sid, sent.sid]);
    expect(new Set(deliveries.map((d) => d.idempotencyToken)).size).toBe(1);
    expect(h.sim.traffic.filter((t) => t.fault?.endsWith('at once)')).map((t) => t.fault)).toEqual(
      expect.arrayContaining(['retried (first delivery, at once)', 'retried (second delivery, at once)', 'retried (third delivery, at once)']),
    );
  });

  it('carries out a request whose client hung up while the answer was late, as Twilio does', async () => {
    h.sim.faults.latency(5000, { of: 'answer' });
    const hangUp = new AbortController();
    const answer = fetch(`${h.sim.url}/2010-04-01/Accounts/${TEST_ACCOUNT_SID}/Messages.json`, {
      method: 'POST',
      headers: { Authorization: `Basic ${Buffer.from(`${TEST_ACCOUNT_SID}:${TEST_AUTH_TOKEN}`).toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ From: STANDBY, To: ENGINEER, Body: 'sent before the sender died' }).toString(),
      signal: hangUp.signal,
    }).then(
      () => 'answered',
      () => 'gave up',
    );
    await vi.waitFor(() => expect(h.sim.messages.map((m) => m.body)).toContain('sent before the sender died'));
    hangUp.abort();

    expect(await answer).toBe('gave up');
    await h.sim.phone(ENGINEER).expectSms('sent before the sender died');
  });

  it('reset clears every fault', async () => {
    h.sim.faults.failNext(3);
    h.sim.faults.dropStatusCallbacks(2);
    h.sim.faults.reset();
    await h.client.messages.create({ from: STANDBY, to: ENGINEER, body: 'page', statusCallback: `${h.service.url}/status` });
    await h.sim.idle();
    expect(h.service.at('/status')).toHaveLength(2);
  });
});

describe('an outage of the REST API', () => {
  const clock = new ManualClock('2026-11-23T15:00:00Z');
  let outage: Harness;

  beforeEach(async () => {
    outage = await startHarness({ clock });
  });

  afterEach(async () => {
    await outage.close();
  });

  const attempt = () =>
    outage.client.messages.create({ from: STANDBY, to: ENGINEER, body: 'page' }).then(
      (message) => ({ status: 201, sid: message.sid }),
      (error: RestException) => ({ status: error.status, code: error.code }),
    );

  it('fails every request for a while (500, then 429 with Retry-After), then answers again', async () => {
    outage.sim.faults.failFor(150_000, { status: 500 });
    expect(await attempt()).toEqual({ status: 500, code: 20500 });
    clock.advance(149_000);
    expect(await attempt()).toEqual({ status: 500, code: 20500 });

    clock.advance(1_000);
    outage.sim.faults.failFor(15_000, { status: 429, retryAfterSeconds: 5 });
    expect(await attempt()).toEqual({ status: 429, code: 20429 });
    expect(outage.client.httpClient.lastResponse?.headers['retry-after']).toBe('5');

    clock.advance(15_000);
    expect(await attempt()).toMatchObject({ status: 201 });
    expect(outage.sim.traffic.filter((t) => t.channel === 'rest').map((t) => t.fault ?? 'ok')).toEqual(['outage 500', 'outage 500', 'outage 429', 'ok']);
    expect(outage.sim.messages.filter((m) => m.to === ENGINEER)).toHaveLength(1);
  });

  it('failUntil ends at the given instant; failNext still counts first', async () => {
    outage.sim.faults.failUntil(new Date(clock.now().getTime() + 1_000), { status: 429, retryAfterSeconds: 1 });
    outage.sim.faults.failNext(1, { status: 500 });
    expect(await attempt()).toEqual({ status: 500, code: 20500 });
    expect(await attempt()).toEqual({ status: 429, code: 20429 });
    clock.advance(1_000);
    expect(await attempt()).toMatchObject({ status: 201 });
  });
});
