import type { Deps } from '../app/deps.js';

export interface RunningWorker {
  /** Stops taking jobs and waits for the ones in flight to finish. */
  close(): Promise<void>;
}

/** Starts the BullMQ workers of the `worker` role. */
export async function startWorker(deps: Deps): Promise<RunningWorker> {
  deps.logger.info('worker started');
  return { close: async () => undefined };
}
