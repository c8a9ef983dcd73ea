import type { Clock } from '../src/clock.js';

/** What a failing REST request answers: Twilio's 500 or its 429 (code 20429) with an optional Retry-After. */
export interface RestFailure {
  status: 500 | 429;
  retryAfterSeconds?: number;
}

/**
 * Where a slow Twilio spends its time: before it acts on a request (`request`: a client that gives
 * up meanwhile leaves nothing done) or after, answering late (`answer`: a client that gives up, or
 * dies, does not know the message or call was made).
 */
export type LatencyOf = 'request' | 'answer';

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
   * Every REST API request takes `ms` longer (real time: this is for client timeouts and clients
   * that die waiting): by default before Twilio acts on it; with `{ of: 'answer' }` Twilio acts at
   * once and only the answer is late. 0 turns it off.
   */
  latency(ms: number, options?: { of?: LatencyOf }): void;
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
  #latency: { ms: number; of: LatencyOf } = { ms: 0, of: 'request' };
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

  latency(ms: number, options: { of?: LatencyOf } = {}): void {
    this.#latency = { ms: Math.max(0, ms), of: options.of ?? 'request' };
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
    this.#latency = { ms: 0, of: 'request' };
    this.#drop = 0;
    this.#duplicateStatus = 0;
    this.#webhookReplays = [];
  }

  /** The delay that applies at this point of a request: before acting on it, or before answering. */
  latencyOf(point: LatencyOf): number {
    return this.#latency.of === point ? this.#latency.ms : 0;
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
