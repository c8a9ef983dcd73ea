import type { FastifyPluginAsync } from 'fastify';
import twilio from 'twilio';
import { z } from 'zod';
import type { Deps } from '../../../app/deps.js';
import { answerCall, attachRecording, attachTranscription, continueCall, type CallEvent, type VoiceAnswer } from '../../../app/intake-voice.js';
import { LANGUAGES, messages, sayLanguage } from '../../../domain/i18n/index.js';
import type { IvrStep } from '../../../domain/ivr/index.js';
import { normalisePhone } from '../../../domain/phone.js';
import { emptyVoice, registerWebhook } from './webhook.js';

type VoiceResponse = InstanceType<typeof twilio.twiml.VoiceResponse>;

const sid = z.string().min(1).max(64);
const startParams = z.object({ CallSid: sid, From: z.string().min(1).max(64), To: z.string().min(1).max(64) });
const stepParams = z.object({ CallSid: sid, Digits: z.string().max(64).optional() });
const recordedParams = z.object({
  CallSid: sid,
  RecordingSid: z.string().max(64).optional(),
  RecordingDuration: z.coerce.number().int().min(0).optional(),
  /** `hangup` when the caller hung up to end the recording. */
  Digits: z.string().max(64).optional(),
});
const recordingParams = z.object({
  CallSid: sid,
  RecordingSid: z.string().min(1).max(64),
  RecordingUrl: z.url().optional(),
  RecordingStatus: z.string().min(1).max(32),
  RecordingDuration: z.coerce.number().int().min(0).optional(),
});
const transcriptionParams = z.object({
  CallSid: sid,
  RecordingSid: z.string().max(64).optional(),
  TranscriptionText: z.string().max(10_000).default(''),
  TranscriptionStatus: z.string().min(1).max(32),
});

/** Keys a phone can send: digits, * and #. */
const KEYPAD = /^[0-9*#]+$/;
/**
 * `Digits` no keypad can produce is read as a key no menu offers, so the caller hears "that option
 * is not valid" and the question again (a customer code is simply not found).
 */
const UNREADABLE_KEYS = '0';

/** Said when the call cannot go on (a malformed request, a call we do not know): call again, or text. */
export function cannotContinue(): string {
  return sayInEveryLanguageAndHangUp((ivr) => ivr.tooManyAttempts());
}

/** Said when the call arrives while the service cannot reach its database: kept, and the caller told the truth. */
export function outageAnswer(): string {
  return sayInEveryLanguageAndHangUp((ivr) => ivr.receivedDuringOutage());
}

/** For callers whose language we do not know: the same sentence in es, en and pt, then goodbye. */
function sayInEveryLanguageAndHangUp(sentence: (ivr: ReturnType<typeof messages>['ivr']) => string): string {
  const response = new twilio.twiml.VoiceResponse();
  for (const language of LANGUAGES) response.say({ language: sayLanguage(language) }, sentence(messages(language).ivr));
  response.hangup();
  return response.toString();
}

/**
 * The customer's call to a standby number, as webhooks: `POST /twilio/voice` (the call arrives),
 * `/twilio/voice/step` (a Gather's keys or its silence), `/twilio/voice/recorded` (the description
 * recording ended, or there was none), `/twilio/voice/recording` (recordingStatusCallback) and
 * `/twilio/voice/transcription` (transcribeCallback). Each parses with zod, calls the intake use
 * case and renders its answer as TwiML; every later URL comes from the TwiML itself.
 */
export const voiceWebhooks = (deps: Deps): FastifyPluginAsync => async (app) => {
  const base = deps.config.PUBLIC_BASE_URL;
  const urls = (turn: number) => ({
    step: `${base}/twilio/voice/step?turn=${turn}`,
    recorded: `${base}/twilio/voice/recorded?turn=${turn}`,
    nothingRecorded: `${base}/twilio/voice/recorded?turn=${turn}&empty=1`,
    recording: `${base}/twilio/voice/recording`,
    transcription: `${base}/twilio/voice/transcription`,
  });
  const render = (answer: VoiceAnswer): string => (answer.outcome === 'step' ? renderStep(answer.step, urls(answer.turn)) : cannotContinue());

  registerWebhook(app, deps, {
    path: '/twilio/voice',
    parked: outageAnswer,
    sid: 'CallSid',
    fallback: cannotContinue,
    handle: async ({ tx, params, now }) => {
      const parsed = startParams.safeParse(params);
      const to = parsed.success ? normalisePhone(parsed.data.To) : null;
      if (!parsed.success || !to?.ok) return { twiml: cannotContinue(), after: [] };
      const from = normalisePhone(parsed.data.From);
      const { answer, after } = await answerCall(tx, deps, { callSid: parsed.data.CallSid, from: from.ok ? from.e164 : null, fromRaw: parsed.data.From, to: to.e164 }, now);
      return { twiml: render(answer), after };
    },
  });

  registerWebhook(app, deps, {
    path: '/twilio/voice/step',
    sid: 'CallSid',
    fallback: cannotContinue,
    handle: async ({ tx, params, now }) => {
      const parsed = stepParams.safeParse(params);
      if (!parsed.success) return { twiml: cannotContinue(), after: [] };
      const digits = parsed.data.Digits ?? '';
      const event: CallEvent = digits === '' ? { kind: 'no_input' } : { kind: 'digits', digits: KEYPAD.test(digits) ? digits : UNREADABLE_KEYS };
      const { answer, after } = await continueCall(tx, deps, { callSid: parsed.data.CallSid, event }, now);
      return { twiml: render(answer), after };
    },
  });

  registerWebhook(app, deps, {
    path: '/twilio/voice/recorded',
    sid: 'CallSid',
    fallback: cannotContinue,
    handle: async ({ tx, params, query, now }) => {
      const parsed = recordedParams.safeParse(params);
      if (!parsed.success) return { twiml: cannotContinue(), after: [] };
      const nothing = query.empty !== undefined || !parsed.data.RecordingSid;
      const event: CallEvent = {
        kind: 'recorded',
        recordingSid: nothing ? null : (parsed.data.RecordingSid ?? null),
        durationSeconds: nothing ? null : (parsed.data.RecordingDuration ?? null),
        hungUp: parsed.data.Digits === 'hangup',
      };
      const { answer, after } = await continueCall(tx, deps, { callSid: parsed.data.CallSid, event }, now);
      return { twiml: render(answer), after };
    },
  });

  registerWebhook(app, deps, {
    path: '/twilio/voice/recording',
    parked: emptyVoice,
    sid: 'CallSid',
    fallback: emptyVoice,
    handle: async ({ tx, params, now }) => {
      const parsed = recordingParams.safeParse(params);
      if (parsed.success) {
        const r = parsed.data;
        await attachRecording(tx, { callSid: r.CallSid, recordingSid: r.RecordingSid, url: r.RecordingUrl ?? null, durationSeconds: r.RecordingDuration ?? null, status: r.RecordingStatus }, now);
      }
      return { twiml: emptyVoice(), after: [] };
    },
  });

  registerWebhook(app, deps, {
    path: '/twilio/voice/transcription',
    parked: emptyVoice,
    sid: 'CallSid',
    fallback: emptyVoice,
    handle: async ({ tx, params, now }) => {
      const parsed = transcriptionParams.safeParse(params);
      if (!parsed.success) return { twiml: emptyVoice(), after: [] };
      const t = parsed.data;
      const after = await attachTranscription(tx, { callSid: t.CallSid, recordingSid: t.RecordingSid ?? null, text: t.TranscriptionText, status: t.TranscriptionStatus }, now);
      return { twiml: emptyVoice(), after };
    },
  });
};

/**
 * One IVR step as TwiML: the prompts inside the Gather (so callers can answer before they end),
 * which posts back even on silence; or the prompts, then the recording — followed by a Redirect,
 * since Twilio skips the Record action when nothing was recorded; and Hangup when the call ends.
 */
function renderStep(
  step: IvrStep,
  urls: { step: string; recorded: string; nothingRecorded: string; recording: string; transcription: string },
): string {
  const response = new twilio.twiml.VoiceResponse();
  const sayAll = (target: VoiceResponse | ReturnType<VoiceResponse['gather']>) => {
    for (const prompt of step.say) target.say({ language: sayLanguage(prompt.language) }, prompt.text);
  };
  if (step.gather) {
    const gather = response.gather({
      input: ['dtmf'],
      ...(step.gather.numDigits === null ? {} : { numDigits: step.gather.numDigits }),
      timeout: step.gather.timeoutSeconds,
      finishOnKey: step.gather.finishOnKey,
      action: urls.step,
      method: 'POST',
      actionOnEmptyResult: true,
    });
    sayAll(gather);
  } else {
    sayAll(response);
  }
  if (step.record) {
    response.record({
      action: urls.recorded,
      method: 'POST',
      maxLength: step.record.maxLengthSeconds,
      timeout: step.record.timeoutSeconds,
      finishOnKey: step.record.finishOnKey,
      playBeep: step.record.playBeep,
      recordingStatusCallback: urls.recording,
      recordingStatusCallbackMethod: 'POST',
      recordingStatusCallbackEvent: ['completed', 'absent'],
      transcribe: step.record.transcribe,
      ...(step.record.transcribe ? { transcribeCallback: urls.transcription } : {}),
    });
    response.redirect({ method: 'POST' }, urls.nothingRecorded);
  }
  if (step.hangup) response.hangup();
  return response.toString();
}
