import type { FastifyPluginAsync } from 'fastify';
import { and, eq, inArray } from 'drizzle-orm';
import twilio from 'twilio';
import { z } from 'zod';

const notificationQuery = z.object({ n: z.coerce.number().int().positive() });
import type { Deps } from '../../../app/deps.js';
import type { AfterCommit } from '../../../app/effects.js';
import { acknowledge, escalateNow, type ActionResult } from '../../../app/incident-actions.js';
import { lockIncident } from '../../../app/paging.js';
import { isUnwantedPageCall } from '../../../app/page-cancel.js';
import type { Tx } from '../../../db/client.js';
import { engineers, incidents, notifications, openIncidentStatuses } from '../../../db/schema.js';
import { DeliveryReporter, recordDeliveryReport, type DeliveryReport } from '../../../db/delivery-reports.js';
import type { Executor } from '../../../db/client.js';
import { addTimeline } from '../../../db/timeline.js';
import { CALL_STATUSES, MESSAGE_STATUSES } from '../../../domain/delivery-status.js';
import { messages, sayLanguage } from '../../../domain/i18n/index.js';
import { emptyMessaging, emptyVoice, registerWebhook } from './webhook.js';

type NotificationRow = typeof notifications.$inferSelect;

const notificationIdOf = (query: Record<string, string | undefined>) => {
  const n = Number(query.n);
  return Number.isInteger(n) && n > 0 ? n : null;
};

async function loadPage(tx: Tx, query: Record<string, string | undefined>) {
  const id = notificationIdOf(query);
  if (id === null) return null;
  const [notification] = await tx.select().from(notifications).where(eq(notifications.id, id));
  if (!notification) return null;
  const [engineer] = notification.engineerId === null ? [] : await tx.select().from(engineers).where(eq(engineers.id, notification.engineerId));
  return { notification, engineer: engineer ?? null };
}

/** Who has the page's incident, if someone acknowledged it already ('' when nobody has). */
async function takenBy(tx: Tx, page: NotificationRow): Promise<string> {
  if (page.incidentId === null || (page.kind !== 'page' && page.kind !== 'admin_page')) return '';
  const [row] = await tx
    .select({ name: engineers.name })
    .from(incidents)
    .innerJoin(engineers, eq(engineers.id, incidents.acknowledgedBy))
    .where(and(eq(incidents.id, page.incidentId), inArray(incidents.status, [...openIncidentStatuses])));
  return row?.name ?? '';
}

/** Text to place in a `format()` string as it is. */
const formatLiteral = (text: string) => text.replace(/%/g, '%%');

const EMPTY_MESSAGING = emptyMessaging();
const EMPTY_VOICE = emptyVoice();

/**
 * The webhooks of an outbound page: the call's TwiML (the summary, then "press 1 to
 * acknowledge, 2 to escalate now"), its keypresses, and delivery status callbacks. Each keypress
 * and status lands on the incident's timeline.
 */
export const pagingWebhooks = (deps: Deps): FastifyPluginAsync => async (app) => {
  const base = deps.config.PUBLIC_BASE_URL;
  // Delivery reports come in bursts after pages go out: recorded together, a few statements at a
  // time, they never crowd out customers' texts (see `DeliveryReporter`).
  const reporter = new DeliveryReporter(deps.database.db);
  /** On the pool, a report goes with the others arriving meanwhile; in a transaction (a kept request), alone. */
  const record = (db: Executor, report: DeliveryReport) => (db === deps.database.db ? reporter.record(report) : recordDeliveryReport(db, report));
  const gatherPage = (response: InstanceType<typeof twilio.twiml.VoiceResponse>, n: NotificationRow, language: 'es' | 'en' | 'pt', text: string, attempt: number) => {
    const gather = response.gather({ numDigits: 1, timeout: 8, action: `${base}/twilio/page/keypress?n=${n.id}&try=${attempt}`, method: 'POST', actionOnEmptyResult: true });
    gather.say({ language: sayLanguage(language) }, text);
  };

  registerWebhook(app, deps, {
    path: '/twilio/page/voice',
    sid: 'CallSid',
    schema: notificationQuery,
    fallback: () => emptyVoice(),
    handle: async ({ tx, query }) => {
      const page = await loadPage(tx, query);
      const response = new twilio.twiml.VoiceResponse();
      if (!page) {
        response.hangup();
        return { twiml: response.toString(), after: [] };
      }
      const language = page.engineer?.language ?? 'en';
      const taken = await takenBy(tx, page.notification);
      if (taken) {
        // Answered just as someone else took it (the cancel came too late): say who, and hang up.
        response.say({ language: sayLanguage(language) }, messages(language).engineer.alreadyAcknowledged({ reference: page.notification.incidentId!, engineerName: taken }));
        response.hangup();
        return { twiml: response.toString(), after: [] };
      }
      gatherPage(response, page.notification, language, page.notification.body, 1);
      return { twiml: response.toString(), after: [] };
    },
  });

  registerWebhook(app, deps, {
    path: '/twilio/page/keypress',
    sid: 'CallSid',
    schema: notificationQuery.extend({ Digits: z.string().regex(/^[0-9*#]{0,10}$/).optional(), try: z.coerce.number().int().min(1).max(10).optional() }),
    fallback: () => emptyVoice(),
    handle: async ({ tx, query, params, now }) => {
      const page = await loadPage(tx, query);
      const response = new twilio.twiml.VoiceResponse();
      if (!page || page.notification.incidentId === null) {
        response.hangup();
        return { twiml: response.toString(), after: [] };
      }
      const { notification, engineer } = page;
      const incidentId = notification.incidentId!;
      const language = engineer?.language ?? 'en';
      const m = messages(language).engineer;
      const digits = params.Digits ?? '';
      // The incident is locked before anything about it is written (one lock order everywhere).
      await lockIncident(tx, incidentId);
      await addTimeline(tx, {
        incidentId,
        at: now,
        actor: engineer ? 'engineer' : 'system',
        engineerId: engineer?.id ?? null,
        channel: 'voice',
        kind: 'keypress',
        body: digits ? `${engineer?.name ?? notification.toPhone} pressed ${digits} on the page call` : `${engineer?.name ?? notification.toPhone} pressed nothing on the page call`,
        data: { digits, callSid: params.CallSid },
      });
      const say = (text: string) => response.say({ language: sayLanguage(language) }, text);
      const outcomeText = (result: ActionResult, done: string) => {
        switch (result.outcome) {
          case 'done':
            return done;
          case 'refused':
            return m.voiceNotAllowed({ reference: incidentId });
          case 'not_found':
            return m.incidentNotFound({ reference: incidentId });
          case 'closed':
            return m.incidentClosed({ reference: incidentId });
          case 'already_acknowledged':
            return m.alreadyAcknowledged({ reference: incidentId, engineerName: result.by });
          case 'not_escalating':
            return m.notEscalating({ reference: incidentId });
          default: {
            const never: never = result;
            return String(never);
          }
        }
      };
      if (engineer && digits === '1') {
        const result = await acknowledge(tx, deps, incidentId, { engineer, channel: 'voice' }, now);
        say(outcomeText(result, m.voiceAcknowledged({ reference: incidentId })));
        response.hangup();
        return { twiml: response.toString(), after: result.outcome === 'done' ? result.after : [] };
      }
      if (engineer && digits === '2') {
        const atStep = notification.level !== null && notification.round !== null ? { level: notification.level, round: notification.round } : null;
        const result = await escalateNow(tx, deps, incidentId, { engineer, channel: 'voice' }, atStep, now);
        say(outcomeText(result, m.voiceEscalated({ reference: incidentId })));
        response.hangup();
        return { twiml: response.toString(), after: result.outcome === 'done' ? result.after : [] };
      }
      const attempt = Number(query.try ?? '1');
      if (attempt >= 3 || !engineer) {
        response.hangup();
      } else {
        gatherPage(response, notification, language, `${digits ? '' : notification.body + ' '}${m.voiceChoose()}`, attempt + 1);
      }
      return { twiml: response.toString(), after: [] };
    },
  });

  registerWebhook(app, deps, {
    path: '/twilio/status/message',
    parked: emptyMessaging,
    sid: 'MessageSid',
    schema: notificationQuery.extend({ MessageStatus: z.string().min(1) }),
    fallback: () => emptyMessaging(),
    recordOnce: async ({ db, receiptKey, query, params, now }) => {
      const id = notificationIdOf(query);
      if (id === null) return { twiml: EMPTY_MESSAGING, after: [] };
      const status = MESSAGE_STATUSES[params.MessageStatus as keyof typeof MESSAGE_STATUSES] ?? null;
      const said = `${params.MessageStatus}${params.ErrorCode ? ` (error ${params.ErrorCode})` : ''}`;
      await record(db, {
        receiptKey,
        answer: EMPTY_MESSAGING,
        notificationId: id,
        sid: params.MessageSid ?? '',
        status,
        error: params.ErrorCode ? `Twilio error ${params.ErrorCode}` : null,
        now,
        timeline: status
          ? { channel: 'sms', kind: 'delivery_status', body: `SMS to %1$s (%2$s): ${formatLiteral(said)}`, data: { status: params.MessageStatus, errorCode: params.ErrorCode ?? null, sid: params.MessageSid } }
          : null,
      });
      return { twiml: EMPTY_MESSAGING, after: [] };
    },
  });

  registerWebhook(app, deps, {
    path: '/twilio/status/call',
    parked: emptyVoice,
    sid: 'CallSid',
    schema: notificationQuery.extend({ CallStatus: z.string().min(1) }),
    fallback: () => emptyVoice(),
    recordOnce: async ({ db, receiptKey, query, params, now }) => {
      const id = notificationIdOf(query);
      if (id === null) return { twiml: EMPTY_VOICE, after: [] };
      const callStatus = params.CallStatus ?? '';
      const status = CALL_STATUSES[callStatus as keyof typeof CALL_STATUSES] ?? null;
      const said = `${callStatus}${callStatus === 'canceled' ? ' (hung up before it was answered: someone has the incident)' : ''}${params.CallDuration ? `, ${params.CallDuration} s` : ''}`;
      const row = await record(db, {
        receiptKey,
        answer: EMPTY_VOICE,
        notificationId: id,
        sid: params.CallSid ?? '',
        status,
        now,
        timeline: { channel: 'voice', kind: 'call_status', body: `Call to %1$s (%2$s): ${formatLiteral(said)}`, data: { status: callStatus, sid: params.CallSid, duration: params.CallDuration ?? null } },
      });
      // A page call placed while the incident was being acknowledged rings after the cancel went out: hang it up now.
      const after: AfterCommit[] = row && params.CallSid && isUnwantedPageCall(row, row, callStatus) ? [{ type: 'cancel_call', notificationId: row.id, callSid: params.CallSid }] : [];
      return { twiml: EMPTY_VOICE, after };
    },
  });
};
