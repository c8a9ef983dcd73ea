import type { FastifySerializerCompiler } from 'fastify';
import fastJson, { type Schema } from 'fast-json-stringify';
import { z } from 'zod';

/**
 * A route's response serializer for large answers, compiled once from its zod response schema:
 * the schema's JSON Schema (as the OpenAPI document shows it) compiled by fast-json-stringify, as
 * Fastify does for routes described in JSON Schema. The app's default (fastify-type-provider-zod)
 * re-checks every value of the answer with zod on each request, then calls JSON.stringify; for
 * a month's SLA report (1,000 contracts) that check cost four times the writing.
 *
 * What it guarantees: only the properties the schema names are written; a required property
 * missing, or a value that cannot be written as the type the schema gives it, fails the request
 * (500). What it leaves to the type checker (the handler's return type is checked against the
 * same schema): refinements such as bounds and formats, and which of a union's members a value is.
 */
export const compiledSerializer: FastifySerializerCompiler<unknown> = ({ schema, method, url }) => {
  if (!(schema instanceof z.ZodType)) throw new Error(`compiledSerializer: the response schema of ${method} ${url} is not a zod schema`);
  return fastJson(z.toJSONSchema(schema, { target: 'draft-7', io: 'output' }) as Schema);
};
