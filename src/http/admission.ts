/**
 * How much intake work a web process takes on at once. At most `concurrency` requests are worked
 * on together; the others wait their turn in arrival order, each at most `maxWaitMs`, and no more
 * than `concurrency` of them (one that would wait behind as many as can work at once would not get
 * its turn in time). A request that gets no turn is refused (`enter` resolves false) so that its
 * caller can answer it another way without doing the work: the process never queues more work
 * than it can do while the sender still waits, however many requests arrive.
 *
 * Background work (draining what was put aside) takes a turn only when nobody is waiting
 * (`tryEnterIdle`), and `onIdle` tells it when a turn came free with nobody waiting.
 */
export class Admission {
  #active = 0;
  readonly #waiting: Array<() => void> = [];
  readonly #idleListeners = new Set<() => void>();
  /** When the last `storm.refusals` refusals happened (`performance.now()`), oldest first. */
  readonly #refusedAt: number[] = [];
  /** Until when a storm is on. */
  #stormUntil = 0;
  #stormEnd: NodeJS.Timeout | undefined;

  constructor(
    readonly concurrency: number,
    readonly maxWaitMs: number,
    /**
     * A storm: `refusals` refusals within `windowMs`. While one is on (and `quietMs` after the last
     * refusal that kept it on), one request at a time is worked on, none waits, and background
     * work gets no turn: the process spends itself on answering (each refused request is answered
     * at once, and its work done later, cheaper, many together).
     */
    readonly storm?: { refusals: number; windowMs: number; quietMs: number },
  ) {}

  /** Whether a storm is on (see `storm`). */
  get storming(): boolean {
    return performance.now() < this.#stormUntil;
  }

  /** Requests being worked on now. */
  get active(): number {
    return this.#active;
  }

  /** Requests waiting for a turn now. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Takes a turn: true once it has one (call `leave` when done), false if none came within `maxWaitMs`. */
  enter(): Promise<boolean> {
    const storming = this.storming;
    if (this.#active < (storming ? 1 : this.concurrency) && this.#waiting.length === 0) {
      this.#active++;
      return Promise.resolve(true);
    }
    if (storming || this.maxWaitMs <= 0 || this.#waiting.length >= this.concurrency) return Promise.resolve(this.#refused());
    return new Promise<boolean>((resolve) => {
      const granted = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        const at = this.#waiting.indexOf(granted);
        if (at >= 0) this.#waiting.splice(at, 1);
        resolve(this.#refused());
      }, this.maxWaitMs);
      this.#waiting.push(granted);
    });
  }

  /** A turn only if one is free, nobody waits for it and no storm is on (background work never delays a request). */
  tryEnterIdle(): boolean {
    if (!this.#spare()) return false;
    this.#active++;
    return true;
  }

  /** Counts a refusal towards a storm; returns false (the refusal). */
  #refused(): false {
    if (!this.storm) return false;
    const now = performance.now();
    this.#refusedAt.push(now);
    if (this.#refusedAt.length > this.storm.refusals) this.#refusedAt.shift();
    if (this.#refusedAt.length === this.storm.refusals && now - this.#refusedAt[0]! <= this.storm.windowMs) {
      this.#stormUntil = now + this.storm.quietMs;
      // When it is over, background work hears that turns are free again.
      clearTimeout(this.#stormEnd);
      this.#stormEnd = setTimeout(() => this.#tellIdle(), this.storm.quietMs + 1);
      this.#stormEnd.unref?.();
    }
    return false;
  }

  /** A turn background work may take: free, nobody waiting for it, no storm on. */
  #spare(): boolean {
    return this.#active < this.concurrency && this.#waiting.length === 0 && !this.storming;
  }

  #tellIdle(): void {
    if (!this.#spare()) return;
    for (const listener of this.#idleListeners) listener();
  }

  /** Gives the turn back: to the longest waiting request, else it is free. */
  leave(): void {
    const next = this.#waiting.shift();
    if (next) return next();
    this.#active--;
    this.#tellIdle();
  }

  /** Called each time a turn comes free with nobody waiting; returns the unsubscribe. */
  onIdle(listener: () => void): () => void {
    this.#idleListeners.add(listener);
    return () => this.#idleListeners.delete(listener);
  }
}
