import type { Deps } from '../../../app/deps.js';
import { enqueueAfterCommit } from '../../../app/effects.js';
import { transaction, type Tx } from '../../../db/client.js';
import { backOffDeferredText, claimDeferredText, claimDeferredTexts, forgetDeferredTexts, listenForKeptTexts, type DeferredText } from '../../../db/deferred-texts.js';
import type { Logger } from '../../../logger.js';
import { handleKeptWebhooks } from './webhook.js';

/** The SMS webhook's path: kept texts are requests to it. */
export const SMS_PATH = '/twilio/sms';

/** Kept texts handled in one transaction: they share its claim, most of its statements, and its commit. */
const DRAIN_BATCH = 50;

/** How often kept texts are looked for without being told (a notification missed while Postgres reconnected). */
const DRAIN_EVERY_MS = 1000;

/** When a process may work on a batch of kept texts. */
export interface KeptTextTurns {
  /** Batches at once, at most. */
  most: number;
  /** Takes a turn for a batch; false when there is none to spare now. */
  take(): boolean;
  /** Gives the turn back. */
  give(): void;
}

/**
 * Works through the kept texts (see `smsWebhook`) whenever `turns` has one to spare: when told
 * (`kick`: a text was kept; `resume`: a turn came free), when Postgres says texts were kept (by any web
 * process), and every `DRAIN_EVERY_MS` besides (texts kept before a restart, or a notification
 * missed while reconnecting). Up to `turns.most` batches at once, each of up to `DRAIN_BATCH`
 * texts from distinct senders, each sender's texts in arrival order.
 */
export function startKeptTexts(deps: Deps, log: Logger, turns: KeptTextTurns): { kick(): void; resume(): void; stop(): Promise<void> } {
  /** Whether a kept text may be waiting: looked for again only when told, or on the timer. */
  let maybeWaiting = true;
  /** Counts the signals that a text may be waiting, so a search that found none started before one does not silence it. */
  let signals = 0;
  let stopped = false;
  const running = new Set<Promise<void>>();
  const runWhileWaiting = () => {
    while (maybeWaiting && !stopped && running.size < turns.most && turns.take()) {
      const signalled = signals;
      const handling: Promise<void> = handleKeptTexts(deps, log)
        .catch((error: unknown) => {
          log.error({ err: error }, 'could not handle kept texts; trying again shortly');
          return 0;
        })
        .then((handled) => {
          if (handled === 0 && signals === signalled) maybeWaiting = false;
          running.delete(handling);
          turns.give();
        });
      running.add(handling);
    }
  };
  const kick = () => {
    signals++;
    maybeWaiting = true;
    runWhileWaiting();
  };
  // Not waited for: without it the timer still finds the texts (the driver listens again after a reconnect).
  listenForKeptTexts(deps.database, () => stopped || kick()).catch((error: unknown) => log.warn({ err: error }, 'not told of kept texts; looking every second'));
  const timer = setInterval(kick, DRAIN_EVERY_MS);
  timer.unref();
  runWhileWaiting();
  return {
    /** A text was kept: look now. */
    kick,
    /** A turn came free: go on if texts may be waiting. */
    resume: runWhileWaiting,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await Promise.all(running);
    },
  };
}

/**
 * Handles the oldest kept texts of up to `DRAIN_BATCH` senders (each sender's texts in arrival
 * order) as if each had just arrived, and forgets them in the same commit. Should the batch fail,
 * each of its texts is tried on its own, so one that cannot be handled holds back no other; that
 * one backs off (`backOffDeferredText`) and stays kept. Returns how many were handled (0: none
 * was waiting).
 */
async function handleKeptTexts(deps: Deps, log: Logger): Promise<number> {
  const claimed: number[] = [];
  try {
    return await handleKept(deps, async (tx) => {
      const kept = await claimDeferredTexts(tx, DRAIN_BATCH, deps.clock.now());
      claimed.splice(0, claimed.length, ...kept.map((text) => text.id));
      return kept;
    });
  } catch (error) {
    if (claimed.length === 0) throw error;
    log.warn({ err: error, texts: claimed.length }, 'a batch of kept texts failed; handling them one by one');
    let handled = 0;
    for (const id of claimed) {
      handled += await handleKept(deps, (tx) => claimDeferredText(tx, id)).catch(async (one: unknown) => {
        const failures = await backOffDeferredText(deps.database.db, id, deps.clock.now()).catch(() => null);
        log.error({ err: one, deferredTextId: id, failures }, 'could not handle a kept text; it is tried again later, backing off');
        return 0;
      });
    }
    return handled;
  }
}

/** Handles the kept texts `claim` locks, in one transaction; returns how many. */
async function handleKept(deps: Deps, claim: (tx: Tx) => Promise<DeferredText[]>): Promise<number> {
  const { handled, after } = await transaction(deps.database.db, async (tx) => {
    const kept = await claim(tx);
    const after = await handleKeptWebhooks(
      tx,
      deps,
      kept.map((text) => ({ path: SMS_PATH, receiptKey: text.receiptKey, params: text.params, receivedAt: text.receivedAt })),
    );
    await forgetDeferredTexts(
      tx,
      kept.map((text) => text.id),
    );
    return { handled: kept.length, after };
  });
  await enqueueAfterCommit(deps, after, deps.logger);
  return handled;
}
