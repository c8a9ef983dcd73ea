import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { eq } from 'drizzle-orm';
import type { Deps } from '../../app/deps.js';
import { verifyAckToken } from '../../app/ack-links.js';
import { enqueueAfterCommit } from '../../app/effects.js';
import { acknowledge } from '../../app/incident-actions.js';
import { loadIncidentContext } from '../../app/paging.js';
import { transaction } from '../../db/client.js';
import { engineers } from '../../db/schema.js';
import { messages } from '../../domain/i18n/index.js';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(reply: FastifyReply, status: number, lang: string, body: string): FastifyReply {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .send(`<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>Standby</title>
<style>body{font:18px/1.4 system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}button{font-size:1.2rem;padding:.8rem 1.6rem;border-radius:.4rem;border:0;background:#0a7;color:#fff}</style></head><body>${body}</body></html>`);
}

/**
 * The acknowledgement link in a page SMS. GET only shows a confirm page (link previewers and
 * mail scanners fetch links; they must never acknowledge); the form's POST acknowledges.
 */
export const ackLinkRoutes = (deps: Deps): FastifyPluginAsync => async (app) => {
  const load = async (token: string) => {
    const check = verifyAckToken(deps.config.LINK_SECRET, token, deps.clock.now());
    if (!check.ok) return null;
    const db = deps.database.db;
    const [engineer] = await db.select().from(engineers).where(eq(engineers.id, check.claims.engineerId));
    // An archived engineer's links stop working, as an expired link does: they no longer answer pages.
    if (!engineer || engineer.archivedAt) return null;
    const context = await db.transaction((tx) => loadIncidentContext(tx, check.claims.incidentId, { lock: false }));
    return context ? { engineer, context } : null;
  };

  app.get<{ Params: { token: string } }>('/ack/:token', { schema: { hide: true } }, async (request, reply) => {
    const found = await load(request.params.token);
    if (!found) return page(reply, 404, 'en', `<p>${escape(messages('en').engineer.linkExpired())}</p>`);
    const { engineer, context } = found;
    const m = messages(engineer.language).engineer;
    const question = m.linkConfirm({ reference: context.incident.id, customerName: context.customer.name, integrationName: context.integrationName });
    return page(reply, 200, engineer.language, `<p>${escape(question)}</p><form method="post"><button type="submit">${escape(m.linkButton())}</button></form>`);
  });

  app.post<{ Params: { token: string } }>('/ack/:token', { schema: { hide: true } }, async (request, reply) => {
    const found = await load(request.params.token);
    if (!found) return page(reply, 404, 'en', `<p>${escape(messages('en').engineer.linkExpired())}</p>`);
    const { engineer, context } = found;
    const m = messages(engineer.language).engineer;
    const reference = context.incident.id;
    const now = deps.clock.now();
    const result = await transaction(deps.database.db, (tx) => acknowledge(tx, deps, reference, { engineer, channel: 'link' }, now));
    if (result.outcome === 'done') await enqueueAfterCommit(deps, result.after, request.log);
    const text = ((): string => {
      switch (result.outcome) {
        case 'done':
          return m.ackConfirmed({ reference, customerName: context.customer.name });
        case 'already_acknowledged':
          return m.alreadyAcknowledged({ reference, engineerName: result.by });
        case 'closed':
          return m.incidentClosed({ reference });
        case 'refused':
          return m.notAllowed({ reference });
        case 'not_found':
        case 'not_escalating':
          return m.incidentNotFound({ reference });
        default: {
          const never: never = result;
          return String(never);
        }
      }
    })();
    return page(reply, 200, engineer.language, `<p>${escape(text)}</p>`);
  });
};
