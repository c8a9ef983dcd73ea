import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { and, asc, eq, gt, inArray, isNull, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Deps } from '../../../app/deps.js';
import type { Executor, Tx } from '../../../db/client.js';
import { engineers, escalationLevels, escalationPolicies, escalationTargets, rotations, standbyNumbers } from '../../../db/schema.js';
import { conflict, HttpProblem, notFound, type FieldError } from '../../problem.js';
import { booleanQuery, EXAMPLE_AT, idInput, idParams, idQuery, iso, isoOrNull, page, pageOf, pageQuery, patchOf } from '../common.js';

const targetInput = z.discriminatedUnion('type', [
  z.object({ type: z.literal('rotation'), rotationId: idInput }).describe("Pages the rotation's on-call engineer at the moment of paging"),
  z.object({ type: z.literal('engineer'), engineerId: idInput }).describe('Pages this engineer'),
]);

type TargetInput = z.infer<typeof targetInput>;
const targetKey = (t: TargetInput) => (t.type === 'rotation' ? `rotation:${t.rotationId}` : `engineer:${t.engineerId}`);

const levelInput = z
  .object({
    // The floor is MIN_ACK_TIMEOUT_SECONDS (30 s in production; lowered only by drills and tests), checked with the targets.
    ackTimeoutSeconds: z.number().int().min(1).max(86_400).describe('How long this level waits for an acknowledgement before the next level is paged (30 s to 24 h)'),
    targets: z.array(targetInput).min(1).max(20).describe('Everyone paged together at this level'),
  })
  .superRefine((level, ctx) => {
    const seen = new Set<string>();
    level.targets.forEach((target, index) => {
      const key = targetKey(target);
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['targets', index], message: 'is already a target of this level' });
      seen.add(key);
    });
  });

const levelsInput = z.array(levelInput).min(1).max(20).describe('Paged in order; the first level is paged as soon as an incident opens');

const policyFields = z.object({
  name: z.string().trim().min(1).max(200),
  repeat: z.number().int().min(0).max(10).default(0).describe('How many more times the whole list of levels runs after the first pass before the admins are alerted'),
  levels: levelsInput,
});

const exampleLevels = [
  { ackTimeoutSeconds: 300, targets: [{ type: 'rotation', rotationId: 1 }] },
  { ackTimeoutSeconds: 300, targets: [{ type: 'engineer', engineerId: 3 }] },
];
const policyInput = policyFields.meta({ id: 'EscalationPolicyCreate', example: { name: 'Integrations 24x7', repeat: 2, levels: exampleLevels } });
const policyPatch = patchOf(policyFields.omit({ levels: true })).meta({ id: 'EscalationPolicyUpdate', example: { repeat: 1 } });
const levelsReplace = z.object({ levels: levelsInput }).meta({ id: 'EscalationLevelsReplace', example: { levels: exampleLevels } });

const unknownTarget = {
  detail: 'levels.0.targets.1.engineerId: engineer 99 does not exist',
  errors: [{ field: 'levels.0.targets.1.engineerId', message: 'engineer 99 does not exist' }],
};
const nameTaken = { detail: 'name: already in use', errors: [{ field: 'name', message: 'already in use' }] };

const targetOutput = z.discriminatedUnion('type', [
  z.object({ type: z.literal('rotation'), rotationId: z.number().int(), name: z.string() }),
  z.object({ type: z.literal('engineer'), engineerId: z.number().int(), name: z.string() }),
]);

type TargetOutput = z.infer<typeof targetOutput>;

const levelOutput = z.object({
  position: z.number().int().describe('0-based, as the incident escalationLevel counts ("level 1" to a person is 0)'),
  ackTimeoutSeconds: z.number().int(),
  targets: z.array(targetOutput),
});

type LevelOutput = z.infer<typeof levelOutput>;

const policyOutput = z
  .object({
    id: z.number().int(),
    name: z.string(),
    repeat: z.number().int(),
    levels: z.array(levelOutput),
    archivedAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({
    id: 'EscalationPolicy',
    example: {
      id: 1,
      name: 'Integrations 24x7',
      repeat: 2,
      levels: [
        { position: 0, ackTimeoutSeconds: 300, targets: [{ type: 'rotation', rotationId: 1, name: 'Integrations primary' }] },
        { position: 1, ackTimeoutSeconds: 300, targets: [{ type: 'engineer', engineerId: 3, name: 'Lead Three' }] },
      ],
      archivedAt: null,
      createdAt: EXAMPLE_AT,
      updatedAt: EXAMPLE_AT,
    },
  });

type Row = typeof escalationPolicies.$inferSelect;
const toOutput = (p: Row, levels: LevelOutput[]) => ({
  id: p.id,
  name: p.name,
  repeat: p.repeat,
  levels,
  archivedAt: isoOrNull(p.archivedAt),
  createdAt: iso(p.createdAt),
  updatedAt: iso(p.updatedAt),
});

/** The levels of each policy, in order, with every target's name resolved. */
async function levelsOf(db: Executor, policyIds: number[]): Promise<Map<number, LevelOutput[]>> {
  const byPolicy = new Map<number, LevelOutput[]>(policyIds.map((id) => [id, []]));
  if (policyIds.length === 0) return byPolicy;
  const rows = await db
    .select({
      policyId: escalationLevels.policyId,
      levelId: escalationLevels.id,
      position: escalationLevels.position,
      ackTimeoutSeconds: escalationLevels.ackTimeoutSeconds,
      rotationId: escalationTargets.rotationId,
      rotationName: rotations.name,
      engineerId: escalationTargets.engineerId,
      engineerName: engineers.name,
    })
    .from(escalationLevels)
    .leftJoin(escalationTargets, eq(escalationTargets.levelId, escalationLevels.id))
    .leftJoin(rotations, eq(rotations.id, escalationTargets.rotationId))
    .leftJoin(engineers, eq(engineers.id, escalationTargets.engineerId))
    .where(inArray(escalationLevels.policyId, policyIds))
    .orderBy(asc(escalationLevels.policyId), asc(escalationLevels.position), asc(escalationTargets.id));
  let current: { levelId: number; level: LevelOutput } | undefined;
  for (const row of rows) {
    if (current?.levelId !== row.levelId) {
      current = { levelId: row.levelId, level: { position: row.position, ackTimeoutSeconds: row.ackTimeoutSeconds, targets: [] } };
      byPolicy.get(row.policyId)!.push(current.level);
    }
    let target: TargetOutput | undefined;
    if (row.rotationId !== null) target = { type: 'rotation', rotationId: row.rotationId, name: row.rotationName ?? '' };
    else if (row.engineerId !== null) target = { type: 'engineer', engineerId: row.engineerId, name: row.engineerName ?? '' };
    if (target) current.level.targets.push(target);
  }
  return byPolicy;
}

/**
 * Replaces a policy's whole list of levels inside the caller's transaction. Every target must be
 * an engineer or rotation that exists and is not archived; each one that is not is reported at
 * its precise path (`levels.0.targets.1.engineerId`) and nothing is written. The targets are
 * share-locked so that archiving one of them (which checks its uses) waits for this write.
 */
async function replaceLevels(tx: Tx, policyId: number, levels: z.infer<typeof levelsInput>, minAckTimeoutSeconds: number): Promise<void> {
  const targets = levels.flatMap((level, l) => level.targets.map((target, t) => ({ target, path: `levels.${l}.targets.${t}` })));
  const engineerIds = [...new Set(targets.flatMap(({ target }) => (target.type === 'engineer' ? [target.engineerId] : [])))];
  const rotationIds = [...new Set(targets.flatMap(({ target }) => (target.type === 'rotation' ? [target.rotationId] : [])))];
  const foundEngineers =
    engineerIds.length > 0 ? await tx.select({ id: engineers.id, archivedAt: engineers.archivedAt }).from(engineers).where(inArray(engineers.id, engineerIds)).for('share') : [];
  const foundRotations =
    rotationIds.length > 0 ? await tx.select({ id: rotations.id, archivedAt: rotations.archivedAt }).from(rotations).where(inArray(rotations.id, rotationIds)).for('share') : [];
  const engineerById = new Map(foundEngineers.map((e) => [e.id, e]));
  const rotationById = new Map(foundRotations.map((r) => [r.id, r]));

  const errors: FieldError[] = levels.flatMap((level, l) =>
    level.ackTimeoutSeconds < minAckTimeoutSeconds ? [{ field: `levels.${l}.ackTimeoutSeconds`, message: `must be at least ${minAckTimeoutSeconds} seconds` }] : [],
  );
  for (const { target, path } of targets) {
    const { field, what, id, found } =
      target.type === 'engineer'
        ? { field: `${path}.engineerId`, what: 'engineer', id: target.engineerId, found: engineerById.get(target.engineerId) }
        : { field: `${path}.rotationId`, what: 'rotation', id: target.rotationId, found: rotationById.get(target.rotationId) };
    if (!found) errors.push({ field, message: `${what} ${id} does not exist` });
    else if (found.archivedAt) errors.push({ field, message: `${what} ${id} is archived` });
  }
  if (errors.length > 0) throw new HttpProblem(422, errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });

  await tx.delete(escalationLevels).where(eq(escalationLevels.policyId, policyId));
  const inserted = await tx
    .insert(escalationLevels)
    .values(levels.map((level, position) => ({ policyId, position, ackTimeoutSeconds: level.ackTimeoutSeconds })))
    .returning({ id: escalationLevels.id, position: escalationLevels.position });
  const levelIdAt = new Map(inserted.map((l) => [l.position, l.id]));
  await tx.insert(escalationTargets).values(
    levels.flatMap((level, position) =>
      level.targets.map((target) => ({
        levelId: levelIdAt.get(position)!,
        rotationId: target.type === 'rotation' ? target.rotationId : null,
        engineerId: target.type === 'engineer' ? target.engineerId : null,
      })),
    ),
  );
}

export const escalationPolicyRoutes = (deps: Deps): FastifyPluginAsync => async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;
  const tags = ['escalation-policies'];

  const read = async (executor: Executor, id: number) => {
    const [row] = await executor.select().from(escalationPolicies).where(eq(escalationPolicies.id, id));
    if (!row) throw notFound('escalation policy', id);
    const levels = await levelsOf(executor, [row.id]);
    return toOutput(row, levels.get(row.id)!);
  };

  r.post('/escalation-policies', {
    schema: {
      tags,
      summary: 'Create an escalation policy with its levels (422 naming e.g. levels.0.targets.1.engineerId for an unknown or archived target)',
      body: policyInput,
      problems: { 409: nameTaken, 422: unknownTarget },
      response: { 201: policyOutput },
    },
  }, async (request, reply) => {
    const { levels, ...fields } = request.body;
    const created = await db.transaction(async (tx) => {
      const [row] = await tx.insert(escalationPolicies).values(fields).returning();
      await replaceLevels(tx, row!.id, levels, deps.config.MIN_ACK_TIMEOUT_SECONDS);
      return read(tx, row!.id);
    });
    return reply.code(201).send(created);
  });

  r.get('/escalation-policies', {
    schema: {
      tags,
      summary: 'List escalation policies with their levels',
      querystring: pageQuery.extend({
        engineerId: idQuery.optional().describe('Only policies with a level that pages this engineer directly'),
        rotationId: idQuery.optional().describe('Only policies with a level that pages this rotation'),
        archived: booleanQuery.optional().describe('true includes archived ones'),
      }),
      response: { 200: pageOf(policyOutput) },
    },
  }, async (request) => {
    const { limit, cursor, engineerId, rotationId, archived } = request.query;
    const filters: SQL[] = [];
    if (cursor) filters.push(gt(escalationPolicies.id, cursor));
    if (archived !== true) filters.push(isNull(escalationPolicies.archivedAt));
    const targeting = (condition: SQL) =>
      inArray(
        escalationPolicies.id,
        db.select({ id: escalationLevels.policyId }).from(escalationLevels).innerJoin(escalationTargets, eq(escalationTargets.levelId, escalationLevels.id)).where(condition),
      );
    if (engineerId) filters.push(targeting(eq(escalationTargets.engineerId, engineerId)));
    if (rotationId) filters.push(targeting(eq(escalationTargets.rotationId, rotationId)));
    const rows = await db.select().from(escalationPolicies).where(and(...filters)).orderBy(asc(escalationPolicies.id)).limit(limit + 1);
    const levels = await levelsOf(db, rows.slice(0, limit).map((p) => p.id));
    return page(rows, limit, (p) => toOutput(p, levels.get(p.id) ?? []));
  });

  r.get('/escalation-policies/:id', {
    schema: { tags, summary: 'Read an escalation policy with its levels and the names of their targets', params: idParams, response: { 200: policyOutput } },
  }, async (request) => read(db, request.params.id));

  r.patch('/escalation-policies/:id', {
    schema: { tags, summary: "Rename a policy or change how many times it repeats (levels: PUT …/levels)", params: idParams, body: policyPatch, problems: { 409: nameTaken }, response: { 200: policyOutput } },
  }, async (request) => {
    return db.transaction(async (tx) => {
      const [row] = await tx.update(escalationPolicies).set({ ...request.body, updatedAt: deps.clock.now() }).where(eq(escalationPolicies.id, request.params.id)).returning();
      if (!row) throw notFound('escalation policy', request.params.id);
      return read(tx, row.id);
    });
  });

  r.put('/escalation-policies/:id/levels', {
    schema: {
      tags,
      summary: "Replace a policy's whole list of levels in one transaction (incidents escalating now continue with the new list)",
      params: idParams,
      body: levelsReplace,
      problems: { 422: unknownTarget },
      response: { 200: policyOutput },
    },
  }, async (request) => {
    return db.transaction(async (tx) => {
      // The update lock serialises two replacements of the same list.
      const [row] = await tx.update(escalationPolicies).set({ updatedAt: deps.clock.now() }).where(eq(escalationPolicies.id, request.params.id)).returning();
      if (!row) throw notFound('escalation policy', request.params.id);
      await replaceLevels(tx, row.id, request.body.levels, deps.config.MIN_ACK_TIMEOUT_SECONDS);
      return read(tx, row.id);
    });
  });

  r.delete('/escalation-policies/:id', {
    schema: { tags, summary: 'Archive an escalation policy; 409 listing the standby numbers that still page through it',
      params: idParams,
      problems: {
        409: {
          detail: 'escalation policy "Integrations 24x7" still pages for standby number(s) +541150000100 (Acme Retail dedicated line): move them to another policy first',
          usedBy: [{ kind: 'standby_number', id: 1, phone: '+541150000100', label: 'Acme Retail dedicated line' }],
        },
      }, response: { 200: policyOutput } },
  }, async (request) => {
    const now = deps.clock.now();
    return db.transaction(async (tx) => {
      const [current] = await tx.select().from(escalationPolicies).where(eq(escalationPolicies.id, request.params.id)).for('update');
      if (!current) throw notFound('escalation policy', request.params.id);
      const users = await tx
        .select({ id: standbyNumbers.id, phone: standbyNumbers.phone, label: standbyNumbers.label })
        .from(standbyNumbers)
        .where(eq(standbyNumbers.escalationPolicyId, current.id))
        .orderBy(asc(standbyNumbers.id));
      if (users.length > 0) {
        const where = users.map((n) => `${n.phone}${n.label ? ` (${n.label})` : ''}`).join(', ');
        throw conflict(`escalation policy "${current.name}" still pages for standby number(s) ${where}: move them to another policy first`, {
          usedBy: users.map((n) => ({ kind: 'standby_number', ...n })),
        });
      }
      if (!current.archivedAt) await tx.update(escalationPolicies).set({ archivedAt: now, updatedAt: now }).where(eq(escalationPolicies.id, current.id));
      return read(tx, current.id);
    });
  });
};
