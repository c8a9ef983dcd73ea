import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/service.js';

let s: TestService;
beforeAll(async () => {
  s = await startTestService();
});
afterAll(() => s.close());

const post = (url: string, payload: unknown) => s.app.inject({ method: 'POST', url, payload: payload as object, headers: s.auth });
const get = (url: string) => s.app.inject({ method: 'GET', url, headers: s.auth });

describe('customers', () => {
  it('creates, reads, lists, updates and archives a customer', async () => {
    const created = await post('/api/v1/customers', { code: '5001', name: 'Delta Foods', language: 'en' });
    expect(created.statusCode).toBe(201);
    const customer = created.json();
    expect(customer).toMatchObject({ code: '5001', name: 'Delta Foods', language: 'en', timeZone: 'America/Argentina/Buenos_Aires', archivedAt: null });

    expect((await get(`/api/v1/customers/${customer.id}`)).json()).toEqual(customer);
    expect((await get('/api/v1/customers?code=5001')).json().items).toEqual([customer]);

    const patched = await s.app.inject({ method: 'PATCH', url: `/api/v1/customers/${customer.id}`, payload: { language: 'pt' }, headers: s.auth });
    expect(patched.json()).toMatchObject({ id: customer.id, language: 'pt' });

    const archived = await s.app.inject({ method: 'DELETE', url: `/api/v1/customers/${customer.id}`, headers: s.auth });
    expect(archived.json().archivedAt).not.toBeNull();
    expect((await get('/api/v1/customers?code=5001')).json().items).toEqual([]);
    expect((await get('/api/v1/customers?code=5001&archived=true')).json().items).toHaveLength(1);
  });

  it('pages through customers with a cursor', async () => {
    for (const code of ['6001', '6002', '6003']) await post('/api/v1/customers', { code, name: `C${code}`, language: 'es' });
    const first = (await get('/api/v1/customers?limit=2')).json();
    expect(first.items).toHaveLength(2);
    const second = (await get(`/api/v1/customers?limit=2&cursor=${first.nextCursor}`)).json();
    const ids = [...first.items, ...second.items].map((c: { id: number }) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('answers a duplicate code with a 409 problem naming the field', async () => {
    await post('/api/v1/customers', { code: '7001', name: 'One', language: 'es' });
    const dup = await post('/api/v1/customers', { code: '7001', name: 'Two', language: 'es' });
    expect(dup.statusCode).toBe(409);
    expect(dup.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(dup.json()).toMatchObject({ status: 409, errors: [{ field: 'code' }] });
  });

  it('rejects a bad language and time zone with a 422 naming each field', async () => {
    const bad = await post('/api/v1/customers', { code: '12', name: '', language: 'fr', timeZone: 'Mars/Olympus' });
    expect(bad.statusCode).toBe(422);
    const fields = bad.json().errors.map((e: { field: string }) => e.field).sort();
    expect(fields).toEqual(['code', 'language', 'name', 'timeZone']);
  });

  it('answers 404 as a problem for a customer that does not exist', async () => {
    const missing = await get('/api/v1/customers/999999');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ status: 404, detail: 'customer 999999 does not exist' });
  });
});

describe('engineers', () => {
  it('stores a phone written in any common format as E.164', async () => {
    const created = await post('/api/v1/engineers', { name: 'Eng Four', phone: '+54 9 11 5000-0204', language: 'en' });
    expect(created.statusCode).toBe(201);
    expect(created.json().phone).toBe('+5491150000204');
    expect((await get('/api/v1/engineers?phone=%2B54%209%2011%205000%200204')).json().items).toHaveLength(1);
  });

  it('rejects an impossible phone number with a 422 that names the field', async () => {
    const bad = await post('/api/v1/engineers', { name: 'Nobody', phone: '12' });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors).toEqual([{ field: 'phone', message: expect.stringContaining('not a valid phone number') }]);
  });

  it('refuses a second engineer with the same number', async () => {
    await post('/api/v1/engineers', { name: 'A', phone: '+5491150000250' });
    const dup = await post('/api/v1/engineers', { name: 'B', phone: '011 15 5000-0250' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().errors[0].field).toBe('phone');
  });
});

describe('auth', () => {
  it('refuses a request without a token, with a wrong token, and a revoked token', async () => {
    const none = await s.app.inject({ method: 'GET', url: '/api/v1/customers' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['content-type']).toMatch(/problem\+json/);
    const wrong = await s.app.inject({ method: 'GET', url: '/api/v1/customers', headers: { authorization: 'Bearer nope' } });
    expect(wrong.statusCode).toBe(401);

    const issued = (await post('/api/v1/api-tokens', { name: 'ops script' })).json();
    const withIssued = { authorization: `Bearer ${issued.token}` };
    expect((await s.app.inject({ method: 'GET', url: '/api/v1/customers', headers: withIssued })).statusCode).toBe(200);
    await s.app.inject({ method: 'DELETE', url: `/api/v1/api-tokens/${issued.id}`, headers: s.auth });
    const revoked = await s.app.inject({ method: 'GET', url: '/api/v1/customers', headers: withIssued });
    expect(revoked.statusCode).toBe(401);
    expect(revoked.json().detail).toMatch(/revoked/);
  });

  it('lets a read-only token read but answers 403 when it tries to change something', async () => {
    const issued = (await post('/api/v1/api-tokens', { name: 'dashboard', scope: 'read' })).json();
    const headers = { authorization: `Bearer ${issued.token}` };
    expect((await s.app.inject({ method: 'GET', url: '/api/v1/engineers', headers })).statusCode).toBe(200);
    const write = await s.app.inject({ method: 'POST', url: '/api/v1/customers', headers, payload: { code: '8001', name: 'X', language: 'es' } });
    expect(write.statusCode).toBe(403);
    expect((await get('/api/v1/customers?code=8001')).json().items).toEqual([]);
  });

  it('shows when a token was last used, to the minute', async () => {
    const issued = (await post('/api/v1/api-tokens', { name: 'poller', scope: 'read' })).json();
    const use = () => s.app.inject({ method: 'GET', url: '/api/v1/customers', headers: { authorization: `Bearer ${issued.token}` } });
    const lastUsed = async () => (await get('/api/v1/api-tokens?limit=200')).json().items.find((t: { id: number }) => t.id === issued.id).lastUsedAt;
    expect(await lastUsed()).toBeNull();
    await use();
    const first = s.clock.now().toISOString();
    expect(await lastUsed()).toBe(first);
    s.clock.advance(30_000);
    await use();
    expect(await lastUsed()).toBe(first);
    s.clock.advance(30_000);
    await use();
    expect(await lastUsed()).toBe(s.clock.now().toISOString());
  });

  it('never lists a token in clear', async () => {
    await post('/api/v1/api-tokens', { name: 'listed' });
    const list = (await get('/api/v1/api-tokens')).json();
    expect(list.items.length).toBeGreaterThan(0);
    for (const t of list.items) expect(t).not.toHaveProperty('token');
  });
});

describe('health and docs', () => {
  it('reports ready when Postgres and Redis answer', async () => {
    expect((await s.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await s.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready', postgres: 'ok', redis: 'ok' });
  });

  it('publishes an OpenAPI 3.1 document of the admin API', async () => {
    const doc = (await s.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/customers', '/api/v1/engineers/{id}', '/api/v1/incidents/{id}/acknowledge', '/api/v1/rotations/{id}/on-call']));
    expect(Object.keys(doc.paths).some((p) => p.startsWith('/twilio'))).toBe(false);
    const docs = await s.app.inject({ method: 'GET', url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-type']).toMatch(/text\/html/);
  });
});
