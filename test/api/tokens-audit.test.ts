import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoData } from '../../src/app/demo-data.js';
import { startTestService, type TestService } from '../support/service.js';

/** Token scopes (read < write < admin), who manages tokens, and the audit log of every change. */
let s: TestService;
beforeAll(async () => {
  s = await startTestService();
});
afterAll(() => s.close());

const as = (token: string) => ({ authorization: `Bearer ${token}` });
async function call(headers: Record<string, string>, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) {
  const response = await s.app.inject({ method, url: `/api/v1${url}`, headers, ...(payload ? { payload } : {}) });
  return { status: response.statusCode, body: response.body ? response.json() : undefined };
}
async function issue(by: Record<string, string>, name: string, scope: 'read' | 'write' | 'admin') {
  const answer = await call(by, 'POST', '/api-tokens', { name, scope });
  if (answer.status !== 201) throw new Error(`issuing ${name}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body as { id: number; token: string; createdByTokenId: number | null };
}

describe('token scopes', () => {
  it('a write token changes things but cannot issue, list or revoke tokens, nor read the audit log', async () => {
    const writer = await issue(s.auth, 'integration script', 'write');
    const headers = as(writer.token);
    expect((await call(headers, 'POST', '/customers', { code: '7001', name: 'Scripted', language: 'en' })).status).toBe(201);
    for (const [method, url, payload] of [
      ['POST', '/api-tokens', { name: 'forever', scope: 'write' }],
      ['GET', '/api-tokens', undefined],
      ['DELETE', `/api-tokens/${writer.id}`, undefined],
      ['GET', '/audit-log', undefined],
    ] as const) {
      const answer = await call(headers, method, url, payload);
      expect(answer.status, `${method} ${url}`).toBe(403);
      expect(answer.body.detail).toMatch(/Only admin tokens/);
    }
  });

  it('the bootstrap token is an admin: it issues admin tokens, which manage tokens in turn', async () => {
    const admin = await issue(s.auth, 'ops lead', 'admin');
    expect(admin.createdByTokenId).toBeNull();
    const reader = await issue(as(admin.token), 'dashboard', 'read');
    expect(reader.createdByTokenId).toBe(admin.id);
    expect((await call(as(admin.token), 'GET', '/api-tokens')).status).toBe(200);
  });

  it('a token never revokes the token that issued it, nor any above that one', async () => {
    const lead = await issue(s.auth, 'lead', 'admin');
    const deputy = await issue(as(lead.token), 'deputy', 'admin');
    const script = await issue(as(deputy.token), 'script', 'admin');
    for (const [by, target] of [
      [deputy, lead],
      [script, deputy],
      [script, lead],
    ] as const) {
      const answer = await call(as(by.token), 'DELETE', `/api-tokens/${target.id}`);
      expect(answer.status).toBe(403);
      expect(answer.body.reason).toBe('revokes_its_issuer');
    }
    expect((await call(as(lead.token), 'GET', '/customers')).status).toBe(200);
  });

  it('revoking a token revokes every token it issued: a leaked token cannot outlive itself through its own issues', async () => {
    const leaked = await issue(s.auth, 'leaked', 'admin');
    const child = await issue(as(leaked.token), 'made by the leak', 'admin');
    const grandchild = await issue(as(child.token), 'made by what the leak made', 'read');
    expect((await call(s.auth, 'DELETE', `/api-tokens/${leaked.id}`)).body.revokedAt).not.toBeNull();
    for (const token of [leaked, child, grandchild]) expect((await call(as(token.token), 'GET', '/customers')).status).toBe(401);
  });

  it('a read token may only read', async () => {
    const reader = await issue(s.auth, 'wallboard', 'read');
    expect((await call(as(reader.token), 'GET', '/incidents')).status).toBe(200);
    expect((await call(as(reader.token), 'POST', '/customers', { code: '7002', name: 'X', language: 'es' })).status).toBe(403);
  });
});

describe('the audit log', () => {
  it('records who changed what and when, with the resource before and after', async () => {
    const ops = await issue(s.auth, 'ops script', 'write');
    const created = await call(as(ops.token), 'POST', '/customers', { code: '7101', name: 'Audited Ltd', language: 'es' });
    await call(as(ops.token), 'PATCH', `/customers/${created.body.id}`, { name: 'Audited Limited' });

    const log = await call(s.auth, 'GET', `/audit-log?resource=customers&resourceId=${created.body.id}`);
    expect(log.status).toBe(200);
    const [patched, posted] = log.body.items;
    expect(patched).toMatchObject({
      token: { id: ops.id, name: 'ops script' },
      method: 'PATCH',
      path: `/api/v1/customers/${created.body.id}`,
      resource: 'customers',
      resourceId: created.body.id,
      statusCode: 200,
      request: { name: 'Audited Limited' },
      before: { name: 'Audited Ltd' },
      after: { name: 'Audited Limited' },
    });
    expect(Date.parse(patched.at)).toBe(s.clock.now().getTime());
    expect(posted).toMatchObject({ method: 'POST', before: null, after: { id: created.body.id, name: 'Audited Ltd' } });
  });

  it('records an incident action with the incident before and after', async () => {
    await loadDemoData(s.deps.database.db, s.clock.now());
    const [acme] = (await call(s.auth, 'GET', '/customers?code=1001')).body.items;
    const [integration] = (await call(s.auth, 'GET', `/integrations?customerId=${acme.id}`)).body.items;
    const [engineer] = (await call(s.auth, 'GET', '/engineers')).body.items;
    const opened = await call(s.auth, 'POST', '/incidents', { customerId: acme.id, integrationId: integration.id, severity: 'blocker' });
    await call(s.auth, 'POST', `/incidents/${opened.body.id}/acknowledge`, { engineerId: engineer.id });
    const [entry] = (await call(s.auth, 'GET', `/audit-log?resource=incidents&resourceId=${opened.body.id}&limit=1`)).body.items;
    expect(entry).toMatchObject({ method: 'POST', path: `/api/v1/incidents/${opened.body.id}/acknowledge`, request: { engineerId: engineer.id }, before: { status: 'triggered' }, after: { status: 'acknowledged', acknowledgedBy: engineer.id } });
  });

  it('never keeps an issued secret', async () => {
    const issued = await issue(s.auth, 'secret holder', 'read');
    const entries = (await call(s.auth, 'GET', '/audit-log?resource=api-tokens')).body.items;
    const entry = entries.find((e: { resourceId: number }) => e.resourceId === issued.id);
    expect(entry.after.token).toBe('[redacted]');
    expect(JSON.stringify(entries)).not.toContain(issued.token);
  });

  it('does not record reads or refused changes', async () => {
    const before = (await call(s.auth, 'GET', '/audit-log?limit=200')).body.items.length;
    await call(s.auth, 'GET', '/customers');
    await call(s.auth, 'POST', '/customers', { code: 'not digits', name: '', language: 'xx' });
    expect((await call(s.auth, 'GET', '/audit-log?limit=200')).body.items.length).toBe(before);
  });

  it('pages newest first with a cursor, and filters by token', async () => {
    const pager = await issue(s.auth, 'pager', 'write');
    for (const code of ['7201', '7202', '7203']) await call(as(pager.token), 'POST', '/customers', { code, name: `C${code}`, language: 'es' });
    const first = await call(s.auth, 'GET', `/audit-log?tokenId=${pager.id}&limit=2`);
    expect(first.body.items.map((e: { request: { code: string } }) => e.request.code)).toEqual(['7203', '7202']);
    const second = await call(s.auth, 'GET', `/audit-log?tokenId=${pager.id}&limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((e: { request: { code: string } }) => e.request.code)).toEqual(['7201']);
    expect(second.body.nextCursor).toBeNull();
    const bootstrap = (await call(s.auth, 'GET', '/audit-log?tokenId=bootstrap&limit=200')).body.items;
    expect(bootstrap.every((e: { token: { id: number | null; name: string } }) => e.token.id === null && e.token.name === 'ADMIN_API_TOKEN')).toBe(true);
  });
});
