import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, eq } from 'drizzle-orm';
import twilio from 'twilio';
import { demo } from '../../src/app/demo-data.js';
import { incidents, timelineEntries } from '../../src/db/schema.js';
import { PRUNED_ANSWER, RECEIPT_ANSWER_RETENTION_MS, pruneReceipts } from '../../src/db/webhook-receipts.js';
import { startWorld, type World } from '../support/world.js';

/**
 * A signed webhook captured and sent again long after Twilio could still be retrying it. Twilio's
 * signature has no timestamp, so the receipt's key is what recognises it: the answer is pruned after
 * the retention, the key is kept, and the replay acts no more.
 */
let w: World;
beforeAll(async () => {
  w = await startWorld();
});
afterAll(() => w.close());

async function post(path: string, params: Record<string, string>) {
  const url = `${w.config.PUBLIC_BASE_URL}${path}`;
  const signature = twilio.getExpectedTwilioSignature(w.config.TWILIO_AUTH_TOKEN, url, params);
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, body: new URLSearchParams(params).toString() });
  return response.text();
}

const rows = async () => ({
  incidents: (await w.deps.database.db.select({ n: count() }).from(incidents))[0]!.n,
  timeline: (await w.deps.database.db.select({ n: count() }).from(timelineEntries))[0]!.n,
});

describe('a signed customer text replayed after the receipt retention', () => {
  it('cannot open an incident again', async () => {
    const text = { MessageSid: `SM${'4'.repeat(32)}`, From: demo.acme.contacts[0], To: demo.numbers.shared, Body: 'BLOCKER sap orders caído' };
    expect(await post('/twilio/sms', text)).toMatch(/Incidente \d+ abierto/);
    await w.settle();
    const [opened] = await w.deps.database.db.select().from(incidents).where(eq(incidents.reporterPhone, demo.acme.contacts[0]));
    await w.app.inject({ method: 'POST', url: `/api/v1/incidents/${opened!.id}/resolve`, headers: w.auth, payload: { engineerId: 1, note: 'fixed' } });
    await w.settle();

    // Past the retention, the worker's upkeep prunes the answers (receipts are stamped by Postgres's
    // own clock, so the cut-off here is simply "everything so far").
    w.clock.advanceMinutes(RECEIPT_ANSWER_RETENTION_MS / 60_000 + 24 * 60);
    await pruneReceipts(w.deps.database.db, new Date('2999-01-01T00:00:00Z'));
    const before = await rows();
    expect(await post('/twilio/sms', text)).toBe(PRUNED_ANSWER.body);
    await w.settle();
    expect(await rows()).toEqual(before);
  });
});
