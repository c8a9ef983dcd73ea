import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { and, asc, eq, gt, lt, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Deps } from '../../../app/deps.js';
import { addOverride, removeOverride } from '../../../app/rotations.js';
import type { Executor } from '../../../db/client.js';
import { rotationOverrides, rotations } from '../../../db/schema.js';
import { notFound } from '../../problem.js';
import { EXAMPLE_AT, idInput, idParams, instantInput, iso, page, pageOf, pageQuery } from '../common.js';
import { Names } from '../../../db/names.js';
import { orThrow } from './problems.js';

const overrideInput = z.object({
  engineerId: idInput.describe('Who is on call during the window'),
  replacesEngineerId: idInput
    .nullable()
    .default(null)
    .describe("Whose time is covered: only while they are on call. null covers the whole rotation (whoever is on, or nobody: it can fill a gap)"),
  startsAt: instantInput.describe('Not in the past: who was on call stays as it was'),
  endsAt: instantInput.describe('After startsAt; the window is [startsAt, endsAt)'),
}).meta({ id: 'RotationOverrideCreate', example: { engineerId: 3, replacesEngineerId: 1, startsAt: '2026-11-24T18:00:00-03:00', endsAt: '2026-11-25T09:00:00-03:00' } });

const overrideOutput = z
  .object({
    id: z.number().int(),
    rotationId: z.number().int(),
    rotationName: z.string(),
    engineerId: z.number().int(),
    engineerName: z.string(),
    replacesEngineerId: z.number().int().nullable(),
    replacesEngineerName: z.string().nullable(),
    startsAt: z.string(),
    endsAt: z.string(),
    createdAt: z.string(),
  })
  .meta({
    id: 'RotationOverride',
    example: {
      id: 1,
      rotationId: 1,
      rotationName: 'Integrations primary',
      engineerId: 3,
      engineerName: 'Lead Three',
      replacesEngineerId: 1,
      replacesEngineerName: 'Eng One',
      startsAt: '2026-11-24T21:00:00.000Z',
      endsAt: '2026-11-25T12:00:00.000Z',
      createdAt: EXAMPLE_AT,
    },
  });

const overrideRemoval = overrideOutput.extend({ outcome: z.enum(['deleted', 'ended_now']).describe('deleted: it had not started; ended_now: it was under way') }).meta({ id: 'RotationOverrideRemoval' });

type Row = typeof rotationOverrides.$inferSelect;
const namesFor = (db: Executor, rows: Row[]) =>
  Names.load(db, { rotation: rows.map((o) => o.rotationId), engineer: rows.flatMap((o) => [o.engineerId, o.replacesEngineerId]) });
const toOutput = (o: Row, names: Names) => ({
  id: o.id,
  rotationId: o.rotationId,
  rotationName: names.ofRequired('rotation', o.rotationId),
  engineerId: o.engineerId,
  engineerName: names.ofRequired('engineer', o.engineerId),
  replacesEngineerId: o.replacesEngineerId,
  replacesEngineerName: names.of('engineer', o.replacesEngineerId),
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
      problems: { 409: 'rotation "Integrations primary" (1) is archived: it no longer changes', 422: { detail: 'engineerId: engineer 99 does not exist', errors: [{ field: 'engineerId', message: 'engineer 99 does not exist' }] } },
      response: { 201: overrideOutput },
    },
  }, async (request, reply) => {
    const now = deps.clock.now();
    const row = await db.transaction(async (tx) => orThrow(await addOverride(tx, request.params.id, request.body, now)));
    return reply.code(201).send(toOutput(row, await namesFor(db, [row])));
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
    const names = await namesFor(db, rows);
    return page(rows, limit, (row) => toOutput(row, names));
  });

  r.delete('/rotations/:id/overrides/:overrideId', {
    schema: {
      tags,
      summary: 'Remove an override: deleted if it has not started, ended now if under way; 409 once it has ended (history stays)',
      params: overrideParams,
      problems: { 404: 'override 7 does not exist', 409: 'override 7 ended at 2026-11-25T12:00:00.000Z: it is history and stays' },
      response: { 200: overrideRemoval },
    },
  }, async (request) => {
    const now = deps.clock.now();
    const { override, outcome } = await db.transaction(async (tx) => orThrow(await removeOverride(tx, request.params.id, request.params.overrideId, now)));
    return { ...toOutput(override, await namesFor(db, [override])), outcome };
  });
};
