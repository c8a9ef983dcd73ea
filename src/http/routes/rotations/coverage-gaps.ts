import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { policyCoverageGaps } from '../../../app/coverage-gaps.js';
import type { Deps } from '../../../app/deps.js';
import { notFound } from '../../problem.js';
import { EXAMPLE_AT, idParams, iso } from '../common.js';

const DAY_MS = 86_400_000;

const gapsOutput = z
  .object({
    policyId: z.number().int(),
    from: z.string(),
    to: z.string(),
    levels: z.array(
      z.object({
        position: z.number().int().describe('0-based, as the policy numbers its levels'),
        gaps: z.array(z.object({ start: z.string(), end: z.string() })).describe('Windows in which this level would page nobody'),
      }),
    ),
  })
  .meta({
    id: 'CoverageGaps',
    example: {
      policyId: 1,
      from: EXAMPLE_AT,
      to: '2026-11-30T15:00:00.000Z',
      levels: [
        { position: 0, gaps: [] },
        { position: 1, gaps: [{ start: '2026-11-27T21:00:00.000Z', end: '2026-11-28T12:00:00.000Z' }] },
      ],
    },
  });

/** Coverage gaps of an escalation policy, found ahead from its rotations' schedules. */
export const coverageGapRoutes = (deps: Deps): FastifyPluginAsync => async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/escalation-policies/:id/gaps', {
    schema: {
      tags: ['escalation-policies'],
      summary: 'Windows in the next days in which a level would page nobody: its rotations all have nobody (active) on call and it names no active engineer',
      params: idParams,
      querystring: z.object({ days: z.coerce.number().int().min(1).max(90).default(7).describe('How many days ahead to look (1 to 90)') }),
      response: { 200: gapsOutput },
    },
  }, async (request) => {
    const from = deps.clock.now();
    const to = new Date(from.getTime() + request.query.days * DAY_MS);
    const levels = await policyCoverageGaps(deps.database.db, request.params.id, from, to);
    if (!levels) throw notFound('escalation policy', request.params.id);
    return {
      policyId: request.params.id,
      from: iso(from),
      to: iso(to),
      levels: levels.map((l) => ({ position: l.position, gaps: l.gaps.map((g) => ({ start: iso(g.start), end: iso(g.end) })) })),
    };
  });
};
