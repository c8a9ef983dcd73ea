import { eq } from 'drizzle-orm';
import { expect } from 'vitest';
import { demo } from '../../src/app/demo-data.js';
import { customers, integrations, timelineEntries } from '../../src/db/schema.js';
import type { World } from '../support/world.js';

/** Opens an incident through the admin API, as an admin would on a customer's behalf. */
export async function openIncidentByApi(w: World, options: { integration?: string; severity?: 'blocker' | 'high'; description?: string; customerCode?: string } = {}) {
  const db = w.deps.database.db;
  const [customer] = await db.select().from(customers).where(eq(customers.code, options.customerCode ?? demo.acme.code));
  const list = await db.select().from(integrations).where(eq(integrations.customerId, customer!.id));
  const integration = list.find((i) => i.name === (options.integration ?? 'Salesforce sync'))!;
  const response = await w.app.inject({
    method: 'POST',
    url: '/api/v1/incidents',
    headers: w.auth,
    payload: {
      customerId: customer!.id,
      integrationId: integration.id,
      severity: options.severity ?? 'blocker',
      description: options.description ?? 'orders are not syncing',
      reporterPhone: demo.acme.contacts[0],
    },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as { id: number; status: string };
}

export async function timelineKinds(w: World, incidentId: number): Promise<string[]> {
  const rows = await w.deps.database.db.select({ kind: timelineEntries.kind }).from(timelineEntries).where(eq(timelineEntries.incidentId, incidentId)).orderBy(timelineEntries.id);
  return rows.map((r) => r.kind);
}

export async function incident(w: World, id: number) {
  const response = await w.app.inject({ method: 'GET', url: `/api/v1/incidents/${id}`, headers: w.auth });
  return response.json();
}

/** Every SMS the simulator delivered to `phone`, oldest first. */
export const smsTo = (w: World, phone: string) => w.sim.messages.filter((m) => m.to === phone && m.direction !== 'inbound');
export const callsTo = (w: World, phone: string) => w.sim.calls.filter((c) => c.to === phone);

/** Answers the page call ringing now on `phone` (calls from earlier pages that already ended are passed over). */
export async function answerRingingCall(w: World, phone: string) {
  for (;;) {
    const ringing = await w.sim.phone(phone).expectCall();
    if (w.sim.call(ringing.sid)?.status === 'ringing') return ringing.answer();
  }
}
