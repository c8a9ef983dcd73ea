import type { FastifyDynamicSwaggerOptions, SwaggerTransform, SwaggerTransformObject } from '@fastify/swagger';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import type { OpenAPIV3_1 } from 'openapi-types';
import { z } from 'zod';
import { inWords, TITLES, type FieldError } from './problem.js';

/** A problem a route can answer, as the document shows it: the detail, and any extra members. */
export interface ProblemExample {
  detail: string;
  errors?: FieldError[];
  [member: string]: unknown;
}

type ProblemStatus = 400 | 403 | 404 | 409 | 422;

/** The problems a route answers besides those every admin API route answers, with an example of each. */
type ProblemDoc = string | ProblemExample;
export type ProblemDocs = { [S in ProblemStatus]?: ProblemDoc | ProblemDoc[] };

declare module 'fastify' {
  interface FastifySchema {
    /**
     * Documentation only: problems this route answers beyond the ones the document adds to every
     * admin API operation (401, 403 for writes, 404 when the path names a resource, 422 for
     * invalid input, 429).
     */
    problems?: ProblemDocs;
  }
}

const API_PREFIX = '/api/v1/';
const EXAMPLE_REQUEST_ID = '4f6b0a53-2d5e-4c8e-9a51-3f0d8c2b7e11';

/** Why each status happens, for the response's description. */
const WHY: Record<number, string> = {
  401: 'No bearer token, or one that is unknown or revoked',
  403: 'The token is read-only',
  404: 'No such resource',
  409: 'Conflicts with the current state (a duplicate, something still in use, or already done)',
  422: 'Invalid input: `errors` names each field to fix',
  429: 'Too many requests from this client; retry after the Retry-After header',
};

const SUCCESS: Record<number, string> = { 200: 'OK', 201: 'Created', 204: 'No Content' };

/** `/api/v1/escalation-policies/:id/levels` → "escalation policy": what a 404 on this path is about. */
function resourceOf(url: string): string {
  const segments = url.slice(API_PREFIX.length).split('/');
  const lastParam = segments.findLastIndex((s) => s.startsWith(':'));
  const collection = segments[lastParam - 1] ?? segments[0] ?? 'resource';
  const singular = collection.replace(/ies$/, 'y').replace(/s$/, '').replace(/-/g, ' ');
  return singular === 'contacts log' ? 'contacts log entry' : singular;
}

/** The field errors the API answers to `value`, exactly as the validation handler names them. */
function validationExample(schema: unknown, value: unknown, where: 'body' | 'query' | 'params'): ProblemExample | null {
  if (!(schema instanceof z.ZodType)) return null;
  const result = schema.safeParse(value);
  if (result.success) return null;
  const errors = result.error.issues.slice(0, 3).map((issue) => ({
    field: [...(where === 'body' ? [] : [where]), ...issue.path.map(String)].join('.') || 'body',
    message: inWords(issue.code, issue.message),
  }));
  return { detail: errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors };
}

/**
 * Every problem an operation can answer, with examples: those of every admin API operation, the
 * 404 of a path naming a resource, a real validation answer, and the route's own `problems`.
 */
function problemsOf(method: string, url: string, schema: { body?: unknown; querystring?: unknown; params?: unknown; problems?: ProblemDocs }): Map<number, ProblemExample[]> {
  const problems = new Map<number, ProblemExample[]>();
  const add = (status: number, example: ProblemDoc | ProblemDoc[] | null | undefined) => {
    if (!example) return;
    const list = (Array.isArray(example) ? example : [example]).map((e) => (typeof e === 'string' ? { detail: e } : e));
    problems.set(status, [...(problems.get(status) ?? []), ...list]);
  };
  const admin = url.startsWith(API_PREFIX);
  if (admin) add(401, 'Send the API token as "Authorization: Bearer <token>"');
  if (admin && method !== 'GET') add(403, 'This API token is read-only: it may not change anything');
  if (url.includes('/:')) add(404, schema.problems?.[404] ?? `${resourceOf(url)} 42 does not exist`);
  add(409, schema.problems?.[409]);
  add(422, schema.problems?.[422]);
  const invalid =
    validationExample(schema.body, {}, 'body') ??
    validationExample(schema.querystring, { limit: '0' }, 'query') ??
    validationExample(schema.params, Object.fromEntries([...url.matchAll(/:(\w+)/g)].map((m) => [m[1], 'abc'])), 'params');
  if (invalid && !problems.get(422)?.some((p) => p.detail === invalid.detail)) add(422, invalid);
  add(400, schema.problems?.[400]);
  add(403, method === 'GET' ? schema.problems?.[403] : undefined);
  if (admin) add(429, 'Rate limit of 600 requests a minute exceeded; retry in 42 s');
  return new Map([...problems.entries()].sort(([a], [b]) => a - b));
}

function problemResponse(status: number, path: string, examples: ProblemExample[]) {
  const value = ({ detail, ...extras }: ProblemExample) => ({
    type: `https://standby.dev/problems/${status}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    instance: path.replace(/:(\w+)/g, '42'),
    requestId: EXAMPLE_REQUEST_ID,
    ...extras,
  });
  return {
    description: WHY[status] ?? TITLES[status] ?? 'Problem',
    content: {
      'application/problem+json': {
        schema: { $ref: '#/components/schemas/Problem' },
        examples: Object.fromEntries(examples.map((e, i) => [`${status}${examples.length > 1 ? `-${i + 1}` : ''}`, { summary: e.detail, value: value(e) }])),
      },
    },
  };
}

/**
 * The per-route transform: zod schemas become JSON Schema with named components (the zod type
 * provider's), and every admin API operation documents the problems it answers, with examples.
 */
const transform: SwaggerTransform = (document) => {
  const result = jsonSchemaTransform(document as Parameters<typeof jsonSchemaTransform>[0]);
  const { url, route } = document;
  if ((result.schema as { hide?: boolean }).hide) return result;
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const problems = problemsOf(String(methods[0]), url, document.schema as Parameters<typeof problemsOf>[2]);
  const response: Record<string, unknown> = {};
  for (const [status, answer] of Object.entries((result.schema.response ?? {}) as Record<string, Record<string, unknown>>)) {
    // A plain schema gets the status in words ("Created") rather than Swagger's "Default Response".
    const description = SUCCESS[Number(status)] ?? TITLES[Number(status)] ?? 'OK';
    response[status] = 'content' in answer || answer.type === 'null' ? answer : { description, content: { 'application/json': { schema: answer } } };
  }
  for (const [status, examples] of problems) response[String(status)] = problemResponse(status, url, examples);
  const { problems: _documentationOnly, ...schema } = result.schema as typeof result.schema & { problems?: unknown };
  return { schema: { ...schema, response }, url };
};

/** Component schemas reachable from the paths: the provider also emits an unused input or output twin of each. */
function pruneUnreferenced(document: OpenAPIV3_1.Document): OpenAPIV3_1.Document {
  const schemas = document.components?.schemas ?? {};
  const refsIn = (value: unknown, found: Set<string>) => {
    JSON.stringify(value, (key, v) => {
      if (key === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/')) found.add(v.slice('#/components/schemas/'.length));
      return v;
    });
    return found;
  };
  const used = refsIn(document.paths, new Set());
  for (const pending = [...used]; pending.length > 0; ) {
    for (const name of refsIn(schemas[pending.pop()!], new Set())) {
      if (!used.has(name)) {
        used.add(name);
        pending.push(name);
      }
    }
  }
  const kept = Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name)).sort(([a], [b]) => a.localeCompare(b)));
  return { ...document, components: { ...document.components, schemas: kept } };
}

/**
 * zod writes the safe-integer range on every `.int()`; Swagger UI then shows -9007199254740991
 * as the example of every id. A bound that only says "fits in a double" is dropped.
 */
function dropSafeIntegerBounds<T>(document: T): T {
  return JSON.parse(JSON.stringify(document), (key, value) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      if (value.minimum === Number.MIN_SAFE_INTEGER) delete value.minimum;
      if (value.maximum === Number.MAX_SAFE_INTEGER) delete value.maximum;
    }
    return value;
  }) as T;
}

const transformObject: SwaggerTransformObject = (document) =>
  dropSafeIntegerBounds(pruneUnreferenced(jsonSchemaTransformObject(document) as OpenAPIV3_1.Document));

/**
 * The @fastify/swagger options of the admin API's OpenAPI 3.1 document. In `npm run dev` the
 * description and the Authorize dialog say which token to use.
 */
export function swaggerOptions(options: { devAdminToken?: string } = {}): FastifyDynamicSwaggerOptions {
  const tokenHint = options.devAdminToken
    ? `This is \`npm run dev\`: the token is \`${options.devAdminToken}\` (ADMIN_API_TOKEN, also printed in the terminal). Paste it into Authorize.`
    : 'Use ADMIN_API_TOKEN (the bootstrap token set in the environment) or a token made with POST /api/v1/api-tokens.';
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Standby admin API',
        version: '1.0.0',
        description: [
          'Customers, contracts, integrations, engineers, rotations, escalation policies and incidents of the 24x7 standby service.',
          'Every request sends `Authorization: Bearer <token>`. ' + tokenHint,
          'Errors are RFC 9457 `application/problem+json`; `errors` names each field to fix. Lists are cursor-paged: pass `nextCursor` back as `cursor`.',
        ].join('\n\n'),
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: tokenHint } } },
      security: [{ bearer: [] }],
    },
    transform,
    transformObject,
  };
}
