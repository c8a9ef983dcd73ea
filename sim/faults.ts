/** What a failing REST request answers: Twilio's 500 or its 429 (code 20429) with an optional Retry-After. */
export interface RestFailure {
  status: 500 | 429;
  retryAfterSeconds?: number;
}

/**
 * Fault injection for reliability tests. Each counter is consumed by the exchanges it applies to,
 * in the order they happen, so "the next 2 requests" means exactly that.
 */
export interface FaultControls {
  /** The next `n` REST API requests (after authentication) fail with 500 or 429. */
  failNext(n: number, failure?: RestFailure): void;
  /** Every REST API response is delayed by `ms` (real time: this is for client timeouts). 0 turns it off. */
  latency(ms: number): void;
  /** The next `n` status callbacks (message and call) are not sent at all. */
  dropStatusCallbacks(n: number): void;
  /** The next `n` status callbacks are sent twice, identically. */
  duplicateStatusCallbacks(n: number): void;
  /**
   * The next `n` webhooks that ask the service for TwiML (incoming SMS and call, Gather/Record
   * actions, redirects) are delivered twice with the same parameters and idempotency token, as a
   * Twilio retry is; the second answer is the one the call or conversation follows.
   */
  duplicateWebhooks(n: number): void;
  /** Clears every fault. */
  reset(): void;
}

export class Faults implements FaultControls {
  #restFailures: RestFailure[] = [];
  #latencyMs = 0;
  #drop = 0;
  #duplicateStatus = 0;
  #duplicateWebhooks = 0;

  failNext(n: number, failure: RestFailure = { status: 500 }): void {
    for (let i = 0; i < n; i++) this.#restFailures.push({ ...failure });
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

  duplicateWebhooks(n: number): void {
    this.#duplicateWebhooks += n;
  }

  reset(): void {
    this.#restFailures = [];
    this.#latencyMs = 0;
    this.#drop = 0;
    this.#duplicateStatus = 0;
    this.#duplicateWebhooks = 0;
  }

  get latencyMs(): number {
    return this.#latencyMs;
  }

  takeRestFailure(): RestFailure | undefined {
    return this.#restFailures.shift();
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

  takeWebhookDuplicate(): boolean {
    if (this.#duplicateWebhooks <= 0) return false;
    this.#duplicateWebhooks--;
    return true;
  }
}
