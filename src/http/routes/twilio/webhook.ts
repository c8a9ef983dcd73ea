import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import twilio from 'twilio';
import type { z } from 'zod';
import type { Deps } from '../../../app/deps.js';
import { enqueueAfterCommit, type AfterCommit } from '../../../app/effects.js';
import type { Tx } from '../../../db/client.js';
import { answerOnce, receiptKey } from '../../../db/webhook-receipts.js';
import type { Admission } from '../../admission.js';
import { verifyTwilioSignature } from '../../plugins/twilio-signature.js';

export interface WebhookContext {
  tx: Tx;
  /** Every form parameter Twilio sent. */
  params: Record<string, string>;
  /** The webhook's arrival, read once: for a first contact, the SLA clocks start here. */
  now: Date;
  query: Record<string, string | undefined>;
}

export interface WebhookAnswer {
  /** TwiML (a VoiceResponse or MessagingResponse rendered), or '' for an empty 204-like answer. */
  twiml: string;
  after: AfterCommit[];
}

export interface WebhookRoute {
  path: string;
  /** The parameter naming the Twilio resource: receipts are keyed by it. */
  sid: 'CallSid' | 'MessageSid' | 'SmsSid';
  /** The parameters this webhook needs; a request without them gets the fallback and writes nothing. */
  schema?: z.ZodType;
  /** What a person hears or reads when the request is malformed or the service fails. */
  fallback: (params: Record<string, string>) => string;
  handle: (ctx: WebhookContext) => Promise<WebhookAnswer>;
  /**
   * Bounds the work in flight: the request waits its turn (see `Admission`). One that gets none in
   * time is answered by `busy` at once, without being worked on now (`busy` must keep it for
   * later); without `busy` it is worked on all the same, late but never lost.
   */
  admission?: { limit: Admission; busy?: (request: BusyRequest) => Promise<string> };
}

/** A webhook turned away by the admission: what `busy` needs to keep it and answer it. */
export interface BusyRequest {
  /** Its receipt key: what the request's handling will be answered under once it is done. */
  key: string;
  params: Record<string, string>;
  now: Date;
}

export const emptyVoice = () => new twilio.twiml.VoiceResponse().toString();
export const emptyMessaging = () => new twilio.twiml.MessagingResponse().toString();

/**
 * Registers a Twilio webhook: the signature is checked first (403, nothing written), then the
 * handler runs once per delivery inside one transaction with its receipt — a replay gets the
 * stored TwiML and changes nothing — and its wake-ups are enqueued after commit. A malformed
 * request or a failure answers valid TwiML that tells the person what to do.
 */
export function registerWebhook(app: FastifyInstance, deps: Deps, route: WebhookRoute): void {
  app.post(route.path, { schema: { hide: true } }, async (request: FastifyRequest, reply: FastifyReply) => {
    const params = verifyTwilioSignature(request, deps.config.PUBLIC_BASE_URL, deps.config.TWILIO_AUTH_TOKEN);
    const now = deps.clock.now();
    const sid = params[route.sid] ?? params.SmsSid ?? params.MessageSid ?? params.CallSid;
    const valid = route.schema ? route.schema.safeParse({ ...params, ...(request.query as object) }) : { success: true as const };
    if (!sid || !valid.success) {
      request.log.warn({ path: route.path, issues: valid.success ? 'no SID' : valid.error.issues }, 'malformed Twilio webhook: answered with the fallback');
      return reply.type('text/xml').send(route.fallback(params));
    }
    const key = receiptKey(sid, request.url, params);
    const turn = route.admission ? await route.admission.limit.enter() : false;
    if (route.admission?.busy && !turn) {
      try {
        return reply.type('text/xml').send(await route.admission.busy({ key, params, now }));
      } catch (error) {
        request.log.error({ err: error, path: route.path }, 'busy webhook could not be kept; answered with the fallback');
        return reply.type('text/xml').send(route.fallback(params));
      }
    }
    let result: Awaited<ReturnType<typeof answerOnce<AfterCommit>>>;
    try {
      result = await answerOnce(deps.database.db, key, async (tx) => {
        const answer = await route.handle({ tx, params, now, query: request.query as Record<string, string | undefined> });
        return { answer: { statusCode: 200, contentType: 'text/xml', body: answer.twiml }, after: answer.after };
      });
    } catch (error) {
      request.log.error({ err: error, path: route.path }, 'webhook failed; answered with the fallback');
      return reply.type('text/xml').send(route.fallback(params));
    } finally {
      // The turn is the database work's: the wake-ups below only wait on Redis.
      if (turn) route.admission!.limit.leave();
    }
    await enqueueAfterCommit(deps.scheduler, result.after, request.log);
    return reply.code(result.answer.statusCode).type(result.answer.contentType).send(result.answer.body);
  });
}
