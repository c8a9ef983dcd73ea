import type { FastifyInstance } from 'fastify';
import { HttpProblem } from '../problem.js';

/** Where a NUL character hides in a parsed value, as a field path (`name`, `levels.0.targets`), or null. */
function nulAt(value: unknown, path: string[] = [], depth = 0): string[] | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (depth > 32 || value === null || typeof value !== 'object') return null;
  for (const [key, inner] of Object.entries(value)) {
    if (key.includes('\u0000')) return [...path, key];
    const found = nulAt(inner, [...path, key], depth + 1);
    if (found) return found;
  }
  return null;
}

/**
 * Text with a NUL character cannot be stored (Postgres refuses it) and no person means one: a body,
 * query or path parameter holding one is a 422 naming the field, before any handler runs.
 */
export function rejectNulCharacters(scope: FastifyInstance): void {
  scope.addHook('preValidation', async (request) => {
    for (const [place, value] of [['params', request.params], ['query', request.query], ['body', request.body]] as const) {
      const found = nulAt(value);
      if (!found) continue;
      const field = [...(place === 'body' ? [] : [place]), ...found].join('.') || place;
      throw new HttpProblem(422, `${field}: must not contain a NUL character`, { errors: [{ field, message: 'must not contain a NUL character' }] });
    }
  });
}
