/**
 * Writes asked for while an earlier one is under way go together in the next: under load, many
 * callers share one statement (one round trip, one commit, one connection) instead of each
 * taking a connection and a commit of its own; a caller alone is written at once. Each caller
 * gets its own result, or the error of the statement it was part of.
 *
 * `write` receives the inputs in the order they were asked for and returns one result per input,
 * in the same order. At most `maxBatch` inputs go into one call and at most `maxInFlight` calls
 * run at once.
 */
export class WriteTogether<In, Out> {
  #waiting: Array<{ input: In; done: (out: Out) => void; failed: (error: unknown) => void }> = [];
  #inFlight = 0;

  constructor(
    private readonly write: (inputs: In[]) => Promise<Out[]>,
    private readonly limits: { maxBatch: number; maxInFlight: number },
  ) {}

  run(input: In): Promise<Out> {
    return new Promise<Out>((done, failed) => {
      this.#waiting.push({ input, done, failed });
      if (this.#inFlight < this.limits.maxInFlight) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#inFlight += 1;
    try {
      while (this.#waiting.length > 0) {
        const batch = this.#waiting.splice(0, this.limits.maxBatch);
        try {
          const results = await this.write(batch.map((b) => b.input));
          if (results.length !== batch.length) throw new Error(`a write together returned ${results.length} results for ${batch.length} inputs`);
          batch.forEach((b, i) => b.done(results[i]!));
        } catch (error) {
          for (const b of batch) b.failed(error);
        }
      }
    } finally {
      this.#inFlight -= 1;
    }
  }
}
