import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { and, asc, eq, gt, isNull, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Deps } from '../../../app/deps.js';
import type { Executor } from '../../../db/client.js';
import { engineers } from '../../../db/schema.js';
import { conflict, notFound } from '../../problem.js';
import { booleanQuery, EXAMPLE_AT, patchOf, idParams, iso, isoOrNull, languageInput, page, pageOf, pageQuery, phoneInput, timeZoneInput } from '../common.js';

const engineerFields = z.object({
  name: z.string().trim().min(1).max(200),
  phone: phoneInput,
  language: languageInput.default('es'),
  timeZone: timeZoneInput.default('America/Argentina/Buenos_Aires'),
  isAdmin: z.boolean().default(false).describe('Admins are paged when an escalation policy is exhausted'),
});

const engineerInput = engineerFields.meta({ id: 'EngineerCreate', example: { name: 'Eng One', phone: '+54 9 11 5000-0201', language: 'es', timeZone: 'America/Argentina/Buenos_Aires', isAdmin: false } });
const engineerPatch = patchOf(engineerFields).meta({ id: 'EngineerUpdate', example: { language: 'en' } });

const engineerOutput = z
  .object({
    id: z.number().int(),
    name: z.string(),
    phone: z.string(),
    language: languageInput,
    timeZone: z.string(),
    isAdmin: z.boolean(),
    archivedAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({
    id: 'Engineer',
    example: { id: 1, name: 'Eng One', phone: '+5491150000201', language: 'es', timeZone: 'America/Argentina/Buenos_Aires', isAdmin: false, archivedAt: null, createdAt: EXAMPLE_AT, updatedAt: EXAMPLE_AT },
  });

const phoneTaken = { detail: 'phone: already in use', errors: [{ field: 'phone', message: 'already in use' }] };

type Row = typeof engineers.$inferSelect;
const toOutput = (e: Row) => ({ ...e, archivedAt: isoOrNull(e.archivedAt), createdAt: iso(e.createdAt), updatedAt: iso(e.updatedAt) });

export interface EngineerUse {
  kind: 'rotation' | 'rotation_override' | 'escalation_policy';
  id: number;
  name: string;
}

/**
 * Where an engineer is still needed: in a rotation's current or future line-up, an override that
 * has not ended, or an escalation policy level. Archiving them there would silently leave a gap.
 */
export async function engineerUses(db: Executor, engineerId: number, now: Date): Promise<EngineerUse[]> {
  const at = now.toISOString(); // raw SQL parameters travel as text
  const rows = await db.execute<{ kind: EngineerUse['kind']; id: number; name: string }>(sql`
    select distinct 'rotation' as kind, r.id::int as id, r.name
      from rotation_participants p
      join rotation_versions v on v.id = p.rotation_version_id
      join rotations r on r.id = v.rotation_id
     where p.engineer_id = ${engineerId} and r.archived_at is null
       and (v.effective_from > ${at} or v.effective_from = (
             select max(v2.effective_from) from rotation_versions v2
              where v2.rotation_id = v.rotation_id and v2.effective_from <= ${at}))
    union
    select distinct 'rotation_override', r.id::int, r.name
      from rotation_overrides o join rotations r on r.id = o.rotation_id
     where (o.engineer_id = ${engineerId} or o.replaces_engineer_id = ${engineerId}) and o.ends_at > ${at} and r.archived_at is null
    union
    select distinct 'escalation_policy', p.id::int, p.name
      from escalation_targets t
      join escalation_levels l on l.id = t.level_id
      join escalation_policies p on p.id = l.policy_id
     where t.engineer_id = ${engineerId} and p.archived_at is null
    order by 1, 2`);
  return [...rows];
}

export const engineerRoutes = (deps: Deps): FastifyPluginAsync => async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;
  const tags = ['engineers'];

  r.post('/engineers', { schema: { tags, summary: 'Create an engineer', body: engineerInput, problems: { 409: phoneTaken }, response: { 201: engineerOutput } } }, async (request, reply) => {
    const [row] = await db.insert(engineers).values(request.body).returning();
    return reply.code(201).send(toOutput(row!));
  });

  r.get('/engineers', {
    schema: {
      tags,
      summary: 'List engineers',
      querystring: pageQuery.extend({ phone: phoneInput.optional(), isAdmin: booleanQuery.optional(), archived: booleanQuery.optional() }),
      response: { 200: pageOf(engineerOutput) },
    },
  }, async (request) => {
    const { limit, cursor, phone, isAdmin, archived } = request.query;
    const filters: SQL[] = [];
    if (cursor) filters.push(gt(engineers.id, cursor));
    if (phone) filters.push(eq(engineers.phone, phone));
    if (isAdmin !== undefined) filters.push(eq(engineers.isAdmin, isAdmin));
    if (archived !== true) filters.push(isNull(engineers.archivedAt));
    const rows = await db.select().from(engineers).where(and(...filters)).orderBy(asc(engineers.id)).limit(limit + 1);
    return page(rows, limit, toOutput);
  });

  r.get('/engineers/:id', { schema: { tags, summary: 'Read an engineer', params: idParams, response: { 200: engineerOutput } } }, async (request) => {
    const [row] = await db.select().from(engineers).where(eq(engineers.id, request.params.id));
    if (!row) throw notFound('engineer', request.params.id);
    return toOutput(row);
  });

  r.patch('/engineers/:id', { schema: { tags, summary: 'Update an engineer', params: idParams, body: engineerPatch, problems: { 409: phoneTaken }, response: { 200: engineerOutput } } }, async (request) => {
    const [row] = await db.update(engineers).set({ ...request.body, updatedAt: deps.clock.now() }).where(eq(engineers.id, request.params.id)).returning();
    if (!row) throw notFound('engineer', request.params.id);
    return toOutput(row);
  });

  r.delete('/engineers/:id', {
    schema: { tags, summary: 'Archive an engineer; 409 while they are on a rotation, an override or an escalation policy',
      params: idParams,
      problems: {
        409: {
          detail: 'Eng One is still used by rotation "Integrations primary" (1): remove them there first',
          usedBy: [{ kind: 'rotation', id: 1, name: 'Integrations primary' }],
        },
      }, response: { 200: engineerOutput } },
  }, async (request) => {
    const now = deps.clock.now();
    return db.transaction(async (tx) => {
      const [current] = await tx.select().from(engineers).where(eq(engineers.id, request.params.id)).for('update');
      if (!current) throw notFound('engineer', request.params.id);
      const uses = await engineerUses(tx, current.id, now);
      if (uses.length > 0) {
        const where = uses.map((u) => `${u.kind.replace('_', ' ')} "${u.name}" (${u.id})`).join(', ');
        throw conflict(`${current.name} is still used by ${where}: remove them there first`, { usedBy: uses });
      }
      const [row] = await tx.update(engineers).set({ archivedAt: now, updatedAt: now }).where(eq(engineers.id, current.id)).returning();
      return toOutput(row!);
    });
  });
};
