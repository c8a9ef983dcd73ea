import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { and, asc, eq, isNull, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Deps } from '../../../app/deps.js';
import { enqueueAfterCommit } from '../../../app/effects.js';
import { acknowledge, closeWithEvidence, escalateNow, replyToCustomer, resolve, waitOnCustomer, type ActionResult } from '../../../app/incident-actions.js';
import { openIncident } from '../../../app/incidents.js';
import { incidentSla } from '../../../app/sla.js';
import type { Tx } from '../../../db/client.js';
import { contractOf } from '../../../db/intake.js';
import { incidentPageQuery, incidentsWithContract } from '../../../db/incidents.js';
import { timelinePageQuery } from '../../../db/timeline.js';
import { contracts, customers, engineers, incidents, incidentStatuses, integrations, standbyNumbers, timelineEntries } from '../../../db/schema.js';
import { decideEligibility } from '../../../domain/eligibility/index.js';
import { HttpProblem, conflict, notFound, unprocessable } from '../../problem.js';
import { idParams, instantInput, iso, isoOrNull, page, pageOf, pageQuery, phoneInput } from '../common.js';

type IncidentRow = typeof incidents.$inferSelect;
type ContractRow = typeof contracts.$inferSelect;

const slaClock = z.object({
  state: z.enum(['running', 'paused', 'met', 'breached']),
  targetMinutes: z.number(),
  elapsedSeconds: z.number().int(),
  remainingSeconds: z.number().int(),
  dueAt: z.string().nullable(),
});

const incidentOutput = z
  .object({
    id: z.number().int().describe('The incident reference customers and engineers use'),
    customerId: z.number().int(),
    integrationId: z.number().int(),
    contractId: z.number().int(),
    standbyNumberId: z.number().int().nullable(),
    escalationPolicyId: z.number().int(),
    severity: z.enum(['blocker', 'high']),
    status: z.enum(incidentStatuses),
    channel: z.enum(['voice', 'sms', 'api']),
    reporterPhone: z.string().nullable(),
    description: z.string(),
    firstContactAt: z.string(),
    acknowledgedAt: z.string().nullable(),
    acknowledgedBy: z.number().int().nullable(),
    resolvedAt: z.string().nullable(),
    resolution: z.string().nullable(),
    evidence: z.string().nullable(),
    waitingOnCustomerSince: z.string().nullable(),
    escalation: z.object({ level: z.number().int(), round: z.number().int(), nextStepAt: z.string().nullable(), exhaustedAt: z.string().nullable(), stoppedAt: z.string().nullable() }),
    sla: z.object({ firstResponse: slaClock, resolution: slaClock }),
    createdAt: z.string(),
  })
  .meta({ id: 'Incident' });

const timelineOutput = z
  .object({
    id: z.number().int(),
    at: z.string(),
    kind: z.string(),
    actor: z.enum(['customer', 'engineer', 'admin', 'system']),
    engineerId: z.number().int().nullable(),
    channel: z.string(),
    body: z.string(),
    data: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'TimelineEntry' });

const engineerBody = z.object({ engineerId: z.number().int().positive().describe('The engineer acting (shown on the timeline and to the customer)') });

export const incidentRoutes = (deps: Deps): FastifyPluginAsync => async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;
  const tags = ['incidents'];

  const withContract = () => incidentsWithContract(db);
  const toOutput = ({ incident: i, contract }: { incident: IncidentRow; contract: ContractRow }, now: Date) => {
    const sla = incidentSla(i, contract, now);
    const clock = (c: typeof sla.firstResponse) => ({
      state: c.state,
      targetMinutes: c.targetMs / 60_000,
      elapsedSeconds: Math.round(c.elapsedMs / 1000),
      remainingSeconds: Math.round(c.remainingMs / 1000),
      dueAt: isoOrNull(c.dueAt),
    });
    return {
      id: i.id,
      customerId: i.customerId,
      integrationId: i.integrationId,
      contractId: i.contractId,
      standbyNumberId: i.standbyNumberId,
      escalationPolicyId: i.escalationPolicyId,
      severity: i.severity,
      status: i.status,
      channel: i.channel,
      reporterPhone: i.reporterPhone,
      description: i.description,
      firstContactAt: iso(i.firstContactAt),
      acknowledgedAt: isoOrNull(i.acknowledgedAt),
      acknowledgedBy: i.acknowledgedBy,
      resolvedAt: isoOrNull(i.resolvedAt),
      resolution: i.resolution,
      evidence: i.evidence,
      waitingOnCustomerSince: isoOrNull(i.waitingSince),
      escalation: {
        level: i.escalationLevel,
        round: i.escalationRound,
        nextStepAt: isoOrNull(i.escalationNextAt),
        exhaustedAt: isoOrNull(i.escalationExhaustedAt),
        stoppedAt: isoOrNull(i.escalationStoppedAt),
      },
      sla: { firstResponse: clock(sla.firstResponse), resolution: clock(sla.resolution) },
      createdAt: iso(i.createdAt),
    };
  };
  const load = async (id: number) => {
    const [row] = await withContract().where(eq(incidents.id, id));
    if (!row) throw notFound('incident', id);
    return row;
  };
  const actingEngineer = async (tx: Tx, engineerId: number) => {
    const [engineer] = await tx.select().from(engineers).where(eq(engineers.id, engineerId));
    if (!engineer || engineer.archivedAt) throw unprocessable('engineerId', `engineer ${engineerId} does not exist`);
    return engineer;
  };
  /** Runs an engineer action in one transaction; turns its outcome into the answer or a problem. */
  const act = async (id: number, work: (tx: Tx) => Promise<ActionResult>) => {
    const result = await db.transaction(work);
    switch (result.outcome) {
      case 'done':
        await enqueueAfterCommit(deps.scheduler, result.after, deps.logger);
        return toOutput(await load(id), deps.clock.now());
      case 'not_found':
        throw notFound('incident', id);
      case 'closed':
        throw conflict(`incident ${id} is already ${result.context.incident.status.replace(/_/g, ' ')}`);
      case 'already_acknowledged':
        throw conflict(`incident ${id} was already acknowledged by ${result.by}`, { acknowledgedBy: result.context.incident.acknowledgedBy });
      case 'not_escalating':
        throw conflict(`incident ${id} is not escalating (its policy ran out or it was stopped)`);
      default: {
        const never: never = result;
        throw new Error(String(never));
      }
    }
  };

  /**
   * The number an API-opened incident pages and answers from: the one asked for, which must be
   * shared or the customer's own (another customer's dedicated number would text this customer
   * from a number that is not theirs); by default the customer's own, else a shared one.
   */
  const standbyNumberFor = async (tx: Tx, customer: { id: number; name: string }, requested: number | undefined) => {
    if (requested !== undefined) {
      const [number] = await tx.select().from(standbyNumbers).where(eq(standbyNumbers.id, requested));
      if (!number) throw unprocessable('standbyNumberId', `standby number ${requested} does not exist`);
      if (number.customerId !== null && number.customerId !== customer.id) {
        throw unprocessable('standbyNumberId', `standby number ${requested} is dedicated to another customer; use a shared number or ${customer.name}'s own`);
      }
      return number;
    }
    const [number] = await tx
      .select()
      .from(standbyNumbers)
      .where(or(eq(standbyNumbers.customerId, customer.id), isNull(standbyNumbers.customerId)))
      // The customer's own number before shared ones (false sorts before true).
      .orderBy(sql`${standbyNumbers.customerId} is null`, asc(standbyNumbers.id))
      .limit(1);
    if (!number) throw unprocessable('standbyNumberId', `no shared standby number and none of ${customer.name}'s own to page from`);
    return number;
  };

  r.post('/incidents', {
    schema: {
      tags,
      summary: 'Open an incident on behalf of a customer (the same policy checks as a call or text apply)',
      body: z.object({
        customerId: z.number().int().positive(),
        integrationId: z.number().int().positive(),
        severity: z.enum(['blocker', 'high']),
        description: z.string().trim().max(2000).default(''),
        reporterPhone: phoneInput.optional(),
        standbyNumberId: z
          .number()
          .int()
          .positive()
          .optional()
          .describe("Which number pages and notices are sent from (a shared number or the customer's own); its escalation policy is used. Default: the customer's own number, else a shared one"),
      }),
      response: { 201: incidentOutput, 200: incidentOutput },
    },
  }, async (request, reply) => {
    const now = deps.clock.now();
    const body = request.body;
    const result = await db.transaction(async (tx) => {
      const [customer] = await tx.select().from(customers).where(eq(customers.id, body.customerId));
      if (!customer || customer.archivedAt) throw unprocessable('customerId', `customer ${body.customerId} does not exist`);
      const [integration] = await tx.select().from(integrations).where(and(eq(integrations.id, body.integrationId), eq(integrations.customerId, customer.id)));
      if (!integration || integration.archivedAt) throw unprocessable('integrationId', `integration ${body.integrationId} is not one of ${customer.name}'s`);
      const customerContracts = await tx.select().from(contracts).where(eq(contracts.customerId, customer.id));
      const decision = decideEligibility({
        customer: { id: customer.id, code: customer.code, name: customer.name, language: customer.language },
        contracts: customerContracts.map(contractOf),
        at: now,
        severity: body.severity,
        integration: { kind: 'listed', integration: { id: integration.id, name: integration.name, builtBy: integration.builtBy } },
      });
      if (!decision.eligible) throw new HttpProblem(422, `Not covered by 24x7 Integrations support: ${decision.reason.replace(/_/g, ' ')}`, { reason: decision.reason, errors: [{ field: 'customerId', message: decision.reason }] });
      const number = await standbyNumberFor(tx, customer, body.standbyNumberId);
      return openIncident(tx, deps, {
        customer: { id: customer.id, name: customer.name, language: customer.language },
        contractId: decision.contract.id,
        integration: { id: integration.id, name: integration.name },
        standby: { id: number.id, phone: number.phone, escalationPolicyId: number.escalationPolicyId },
        severity: body.severity,
        channel: 'api',
        reporterPhone: body.reporterPhone ?? null,
        description: body.description,
        firstContactAt: now,
      }, now);
    });
    await enqueueAfterCommit(deps.scheduler, result.after, request.log);
    return reply.code(result.outcome === 'opened' ? 201 : 200).send(toOutput(await load(result.incident.id), now));
  });

  r.get('/incidents', {
    schema: {
      tags,
      summary: 'List incidents, newest first',
      querystring: pageQuery.extend({
        status: z.enum([...incidentStatuses, 'open']).optional(),
        customerId: z.coerce.number().int().positive().optional(),
        severity: z.enum(['blocker', 'high']).optional(),
        from: instantInput.optional().describe('first contact at or after'),
        to: instantInput.optional().describe('first contact before'),
      }),
      response: { 200: pageOf(incidentOutput) },
    },
  }, async (request) => {
    const { limit, cursor, ...filters } = request.query;
    const rows = await incidentPageQuery(db, filters, { cursor, limit });
    const now = deps.clock.now();
    return page(rows, limit, (row) => toOutput(row, now));
  });

  r.get('/incidents/:id', { schema: { tags, summary: 'Read an incident with its SLA clocks', params: idParams, response: { 200: incidentOutput } } }, async (request) =>
    toOutput(await load(request.params.id), deps.clock.now()),
  );

  r.get('/incidents/:id/timeline', {
    schema: { tags, summary: "The incident's timeline, oldest first", params: idParams, querystring: pageQuery, response: { 200: pageOf(timelineOutput) } },
  }, async (request) => {
    await load(request.params.id);
    const { limit, cursor } = request.query;
    const rows = await timelinePageQuery(db, request.params.id, { cursor, limit });
    return page(rows, limit, (e) => ({ id: e.id, at: iso(e.at), kind: e.kind, actor: e.actor, engineerId: e.engineerId, channel: e.channel, body: e.body, data: e.data }));
  });

  r.get('/incidents/:id/export', {
    schema: {
      tags,
      summary: 'The whole written record: the incident, its SLA clocks and every timeline entry (JSON, or plain text with ?format=text for the ticket system)',
      params: idParams,
      querystring: z.object({ format: z.enum(['json', 'text']).default('json') }),
    },
  }, async (request, reply) => {
    const incident = toOutput(await load(request.params.id), deps.clock.now());
    const entries = await db.select().from(timelineEntries).where(eq(timelineEntries.incidentId, incident.id)).orderBy(asc(timelineEntries.at), asc(timelineEntries.id));
    const [customer] = await db.select().from(customers).where(eq(customers.id, incident.customerId));
    const [integration] = await db.select().from(integrations).where(eq(integrations.id, incident.integrationId));
    if (request.query.format === 'text') {
      const lines = [
        `Incident ${incident.id} — ${customer?.name} — ${integration?.name}`,
        `Severity: ${incident.severity}; status: ${incident.status}; channel: ${incident.channel}`,
        `First contact: ${incident.firstContactAt}; acknowledged: ${incident.acknowledgedAt ?? '-'}; resolved: ${incident.resolvedAt ?? '-'}`,
        `First response SLA: ${incident.sla.firstResponse.state} (${incident.sla.firstResponse.targetMinutes} min); resolution SLA: ${incident.sla.resolution.state} (${incident.sla.resolution.targetMinutes} min)`,
        incident.evidence ? `Evidence (cause in the customer's or a third party's system): ${incident.evidence}` : '',
        '',
        ...entries.map((e) => `${e.at.toISOString()}  [${e.actor}/${e.channel}] ${e.kind}: ${e.body}`),
      ];
      return reply.type('text/plain; charset=utf-8').send(lines.filter((l, i) => l !== '' || i === 5).join('\n') + '\n');
    }
    return reply.send({
      incident,
      customer: customer ? { id: customer.id, code: customer.code, name: customer.name } : null,
      integration: integration ? { id: integration.id, name: integration.name, builtBy: integration.builtBy } : null,
      timeline: entries.map((e) => ({ id: e.id, at: iso(e.at), kind: e.kind, actor: e.actor, engineerId: e.engineerId, channel: e.channel, body: e.body, data: e.data })),
    });
  });

  r.post('/incidents/:id/acknowledge', { schema: { tags, summary: 'Acknowledge for an engineer (exactly once: a second answer is 409)', params: idParams, body: engineerBody, response: { 200: incidentOutput } } }, async (request) =>
    act(request.params.id, async (tx) => acknowledge(tx, deps, request.params.id, { engineer: await actingEngineer(tx, request.body.engineerId), channel: 'api' }, deps.clock.now())),
  );

  r.post('/incidents/:id/escalate', {
    schema: { tags, summary: 'Escalate to the next level now', params: idParams, body: z.object({ engineerId: z.number().int().positive().optional() }), response: { 200: incidentOutput } },
  }, async (request) =>
    act(request.params.id, async (tx) => {
      const engineer = request.body.engineerId ? await actingEngineer(tx, request.body.engineerId) : null;
      return escalateNow(tx, deps, request.params.id, engineer ? { engineer, channel: 'api' } : null, null, deps.clock.now());
    }),
  );

  r.post('/incidents/:id/wait', {
    schema: { tags, summary: 'Mark waiting on the customer (pauses the resolution clock; the customer is told)', params: idParams, body: engineerBody.extend({ question: z.string().trim().max(1000).default('') }), response: { 200: incidentOutput } },
  }, async (request) =>
    act(request.params.id, async (tx) => waitOnCustomer(tx, deps, request.params.id, { engineer: await actingEngineer(tx, request.body.engineerId), channel: 'api' }, request.body.question, deps.clock.now())),
  );

  r.post('/incidents/:id/reply', {
    schema: { tags, summary: 'Send the customer a text from the engineer (kept on the timeline)', params: idParams, body: engineerBody.extend({ text: z.string().trim().min(1).max(1000) }), response: { 200: incidentOutput } },
  }, async (request) =>
    act(request.params.id, async (tx) => replyToCustomer(tx, request.params.id, { engineer: await actingEngineer(tx, request.body.engineerId), channel: 'api' }, request.body.text, deps.clock.now())),
  );

  r.post('/incidents/:id/resolve', {
    schema: { tags, summary: 'Resolve (stops escalation and the clocks; the customer is told)', params: idParams, body: engineerBody.extend({ note: z.string().trim().max(2000).default('') }), response: { 200: incidentOutput } },
  }, async (request) =>
    act(request.params.id, async (tx) => resolve(tx, deps, request.params.id, { engineer: await actingEngineer(tx, request.body.engineerId), channel: 'api' }, request.body.note, deps.clock.now())),
  );

  r.post('/incidents/:id/close-with-evidence', {
    schema: {
      tags,
      summary: "Close with evidence that the cause is in the customer's or a third party's system; the evidence is sent to the customer and kept",
      params: idParams,
      body: engineerBody.extend({ evidence: z.string().trim().min(1).max(4000) }),
      response: { 200: incidentOutput },
    },
  }, async (request) =>
    act(request.params.id, async (tx) => closeWithEvidence(tx, deps, request.params.id, { engineer: await actingEngineer(tx, request.body.engineerId), channel: 'api' }, request.body.evidence, deps.clock.now())),
  );
};
