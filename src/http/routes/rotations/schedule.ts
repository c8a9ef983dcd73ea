import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Deps } from '../../../app/deps.js';
import { MAX_SCHEDULE_WINDOW_DAYS, engineerShifts, onCall, rotationShifts } from '../../../app/rotations.js';
import { engineers } from '../../../db/schema.js';
import { notFound, unprocessable } from '../../problem.js';
import { EXAMPLE_AT, idParams, instantInput, iso, isoOrNull } from '../common.js';

const DAY_MS = 86_400_000;

const windowQuery = (defaultDays: number) =>
  z.object({
    from: instantInput.optional().describe('Default now'),
    to: instantInput.optional().describe(`Default ${defaultDays} days after from; at most ${MAX_SCHEDULE_WINDOW_DAYS} days after it`),
  });

/** The window a schedule query asks for; 422 naming `query.to` when it is empty or too wide. */
export function windowOf(query: { from?: Date | undefined; to?: Date | undefined }, now: Date, defaultDays: number): { from: Date; to: Date } {
  const from = query.from ?? now;
  const to = query.to ?? new Date(from.getTime() + defaultDays * DAY_MS);
  if (to.getTime() <= from.getTime()) throw unprocessable('query.to', 'must be after from');
  if (to.getTime() - from.getTime() > MAX_SCHEDULE_WINDOW_DAYS * DAY_MS) throw unprocessable('query.to', `must be at most ${MAX_SCHEDULE_WINDOW_DAYS} days after from`);
  return { from, to };
}

const engineerRef = z.object({ id: z.number().int(), name: z.string() });

const onCallOutput = z
  .object({
    at: z.string(),
    engineer: engineerRef.extend({ phone: z.string() }).nullable().describe('null: nobody is on call'),
    shift: z.object({
      start: z.string().nullable().describe('When this stretch began; null if not within about a year'),
      end: z.string().nullable().describe('When the next person takes over; null if not within about a year'),
      overrideId: z.number().int().nullable().describe('The override that put this engineer on call, if any'),
    }),
  })
  .meta({
    id: 'OnCall',
    example: {
      at: EXAMPLE_AT,
      engineer: { id: 1, name: 'Eng One', phone: '+5491150000201' },
      shift: { start: '2026-11-23T12:00:00.000Z', end: '2026-11-30T12:00:00.000Z', overrideId: null },
    },
  });

const shiftsOutput = z
  .object({
    from: z.string(),
    to: z.string(),
    shifts: z.array(z.object({ start: z.string(), end: z.string(), engineer: engineerRef.nullable().describe('null: a gap, nobody on call'), overrideId: z.number().int().nullable() })),
  })
  .meta({
    id: 'RotationShifts',
    example: {
      from: EXAMPLE_AT,
      to: '2026-11-30T15:00:00.000Z',
      shifts: [
        { start: EXAMPLE_AT, end: '2026-11-30T12:00:00.000Z', engineer: { id: 1, name: 'Eng One' }, overrideId: null },
        { start: '2026-11-30T12:00:00.000Z', end: '2026-11-30T15:00:00.000Z', engineer: { id: 2, name: 'Eng Two' }, overrideId: null },
      ],
    },
  });

const engineerShiftsOutput = z
  .object({
    from: z.string(),
    to: z.string(),
    shifts: z.array(z.object({ rotation: z.object({ id: z.number().int(), name: z.string() }), start: z.string(), end: z.string(), overrideId: z.number().int().nullable() })),
  })
  .meta({
    id: 'EngineerShifts',
    example: {
      from: EXAMPLE_AT,
      to: '2026-12-21T15:00:00.000Z',
      shifts: [{ rotation: { id: 1, name: 'Integrations primary' }, start: '2026-11-23T12:00:00.000Z', end: '2026-11-30T12:00:00.000Z', overrideId: null }],
    },
  });

/** The schedule as people read it: who is on call, a rotation's shifts, an engineer's own shifts. */
export const scheduleRoutes = (deps: Deps): FastifyPluginAsync => async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;

  r.get('/rotations/:id/on-call', {
    schema: {
      tags: ['rotations'],
      summary: 'Who is on call at an instant (default now), overrides included, and the stretch of their shift',
      params: idParams,
      querystring: z.object({ at: instantInput.optional().describe('Default now') }),
      response: { 200: onCallOutput },
    },
  }, async (request) => {
    const at = request.query.at ?? deps.clock.now();
    const view = await onCall(db, request.params.id, at);
    if (!view) throw notFound('rotation', request.params.id);
    return {
      at: iso(view.at),
      engineer: view.engineer,
      shift: { start: isoOrNull(view.shift.start), end: isoOrNull(view.shift.end), overrideId: view.shift.overrideId },
    };
  });

  r.get('/rotations/:id/shifts', {
    schema: {
      tags: ['rotations'],
      summary: `The shifts covering [from, to), cut at both ends, gaps included (at most ${MAX_SCHEDULE_WINDOW_DAYS} days)`,
      params: idParams,
      querystring: windowQuery(7),
      problems: { 422: { detail: 'query.to: must be after from', errors: [{ field: 'query.to', message: 'must be after from' }] } },
      response: { 200: shiftsOutput },
    },
  }, async (request) => {
    const { from, to } = windowOf(request.query, deps.clock.now(), 7);
    const shifts = await rotationShifts(db, request.params.id, from, to);
    if (!shifts) throw notFound('rotation', request.params.id);
    return { from: iso(from), to: iso(to), shifts: shifts.map((s) => ({ ...s, start: iso(s.start), end: iso(s.end) })) };
  });

  r.get('/engineers/:id/shifts', {
    schema: {
      tags: ['engineers'],
      summary: `An engineer's whole shifts across rotations that overlap [from, to), earliest first (at most ${MAX_SCHEDULE_WINDOW_DAYS} days)`,
      params: idParams,
      querystring: windowQuery(28),
      problems: { 422: { detail: 'query.to: must be after from', errors: [{ field: 'query.to', message: 'must be after from' }] } },
      response: { 200: engineerShiftsOutput },
    },
  }, async (request) => {
    const { from, to } = windowOf(request.query, deps.clock.now(), 28);
    const [engineer] = await db.select({ id: engineers.id }).from(engineers).where(eq(engineers.id, request.params.id));
    if (!engineer) throw notFound('engineer', request.params.id);
    const shifts = await engineerShifts(db, engineer.id, from, to);
    return { from: iso(from), to: iso(to), shifts: shifts.map((s) => ({ ...s, start: iso(s.start), end: iso(s.end) })) };
  });
};
