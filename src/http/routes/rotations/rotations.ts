import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { and, asc, eq, gt, isNull, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Deps } from '../../../app/deps.js';
import { archiveRotation, cancelVersion, changeRotation, createRotation, loadVersionViews, rotationView, rotationViews, type RotationView, type VersionView } from '../../../app/rotations.js';
import type { Executor } from '../../../db/client.js';
import { rotations } from '../../../db/schema.js';
import { MAX_SHIFT_LENGTH } from '../../../domain/rotation/rotation.js';
import { isCalendarDate, isTimeOfDay, isTimeZoneName } from '../../../domain/rotation/local-time.js';
import { notFound } from '../../problem.js';
import { booleanQuery, EXAMPLE_AT, idInput, idParams, instantInput, iso, isoOrNull, page, pageOf, pageQuery } from '../common.js';
import { calendarTokenRoutes } from './calendar-tokens.js';
import { coverageGapRoutes } from './coverage-gaps.js';
import { overrideRoutes } from './overrides.js';
import { orThrow } from './problems.js';
import { scheduleRoutes } from './schedule.js';

const shapeFields = {
  timeZone: z
    .string()
    .refine(isTimeZoneName, "must be an IANA time zone such as America/New_York (not a fixed offset: a rotation follows a place's clock, DST included)")
    .meta({ example: 'America/Argentina/Buenos_Aires' }),
  shiftLength: z.number().int().min(1).max(MAX_SHIFT_LENGTH).describe('A whole number of shiftUnit'),
  shiftUnit: z
    .enum(['hours', 'days', 'weeks'])
    .describe('days and weeks hand off at handoffTime local on both sides of a DST change; hours step in real hours, so every shift lasts the same'),
  handoffTime: z.string().refine(isTimeOfDay, 'must be a 24-hour time HH:mm such as 09:00').describe("Local time of each handoff in the rotation's zone").meta({ example: '09:00' }),
  startDate: z
    .string()
    .refine(isCalendarDate, 'must be a calendar date yyyy-MM-dd')
    .describe('Local date of the first shift (participant 0); weekly handoffs fall on its weekday. Keep it when changing participants to keep the cadence')
    .meta({ example: '2026-11-23' }),
  participants: z.array(idInput).max(100).describe('Engineer ids in rotation order (one may appear more than once; empty means nobody on call)'),
};

const effectiveFrom = instantInput
  .optional()
  .describe('When the change takes effect (default now); not in the past, and after every version already recorded: who was on call before it stays as it was');

const exampleShape = { timeZone: 'America/Argentina/Buenos_Aires', shiftLength: 1, shiftUnit: 'weeks', handoffTime: '09:00', startDate: '2026-11-23', participants: [1, 2] };

const rotationInput = z
  .object({
    name: z.string().trim().min(1).max(200),
    description: z.string().max(2000).default(''),
    ...shapeFields,
    effectiveFrom,
  })
  .meta({ id: 'RotationCreate', example: { name: 'Integrations primary', description: 'Weekly, Monday 09:00', ...exampleShape } });

const rotationPatch = z
  .object({ name: z.string().trim().min(1).max(200), description: z.string().max(2000) })
  .partial()
  .meta({ id: 'RotationUpdate', example: { description: 'Weekly, handoff Monday 09:00 Buenos Aires' } });

const versionInput = z
  .object(shapeFields)
  .partial()
  .extend({ effectiveFrom })
  .refine((change) => Object.keys(shapeFields).some((key) => change[key as keyof typeof shapeFields] !== undefined), 'must change at least one of ' + Object.keys(shapeFields).join(', '))
  .describe('The new shape from effectiveFrom on; every field left out is kept from the latest version')
  .meta({ id: 'RotationVersionCreate', example: { handoffTime: '10:00', effectiveFrom: '2026-12-01T00:00:00-03:00' } });

const participantsInput = z
  .object({ participants: shapeFields.participants, effectiveFrom })
  .meta({ id: 'RotationParticipantsReplace', example: { participants: [2, 1], effectiveFrom: '2026-11-30T09:00:00-03:00' } });

const unknownParticipant = { detail: 'participants.1: engineer 99 does not exist', errors: [{ field: 'participants.1', message: 'engineer 99 does not exist' }] };
const archived = 'rotation "Integrations primary" (1) is archived: it no longer changes';
const notAfterLatest = {
  detail: 'effectiveFrom: must be after 2026-12-01T03:00:00.000Z, when the latest version (7) takes effect; to change that upcoming version, cancel it (DELETE …/versions/7) and add it again',
  errors: [{ field: 'effectiveFrom', message: 'must be after 2026-12-01T03:00:00.000Z, when the latest version (7) takes effect; to change that upcoming version, cancel it (DELETE …/versions/7) and add it again' }],
};

export const versionOutput = z
  .object({
    id: z.number().int(),
    effectiveFrom: z.string(),
    timeZone: z.string(),
    shiftLength: z.number().int(),
    shiftUnit: z.enum(['hours', 'days', 'weeks']),
    handoffTime: z.string(),
    startDate: z.string(),
    participants: z.array(z.object({ engineerId: z.number().int(), name: z.string() })),
  })
  .meta({
    id: 'RotationVersion',
    example: {
      id: 1,
      effectiveFrom: '2026-11-23T12:00:00.000Z',
      ...exampleShape,
      participants: [
        { engineerId: 1, name: 'Eng One' },
        { engineerId: 2, name: 'Eng Two' },
      ],
    },
  });

const rotationOutput = z
  .object({
    id: z.number().int(),
    name: z.string(),
    description: z.string(),
    current: versionOutput.nullable().describe('The version in force now; null until the first one takes effect'),
    upcoming: z.array(versionOutput).describe('Versions scheduled to take effect later, soonest first'),
    archivedAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({
    id: 'Rotation',
    example: {
      id: 1,
      name: 'Integrations primary',
      description: 'Weekly, Monday 09:00',
      current: {
        id: 1,
        effectiveFrom: '2026-11-23T12:00:00.000Z',
        ...exampleShape,
        participants: [
          { engineerId: 1, name: 'Eng One' },
          { engineerId: 2, name: 'Eng Two' },
        ],
      },
      upcoming: [],
      archivedAt: null,
      createdAt: EXAMPLE_AT,
      updatedAt: EXAMPLE_AT,
    },
  });

const versionList = z.object({ items: z.array(versionOutput) }).meta({ id: 'RotationVersionList' });

const versionParams = idParams.extend({ versionId: z.coerce.number().int().positive() });

const versionToOutput = (v: VersionView) => ({ ...v, effectiveFrom: iso(v.effectiveFrom) });

const toOutput = ({ rotation: r, current, upcoming }: RotationView) => ({
  id: r.id,
  name: r.name,
  description: r.description,
  current: current ? versionToOutput(current) : null,
  upcoming: upcoming.map(versionToOutput),
  archivedAt: isoOrNull(r.archivedAt),
  createdAt: iso(r.createdAt),
  updatedAt: iso(r.updatedAt),
});

/** Rotations: the line-up, its changes over time (versions), overrides, and the schedule it makes. */
export const rotationRoutes = (deps: Deps): FastifyPluginAsync => async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;
  const tags = ['rotations'];

  const read = async (executor: Executor, id: number, now: Date) => {
    const view = await rotationView(executor, id, now);
    if (!view) throw notFound('rotation', id);
    return toOutput(view);
  };

  r.post('/rotations', {
    schema: {
      tags,
      summary: 'Create a rotation with its first version (422 naming participants.N for an unknown or archived engineer)',
      body: rotationInput,
      problems: { 409: { detail: 'name: already in use', errors: [{ field: 'name', message: 'already in use' }] }, 422: unknownParticipant },
      response: { 201: rotationOutput },
    },
  }, async (request, reply) => {
    const now = deps.clock.now();
    const created = await db.transaction(async (tx) => {
      const { rotationId } = orThrow(await createRotation(tx, request.body, now));
      return read(tx, rotationId, now);
    });
    return reply.code(201).send(created);
  });

  r.get('/rotations', {
    schema: {
      tags,
      summary: 'List rotations with their current and upcoming versions',
      querystring: pageQuery.extend({ archived: booleanQuery.optional().describe('true includes archived ones') }),
      response: { 200: pageOf(rotationOutput) },
    },
  }, async (request) => {
    const { limit, cursor, archived } = request.query;
    const filters: SQL[] = [];
    if (cursor) filters.push(gt(rotations.id, cursor));
    if (archived !== true) filters.push(isNull(rotations.archivedAt));
    const rows = await db.select().from(rotations).where(and(...filters)).orderBy(asc(rotations.id)).limit(limit + 1);
    const views = new Map((await rotationViews(db, rows.slice(0, limit), deps.clock.now())).map((v) => [v.rotation.id, v]));
    return page(rows, limit, (row) => toOutput(views.get(row.id)!));
  });

  r.get('/rotations/:id', {
    schema: { tags, summary: 'Read a rotation with the version in force now and the ones scheduled', params: idParams, response: { 200: rotationOutput } },
  }, async (request) => read(db, request.params.id, deps.clock.now()));

  r.patch('/rotations/:id', {
    schema: { tags, summary: 'Rename or describe a rotation (its shape changes through versions)', params: idParams, body: rotationPatch, problems: { 409: { detail: 'name: already in use', errors: [{ field: 'name', message: 'already in use' }] } }, response: { 200: rotationOutput } },
  }, async (request) => {
    const now = deps.clock.now();
    const [row] = await db.update(rotations).set({ ...request.body, updatedAt: now }).where(eq(rotations.id, request.params.id)).returning({ id: rotations.id });
    if (!row) throw notFound('rotation', request.params.id);
    return read(db, row.id, now);
  });

  r.delete('/rotations/:id', {
    schema: { tags, summary: 'Archive a rotation; 409 listing the escalation policies that still page it',
      params: idParams,
      problems: {
        409: {
          detail: 'rotation "Integrations primary" is still paged by escalation policy "Integrations 24x7" (1): take it out of those levels first',
          usedBy: [{ id: 1, name: 'Integrations 24x7' }],
        },
      }, response: { 200: rotationOutput } },
  }, async (request) => {
    const now = deps.clock.now();
    return db.transaction(async (tx) => {
      orThrow(await archiveRotation(tx, request.params.id, now));
      return read(tx, request.params.id, now);
    });
  });

  r.get('/rotations/:id/versions', {
    schema: { tags, summary: "A rotation's whole history of versions, oldest first", params: idParams, response: { 200: versionList } },
  }, async (request) => {
    const [row] = await db.select({ id: rotations.id }).from(rotations).where(eq(rotations.id, request.params.id));
    if (!row) throw notFound('rotation', request.params.id);
    return { items: (await loadVersionViews(db, [row.id])).get(row.id)!.map(versionToOutput) };
  });

  r.post('/rotations/:id/versions', {
    schema: {
      tags,
      summary: 'Change the shape of a rotation from an instant (zone, handoff time, shift length, participants…); earlier shifts stay as they were',
      params: idParams,
      body: versionInput,
      problems: { 409: [notAfterLatest, { detail: archived }], 422: unknownParticipant },
      response: { 201: rotationOutput },
    },
  }, async (request, reply) => {
    const now = deps.clock.now();
    const changed = await db.transaction(async (tx) => {
      orThrow(await changeRotation(tx, request.params.id, request.body, now));
      return read(tx, request.params.id, now);
    });
    return reply.code(201).send(changed);
  });

  r.delete('/rotations/:id/versions/:versionId', {
    schema: { tags, summary: 'Cancel a version that has not taken effect yet (409 for one in force or past)',
      params: versionParams,
      problems: { 404: 'version 7 does not exist', 409: 'version 7 took effect at 2026-11-23T12:00:00.000Z: it is history and stays (add a new version instead)' }, response: { 200: rotationOutput } },
  }, async (request) => {
    const now = deps.clock.now();
    return db.transaction(async (tx) => {
      orThrow(await cancelVersion(tx, request.params.id, request.params.versionId, now));
      return read(tx, request.params.id, now);
    });
  });

  r.put('/rotations/:id/participants', {
    schema: {
      tags,
      summary: 'Reorder, add or remove participants from an instant (default now), keeping the cadence; who was on call before it stays as it was',
      params: idParams,
      body: participantsInput,
      problems: { 409: [notAfterLatest, { detail: archived }], 422: unknownParticipant },
      response: { 200: rotationOutput },
    },
  }, async (request) => {
    const now = deps.clock.now();
    return db.transaction(async (tx) => {
      orThrow(await changeRotation(tx, request.params.id, request.body, now));
      return read(tx, request.params.id, now);
    });
  });

  await app.register(overrideRoutes(deps));
  await app.register(scheduleRoutes(deps));
  await app.register(coverageGapRoutes(deps));
  await app.register(calendarTokenRoutes(deps));
};
