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

  constructor(
    readonly concurrency: number,
    readonly maxWaitMs: number,
  ) {}

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
    if (this.#active < this.concurrency && this.#waiting.length === 0) {
      this.#active++;
      return Promise.resolve(true);
    }
    if (this.maxWaitMs <= 0 || this.#waiting.length >= this.concurrency) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const granted = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        const at = this.#waiting.indexOf(granted);
        if (at >= 0) this.#waiting.splice(at, 1);
        resolve(false);
      }, this.maxWaitMs);
      this.#waiting.push(granted);
    });
  }

  /** A turn only if one is free and nobody waits for it (background work never delays a request). */
  tryEnterIdle(): boolean {
    if (this.#active >= this.concurrency || this.#waiting.length > 0) return false;
    this.#active++;
    return true;
  }

  /** Gives the turn back: to the longest waiting request, else it is free. */
  leave(): void {
    const next = this.#waiting.shift();
    if (next) return next();
    this.#active--;
    for (const listener of this.#idleListeners) listener();
  }

  /** Called each time a turn comes free with nobody waiting; returns the unsubscribe. */
  onIdle(listener: () => void): () => void {
    this.#idleListeners.add(listener);
    return () => this.#idleListeners.delete(listener);
  }
}
