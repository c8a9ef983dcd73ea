import { readFile } from 'node:fs/promises';
import { validate } from '@readme/openapi-parser';
import type { OpenAPIV3_1 } from 'openapi-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { API_TYPES_FILE, renderApiTypes } from '../../scripts/api-types.js';
import { startTestService, type TestService } from '../support/service.js';

/**
 * The published contract: /openapi.json is what client generators read, so it must resolve,
 * name its schemas, document its errors, and match the typed client the API tests use.
 */

let s: TestService;
let document: OpenAPIV3_1.Document;

beforeAll(async () => {
  s = await startTestService();
  document = (await s.app.inject({ method: 'GET', url: '/openapi.json' })).json();
});
afterAll(() => s.close());

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
type Operation = OpenAPIV3_1.OperationObject & { path: string; method: string };
const operations = (): Operation[] =>
  Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    METHODS.flatMap((method) => (item?.[method] ? [{ ...(item[method] as OpenAPIV3_1.OperationObject), path, method }] : [])),
  );
const adminOperations = () => operations().filter((o) => o.path.startsWith('/api/v1/'));
const mediaOf = (o: { content?: Record<string, OpenAPIV3_1.MediaTypeObject> }) => Object.entries(o.content ?? {});

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document whose every $ref resolves', async () => {
    const result = await validate(structuredClone(document) as never);
    expect(result.valid ? [] : result.errors).toEqual([]);
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.components?.schemas ?? {})).toEqual(expect.arrayContaining(['Customer', 'Incident', 'IncidentReport', 'Problem', 'CustomerPage']));
  });

  it('names every request body and JSON answer as a component, so generated clients get real types', () => {
    const anonymous: string[] = [];
    for (const op of adminOperations()) {
      const body = op.requestBody as OpenAPIV3_1.RequestBodyObject | undefined;
      for (const [type, media] of mediaOf(body ?? {})) if (!('$ref' in (media.schema ?? {}))) anonymous.push(`${op.method} ${op.path} body ${type}`);
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        for (const [type, media] of mediaOf(response as OpenAPIV3_1.ResponseObject)) {
          if (type !== 'text/plain' && !('$ref' in (media.schema ?? {}))) anonymous.push(`${op.method} ${op.path} ${status} ${type}`);
        }
      }
    }
    expect(anonymous).toEqual([]);
  });

  it('documents the problems of every operation as problem+json, with an example of each', () => {
    const missing: string[] = [];
    for (const op of operations()) {
      const responses = op.responses as Record<string, OpenAPIV3_1.ResponseObject>;
      const admin = op.path.startsWith('/api/v1/');
      const expected = [...(admin ? ['401', '429'] : []), ...(admin && op.method !== 'get' ? ['403'] : []), ...(op.path.includes('{') ? ['404'] : [])];
      for (const status of expected) if (!responses[status]) missing.push(`${op.method} ${op.path}: no ${status}`);
      for (const [status, response] of Object.entries(responses)) {
        if (!status.startsWith('4')) continue;
        const problem = response.content?.['application/problem+json'];
        if (!problem) missing.push(`${op.method} ${op.path} ${status}: not problem+json`);
        else if (Object.keys(problem.examples ?? {}).length === 0) missing.push(`${op.method} ${op.path} ${status}: no example`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('gives the merged answer of POST /incidents its own status and says so', () => {
    const responses = document.paths?.['/api/v1/incidents']?.post?.responses as Record<string, OpenAPIV3_1.ResponseObject>;
    expect(responses['201']?.description).toMatch(/^Opened/);
    expect(responses['200']?.description).toMatch(/^Merged/);
    const selfservice = Object.values(responses['422']?.content?.['application/problem+json']?.examples ?? {}).map((e) => (e as { value: { errors?: Array<{ field: string }> } }).value);
    expect(selfservice.some((v) => v.errors?.[0]?.field === 'integrationId')).toBe(true);
  });

  it('shows examples that its own schemas accept', () => {
    const wrong: string[] = [];
    for (const [schema, meta] of z.globalRegistry._idmap.entries() as Iterable<[string, z.ZodType]>) {
      const example = z.globalRegistry.get(meta)?.example;
      if (example === undefined) continue;
      const parsed = meta.safeParse(example);
      if (!parsed.success) wrong.push(`${schema}: ${z.prettifyError(parsed.error)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('matches the committed client types (run `npm run api:types` after changing the API)', async () => {
    const committed = await readFile(API_TYPES_FILE, 'utf8');
    expect(committed === (await renderApiTypes(document)), 'src/http/openapi.generated.ts is stale: run `npm run api:types` and commit it').toBe(true);
  });
});
