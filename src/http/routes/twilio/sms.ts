import type { FastifyPluginAsync } from 'fastify';
import twilio from 'twilio';
import { z } from 'zod';
import type { Deps } from '../../../app/deps.js';
import { handleIncomingSms, handleIncomingTexts, type IncomingSms, type IncomingSmsAnswer } from '../../../app/incoming-sms.js';
import { TextKeeper } from '../../../db/deferred-texts.js';
import { LANGUAGES, messages } from '../../../domain/i18n/index.js';
import { DEFAULT_SMS_LANGUAGE, guessLanguage } from '../../../domain/sms/index.js';
import { Admission } from '../../admission.js';
import { registerWebhook, type WebhookAnswer, type WebhookRoute } from './webhook.js';
import { SMS_PATH, startKeptTexts } from './kept-texts.js';

const reply = (texts: readonly string[]) => {
  const response = new twilio.twiml.MessagingResponse();
  for (const text of texts) response.message(text);
  return response.toString();
};

const COULD_NOT_READ = 'Sorry, we could not read your message. Please try again, or call this number.';

/** The answer to a text kept for later, per language: rendered once, as a storm answers thousands. */
const received = new Map(LANGUAGES.map((language) => [language, reply([messages(language).sms.received()])]));

/**
 * A storm of texts: 20 kept within 250 ms (80 a second more than the process could take on). While
 * it lasts, and 100 ms after, the process handles one text at a time and keeps the rest at once,
 * so it spends itself on answering: at 1,000 texts a second each text handled on arrival cost the
 * answers of about fifteen kept ones, and the answers came late (see `Admission`). 100 ms, not
 * 300: a burst's kept texts are handled 0.2 s sooner, and at 1,000/s the answers' p99 stayed 0.5 s.
 */
const STORM = { refusals: 20, windowMs: 250, quietMs: 100 };

/**
 * `POST /twilio/sms`, the entry webhook for texts to a standby number. An engineer's number is
 * working an incident (commands, relays); anyone else is a customer (intake, follow-ups).
 *
 * At most `INTAKE_CONCURRENCY` texts are handled at once; a text that cannot start within
 * `INTAKE_MAX_WAIT_MS` is kept in Postgres (texts kept together share an insert) and answered at
 * once that it was received; it is handled as soon as this process (or another web process) has
 * a turn nobody waits for, many to a transaction, at its arrival instant (see `kept-texts.ts`),
 * and its answers follow by SMS. So however many texts arrive,
 * each is answered in time and none is lost. (Postgres unreachable is another matter: that text
 * is parked in Redis, see `parked`.)
 */
export const smsWebhook = (deps: Deps): FastifyPluginAsync => async (app) => {
  const admission = new Admission(deps.config.INTAKE_CONCURRENCY, deps.config.INTAKE_MAX_WAIT_MS, STORM);
  const keeper = new TextKeeper(deps.database.db);
  const keptCount = countKept(deps);
  // Kept texts take turns nobody waits for, at most half of them, so a new text finds one free at once.
  let keptTexts: ReturnType<typeof startKeptTexts> | undefined;
  let unsubscribe = (): unknown => undefined;
  app.addHook('onReady', async () => {
    keptTexts = startKeptTexts(deps, deps.logger, { most: Math.max(1, Math.floor(admission.concurrency / 2)), take: () => admission.tryEnterIdle(), give: () => admission.leave() });
    unsubscribe = admission.onIdle(() => keptTexts?.resume());
  });
  app.addHook('onClose', async () => {
    unsubscribe();
    await keptTexts?.stop();
  });
  registerWebhook(app, deps, {
    ...smsRoute(deps),
    admission: {
      limit: admission,
      busy: async ({ key, params, now }) => {
        // Nothing is looked up for a busy text: its language is guessed from its words.
        const answer = received.get(guessLanguage(params.Body ?? '') ?? DEFAULT_SMS_LANGUAGE)!;
        await keeper.keep({ receiptKey: key, fromPhone: params.From ?? '', params, answer, receivedAt: now });
        keptCount();
        keptTexts?.kick();
        return answer;
      },
    },
  });
};

/** How texts to a standby number are handled, on arrival (web) or later (kept, parked), one by one or many at once. */
function smsRoute(deps: Deps): WebhookRoute {
  return {
    path: SMS_PATH,
    sid: 'MessageSid',
    schema: z.object({ MessageSid: z.string().min(1), From: z.string().min(1), To: z.string().min(1), Body: z.string().optional() }),
    fallback: () => reply([COULD_NOT_READ]),
    // Said in every language: without Postgres we do not know whose phone this is.
    parked: () => reply([LANGUAGES.map((language) => messages(language).sms.receivedDuringOutage()).join(' / ')]),
    handle: async (ctx) => webhookAnswerOf(await handleIncomingSms(ctx.tx, deps, incomingSmsOf(ctx.params), ctx.now)),
    // A text's handling keeps its effects in the transaction: its claim goes with its first statements.
    claimAlong: true,
    handleTogether: async (tx, requests, claimed) => {
      const together = await handleIncomingTexts(
        tx,
        deps,
        requests.map((r) => ({ sms: incomingSmsOf(r.params), now: r.now })),
        claimed,
      );
      return { answers: together.answers.map((answer) => answer && webhookAnswerOf(answer)), after: together.after };
    },
  };
}

const incomingSmsOf = (params: Record<string, string>): IncomingSms => ({ from: params.From ?? '', to: params.To ?? '', body: params.Body ?? '', messageSid: params.MessageSid ?? '' });

const webhookAnswerOf = (answer: IncomingSmsAnswer): WebhookAnswer =>
  answer.outcome === 'answered' ? { twiml: reply(answer.replies), after: answer.after, replies: answer.replies } : { twiml: reply([COULD_NOT_READ]), after: [] };

/**
 * Counts the texts kept (their request lines are at debug) and logs, at most once a second while
 * texts are being kept, how many were: a storm is one line a second in the log, not thousands.
 */
function countKept(deps: Deps): () => void {
  let kept = 0;
  let timer: NodeJS.Timeout | undefined;
  const report = () => {
    deps.logger.info({ kept, everyMs: KEPT_REPORT_EVERY_MS }, `kept ${kept} text(s) for handling in batches (answered at once: the process was at capacity)`);
    kept = 0;
    timer = undefined;
  };
  return () => {
    kept += 1;
    if (!timer) {
      timer = setTimeout(report, KEPT_REPORT_EVERY_MS);
      timer.unref();
    }
  };
}

const KEPT_REPORT_EVERY_MS = 1000;
