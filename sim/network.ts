import type { Clock } from '../src/clock.js';
import { SimCall, type CallHost, type NewCall, type Recording, type SimError } from './call.js';
import { Faults } from './faults.js';
import { DELIVERY_ERRORS, type MessageDirection, type MessageStatus, type SimMessage } from './message.js';
import { Phone, type AnswerPolicy, type PhoneHost, type PhoneKind } from './phone.js';
import { TrafficLog } from './traffic.js';
import { parseMessagingTwiml, TwimlError, type HttpMethod } from './twiml.js';
import { WebhookSender, type ConnectTo, type WebhookKind, type WebhookRequest, type WebhookResult } from './webhook.js';
import { countryOf, newSid, resolveUrl } from './wire.js';

const NOTIFICATIONS: ReadonlySet<WebhookKind> = new Set(['call-status', 'message-status', 'recording-status', 'transcription']);

export interface PhoneConfig {
  number: string;
  name: string;
  kind: PhoneKind;
  autoAnswer?: AnswerPolicy;
  /** The standby number /sim preselects for this phone's calls and texts (e.g. a customer's dedicated line). */
  dials?: string;
}

/** Logs a line; pino's `logger.info(obj, msg)` fits, and so does a plain function. */
export type SimLog = { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void } | ((level: 'info' | 'warn', msg: string, obj: object) => void);

export interface NetworkOptions {
  accountSid: string;
  authToken: string;
  serviceBaseUrl: string;
  clock: Clock;
  standbyNumbers: string[];
  phones: PhoneConfig[];
  /** Path of the service's incoming-SMS webhook; default /twilio/sms. */
  smsPath: string;
  /** Path of the service's incoming-call webhook; default /twilio/voice. */
  voicePath: string;
  /** Path that receives status callbacks of incoming calls (a number's "call status changes" URL); none by default. */
  voiceStatusPath: string | undefined;
  log: SimLog | undefined;
  /** Where webhooks are actually sent (see `ConnectTo`); default: where their URLs say. */
  connectTo?: ConnectTo;
}

export interface OutboundMessageRequest {
  from: string;
  to: string;
  body: string;
  media: string[];
  statusCallback: { url: string; method: HttpMethod } | undefined;
  direction: MessageDirection;
}

/**
 * The simulated carrier: phones, messages, calls and recordings, and the webhooks between them
 * and the service. REST routes, the test API and the /sim page all act through it.
 */
export class Network implements CallHost, PhoneHost {
  readonly clock: Clock;
  readonly accountSid: string;
  readonly faults: Faults;
  readonly traffic: TrafficLog;
  readonly messages = new Map<string, SimMessage>();
  readonly calls = new Map<string, SimCall>();
  readonly recordings = new Map<string, Recording>();
  readonly errors: SimError[] = [];
  readonly standbyNumbers: string[];
  apiUrl = '';
  serviceBaseUrl: string;

  readonly #options: NetworkOptions;
  readonly #sender: WebhookSender;
  readonly #phones = new Map<string, Phone>();
  readonly #listeners = new Set<() => void>();
  readonly #chains = new Map<string, Promise<void>>();
  readonly #pending = new Set<Promise<unknown>>();

  constructor(options: NetworkOptions) {
    this.#options = options;
    this.clock = options.clock;
    this.accountSid = options.accountSid;
    this.faults = new Faults(options.clock);
    this.standbyNumbers = [...options.standbyNumbers];
    this.serviceBaseUrl = options.serviceBaseUrl.replace(/\/+$/, '');
    this.traffic = new TrafficLog(options.clock);
    this.#sender = new WebhookSender(options.authToken, this.faults, this.traffic, options.connectTo);
    this.traffic.subscribe((entry) => {
      this.#log(entry.status !== null && entry.status < 400 ? 'info' : 'warn', `twilio-sim ${entry.channel} ${entry.method} ${entry.url} → ${entry.status ?? entry.error ?? 'no answer'}`, { kind: entry.kind, summary: entry.summary, fault: entry.fault });
      this.changed();
    });
    for (const config of options.phones) {
      this.#phones.set(config.number, new Phone(this, config.number, config.name, config.kind, config.autoAnswer));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Change notification and background work

  changed(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  /** Runs `task` after everything already queued under `key`, so callbacks for one message or call arrive in order. */
  enqueue(key: string, task: () => Promise<unknown>): Promise<void> {
    const previous = this.#chains.get(key) ?? Promise.resolve();
    const next = previous.then(task).then(
      () => undefined,
      (error: unknown) => this.#log('warn', `twilio-sim background task failed: ${String(error)}`, {}),
    );
    this.#chains.set(key, next);
    this.#track(next);
    void next.then(() => {
      if (this.#chains.get(key) === next) this.#chains.delete(key);
    });
    return next;
  }

  /** Resolves when no webhook is in flight, no delivery is pending and every call waits for someone. */
  async idle(): Promise<void> {
    for (;;) {
      const busy = [...this.#pending];
      const running = [...this.calls.values()].filter((call) => call.phase === 'connecting' || call.phase === 'running');
      if (busy.length === 0 && running.length === 0) return;
      await Promise.allSettled([...busy, ...running.map((call) => call.settled())]);
    }
  }

  /** Applies timeouts that the clock says are due (ringing past Timeout, Gather past its timeout). */
  tick(): void {
    const now = this.clock.now();
    for (const call of this.calls.values()) call.tick(now);
  }

  #track(promise: Promise<unknown>): void {
    this.#pending.add(promise);
    void promise.finally(() => this.#pending.delete(promise)).catch(() => undefined);
  }

  // ---------------------------------------------------------------------------------------------
  // CallHost and PhoneHost

  webhook(request: WebhookRequest): Promise<WebhookResult> {
    const promise = this.#sender.deliver(request).then((result) => {
      // Failed notifications (status, recording, transcription callbacks) show in Twilio's
      // debugger as 11200 too; failed TwiML requests are reported by the call or message.
      if (!result.ok && !result.dropped && NOTIFICATIONS.has(request.kind)) {
        this.reportError({
          at: this.clock.now().toISOString(),
          code: result.status === null ? 11205 : 11200,
          message: `${request.kind} callback failed: ${result.status === null ? (result.error ?? 'no answer') : `the service answered ${result.status}`}`,
          url: result.url,
          ...(request.params.CallSid ? { callSid: request.params.CallSid } : {}),
          ...(request.params.MessageSid ? { messageSid: request.params.MessageSid } : {}),
        });
      }
      return result;
    });
    this.#track(promise);
    return promise;
  }

  reportError(error: SimError): void {
    this.errors.push(error);
    this.#log('warn', `twilio-sim error ${error.code}: ${error.message}`, error);
    this.changed();
  }

  reportPolicyError(phone: Phone, error: unknown): void {
    this.reportError({ at: this.clock.now().toISOString(), code: 0, message: `answer policy of ${phone.number} failed: ${String(error)}` });
  }

  addRecording(recording: Recording): void {
    this.recordings.set(recording.sid, recording);
  }

  ring(call: SimCall): void {
    this.phone(call.to).receiveCall(call);
    this.changed();
  }

  // ---------------------------------------------------------------------------------------------
  // Phones

  /** The phone with this number; phones not given in the options are created on first use. */
  phone(number: string): Phone {
    let phone = this.#phones.get(number);
    if (!phone) {
      phone = new Phone(this, number);
      this.#phones.set(number, phone);
    }
    return phone;
  }

  /** Whether the number was marked invalid (the REST API then refuses it with 21211); creates no phone. */
  isMarkedInvalid(number: string): boolean {
    return this.#phones.get(number)?.invalid ?? false;
  }

  get phones(): Phone[] {
    return [...this.#phones.values()];
  }

  /** Whether a number belongs to the account (a standby number). With no list, every number does. */
  ownsNumber(number: string): boolean {
    return this.standbyNumbers.length === 0 || this.standbyNumbers.includes(number);
  }

  // ---------------------------------------------------------------------------------------------
  // Messages

  /** Creates an outbound message in `queued`; `startDelivery` moves it on (after the REST answer is out). */
  createOutboundMessage(request: OutboundMessageRequest): SimMessage {
    const now = this.clock.now();
    const message: SimMessage = {
      sid: newSid('SM'),
      direction: request.direction,
      from: request.from,
      to: request.to,
      body: request.body,
      media: request.media,
      status: 'queued',
      statusHistory: ['queued'],
      errorCode: null,
      errorMessage: null,
      dateCreated: now,
      dateUpdated: now,
      dateSent: null,
      statusCallback: request.statusCallback,
    };
    this.messages.set(message.sid, message);
    this.changed();
    return message;
  }

  /**
   * Carries a queued message to its phone: queued → sent → delivered (or failed/undelivered), each
   * status after the first called back in order. As Twilio: "A status callback request is not sent
   * for the initial status of a newly created Message resource" (queued, which the create's answer
   * already said; Outbound Message Status in Status Callbacks, Twilio docs).
   */
  startDelivery(message: SimMessage): void {
    void this.enqueue(message.sid, async () => {
      const phone = this.phone(message.to);
      if (phone.smsDelivery === 'failed') {
        await this.#setMessageStatus(message, 'failed');
        return;
      }
      message.dateSent = this.clock.now();
      await this.#setMessageStatus(message, 'sent');
      if (phone.smsDelivery === 'undelivered') {
        await this.#setMessageStatus(message, 'undelivered');
        return;
      }
      phone.receiveSms(message);
      await this.#setMessageStatus(message, 'delivered');
    });
  }

  async #setMessageStatus(message: SimMessage, status: MessageStatus): Promise<void> {
    message.status = status;
    message.statusHistory.push(status);
    message.dateUpdated = this.clock.now();
    if (status === 'failed' || status === 'undelivered') {
      message.errorCode = DELIVERY_ERRORS[status].code;
      message.errorMessage = DELIVERY_ERRORS[status].message;
    }
    this.changed();
    await this.#messageStatusCallback(message);
  }

  async #messageStatusCallback(message: SimMessage): Promise<void> {
    if (!message.statusCallback) return;
    const params: Record<string, string> = {
      AccountSid: this.accountSid,
      ApiVersion: '2010-04-01',
      From: message.from,
      MessageSid: message.sid,
      MessageStatus: message.status,
      SmsSid: message.sid,
      SmsStatus: message.status,
      To: message.to,
    };
    if (message.errorCode !== null) params.ErrorCode = String(message.errorCode);
    if (message.status === 'delivered') params.RawDlrDoneDate = formatDlrDate(this.clock.now());
    await this.webhook({ kind: 'message-status', url: message.statusCallback.url, method: message.statusCallback.method, params, summary: `${message.sid} ${message.status} → ${message.to}` });
  }

  /** A phone texts the service: its SMS webhook gets the message, and any TwiML `<Message>` in the answer is sent back. */
  async sendSms(from: Phone, to: string, body: string): Promise<SimMessage> {
    this.#assertStandby(to, 'text');
    if (body === '') throw new Error('cannot send an empty text');
    const now = this.clock.now();
    const message: SimMessage = {
      sid: newSid('SM'),
      direction: 'inbound',
      from: from.number,
      to,
      body,
      media: [],
      status: 'received',
      statusHistory: ['received'],
      errorCode: null,
      errorMessage: null,
      dateCreated: now,
      dateUpdated: now,
      dateSent: now,
      statusCallback: undefined,
    };
    this.messages.set(message.sid, message);
    from.sent.push(message);
    this.changed();
    const params: Record<string, string> = {
      AccountSid: this.accountSid,
      ApiVersion: '2010-04-01',
      Body: body,
      From: from.number,
      FromCountry: countryOf(from.number),
      MessageSid: message.sid,
      NumMedia: '0',
      NumSegments: String(segments(body)),
      SmsMessageSid: message.sid,
      SmsSid: message.sid,
      SmsStatus: 'received',
      To: to,
      ToCountry: countryOf(to),
    };
    const work = this.#deliverInbound(message, params);
    this.#track(work);
    await work;
    return message;
  }

  async #deliverInbound(message: SimMessage, params: Record<string, string>): Promise<void> {
    let url = this.entryUrl('sms');
    let method: HttpMethod = 'POST';
    for (let hop = 0; hop < 10; hop++) {
      const result = await this.webhook({ kind: hop === 0 ? 'sms' : 'sms-redirect', url, method, params, summary: `SMS ${message.from} → ${message.to}: ${message.body}` });
      if (!result.ok) {
        this.reportError({ at: this.clock.now().toISOString(), code: result.status === null ? 11205 : 11200, message: result.status === null ? `HTTP connection failure: ${result.error ?? ''}` : `HTTP retrieval failure: the service answered ${result.status}`, messageSid: message.sid, url: result.url });
        return;
      }
      let verbs;
      try {
        verbs = /^text\/plain/i.test(result.contentType) && !result.body.trim().startsWith('<') ? textReply(result.body) : parseMessagingTwiml(result.body);
      } catch (error) {
        if (!(error instanceof TwimlError)) throw error;
        this.reportError({ at: this.clock.now().toISOString(), code: error.code, message: error.message, messageSid: message.sid, url });
        return;
      }
      let redirect: { url: string; method: HttpMethod } | undefined;
      for (const verb of verbs) {
        if (verb.verb === 'Redirect') {
          redirect = { url: resolveUrl(verb.url, url), method: verb.method };
          break;
        }
        const reply = this.createOutboundMessage({
          from: verb.from ?? message.to,
          to: verb.to ?? message.from,
          body: verb.body,
          media: verb.media,
          statusCallback: verb.statusCallback ? { url: resolveUrl(verb.statusCallback, url), method: verb.method } : undefined,
          direction: 'outbound-reply',
        });
        this.startDelivery(reply);
      }
      if (!redirect) return;
      url = redirect.url;
      method = redirect.method;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Calls

  /** A phone calls a standby number: the service's voice webhook answers it. */
  placeCall(from: Phone, to: string): SimCall {
    this.#assertStandby(to, 'call');
    const statusPath = this.#options.voiceStatusPath;
    const call = new SimCall(this, {
      direction: 'inbound',
      from: from.number,
      to,
      first: { type: 'fetch', url: this.entryUrl('voice'), method: 'POST', params: {}, kind: 'voice' },
      ...(statusPath ? { statusCallback: { url: this.serviceBaseUrl + statusPath, method: 'POST', events: new Set(['completed']) } } : {}),
    });
    this.calls.set(call.sid, call);
    from.outgoingCalls.push(call);
    // The run loop lives as long as the call; `idle()` watches the call's phase instead.
    void call.start();
    this.changed();
    return call;
  }

  /** The service places a call through REST; `start` (after the REST answer is out) makes it ring. */
  createOutboundCall(init: Omit<NewCall, 'direction'>): SimCall {
    const call = new SimCall(this, { ...init, direction: 'outbound-api' });
    this.calls.set(call.sid, call);
    this.changed();
    return call;
  }

  startCall(call: SimCall): void {
    void call.start();
  }

  entryUrl(kind: 'sms' | 'voice'): string {
    return this.serviceBaseUrl + (kind === 'sms' ? this.#options.smsPath : this.#options.voicePath);
  }

  #assertStandby(to: string, what: string): void {
    if (!this.ownsNumber(to)) {
      throw new Error(`cannot ${what} ${to}: the simulator only connects phones to the standby numbers (${this.standbyNumbers.join(', ')})`);
    }
  }

  #log(level: 'info' | 'warn', msg: string, obj: object): void {
    const log = this.#options.log;
    if (!log) return;
    if (typeof log === 'function') log(level, msg, obj);
    else log[level](obj, msg);
  }
}

/** A plain-text answer to an SMS webhook is sent back as the reply, as Twilio does. */
function textReply(body: string): ReturnType<typeof parseMessagingTwiml> {
  const text = body.trim();
  if (text === '') return [];
  return [{ verb: 'Message', body: text, media: [], to: undefined, from: undefined, action: undefined, method: 'POST', statusCallback: undefined }];
}

/** GSM-7 texts take 160 characters per segment (153 when split); others 70 (67). */
function segments(body: string): number {
  // eslint-disable-next-line no-control-regex
  const gsm = /^[\u0000-\u007f¡£¤¥§¿ÄÅÆÇÉÑÖØÜßàäåæèéìñòöøùü]*$/.test(body);
  const single = gsm ? 160 : 70;
  const multi = gsm ? 153 : 67;
  const length = [...body].length;
  return length <= single ? 1 : Math.ceil(length / multi);
}

/** The carrier's delivery-receipt date, as Twilio forwards it: YYMMDDhhmm. */
function formatDlrDate(instant: Date): string {
  const iso = instant.toISOString();
  return iso.slice(2, 4) + iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(11, 13) + iso.slice(14, 16);
}
