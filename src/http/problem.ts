import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { z } from 'zod';

export interface FieldError {
  field: string;
  message: string;
}

/**
 * The shape of every 4xx/5xx answer, as the OpenAPI document describes it. Extra members some
 * problems carry (`reason`, `usedBy`, `acknowledgedBy`…) are allowed.
 */
export const problemSchema = z
  .looseObject({
    type: z.string().describe('A URI naming the kind of problem: https://standby.dev/problems/<status>'),
    title: z.string().describe('The HTTP status in words'),
    status: z.number().int().min(400).max(599),
    detail: z.string().describe('What went wrong, in words a person can act on'),
    instance: z.string().describe('The path that was requested'),
    requestId: z.string().describe('Also in the x-request-id header and the server log'),
    errors: z
      .array(z.object({ field: z.string().describe('The field to fix: body fields as written (`levels.0.targets`), query and path parameters as `query.limit`, `params.id`'), message: z.string() }))
      .optional()
      .describe('One entry per field the request got wrong'),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details (application/problem+json)' });

export const TITLES: Record<number, string> = {
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

/** A validation message as a person would say it: a field left out "is required". */
export function inWords(code: string, message: string): string {
  return code === 'invalid_type' && /received undefined$/.test(message) ? 'is required' : message;
}

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

/**
 * Postgres check constraints → the field and the rule in words. Inputs are validated before they
 * reach Postgres, so these answer only what a race or a path around validation lets through.
 */
const CHECK_RULES: Record<string, FieldError> = {
  customers_code_digits: { field: 'code', message: 'must be 3 to 8 digits' },
  customers_language: { field: 'language', message: 'must be es, en or pt' },
  customers_name_present: { field: 'name', message: 'must not be blank' },
  contracts_window: { field: 'validUntil', message: 'must be after validFrom' },
  integrations_built_by: { field: 'builtBy', message: 'must be vendor or selfservice' },
  contacts_phone_e164: { field: 'phone', message: 'must be a phone number in E.164 form' },
  engineers_language: { field: 'language', message: 'must be es, en or pt' },
  rotation_versions_length: { field: 'shiftLength', message: 'must be between 1 and 1000' },
  rotation_versions_unit: { field: 'shiftUnit', message: 'must be hours, days or weeks' },
  rotation_versions_handoff: { field: 'handoffTime', message: 'must be a 24-hour time HH:mm' },
  rotation_overrides_window: { field: 'endsAt', message: 'must be after startsAt' },
  escalation_policies_repeat: { field: 'repeat', message: 'must be between 0 and 10' },
  escalation_levels_timeout: { field: 'levels', message: 'ackTimeoutSeconds must be between 30 and 86400' },
  standby_numbers_phone_e164: { field: 'phone', message: 'must be a phone number in E.164 form' },
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
        message: inWords(issue.keyword, issue.message ?? 'is invalid'),
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
      if (isDelete) return sendProblem(reply, 409, 'This resource is still referenced by others', { errors: [{ field, message: 'is still referenced' }] });
      // customerId=999 → "customer 999 does not exist"
      const message = `${field.replace(/Id$/, '').replace(/([A-Z])/g, ' $1').toLowerCase()} ${match?.[2] ?? ''} does not exist`.replace(/\s+/g, ' ');
      return sendProblem(reply, 422, `${field}: ${message}`, { errors: [{ field, message }] });
    }
    if (pg?.code === '23514' || pg?.code === '22P02' || pg?.code === '22007' || pg?.code === '22008') {
      const rule = CHECK_RULES[pg.constraint_name ?? ''] ?? { field: 'body', message: `breaks the rule ${pg.constraint_name ?? pg.code}` };
      return sendProblem(reply, 422, `${rule.field}: ${rule.message}`, { errors: [rule] });
    }
    // Values Postgres cannot take (out of range, untranslatable, NUL).
    if (pg?.code === '22003' || pg?.code === '22021' || pg?.code === '22P05') {
      return sendProblem(reply, 422, `The request holds a value that cannot be stored: ${pg.code}`, { errors: [{ field: 'body', message: 'holds a value that cannot be stored (out of range, or a NUL or invalid character)' }] });
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return sendProblem(reply, status, 'The server failed to answer this request.');
    }
    return sendProblem(reply, status, error.message);
  });
}
