import type { FastifyPluginAsync } from 'fastify';
import { and, eq, isNull } from 'drizzle-orm';
import twilio from 'twilio';
import { z } from 'zod';
import type { Deps } from '../../../app/deps.js';
import { handleEngineerSms } from '../../../app/engineer-sms.js';
import { handleCustomerSms } from '../../../app/intake-sms.js';
import { engineers } from '../../../db/schema.js';
import { LANGUAGES, messages } from '../../../domain/i18n/index.js';
import { normalisePhone } from '../../../domain/phone.js';
import { registerWebhook } from './webhook.js';

const reply = (texts: readonly string[]) => {
  const response = new twilio.twiml.MessagingResponse();
  for (const text of texts) response.message(text);
  return response.toString();
};

/**
 * `POST /twilio/sms`, the entry webhook for texts to a standby number. An engineer's number is
 * working an incident (commands, relays); anyone else is a customer (intake, follow-ups).
 */
export const smsWebhook = (deps: Deps): FastifyPluginAsync => async (app) => {
  registerWebhook(app, deps, {
    path: '/twilio/sms',
    sid: 'MessageSid',
    schema: z.object({ MessageSid: z.string().min(1), From: z.string().min(1), To: z.string().min(1), Body: z.string().optional() }),
    fallback: () => reply(['Sorry, we could not read your message. Please try again, or call this number.']),
    // Said in every language: without Postgres we do not know whose phone this is.
    parked: () => reply([LANGUAGES.map((language) => messages(language).sms.receivedDuringOutage()).join(' / ')]),
    handle: async (ctx) => {
      const from = normalisePhone(ctx.params.From ?? '');
      const to = normalisePhone(ctx.params.To ?? '');
      if (!from.ok || !to.ok) return { twiml: reply(['Sorry, we could not read your message. Please try again, or call this number.']), after: [] };
      const [engineer] = await ctx.tx.select().from(engineers).where(and(eq(engineers.phone, from.e164), isNull(engineers.archivedAt)));
      if (engineer) {
        const answer = await handleEngineerSms(ctx.tx, deps, engineer, ctx.params.Body ?? '', ctx.params.MessageSid ?? '', ctx.now);
        return { twiml: reply(answer.reply ? [answer.reply] : []), after: answer.after, replies: answer.reply ? [answer.reply] : [] };
      }
      const answer = await handleCustomerSms(ctx.tx, deps, { from: from.e164, to: to.e164, body: ctx.params.Body ?? '', messageSid: ctx.params.MessageSid ?? '' }, ctx.now);
      return { twiml: reply(answer.replies), after: answer.after, replies: answer.replies };
    },
  });
};
