import { z } from 'zod';
import { normalisePhone } from '../../domain/phone.js';

/** A phone number in any common format, stored as E.164; an impossible number fails the field. */
export const phoneInput = z
  .string()
  .min(1)
  .transform((value, ctx) => {
    const result = normalisePhone(value);
    if (result.ok) return result.e164;
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a valid phone number (write it with its country code, e.g. +54 11 5000-0100)` });
    return z.NEVER;
  })
  .meta({ example: '+54 9 11 5000-0101', description: 'Any common format; stored as E.164' });

export const languageInput = z.enum(['es', 'en', 'pt']);

export const timeZoneInput = z
  .string()
  .refine((zone) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      return zone.includes('/') || zone === 'UTC';
    } catch {
      return false;
    }
  }, 'must be an IANA time zone such as America/Argentina/Buenos_Aires')
  .meta({ example: 'America/Argentina/Buenos_Aires' });

export const idParams = z.object({ id: z.coerce.number().int().positive() });

export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.coerce.number().int().min(0).optional().describe('nextCursor from the previous page'),
});

export const instantOutput = z.iso.datetime();

/** The instant the document's examples use (a Monday noon in Buenos Aires, as in the demo data). */
export const EXAMPLE_AT = '2026-11-23T15:00:00.000Z';
export const iso = (d: Date) => d.toISOString();
export const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);

const pages = new WeakMap<z.ZodType, z.ZodType>();

/**
 * A page of a list: `items` and the `nextCursor` to pass back as `cursor` (null on the last page).
 * Named after its item (`CustomerPage` for `Customer`) so the document has one component per list;
 * built once per item, since a schema id may be registered only once.
 */
export function pageOf<T extends z.ZodType>(item: T) {
  const existing = pages.get(item);
  if (existing) return existing as ReturnType<typeof makePage<T>>;
  const made = makePage(item);
  pages.set(item, made);
  return made;
}

function makePage<T extends z.ZodType>(item: T) {
  const meta = z.globalRegistry.get(item);
  if (!meta?.id) throw new Error('pageOf needs an item schema with a .meta({ id })');
  return z
    .object({
      items: z.array(item),
      nextCursor: z.number().int().nullable().describe('Pass as `cursor` for the next page; null on the last page'),
    })
    .meta({ id: `${meta.id}Page`, ...(meta.example === undefined ? {} : { example: { items: [meta.example], nextCursor: null } }) });
}

/** Cursor pagination over ascending ids: fetch `limit + 1` rows, hand back `limit` and where to go on. */
export function page<Row extends { id: number }, Out>(rows: Row[], limit: number, map: (row: Row) => Out): { items: Out[]; nextCursor: number | null } {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  return { items: kept.map(map), nextCursor: more ? kept[kept.length - 1]!.id : null };
}

export const booleanQuery = z.enum(['true', 'false']).transform((v) => v === 'true');

/** An instant written as ISO 8601 with `Z` or an offset (`2026-11-23T12:00:00-03:00`); parsed to a Date. */
export const instantInput = z.iso
  .datetime({ offset: true })
  .transform((value) => new Date(value))
  .meta({ example: '2026-11-23T12:00:00-03:00', description: 'ISO 8601 instant with Z or an offset' });

/** A reference to another resource by id, in a body. */
export const idInput = z.number().int().positive();

/** A reference to another resource by id, in a query string. */
export const idQuery = z.coerce.number().int().positive();

type WithoutDefaults<Shape extends z.ZodRawShape> = { [K in keyof Shape]: Shape[K] extends z.ZodDefault<infer Inner> ? Inner : Shape[K] };

/**
 * The PATCH body of a create schema: every field optional and no defaults. (zod 4's `.partial()`
 * keeps a field's `.default()`, so a PATCH that leaves the field out would reset it.)
 */
export function patchOf<Shape extends z.ZodRawShape>(schema: z.ZodObject<Shape>) {
  const shape = Object.fromEntries(Object.entries(schema.shape).map(([key, field]) => [key, field instanceof z.ZodDefault ? field.unwrap() : field]));
  return z.object(shape as WithoutDefaults<Shape>).partial();
}
