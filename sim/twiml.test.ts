import { describe, expect, it } from 'vitest';
import { parseMessagingTwiml, parseVoiceTwiml, TwimlError } from './twiml.js';

function code(source: string): number | undefined {
  try {
    parseVoiceTwiml(source);
  } catch (error) {
    if (error instanceof TwimlError) return error.code;
    throw error;
  }
  return undefined;
}

describe('reading voice TwiML', () => {
  it('applies Twilio’s defaults to every verb', () => {
    const verbs = parseVoiceTwiml(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Hi &amp; welcome</Say><Play>https://x/a.mp3</Play><Pause/>' +
        '<Gather><Say language="pt-BR">Oi</Say></Gather><Record/><Redirect>/next</Redirect><Hangup/><Reject/></Response>',
    );
    expect(verbs).toEqual([
      { verb: 'Say', text: 'Hi & welcome', language: 'en-US', voice: undefined, loop: 1 },
      { verb: 'Play', url: 'https://x/a.mp3', digits: undefined, loop: 1 },
      { verb: 'Pause', length: 1 },
      {
        verb: 'Gather',
        action: undefined,
        method: 'POST',
        numDigits: undefined,
        finishOnKey: '#',
        timeout: 5,
        actionOnEmptyResult: false,
        input: 'dtmf',
        language: 'en-US',
        prompts: [{ verb: 'Say', text: 'Oi', language: 'pt-BR', voice: undefined, loop: 1 }],
      },
      {
        verb: 'Record',
        action: undefined,
        method: 'POST',
        timeout: 5,
        finishOnKey: '1234567890*#',
        maxLength: 3600,
        playBeep: true,
        trim: 'trim-silence',
        recordingStatusCallback: undefined,
        recordingStatusCallbackMethod: 'POST',
        recordingStatusCallbackEvent: ['completed'],
        transcribe: false,
        transcribeCallback: undefined,
      },
      { verb: 'Redirect', url: '/next', method: 'POST' },
      { verb: 'Hangup' },
      { verb: 'Reject', reason: 'rejected' },
    ]);
  });

  it('reads SSML inside Say as the words spoken', () => {
    const [say] = parseVoiceTwiml('<Response><Say voice="Polly.Mia"><prosody rate="slow">Uno,</prosody> <break time="1s"/>dos <![CDATA[& tres]]></Say></Response>');
    expect(say).toMatchObject({ text: 'Uno, dos & tres' });
  });

  it('refuses what Twilio refuses: malformed XML (12100), unknown or misplaced verbs and bad attributes (12200)', () => {
    expect(code('<Response><Say>x</Response>')).toBe(12100);
    expect(code('not xml')).toBe(12100);
    expect(code('<Reply><Say>x</Say></Reply>')).toBe(12100);
    expect(code('<Response><Speak>x</Speak></Response>')).toBe(12200);
    expect(code('<Response><Gather><Record/></Gather></Response>')).toBe(12200);
    expect(code('<Response><Gather numDigits="one"/></Response>')).toBe(12200);
    expect(code('<Response><Gather finishOnKey="ab"/></Response>')).toBe(12200);
    expect(code('<Response><Reject reason="nope"/></Response>')).toBe(12200);
    expect(code('<Response>stray text</Response>')).toBe(12200);
    expect(code('<Response><Say>&nbsp;</Say></Response>')).toBe(12100);
    expect(code('<Response><Dial>+15550000000</Dial></Response>')).toBe(12200);
  });
});

describe('reading messaging TwiML', () => {
  it('reads Message with text or Body, its attributes, and an empty answer as no reply', () => {
    expect(parseMessagingTwiml('')).toEqual([]);
    expect(parseMessagingTwiml('<Response/>')).toEqual([]);
    expect(parseMessagingTwiml('<Response><Message to="+5491150000201">Hi</Message><Message><Body>B</Body><Media>https://x/y.png</Media></Message></Response>')).toEqual([
      { verb: 'Message', body: 'Hi', media: [], to: '+5491150000201', from: undefined, action: undefined, method: 'POST', statusCallback: undefined },
      { verb: 'Message', body: 'B', media: ['https://x/y.png'], to: undefined, from: undefined, action: undefined, method: 'POST', statusCallback: undefined },
    ]);
  });
});
