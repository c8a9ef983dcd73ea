import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { demo, loadDemoData } from '../../src/app/demo-data.js';
import { createDatabase } from '../../src/db/client.js';
import { notifications } from '../../src/db/schema.js';
import { createLogger } from '../../src/logger.js';
import { startService } from '../../src/service.js';
import { startSimulator } from '../../sim/server.js';
import { freePort } from '../../scripts/local/net.js';
import { createTestDatabase } from '../support/database.js';
import { DEFAULT_TEST_START, testConfig } from '../support/service.js';

async function setup(role: 'web' | 'worker' | 'all') {
  const { url, database } = await createTestDatabase();
  await database.close();
  const port = await freePort();
  const base = testConfig({ DATABASE_URL: url, PORT: String(port), PUBLIC_BASE_URL: `http://127.0.0.1:${port}`, ROLE: role });
  const sim = await startSimulator({ accountSid: base.TWILIO_ACCOUNT_SID, authToken: base.TWILIO_AUTH_TOKEN, serviceBaseUrl: base.PUBLIC_BASE_URL, standbyNumbers: [demo.numbers.acmeDedicated, demo.numbers.shared] });
  const config = { ...base, TWILIO_API_BASE_URL: sim.url };
  const clock = new ManualClock(DEFAULT_TEST_START);
  const service = await startService(config, { clock, logger: createLogger('silent'), host: '127.0.0.1' });
  await loadDemoData(service.deps.database.db, clock.now());
  return { service, sim, config };
}

describe('process roles', () => {
  it('ROLE=web serves HTTP and runs no worker; ROLE=worker runs jobs and serves no HTTP', async () => {
    const web = await setup('web');
    try {
      expect(web.service.worker).toBeUndefined();
      expect((await fetch(`${web.service.url}/healthz`)).status).toBe(200);
    } finally {
      await web.service.close();
      await web.sim.close();
    }
    const worker = await setup('worker');
    try {
      expect(worker.service.app).toBeUndefined();
      expect(worker.service.worker?.workers.length).toBeGreaterThan(0);
    } finally {
      await worker.service.close();
      await worker.sim.close();
    }
  });

  it('shuts down gracefully: a page being sent when the stop comes is finished, not left half-sent', async () => {
    const { service, sim, config } = await setup('all');
    try {
      sim.faults.latency(400); // Twilio is slow: the send is in flight when we stop
      const headers = { authorization: `Bearer ${config.ADMIN_API_TOKEN}`, 'content-type': 'application/json' };
      const customers = (await (await fetch(`${service.url}/api/v1/customers?code=${demo.acme.code}`, { headers })).json()) as { items: Array<{ id: number }> };
      const integrations = (await (await fetch(`${service.url}/api/v1/integrations?customerId=${customers.items[0]!.id}`, { headers })).json()) as { items: Array<{ id: number }> };
      const opened = await fetch(`${service.url}/api/v1/incidents`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ customerId: customers.items[0]!.id, integrationId: integrations.items[0]!.id, severity: 'blocker' }),
      });
      expect(opened.status).toBe(201);
      const { id } = (await opened.json()) as { id: number };
      const db = service.deps.database.db;
      // Wait until a worker has claimed the page (it is now talking to the slow Twilio).
      for (let i = 0; i < 200; i++) {
        const rows = await db.select().from(notifications).where(eq(notifications.incidentId, id));
        if (rows.some((r) => r.status === 'sending')) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const rowsBefore = await db.select().from(notifications).where(eq(notifications.incidentId, id));
      expect(rowsBefore.some((r) => r.status === 'sending')).toBe(true);
      await service.close();

      const after = createDatabase(config.DATABASE_URL, { max: 1 });
      const rows = await after.db.select().from(notifications).where(eq(notifications.incidentId, id));
      await after.close();
      expect(rows.filter((r) => r.status === 'sending')).toEqual([]);
      expect(rows.some((r) => r.twilioSid !== null)).toBe(true);
    } finally {
      await sim.close();
    }
  });
});
