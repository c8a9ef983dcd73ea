import type { CallEnd, SimCall, UnansweredStatus } from './call.js';
import type { SimMessage } from './message.js';
import { describePattern, matches, waitUntil, type Subscribe } from './wait.js';

export type PhoneKind = 'customer' | 'engineer' | 'admin' | 'other';

/**
 * What a phone does when the service calls it. `manual` (the default) rings until the test or
 * the /sim page decides; the others decide at once; a function decides however it likes.
 */
export type AnswerPolicy = 'manual' | 'answer' | 'no-answer' | 'busy' | 'fail' | ((ringing: Ringing) => void | Promise<void>);

/** How texts to this phone end: delivered, failed before sending (30008), or undelivered by the carrier (30003). */
export type SmsDelivery = 'deliver' | 'failed' | 'undelivered';

/** What a phone needs from the simulator. */
export interface PhoneHost {
  subscribe: Subscribe;
  sendSms(from: Phone, to: string, body: string): Promise<SimMessage>;
  placeCall(from: Phone, to: string): SimCall;
  reportPolicyError(phone: Phone, error: unknown): void;
}

/**
 * A person's phone in the simulation. Tests read like that person: `await ana.sendSms(standby,
 * 'BLOCKER salesforce down')`, `await eng.expectSms(/ACK/)`, `const ring = await eng.expectCall()`.
 */
export class Phone {
  /** Texts this phone received, oldest first. */
  readonly inbox: SimMessage[] = [];
  /** Texts this phone sent, oldest first. */
  readonly sent: SimMessage[] = [];
  /** Calls the service placed to this phone, oldest first. */
  readonly incomingCalls: SimCall[] = [];
  /** Calls this phone placed, oldest first. */
  readonly outgoingCalls: SimCall[] = [];

  smsDelivery: SmsDelivery = 'deliver';
  /** When set, the REST API refuses this number as a destination with 21211, as Twilio does an invalid or unverified number. */
  invalid = false;

  readonly #host: PhoneHost;
  readonly #consumedSms = new Set<string>();
  readonly #claimedCalls = new Set<string>();
  #policy: AnswerPolicy;

  constructor(
    host: PhoneHost,
    readonly number: string,
    readonly name: string = number,
    readonly kind: PhoneKind = 'other',
    policy: AnswerPolicy = 'manual',
  ) {
    this.#host = host;
    this.#policy = policy;
  }

  // ---------------------------------------------------------------------------------------------
  // Texts

  /** Texts `to` (a standby number): the service receives it on its SMS webhook. Resolves once the service answered. */
  sendSms(to: string, body: string): Promise<SimMessage> {
    return this.#host.sendSms(this, to, body);
  }

  /**
   * Waits for a text to this phone matching `pattern` that no earlier `expectSms` consumed, and
   * consumes it. This waits for the service's asynchronous work, bounded by `timeoutMs` (5 s).
   */
  expectSms(pattern: RegExp | string, options: { timeoutMs?: number } = {}): Promise<SimMessage> {
    return waitUntil({
      subscribe: this.#host.subscribe,
      timeoutMs: options.timeoutMs ?? 5000,
      check: () => {
        const found = this.inbox.find((message) => !this.#consumedSms.has(message.sid) && matches(pattern, message.body));
        if (found) this.#consumedSms.add(found.sid);
        return found;
      },
      describe: () => `expected ${this.name} (${this.number}) to receive a text matching ${describePattern(pattern)}; unread texts: ${this.#describe(this.unreadSms())}`,
    });
  }

  /** Texts received and not yet consumed by `expectSms`. */
  unreadSms(): SimMessage[] {
    return this.inbox.filter((message) => !this.#consumedSms.has(message.sid));
  }

  /** Makes texts to this phone fail (`failed`, 30008) or go undelivered (`undelivered`, 30003). */
  failSmsDelivery(mode: 'failed' | 'undelivered' = 'failed'): this {
    this.smsDelivery = mode;
    return this;
  }

  /** Texts to this phone are delivered again. */
  restoreSmsDelivery(): this {
    this.smsDelivery = 'deliver';
    return this;
  }

  /** Makes the REST API refuse this number (21211), or accept it again. */
  markInvalid(invalid = true): this {
    this.invalid = invalid;
    return this;
  }

  // ---------------------------------------------------------------------------------------------
  // Calls

  /** Calls `to` (a standby number): the service receives the call on its voice webhook. */
  async call(to: string): Promise<SimCall> {
    return this.#host.placeCall(this, to);
  }

  /** Waits for a call from the service that no earlier `expectCall` claimed. */
  expectCall(options: { timeoutMs?: number } = {}): Promise<Ringing> {
    return waitUntil({
      subscribe: this.#host.subscribe,
      timeoutMs: options.timeoutMs ?? 5000,
      check: () => {
        const found = this.incomingCalls.find((call) => !this.#claimedCalls.has(call.sid));
        if (!found) return undefined;
        this.#claimedCalls.add(found.sid);
        return new Ringing(found);
      },
      describe: () => `expected ${this.name} (${this.number}) to be called; calls so far: ${this.incomingCalls.length}`,
    });
  }

  /** Sets what this phone does when the service calls it. */
  autoAnswer(policy: AnswerPolicy): this {
    this.#policy = policy;
    return this;
  }

  get answerPolicy(): AnswerPolicy {
    return this.#policy;
  }

  // ---------------------------------------------------------------------------------------------
  // Called by the simulator

  /** @internal */
  receiveSms(message: SimMessage): void {
    this.inbox.push(message);
  }

  /** @internal */
  receiveCall(call: SimCall): void {
    this.incomingCalls.push(call);
    const policy = this.#policy;
    if (policy === 'manual') return;
    const ringing = new Ringing(call);
    try {
      switch (policy) {
        case 'answer':
          void ringing.answer();
          break;
        case 'no-answer':
          void ringing.noAnswer();
          break;
        case 'busy':
          void ringing.busy();
          break;
        case 'fail':
          void ringing.fail();
          break;
        default:
          Promise.resolve(policy(ringing)).catch((error: unknown) => this.#host.reportPolicyError(this, error));
      }
    } catch (error) {
      this.#host.reportPolicyError(this, error);
    }
  }

  #describe(messages: SimMessage[]): string {
    if (messages.length === 0) return '(none)';
    return messages.map((message) => JSON.stringify(message.body)).join(', ');
  }
}

/** An outbound call ringing on a phone: the person answers, lets it ring out, is busy, or it fails. */
export class Ringing {
  constructor(readonly call: SimCall) {}

  get sid(): string {
    return this.call.sid;
  }

  get from(): string {
    return this.call.from;
  }

  get to(): string {
    return this.call.to;
  }

  /** Picks up: the call goes in-progress and the service's TwiML plays. */
  async answer(): Promise<SimCall> {
    if (!this.call.answered) this.#decide('answer');
    return this.call;
  }

  /** Lets it ring until the call's Timeout: it ends as no-answer. */
  noAnswer(): Promise<CallEnd> {
    return this.#end('no-answer');
  }

  /** Declines / is on another call: it ends as busy. */
  busy(): Promise<CallEnd> {
    return this.#end('busy');
  }

  /** The network cannot reach the phone: it ends as failed. */
  fail(): Promise<CallEnd> {
    return this.#end('failed');
  }

  #end(status: UnansweredStatus): Promise<CallEnd> {
    this.#decide(status);
    return this.call.ended;
  }

  #decide(decision: 'answer' | UnansweredStatus): void {
    this.call.decideRinging(decision);
  }
}
