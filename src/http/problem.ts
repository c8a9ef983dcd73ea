import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';

export interface FieldError {
  field: string;
  message: string;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** An RFC 9457 problem a handler throws; the error handler renders it as application/problem+json. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly extras: { errors?: FieldError[]; [key: string]: unknown } = {},
  ) {
    super(detail);
  }
}

export const notFound = (what: string, id: number | string) => new HttpProblem(404, `${what} ${id} does not exist`);
export const unprocessable = (field: string, message: string) =>
  new HttpProblem(422, `${field}: ${message}`, { errors: [{ field, message }] });
export const conflict = (detail: string, extras: Record<string, unknown> = {}) => new HttpProblem(409, detail, extras);

/** The one problem+json writer. */
export function sendProblem(reply: FastifyReply, status: number, detail: string, extras: Record<string, unknown> = {}): FastifyReply {
  return reply
    .code(status)
    .type('application/problem+json')
    .send({
      type: status >= 500 ? 'about:blank' : `https://standby.dev/problems/${status}`,
      title: TITLES[status] ?? 'Error',
      status,
      detail,
      instance: reply.request.url.split('?')[0],
      requestId: reply.request.id,
      ...extras,
    });
}

interface PgError {
  code?: string;
  constraint_name?: string;
  detail?: string;
  column_name?: string;
}

/** Postgres constraint names → the API field they protect, for 409/422 answers that name a field. */
const CONSTRAINT_FIELDS: Record<string, string> = {
  customers_code_key: 'code',
  contacts_phone_key: 'phone',
  engineers_phone_key: 'phone',
  standby_numbers_phone_key: 'phone',
  integrations_customer_name_key: 'name',
  rotations_name_key: 'name',
  escalation_policies_name_key: 'name',
  escalation_levels_position_key: 'levels',
  rotation_versions_effective_key: 'effectiveFrom',
  incidents_one_open_per_integration: 'integrationId',
};

function pgErrorOf(error: unknown): PgError | undefined {
  const candidates = [error, (error as { cause?: unknown })?.cause];
  return candidates.find((e): e is PgError => typeof e === 'object' && e !== null && typeof (e as PgError).code === 'string' && /^[0-9A-Z]{5}$/.test((e as PgError).code!));
}

/**
 * Turns every error into problem+json: validation → 422 naming the fields, constraint violations
 * → 409/422 naming the field, 5xx → a generic message (details stay in the log).
 */
export function registerProblemHandler(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => sendProblem(reply, 404, `No route for ${request.method} ${request.url.split('?')[0]}`));
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof HttpProblem) return sendProblem(reply, error.status, error.detail, error.extras);
    if (hasZodFastifySchemaValidationErrors(error)) {
      // Body fields are named as they are written (`phone`, `levels.0.targets`); query and path
      // parameters carry their place (`query.limit`, `params.id`).
      const where = error.validationContext === 'body' || !error.validationContext ? [] : [error.validationContext === 'querystring' ? 'query' : error.validationContext];
      const errors = error.validation.map((issue) => ({
        field: [...where, ...String(issue.instancePath ?? '').split('/').filter(Boolean)].join('.') || 'body',
        message: issue.message ?? 'is invalid',
      }));
      return sendProblem(reply, 422, errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
    }
    if (isResponseSerializationError(error)) {
      request.log.error({ err: error, issues: error.cause.issues }, 'response did not match its schema');
      return sendProblem(reply, 500, 'The server failed to answer this request.');
    }
    const pg = pgErrorOf(error);
    if (pg?.code === '23505') {
      const field = CONSTRAINT_FIELDS[pg.constraint_name ?? ''] ?? 'body';
      return sendProblem(reply, 409, `${field}: already in use`, { errors: [{ field, message: 'already in use' }] });
    }
    if (pg?.code === '23503') {
      const match = /Key \((\w+)\)=\(([^)]*)\)/.exec(pg.detail ?? '');
      const field = match ? match[1]!.replace(/_(\w)/g, (_, c: string) => c.toUpperCase()) : 'body';
      const isDelete = /is still referenced/.test(pg.detail ?? '');
      return isDelete
        ? sendProblem(reply, 409, 'This resource is still referenced by others', { errors: [{ field, message: 'is still referenced' }] })
        : sendProblem(reply, 422, `${field}: ${match?.[2] ?? 'the referenced resource'} does not exist`, { errors: [{ field, message: 'does not exist' }] });
    }
    // Check violations, and values Postgres cannot take (malformed, out of range, untranslatable, NUL).
    if (pg?.code === '23514' || pg?.code === '22P02' || pg?.code === '22007' || pg?.code === '22008' || pg?.code === '22003' || pg?.code === '22021' || pg?.code === '22P05') {
      return sendProblem(reply, 422, `The request violates a rule: ${pg.constraint_name ?? pg.code}`, { errors: [{ field: 'body', message: pg.constraint_name ?? 'invalid value' }] });
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return sendProblem(reply, status, 'The server failed to answer this request.');
    }
    return sendProblem(reply, status, error.message);
  });
}
