import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo, loadDemoData } from '../../src/app/demo-data.js';
import { startTestService, type TestService } from '../support/service.js';
import { apiClient, type ApiClient } from './helpers.js';

let s: TestService;
let api: ApiClient;
const ids: Record<string, number> = {};

beforeAll(async () => {
  s = await startTestService();
  api = apiClient(s);
  await loadDemoData(s.deps.database.db, s.clock.now());
  const get = async (url: string) => (await s.app.inject({ method: 'GET', url, headers: s.auth })).json();
  for (const c of (await get('/api/v1/customers')).items) ids[c.code] = c.id;
  for (const i of (await get('/api/v1/integrations?limit=200')).items) ids[i.name] = i.id;
  for (const e of (await get('/api/v1/engineers')).items) ids[e.name] = e.id;
});
afterAll(() => s.close());

const post = (url: string, payload: object) => s.app.inject({ method: 'POST', url: `/api/v1${url}`, headers: s.auth, payload });
const patch = (url: string, payload: object) => s.app.inject({ method: 'PATCH', url: `/api/v1${url}`, headers: s.auth, payload });
const get = (url: string) => s.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: s.auth });

/** Opens a new Acme incident on `integration`, resolving the one already open there so the report is not joined to it. */
async function openFresh(integration: string, fields: object = {}) {
  const open = (await get(`/incidents?status=open&customerId=${ids[demo.acme.code]}&limit=200`)).json().items;
  for (const i of open.filter((i: { integrationId: number }) => i.integrationId === ids[integration])) {
    await post(`/incidents/${i.id}/resolve`, { engineerId: ids['Eng One'], note: 'making room for the next test' });
  }
  return post('/incidents', { customerId: ids[demo.acme.code], integrationId: ids[integration], severity: 'high', ...fields });
}

const standbyNumber = async (phone: string) => (await get(`/standby-numbers?phone=${encodeURIComponent(phone)}`)).json().items[0] as { id: number; escalationPolicyId: number };

describe('incidents API', () => {
  it('opens an incident (201), and answers a second report on the same integration with that incident: 200, merged, and why', async () => {
    const opened = await api.POST('/api/v1/incidents', { body: { customerId: ids[demo.acme.code]!, integrationId: ids['Salesforce sync']!, severity: 'blocker', description: 'sync down' } });
    expect(opened.response.status).toBe(201);
    const incident = opened.data!;
    expect(incident).toMatchObject({ status: 'triggered', severity: 'blocker', channel: 'api', escalation: { level: 0, round: 0 }, merged: false, mergedReason: null });
    expect(incident.sla.firstResponse).toMatchObject({ state: 'running', targetMinutes: 15 });
    expect(incident.escalation.nextStepAt).toBe(new Date(s.clock.now().getTime() + 5 * 60_000).toISOString());

    const again = await api.POST('/api/v1/incidents', { body: { customerId: ids[demo.acme.code]!, integrationId: ids['Salesforce sync']!, severity: 'high' } });
    expect(again.response.status).toBe(200);
    expect(again.data).toMatchObject({ id: incident.id, merged: true });
    expect(again.data!.mergedReason).toBe(`Acme Retail already had incident ${incident.id} open on Salesforce sync (triggered); an integration has one open incident at a time, so this report was added to its timeline`);
  });

  it('refuses what the support policy does not cover, naming the field to change and saying why in words', async () => {
    const refused = async (body: { customerId: number; integrationId: number; severity: 'blocker' | 'high' }) => {
      const { error, response } = await api.POST('/api/v1/incidents', { body });
      expect(response.status).toBe(422);
      expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
      return error!;
    };
    const beta = await refused({ customerId: ids[demo.beta.code]!, integrationId: ids['Shopify feed']!, severity: 'blocker' });
    expect(beta).toMatchObject({ reason: 'contract_without_24x7', errors: [{ field: 'customerId', message: "Beta Logistics's contract does not include 24x7 Integrations support" }] });
    const selfservice = await refused({ customerId: ids[demo.acme.code]!, integrationId: ids['Zendesk widget']!, severity: 'blocker' });
    expect(selfservice).toMatchObject({ reason: 'integration_selfservice', errors: [{ field: 'integrationId', message: expect.stringContaining('Zendesk widget was built with Integrations Selfservice') }] });
    expect(selfservice.detail).toMatch(/^Not covered by 24x7 Integrations support: /);
    const gamma = await refused({ customerId: ids[demo.gamma.code]!, integrationId: ids['Salesforce sync']!, severity: 'high' });
    expect(gamma.errors?.[0]?.field).toBe('integrationId');
  });

  it('names the customer, integration, contract, number, policy and engineer next to their ids', async () => {
    const { data: incident } = await api.POST('/api/v1/incidents', { body: { customerId: ids[demo.acme.code]!, integrationId: ids['SAP orders']!, severity: 'high' } });
    const acked = await api.POST('/api/v1/incidents/{id}/acknowledge', { params: { path: { id: incident!.id } }, body: { engineerId: ids['Eng Two']! } });
    expect(acked.data).toMatchObject({
      customerName: 'Acme Retail',
      integrationName: 'SAP orders',
      contractName: expect.any(String),
      standbyNumberName: expect.any(String),
      escalationPolicyName: 'Integrations 24x7',
      acknowledgedBy: ids['Eng Two'],
      acknowledgedByName: 'Eng Two',
    });
    const { data: timeline } = await api.GET('/api/v1/incidents/{id}/timeline', { params: { path: { id: incident!.id }, query: { limit: 200 } } });
    expect(timeline!.items.find((e) => e.kind === 'acknowledged')).toMatchObject({ engineerId: ids['Eng Two'], engineerName: 'Eng Two' });
    const twice = await api.POST('/api/v1/incidents/{id}/acknowledge', { params: { path: { id: incident!.id } }, body: { engineerId: ids['Eng One']! } });
    expect(twice.response.status).toBe(409);
    expect(twice.error).toMatchObject({ acknowledgedBy: ids['Eng Two'], acknowledgedByName: 'Eng Two' });
    await api.POST('/api/v1/incidents/{id}/resolve', { params: { path: { id: incident!.id } }, body: { engineerId: ids['Eng Two']!, note: 'done' } });
  });

  it('acknowledges once, waits on the customer, replies, resolves, and keeps it all on the timeline', async () => {
    const incident = (await post('/incidents', { customerId: ids[demo.acme.code], integrationId: ids['SAP orders'], severity: 'high', reporterPhone: demo.acme.contacts[0] })).json();
    s.clock.advanceMinutes(3);
    const acked = await post(`/incidents/${incident.id}/acknowledge`, { engineerId: ids['Eng One'] });
    expect(acked.json()).toMatchObject({ status: 'acknowledged', acknowledgedBy: ids['Eng One'], acknowledgedByName: 'Eng One', sla: { firstResponse: { state: 'met', elapsedSeconds: 180 } } });
    const twice = await post(`/incidents/${incident.id}/acknowledge`, { engineerId: ids['Lead Three'] });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().detail).toContain('Eng One');

    expect((await post(`/incidents/${incident.id}/wait`, { engineerId: ids['Eng One'], question: 'which order?' })).json().status).toBe('waiting_on_customer');
    s.clock.advanceMinutes(30);
    expect((await get(`/incidents/${incident.id}`)).json().sla.resolution.state).toBe('paused');
    expect((await post(`/incidents/${incident.id}/reply`, { engineerId: ids['Eng One'], text: 'found it' })).statusCode).toBe(200);
    const resolved = await post(`/incidents/${incident.id}/resolve`, { engineerId: ids['Eng One'], note: 'replayed the orders' });
    expect(resolved.json()).toMatchObject({ status: 'resolved', resolution: 'replayed the orders' });
    expect((await post(`/incidents/${incident.id}/resolve`, { engineerId: ids['Eng One'] })).statusCode).toBe(409);

    const timeline = (await get(`/incidents/${incident.id}/timeline?limit=200`)).json().items.map((e: { kind: string }) => e.kind);
    expect(timeline).toEqual(expect.arrayContaining(['incident_opened', 'page', 'acknowledged', 'waiting_on_customer', 'relay_to_customer', 'resolved']));
  });

  it('closes with evidence, and exports the written record for the ticket system', async () => {
    const incident = (await post('/incidents', { customerId: ids[demo.acme.code], integrationId: ids['Salesforce sync'], severity: 'blocker' })).json();
    const closed = await post(`/incidents/${incident.id}/close-with-evidence`, { engineerId: ids['Lead Three'], evidence: 'Salesforce returned 401: the customer rotated the API password' });
    expect(closed.json()).toMatchObject({ status: 'closed_with_evidence', evidence: expect.stringContaining('rotated') });
    const text = await get(`/incidents/${incident.id}/export?format=text`);
    expect(text.headers['content-type']).toMatch(/text\/plain/);
    expect(text.body).toContain(`Incident ${incident.id} — Acme Retail — Salesforce sync`);
    expect(text.body).toContain('Evidence');
    const json = (await get(`/incidents/${incident.id}/export`)).json();
    expect(json.timeline.map((e: { kind: string }) => e.kind)).toContain('closed_with_evidence');
  });

  it("shows the contract's SLA targets as they are now, after the contract is changed", async () => {
    const incident = (await openFresh('SAP orders')).json();
    expect(incident.sla.firstResponse.targetMinutes).toBe(30);
    expect((await get(`/incidents/${incident.id}`)).json().sla.firstResponse.targetMinutes).toBe(30);

    const changed = await patch(`/contracts/${incident.contractId}`, { sla: { high: { firstResponseMinutes: 45 } } });
    expect(changed.statusCode, changed.body).toBe(200);
    try {
      expect((await get(`/incidents/${incident.id}`)).json().sla.firstResponse.targetMinutes).toBe(45);
      const listed = (await get(`/incidents?customerId=${ids[demo.acme.code]}&limit=200`)).json().items.find((i: { id: number }) => i.id === incident.id);
      expect(listed.sla.firstResponse.targetMinutes).toBe(45);
      expect((await get(`/incidents/${incident.id}/export`)).json().incident.sla.firstResponse.targetMinutes).toBe(45);
      expect((await get(`/incidents/${incident.id}/export?format=text`)).body).toContain('First response SLA: running (45 min)');
    } finally {
      await patch(`/contracts/${incident.contractId}`, { sla: { high: { firstResponseMinutes: 30 } } });
    }
  });

  it("stores the reporter's phone as E.164 and refuses one that cannot exist, naming the field", async () => {
    const written = await openFresh('SAP orders', { reporterPhone: '+54 9 11 5000-0101' });
    expect(written.statusCode, written.body).toBe(201);
    expect(written.json().reporterPhone).toBe(demo.acme.contacts[0]);

    const impossible = await post('/incidents', { customerId: ids[demo.acme.code], integrationId: ids['SAP orders'], severity: 'high', reporterPhone: 'call me' });
    expect(impossible.statusCode).toBe(422);
    expect(impossible.json().errors.map((e: { field: string }) => e.field)).toEqual(['reporterPhone']);
  });

  it("pages from the customer's own number by default, or a shared one when asked", async () => {
    const dedicated = await standbyNumber(demo.numbers.acmeDedicated);
    const shared = await standbyNumber(demo.numbers.shared);
    expect((await openFresh('SAP orders')).json().standbyNumberId).toBe(dedicated.id);
    const viaShared = await openFresh('SAP orders', { standbyNumberId: shared.id });
    expect(viaShared.statusCode, viaShared.body).toBe(201);
    expect(viaShared.json().standbyNumberId).toBe(shared.id);
  });

  it("refuses a standby number that does not exist or is dedicated to another customer, naming standbyNumberId", async () => {
    const unknown = await openFresh('SAP orders', { standbyNumberId: 999999 });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().errors.map((e: { field: string }) => e.field)).toEqual(['standbyNumberId']);

    const acmeNumber = await standbyNumber(demo.numbers.acmeDedicated);
    const betaNumber = await post('/standby-numbers', { phone: '+541150000188', label: 'Beta Logistics dedicated standby', customerId: ids[demo.beta.code], escalationPolicyId: acmeNumber.escalationPolicyId });
    expect(betaNumber.statusCode, betaNumber.body).toBe(201);
    const others = await openFresh('SAP orders', { standbyNumberId: betaNumber.json().id });
    expect(others.statusCode).toBe(422);
    expect(others.json().errors.map((e: { field: string }) => e.field)).toEqual(['standbyNumberId']);
    expect(others.json().detail).toContain('another customer');
  });

  it('escalates now by API and refuses an unknown engineer with 422', async () => {
    const incident = (await post('/incidents', { customerId: ids[demo.acme.code], integrationId: ids['Salesforce sync'], severity: 'high' })).json();
    expect((await post(`/incidents/${incident.id}/escalate`, {})).json().escalation.level).toBe(1);
    const unknown = await post(`/incidents/${incident.id}/acknowledge`, { engineerId: 999999 });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().errors[0].field).toBe('engineerId');
  });

  it('lists with filters, newest first', async () => {
    const open = (await get('/incidents?status=open')).json().items;
    expect(open.every((i: { status: string }) => ['triggered', 'acknowledged', 'waiting_on_customer'].includes(i.status))).toBe(true);
    const highs = (await get('/incidents?severity=high&limit=1')).json();
    expect(highs.items).toHaveLength(1);
    expect(highs.nextCursor).not.toBeNull();
    expect((await get(`/incidents?severity=high&cursor=${highs.nextCursor}`)).json().items[0].id).toBeLessThan(highs.items[0].id);
  });

  it("pages through an incident's timeline oldest first, each entry once", async () => {
    const incident = (await openFresh('SAP orders')).json();
    for (let i = 0; i < 4; i++) await post(`/incidents/${incident.id}/reply`, { engineerId: ids['Eng One'], text: `update ${i}` });
    const all = (await get(`/incidents/${incident.id}/timeline?limit=200`)).json().items.map((e: { id: number }) => e.id);
    const paged: number[] = [];
    let cursor: number | null = null;
    do {
      const page: { items: Array<{ id: number }>; nextCursor: number | null } = (await get(`/incidents/${incident.id}/timeline?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json();
      expect(page.items.length).toBeLessThanOrEqual(2);
      paged.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(paged).toEqual(all);
    expect(all).toEqual([...all].sort((a, b) => a - b));
    expect(all.length).toBeGreaterThan(6);
  });

  it('reports SLA met and breached per contract and severity', async () => {
    s.clock.advanceMinutes(60);
    const from = new Date(s.clock.now().getTime() - 24 * 3600_000).toISOString();
    const to = new Date(s.clock.now().getTime() + 60_000).toISOString();
    const report = (await get(`/reports/sla?from=${from}&to=${to}`)).json();
    const acme = report.contracts.find((c: { customer: { code: string } }) => c.customer.code === demo.acme.code);
    expect(acme.high.firstResponse.met).toBeGreaterThanOrEqual(1);
    expect(acme.blocker.incidents + acme.high.incidents).toBeGreaterThanOrEqual(3);
    expect(acme.high.firstResponse.breached + acme.blocker.firstResponse.breached).toBeGreaterThanOrEqual(1);
    expect((await get(`/reports/sla?from=${to}&to=${from}`)).statusCode).toBe(422);
  });
});

describe('API rate limit', () => {
  it('answers 429 problem+json with Retry-After once a client exceeds its per-minute budget', async () => {
    const limited = await startTestService({ env: { API_RATE_LIMIT_PER_MINUTE: '3' } });
    try {
      const codes = [];
      let last;
      for (let i = 0; i < 4; i++) {
        last = await limited.app.inject({ method: 'GET', url: '/api/v1/customers', headers: limited.auth });
        codes.push(last.statusCode);
      }
      expect(codes).toEqual([200, 200, 200, 429]);
      expect(last!.headers['content-type']).toMatch(/problem\+json/);
      expect(last!.headers['retry-after']).toBeDefined();
    } finally {
      await limited.close();
    }
  });

  it('counts every request from one address together, so guessing tokens does not buy more tries', async () => {
    const limited = await startTestService({ env: { API_RATE_LIMIT_PER_MINUTE: '3' } });
    try {
      const codes = [];
      for (const token of ['made-up-1', 'made-up-2', 'made-up-3']) {
        codes.push((await limited.app.inject({ method: 'GET', url: '/api/v1/customers', headers: { authorization: `Bearer ${token}` } })).statusCode);
      }
      codes.push((await limited.app.inject({ method: 'GET', url: '/api/v1/customers', headers: { authorization: 'Bearer made-up-4' } })).statusCode);
      codes.push((await limited.app.inject({ method: 'GET', url: '/api/v1/customers', headers: limited.auth })).statusCode);
      expect(codes).toEqual([401, 401, 401, 429, 429]);
    } finally {
      await limited.close();
    }
  });

  it("knows a client behind Fly's proxy by the address the proxy saw, not by what the client wrote in X-Forwarded-For", async () => {
    const limited = await startTestService({ env: { API_RATE_LIMIT_PER_MINUTE: '2', TRUST_PROXY: '2' } });
    // TRUST_PROXY=2, as fly.toml sets it. inject comes from 127.0.0.1, standing in for Fly's proxy, which appends the address it
    // accepted the connection from and then the app's own address to what the client sent.
    const flyAnycast = '66.241.125.59';
    const from = (forwardedFor: string) =>
      limited.app.inject({ method: 'GET', url: '/api/v1/customers', headers: { ...limited.auth, 'x-forwarded-for': forwardedFor } }).then((r) => r.statusCode);
    try {
      expect(await from(`203.0.113.7, ${flyAnycast}`)).toBe(200);
      expect(await from(`198.51.100.1, 203.0.113.7, ${flyAnycast}`)).toBe(200);
      expect(await from(`198.51.100.2, 203.0.113.7, ${flyAnycast}`)).toBe(429);
      expect(await from(`203.0.113.8, ${flyAnycast}`)).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('a Blocker report on an open High incident', () => {
  it('raises it to Blocker, with the Blocker SLA target, and says so on the timeline', async () => {
    const svc = await startTestService();
    try {
      await loadDemoData(svc.deps.database.db, svc.clock.now());
      const list = async (url: string) => (await svc.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: svc.auth })).json().items;
      const acme = (await list(`/customers?code=${demo.acme.code}`))[0];
      const sap = (await list(`/integrations?customerId=${acme.id}`)).find((i: { name: string }) => i.name === 'SAP orders');
      const open = (body: object) => svc.app.inject({ method: 'POST', url: '/api/v1/incidents', headers: svc.auth, payload: { customerId: acme.id, integrationId: sap.id, ...body } });
      const high = (await open({ severity: 'high' })).json();
      expect(high.sla.firstResponse.targetMinutes).toBe(30);
      const raised = await open({ severity: 'blocker', description: 'now nothing works at all' });
      expect(raised.statusCode).toBe(200);
      expect(raised.json()).toMatchObject({ id: high.id, severity: 'blocker', sla: { firstResponse: { targetMinutes: 15 } } });
      const kinds = (await list(`/incidents/${high.id}/timeline`)).map((e: { kind: string }) => e.kind);
      expect(kinds).toEqual(expect.arrayContaining(['repeat_contact', 'severity_raised']));
    } finally {
      await svc.close();
    }
  });
});
