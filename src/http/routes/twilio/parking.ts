import type { Deps } from '../../../app/deps.js';
import type { Logger } from '../../../logger.js';

/** A signed Twilio request that arrived while Postgres was unreachable, kept to be handled later. */
export interface ParkedWebhook {
  path: string;
  /** The URL Twilio signed (path and query), for the receipt key. */
  url: string;
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  /** The webhook's arrival: for a first contact, the SLA clocks start here, not at the replay. */
  arrivedAt: string;
}

const key = (deps: Pick<Deps, 'scheduler'>) => `${deps.scheduler.prefix}:parked-webhooks`;

/**
 * Keeps a webhook Postgres could not take, in Redis (durable enough for minutes; Redis is the other
 * store we have). Throws when Redis cannot take it either: the caller then answers the fallback.
 */
export async function parkWebhook(deps: Pick<Deps, 'scheduler'>, webhook: ParkedWebhook): Promise<void> {
  await deps.scheduler.connection.rpush(key(deps), JSON.stringify(webhook));
}

/** How many webhooks wait for Postgres now (for `/metrics`). */
export async function parkedCount(deps: Pick<Deps, 'scheduler'>): Promise<number> {
  return deps.scheduler.connection.llen(key(deps));
}

/**
 * Replays parked webhooks, oldest first, each through its route as if it had just arrived (with
 * its original arrival time), then removes it. A replay is idempotent by its receipt, so two web
 * processes replaying the same entry, or a crash between the replay and the removal, change
 * nothing twice. Stops at the first one Postgres still cannot take.
 */
export async function replayParked(
  deps: Pick<Deps, 'scheduler'>,
  replay: (webhook: ParkedWebhook) => Promise<void>,
  stillUnavailable: (error: unknown) => boolean,
  log: Logger,
  batch = 50,
): Promise<number> {
  const entries = await deps.scheduler.connection.lrange(key(deps), 0, batch - 1);
  let done = 0;
  for (const entry of entries) {
    let webhook: ParkedWebhook;
    try {
      webhook = JSON.parse(entry) as ParkedWebhook;
    } catch {
      log.error('a parked webhook could not be read; dropped');
      await deps.scheduler.connection.lrem(key(deps), 1, entry);
      continue;
    }
    try {
      await replay(webhook);
    } catch (error) {
      if (stillUnavailable(error)) throw error;
      // Not an outage but this request itself: set aside (kept for a person), so it cannot block the rest.
      log.error({ err: error, path: webhook.path }, 'a parked webhook failed on replay; moved to the failed list');
      await deps.scheduler.connection.rpush(`${key(deps)}:failed`, entry);
    }
    await deps.scheduler.connection.lrem(key(deps), 1, entry);
    done += 1;
  }
  if (done > 0) log.info({ replayed: done }, 'replayed webhooks parked while Postgres was unreachable');
  return done;
}

/** How often a web process looks for parked webhooks to replay. */
export const REPLAY_EVERY_MS = 1000;

/**
 * The web process's replay timer: every `REPLAY_EVERY_MS` it replays what was parked, as soon as
 * Postgres (and Redis) answer again. Errors are expected during the outage; logged once per kind.
 */
export function startReplaying(deps: Pick<Deps, 'scheduler'>, replay: (webhook: ParkedWebhook) => Promise<void>, stillUnavailable: (error: unknown) => boolean, log: Logger): { stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  let lastError = '';
  const loop = () => {
    if (stopped) return;
    running = replayParked(deps, replay, stillUnavailable, log)
      .then(() => (lastError = ''))
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        if (message !== lastError) log.warn({ err: error }, 'parked webhooks not replayed yet; retrying');
        lastError = message;
      })
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, REPLAY_EVERY_MS);
      });
  };
  timer = setTimeout(loop, REPLAY_EVERY_MS);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
