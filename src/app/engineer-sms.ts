import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import { engineers, incidents, notifications } from '../db/schema.js';
import { addTimeline } from '../db/timeline.js';
import { messages } from '../domain/i18n/index.js';
import { commandExample, parseEngineerCommand } from '../domain/sms/index.js';
import type { Deps } from './deps.js';
import type { AfterCommit } from './effects.js';
import { lockIncident } from './paging.js';
import { acknowledge, closeWithEvidence, escalateNow, replyToCustomer, resolve, waitOnCustomer, type ActionResult, type Actor } from './incident-actions.js';

type EngineerRow = typeof engineers.$inferSelect;

/** What to answer the engineer in place (TwiML), and what to enqueue after commit. */
export interface EngineerSmsAnswer {
  reply: string | null;
  after: AfterCommit[];
  /** The incident the text was about, if it named one that exists: the reply is on its timeline. */
  incidentId?: number;
}

/** Incidents still paging this engineer (triggered, and they were paged for it). */
async function openPagesOf(tx: Tx, engineerId: number): Promise<number[]> {
  const rows = await tx
    .selectDistinct({ id: incidents.id })
    .from(incidents)
    .innerJoin(notifications, and(eq(notifications.incidentId, incidents.id), eq(notifications.engineerId, engineerId), inArray(notifications.kind, ['page', 'admin_page'])))
    .where(eq(incidents.status, 'triggered'))
    .orderBy(incidents.id);
  return rows.map((r) => r.id);
}

/** Open incidents this engineer has acknowledged: where plain text goes. */
async function workingOn(tx: Tx, engineerId: number): Promise<number[]> {
  const rows = await tx
    .select({ id: incidents.id })
    .from(incidents)
    .where(and(eq(incidents.acknowledgedBy, engineerId), inArray(incidents.status, ['acknowledged', 'waiting_on_customer'])))
    .orderBy(incidents.id);
  return rows.map((r) => r.id);
}

/**
 * An engineer's text to a standby number: parsed by the pure command parser, acted on through
 * the same use cases as the API and the keypad, and answered with a short text. Anything that
 * names an incident is written on its timeline first.
 */
export async function handleEngineerSms(tx: Tx, deps: Pick<Deps, 'config'>, engineer: EngineerRow, text: string, messageSid: string, now: Date): Promise<EngineerSmsAnswer> {
  const result = await decideEngineerSms(tx, deps, engineer, text, messageSid, now);
  if (result.reply && result.incidentId !== undefined) {
    // The answer goes back inline (TwiML), and in writing on the incident it concerns.
    await addTimeline(tx, { incidentId: result.incidentId, at: now, actor: 'system', engineerId: engineer.id, channel: 'sms', kind: 'sms_out', body: result.reply, data: { to: engineer.phone, inReplyTo: messageSid } });
  }
  return result;
}

async function decideEngineerSms(tx: Tx, deps: Pick<Deps, 'config'>, engineer: EngineerRow, text: string, messageSid: string, now: Date): Promise<EngineerSmsAnswer> {
  const m = messages(engineer.language).engineer;
  const actor: Actor = { engineer, channel: 'sms' };
  const command = parseEngineerCommand(text);

  const record = async (incidentId: number) => {
    // Lock first: the timeline insert below must not hold a key-share lock while another
    // engineer's action on the same incident waits for ours (that order deadlocked).
    if (await lockIncident(tx, incidentId)) await addTimeline(tx, { incidentId, at: now, actor: 'engineer', engineerId: engineer.id, channel: 'sms', kind: 'sms_in', body: text, data: { messageSid } });
  };
  const answer = async (reference: number, result: ActionResult, done: string | null): Promise<EngineerSmsAnswer> => {
    // A refusal is on the timeline already (when the incident exists); its answer says nothing more.
    const incidentId = result.outcome === 'not_found' || result.outcome === 'refused' ? undefined : reference;
    switch (result.outcome) {
      case 'done':
        return { reply: done, after: result.after, incidentId };
      case 'refused':
        return { reply: m.notAllowed({ reference }), after: [] };
      case 'not_found':
        return { reply: m.incidentNotFound({ reference }), after: [] };
      case 'closed':
        return { reply: m.incidentClosed({ reference }), after: [], incidentId };
      case 'already_acknowledged':
        return { reply: m.alreadyAcknowledged({ reference, engineerName: result.by }), after: [], incidentId };
      case 'not_escalating':
        return { reply: m.notEscalating({ reference }), after: [], incidentId };
      default: {
        const never: never = result;
        throw new Error(`unknown outcome ${JSON.stringify(never)}`);
      }
    }
  };
  /** The step of this engineer's latest page for the incident: ESC escalates from there only, once. */
  const pagedStep = async (incidentId: number) => {
    const [page] = await tx
      .select({ level: notifications.level, round: notifications.round })
      .from(notifications)
      .where(and(eq(notifications.incidentId, incidentId), eq(notifications.engineerId, engineer.id), eq(notifications.kind, 'page')))
      .orderBy(desc(notifications.id))
      .limit(1);
    return page && page.level !== null && page.round !== null ? { level: page.level, round: page.round } : null;
  };
  const onlyPage = async (): Promise<number | EngineerSmsAnswer> => {
    const pages = await openPagesOf(tx, engineer.id);
    if (pages.length === 1) return pages[0]!;
    return { reply: pages.length === 0 ? m.noOpenPage() : m.severalOpenPages({ references: pages }), after: [] };
  };

  switch (command.kind) {
    case 'ack':
      await record(command.reference);
      return answer(command.reference, await acknowledge(tx, deps, command.reference, actor, now), null);
    case 'ack_only_page': {
      const page = await onlyPage();
      if (typeof page !== 'number') return page;
      await record(page);
      return answer(page, await acknowledge(tx, deps, page, actor, now), null);
    }
    case 'escalate':
      await record(command.reference);
      return answer(command.reference, await escalateNow(tx, deps, command.reference, actor, await pagedStep(command.reference), now), m.escalated({ reference: command.reference }));
    case 'escalate_only_page': {
      const page = await onlyPage();
      if (typeof page !== 'number') return page;
      await record(page);
      return answer(page, await escalateNow(tx, deps, page, actor, await pagedStep(page), now), m.escalated({ reference: page }));
    }
    case 'reply':
      await record(command.reference);
      return answer(command.reference, await replyToCustomer(tx, command.reference, actor, command.text, now), null);
    case 'wait':
      await record(command.reference);
      return answer(command.reference, await waitOnCustomer(tx, deps, command.reference, actor, command.note, now), null);
    case 'resolve':
      await record(command.reference);
      return answer(command.reference, await resolve(tx, deps, command.reference, actor, command.note, now), null);
    case 'evidence':
      await record(command.reference);
      return answer(command.reference, await closeWithEvidence(tx, deps, command.reference, actor, command.evidence, now), null);
    case 'text': {
      const mine = await workingOn(tx, engineer.id);
      if (mine.length === 1) {
        await record(mine[0]!);
        return answer(mine[0]!, await replyToCustomer(tx, mine[0]!, actor, command.text, now), null);
      }
      return { reply: mine.length === 0 ? m.unknownCommand() : m.missingReference({ example: commandExample('reply', mine[0]) }), after: [] };
    }
    case 'help':
      return { reply: m.help(), after: [] };
    case 'malformed':
      return {
        reply: command.missing === 'reference' ? m.missingReference({ example: commandExample(command.verb) }) : m.missingText({ example: commandExample(command.verb) }),
        after: [],
      };
    default: {
      const never: never = command;
      throw new Error(`unknown command ${JSON.stringify(never)}`);
    }
  }
}
