import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count } from 'drizzle-orm';
import { contracts, customers } from '../../src/db/schema.js';
import { startTestService, type TestService } from '../support/service.js';
import { adminApi, fields, sla } from './helpers.js';

/** Input that used to reach a 500: now a 422 that names the field, and nothing written. */
let s: TestService;
let api: ReturnType<typeof adminApi>;
let customerId: number;
beforeAll(async () => {
  s = await startTestService();
  api = adminApi(s);
  customerId = (await api.create('/customers', { code: '1001', name: 'Acme Retail', language: 'es' })).id;
});
afterAll(() => s.close());

const rows = async (table: typeof contracts | typeof customers) => (await s.deps.database.db.select({ n: count() }).from(table))[0]!.n;

describe('bad instants in a contract', () => {
  it('a PATCH with validFrom "x" and validUntil "y" is a 422 naming both', async () => {
    const created = await api.create('/contracts', { customerId, name: '24x7', integrations24x7: true, validFrom: '2026-01-01T00:00:00Z', sla });
    const answer = await api.patch(`/contracts/${created.id}`, { validFrom: 'x', validUntil: 'y' });
    expect(answer.status).toBe(422);
    expect(fields(answer.body)).toEqual(['validFrom', 'validUntil']);
  });

  it('a POST with a malformed validUntil is a 422 naming it, and no contract is written', async () => {
    const before = await rows(contracts);
    const answer = await api.post('/contracts', { customerId, name: '24x7', integrations24x7: true, validFrom: '2026-01-01T00:00:00Z', validUntil: 'next year', sla });
    expect(answer.status).toBe(422);
    expect(fields(answer.body)).toEqual(['validUntil']);
    expect(await rows(contracts)).toBe(before);
  });
});

describe('NUL characters', () => {
  it('in a body field are a 422 naming the field, and nothing is written', async () => {
    const before = await rows(customers);
    const answer = await api.post('/customers', { code: '1002', name: 'Beta\u0000Logistics', language: 'en' });
    expect(answer.status).toBe(422);
    expect(fields(answer.body)).toEqual(['name']);
    expect(await rows(customers)).toBe(before);
  });

  it('in a query parameter are a 422 naming it', async () => {
    const answer = await api.get('/customers?code=10%0001');
    expect(answer.status).toBe(422);
    expect(fields(answer.body)).toEqual(['query.code']);
  });
});

describe('ids out of range', () => {
  it('are a 422, in the path and in a body', async () => {
    expect((await api.get('/customers/99999999999999999999')).status).toBe(422);
    expect((await api.post('/contracts', { customerId: 1e20, name: 'x', integrations24x7: true, validFrom: '2026-01-01T00:00:00Z', sla })).status).toBe(422);
  });
});
