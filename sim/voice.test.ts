import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { STANDBY, startHarness, twiml, type Harness } from './fake-service.js';
import type { SimulatorOptions } from './server.js';

const CUSTOMER = '+5491150000101';
const ENGINEER = '+5491150000201';

let h: Harness;

async function start(options: Partial<SimulatorOptions> = {}): Promise<Harness> {
  h = await startHarness(options);
  for (const path of ['/status', '/ivr/recording-status', '/ivr/transcription', '/twilio/voice-status']) h.service.on(path, '');
  return h;
}

afterEach(async () => {
  await h.close();
});

describe('a phone calling the standby number', () => {
  it('plays Say, Play, Pause, Gather, Record, Redirect and Hangup as Twilio does, with signed requests', async () => {
    await start();
    h.service.on(
      '/twilio/voice',
      twiml(
        '<Say language="es-AR" voice="Polly.Lupe">Hola, soy Standby.</Say>' +
          '<Play>https://example.com/beep.mp3</Play><Pause length="2"/>' +
          '<Gather numDigits="1" action="/ivr/severity" timeout="7"><Say language="es-AR">Marque 1 para severidad Blocker.</Say></Gather>' +
          '<Say>never reached</Say>',
      ),
    );
    h.service.on('/ivr/severity', twiml('<Gather action="code" method="GET" finishOnKey="#"><Say language="es-AR">Ingrese su código y numeral.</Say></Gather>'));
    h.service.on('/ivr/code', twiml('<Redirect method="POST">/ivr/describe</Redirect>'));
    h.service.on(
      '/ivr/describe',
      twiml('<Say language="es-AR">Describa el problema.</Say><Record action="/ivr/recorded" maxLength="60" recordingStatusCallback="/ivr/recording-status" transcribe="true" transcribeCallback="/ivr/transcription"/>'),
    );
    h.service.on('/ivr/recorded', twiml('<Say language="es-AR">Su referencia es INC 42.</Say><Hangup/><Say>after hangup</Say>'));
    const ana = h.sim.phone(CUSTOMER);

    const call = await ana.call(STANDBY);
    expect(await call.expectSay(/soy Standby/)).toEqual({ text: 'Hola, soy Standby.', language: 'es-AR', voice: 'Polly.Lupe' });
    await call.expectSay(/severidad/i);
    expect(await call.waitForGather()).toMatchObject({ numDigits: 1, timeout: 7, finishOnKey: '#', action: '/ivr/severity' });
    expect(call.transcript).toContainEqual({ kind: 'play', url: 'https://example.com/beep.mp3', digits: undefined });
    expect(call.transcript).toContainEqual({ kind: 'pause', seconds: 2 });
    expect(call.status).toBe('in-progress');

    await call.press('1');
    await call.expectSay(/código/);
    await call.press('10');
    expect(call.gather?.collected).toBe('10');
    await call.press('01#');
    await call.expectSay(/Describa/);
    await call.waitForRecord();
    await call.record({ transcription: 'El sync de Salesforce falla desde las 3', durationSeconds: 12 });
    await call.expectSay(/INC 42/);
    const end = await call.ended;
    expect(end.status).toBe('completed');
    expect(call.said.map((s) => s.text)).not.toContain('after hangup');
    expect(call.said.map((s) => s.text)).not.toContain('never reached');
    await h.sim.idle();

    const entry = h.service.at('/twilio/voice')[0];
    expect(entry?.signatureValid).toBe(true);
    expect(entry?.params).toMatchObject({ CallSid: call.sid, From: CUSTOMER, To: STANDBY, CallStatus: 'ringing', Direction: 'inbound', AccountSid: h.sim.accountSid, ApiVersion: '2010-04-01' });
    expect(call.sid).toMatch(/^CA[0-9a-f]{32}$/);

    const severity = h.service.at('/ivr/severity')[0];
    expect(severity?.method).toBe('POST');
    expect(severity?.params).toMatchObject({ CallSid: call.sid, Digits: '1', CallStatus: 'in-progress', From: CUSTOMER, To: STANDBY });

    const code = h.service.at('/ivr/code')[0];
    expect(code?.method).toBe('GET');
    expect(code?.signatureValid).toBe(true);
    expect(code?.params).toMatchObject({ Digits: '1001', FinishedOnKey: '#', CallSid: call.sid });

    expect(h.service.at('/ivr/describe')[0]?.signatureValid).toBe(true);

    const recorded = h.service.at('/ivr/recorded')[0];
    expect(recorded?.params).toMatchObject({ CallSid: call.sid, RecordingDuration: '12' });
    expect(recorded?.params.RecordingSid).toMatch(/^RE[0-9a-f]{32}$/);
    expect(recorded?.params.RecordingUrl).toBe(`${h.sim.url}/2010-04-01/Accounts/${h.sim.accountSid}/Recordings/${recorded?.params.RecordingSid}`);
    expect(recorded?.params.Digits).toBeUndefined();

    const status = h.service.at('/ivr/recording-status')[0];
    expect(status?.signatureValid).toBe(true);
    expect(status?.params).toMatchObject({ RecordingSid: recorded?.params.RecordingSid, RecordingStatus: 'completed', RecordingDuration: '12', CallSid: call.sid });

    const transcription = h.service.at('/ivr/transcription')[0];
    expect(transcription?.signatureValid).toBe(true);
    expect(transcription?.params).toMatchObject({ TranscriptionText: 'El sync de Salesforce falla desde las 3', TranscriptionStatus: 'completed', RecordingSid: recorded?.params.RecordingSid, CallSid: call.sid });
    expect(transcription?.params.TranscriptionSid).toMatch(/^TR[0-9a-f]{32}$/);

    const audio = await fetch(recorded?.params.RecordingUrl ?? '');
    expect(audio.status).toBe(200);
    expect(audio.headers.get('content-type')).toBe('audio/x-wav');
  });

  it('falls through a Gather on silence, and posts an empty result when actionOnEmptyResult is set', async () => {
    await start();
    h.service.on('/twilio/voice', twiml('<Gather numDigits="1" action="/ivr/menu"><Say>Press 1.</Say></Gather><Say>We did not hear you.</Say><Gather action="/ivr/menu" actionOnEmptyResult="true"><Say>Last chance.</Say></Gather>'));
    h.service.on('/ivr/menu', twiml('<Say>Goodbye.</Say>'));

    const call = await h.sim.phone(CUSTOMER).call(STANDBY);
    await call.silence();
    await call.expectSay('We did not hear you.');
    await call.silence();
    await call.expectSay('Goodbye.');
    expect((await call.ended).status).toBe('completed');
    expect(h.service.at('/ivr/menu').map((w) => w.params.Digits)).toEqual(['']);
  });

  it('submits partial digits when the Gather times out after some keys', async () => {
    await start();
    h.service.on('/twilio/voice', twiml('<Gather action="/ivr/code" timeout="3"><Say>Code?</Say></Gather>'));
    h.service.on('/ivr/code', twiml('<Hangup/>'));
    const call = await h.sim.phone(CUSTOMER).call(STANDBY);
    await call.press('42');
    await call.silence();
    await call.ended;
    expect(h.service.at('/ivr/code')[0]?.params).toMatchObject({ Digits: '42', FinishedOnKey: '' });
  });

  it('ends a Record with a key, with silence (empty: no action), or with the caller hanging up', async () => {
    await start();
    h.service.on('/twilio/voice', twiml(
        '<Record action="/ivr/recorded" finishOnKey="#" timeout="3" recordingStatusCallback="/ivr/recording-status" recordingStatusCallbackEvent="completed absent"/>' +
          '<Say>Nothing recorded.</Say><Record action="/ivr/recorded" recordingStatusCallback="/ivr/recording-status"/>',
      ));
    h.service.on('/ivr/recorded', twiml('<Record action="/ivr/recorded-again" transcribeCallback="/ivr/transcription"/>'));
    h.service.on('/ivr/recorded-again', twiml('<Say>ignored</Say>'));

    const call = await h.sim.phone(CUSTOMER).call(STANDBY);
    await expect(call.record({ finishOnKey: '5' })).rejects.toThrow(/finishOnKey/);
    await call.silence();
    await call.expectSay('Nothing recorded.');
    await call.record({ finishOnKey: '#', durationSeconds: 4 });
    await call.record({ hangup: true, durationSeconds: 1, transcription: 'too short to transcribe' });
    expect((await call.ended).status).toBe('completed');
    await h.sim.idle();

    expect(h.service.at('/ivr/recorded')[0]?.params).toMatchObject({ Digits: '#', RecordingDuration: '4' });
    expect(h.service.at('/ivr/recorded-again')[0]?.params).toMatchObject({ Digits: 'hangup', CallStatus: 'completed' });
    expect(h.service.at('/ivr/recording-status').map((w) => w.params.RecordingStatus)).toEqual(['absent', 'completed']);
    // Twilio only transcribes recordings of 2 to 120 seconds.
    expect(h.service.at('/ivr/transcription')[0]?.params).toMatchObject({ TranscriptionStatus: 'failed', TranscriptionText: '' });
  });

  it('rejects a call without answering it: busy or no-answer', async () => {
    await start();
    h.service.on('/twilio/voice', twiml('<Reject reason="busy"/>'));
    const busy = await h.sim.phone(CUSTOMER).call(STANDBY);
    expect(await busy.ended).toEqual({ status: 'busy', durationSeconds: 0 });
    expect(busy.answered).toBe(false);

    h.service.on('/twilio/voice', twiml('<Reject/>'));
    const rejected = await h.sim.phone(CUSTOMER).call(STANDBY);
    expect((await rejected.ended).status).toBe('no-answer');
  });

  it('reports an application error (11200) when the service fails, and 12100 for broken TwiML', async () => {
    await start();
    h.service.on('/twilio/voice', { status: 500, body: 'oops' });
    const failed = await h.sim.phone(CUSTOMER).call(STANDBY);
    expect((await failed.ended).status).toBe('completed');
    expect(failed.errors[0]).toMatchObject({ code: 11200 });
    expect(failed.transcript).toContainEqual(expect.objectContaining({ kind: 'error', code: 11200, spoken: 'We are sorry, an application error has occurred. Goodbye.' }));

    h.service.on('/twilio/voice', { body: '<Response><Say>unclosed</Response>' });
    const broken = await h.sim.phone(CUSTOMER).call(STANDBY);
    await broken.ended;
    expect(broken.errors[0]).toMatchObject({ code: 12100 });

    h.service.on('/twilio/voice', twiml('<Dial>+5491100000000</Dial>'));
    const unsupported = await h.sim.phone(CUSTOMER).call(STANDBY);
    await unsupported.ended;
    expect(unsupported.errors[0]).toMatchObject({ code: 12200 });
    expect(h.sim.errors.map((e) => e.code)).toEqual([11200, 12100, 12200]);
  });

  it('fails expectSay at once, listing what was said, when the call waits and nothing matches', async () => {
    await start();
    h.service.on('/twilio/voice', twiml('<Gather><Say language="es-AR">Marque 1.</Say></Gather>'));
    const call = await h.sim.phone(CUSTOMER).call(STANDBY);
    const started = performance.now();
    await expect(call.expectSay(/severity/)).rejects.toThrow(/waiting for digits after saying:\n {2}\[es-AR\] Marque 1\./);
    expect(performance.now() - started).toBeLessThan(2000);
    await expect(call.record()).rejects.toThrow(/to be recording/);
  });

  it('sends the end of an incoming call to the number’s status callback when hung up', async () => {
    await start({ webhookPaths: { voiceStatus: '/twilio/voice-status' } });
    h.service.on('/twilio/voice', twiml('<Gather numDigits="1"><Say>Press a key.</Say></Gather>'));
    const call = await h.sim.phone(CUSTOMER).call(STANDBY);
    await call.waitForGather();
    await call.hangup();
    await h.sim.idle();
    const [status] = h.service.at('/twilio/voice-status');
    expect(status?.params).toMatchObject({ CallSid: call.sid, CallStatus: 'completed', CallbackSource: 'call-progress-events' });
  });
});

describe('the service calling a phone', () => {
  const events = ['initiated', 'ringing', 'answered', 'completed'];

  it('rings, is answered, plays the TwiML from Url and reports each status in order', async () => {
    await start();
    h.service.on('/page/voice', twiml('<Gather numDigits="1" action="/page/ack"><Say>Incident INC 42. Press 1 to acknowledge, 2 to escalate.</Say></Gather>'));
    h.service.on('/page/ack', twiml('<Say>Acknowledged.</Say><Hangup/>'));

    const created = await h.client.calls.create({ from: STANDBY, to: ENGINEER, url: `${h.service.url}/page/voice`, statusCallback: `${h.service.url}/status`, statusCallbackEvent: events, timeout: 30, machineDetection: 'Enable' });
    const eng = h.sim.phone(ENGINEER);
    const ring = await eng.expectCall();
    expect(ring).toMatchObject({ sid: created.sid, from: STANDBY, to: ENGINEER });
    expect(ring.call.status).toBe('ringing');

    const call = await ring.answer();
    await call.expectSay(/Press 1 to acknowledge/);
    await call.press('1');
    await call.expectSay('Acknowledged.');
    expect((await call.ended).status).toBe('completed');
    await h.sim.idle();

    const statuses = h.service.at('/status');
    expect(statuses.map((s) => s.params.CallStatus)).toEqual(['initiated', 'ringing', 'in-progress', 'completed']);
    expect(statuses.map((s) => s.params.SequenceNumber)).toEqual(['0', '1', '2', '3']);
    expect(statuses.every((s) => s.signatureValid && s.params.CallSid === created.sid && s.params.Direction === 'outbound-api')).toBe(true);
    expect(statuses.at(-1)?.params.CallDuration).toBe('0');
    expect(h.service.at('/page/voice')[0]?.params).toMatchObject({ CallSid: created.sid, CallStatus: 'in-progress', From: STANDBY, To: ENGINEER, AnsweredBy: 'human' });
    expect(h.service.at('/page/ack')[0]?.params.Digits).toBe('1');
  });

  it('is not answered: no-answer, reported as the completed event, and the TwiML is never fetched', async () => {
    await start();
    h.service.on('/page/voice', twiml('<Say>unreachable</Say>'));
    await h.client.calls.create({ from: STANDBY, to: ENGINEER, url: `${h.service.url}/page/voice`, statusCallback: `${h.service.url}/status`, statusCallbackEvent: events });

    const ring = await h.sim.phone(ENGINEER).expectCall();
    expect(await ring.noAnswer()).toEqual({ status: 'no-answer', durationSeconds: 0 });
    await h.sim.idle();

    expect(h.service.at('/status').map((s) => s.params.CallStatus)).toEqual(['initiated', 'ringing', 'no-answer']);
    expect(h.service.at('/page/voice')).toEqual([]);
    expect((await h.client.calls(ring.sid).fetch()).status).toBe('no-answer');
  });

  it('can be busy or fail, by hand or by the phone’s answer policy', async () => {
    await start();
    h.service.on('/page/voice', twiml('<Say>hi</Say>'));
    const eng = h.sim.phone(ENGINEER);

    await h.client.calls.create({ from: STANDBY, to: ENGINEER, url: `${h.service.url}/page/voice` });
    expect((await (await eng.expectCall()).busy()).status).toBe('busy');

    eng.autoAnswer('fail');
    await h.client.calls.create({ from: STANDBY, to: ENGINEER, url: `${h.service.url}/page/voice` });
    expect((await (await eng.expectCall()).call.ended).status).toBe('failed');

    eng.autoAnswer('answer');
    await h.client.calls.create({ from: STANDBY, to: ENGINEER, twiml: '<Response><Say>Inline page.</Say></Response>' });
    const answered = (await eng.expectCall()).call;
    await answered.expectSay('Inline page.');
    expect((await answered.ended).status).toBe('completed');
  });

  it('rings out at its Timeout when the clock says so (tick), without sleeping', async () => {
    const clock = new ManualClock('2025-11-24T12:00:00Z');
    await start({ clock });
    h.service.on('/page/voice', twiml('<Say>hi</Say>'));
    await h.client.calls.create({ from: STANDBY, to: ENGINEER, url: `${h.service.url}/page/voice`, timeout: 30 });
    const ring = await h.sim.phone(ENGINEER).expectCall();

    clock.advance(29_000);
    h.sim.tick();
    expect(ring.call.status).toBe('ringing');
    clock.advance(1_000);
    h.sim.tick();
    expect((await ring.call.ended).status).toBe('no-answer');
    expect(ring.call.dateCreated.toISOString()).toBe('2025-11-24T12:00:00.000Z');
  });

  it('times a Gather out when the clock passes its timeout (tick)', async () => {
    const clock = new ManualClock('2025-11-24T12:00:00Z');
    await start({ clock });
    h.service.on('/twilio/voice', twiml('<Gather timeout="5" action="/ivr/menu"><Say>Press 1.</Say></Gather><Say>No input.</Say>'));
    const call = await h.sim.phone(CUSTOMER).call(STANDBY);
    await call.waitForGather();
    clock.advance(5_000);
    h.sim.tick();
    await call.expectSay('No input.');
  });

  it('follows a redirect and a hang-up the service sends through calls(sid).update', async () => {
    await start();
    h.service.on('/page/voice', twiml('<Gather numDigits="1" action="/page/ack"><Say>Press 1.</Say></Gather>'));
    h.service.on('/page/escalated', twiml('<Gather numDigits="1"><Say>This page was escalated.</Say></Gather>'));
    const created = await h.client.calls.create({ from: STANDBY, to: ENGINEER, url: `${h.service.url}/page/voice` });
    const call = await (await h.sim.phone(ENGINEER).expectCall()).answer();
    await call.waitForGather();

    await h.client.calls(created.sid).update({ url: `${h.service.url}/page/escalated`, method: 'POST' });
    await call.expectSay('This page was escalated.');
    const hungUp = await h.client.calls(created.sid).update({ status: 'completed' });
    expect(hungUp.status).toBe('completed');
    expect((await call.ended).status).toBe('completed');

    const late = await h.client
      .calls(created.sid)
      .update({ url: `${h.service.url}/page/voice` })
      .catch((error: unknown) => error as { code: number });
    expect(late).toMatchObject({ code: 21220 });
  });
});
