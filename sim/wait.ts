/** Subscribes to "something changed" notifications; returns the unsubscribe function. */
export type Subscribe = (listener: () => void) => () => void;

export interface WaitOptions<T> {
  subscribe: Subscribe;
  /** Returns the awaited value once the condition holds. */
  check: () => T | undefined;
  /** Returns a reason when the condition can no longer become true, to fail at once instead of at the timeout. */
  hopeless?: () => string | undefined;
  timeoutMs: number;
  /** Describes what was awaited and what was seen, for the timeout error. */
  describe: () => string;
}

/**
 * Waits for asynchronous work (a webhook answered, a message delivered) by re-checking a condition
 * on every change notification. The timeout is only a bound on a test that would otherwise hang:
 * nothing here sleeps to let time pass.
 */
export function waitUntil<T>(options: WaitOptions<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const handles: { timer?: ReturnType<typeof setTimeout>; unsubscribe?: () => void } = {};
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(handles.timer);
      handles.unsubscribe?.();
      outcome();
    };
    const evaluate = (): void => {
      if (settled) return;
      try {
        const value = options.check();
        if (value !== undefined) {
          finish(() => resolve(value));
          return;
        }
        const reason = options.hopeless?.();
        if (reason !== undefined) finish(() => reject(new Error(reason)));
      } catch (error) {
        finish(() => reject(error instanceof Error ? error : new Error(String(error))));
      }
    };
    handles.unsubscribe = options.subscribe(evaluate);
    handles.timer = setTimeout(() => finish(() => reject(new Error(`timed out after ${options.timeoutMs} ms: ${options.describe()}`))), options.timeoutMs);
    evaluate();
  });
}

/** Describes a pattern for error messages. */
export function describePattern(pattern: RegExp | string): string {
  return typeof pattern === 'string' ? JSON.stringify(pattern) : String(pattern);
}

/** Strings match as substrings, case-sensitively; regular expressions as themselves. */
export function matches(pattern: RegExp | string, text: string): boolean {
  if (typeof pattern === 'string') return text.includes(pattern);
  pattern.lastIndex = 0;
  return pattern.test(text);
}
