import type { Clock } from '../src/clock.js';
import { parseVoiceTwiml, TwimlError, type GatherVerb, type HttpMethod, type RecordVerb, type VoiceVerb } from './twiml.js';
import { describePattern, matches, waitUntil, type Subscribe } from './wait.js';
import type { WebhookKind, WebhookRequest, WebhookResult } from './webhook.js';
import { countryOf, newSid, resolveUrl, rfc2822 } from './wire.js';

export type CallStatus = 'queued' | 'initiated' | 'ringing' | 'in-progress' | 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled';
export type CallDirection = 'inbound' | 'outbound-api';
export type UnansweredStatus = 'no-answer' | 'busy' | 'failed';

/**
 * Where the call is, seen from the phone: `connecting` and `running` are the simulator at work
 * (fetching and playing TwiML); `ringing`, `gathering`, `recording` and `ended` wait for someone
 * (the callee, the caller, the test) and are "settled".
 */
export type CallPhase = 'connecting' | 'ringing' | 'running' | 'gathering' | 'recording' | 'ended';

const TERMINAL: ReadonlySet<CallStatus> = new Set(['completed', 'busy', 'no-answer', 'failed', 'canceled']);
const SETTLED: ReadonlySet<CallPhase> = new Set(['ringing', 'gathering', 'recording', 'ended']);

/** Twilio's spoken answer when the service fails a voice webhook. */
export const APPLICATION_ERROR_PROMPT = 'We are sorry, an application error has occurred. Goodbye.';

/** Something the caller heard or did, in order. */
export type TranscriptEntry =
  | { kind: 'say'; text: string; language: string; voice: string | undefined }
  | { kind: 'play'; url: string; digits: string | undefined }
  | { kind: 'pause'; seconds: number }
  | { kind: 'gather'; numDigits: number | undefined; finishOnKey: string; timeout: number }
  | { kind: 'pressed'; digits: string }
  | { kind: 'silence' }
  | { kind: 'record'; maxLength: number; finishOnKey: string }
  | { kind: 'recorded'; recordingSid: string; durationSeconds: number; transcription: string | undefined }
  | { kind: 'redirect'; url: string }
  | { kind: 'error'; code: number; message: string; spoken: string }
  | { kind: 'ended'; status: CallStatus };

/** A `<Say>` as heard: its text and the language it was spoken in. */
export interface Said {
  text: string;
  language: string;
  voice: string | undefined;
}

export interface CallEnd {
  status: CallStatus;
  durationSeconds: number;
}

export interface Recording {
  sid: string;
  callSid: string;
  url: string;
  durationSeconds: number;
  transcription: string | undefined;
  transcriptionStatus: 'completed' | 'failed' | undefined;
  dateCreated: Date;
}

/** A failure Twilio would show in its debugger (11200 retrieval failure, 12100 parse failure, …). */
export interface SimError {
  at: string;
  code: number;
  message: string;
  callSid?: string;
  messageSid?: string;
  url?: string;
}

export interface StatusCallbackConfig {
  url: string;
  method: HttpMethod;
  /** Among initiated, ringing, answered, completed. */
  events: ReadonlySet<string>;
}

/** Where a call's next TwiML comes from. */
export type TwimlSource =
  | {
      type: 'fetch';
      url: string;
      method: HttpMethod;
      params: Record<string, string>;
      kind: WebhookKind;
      /** Runs once the service has answered this request (before its TwiML plays). */
      onAnswered?: () => void;
    }
  | { type: 'inline'; twiml: string };

/** What the simulator around a call provides. */
export interface CallHost {
  readonly clock: Clock;
  readonly accountSid: string;
  /** The simulator's own base URL (recording URLs point at it). */
  readonly apiUrl: string;
  webhook(request: WebhookRequest): Promise<WebhookResult>;
  /** Runs a notification for this call after the ones already queued for it; resolves when it has run. */
  enqueue(key: string, task: () => Promise<unknown>): Promise<void>;
  reportError(error: SimError): void;
  addRecording(recording: Recording): void;
  /** Tells the callee's phone that this outbound call rings. */
  ring(call: SimCall): void;
  changed(): void;
  subscribe: Subscribe;
}

export interface NewCall {
  direction: CallDirection;
  from: string;
  to: string;
  first: TwimlSource;
  statusCallback?: StatusCallbackConfig;
  /** Seconds an outbound call rings before no-answer (Twilio's Timeout, default 60). */
  ringTimeoutSeconds?: number;
  /** Set when the REST request asked for answering-machine detection: reported as a human. */
  machineDetection?: boolean;
}

export interface RecordOptions {
  /** What the caller "said": the transcription Twilio will report. */
  transcription?: string;
  /** Length of the recording; default 5 seconds, capped at the verb's maxLength. */
  durationSeconds?: number;
  /** End the recording with this key (must be one of the verb's finishOnKey); default: by silence. */
  finishOnKey?: string;
  /** The caller hangs up to end the recording (Digits=hangup). */
  hangup?: boolean;
}

export interface GatherInfo {
  numDigits: number | undefined;
  finishOnKey: string;
  timeout: number;
  action: string | undefined;
  /** Digits pressed so far in this Gather. */
  collected: string;
}

type Input =
  | { type: 'answer' }
  | { type: 'unanswered'; status: UnansweredStatus }
  | { type: 'digits'; digits: string; finishedOnKey: string }
  | { type: 'timeout' }
  | { type: 'recorded'; durationSeconds: number; transcription: string | undefined; digits: string | undefined; hangup: boolean }
  | { type: 'ended' }
  | { type: 'redirect'; source: TwimlSource };

type Waiting =
  | { phase: 'ringing'; since: Date }
  | { phase: 'gathering'; gather: GatherVerb; collected: string; since: Date }
  | { phase: 'recording'; record: RecordVerb; since: Date };

interface Document {
  /** The URL the document came from: relative URLs in it resolve against this. */
  url: string | undefined;
  verbs: VoiceVerb[];
}

/**
 * One phone call, inbound (a phone calls the service) or outbound (the service calls a phone).
 * The simulator plays Twilio's side by interpreting the TwiML the service answers; the test (or
 * the /sim page) plays the person through `press`, `silence`, `record`, `hangup`. Where a real
 * call would wait (ringing, a Gather's timeout, a recording) it stops and waits for that person,
 * never for the clock.
 */
export class SimCall {
  readonly sid = newSid('CA');
  readonly direction: CallDirection;
  readonly from: string;
  readonly to: string;
  readonly dateCreated: Date;
  readonly transcript: TranscriptEntry[] = [];
  readonly errors: SimError[] = [];
  readonly recordings: Recording[] = [];
  /** Settles when the call is over, with its final status. */
  readonly ended: Promise<CallEnd>;

  status: CallStatus;
  phase: CallPhase = 'connecting';
  startTime: Date | undefined;
  endTime: Date | undefined;
  readonly ringTimeoutSeconds: number;

  readonly #host: CallHost;
  readonly #statusCallback: StatusCallbackConfig | undefined;
  readonly #machineDetection: boolean;
  #first: TwimlSource;
  #waiting: (Waiting & { resolve: (input: Input) => void }) | undefined;
  #pendingRedirect: TwimlSource | undefined;
  #sequence = 0;
  #sayCursor = 0;
  #resolveEnded!: (end: CallEnd) => void;
  #answered = false;

  constructor(host: CallHost, init: NewCall) {
    this.#host = host;
    this.direction = init.direction;
    this.from = init.from;
    this.to = init.to;
    this.#first = init.first;
    this.#statusCallback = init.statusCallback;
    this.#machineDetection = init.machineDetection ?? false;
    this.ringTimeoutSeconds = init.ringTimeoutSeconds ?? 60;
    this.dateCreated = host.clock.now();
    this.status = init.direction === 'inbound' ? 'ringing' : 'queued';
    this.ended = new Promise<CallEnd>((resolve) => {
      this.#resolveEnded = resolve;
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Reading the call

  get answered(): boolean {
    return this.#answered;
  }

  get isOver(): boolean {
    return TERMINAL.has(this.status);
  }

  get durationSeconds(): number {
    if (!this.startTime) return 0;
    const end = this.endTime ?? this.#host.clock.now();
    return Math.max(0, Math.round((end.getTime() - this.startTime.getTime()) / 1000));
  }

  /** Every `<Say>` the service made the phone speak, in order. */
  get said(): Said[] {
    return this.transcript.flatMap((entry) => (entry.kind === 'say' ? [{ text: entry.text, language: entry.language, voice: entry.voice }] : []));
  }

  /** When the call waits in a Gather: what it expects and what was pressed so far. */
  get gather(): GatherInfo | undefined {
    const waiting = this.#waiting;
    if (waiting?.phase !== 'gathering') return undefined;
    const { gather } = waiting;
    return { numDigits: gather.numDigits, finishOnKey: gather.finishOnKey, timeout: gather.timeout, action: gather.action, collected: waiting.collected };
  }

  /** When the call waits in a Record: the verb. */
  get recordVerb(): RecordVerb | undefined {
    return this.#waiting?.phase === 'recording' ? this.#waiting.record : undefined;
  }

  /** Resolves when the call waits for someone (ringing, gathering, recording) or is over. */
  settled(): Promise<void> {
    return waitUntil({
      subscribe: this.#host.subscribe,
      check: () => (SETTLED.has(this.phase) ? true : undefined),
      // A webhook can take up to 15 s before Twilio gives up on it; allow that and a little more.
      timeoutMs: 20_000,
      describe: () => `call ${this.sid} to settle (phase ${this.phase})`,
    }).then(() => undefined);
  }

  // ---------------------------------------------------------------------------------------------
  // The person on the phone

  /**
   * Waits until the service says something matching `pattern` that no earlier `expectSay`
   * consumed, and returns it. Fails at once when the call waits for input (or is over) and
   * nothing matching was said, listing what was.
   */
  async expectSay(pattern: RegExp | string, options: { timeoutMs?: number } = {}): Promise<Said> {
    return waitUntil({
      subscribe: this.#host.subscribe,
      timeoutMs: options.timeoutMs ?? 5000,
      check: () => {
        const said = this.said;
        for (let i = this.#sayCursor; i < said.length; i++) {
          const entry = said[i];
          if (entry && matches(pattern, entry.text)) {
            this.#sayCursor = i + 1;
            return entry;
          }
        }
        return undefined;
      },
      hopeless: () => (SETTLED.has(this.phase) ? `expected the call to say ${describePattern(pattern)}, but it is ${this.#describeState()} after saying:\n${this.#describeSaid()}` : undefined),
      describe: () => `expected the call to say ${describePattern(pattern)}; it said:\n${this.#describeSaid()}`,
    });
  }

  /** Resolves with the Gather the call waits in; fails if the call settles otherwise. */
  async waitForGather(): Promise<GatherInfo> {
    await this.settled();
    const gather = this.gather;
    if (!gather) throw new Error(`expected call ${this.sid} to wait for digits, but it is ${this.#describeState()}; it said:\n${this.#describeSaid()}`);
    return gather;
  }

  /** Resolves with the Record verb the call waits in; fails if the call settles otherwise. */
  async waitForRecord(): Promise<RecordVerb> {
    await this.settled();
    const record = this.recordVerb;
    if (!record) throw new Error(`expected call ${this.sid} to be recording, but it is ${this.#describeState()}; it said:\n${this.#describeSaid()}`);
    return record;
  }

  /**
   * Presses keys in the Gather the call waits in. The Gather ends as Twilio ends it: on its
   * finishOnKey or when numDigits keys were pressed; otherwise it keeps waiting (use `silence()`
   * for its timeout). Resolves when the call waits again or is over.
   */
  async press(digits: string): Promise<void> {
    if (!/^[0-9*#]+$/.test(digits)) throw new Error(`cannot press "${digits}": only 0-9, * and #`);
    await this.settled();
    const waiting = this.#waiting;
    if (waiting?.phase !== 'gathering') {
      throw new Error(`cannot press "${digits}": call ${this.sid} is ${this.#describeState()}, not waiting for digits`);
    }
    this.transcript.push({ kind: 'pressed', digits });
    const { gather } = waiting;
    let collected = waiting.collected;
    for (let i = 0; i < digits.length; i++) {
      const key = digits[i] as string;
      const rest = digits.slice(i + 1);
      if (gather.finishOnKey !== '' && key === gather.finishOnKey) {
        this.#endGather(collected, key, rest);
        return this.settled();
      }
      collected += key;
      if (gather.numDigits !== undefined && collected.length >= gather.numDigits) {
        this.#endGather(collected, '', rest);
        return this.settled();
      }
    }
    waiting.collected = collected;
    waiting.since = this.#host.clock.now();
    this.#host.changed();
  }

  /** Says nothing: a Gather or Record times out as Twilio's would. Resolves when the call settles again. */
  async silence(): Promise<void> {
    await this.settled();
    const waiting = this.#waiting;
    if (waiting?.phase === 'gathering') {
      this.transcript.push({ kind: 'silence' });
      if (waiting.collected !== '') this.#resume({ type: 'digits', digits: waiting.collected, finishedOnKey: '' });
      else this.#resume({ type: 'timeout' });
    } else if (waiting?.phase === 'recording') {
      this.transcript.push({ kind: 'silence' });
      this.#resume({ type: 'timeout' });
    } else {
      throw new Error(`cannot stay silent: call ${this.sid} is ${this.#describeState()}, not waiting for input`);
    }
    return this.settled();
  }

  /** Speaks into the Record the call waits in. Resolves when the call settles again. */
  async record(options: RecordOptions = {}): Promise<void> {
    const record = await this.waitForRecord();
    if (options.finishOnKey !== undefined && (options.finishOnKey.length !== 1 || !record.finishOnKey.includes(options.finishOnKey))) {
      throw new Error(`cannot end the recording with "${options.finishOnKey}": finishOnKey is "${record.finishOnKey}"`);
    }
    const durationSeconds = Math.min(Math.max(1, Math.round(options.durationSeconds ?? 5)), record.maxLength);
    this.#resume({
      type: 'recorded',
      durationSeconds,
      transcription: options.transcription,
      digits: options.hangup ? 'hangup' : options.finishOnKey,
      hangup: options.hangup ?? false,
    });
    return this.settled();
  }

  /**
   * The person hangs up. Resolves when the call is over. Before an outbound call is answered
   * this declines it (busy); before an inbound call is answered it cancels it.
   */
  async hangup(): Promise<CallEnd> {
    if (!this.isOver) this.#finish(this.#answered ? 'completed' : this.direction === 'outbound-api' ? 'busy' : 'canceled');
    return this.ended;
  }

  // ---------------------------------------------------------------------------------------------
  // The callee's phone, for outbound calls (used through `Ringing`)

  /** @internal */
  decideRinging(decision: 'answer' | UnansweredStatus): void {
    if (this.#waiting?.phase !== 'ringing') throw new Error(`call ${this.sid} is ${this.#describeState()}, not ringing`);
    this.#resume(decision === 'answer' ? { type: 'answer' } : { type: 'unanswered', status: decision });
  }

  // ---------------------------------------------------------------------------------------------
  // The service, through the REST API

  /**
   * Applies `POST Calls/{Sid}.json`. Returns a Twilio error code when the update is refused.
   * `Status=canceled` ends a call that is not answered yet; `Status=completed` ends it in any
   * state; `Url`/`Twiml` redirects a live call (or replaces what a ringing one will run).
   */
  update(update: { status?: 'canceled' | 'completed'; source?: TwimlSource }): { ok: true } | { ok: false; code: number; message: string } {
    if (update.source) {
      if (this.isOver) return { ok: false, code: 21220, message: 'Call is not in-progress. Cannot redirect.' };
      if (this.direction === 'outbound-api' && !this.#answered) {
        // Not picked up yet: the new TwiML is what will play when it is.
        this.#first = update.source;
      } else if (this.#waiting) {
        this.#resume({ type: 'redirect', source: update.source });
      } else {
        this.#pendingRedirect = update.source;
      }
    }
    if (update.status === 'canceled' && !this.isOver && !this.#answered) this.#finish('canceled');
    if (update.status === 'completed' && !this.isOver) this.#finish(this.#answered ? 'completed' : 'canceled');
    return { ok: true };
  }

  // ---------------------------------------------------------------------------------------------
  // Time

  /** Applies what the clock says is due: an unanswered ring past its Timeout, a Gather past its timeout. */
  tick(now: Date): void {
    const waiting = this.#waiting;
    if (!waiting) return;
    const elapsed = now.getTime() - waiting.since.getTime();
    if (waiting.phase === 'ringing' && elapsed >= this.ringTimeoutSeconds * 1000) {
      this.#resume({ type: 'unanswered', status: 'no-answer' });
    } else if (waiting.phase === 'gathering' && elapsed >= waiting.gather.timeout * 1000) {
      this.transcript.push({ kind: 'silence' });
      if (waiting.collected !== '') this.#resume({ type: 'digits', digits: waiting.collected, finishedOnKey: '' });
      else this.#resume({ type: 'timeout' });
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Running the call

  /** @internal Starts the call; the returned promise settles when the run loop stops. */
  start(): Promise<void> {
    return (this.direction === 'inbound' ? this.#runInbound() : this.#runOutbound()).catch((error: unknown) => {
      this.#applicationError(11200, `simulator error: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  async #runInbound(): Promise<void> {
    await this.#run(this.#first);
  }

  async #runOutbound(): Promise<void> {
    this.status = 'initiated';
    await this.#progress('initiated');
    if (this.isOver) return;
    this.status = 'ringing';
    await this.#progress('ringing');
    if (this.isOver) return;
    const decision = this.#wait({ phase: 'ringing', since: this.#host.clock.now() });
    this.#host.ring(this);
    const input = await decision;
    if (this.isOver) return;
    if (input.type === 'unanswered') {
      this.#finish(input.status);
      return;
    }
    if (input.type !== 'answer') throw new Error(`unexpected ${input.type} while ringing`);
    this.#markAnswered();
    await this.#progress('answered');
    if (this.isOver) return;
    await this.#run(this.#first);
  }

  async #run(first: TwimlSource): Promise<void> {
    let next: TwimlSource | undefined = first;
    while (next && !this.isOver) {
      const document = await this.#load(next);
      if (!document || this.isOver) return;
      next = await this.#play(document);
    }
  }

  async #load(source: TwimlSource): Promise<Document | undefined> {
    this.#setPhase('running');
    let body: string;
    let url: string | undefined;
    if (source.type === 'inline') {
      body = source.twiml;
    } else {
      const params = { ...this.#params(), ...source.params };
      const result = await this.#host.webhook({ kind: source.kind, url: source.url, method: source.method, params, summary: this.#summary(source.kind, source.params) });
      source.onAnswered?.();
      if (this.isOver) return undefined;
      if (!result.ok) {
        this.#applicationError(result.status === null ? 11205 : 11200, result.status === null ? `HTTP connection failure: ${result.error ?? 'no answer'}` : `HTTP retrieval failure: the service answered ${result.status}`, result.url);
        return undefined;
      }
      body = result.body;
      url = source.url;
    }
    try {
      return { url, verbs: parseVoiceTwiml(body) };
    } catch (error) {
      if (!(error instanceof TwimlError)) throw error;
      this.#applicationError(error.code, error.message, url);
      return undefined;
    }
  }

  /** Plays a document; returns where the next document comes from, or undefined when the call is over. */
  async #play(document: Document): Promise<TwimlSource | undefined> {
    for (const verb of document.verbs) {
      const redirect = this.#takeRedirect();
      if (redirect) return redirect;
      if (this.isOver) return undefined;
      if (!this.#answered && verb.verb !== 'Reject' && verb.verb !== 'Redirect') this.#markAnswered();
      switch (verb.verb) {
        case 'Say':
        case 'Play':
        case 'Pause':
          this.#speak(verb);
          break;
        case 'Gather': {
          const next = await this.#gather(verb, document);
          if (next !== 'continue') return next;
          break;
        }
        case 'Record': {
          const next = await this.#recordVerb(verb, document);
          if (next !== 'continue') return next;
          break;
        }
        case 'Redirect':
          this.transcript.push({ kind: 'redirect', url: verb.url });
          return { type: 'fetch', url: this.#resolve(verb.url, document, 'Redirect'), method: verb.method, params: {}, kind: 'voice-redirect' };
        case 'Hangup':
          this.#finish('completed');
          return undefined;
        case 'Reject':
          // Only a Reject before the call is answered keeps Twilio from picking up.
          this.#finish(this.#answered ? 'completed' : verb.reason === 'busy' ? 'busy' : 'no-answer');
          return undefined;
        default: {
          const unreachable: never = verb;
          throw new Error(`unhandled verb ${JSON.stringify(unreachable)}`);
        }
      }
    }
    const redirect = this.#takeRedirect();
    if (redirect) return redirect;
    // Running out of TwiML hangs up, as on Twilio.
    if (!this.isOver) this.#finish('completed');
    return undefined;
  }

  #speak(verb: VoiceVerb & { verb: 'Say' | 'Play' | 'Pause' }): void {
    switch (verb.verb) {
      case 'Say':
        this.transcript.push({ kind: 'say', text: verb.text, language: verb.language, voice: verb.voice });
        break;
      case 'Play':
        this.transcript.push({ kind: 'play', url: verb.url, digits: verb.digits });
        break;
      case 'Pause':
        // A pause passes at once: nothing in the simulator waits on the clock.
        this.transcript.push({ kind: 'pause', seconds: verb.length });
        break;
    }
    this.#host.changed();
  }

  async #gather(verb: GatherVerb, document: Document): Promise<TwimlSource | 'continue' | undefined> {
    for (const prompt of verb.prompts) this.#speak(prompt);
    this.transcript.push({ kind: 'gather', numDigits: verb.numDigits, finishOnKey: verb.finishOnKey, timeout: verb.timeout });
    const input = await this.#wait({ phase: 'gathering', gather: verb, collected: '', since: this.#host.clock.now() });
    if (this.isOver) return undefined;
    switch (input.type) {
      case 'digits':
        return { type: 'fetch', url: this.#resolve(verb.action, document, 'Gather action'), method: verb.method, params: { Digits: input.digits, FinishedOnKey: input.finishedOnKey }, kind: 'voice-action' };
      case 'timeout':
        if (verb.actionOnEmptyResult) {
          return { type: 'fetch', url: this.#resolve(verb.action, document, 'Gather action'), method: verb.method, params: { Digits: '', FinishedOnKey: '' }, kind: 'voice-action' };
        }
        return 'continue';
      case 'redirect':
        return input.source;
      default:
        return undefined;
    }
  }

  async #recordVerb(verb: RecordVerb, document: Document): Promise<TwimlSource | 'continue' | undefined> {
    this.transcript.push({ kind: 'record', maxLength: verb.maxLength, finishOnKey: verb.finishOnKey });
    const startedAt = this.#host.clock.now();
    const input = await this.#wait({ phase: 'recording', record: verb, since: startedAt });
    if (input.type === 'redirect') return input.source;
    if (input.type === 'timeout') {
      // An empty recording: no action request, the document goes on (Twilio's one exception).
      if (verb.recordingStatusCallback && verb.recordingStatusCallbackEvent.includes('absent')) {
        const url = this.#resolve(verb.recordingStatusCallback, document, 'recordingStatusCallback');
        const params = { AccountSid: this.#host.accountSid, CallSid: this.sid, RecordingSid: newSid('RE'), RecordingStatus: 'absent', RecordingSource: 'RecordVerb', RecordingChannels: '1', RecordingDuration: '0', ErrorCode: '0' };
        void this.#host.enqueue(this.sid, () => this.#host.webhook({ kind: 'recording-status', url, method: verb.recordingStatusCallbackMethod, params, summary: `recording absent (${this.sid})` }));
      }
      return 'continue';
    }
    if (input.type !== 'recorded') return undefined;

    const recording = this.#saveRecording(verb, input, startedAt);
    const actionParams: Record<string, string> = { RecordingUrl: recording.url, RecordingDuration: String(recording.durationSeconds), RecordingSid: recording.sid };
    if (input.digits !== undefined) actionParams.Digits = input.digits;
    const action = this.#resolve(verb.action, document, 'Record action');
    if (input.hangup) {
      // The caller hung up to end the recording: Twilio still reports it to the action URL,
      // with the call completed, and ignores the answer.
      this.#finish('completed');
      await this.#host.webhook({ kind: 'voice-action', url: action, method: verb.method, params: { ...this.#params(), ...actionParams }, summary: this.#summary('voice-action', actionParams) });
      this.#recordingCallbacks(verb, document, recording);
      return undefined;
    }
    // Twilio processes the recording while the call goes on: its callbacks follow the action request.
    return {
      type: 'fetch',
      url: action,
      method: verb.method,
      params: actionParams,
      kind: 'voice-action',
      onAnswered: () => this.#recordingCallbacks(verb, document, recording),
    };
  }

  #saveRecording(verb: RecordVerb, input: Input & { type: 'recorded' }, startedAt: Date): Recording {
    const sid = newSid('RE');
    const wantsTranscription = verb.transcribe || verb.transcribeCallback !== undefined;
    // Twilio transcribes recordings of 2 to 120 seconds only.
    const transcribable = input.durationSeconds >= 2 && input.durationSeconds <= 120 && input.transcription !== undefined && input.transcription.trim() !== '';
    const recording: Recording = {
      sid,
      callSid: this.sid,
      url: `${this.#host.apiUrl}/2010-04-01/Accounts/${this.#host.accountSid}/Recordings/${sid}`,
      durationSeconds: input.durationSeconds,
      transcription: wantsTranscription && transcribable ? input.transcription : undefined,
      transcriptionStatus: wantsTranscription ? (transcribable ? 'completed' : 'failed') : undefined,
      dateCreated: startedAt,
    };
    this.recordings.push(recording);
    this.#host.addRecording(recording);
    this.transcript.push({ kind: 'recorded', recordingSid: sid, durationSeconds: input.durationSeconds, transcription: input.transcription });
    this.#host.changed();
    return recording;
  }

  #recordingCallbacks(verb: RecordVerb, document: Document, recording: Recording): void {
    if (verb.recordingStatusCallback && verb.recordingStatusCallbackEvent.includes('completed')) {
      const url = this.#resolve(verb.recordingStatusCallback, document, 'recordingStatusCallback');
      const params = {
        AccountSid: this.#host.accountSid,
        CallSid: this.sid,
        RecordingSid: recording.sid,
        RecordingUrl: recording.url,
        RecordingStatus: 'completed',
        RecordingDuration: String(recording.durationSeconds),
        RecordingChannels: '1',
        RecordingStartTime: rfc2822(recording.dateCreated),
        RecordingSource: 'RecordVerb',
        ErrorCode: '0',
      };
      void this.#host.enqueue(this.sid, () =>
        this.#host.webhook({ kind: 'recording-status', url, method: verb.recordingStatusCallbackMethod, params, summary: `recording ${recording.sid} completed, ${recording.durationSeconds}s` }),
      );
    }
    if (verb.transcribeCallback && recording.transcriptionStatus) {
      const url = this.#resolve(verb.transcribeCallback, document, 'transcribeCallback');
      const params = {
        ...this.#params(),
        TranscriptionSid: newSid('TR'),
        TranscriptionText: recording.transcription ?? '',
        TranscriptionStatus: recording.transcriptionStatus,
        TranscriptionUrl: `${this.#host.apiUrl}/2010-04-01/Accounts/${this.#host.accountSid}/Recordings/${recording.sid}/Transcriptions`,
        TranscriptionType: 'fast',
        RecordingSid: recording.sid,
        RecordingUrl: recording.url,
        url,
      };
      void this.#host.enqueue(this.sid, () =>
        this.#host.webhook({ kind: 'transcription', url, method: 'POST', params, summary: `transcription ${recording.transcriptionStatus}: ${recording.transcription ?? ''}` }),
      );
    }
  }

  // ---------------------------------------------------------------------------------------------
  // State

  #wait(state: Waiting): Promise<Input> {
    return new Promise<Input>((resolve) => {
      this.#waiting = { ...state, resolve };
      this.#setPhase(state.phase);
    });
  }

  #resume(input: Input): void {
    const waiting = this.#waiting;
    if (!waiting) throw new Error(`call ${this.sid} is not waiting for input`);
    this.#waiting = undefined;
    if (!this.isOver) this.#setPhase('running');
    waiting.resolve(input);
  }

  #endGather(collected: string, finishedOnKey: string, rest: string): void {
    if (rest !== '') throw new Error(`pressed "${rest}" after the Gather had ended; press them once the call waits again`);
    if (collected === '') this.#resume({ type: 'timeout' });
    else this.#resume({ type: 'digits', digits: collected, finishedOnKey });
  }

  #takeRedirect(): TwimlSource | undefined {
    const redirect = this.#pendingRedirect;
    this.#pendingRedirect = undefined;
    return redirect;
  }

  #setPhase(phase: CallPhase): void {
    this.phase = phase;
    this.#host.changed();
  }

  #markAnswered(): void {
    this.#answered = true;
    this.status = 'in-progress';
    this.startTime = this.#host.clock.now();
    this.#host.changed();
  }

  /** Ends the call now (idempotent), notifies the status callback and releases anything waiting. */
  #finish(status: CallStatus): void {
    if (this.isOver) return;
    this.status = status;
    this.endTime = this.#host.clock.now();
    this.transcript.push({ kind: 'ended', status });
    const waiting = this.#waiting;
    this.#waiting = undefined;
    this.phase = 'ended';
    void this.#progress('completed');
    this.#resolveEnded({ status, durationSeconds: this.durationSeconds });
    waiting?.resolve({ type: 'ended' });
    this.#host.changed();
  }

  #applicationError(code: number, message: string, url?: string): void {
    const error: SimError = { at: this.#host.clock.now().toISOString(), code, message, callSid: this.sid, ...(url ? { url } : {}) };
    this.errors.push(error);
    this.#host.reportError(error);
    if (this.isOver) return;
    if (!this.#answered) this.#markAnswered();
    this.transcript.push({ kind: 'error', code, message, spoken: APPLICATION_ERROR_PROMPT });
    this.#finish('completed');
  }

  /** Sends a status callback event if the service asked for it; resolves once it was delivered. */
  #progress(event: 'initiated' | 'ringing' | 'answered' | 'completed'): Promise<void> {
    const config = this.#statusCallback;
    this.#host.changed();
    if (!config || !config.events.has(event)) return Promise.resolve();
    const params: Record<string, string> = {
      ...this.#params(),
      CallbackSource: 'call-progress-events',
      SequenceNumber: String(this.#sequence++),
      Timestamp: rfc2822(this.#host.clock.now()),
    };
    if (event === 'completed') {
      params.CallDuration = String(this.durationSeconds);
      params.Duration = String(Math.ceil(this.durationSeconds / 60));
    }
    return this.#host.enqueue(this.sid, () =>
      this.#host.webhook({ kind: 'call-status', url: config.url, method: config.method, params, summary: `call ${this.sid} ${event}: ${params.CallStatus}` }),
    );
  }

  #params(): Record<string, string> {
    const params: Record<string, string> = {
      AccountSid: this.#host.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: this.sid,
      CallStatus: this.status,
      Called: this.to,
      CalledCountry: countryOf(this.to),
      Caller: this.from,
      CallerCountry: countryOf(this.from),
      Direction: this.direction,
      From: this.from,
      FromCountry: countryOf(this.from),
      To: this.to,
      ToCountry: countryOf(this.to),
    };
    if (this.#machineDetection && this.#answered) params.AnsweredBy = 'human';
    return params;
  }

  #summary(kind: WebhookKind, extra: Record<string, string>): string {
    const details = Object.entries(extra)
      .filter(([key]) => key !== 'RecordingUrl')
      .map(([key, value]) => `${key}=${value}`)
      .join(' ');
    return `${kind} ${this.from} → ${this.to}${details ? ` ${details}` : ''}`;
  }

  #resolve(target: string | undefined, document: Document, what: string): string {
    const base = document.url;
    if (target === undefined) {
      if (base === undefined) throw new Error(`${what} has no URL and the TwiML was given inline, so there is no document URL to default to`);
      return base;
    }
    try {
      return base === undefined ? new URL(target).href : resolveUrl(target, base);
    } catch {
      throw new Error(`${what} "${target}" is not a valid URL`);
    }
  }

  #describeState(): string {
    if (this.isOver) return `over (${this.status})`;
    switch (this.phase) {
      case 'gathering':
        return 'waiting for digits';
      case 'recording':
        return 'recording';
      case 'ringing':
        return 'ringing';
      default:
        return this.phase;
    }
  }

  #describeSaid(): string {
    const lines = this.transcript.flatMap((entry) => {
      if (entry.kind === 'say') return [`  [${entry.language}] ${entry.text}`];
      if (entry.kind === 'error') return [`  (Twilio error ${entry.code}: ${entry.message})`];
      return [];
    });
    return lines.length > 0 ? lines.join('\n') : '  (nothing)';
  }
}
