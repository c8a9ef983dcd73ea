import type { RotationFailure } from '../../../app/rotations.js';
import { conflict, HttpProblem, notFound } from '../../problem.js';

/** A refusal of a rotation use case as the problem+json it is answered with. */
export function problemOf(failure: RotationFailure): HttpProblem {
  switch (failure.reason) {
    case 'not_found':
      return notFound(failure.what, failure.id);
    case 'invalid':
      return new HttpProblem(422, failure.errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors: failure.errors });
    case 'archived':
      return conflict(`rotation "${failure.rotation.name}" (${failure.rotation.id}) is archived: it no longer changes`);
    case 'not_after_latest_version': {
      const { id, effectiveFrom } = failure.latest;
      const message = `must be after ${effectiveFrom.toISOString()}, when the latest version (${id}) takes effect; to change that upcoming version, cancel it (DELETE …/versions/${id}) and add it again`;
      return new HttpProblem(409, `effectiveFrom: ${message}`, { errors: [{ field: 'effectiveFrom', message }] });
    }
    case 'in_use': {
      const where = failure.usedBy.map((p) => `"${p.name}" (${p.id})`).join(', ');
      return conflict(`rotation "${failure.rotation.name}" is still paged by escalation policy ${where}: take it out of those levels first`, { usedBy: failure.usedBy });
    }
    case 'already_in_force':
      return conflict(`version ${failure.version.id} took effect at ${failure.version.effectiveFrom.toISOString()}: it is history and stays (add a new version instead)`);
    case 'override_ended':
      return conflict(`override ${failure.override.id} ended at ${failure.override.endsAt.toISOString()}: it is history and stays`);
    default: {
      const never: never = failure;
      throw new Error(`unknown rotation failure ${JSON.stringify(never)}`);
    }
  }
}

/** The value of a use case's result, or its problem thrown (inside a transaction, that rolls it back). */
export function orThrow<T>(result: { ok: true; value: T } | RotationFailure): T {
  if (!result.ok) throw problemOf(result);
  return result.value;
}
