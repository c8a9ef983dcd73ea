import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/service.js';
import { adminApi } from './helpers.js';

/**
 * The monthly SLA report as an admin reads it, figure by figure, over incidents written with known
 * instants (now is Monday 2026-11-23 15:00 UTC; the month is November in Buenos Aires).
 */
let s: TestService;
let api: ReturnType<typeof adminApi>;
const ids = { acme: 0, beta: 0, acmeContract: 0, betaContract: 0, acmeOldContract: 0 };
const FROM = '2026-11-01T03:00:00.000Z';
const TO = '2026-12-01T03:00:00.000Z';

beforeAll(async () => {
  s = await startTestService();
  api = adminApi(s);
  ids.acme = (await api.create('/customers', { code: '2001', name: 'Acme Retail', language: 'es' })).id;
  ids.beta = (await api.create('/customers', { code: '2002', name: 'Beta Logistics', language: 'en' })).id;
  const contract = (customerId: number, name: string, sla: { blocker: [number, number]; high: [number, number] }) =>
    api.create('/contracts', {
      customerId,
      name,
      integrations24x7: true,
      validFrom: '2026-01-01T00:00:00-03:00',
      sla: {
        blocker: { firstResponseMinutes: sla.blocker[0], resolutionMinutes: sla.blocker[1] },
        high: { firstResponseMinutes: sla.high[0], resolutionMinutes: sla.high[1] },
      },
    });
  ids.acmeContract = (await contract(ids.acme, 'Acme 24x7 2026', { blocker: [15, 240], high: [30, 480] })).id;
  ids.betaContract = (await contract(ids.beta, 'Beta 24x7 2026', { blocker: [10, 120], high: [60, 600] })).id;
  ids.acmeOldContract = (await contract(ids.acme, 'Acme 24x7 2025', { blocker: [15, 240], high: [30, 480] })).id;
  const engineer = (await api.create('/engineers', { name: 'Eng One', phone: '+5491150000301' })).id;
  const policy = (await api.create('/escalation-policies', { name: 'Reports', levels: [{ ackTimeoutSeconds: 300, targets: [{ type: 'engineer', engineerId: engineer }] }] })).id;
  const integration = async (customerId: number, name: string) => (await api.create('/integrations', { customerId, name, builtBy: 'vendor' })).id;
  const acmeSync = await integration(ids.acme, 'Salesforce sync');
  const acmeOrders = await integration(ids.acme, 'Orders API');
  const betaSync = await integration(ids.beta, 'SAP sync');

  /** An incident with its instants written as given (microseconds included), as the service stores them. */
  const incident = async (i: {
    customer: number; contract: number; integration: number; severity: 'blocker' | 'high'; status: string;
    contact: string; ack?: string; resolved?: string; waitingSeconds?: number; waitingSince?: string;
  }) => {
    await s.deps.database.sql`
      insert into incidents (customer_id, contract_id, integration_id, escalation_policy_id, severity, status, channel,
        first_contact_at, acknowledged_at, acknowledged_by, resolved_at, waiting_seconds, waiting_since)
      values (${i.customer}, ${i.contract}, ${i.integration}, ${policy}, ${i.severity}, ${i.status}, 'voice',
        ${i.contact}::timestamptz, ${i.ack ?? null}::timestamptz, ${i.ack ? engineer : null}, ${i.resolved ?? null}::timestamptz,
        ${i.waitingSeconds ?? 0}, ${i.waitingSince ?? null}::timestamptz)`;
  };
  const acme = { customer: ids.acme, contract: ids.acmeContract, integration: acmeSync };
  // Acme, Blocker (15 min / 4 h)
  await incident({ ...acme, severity: 'blocker', status: 'resolved', contact: '2026-11-02T12:00:00Z', ack: '2026-11-02T12:05:00Z', resolved: '2026-11-02T13:00:00Z' });
  await incident({ ...acme, severity: 'blocker', status: 'resolved', contact: '2026-11-03T12:00:00Z', ack: '2026-11-03T12:20:00Z', resolved: '2026-11-03T17:00:00Z' });
  // 4 h 40 min to resolve, one hour of it waiting on the customer: 3 h 40 min counted, met.
  await incident({ ...acme, severity: 'blocker', status: 'resolved', contact: '2026-11-04T12:00:00Z', ack: '2026-11-04T12:14:00Z', resolved: '2026-11-04T16:40:00Z', waitingSeconds: 3600 });
  // Resolved without an acknowledgement: it responded when it was resolved.
  await incident({ ...acme, severity: 'blocker', status: 'resolved', contact: '2026-11-06T12:00:00Z', resolved: '2026-11-06T12:12:00Z' });
  // Open for 20 min without an acknowledgement: first response breached, resolution still open.
  await incident({ ...acme, integration: acmeOrders, severity: 'blocker', status: 'triggered', contact: '2026-11-23T14:40:00Z' });
  // Just before the month: not reported.
  await incident({ ...acme, severity: 'blocker', status: 'resolved', contact: '2026-11-01T02:59:59.999Z', ack: '2026-11-01T03:30:00Z', resolved: '2026-11-01T09:00:00Z' });
  // Acme, High (30 min / 8 h)
  await incident({ ...acme, severity: 'high', status: 'resolved', contact: '2026-11-01T03:00:00Z', ack: '2026-11-01T03:02:00Z', resolved: '2026-11-01T03:10:00Z' });
  await incident({ ...acme, severity: 'high', status: 'resolved', contact: '2026-11-05T12:00:00Z', ack: '2026-11-05T12:31:00Z', resolved: '2026-11-05T13:40:00Z' });
  // Waiting on the customer now: resolution paused, open.
  await incident({ ...acme, severity: 'high', status: 'waiting_on_customer', contact: '2026-11-23T14:40:00Z', ack: '2026-11-23T14:50:00Z', waitingSince: '2026-11-23T14:55:00Z' });
  // The older contract's incident is from October: that contract is not in November's report.
  await incident({ ...acme, contract: ids.acmeOldContract, severity: 'high', status: 'resolved', contact: '2026-10-15T12:00:00Z', ack: '2026-10-15T12:05:00Z', resolved: '2026-10-15T13:00:00Z' });
  // Beta, Blocker (10 min / 2 h): acknowledged 300.499999 s after contact, which reads as 300.499 s (milliseconds, truncated).
  await incident({ customer: ids.beta, contract: ids.betaContract, integration: betaSync, severity: 'blocker', status: 'resolved', contact: '2026-11-07T10:00:00Z', ack: '2026-11-07T10:05:00.499999Z', resolved: '2026-11-07T11:00:00Z' });
});
afterAll(() => s.close());

const none = { incidents: 0, firstResponse: { met: 0, breached: 0, open: 0, medianSeconds: null, p90Seconds: null }, resolution: { met: 0, breached: 0, open: 0 } };
const acmeReport = {
  blocker: { incidents: 5, firstResponse: { met: 3, breached: 2, open: 0, medianSeconds: 780, p90Seconds: 1200 }, resolution: { met: 3, breached: 1, open: 1 } },
  high: { incidents: 3, firstResponse: { met: 2, breached: 1, open: 0, medianSeconds: 600, p90Seconds: 1860 }, resolution: { met: 2, breached: 0, open: 1 } },
};

describe('SLA report', () => {
  it('gives each contract with incidents in the period its figures per severity, in contract order', async () => {
    const answer = await api.get(`/reports/sla?from=${FROM}&to=${TO}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      from: FROM,
      to: TO,
      contracts: [
        {
          contractId: ids.acmeContract,
          contractName: 'Acme 24x7 2026',
          customer: { id: ids.acme, code: '2001', name: 'Acme Retail' },
          blocker: acmeReport.blocker,
          high: acmeReport.high,
        },
        {
          contractId: ids.betaContract,
          contractName: 'Beta 24x7 2026',
          customer: { id: ids.beta, code: '2002', name: 'Beta Logistics' },
          blocker: { incidents: 1, firstResponse: { met: 1, breached: 0, open: 0, medianSeconds: 300, p90Seconds: 300 }, resolution: { met: 1, breached: 0, open: 0 } },
          high: none,
        },
      ],
    });
  });

  it("reports one customer's contracts when asked for that customer", async () => {
    const answer = await api.get(`/reports/sla?from=${FROM}&to=${TO}&customerId=${ids.acme}`);
    expect(answer.body.contracts.map((c: { contractId: number }) => c.contractId)).toEqual([ids.acmeContract]);
    expect(answer.body.contracts[0]).toMatchObject({ blocker: acmeReport.blocker, high: acmeReport.high });
  });

  it('answers an empty list for a period without incidents', async () => {
    const answer = await api.get('/reports/sla?from=2026-09-01T03:00:00Z&to=2026-10-01T03:00:00Z');
    expect(answer.body).toEqual({ from: '2026-09-01T03:00:00.000Z', to: '2026-10-01T03:00:00.000Z', contracts: [] });
  });

  it('refuses a period that ends before it starts (422)', async () => {
    expect((await api.get(`/reports/sla?from=${TO}&to=${FROM}`)).status).toBe(422);
  });
});
