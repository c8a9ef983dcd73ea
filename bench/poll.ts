import { setTimeout as delay } from 'node:timers/promises';

export interface PollOptions {
  /** Gives up after this long and throws. */
  timeoutMs: number;
  /** How often the condition is checked; 100 ms by default. */
  intervalMs?: number;
  /** What was awaited, for the error: "the level-2 pages of 3 incidents". */
  what: string;
  /** What was seen instead, for the error: called once, on timeout. */
  seen?: () => string | Promise<string>;
}

/**
 * Checks `probe` until it returns something other than `undefined`, and returns that. A probe
 * that throws counts as "not yet" (Postgres may be the thing that is down). On timeout it throws,
 * naming what was awaited and what was seen (or the probe's last error): a wait that gives up
 * fails loudly. Nothing here sleeps to let time pass; the deadline only bounds the wait.
 */
export async function pollUntil<T>(probe: () => Promise<T | undefined> | T | undefined, options: PollOptions): Promise<T> {
  const deadline = performance.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (performance.now() >= deadline) throw new Error(`timed out after ${(options.timeoutMs / 1000).toFixed(1)} s waiting for ${options.what}; ${await describeSeen(options, lastError)}`);
    await delay(options.intervalMs ?? 100);
  }
}

async function describeSeen(options: PollOptions, lastError: unknown): Promise<string> {
  const failure = lastError === undefined ? '' : `the last check failed: ${lastError instanceof Error ? lastError.message : String(lastError)}`;
  if (!options.seen) return failure || 'it never happened';
  const seen = await Promise.resolve()
    .then(options.seen)
    .catch((error: unknown) => `(could not tell: ${error instanceof Error ? error.message : String(error)})`);
  return [`seen: ${seen}`, failure].filter(Boolean).join('; ');
}
