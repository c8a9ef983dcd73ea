import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STANDBY, startHarness, twiml, type Harness } from './fake-service.js';

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
    h.sim.faults.dropStatusCallbacks(2);
    await h.client.messages.create({ from: STANDBY, to: ENGINEER, body: 'page', statusCallback: `${h.service.url}/status` });
    await h.sim.idle();

    expect(h.service.at('/status').map((c) => c.params.MessageStatus)).toEqual(['delivered']);
    expect(h.sim.traffic.filter((t) => t.fault === 'dropped').map((t) => t.params.MessageStatus)).toEqual(['queued', 'sent']);
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

  it('reset clears every fault', async () => {
    h.sim.faults.failNext(3);
    h.sim.faults.dropStatusCallbacks(3);
    h.sim.faults.reset();
    await h.client.messages.create({ from: STANDBY, to: ENGINEER, body: 'page', statusCallback: `${h.service.url}/status` });
    await h.sim.idle();
    expect(h.service.at('/status')).toHaveLength(3);
  });
});
