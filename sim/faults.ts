import type { Clock } from '../src/clock.js';

/** What a failing REST request answers: Twilio's 500 or its 429 (code 20429) with an optional Retry-After. */
export interface RestFailure {
  status: 500 | 429;
  retryAfterSeconds?: number;
}

/** How a webhook is replayed: `copies` deliveries in all, one after the other or all at once. */
export interface WebhookReplay {
  copies: number;
  concurrent: boolean;
}

/**
 * Fault injection for reliability tests. Each counter is consumed by the exchanges it applies to,
 * in the order they happen, so "the next 2 requests" means exactly that.
 */
export interface FaultControls {
  /** The next `n` REST API requests (after authentication) fail with 500 or 429. */
  failNext(n: number, failure?: RestFailure): void;
  /**
   * An outage: every REST API request (after authentication) fails with 500 or 429 until the
   * simulator's clock reaches `until`. A later call replaces the window; `failNext` counts first.
   */
  failUntil(until: Date, failure?: RestFailure): void;
  /** `failUntil` `ms` from now by the simulator's clock (real time unless the simulator was given a manual clock). */
  failFor(ms: number, failure?: RestFailure): void;
  /**
   * Every REST API answer is delayed by `ms` (real time: this is for client timeouts and clients that
   * die waiting). The request is carried out at once, as Twilio does whether or not the client
   * waits for the answer. 0 turns it off.
   */
  latency(ms: number): void;
  /** The next `n` status callbacks (message and call) are not sent at all. */
  dropStatusCallbacks(n: number): void;
  /** The next `n` status callbacks are sent twice, identically. */
  duplicateStatusCallbacks(n: number): void;
  /**
   * The next `n` webhooks that ask the service for TwiML (incoming SMS and call, Gather/Record
   * actions, redirects) are delivered twice with the same parameters and idempotency token, as a
   * Twilio retry is; the last answer is the one the call or conversation follows. With
   * `{ copies: 3, concurrent: true }` each is delivered three times at once, as retries that race
   * the first delivery.
   */
  duplicateWebhooks(n: number, replay?: Partial<WebhookReplay>): void;
  /** Clears every fault. */
  reset(): void;
}

export class Faults implements FaultControls {
  #restFailures: RestFailure[] = [];
  #outage: { until: number; failure: RestFailure } | undefined;
  #latencyMs = 0;
  #drop = 0;
  #duplicateStatus = 0;
  #webhookReplays: WebhookReplay[] = [];

  constructor(private readonly clock: Clock) {}

  failNext(n: number, failure: RestFailure = { status: 500 }): void {
    for (let i = 0; i < n; i++) this.#restFailures.push({ ...failure });
  }

  failUntil(until: Date, failure: RestFailure = { status: 500 }): void {
    this.#outage = { until: until.getTime(), failure: { ...failure } };
  }

  failFor(ms: number, failure: RestFailure = { status: 500 }): void {
    this.failUntil(new Date(this.clock.now().getTime() + ms), failure);
  }

  latency(ms: number): void {
    this.#latencyMs = Math.max(0, ms);
  }

  dropStatusCallbacks(n: number): void {
    this.#drop += n;
  }

  duplicateStatusCallbacks(n: number): void {
    this.#duplicateStatus += n;
  }

  duplicateWebhooks(n: number, replay: Partial<WebhookReplay> = {}): void {
    const copies = Math.max(2, replay.copies ?? 2);
    for (let i = 0; i < n; i++) this.#webhookReplays.push({ copies, concurrent: replay.concurrent ?? false });
  }

  reset(): void {
    this.#restFailures = [];
    this.#outage = undefined;
    this.#latencyMs = 0;
    this.#drop = 0;
    this.#duplicateStatus = 0;
    this.#webhookReplays = [];
  }

  get latencyMs(): number {
    return this.#latencyMs;
  }

  /** The failure this REST request gets, and the fault's name for the traffic log. */
  takeRestFailure(): { failure: RestFailure; fault: string } | undefined {
    const next = this.#restFailures.shift();
    if (next) return { failure: next, fault: `failNext ${next.status}` };
    if (this.#outage && this.clock.now().getTime() < this.#outage.until) return { failure: this.#outage.failure, fault: `outage ${this.#outage.failure.status}` };
    return undefined;
  }

  takeStatusCallbackFault(): 'drop' | 'duplicate' | undefined {
    if (this.#drop > 0) {
      this.#drop--;
      return 'drop';
    }
    if (this.#duplicateStatus > 0) {
      this.#duplicateStatus--;
      return 'duplicate';
    }
    return undefined;
  }

  takeWebhookReplay(): WebhookReplay | undefined {
    return this.#webhookReplays.shift();
  }
}
