/** The one source of `now`. Use cases read it once per request or job and pass the instant down. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = {
  // eslint-disable-next-line no-restricted-syntax -- the single place that reads the system time
  now: () => new Date(Date.now()),
};

/** A clock that only moves when told to: tests and the simulator's fast-forward. */
export class ManualClock implements Clock {
  #now: Date;

  constructor(start: Date | string) {
    this.#now = new Date(start);
  }

  now(): Date {
    return new Date(this.#now);
  }

  set(instant: Date | string): void {
    this.#now = new Date(instant);
  }

  advance(ms: number): Date {
    this.#now = new Date(this.#now.getTime() + ms);
    return this.now();
  }

  advanceMinutes(minutes: number): Date {
    return this.advance(minutes * 60_000);
  }
}
