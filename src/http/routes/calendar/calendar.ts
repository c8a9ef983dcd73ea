import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { and, eq, isNull } from 'drizzle-orm';
import ical from 'ical-generator';
import { z } from 'zod';
import type { Deps } from '../../../app/deps.js';
import { engineerShifts } from '../../../app/rotations.js';
import { calendarTokens, engineers } from '../../../db/schema.js';
import { hashToken } from '../../plugins/auth.js';
import { HttpProblem } from '../../problem.js';

const DAY_MS = 86_400_000;
/** What a feed shows: the recent past, for "who was on last weekend", and the weeks ahead. */
const PAST_DAYS = 14;
const AHEAD_DAYS = 56;

/**
 * The public iCal feed of an engineer's shifts, at the secret address a calendar token gives
 * (no bearer: calendar apps cannot send one). An unknown or revoked token, or an archived
 * engineer, is a 404 that says nothing about which.
 */
export const calendarRoutes = (deps: Deps): FastifyPluginAsync => async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;
  const uidDomain = new URL(deps.config.PUBLIC_BASE_URL).hostname;

  r.get('/calendar/:file', {
    schema: {
      tags: ['calendar'],
      summary: "An engineer's on-call shifts as iCal (text/calendar): the last 2 weeks and the next 8, across rotations",
      security: [],
      params: z.object({ file: z.string().describe('<token>.ics, from POST /api/v1/engineers/:id/calendar-tokens') }),
      problems: { 404: 'No calendar at this address (it may have been revoked)' },
      response: { 200: { description: 'The iCal feed', content: { 'text/calendar': { schema: z.string() } } } },
    },
  }, async (request, reply) => {
    const token = /^(sbc_[\w-]{16,64})\.ics$/.exec(request.params.file)?.[1];
    const [owner] = token
      ? await db
          .select({ id: engineers.id, name: engineers.name })
          .from(calendarTokens)
          .innerJoin(engineers, eq(engineers.id, calendarTokens.engineerId))
          .where(and(eq(calendarTokens.tokenHash, hashToken(token)), isNull(calendarTokens.revokedAt), isNull(engineers.archivedAt)))
      : [];
    if (!owner) throw new HttpProblem(404, 'No calendar at this address (it may have been revoked)');

    const now = deps.clock.now();
    const shifts = await engineerShifts(db, owner.id, new Date(now.getTime() - PAST_DAYS * DAY_MS), new Date(now.getTime() + AHEAD_DAYS * DAY_MS));
    const calendar = ical({ name: `On call: ${owner.name}`, prodId: { company: 'Standby', product: 'on-call', language: 'EN' }, ttl: 3600 });
    for (const shift of shifts) {
      calendar.createEvent({
        // Stable per (rotation, shift start): a refresh updates an event instead of duplicating it.
        id: `rotation-${shift.rotation.id}-${shift.start.getTime()}@${uidDomain}`,
        start: shift.start,
        end: shift.end,
        stamp: now,
        summary: `On call: ${shift.rotation.name}`,
        description: shift.overrideId === null ? null : 'Covering through an override',
      });
    }
    return reply.type('text/calendar; charset=utf-8').header('cache-control', 'private, max-age=300').send(calendar.toString());
  });
};
