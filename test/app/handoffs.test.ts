import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendDueHandoffNotices } from '../../src/app/handoffs.js';
import { changeRotation, createRotation, type NewRotation } from '../../src/app/rotations.js';
import type { Database } from '../../src/db/client.js';
import { customers, engineers, escalationPolicies, handoffNotices, notifications, rotations, standbyNumbers } from '../../src/db/schema.js';
import { createLogger } from '../../src/logger.js';
import { createTestDatabase } from '../support/database.js';
import { sendPriority } from '../../src/domain/escalation/send-priority.js';

const MINUTE = 60_000;
const LOOKBACK = 15 * MINUTE;
const deps = { logger: createLogger('silent') };

let database: Database;
let engOne: number;
let engTwo: number;
let leadThree: number;

/** Monday 2026-11-23 09:00 in Buenos Aires: the weekly rotation's first handoff. */
const FIRST_MONDAY = new Date('2026-11-23T12:00:00Z');
const SECOND_MONDAY = new Date('2026-11-30T12:00:00Z');

const weekly = (name: string, participants: number[]): NewRotation => ({
  name,
  timeZone: 'America/Argentina/Buenos_Aires',
  shiftLength: 1,
  shiftUnit: 'weeks',
  handoffTime: '09:00',
  startDate: '2026-11-23',
  participants,
  effectiveFrom: new Date('2026-11-20T00:00:00Z'),
});

async function newRotation(input: NewRotation): Promise<number> {
  return database.db.transaction(async (tx) => {
    const created = await createRotation(tx, input, new Date('2026-11-20T00:00:00Z'));
    if (!created.ok) throw new Error(JSON.stringify(created));
    return created.value.rotationId;
  });
}

const run = (now: Date) => database.db.transaction((tx) => sendDueHandoffNotices(tx, deps, now, LOOKBACK));
const noticesOf = (rotationId: number) => database.db.select().from(handoffNotices).where(eq(handoffNotices.rotationId, rotationId));
const textsTo = (engineerId: number) => database.db.select().from(notifications).where(eq(notifications.engineerId, engineerId));

beforeAll(async () => {
  ({ database } = await createTestDatabase());
  const { db } = database;
  const people = await db
    .insert(engineers)
    .values([
      { name: 'Eng One', phone: '+5491150000201', language: 'es', timeZone: 'America/Argentina/Buenos_Aires' },
      { name: 'Eng Two', phone: '+5491150000202', language: 'en', timeZone: 'America/Argentina/Buenos_Aires' },
      { name: 'Lead Three', phone: '+5491150000203', language: 'en', timeZone: 'America/Argentina/Buenos_Aires' },
    ])
    .returning({ id: engineers.id });
  [engOne, engTwo, leadThree] = people.map((p) => p.id) as [number, number, number];
  const [acme] = await db.insert(customers).values({ code: '1001', name: 'Acme Retail', language: 'es', timeZone: 'America/Argentina/Buenos_Aires' }).returning();
  const [policy] = await db.insert(escalationPolicies).values({ name: 'Integrations 24x7' }).returning();
  // The dedicated number is created first: the notice must still come from the shared one.
  await db.insert(standbyNumbers).values({ phone: '+541150000100', customerId: acme!.id, escalationPolicyId: policy!.id });
  await db.insert(standbyNumbers).values({ phone: '+541150000199', customerId: null, escalationPolicyId: policy!.id });
});
afterAll(() => database.close());

describe('handoff notices', () => {
  it('texts the incoming engineer once when two workers run at the same moment', async () => {
    const rotation = await newRotation(weekly('Integrations primary', [engOne, engTwo]));
    const now = new Date(SECOND_MONDAY.getTime() + 5 * MINUTE);

    const [a, b] = await Promise.all([run(now), run(now)]);

    expect([...a, ...b].filter((e) => e.type === 'send')).toHaveLength(1);
    expect(await noticesOf(rotation)).toEqual([{ rotationId: rotation, shiftStart: SECOND_MONDAY, engineerId: engTwo, sentAt: now }]);
    const texts = await textsTo(engTwo);
    expect(texts).toHaveLength(1);
    expect(texts[0]).toMatchObject({
      kind: 'handoff',
      channel: 'sms',
      toPhone: '+5491150000202',
      fromPhone: '+541150000199',
      dedupeKey: `handoff:${rotation}:${SECOND_MONDAY.getTime()}`,
      body: 'You are on call for rotation Integrations primary from Monday 30 November at 09:00 to Monday 7 December at 09:00.',
      status: 'pending',
    });
    expect([...a, ...b]).toContainEqual({ type: 'send', notificationId: texts[0]!.id, priority: sendPriority('high', 'other') });

    // A later run inside the lookback sends nothing more.
    expect(await run(new Date(now.getTime() + 5 * MINUTE))).toEqual([]);
    expect(await textsTo(engTwo)).toHaveLength(1);
    await database.db.update(rotations).set({ archivedAt: now }).where(eq(rotations.id, rotation));
  });

  it("writes to each engineer in their own language and announces a rotation's very first shift", async () => {
    const rotation = await newRotation(weekly('SAP orders', [engOne]));
    const after = await run(new Date(FIRST_MONDAY.getTime() + MINUTE));
    expect(after).toHaveLength(1);
    const [text] = (await textsTo(engOne)).filter((n) => n.dedupeKey === `handoff:${rotation}:${FIRST_MONDAY.getTime()}`);
    expect(text!.body).toMatch(/^Está de guardia en la rotación SAP orders desde /);
    await database.db.update(rotations).set({ archivedAt: FIRST_MONDAY }).where(eq(rotations.id, rotation));
  });

  it('announces nothing older than the lookback, nothing for a gap and nothing for an archived rotation', async () => {
    const rotation = await newRotation(weekly('Late worker', [leadThree, engTwo]));
    // The worker was down over the Monday handoff: 20 minutes later it is beyond the lookback.
    expect(await run(new Date(SECOND_MONDAY.getTime() + 20 * MINUTE))).toEqual([]);
    expect(await noticesOf(rotation)).toEqual([]);

    // From Tuesday nobody is on: the handoff into that gap texts no one.
    const tuesday = new Date('2026-12-01T12:00:00Z');
    await database.db.transaction(async (tx) => {
      const changed = await changeRotation(tx, rotation, { participants: [], effectiveFrom: tuesday }, SECOND_MONDAY);
      expect(changed.ok).toBe(true);
    });
    expect(await run(new Date(tuesday.getTime() + MINUTE))).toEqual([]);
    expect(await noticesOf(rotation)).toEqual([]);
    await database.db.update(rotations).set({ archivedAt: tuesday }).where(eq(rotations.id, rotation));

    const archived = await newRotation(weekly('Archived', [leadThree]));
    await database.db.update(rotations).set({ archivedAt: FIRST_MONDAY }).where(eq(rotations.id, archived));
    expect(await run(new Date(FIRST_MONDAY.getTime() + MINUTE))).toEqual([]);
    expect(await noticesOf(archived)).toEqual([]);
  });
});
