import twilio from 'twilio';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STANDBY, startHarness, TEST_AUTH_TOKEN, twiml, type Harness } from './fake-service.js';

const CUSTOMER = '+5491150000101';
const ENGINEER = '+5491150000201';

let h: Harness;

beforeEach(async () => {
  h = await startHarness();
  h.service.on('/twilio/message-status', '');
});

afterEach(async () => {
  await h.close();
});

describe('a phone texting the standby number', () => {
  it('reaches the SMS webhook signed exactly as Twilio signs it', async () => {
    h.service.on('/twilio/sms', twiml(''));
    const ana = h.sim.phone(CUSTOMER);

    const sent = await ana.sendSms(STANDBY, 'BLOCKER salesforce sync down');

    const [webhook] = h.service.at('/twilio/sms');
    expect(webhook?.signatureValid).toBe(true);
    expect(webhook?.url).toBe(`${h.service.url}/twilio/sms`);
    expect(webhook?.params).toMatchObject({
      MessageSid: sent.sid,
      SmsSid: sent.sid,
      AccountSid: h.sim.accountSid,
      From: CUSTOMER,
      To: STANDBY,
      Body: 'BLOCKER salesforce sync down',
      NumMedia: '0',
      SmsStatus: 'received',
      ApiVersion: '2010-04-01',
      FromCountry: 'AR',
    });
    expect(sent.sid).toMatch(/^SM[0-9a-f]{32}$/);
    // The library's own check agrees, and a tampered parameter breaks it.
    const signature = twilio.getExpectedTwilioSignature(TEST_AUTH_TOKEN, webhook?.url ?? '', webhook?.params ?? {});
    expect(twilio.validateRequest(TEST_AUTH_TOKEN, signature, webhook?.url ?? '', { ...webhook?.params, Body: 'LOW' })).toBe(false);
  });

  it('gets the TwiML <Message> answer back as a text', async () => {
    h.service.on('/twilio/sms', twiml('<Message>Recibido. Referencia INC-42.</Message>'));
    const ana = h.sim.phone(CUSTOMER);

    await ana.sendSms(STANDBY, 'hola');

    const reply = await ana.expectSms(/Referencia INC-42/);
    expect(reply).toMatchObject({ from: STANDBY, to: CUSTOMER, direction: 'outbound-reply', status: 'delivered' });
  });

  it('follows a messaging <Redirect> and records a failing webhook as error 11200', async () => {
    h.service.on('/twilio/sms', twiml('<Redirect>/twilio/sms/next</Redirect>'));
    h.service.on('/twilio/sms/next', twiml('<Message><Body>second hop</Body></Message>'));
    const ana = h.sim.phone(CUSTOMER);
    await ana.sendSms(STANDBY, 'hola');
    await ana.expectSms('second hop');
    expect(h.service.at('/twilio/sms/next')[0]?.signatureValid).toBe(true);

    h.service.on('/twilio/sms', { status: 500, body: 'boom' });
    await ana.sendSms(STANDBY, 'again');
    expect(h.sim.errors.at(-1)).toMatchObject({ code: 11200 });
  });

  it('refuses to text a number that is not a standby number', async () => {
    await expect(h.sim.phone(CUSTOMER).sendSms('+5491150000999', 'hi')).rejects.toThrow(/standby numbers/);
  });
});

describe('a text the service sends', () => {
  it('reports sent, delivered to its StatusCallback, in order and signed (not the initial queued, as Twilio)', async () => {
    const message = await h.client.messages.create({ from: STANDBY, to: ENGINEER, body: 'Page: INC-42', statusCallback: `${h.service.url}/twilio/message-status` });

    const sms = await h.sim.phone(ENGINEER).expectSms(/INC-42/);
    expect(sms.sid).toBe(message.sid);
    await h.sim.idle();

    const callbacks = h.service.at('/twilio/message-status');
    expect(callbacks.map((c) => c.params.MessageStatus)).toEqual(['sent', 'delivered']);
    expect(callbacks.every((c) => c.signatureValid && c.params.MessageSid === message.sid && c.params.To === ENGINEER)).toBe(true);
    expect(h.sim.message(message.sid)?.statusHistory).toEqual(['queued', 'sent', 'delivered']);
  });

  it('fails delivery to a phone marked to fail, with the error code on the callback', async () => {
    h.sim.phone(ENGINEER).failSmsDelivery();
    await h.client.messages.create({ from: STANDBY, to: ENGINEER, body: 'lost', statusCallback: `${h.service.url}/twilio/message-status` });
    await h.sim.idle();

    const callbacks = h.service.at('/twilio/message-status');
    expect(callbacks.map((c) => c.params.MessageStatus)).toEqual(['failed']);
    expect(callbacks.at(-1)?.params.ErrorCode).toBe('30008');
    expect(h.sim.phone(ENGINEER).inbox).toHaveLength(0);
  });

  it('can go undelivered after being sent (30003)', async () => {
    h.sim.phone(ENGINEER).failSmsDelivery('undelivered');
    const message = await h.client.messages.create({ from: STANDBY, to: ENGINEER, body: 'lost', statusCallback: `${h.service.url}/twilio/message-status` });
    await h.sim.idle();

    expect(h.service.at('/twilio/message-status').map((c) => c.params.MessageStatus)).toEqual(['sent', 'undelivered']);
    const fetched = await h.client.messages(message.sid).fetch();
    expect(fetched).toMatchObject({ status: 'undelivered', errorCode: 30003 });
  });

  it('expectSms consumes texts one by one and fails with what arrived', async () => {
    const eng = h.sim.phone(ENGINEER);
    await h.client.messages.create({ from: STANDBY, to: ENGINEER, body: 'first page' });
    await h.client.messages.create({ from: STANDBY, to: ENGINEER, body: 'second page' });
    await eng.expectSms(/page/);
    await eng.expectSms(/page/);
    await expect(eng.expectSms(/page/, { timeoutMs: 100 })).rejects.toThrow(/timed out/);
    expect(eng.unreadSms()).toEqual([]);
  });
});
