import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import twilio from 'twilio';
import type { z } from 'zod';
import type { Deps } from '../../../app/deps.js';
import { enqueueAfterCommit, type AfterCommit } from '../../../app/effects.js';
import { transaction, writeLater, type Executor, type Tx } from '../../../db/client.js';
import { answerClaimedIn, answerOnceAlongIn, answerOnceIn, claimReceipts, receiptKey, recordAnswers, storedAnswer, WebhookReplayed } from '../../../db/webhook-receipts.js';
import { isDatabaseUnavailable } from '../../../db/client.js';
import type { Admission } from '../../admission.js';
import { queueOutbounds, type Outbound } from '../../../app/outbound.js';
import { sendPriority } from '../../../domain/escalation/send-priority.js';
import { parkWebhook, type ParkedWebhook } from './parking.js';
import { verifyTwilioSignature } from '../../plugins/twilio-signature.js';

export interface WebhookContext {
  tx: Tx;
  /** Every form parameter Twilio sent. */
  params: Record<string, string>;
  /** The webhook's arrival, read once: for a first contact, the SLA clocks start here. */
  now: Date;
  query: Record<string, string | undefined>;
}

/** What a `recordOnce` handler gets: no transaction, but the receipt key to write in its one statement. */
export interface RecordOnceContext extends Omit<WebhookContext, 'tx'> {
  /** The pool (or the caller's transaction, when a kept request is handled inside one). */
  db: Executor;
  receiptKey: string;
}

export interface WebhookAnswer {
  /** TwiML (a VoiceResponse or MessagingResponse rendered), or '' for an empty 204-like answer. */
  twiml: string;
  after: AfterCommit[];
  /**
   * The texts this answer gives the sender (SMS routes). When the request is a replay of one
   * parked during an outage, the sender already had the outage answer: these go out as SMS.
   */
  replies?: string[];
}

export interface WebhookRoute {
  path: string;
  /** The parameter naming the Twilio resource: receipts are keyed by it. */
  sid: 'CallSid' | 'MessageSid' | 'SmsSid';
  /** The parameters this webhook needs; a request without them gets the fallback and writes nothing. */
  schema?: z.ZodType;
  /** What a person hears or reads when the request is malformed or the service fails. */
  fallback: (params: Record<string, string>) => string;
  /**
   * When Postgres stays unreachable past the answer budget: the signed request is parked in Redis,
   * replayed into Postgres when it returns, and this is answered now (the truth: received, what
   * will follow). Without it the fallback is answered and nothing is kept.
   */
  parked?: (params: Record<string, string>) => string;
  /** Handles the request inside one transaction with its receipt (which the framework writes). */
  handle?: (ctx: WebhookContext) => Promise<WebhookAnswer>;
  /**
   * With `handle`: the receipt's claim goes to Postgres with `handle`'s first statements (one round
   * trip), so `handle` runs before it is known whether the request is a replay; a replay rolls back
   * what `handle` wrote and gets the stored answer (`answerOnceAlongIn`). For hot routes whose
   * handling keeps every effect in the transaction or after commit.
   */
  claimAlong?: boolean;
  /**
   * With `handle`, for kept requests handled many at a time (see `handleKeptWebhooks`): handles
   * several in the caller's transaction, each at its arrival instant, and answers each; null for
   * one it did not take (with nothing written for it), which `handle` then gets on its own.
   */
  handleTogether?: (
    tx: Tx,
    requests: ReadonlyArray<{ params: Record<string, string>; now: Date }>,
    /** Whether each request was claimed (its receipt written now): the claim is under way, sent before this; one not claimed is left alone. */
    claimed: Promise<readonly boolean[]>,
  ) => Promise<{ answers: Array<WebhookAnswer | null>; after: AfterCommit[] }>;
  /**
   * Instead of `handle`, for hot webhooks whose whole effect fits one statement (delivery reports):
   * writes the request's receipt itself, under `ctx.receiptKey`, in that statement, on the pool,
   * and changes nothing when the receipt already exists.
   */
  recordOnce?: (ctx: RecordOnceContext) => Promise<WebhookAnswer>;
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

const RETRY_PAUSE_MS = 250;

/** Answers sent later by SMS go with customer notices: after every page, before relays (see sendPriority). */
const REPLY_PRIORITY = sendPriority('high', 'customer_notice');

/** How each webhook request ended, for the latency metric (read by the app's onResponse hook). */
export const webhookOutcomes = new WeakMap<FastifyRequest, 'answered' | 'kept' | 'parked' | 'fallback'>();

/** The webhook routes of each running app (by its deps), so parked requests can be replayed through them. */
const routesByApp = new WeakMap<Deps, Map<string, WebhookRoute>>();

export function webhookRoutesOf(deps: Deps): ReadonlyMap<string, WebhookRoute> {
  return routesByApp.get(deps) ?? new Map();
}

/** Makes a route's handling reachable for requests handled later (kept or parked), also where no server listens (a worker). */
function rememberWebhookRoute(deps: Deps, route: WebhookRoute): void {
  const routes = routesByApp.get(deps) ?? new Map<string, WebhookRoute>();
  routesByApp.set(deps, routes.set(route.path, route));
}

interface Delivery {
  url: string;
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  now: Date;
  /** A parked request handled later: its replies go out as SMS. */
  replayed: boolean;
}

/** Runs a delivery once (receipt), in one transaction (or its one statement); on a replay, queues its replies as texts. */
async function deliver(deps: Deps, route: WebhookRoute, sid: string, d: Delivery) {
  if (route.recordOnce) return recordOnceIn(deps.database.db, route, sid, d);
  try {
    return await transaction(deps.database.db, (tx) => deliverIn(tx, deps, route, sid, d));
  } catch (error) {
    // Handled already (see `claimAlong`): what it wrote was rolled back; the first answer stands.
    if (error instanceof WebhookReplayed) return { answer: await storedAnswer(deps.database.db, error.key), after: [], replay: true };
    throw error;
  }
}

/** A `recordOnce` route's delivery: its one statement writes the receipt too. */
async function recordOnceIn(db: Executor, route: WebhookRoute, sid: string, d: Delivery, key = receiptKey(sid, d.url, d.params)) {
  const answer = await route.recordOnce!({ db, params: d.params, now: d.now, query: d.query, receiptKey: key });
  return { answer: { statusCode: 200, contentType: 'text/xml', body: answer.twiml }, after: answer.after, replay: false };
}

/**
 * `deliver` inside the caller's transaction, under the receipt `key` (by default the request's
 * own); `claimed`: the caller claimed the receipt already (`claimReceipts`).
 */
async function deliverIn(tx: Tx, deps: Deps, route: WebhookRoute, sid: string, d: Delivery, key = receiptKey(sid, d.url, d.params), claimed = false) {
  if (route.recordOnce) return recordOnceIn(tx, route, sid, d, key);
  const handle = route.handle!;
  const work = async (tx: Tx) => {
    const answer = await handle({ tx, params: d.params, now: d.now, query: d.query });
    const after = [...answer.after];
    const queued = await queueOutbounds(tx, d.replayed ? repliesAsTexts(sid, d, answer.replies) : []);
    after.push(...queued.flatMap((q) => q.after));
    return { answer: { statusCode: 200, contentType: 'text/xml', body: answer.twiml }, after };
  };
  if (claimed) return { ...(await answerClaimedIn(tx, key, work)), replay: false };
  return route.claimAlong ? { ...(await answerOnceAlongIn(tx, key, work)), replay: false } : answerOnceIn(tx, key, work);
}

/** The answers of a request handled after its sender was answered (kept, parked), as texts to them. */
function repliesAsTexts(sid: string, d: Pick<Delivery, 'params' | 'now'>, replies: readonly string[] = []): Outbound[] {
  if (!d.params.From || !d.params.To) return [];
  return replies.map((body, i) => ({ incidentId: null, engineerId: null, kind: 'reply', channel: 'sms', to: d.params.From!, from: d.params.To!, body, priority: REPLY_PRIORITY, dedupeKey: `replay:${sid}:${i}`, now: d.now }));
}

/** Tries the delivery until it commits or the budget is spent, as long as Postgres is only unreachable. */
async function deliverWithinBudget(deps: Deps, route: WebhookRoute, sid: string, d: Delivery, budgetMs: number) {
  const started = performance.now();
  for (;;) {
    try {
      return await deliver(deps, route, sid, d);
    } catch (error) {
      if (!isDatabaseUnavailable(error) || performance.now() - started + RETRY_PAUSE_MS >= budgetMs) throw error;
      await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
    }
  }
}

/**
 * Registers a Twilio webhook: the signature is checked first (403, nothing written), then the
 * handler runs once per delivery inside one transaction with its receipt — a replay gets the
 * stored TwiML and changes nothing — and its wake-ups are enqueued after commit. Postgres
 * unreachable: the delivery is tried again within `WEBHOOK_RETRY_BUDGET_MS` (8 s: Twilio waits
 * 15 s), then parked for replay
 * (routes that say how to answer it) or answered with the fallback. A malformed request or a
 * failure answers valid TwiML that tells the person what to do.
 */
export function registerWebhook(app: FastifyInstance, deps: Deps, route: WebhookRoute): void {
  if (!route.handle === !route.recordOnce) throw new Error(`${route.path}: a webhook has either handle or recordOnce`);
  rememberWebhookRoute(deps, route);
  app.post(route.path, { schema: { hide: true } }, async (request: FastifyRequest, reply: FastifyReply) => {
    const params = verifyTwilioSignature(request, deps.config.PUBLIC_BASE_URL, deps.config.TWILIO_AUTH_TOKEN);
    const now = deps.clock.now();
    const sid = sidOf(route, params);
    const query = request.query as Record<string, string | undefined>;
    const valid = route.schema ? route.schema.safeParse({ ...params, ...query }) : { success: true as const };
    if (!sid || !valid.success) {
      request.log.warn({ path: route.path, issues: valid.success ? 'no SID' : valid.error.issues }, 'malformed Twilio webhook: answered with the fallback');
      return reply.type('text/xml').send(route.fallback(params));
    }
    const turn = route.admission ? await route.admission.limit.enter() : false;
    if (route.admission?.busy && !turn) {
      try {
        const answer = await route.admission.busy({ key: receiptKey(sid, request.url, params), params, now });
        webhookOutcomes.set(request, 'kept');
        return reply.type('text/xml').send(answer);
      } catch (error) {
        request.log.error({ err: error, path: route.path }, 'busy webhook could not be kept; handled now');
      }
    }
    try {
      const result = await deliverWithinBudget(deps, route, sid, { url: request.url, params, query, now, replayed: false }, deps.config.WEBHOOK_RETRY_BUDGET_MS);
      webhookOutcomes.set(request, 'answered');
      // Answered on commit, without waiting for Redis: what the wake-ups wake is in Postgres (the
      // reconciler enqueues any Redis lost), and the enqueue goes out alongside the answer.
      reply.code(result.answer.statusCode).type(result.answer.contentType).send(result.answer.body);
      await enqueueAfterCommit(deps, result.after, request.log);
      return reply;
    } catch (error) {
      if (route.parked && isDatabaseUnavailable(error)) {
        try {
          await parkWebhook(deps, { path: route.path, url: request.url, params, query, arrivedAt: now.toISOString() });
          request.log.warn({ path: route.path }, 'Postgres unreachable: webhook parked for replay');
          webhookOutcomes.set(request, 'parked');
          return reply.type('text/xml').send(route.parked(params));
        } catch (parkError) {
          request.log.error({ err: parkError, path: route.path }, 'Postgres and Redis unreachable: webhook could not be parked');
        }
      }
      request.log.error({ err: error, path: route.path }, 'webhook failed; answered with the fallback');
      webhookOutcomes.set(request, 'fallback');
      return reply.type('text/xml').send(route.fallback(params));
    } finally {
      if (turn) route.admission!.limit.leave();
    }
  });
}

function sidOf(route: WebhookRoute, params: Record<string, string>): string | undefined {
  return params[route.sid] ?? params.SmsSid ?? params.MessageSid ?? params.CallSid;
}

/** Handles a parked webhook now, with its original arrival time; throws while Postgres is still unreachable. */
export async function replayWebhook(deps: Deps, webhook: ParkedWebhook): Promise<void> {
  const route = webhookRoutesOf(deps).get(webhook.path);
  const sid = route ? sidOf(route, webhook.params) : undefined;
  if (!route || !sid) {
    deps.logger.error({ path: webhook.path }, 'a parked webhook names no known route; dropped');
    return;
  }
  const result = await deliver(deps, route, sid, { url: webhook.url, params: webhook.params, query: webhook.query, now: new Date(webhook.arrivedAt), replayed: true });
  await enqueueAfterCommit(deps, result.after, deps.logger);
}

/** A webhook kept in Postgres while the web process was at capacity (see `deferred_texts`). */
export interface KeptWebhook {
  path: string;
  receiptKey: string;
  params: Record<string, string>;
  receivedAt: Date;
}

/**
 * Handles kept webhooks now, inside the caller's transaction (which forgets them in the same
 * commit), each under the receipt key its arrival would have written and at its arrival instant;
 * one already handled (its receipt exists) changes nothing. A route's `handleTogether` takes as
 * many as it can at once (receipts claimed, answers recorded and texts queued for all in one
 * statement each); `handle` gets the rest one by one. Their answers, which the senders could not
 * get inline, are queued as SMS. Returns the wake-ups to run after commit.
 */
export async function handleKeptWebhooks(tx: Tx, deps: Deps, webhooks: readonly KeptWebhook[]): Promise<AfterCommit[]> {
  const known = webhooks.flatMap((webhook) => {
    const route = webhookRoutesOf(deps).get(webhook.path);
    const sid = route ? sidOf(route, webhook.params) : undefined;
    if (route && sid) return [{ webhook, route, sid, delivery: { url: webhook.path, params: webhook.params, query: {}, now: webhook.receivedAt, replayed: true } }];
    deps.logger.error({ path: webhook.path }, 'a kept webhook names no known route; dropped');
    return [];
  });
  // The claim is not waited for: a route handling its requests together sends its first
  // statements with it, and learns which requests are its own when their answers come.
  const claiming = claimReceipts(
    tx,
    known.map((k) => k.webhook.receiptKey),
  );
  claiming.catch(() => undefined);
  const after: AfterCommit[] = [];
  const texts: Outbound[] = [];
  const answered: Array<{ key: string; answer: { statusCode: number; contentType: string; body: string } }> = [];
  for (const route of new Set(known.map((k) => k.route))) {
    const ofRoute = known.filter((k) => k.route === route);
    const claimedOfRoute = claiming.then((claimed) => ofRoute.map((k) => claimed.has(k.webhook.receiptKey)));
    claimedOfRoute.catch(() => undefined);
    const together = route.handleTogether
      ? await route.handleTogether(
          tx,
          ofRoute.map((k) => ({ params: k.webhook.params, now: k.webhook.receivedAt })),
          claimedOfRoute,
        )
      : { answers: [], after: [] };
    const claimed = await claiming;
    after.push(...together.after);
    for (const [n, { webhook, sid, delivery }] of ofRoute.entries()) {
      if (!claimed.has(webhook.receiptKey)) continue;
      const answer = together.answers[n];
      if (answer) {
        after.push(...answer.after);
        texts.push(...repliesAsTexts(sid, delivery, answer.replies));
        answered.push({ key: webhook.receiptKey, answer: { statusCode: 200, contentType: 'text/xml', body: answer.twiml } });
      } else {
        after.push(...(await deliverIn(tx, deps, route, sid, delivery, webhook.receiptKey, true)).after);
      }
    }
  }
  const queued = await queueOutbounds(tx, texts);
  after.push(...queued.flatMap((q) => q.after));
  // With the COMMIT: nothing reads the answers back in this transaction.
  writeLater(tx, recordAnswers(tx, answered));
  return after;
}
