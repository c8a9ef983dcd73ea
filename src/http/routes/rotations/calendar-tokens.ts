import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { and, asc, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import type { Deps } from '../../../app/deps.js';
import { calendarTokens, engineers } from '../../../db/schema.js';
import { hashToken } from '../../plugins/auth.js';
import { conflict, notFound } from '../../problem.js';
import { EXAMPLE_AT, idParams, iso, isoOrNull } from '../common.js';

const tokenOutput = z
  .object({ id: z.number().int(), engineerId: z.number().int(), engineerName: z.string(), revokedAt: z.string().nullable(), createdAt: z.string() })
  .meta({ id: 'CalendarToken', example: { id: 1, engineerId: 1, engineerName: 'Eng One', revokedAt: null, createdAt: EXAMPLE_AT } });

const newTokenOutput = tokenOutput
  .extend({ url: z.string().describe('Subscribe a calendar app to it; anyone holding it reads the shifts') })
  .meta({
    id: 'NewCalendarToken',
    example: { id: 1, engineerId: 1, engineerName: 'Eng One', revokedAt: null, createdAt: EXAMPLE_AT, url: 'https://standby.example.com/calendar/sbc_Zp4m….ics' },
  });

const tokenList = z.object({ items: z.array(tokenOutput) }).meta({ id: 'CalendarTokenList' });

type Row = typeof calendarTokens.$inferSelect;
const toOutput = (t: Row, engineerName: string) => ({ id: t.id, engineerId: t.engineerId, engineerName, revokedAt: isoOrNull(t.revokedAt), createdAt: iso(t.createdAt) });

const tokenParams = idParams.extend({ tokenId: z.coerce.number().int().positive() });

/** The secret address of an engineer's on-call calendar: only its hash is stored. */
export function newCalendarToken(): { token: string; hash: string } {
  const token = `sbc_${randomBytes(24).toString('base64url')}`;
  return { token, hash: hashToken(token) };
}

/** Calendar tokens: each is a secret iCal address for one engineer, revocable one by one. */
export const calendarTokenRoutes = (deps: Deps): FastifyPluginAsync => async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;
  const tags = ['engineers'];

  r.post('/engineers/:id/calendar-tokens', {
    schema: {
      tags,
      summary: "Issue a secret iCal address of the engineer's shifts across rotations (shown only in this answer)",
      params: idParams,
      problems: { 409: 'engineer 1 is archived' },
      response: { 201: newTokenOutput },
    },
  }, async (request, reply) => {
    const [engineer] = await db.select().from(engineers).where(eq(engineers.id, request.params.id));
    if (!engineer) throw notFound('engineer', request.params.id);
    if (engineer.archivedAt) throw conflict(`engineer ${engineer.id} is archived`);
    const { token, hash } = newCalendarToken();
    const [row] = await db.insert(calendarTokens).values({ engineerId: engineer.id, tokenHash: hash, createdAt: deps.clock.now() }).returning();
    return reply.code(201).send({ ...toOutput(row!, engineer.name), url: `${deps.config.PUBLIC_BASE_URL}/calendar/${token}.ics` });
  });

  r.get('/engineers/:id/calendar-tokens', {
    schema: { tags, summary: "An engineer's calendar tokens (their addresses are not stored and cannot be shown again)", params: idParams, response: { 200: tokenList } },
  }, async (request) => {
    const [engineer] = await db.select({ id: engineers.id, name: engineers.name }).from(engineers).where(eq(engineers.id, request.params.id));
    if (!engineer) throw notFound('engineer', request.params.id);
    const rows = await db.select().from(calendarTokens).where(eq(calendarTokens.engineerId, engineer.id)).orderBy(asc(calendarTokens.id));
    return { items: rows.map((row) => toOutput(row, engineer.name)) };
  });

  r.delete('/engineers/:id/calendar-tokens/:tokenId', {
    schema: { tags, summary: 'Revoke a calendar address: it answers 404 from now on', params: tokenParams, problems: { 404: 'calendar token 7 does not exist' }, response: { 200: tokenOutput } },
  }, async (request) => {
    const { id, tokenId } = request.params;
    const mine = and(eq(calendarTokens.id, tokenId), eq(calendarTokens.engineerId, id));
    const [row] = await db.update(calendarTokens).set({ revokedAt: deps.clock.now() }).where(and(mine, isNull(calendarTokens.revokedAt))).returning();
    const [existing] = row ? [row] : await db.select().from(calendarTokens).where(mine);
    if (!existing) throw notFound('calendar token', tokenId);
    const [engineer] = await db.select({ name: engineers.name }).from(engineers).where(eq(engineers.id, existing.engineerId));
    return toOutput(existing, engineer?.name ?? '');
  });
};
