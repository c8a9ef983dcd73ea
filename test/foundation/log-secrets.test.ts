import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from 'bullmq';
import pino from 'pino';
import twilio from 'twilio';
import { demo } from '../../src/app/demo-data.js';
import { contacts } from '../../src/db/schema.js';
import { loggerOptions } from '../../src/logger.js';
import { startWorld, type World } from '../support/world.js';

/**
 * Known secrets go through every path that logs — request logs, error logs with their stacks,
 * database errors that quote values, worker job failures — and none of them comes out: not a
 * phone number in any format, not the words a person texted, not a link or calendar token.
 */
const lines: string[] = [];
const sink = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) });
const logger = pino(loggerOptions('info'), sink);

const customer = demo.acme.contacts[0]; // +5491150000101
const SECRET_WORDS = 'zebra-quartz the password is hunter2';
const PHONES = {
  e164: customer,
  withoutPlus: customer.slice(1),
  national: '011 5000-0100',
  mobile: '(11) 95555-0100',
  engineer: demo.engineers.one.phone,
};

let w: World;
let ackToken = '';
let calendarToken = '';

beforeAll(async () => {
  w = await startWorld({ logger });
});
afterAll(() => w.close());

async function signedPost(path: string, params: Record<string, string>) {
  const url = `${w.config.PUBLIC_BASE_URL}${path}`;
  const signature = twilio.getExpectedTwilioSignature(w.config.TWILIO_AUTH_TOKEN, url, params);
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, body: new URLSearchParams(params).toString() });
}

/** A real database error that quotes the secrets (a failed insert's parameters, a failing row). */
async function databaseErrors(): Promise<unknown[]> {
  const errors: unknown[] = [];
  for (const values of [
    { customerId: 999_999, name: SECRET_WORDS, phone: PHONES.e164 }, // foreign key: "params: …"
    { customerId: 1, name: SECRET_WORDS, phone: PHONES.withoutPlus }, // check: "Failing row contains (…)"
  ]) {
    await w.deps.database.db.insert(contacts).values(values).catch((error: unknown) => errors.push(error));
  }
  return errors;
}

describe('logs', () => {
  it('carry no phone number, message text, link or calendar token, whatever path logged them', async () => {
    // A page with its acknowledgement link; the engineer opens the link.
    const [acme] = (await w.app.inject({ method: 'GET', url: `/api/v1/customers?code=${demo.acme.code}`, headers: w.auth })).json().items;
    const [integration] = (await w.app.inject({ method: 'GET', url: `/api/v1/integrations?customerId=${acme.id}`, headers: w.auth })).json().items;
    await w.app.inject({ method: 'POST', url: '/api/v1/incidents', headers: w.auth, payload: { customerId: acme.id, integrationId: integration.id, severity: 'blocker', reporterPhone: PHONES.national, description: SECRET_WORDS } });
    await w.settle();
    const page = await w.sim.phone(PHONES.engineer).expectSms(/ACK \d+/);
    const link = /http\S+\/ack\/(\S+)/.exec(page.body)!;
    ackToken = link[1]!;
    await fetch(link[0]);

    // An engineer's calendar feed.
    const engineers = (await w.app.inject({ method: 'GET', url: '/api/v1/engineers', headers: w.auth })).json().items;
    const issued = (await w.app.inject({ method: 'POST', url: `/api/v1/engineers/${engineers[0].id}/calendar-tokens`, headers: w.auth })).json();
    calendarToken = /\/calendar\/(\S+)\.ics/.exec(issued.url)![1]!;
    await fetch(issued.url);

    // Phone numbers in URLs, in any format (request logs).
    for (const phone of Object.values(PHONES)) {
      await w.app.inject({ method: 'GET', url: `/api/v1/contacts?phone=${encodeURIComponent(phone)}`, headers: w.auth });
      await w.app.inject({ method: 'GET', url: `/api/v1/engineers/${phone.replace(/\D/g, '')}`, headers: w.auth });
    }

    // A customer's text, and one to a number that is not a standby number: an error with its stack.
    await w.sim.phone(customer).sendSms(demo.numbers.acmeDedicated, `BLOCKER SAP orders ${SECRET_WORDS}`);
    await signedPost('/twilio/sms', { MessageSid: `SM${'9'.repeat(32)}`, From: PHONES.e164, To: '+5491150000155', Body: SECRET_WORDS });

    // Database errors quoting the values, logged as a failed webhook and as a failed job would be.
    for (const error of await databaseErrors()) {
      w.deps.logger.error({ err: error, path: '/twilio/sms' }, 'webhook failed; answered with the fallback');
      w.worker!.workers[1]!.emit('failed', { id: 'send-1', attemptsMade: 1 } as Job, error as Error, 'active');
    }
    await w.settle();

    const text = lines.join('');
    // The paths really logged.
    expect(text).toContain('webhook failed');
    expect(text).toContain('job failed');
    expect(text).toContain('"stack"');
    expect(text).toContain('/ack/[redacted]');
    expect(text).toContain('/calendar/[redacted]');
    expect(text).toContain('params: [redacted]');

    for (const secret of [SECRET_WORDS, 'hunter2', ackToken, ackToken.split('.').at(-1)!, calendarToken]) expect(text).not.toContain(secret);
    for (const phone of Object.values(PHONES)) {
      expect(text).not.toContain(phone);
      // Nor its digits written any other way (the last four may stay).
      expect(text.replace(/[\s()+-]/g, '')).not.toContain(phone.replace(/\D/g, '').slice(0, -4));
    }
  });
});
