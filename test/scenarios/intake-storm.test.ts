import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, eq, inArray } from 'drizzle-orm';
import { demo } from '../../src/app/demo-data.js';
import { contactsLog, deferredTexts, incidents, smsConversations, smsOptOuts, timelineEntries } from '../../src/db/schema.js';
import { holdConversation, untilKeptTextsAreAtMost, untilSomeoneWaitsForALock } from '../support/held-turn.js';
import { startWorld, type World } from '../support/world.js';

/**
 * A storm of reports: texts kept while the web process had no turn are handled many to a
 * transaction once it has. Each customer gets what they would have got one at a time: an incident
 * of their own (once per integration, however many of their phones report it), their pages, their
 * answers by SMS, and the written record; out-of-scope texts land in the contacts log.
 */
let w: World;
const [ana] = demo.acme.contacts;
const acme = demo.numbers.acmeDedicated;
const shared = demo.numbers.shared;
/** Twelve customers with 24x7 contracts and an "Orders API" built by the vendor, one phone each. */
let reporters: string[] = [];
/** Two phones of one more such customer. */
let twoPhones: string[] = [];

beforeAll(async () => {
  w = await startWorld({ env: { INTAKE_CONCURRENCY: '1', INTAKE_MAX_WAIT_MS: '0' } });
  const rows = await w.deps.database.sql<{ phone: string }[]>`
    with c as (
      insert into customers (code, name, language, time_zone)
      select (5000 + g)::text, 'Storm customer ' || g, 'en', 'America/Argentina/Buenos_Aires' from generate_series(1, 13) g
      returning id, code
    ), k as (
      insert into contracts (customer_id, name, integrations_24x7, valid_from, blocker_first_response_minutes, blocker_resolution_minutes, high_first_response_minutes, high_resolution_minutes)
      select id, 'Storm 24x7', true, '2025-01-01T00:00:00Z', 15, 240, 30, 480 from c
    ), i as (
      insert into integrations (customer_id, name, built_by) select id, 'Orders API', 'vendor' from c
    )
    insert into contacts (customer_id, name, phone)
    select id, 'Storm contact ' || n, '+54911700' || code || n from c, generate_series(1, 2) n
    returning phone`;
  // A phone is +54911700, the customer's code, then 1 or 2.
  const phones = rows.map((r) => r.phone).sort();
  reporters = phones.filter((p) => p.endsWith('1') && !p.includes('5013'));
  twoPhones = phones.filter((p) => p.includes('5013'));
});
afterAll(async () => {
  await w?.close();
});

describe('a storm of reports handled together', () => {
  it('gives every customer their own incident, pages, answers and record, as one at a time would', async () => {
    const arrival = w.clock.now();
    // Before the storm, Ana reported her Salesforce sync: Eng One was paged.
    await w.sim.phone(ana!).sendSms(acme, 'BLOCKER salesforce sync down');
    const page = await w.sim.phone(demo.engineers.one.phone).expectSms(/ACK \d+/);
    const anas = Number(/ACK (\d+)/.exec(page.body)![1]);
    const release = await holdConversation(w, ana!, acme);
    const anasText = w.sim.phone(ana!).sendSms(acme, 'hola?');
    await untilSomeoneWaitsForALock(w);

    for (const phone of reporters) await w.sim.phone(phone).sendSms(shared, 'BLOCKER orders api down');
    for (const phone of twoPhones) await w.sim.phone(phone).sendSms(shared, 'BLOCKER orders api down');
    await w.sim.phone(demo.beta.contact).sendSms(shared, 'BLOCKER Shopify feed down');
    await w.sim.phone(demo.gamma.contact).sendSms(shared, 'STOP');
    // An engineer's text in the storm is kept too, and handled on its own among the others.
    await w.sim.phone(demo.engineers.one.phone).sendSms(acme, `ACK ${anas}`);
    expect(await w.deps.database.db.select().from(deferredTexts)).toHaveLength(reporters.length + 5);
    for (const phone of reporters) expect((await w.sim.phone(phone).expectSms(/received/i)).direction).toBe('outbound-reply');

    // Time passes before there is room: the SLA still counts from each text's arrival.
    w.clock.advanceMinutes(1);
    await release();
    await anasText;
    await untilKeptTextsAreAtMost(w, 0);
    await w.settle();

    const opened = await w.deps.database.db.select().from(incidents).where(inArray(incidents.reporterPhone, [...reporters, ...twoPhones])).orderBy(asc(incidents.id));
    // One incident per customer: the customer's second phone joined the first one's.
    expect(opened).toHaveLength(reporters.length + 1);
    for (const incident of opened) {
      expect(incident.firstContactAt).toEqual(arrival);
      expect(incident.escalationNextAt).not.toBeNull();
      const entries = await w.deps.database.db.select().from(timelineEntries).where(eq(timelineEntries.incidentId, incident.id)).orderBy(asc(timelineEntries.id));
      expect(entries.slice(0, 5).map((e) => e.kind)).toEqual(['sms_in', 'incident_opened', 'escalation_started', 'page', 'sms_out']);
      expect(entries[4]!.body).toContain(`Incident ${incident.id}`);
      const reporter = w.sim.phone(incident.reporterPhone!);
      expect((await reporter.expectSms(new RegExp(`Incident ${incident.id}\\b`))).direction).toBe('outbound-api');
    }
    const pages = w.sim.phone(demo.engineers.one.phone).inbox.filter((m) => /orders api/i.test(m.body));
    expect(pages).toHaveLength(reporters.length + 1);

    const joined = opened.find((i) => twoPhones.includes(i.reporterPhone!))!;
    const other = twoPhones.find((p) => p !== joined.reporterPhone)!;
    const repeat = await w.deps.database.db.select().from(timelineEntries).where(eq(timelineEntries.incidentId, joined.id));
    expect(repeat.filter((e) => e.kind === 'repeat_contact').map((e) => e.body)).toEqual([expect.stringContaining(other)]);
    await w.sim.phone(other).expectSms(new RegExp(`\\b${joined.id}\\b`));

    const logged = await w.deps.database.db.select().from(contactsLog).where(eq(contactsLog.fromPhone, demo.beta.contact));
    expect(logged.map((l) => l.reason)).toEqual(['contract_without_24x7']);
    expect((logged[0]!.details as { transcript: Array<{ kind: string }> }).transcript.map((e) => e.kind)).toEqual(['sms_in', 'sms_out']);
    await w.sim.phone(demo.beta.contact).expectSms(/24x7/);
    expect(await w.deps.database.db.select().from(smsOptOuts).where(eq(smsOptOuts.phone, demo.gamma.contact))).toHaveLength(1);
    const [acknowledged] = await w.deps.database.db.select().from(incidents).where(eq(incidents.id, anas));
    expect(acknowledged!.status).toBe('acknowledged');
    await w.sim.phone(ana!).expectSms(new RegExp(`Eng One está trabajando en su incidente ${anas}`));

    // Each reporter's conversation now follows their incident: a follow-up lands on it.
    const [first] = opened;
    await w.sim.phone(first!.reporterPhone!).sendSms(shared, 'still failing since 10:02');
    await w.settle();
    const followed = await w.deps.database.db.select().from(timelineEntries).where(eq(timelineEntries.incidentId, first!.id));
    expect(followed.filter((e) => e.kind === 'sms_in').map((e) => e.body)).toEqual(['BLOCKER orders api down', 'still failing since 10:02']);
  });

  it('handles a kept text that was handled already (its receipt exists) once: nothing changes', async () => {
    const [receipt] = await w.deps.database.sql<{ key: string }[]>`select key from webhook_receipts where key like 'SM%' and body like '%Incident%' order by created_at limit 1`;
    const before = await w.deps.database.db.select().from(incidents);
    const pagesBefore = w.sim.phone(demo.engineers.one.phone).inbox.length;
    await w.deps.database.sql`insert into deferred_texts (receipt_key, from_phone, params, answer, received_at)
      values (${receipt!.key}, ${reporters[1]!}, ${JSON.stringify({ MessageSid: receipt!.key.split(':')[0], From: reporters[1], To: shared, Body: 'BLOCKER orders api down' })}::jsonb, '<Response/>', now())`;
    await untilKeptTextsAreAtMost(w, 0);
    await w.settle();
    expect(await w.deps.database.db.select().from(incidents)).toHaveLength(before.length);
    expect(w.sim.phone(demo.engineers.one.phone).inbox).toHaveLength(pagesBefore);
  });

  it('leaves no conversation behind for a kept text handled already whose conversation had ended', async () => {
    // The out-of-scope text ended its conversation: it was logged, and the conversation deleted.
    const beta = demo.beta.contact;
    const [receipt] = await w.deps.database.sql<{ key: string }[]>`select key from webhook_receipts where body like '%24x7%' order by created_at limit 1`;
    expect(await w.deps.database.db.select().from(smsConversations).where(eq(smsConversations.customerPhone, beta))).toHaveLength(0);
    await w.deps.database.sql`insert into deferred_texts (receipt_key, from_phone, params, answer, received_at)
      values (${receipt!.key}, ${beta}, ${JSON.stringify({ MessageSid: receipt!.key.split(':')[0], From: beta, To: shared, Body: 'BLOCKER Shopify feed down' })}::jsonb, '<Response/>', now())`;
    await untilKeptTextsAreAtMost(w, 0);
    await w.settle();
    // Its conversation was locked with the others' (before the claim's answer came), and is gone again.
    expect(await w.deps.database.db.select().from(smsConversations).where(eq(smsConversations.customerPhone, beta))).toHaveLength(0);
    expect(await w.deps.database.db.select().from(contactsLog).where(eq(contactsLog.fromPhone, beta))).toHaveLength(1);
  });
});
