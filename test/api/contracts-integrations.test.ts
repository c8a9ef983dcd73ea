import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/service.js';
import { adminApi, fields, insertIncident, sla } from './helpers.js';

let s: TestService;
let api: ReturnType<typeof adminApi>;
let customerId: number;
let otherCustomerId: number;
beforeAll(async () => {
  s = await startTestService();
  api = adminApi(s);
  customerId = (await api.create('/customers', { code: '1001', name: 'Acme Retail', language: 'es' })).id;
  otherCustomerId = (await api.create('/customers', { code: '1002', name: 'Beta Logistics', language: 'en' })).id;
});
afterAll(() => s.close());

const contract = (overrides: Record<string, unknown> = {}) => ({
  customerId,
  name: '24x7 Integrations',
  integrations24x7: true,
  validFrom: '2026-01-01T00:00:00-03:00',
  validUntil: '2027-01-01T00:00:00-03:00',
  sla,
  ...overrides,
});

describe('contracts', () => {
  it('creates, reads, lists, updates and deletes a contract with its SLA targets per severity', async () => {
    const created = await api.post('/contracts', contract());
    expect(created.status).toBe(201);
    const c = created.body;
    expect(c).toMatchObject({ customerId, integrations24x7: true, validFrom: '2026-01-01T03:00:00.000Z', validUntil: '2027-01-01T03:00:00.000Z', sla });

    expect((await api.get(`/contracts/${c.id}`)).body).toEqual(c);
    expect((await api.get(`/contracts?customerId=${customerId}`)).body.items).toContainEqual(c);
    expect((await api.get(`/contracts?customerId=${otherCustomerId}`)).body.items).toEqual([]);

    const patched = await api.patch(`/contracts/${c.id}`, { sla: { high: { firstResponseMinutes: 20 } }, validUntil: null });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      validFrom: c.validFrom,
      validUntil: null,
      sla: { blocker: sla.blocker, high: { firstResponseMinutes: 20, resolutionMinutes: 480 } },
    });

    expect((await api.del(`/contracts/${c.id}`)).status).toBe(204);
    expect((await api.get(`/contracts/${c.id}`)).status).toBe(404);
  });

  it('lists only the contracts active at the instant asked, the end being exclusive', async () => {
    const { id: customer } = await api.create('/customers', { code: '1003', name: 'Gamma Pagamentos', language: 'pt' });
    const expired = await api.create('/contracts', contract({ customerId: customer, validFrom: '2025-01-01T00:00:00Z', validUntil: '2026-10-01T00:00:00Z' }));
    const current = await api.create('/contracts', contract({ customerId: customer, validFrom: '2026-10-01T00:00:00Z', validUntil: null, integrations24x7: false }));
    const future = await api.create('/contracts', contract({ customerId: customer, validFrom: '2027-01-01T00:00:00Z', validUntil: null }));

    const activeAt = async (instant: string) =>
      (await api.get(`/contracts?customerId=${customer}&activeAt=${encodeURIComponent(instant)}`)).body.items.map((c: { id: number }) => c.id);
    expect(await activeAt('2026-11-23T12:00:00-03:00')).toEqual([current.id]);
    expect(await activeAt('2026-09-30T23:59:59Z')).toEqual([expired.id]);
    expect(await activeAt('2026-10-01T00:00:00Z')).toEqual([current.id]);
    expect(await activeAt('2027-06-01T00:00:00Z')).toEqual([current.id, future.id]);
    expect((await api.get(`/contracts?customerId=${customer}&integrations24x7=true`)).body.items.map((c: { id: number }) => c.id)).toEqual([expired.id, future.id]);

    const bad = await api.get('/contracts?activeAt=yesterday');
    expect(bad.status).toBe(422);
    expect(fields(bad.body)).toEqual(['query.activeAt']);
  });

  it('refuses a window that ends before it starts, on create and on update, naming validUntil', async () => {
    const backwards = await api.post('/contracts', contract({ validFrom: '2026-06-01T00:00:00Z', validUntil: '2026-06-01T00:00:00Z' }));
    expect(backwards.status).toBe(422);
    expect(backwards.contentType).toMatch(/application\/problem\+json/);
    expect(fields(backwards.body)).toEqual(['validUntil']);

    const c = await api.create('/contracts', contract());
    const patched = await api.patch(`/contracts/${c.id}`, { validUntil: '2025-12-31T00:00:00Z' });
    expect(patched.status).toBe(422);
    expect(fields(patched.body)).toEqual(['validUntil']);
    expect((await api.get(`/contracts/${c.id}`)).body.validUntil).toBe(c.validUntil);
  });

  it('refuses a resolution target shorter than the first response target', async () => {
    const bad = await api.post('/contracts', contract({ sla: { ...sla, high: { firstResponseMinutes: 60, resolutionMinutes: 30 } } }));
    expect(bad.status).toBe(422);
    expect(fields(bad.body)).toEqual(['sla.high.resolutionMinutes']);
    const missing = await api.post('/contracts', contract({ sla: { blocker: sla.blocker } }));
    expect(fields(missing.body)).toEqual(['sla.high']);
  });

  it('answers an unknown customer with a 422 naming customerId', async () => {
    const bad = await api.post('/contracts', contract({ customerId: 999999 }));
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([{ field: 'customerId', message: 'customer 999999 does not exist' }]);
  });

  it('keeps a contract an incident refers to: deleting it is a 409', async () => {
    const c = await api.create('/contracts', contract());
    const integration = await api.create('/integrations', { customerId, name: 'Billing bridge', builtBy: 'vendor' });
    const policy = await api.create('/escalation-policies', { name: 'Contracts policy', levels: [{ ackTimeoutSeconds: 300, targets: [{ type: 'engineer', engineerId: (await api.create('/engineers', { name: 'Eng One', phone: '+5491150000201' })).id }] }] });
    await insertIncident(s, { customerId, contractId: c.id, integrationId: integration.id, escalationPolicyId: policy.id });

    const refused = await api.del(`/contracts/${c.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/1 incident/);
    expect((await api.get(`/contracts/${c.id}`)).status).toBe(200);
  });
});

describe('integrations', () => {
  it('creates, reads, lists, renames and archives an integration', async () => {
    const created = await api.post('/integrations', { customerId, name: '  Salesforce sync ', builtBy: 'vendor' });
    expect(created.status).toBe(201);
    const i = created.body;
    expect(i).toMatchObject({ customerId, name: 'Salesforce sync', builtBy: 'vendor', archivedAt: null });
    const selfservice = await api.create('/integrations', { customerId, name: 'Zendesk widget', builtBy: 'selfservice' });

    expect((await api.get(`/integrations/${i.id}`)).body).toEqual(i);
    const vendorBuilt = (await api.get(`/integrations?customerId=${customerId}&builtBy=vendor`)).body.items.map((x: { id: number }) => x.id);
    expect(vendorBuilt).toContain(i.id);
    expect(vendorBuilt).not.toContain(selfservice.id);

    const renamed = await api.patch(`/integrations/${i.id}`, { name: 'Salesforce sync v2' });
    expect(renamed.body).toMatchObject({ id: i.id, name: 'Salesforce sync v2', builtBy: 'vendor' });

    const archived = await api.del(`/integrations/${i.id}`);
    expect(archived.status).toBe(200);
    expect(archived.body.archivedAt).toBe(s.clock.now().toISOString());
    expect((await api.get(`/integrations?customerId=${customerId}`)).body.items.map((x: { id: number }) => x.id)).not.toContain(i.id);
    expect((await api.get(`/integrations?customerId=${customerId}&archived=true`)).body.items.map((x: { id: number }) => x.id)).toContain(i.id);
  });

  it("refuses a second integration with the same name for a customer, whatever the case, but not another customer's", async () => {
    await api.create('/integrations', { customerId, name: 'SAP orders', builtBy: 'vendor' });
    const dup = await api.post('/integrations', { customerId, name: 'sap ORDERS', builtBy: 'selfservice' });
    expect(dup.status).toBe(409);
    expect(dup.body.errors).toEqual([{ field: 'name', message: 'already in use' }]);
    expect((await api.post('/integrations', { customerId: otherCustomerId, name: 'SAP orders', builtBy: 'vendor' })).status).toBe(201);
  });

  it('rejects an unknown builder and an unknown customer, naming each field', async () => {
    const badBuilder = await api.post('/integrations', { customerId, name: 'X', builtBy: 'customer' });
    expect(badBuilder.status).toBe(422);
    expect(fields(badBuilder.body)).toEqual(['builtBy']);
    const badCustomer = await api.post('/integrations', { customerId: 999999, name: 'X', builtBy: 'vendor' });
    expect(badCustomer.status).toBe(422);
    expect(fields(badCustomer.body)).toEqual(['customerId']);
  });
});
