import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactsLog } from '../../src/db/schema.js';
import { startTestService, type TestService } from '../support/service.js';
import { adminApi, fields, insertIncident, sla } from './helpers.js';

let s: TestService;
let api: ReturnType<typeof adminApi>;
let acme: number;
let beta: number;
let policyId: number;
beforeAll(async () => {
  s = await startTestService();
  api = adminApi(s);
  acme = (await api.create('/customers', { code: '1001', name: 'Acme Retail', language: 'es' })).id;
  beta = (await api.create('/customers', { code: '1002', name: 'Beta Logistics', language: 'en' })).id;
  const lead = await api.create('/engineers', { name: 'Lead Three', phone: '+5491150000203' });
  policyId = (await api.create('/escalation-policies', { name: 'Integrations 24x7', repeat: 2, levels: [{ ackTimeoutSeconds: 300, targets: [{ type: 'engineer', engineerId: lead.id }] }] })).id;
});
afterAll(() => s.close());

const ids = (body: { items: { id: number }[] }) => body.items.map((x) => x.id);

describe('contacts', () => {
  it("registers a customer's phone written any way as E.164, finds it by phone, changes and deletes it", async () => {
    const created = await api.post('/contacts', { customerId: acme, name: 'Ana (ops)', phone: '011 15 5000-0101' });
    expect(created.status).toBe(201);
    const c = created.body;
    expect(c).toMatchObject({ customerId: acme, name: 'Ana (ops)', phone: '+5491150000101' });

    expect((await api.get(`/contacts/${c.id}`)).body).toEqual(c);
    expect((await api.get(`/contacts?phone=${encodeURIComponent('+54 9 11 5000-0101')}`)).body.items).toEqual([c]);
    expect(ids((await api.get(`/contacts?customerId=${acme}`)).body)).toContain(c.id);
    expect((await api.get(`/contacts?customerId=${beta}`)).body.items).toEqual([]);

    const patched = await api.patch(`/contacts/${c.id}`, { phone: '+54 9 11 5000-0102' });
    expect(patched.body).toMatchObject({ id: c.id, name: 'Ana (ops)', phone: '+5491150000102' });

    expect((await api.del(`/contacts/${c.id}`)).status).toBe(204);
    expect((await api.get(`/contacts/${c.id}`)).status).toBe(404);
    expect((await api.del(`/contacts/${c.id}`)).status).toBe(404);
  });

  it('rejects an impossible phone with a 422 naming the field', async () => {
    const bad = await api.post('/contacts', { customerId: acme, name: 'Nobody', phone: '12' });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([{ field: 'phone', message: expect.stringContaining('not a valid phone number') }]);
  });

  it("refuses a phone that is already another contact's, an engineer's or a standby number", async () => {
    await api.create('/contacts', { customerId: acme, name: 'Ana', phone: '+5491150000111' });
    const twice = await api.post('/contacts', { customerId: beta, name: 'Bob', phone: '+54 9 11 5000-0111' });
    expect(twice.status).toBe(409);
    expect(fields(twice.body)).toEqual(['phone']);

    const engineers = await api.post('/contacts', { customerId: acme, name: 'Lead', phone: '+5491150000203' });
    expect(engineers.status).toBe(409);
    expect(engineers.body).toMatchObject({ errors: [{ field: 'phone' }], usedBy: [{ kind: 'engineer', name: 'Lead Three' }] });

    await api.create('/standby-numbers', { phone: '+541150000150', escalationPolicyId: policyId });
    const standby = await api.post('/contacts', { customerId: acme, name: 'Desk', phone: '+541150000150' });
    expect(standby.status).toBe(409);
    expect(standby.body.usedBy).toMatchObject([{ kind: 'standby_number' }]);
  });

  it('answers an unknown customer with a 422 naming customerId', async () => {
    const bad = await api.post('/contacts', { customerId: 999999, name: 'Ghost', phone: '+5491150000199' });
    expect(bad.status).toBe(422);
    expect(fields(bad.body)).toEqual(['customerId']);
  });
});

describe('standby numbers', () => {
  it('adds a dedicated and a shared number, lists them apart, changes and deletes them', async () => {
    const created = await api.post('/standby-numbers', { phone: '+54 11 5000-0100', label: 'Acme dedicated', customerId: acme, escalationPolicyId: policyId });
    expect(created.status).toBe(201);
    const dedicated = created.body;
    expect(dedicated).toMatchObject({ phone: '+541150000100', label: 'Acme dedicated', customerId: acme, escalationPolicyId: policyId });
    const shared = await api.create('/standby-numbers', { phone: '+541150000199', escalationPolicyId: policyId });
    expect(shared).toMatchObject({ customerId: null, label: '' });

    expect((await api.get(`/standby-numbers/${dedicated.id}`)).body).toEqual(dedicated);
    expect(ids((await api.get('/standby-numbers?shared=true')).body)).toContain(shared.id);
    expect(ids((await api.get('/standby-numbers?shared=true')).body)).not.toContain(dedicated.id);
    expect(ids((await api.get(`/standby-numbers?customerId=${acme}`)).body)).toEqual([dedicated.id]);
    expect(ids((await api.get(`/standby-numbers?phone=${encodeURIComponent('+54 11 5000-0199')}`)).body)).toEqual([shared.id]);

    const patched = await api.patch(`/standby-numbers/${dedicated.id}`, { customerId: null });
    expect(patched.body).toMatchObject({ id: dedicated.id, customerId: null, label: 'Acme dedicated', escalationPolicyId: policyId });

    expect((await api.del(`/standby-numbers/${dedicated.id}`)).status).toBe(204);
    expect((await api.get(`/standby-numbers/${dedicated.id}`)).status).toBe(404);
  });

  it('refuses a number already in use, as a standby number or as a contact', async () => {
    await api.create('/standby-numbers', { phone: '+541150000160', escalationPolicyId: policyId });
    const dup = await api.post('/standby-numbers', { phone: '011 5000-0160', escalationPolicyId: policyId });
    expect(dup.status).toBe(409);
    expect(dup.body.errors).toEqual([{ field: 'phone', message: 'already in use' }]);

    await api.create('/contacts', { customerId: beta, name: 'Bea', phone: '+5491150000170' });
    const contactPhone = await api.post('/standby-numbers', { phone: '+5491150000170', escalationPolicyId: policyId });
    expect(contactPhone.status).toBe(409);
    expect(fields(contactPhone.body)).toEqual(['phone']);
  });

  it('answers an unknown or archived escalation policy and an unknown customer with a 422 naming the field', async () => {
    const noPolicy = await api.post('/standby-numbers', { phone: '+541150000180', escalationPolicyId: 999999 });
    expect(noPolicy.status).toBe(422);
    expect(fields(noPolicy.body)).toEqual(['escalationPolicyId']);

    const retired = await api.create('/escalation-policies', { name: 'Retired', levels: [{ ackTimeoutSeconds: 60, targets: [{ type: 'engineer', engineerId: (await api.create('/engineers', { name: 'Old', phone: '+5491150000290' })).id }] }] });
    expect((await api.del(`/escalation-policies/${retired.id}`)).status).toBe(200);
    const archived = await api.post('/standby-numbers', { phone: '+541150000180', escalationPolicyId: retired.id });
    expect(archived.status).toBe(422);
    expect(archived.body.errors).toEqual([{ field: 'escalationPolicyId', message: expect.stringMatching(/archived/) }]);

    const noCustomer = await api.post('/standby-numbers', { phone: '+541150000180', customerId: 999999, escalationPolicyId: policyId });
    expect(noCustomer.status).toBe(422);
    expect(fields(noCustomer.body)).toEqual(['customerId']);
  });

  it('keeps a number incidents came through: deleting it is a 409', async () => {
    const number = await api.create('/standby-numbers', { phone: '+541150000190', customerId: acme, escalationPolicyId: policyId });
    const contract = await api.create('/contracts', { customerId: acme, name: '24x7', integrations24x7: true, validFrom: '2026-01-01T00:00:00Z', sla });
    const integration = await api.create('/integrations', { customerId: acme, name: 'Salesforce sync', builtBy: 'vendor' });
    await insertIncident(s, { customerId: acme, contractId: contract.id, integrationId: integration.id, escalationPolicyId: policyId, standbyNumberId: number.id });

    const refused = await api.del(`/standby-numbers/${number.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/\+541150000190.*1 incident/);
    expect((await api.get(`/standby-numbers/${number.id}`)).status).toBe(200);
  });
});

describe('contacts log', () => {
  it('lists out-of-scope contacts newest first, filtered by customer, reason, channel and time, a page at a time', async () => {
    const row = (at: string, fields: Partial<typeof contactsLog.$inferInsert>) => ({
      at: new Date(at),
      channel: 'voice' as const,
      fromPhone: '+5491150000111',
      standbyPhone: '+541150000199',
      reason: 'no_24x7_contract',
      ...fields,
    });
    const inserted = await s.deps.database.db
      .insert(contactsLog)
      .values([
        row('2026-11-20T10:00:00Z', { customerId: beta }),
        row('2026-11-21T10:00:00Z', { customerId: acme, reason: 'severity_not_covered', severity: 'medium', channel: 'sms' }),
        row('2026-11-22T10:00:00Z', { fromPhone: '+5491159999999', reason: 'unknown_caller', details: { digits: '9999' } }),
        row('2026-11-23T10:00:00Z', { customerId: beta, channel: 'sms' }),
      ])
      .returning({ id: contactsLog.id });
    const [first, second, third, fourth] = inserted.map((r) => r.id);

    expect(ids((await api.get('/contacts-log')).body)).toEqual([fourth, third, second, first]);
    expect(ids((await api.get(`/contacts-log?customerId=${beta}`)).body)).toEqual([fourth, first]);
    expect(ids((await api.get('/contacts-log?reason=no_24x7_contract&channel=sms')).body)).toEqual([fourth]);
    expect(ids((await api.get(`/contacts-log?from=${encodeURIComponent('2026-11-21T07:00:00-03:00')}&to=2026-11-23T10:00:00Z`)).body)).toEqual([third, second]);

    const page1 = (await api.get('/contacts-log?limit=3')).body;
    expect(ids(page1)).toEqual([fourth, third, second]);
    const page2 = (await api.get(`/contacts-log?limit=3&cursor=${page1.nextCursor}`)).body;
    expect(page2).toMatchObject({ nextCursor: null });
    expect(ids(page2)).toEqual([first]);

    const one = await api.get(`/contacts-log/${third}`);
    expect(one.body).toEqual({
      id: third,
      at: '2026-11-22T10:00:00.000Z',
      channel: 'voice',
      fromPhone: '+5491159999999',
      standbyPhone: '+541150000199',
      customerId: null,
      customerName: null,
      integrationId: null,
      integrationName: null,
      severity: null,
      reason: 'unknown_caller',
      details: { digits: '9999' },
    });
    expect((await api.get('/contacts-log/999999')).status).toBe(404);
  });

  it('is read-only', async () => {
    expect((await api.post('/contacts-log', { reason: 'x' })).status).toBe(404);
  });
});
