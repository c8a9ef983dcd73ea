import type { FastifyPluginAsync } from 'fastify';
import type { FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { and, asc, eq, isNull, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Deps } from '../../../app/deps.js';
import { enqueueAfterCommit } from '../../../app/effects.js';
import { acknowledge, closeWithEvidence, escalateNow, reassign, replyToCustomer, resolve, waitOnCustomer, type ActionResult, type Actor } from '../../../app/incident-actions.js';
import { openIncident } from '../../../app/incidents.js';
import { incidentSla } from '../../../app/sla.js';
import { transaction, type Tx } from '../../../db/client.js';
import { contractOf } from '../../../db/intake.js';
import { incidentPageQuery, incidentsWithContract } from '../../../db/incidents.js';
import { timelinePageQuery } from '../../../db/timeline.js';
import { contracts, customers, engineers, incidents, incidentStatuses, integrations, standbyNumbers, timelineEntries } from '../../../db/schema.js';
import { decideEligibility } from '../../../domain/eligibility/index.js';
import type { OutOfScopeReason } from '../../../domain/eligibility/contract.js';
import { actingToken } from '../../plugins/auth.js';
import { HttpProblem, conflict, notFound, unprocessable } from '../../problem.js';
import { EXAMPLE_AT, idParams, instantInput, iso, isoOrNull, page, pageOf, pageQuery, phoneInput } from '../common.js';
import { Names } from '../../../db/names.js';

type IncidentRow = typeof incidents.$inferSelect;
type ContractRow = typeof contracts.$inferSelect;

const slaClock = z.object({
  state: z.enum(['running', 'paused', 'met', 'breached']),
  targetMinutes: z.number(),
  elapsedSeconds: z.number().int(),
  remainingSeconds: z.number().int(),
  dueAt: z.string().nullable(),
});

const incidentFields = z.object({
  id: z.number().int().describe('The incident reference customers and engineers use'),
  customerId: z.number().int(),
  customerName: z.string(),
  integrationId: z.number().int(),
  integrationName: z.string(),
  contractId: z.number().int(),
  contractName: z.string(),
  standbyNumberId: z.number().int().nullable(),
  standbyNumberName: z.string().nullable().describe("The standby number's label, else its phone number"),
  escalationPolicyId: z.number().int(),
  escalationPolicyName: z.string(),
  severity: z.enum(['blocker', 'high']),
  status: z.enum(incidentStatuses),
  channel: z.enum(['voice', 'sms', 'api']),
  reporterPhone: z.string().nullable(),
  description: z.string(),
  firstContactAt: z.string(),
  acknowledgedAt: z.string().nullable(),
  acknowledgedBy: z.number().int().nullable().describe('The engineer who has the incident'),
  acknowledgedByName: z.string().nullable(),
  resolvedAt: z.string().nullable(),
  resolution: z.string().nullable(),
  evidence: z.string().nullable(),
  waitingOnCustomerSince: z.string().nullable(),
  escalation: z.object({ level: z.number().int(), round: z.number().int(), nextStepAt: z.string().nullable(), exhaustedAt: z.string().nullable(), stoppedAt: z.string().nullable() }),
  sla: z.object({ firstResponse: slaClock, resolution: slaClock }),
  createdAt: z.string(),
});

const clockExample = (state: string, targetMinutes: number, elapsedSeconds: number, dueAt: string) => ({
  state,
  targetMinutes,
  elapsedSeconds,
  remainingSeconds: targetMinutes * 60 - elapsedSeconds,
  dueAt,
});

const incidentExample = {
  id: 12,
  customerId: 1,
  customerName: 'Acme Retail',
  integrationId: 1,
  integrationName: 'Salesforce sync',
  contractId: 1,
  contractName: 'Acme Retail 24x7 2026',
  standbyNumberId: 1,
  standbyNumberName: 'Acme Retail dedicated line',
  escalationPolicyId: 1,
  escalationPolicyName: 'Integrations 24x7',
  severity: 'blocker',
  status: 'acknowledged',
  channel: 'voice',
  reporterPhone: '+5491150000101',
  description: 'El sync de Salesforce no anda desde las 11',
  firstContactAt: EXAMPLE_AT,
  acknowledgedAt: '2026-11-23T15:03:00.000Z',
  acknowledgedBy: 1,
  acknowledgedByName: 'Eng One',
  resolvedAt: null,
  resolution: null,
  evidence: null,
  waitingOnCustomerSince: null,
  escalation: { level: 0, round: 0, nextStepAt: null, exhaustedAt: null, stoppedAt: '2026-11-23T15:03:00.000Z' },
  sla: { firstResponse: { ...clockExample('met', 15, 180, '2026-11-23T15:15:00.000Z'), remainingSeconds: 720 }, resolution: clockExample('running', 240, 600, '2026-11-23T19:00:00.000Z') },
  createdAt: EXAMPLE_AT,
};

const incidentOutput = incidentFields.meta({ id: 'Incident', example: incidentExample });

const mergedReasonText = (incident: { id: number; status: string; integrationName: string; customerName: string }) =>
  `${incident.customerName} already had incident ${incident.id} open on ${incident.integrationName} (${incident.status.replace(/_/g, ' ')}); an integration has one open incident at a time, so this report was added to its timeline`;

const incidentReport = incidentFields
  .extend({
    merged: z.boolean().describe('true: the integration already had an open incident and this report joined it (answered 200); false: a new incident (201)'),
    mergedReason: z.string().nullable().describe('Why the report joined an open incident, in words; null for a new one'),
  })
  .meta({
    id: 'IncidentReport',
    example: { ...incidentExample, merged: true, mergedReason: mergedReasonText({ ...incidentExample }) },
  });

const timelineOutput = z
  .object({
    id: z.number().int(),
    at: z.string(),
    kind: z.string(),
    actor: z.enum(['customer', 'engineer', 'admin', 'system']),
    engineerId: z.number().int().nullable(),
    engineerName: z.string().nullable(),
    channel: z.string(),
    body: z.string(),
    data: z.record(z.string(), z.unknown()),
  })
  .meta({
    id: 'TimelineEntry',
    example: { id: 40, at: '2026-11-23T15:03:00.000Z', kind: 'acknowledged', actor: 'engineer', engineerId: 1, engineerName: 'Eng One', channel: 'sms', body: 'Eng One acknowledged (sms); first response 180 s after first contact', data: { firstResponseSeconds: 180 } },
  });

const incidentRecord = z
  .object({
    incident: incidentOutput,
    customer: z.object({ id: z.number().int(), code: z.string(), name: z.string() }).nullable(),
    integration: z.object({ id: z.number().int(), name: z.string(), builtBy: z.enum(['vendor', 'selfservice']) }).nullable(),
    timeline: z.array(timelineOutput),
  })
  .meta({ id: 'IncidentRecord', description: 'The whole written record of an incident' });

const engineerId = z.number().int().positive().describe('The engineer acting (shown on the timeline and to the customer)');
const engineerBody = z.object({ engineerId });
const acknowledgeBody = engineerBody.meta({ id: 'IncidentAcknowledge', example: { engineerId: 1 } });
const escalateBody = z.object({ engineerId: engineerId.optional() }).meta({ id: 'IncidentEscalate', example: { engineerId: 1 } });
const waitBody = engineerBody.extend({ question: z.string().trim().max(1000).default('') }).meta({ id: 'IncidentWait', example: { engineerId: 1, question: 'Which order numbers failed?' } });
const replyBody = engineerBody.extend({ text: z.string().trim().min(1).max(1000) }).meta({ id: 'IncidentReply', example: { engineerId: 1, text: 'We are replaying the failed orders now.' } });
const resolveBody = engineerBody.extend({ note: z.string().trim().max(2000).default('') }).meta({ id: 'IncidentResolve', example: { engineerId: 1, note: 'Renewed the expired Salesforce token; orders replayed.' } });
const evidenceBody = engineerBody
  .extend({ evidence: z.string().trim().min(1).max(4000) })
  .meta({ id: 'IncidentCloseWithEvidence', example: { engineerId: 1, evidence: "Salesforce answers 401: the customer's integration user password expired on their side." } });

const openBody = z
  .object({
    customerId: z.number().int().positive(),
    integrationId: z.number().int().positive().describe("One of the customer's integrations, built by the vendor (Integrations Selfservice ones are not covered)"),
    severity: z.enum(['blocker', 'high']).describe('The 24x7 service covers Blocker and High only'),
    description: z.string().trim().max(2000).default(''),
    reporterPhone: phoneInput.optional().describe('Who reported it; they get the updates by SMS'),
    standbyNumberId: z
      .number()
      .int()
      .positive()
      .optional()
      .describe("Which number pages and notices are sent from (a shared number or the customer's own); its escalation policy is used. Default: the customer's own number, else a shared one"),
  })
  .meta({ id: 'IncidentOpen', example: { customerId: 1, integrationId: 1, severity: 'blocker', description: 'Orders stopped syncing to Salesforce at 11:00', reporterPhone: '+54 9 11 5000-0101' } });

/** Why a report is not covered, named by the field to change and said in words. */
function notCovered(reason: OutOfScopeReason, customer: { name: string }, integration: { name: string }): HttpProblem {
  const [field, message] = ((): [string, string] => {
    switch (reason) {
      case 'integration_selfservice':
        return ['integrationId', `${integration.name} was built with Integrations Selfservice; 24x7 support covers only integrations built by the vendor (open a ticket at the Support Center instead)`];
      case 'integration_not_listed':
        return ['integrationId', `${integration.name} is not one of ${customer.name}'s integrations`];
      case 'severity_not_covered':
        return ['severity', 'only Blocker and High incidents are covered by 24x7 support'];
      case 'contract_without_24x7':
        return ['customerId', `${customer.name}'s contract does not include 24x7 Integrations support`];
      case 'contract_not_active':
        return ['customerId', `${customer.name}'s 24x7 Integrations support contract is not active now (expired or not started)`];
      case 'no_contract':
        return ['customerId', `${customer.name} has no contract`];
      case 'unknown_caller':
        return ['customerId', 'the customer could not be identified'];
      default: {
        const never: never = reason;
        throw new Error(`unknown reason ${String(never)}`);
      }
    }
  })();
  return new HttpProblem(422, `Not covered by 24x7 Integrations support: ${message}`, { reason, errors: [{ field, message }] });
}

const notCoveredExample = (reason: OutOfScopeReason, field: string, message: string) => ({ detail: `Not covered by 24x7 Integrations support: ${message}`, reason, errors: [{ field, message }] });
const unknownEngineer = { detail: 'engineerId: engineer 99 does not exist', errors: [{ field: 'engineerId', message: 'engineer 99 does not exist' }] };
const actionProblems = { 409: ['incident 12 is already resolved'], 422: unknownEngineer };
const ackProblems = { 409: [{ detail: 'incident 12 was already acknowledged by Eng One', acknowledgedBy: 1, acknowledgedByName: 'Eng One' }, ...actionProblems[409]], 422: unknownEngineer };

export const incidentRoutes = (deps: Deps): FastifyPluginAsync => async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;
  const tags = ['incidents'];

  /**
   * Incidents read with their contract in the same query: the SLA targets shown are the
   * contract's as they are now (PATCH /contracts/:id changes them), never a copy kept from earlier.
   */
  const withContract = () => incidentsWithContract(db);
  const namesFor = (rows: Array<{ incident: IncidentRow }>) =>
    Names.load(db, {
      customer: rows.map((r) => r.incident.customerId),
      integration: rows.map((r) => r.incident.integrationId),
      contract: rows.map((r) => r.incident.contractId),
      standbyNumber: rows.map((r) => r.incident.standbyNumberId),
      escalationPolicy: rows.map((r) => r.incident.escalationPolicyId),
      engineer: rows.map((r) => r.incident.acknowledgedBy),
    });
  const toOutput = ({ incident: i, contract }: { incident: IncidentRow; contract: ContractRow }, now: Date, names: Names) => {
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
      customerName: names.ofRequired('customer', i.customerId),
      integrationId: i.integrationId,
      integrationName: names.ofRequired('integration', i.integrationId),
      contractId: i.contractId,
      contractName: names.ofRequired('contract', i.contractId),
      standbyNumberId: i.standbyNumberId,
      standbyNumberName: names.of('standbyNumber', i.standbyNumberId),
      escalationPolicyId: i.escalationPolicyId,
      escalationPolicyName: names.ofRequired('escalationPolicy', i.escalationPolicyId),
      severity: i.severity,
      status: i.status,
      channel: i.channel,
      reporterPhone: i.reporterPhone,
      description: i.description,
      firstContactAt: iso(i.firstContactAt),
      acknowledgedAt: isoOrNull(i.acknowledgedAt),
      acknowledgedBy: i.acknowledgedBy,
      acknowledgedByName: names.of('engineer', i.acknowledgedBy),
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
  /** One incident as the API shows it, read now. */
  const read = async (id: number) => {
    const row = await load(id);
    return toOutput(row, deps.clock.now(), await namesFor([row]));
  };
  const timelineEntryOf = (e: typeof timelineEntries.$inferSelect, names: Names) => ({
    id: e.id,
    at: iso(e.at),
    kind: e.kind,
    actor: e.actor,
    engineerId: e.engineerId,
    engineerName: names.of('engineer', e.engineerId),
    channel: e.channel,
    body: e.body,
    data: e.data,
  });
  const actingEngineer = async (tx: Tx, engineerId: number) => {
    const [engineer] = await tx.select().from(engineers).where(eq(engineers.id, engineerId));
    if (!engineer || engineer.archivedAt) throw unprocessable('engineerId', `engineer ${engineerId} does not exist`);
    return engineer;
  };
  /** The engineer named in the body, acting through the calling API token (tokens act as admins; the timeline names the token). */
  const actor = async (tx: Tx, request: FastifyRequest, engineerId: number): Promise<Actor> => ({ engineer: await actingEngineer(tx, engineerId), channel: 'api', apiToken: actingToken(request) });
  /** Runs an engineer action in one transaction; turns its outcome into the answer or a problem. */
  const act = async (id: number, work: (tx: Tx) => Promise<ActionResult>) => {
    const result = await transaction(db, work);
    switch (result.outcome) {
      case 'done':
        await enqueueAfterCommit(deps, result.after, deps.logger);
        return read(id);
      case 'not_found':
        throw notFound('incident', id);
      case 'refused':
        // API tokens act as admins, so this is not expected; should the rules change, it is a 403.
        throw new HttpProblem(403, `This token may not act on incident ${id}`, { reason: result.reason });
      case 'closed':
        throw conflict(`incident ${id} is already ${result.context.incident.status.replace(/_/g, ' ')}`);
      case 'already_acknowledged':
        throw conflict(`incident ${id} was already acknowledged by ${result.by}`, { acknowledgedBy: result.context.incident.acknowledgedBy, acknowledgedByName: result.by });
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
      summary: 'Open an incident on behalf of a customer (the same policy checks as a call or text apply); 200 with merged: true when it joins an open incident',
      body: openBody,
      problems: {
        422: [
          notCoveredExample('integration_selfservice', 'integrationId', 'Zendesk widget was built with Integrations Selfservice; 24x7 support covers only integrations built by the vendor (open a ticket at the Support Center instead)'),
          notCoveredExample('contract_without_24x7', 'customerId', "Beta Logistics's contract does not include 24x7 Integrations support"),
        ],
      },
      response: {
        201: { description: 'Opened: a new incident; paging has started', content: { 'application/json': { schema: incidentReport } } },
        200: {
          description: 'Merged: the integration already had an open incident, and the report was added to it (merged: true, mergedReason says why). Nothing new is paged',
          content: { 'application/json': { schema: incidentReport } },
        },
      },
    },
  }, async (request, reply) => {
    const now = deps.clock.now();
    const body = request.body;
    const result = await transaction(db, async (tx) => {
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
      if (!decision.eligible) throw notCovered(decision.reason, customer, integration);
      const number = await standbyNumberFor(tx, customer, body.standbyNumberId);
      return openIncident(tx, deps, {
        customer: { id: customer.id, name: customer.name, language: customer.language },
        contractId: decision.contract.id,
        integration: { id: integration.id, name: integration.name },
        standby: { id: number.id, phone: number.phone, escalationPolicyId: number.escalationPolicyId },
        severity: body.severity,
        channel: 'api',
        reporterPhone: body.reporterPhone ?? null,
        identifiedBy: null,
        description: body.description,
        firstContactAt: now,
      }, now);
    });
    await enqueueAfterCommit(deps, result.after, request.log);
    const incident = await read(result.incident.id);
    const merged = result.outcome === 'added_to_open';
    return reply.code(merged ? 200 : 201).send({ ...incident, merged, mergedReason: merged ? mergedReasonText(incident) : null });
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
    const names = await namesFor(rows);
    return page(rows, limit, (row) => toOutput(row, now, names));
  });

  r.get('/incidents/:id', { schema: { tags, summary: 'Read an incident with its SLA clocks', params: idParams, response: { 200: incidentOutput } } }, async (request) =>
    read(request.params.id),
  );

  r.get('/incidents/:id/timeline', {
    schema: { tags, summary: "The incident's timeline, oldest first", params: idParams, querystring: pageQuery, response: { 200: pageOf(timelineOutput) } },
  }, async (request) => {
    await load(request.params.id);
    const { limit, cursor } = request.query;
    const rows = await timelinePageQuery(db, request.params.id, { cursor, limit });
    const names = await Names.load(db, { engineer: rows.map((e) => e.engineerId) });
    return page(rows, limit, (e) => timelineEntryOf(e, names));
  });

  r.get('/incidents/:id/export', {
    schema: {
      tags,
      summary: 'The whole written record: the incident, its SLA clocks and every timeline entry (JSON, or plain text with ?format=text for the ticket system)',
      params: idParams,
      querystring: z.object({ format: z.enum(['json', 'text']).default('json') }),
      response: {
        200: {
          description: 'The record: JSON by default, plain text with ?format=text',
          content: { 'application/json': { schema: incidentRecord }, 'text/plain': { schema: z.string() } },
        },
      },
    },
  }, async (request, reply) => {
    const incident = await read(request.params.id);
    const entries = await db.select().from(timelineEntries).where(eq(timelineEntries.incidentId, incident.id)).orderBy(asc(timelineEntries.at), asc(timelineEntries.id));
    const [customer] = await db.select().from(customers).where(eq(customers.id, incident.customerId));
    const [integration] = await db.select().from(integrations).where(eq(integrations.id, incident.integrationId));
    const names = await Names.load(db, { engineer: entries.map((e) => e.engineerId) });
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
      timeline: entries.map((e) => timelineEntryOf(e, names)),
    });
  });

  r.post('/incidents/:id/acknowledge', { schema: { tags, summary: 'Acknowledge for an engineer (exactly once: a second answer is 409)', params: idParams, body: acknowledgeBody, problems: ackProblems, response: { 200: incidentOutput } } }, async (request) =>
    act(request.params.id, async (tx) => acknowledge(tx, deps, request.params.id, await actor(tx, request, request.body.engineerId), deps.clock.now())),
  );

  r.post('/incidents/:id/escalate', {
    schema: { tags, summary: 'Escalate to the next level now', params: idParams, body: escalateBody, problems: { 409: ['incident 12 is not escalating (its policy ran out or it was stopped)', ...actionProblems[409]], 422: actionProblems[422] }, response: { 200: incidentOutput } },
  }, async (request) =>
    act(request.params.id, async (tx) => {
      const by = request.body.engineerId ? await actor(tx, request, request.body.engineerId) : { engineer: null, channel: 'api' as const, apiToken: actingToken(request) };
      return escalateNow(tx, deps, request.params.id, by, null, deps.clock.now());
    }),
  );

  r.post('/incidents/:id/wait', {
    schema: { tags, summary: 'Mark waiting on the customer (pauses the resolution clock; the customer is told)', params: idParams, body: waitBody, problems: actionProblems, response: { 200: incidentOutput } },
  }, async (request) =>
    act(request.params.id, async (tx) => waitOnCustomer(tx, deps, request.params.id, await actor(tx, request, request.body.engineerId), request.body.question, deps.clock.now())),
  );

  r.post('/incidents/:id/reply', {
    schema: { tags, summary: 'Send the customer a text from the engineer (kept on the timeline)', params: idParams, body: replyBody, problems: actionProblems, response: { 200: incidentOutput } },
  }, async (request) =>
    act(request.params.id, async (tx) => replyToCustomer(tx, request.params.id, await actor(tx, request, request.body.engineerId), request.body.text, deps.clock.now())),
  );

  r.post('/incidents/:id/resolve', {
    schema: { tags, summary: 'Resolve (stops escalation and the clocks; the customer is told)', params: idParams, body: resolveBody, problems: actionProblems, response: { 200: incidentOutput } },
  }, async (request) =>
    act(request.params.id, async (tx) => resolve(tx, deps, request.params.id, await actor(tx, request, request.body.engineerId), request.body.note, deps.clock.now())),
  );

  r.post('/incidents/:id/close-with-evidence', {
    schema: {
      tags,
      summary: "Close with evidence that the cause is in the customer's or a third party's system; the evidence is sent to the customer and kept",
      params: idParams,
      body: evidenceBody,
      problems: actionProblems,
      response: { 200: incidentOutput },
    },
  }, async (request) =>
    act(request.params.id, async (tx) => closeWithEvidence(tx, deps, request.params.id, await actor(tx, request, request.body.engineerId), request.body.evidence, deps.clock.now())),
  );

  r.post('/incidents/:id/reassign', {
    schema: {
      tags,
      summary: 'Give the incident to another engineer (tokens act as admins): before acknowledgement it is acknowledged for them; after, they are told it is theirs and the previous engineer that it is not',
      params: idParams,
      body: z.object({ engineerId: z.number().int().positive().describe('The engineer who gets the incident') }).meta({ id: 'IncidentReassign', example: { engineerId: 2 } }),
      response: { 200: incidentOutput },
    },
  }, async (request) =>
    act(request.params.id, async (tx) =>
      reassign(tx, deps, request.params.id, { engineer: null, channel: 'api', apiToken: actingToken(request) }, await actingEngineer(tx, request.body.engineerId), deps.clock.now()),
    ),
  );
};
