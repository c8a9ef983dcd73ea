import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify';
import twilio from 'twilio';
import { z } from 'zod';
import type { Deps } from '../../../app/deps.js';
import { enqueueAfterCommit } from '../../../app/effects.js';
import { handleIncomingSms, handleIncomingTexts, type IncomingSms, type IncomingSmsAnswer } from '../../../app/incoming-sms.js';
import { transaction, type Tx } from '../../../db/client.js';
import { claimDeferredText, claimDeferredTexts, forgetDeferredTexts, TextKeeper, type DeferredText } from '../../../db/deferred-texts.js';
import { LANGUAGES, messages } from '../../../domain/i18n/index.js';
import { DEFAULT_SMS_LANGUAGE, guessLanguage } from '../../../domain/sms/index.js';
import { Admission } from '../../admission.js';
import { handleKeptWebhooks, registerWebhook, type WebhookAnswer } from './webhook.js';

const reply = (texts: readonly string[]) => {
  const response = new twilio.twiml.MessagingResponse();
  for (const text of texts) response.message(text);
  return response.toString();
};

const COULD_NOT_READ = 'Sorry, we could not read your message. Please try again, or call this number.';

/** The answer to a text kept for later, per language: rendered once, as a storm answers thousands. */
const received = new Map(LANGUAGES.map((language) => [language, reply([messages(language).sms.received()])]));

/** How often a web process looks for texts kept by others (or before it started), when it has room. */
const DRAIN_EVERY_MS = 1000;

const PATH = '/twilio/sms';

/**
 * `POST /twilio/sms`, the entry webhook for texts to a standby number. An engineer's number is
 * working an incident (commands, relays); anyone else is a customer (intake, follow-ups).
 *
 * At most `INTAKE_CONCURRENCY` texts are handled at once; a text that cannot start within
 * `INTAKE_MAX_WAIT_MS` is kept in Postgres (texts kept together share an insert) and answered at
 * once that it was received; it is handled as soon as there is room, at its arrival instant, and
 * its answers follow by SMS. So however many texts arrive, each is answered in time and none is
 * lost. (Postgres unreachable is another matter: that text is parked in Redis, see `parked`.)
 */
export const smsWebhook = (deps: Deps): FastifyPluginAsync => async (app) => {
  const admission = new Admission(deps.config.INTAKE_CONCURRENCY, deps.config.INTAKE_MAX_WAIT_MS);
  const keeper = new TextKeeper(deps.database.db);
  const drain = drainDeferredTexts(deps, admission, app.log);
  app.addHook('onReady', async () => drain.start());
  app.addHook('onClose', async () => drain.stop());

  registerWebhook(app, deps, {
    path: PATH,
    sid: 'MessageSid',
    schema: z.object({ MessageSid: z.string().min(1), From: z.string().min(1), To: z.string().min(1), Body: z.string().optional() }),
    fallback: () => reply([COULD_NOT_READ]),
    // Said in every language: without Postgres we do not know whose phone this is.
    parked: () => reply([LANGUAGES.map((language) => messages(language).sms.receivedDuringOutage()).join(' / ')]),
    handle: async (ctx) => webhookAnswerOf(await handleIncomingSms(ctx.tx, deps, incomingSmsOf(ctx.params), ctx.now)),
    handleTogether: async (tx, requests) => {
      const together = await handleIncomingTexts(
        tx,
        deps,
        requests.map((r) => ({ sms: incomingSmsOf(r.params), now: r.now })),
      );
      return { answers: together.answers.map((answer) => answer && webhookAnswerOf(answer)), after: together.after };
    },
    admission: {
      limit: admission,
      busy: async ({ key, params, now }) => {
        // Nothing is looked up for a busy text: its language is guessed from its words.
        const answer = received.get(guessLanguage(params.Body ?? '') ?? DEFAULT_SMS_LANGUAGE)!;
        await keeper.keep({ receiptKey: key, fromPhone: params.From ?? '', params, answer, receivedAt: now });
        drain.kick();
        return answer;
      },
    },
  });
};

const incomingSmsOf = (params: Record<string, string>): IncomingSms => ({ from: params.From ?? '', to: params.To ?? '', body: params.Body ?? '', messageSid: params.MessageSid ?? '' });

const webhookAnswerOf = (answer: IncomingSmsAnswer): WebhookAnswer =>
  answer.outcome === 'answered' ? { twiml: reply(answer.replies), after: answer.after, replies: answer.replies } : { twiml: reply([COULD_NOT_READ]), after: [] };

/** Kept texts handled in one transaction: they share its claim, its forgetting and its commit. */
const DRAIN_BATCH = 50;

/**
 * Handles the oldest kept texts of up to `DRAIN_BATCH` senders (each sender's texts in arrival
 * order) as if each had just arrived, and forgets them in the same commit. Should the batch fail,
 * each of its texts is tried on its own, so one that cannot be handled holds back no other.
 * Returns how many were handled (0: none was waiting).
 */
async function handleDeferredTexts(deps: Deps, log: FastifyBaseLogger): Promise<number> {
  const claimed: number[] = [];
  try {
    return await handleKept(deps, async (tx) => {
      const kept = await claimDeferredTexts(tx, DRAIN_BATCH);
      claimed.splice(0, claimed.length, ...kept.map((text) => text.id));
      return kept;
    });
  } catch (error) {
    if (claimed.length <= 1) throw error;
    log.warn({ err: error }, 'a batch of kept texts failed; handling them one by one');
    let handled = 0;
    for (const id of claimed) {
      handled += await handleKept(deps, (tx) => claimDeferredText(tx, id)).catch((one: unknown) => {
        log.error({ err: one, deferredTextId: id }, 'could not handle a kept text; trying again shortly');
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
      kept.map((text) => ({ path: PATH, receiptKey: text.receiptKey, params: text.params, receivedAt: text.receivedAt })),
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

/**
 * Works through the kept texts whenever a turn is free and no request waits for one, in batches,
 * several at once up to half the admission's turns: when a text is kept, when a turn comes free while texts may be
 * waiting, and every `DRAIN_EVERY_MS` (texts kept by another process, or before a restart).
 */
function drainDeferredTexts(deps: Deps, admission: Admission, log: FastifyBaseLogger) {
  /** Whether a kept text may be waiting: looked for again only when one was kept, or on the timer. */
  let maybeWaiting = true;
  /** Counts the signals that a text may be waiting, so a search that found none started before one does not silence it. */
  let signals = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const running = new Set<Promise<void>>();

  // Kept texts take at most half the turns, so a new text finds one free at once.
  const most = Math.max(1, Math.floor(admission.concurrency / 2));
  const kick = () => {
    while (maybeWaiting && !stopped && running.size < most && admission.tryEnterIdle()) {
      const signalled = signals;
      const handling: Promise<void> = handleDeferredTexts(deps, log)
        .catch((error: unknown) => {
          log.error({ err: error }, 'could not handle kept texts; trying again shortly');
          return 0;
        })
        .then((handled) => {
          if (handled === 0 && signals === signalled) maybeWaiting = false;
          running.delete(handling);
          admission.leave();
        });
      running.add(handling);
    }
  };
  const unsubscribe = admission.onIdle(kick);
  return {
    kick: () => {
      signals++;
      maybeWaiting = true;
      kick();
    },
    start: () => {
      timer = setInterval(() => {
        signals++;
        maybeWaiting = true;
        kick();
      }, DRAIN_EVERY_MS);
      timer.unref();
      kick();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      unsubscribe();
      await Promise.all(running);
    },
  };
}
