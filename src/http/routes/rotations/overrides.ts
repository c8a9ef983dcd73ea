import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { and, asc, eq, gt, lt, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Deps } from '../../../app/deps.js';
import { addOverride, removeOverride } from '../../../app/rotations.js';
import { rotationOverrides, rotations } from '../../../db/schema.js';
import { notFound } from '../../problem.js';
import { idInput, idParams, instantInput, iso, page, pageOf, pageQuery } from '../common.js';
import { orThrow } from './problems.js';

const overrideInput = z.object({
  engineerId: idInput.describe('Who is on call during the window'),
  replacesEngineerId: idInput
    .nullable()
    .default(null)
    .describe("Whose time is covered: only while they are on call. null covers the whole rotation (whoever is on, or nobody: it can fill a gap)"),
  startsAt: instantInput.describe('Not in the past: who was on call stays as it was'),
  endsAt: instantInput.describe('After startsAt; the window is [startsAt, endsAt)'),
});

const overrideOutput = z
  .object({
    id: z.number().int(),
    rotationId: z.number().int(),
    engineerId: z.number().int(),
    replacesEngineerId: z.number().int().nullable(),
    startsAt: z.string(),
    endsAt: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'RotationOverride' });

type Row = typeof rotationOverrides.$inferSelect;
const toOutput = (o: Row) => ({
  id: o.id,
  rotationId: o.rotationId,
  engineerId: o.engineerId,
  replacesEngineerId: o.replacesEngineerId,
  startsAt: iso(o.startsAt),
  endsAt: iso(o.endsAt),
  createdAt: iso(o.createdAt),
});

const overrideParams = idParams.extend({ overrideId: z.coerce.number().int().positive() });

/** Overrides: someone covers a window, for one participant or the whole rotation; later ones win. */
export const overrideRoutes = (deps: Deps): FastifyPluginAsync => async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;
  const tags = ['rotations'];

  r.post('/rotations/:id/overrides', {
    schema: {
      tags,
      summary: 'Put an engineer on call for a window (422 naming engineerId or replacesEngineerId when unknown or archived)',
      params: idParams,
      body: overrideInput,
      response: { 201: overrideOutput },
    },
  }, async (request, reply) => {
    const now = deps.clock.now();
    const row = await db.transaction(async (tx) => orThrow(await addOverride(tx, request.params.id, request.body, now)));
    return reply.code(201).send(toOutput(row));
  });

  r.get('/rotations/:id/overrides', {
    schema: {
      tags,
      summary: "A rotation's overrides in creation order (a later one wins where they overlap)",
      params: idParams,
      querystring: pageQuery.extend({
        from: instantInput.optional().describe('Only overrides that end after this instant'),
        to: instantInput.optional().describe('Only overrides that start before this instant'),
      }),
      response: { 200: pageOf(overrideOutput) },
    },
  }, async (request) => {
    const [rotation] = await db.select({ id: rotations.id }).from(rotations).where(eq(rotations.id, request.params.id));
    if (!rotation) throw notFound('rotation', request.params.id);
    const { limit, cursor, from, to } = request.query;
    const filters: SQL[] = [eq(rotationOverrides.rotationId, rotation.id)];
    if (cursor) filters.push(gt(rotationOverrides.id, cursor));
    if (from) filters.push(gt(rotationOverrides.endsAt, from));
    if (to) filters.push(lt(rotationOverrides.startsAt, to));
    const rows = await db.select().from(rotationOverrides).where(and(...filters)).orderBy(asc(rotationOverrides.id)).limit(limit + 1);
    return page(rows, limit, toOutput);
  });

  r.delete('/rotations/:id/overrides/:overrideId', {
    schema: {
      tags,
      summary: 'Remove an override: deleted if it has not started, ended now if under way; 409 once it has ended (history stays)',
      params: overrideParams,
      response: { 200: overrideOutput.extend({ outcome: z.enum(['deleted', 'ended_now']) }) },
    },
  }, async (request) => {
    const now = deps.clock.now();
    const { override, outcome } = await db.transaction(async (tx) => orThrow(await removeOverride(tx, request.params.id, request.params.overrideId, now)));
    return { ...toOutput(override), outcome };
  });
};
