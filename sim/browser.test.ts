import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STANDBY, startHarness, twiml, type Harness } from './fake-service.js';

/**
 * The /sim page in a real browser (Debian's chromium): a customer dials the standby number,
 * hears the prompts, presses a key and records a description; the engineer receives the page by
 * text and by call, answers and acknowledges, and replies ACK by text; the traffic log shows it all.
 */

const CHROMIUM = '/usr/bin/chromium';
const CUSTOMER = '+5491150000101';
const ENGINEER = '+5491150000201';
const WAIT = { timeout: 10_000 };

let h: Harness;
let context: BrowserContext;
let page: Page;
let profile: string;

beforeAll(async () => {
  h = await startHarness({
    phones: [
      { number: CUSTOMER, name: 'Ana (Acme Retail)', kind: 'customer' },
      { number: ENGINEER, name: 'Eng One', kind: 'engineer' },
      { number: '+5491150000299', name: 'Admin on call', kind: 'admin' },
    ],
  });
  const { service, client } = h;
  const pageEngineer = async (): Promise<void> => {
    await client.messages.create({ from: STANDBY, to: ENGINEER, body: 'Page INC-42 BLOCKER Salesforce sync. Reply ACK 42' });
    await client.calls.create({ from: STANDBY, to: ENGINEER, url: `${service.url}/page/voice` });
  };
  service.on('/twilio/voice', twiml('<Gather numDigits="1" action="/ivr/severity"><Say language="es-AR">Hola Acme. Marque 1 para Blocker, 2 para High.</Say></Gather><Say>No input.</Say>'));
  service.on('/ivr/severity', async (params) => {
    if (params.Digits === '1') await pageEngineer();
    return twiml('<Say language="es-AR">Describa el problema después del tono.</Say><Record action="/ivr/recorded" maxLength="60" transcribeCallback="/ivr/transcription"/>');
  });
  service.on('/ivr/recorded', twiml('<Say language="es-AR">Su referencia es INC 42. Adiós.</Say><Hangup/>'));
  service.on('/ivr/transcription', '');
  service.on('/page/voice', twiml('<Gather numDigits="1" action="/page/ack"><Say>Incident INC 42, Blocker. Press 1 to acknowledge.</Say></Gather>'));
  service.on('/page/ack', twiml('<Say>Acknowledged. Thank you.</Say><Hangup/>'));
  service.on('/twilio/sms', async (params) => {
    if (params.From === ENGINEER && /^ACK\b/i.test(params.Body ?? '')) {
      await client.messages.create({ from: STANDBY, to: CUSTOMER, body: 'Eng One is on INC-42.' });
      return twiml('<Message>Acknowledged INC-42</Message>');
    }
    return twiml('');
  });

  profile = await mkdtemp(join(tmpdir(), 'standby-sim-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(WAIT.timeout);
});

afterAll(async () => {
  await context?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
  await h?.close();
});

function phone(number: string): Locator {
  return page.locator(`article.phone[data-number="${number}"]`);
}

async function seen(scope: Locator, testId: string, text: string | RegExp): Promise<void> {
  await scope.getByTestId(testId).filter({ hasText: text }).first().waitFor(WAIT);
}

describe('the /sim page', () => {
  it('lets a customer call and an engineer acknowledge, showing the traffic', async () => {
    await page.goto(`${h.sim.url}/sim`);
    await page.getByTestId('live').filter({ hasText: 'live' }).waitFor(WAIT);
    const ana = phone(CUSTOMER);
    const eng = phone(ENGINEER);
    await page.getByTestId('customers').locator(`[data-number="${CUSTOMER}"]`).waitFor(WAIT);
    await page.getByTestId('engineers').locator(`[data-number="${ENGINEER}"]`).waitFor(WAIT);

    // The customer dials the standby number and hears the menu.
    await ana.getByTestId('dial').click();
    await seen(ana, 'say', 'Marque 1 para Blocker');
    expect(await ana.getByTestId('say').first().getAttribute('data-language')).toBe('es-AR');
    await ana.getByTestId('key-1').click();
    await seen(ana, 'say', 'Describa el problema');
    await ana.getByTestId('record-text').fill('El sync de Salesforce no anda');
    await ana.getByTestId('record-stop').click();
    await seen(ana, 'say', 'Su referencia es INC 42');
    await seen(ana, 'ended', 'completed');

    // The engineer is paged by text and by a call, answers and presses 1.
    await seen(eng, 'sms', 'Page INC-42 BLOCKER');
    await eng.getByTestId('answer').click();
    await seen(eng, 'say', 'Press 1 to acknowledge');
    await eng.getByTestId('key-1').click();
    await seen(eng, 'say', 'Acknowledged. Thank you.');

    // The engineer replies ACK by text; both sides get the answer.
    await eng.getByTestId('sms-body').fill('ACK 42');
    await eng.getByTestId('sms-send').click();
    await seen(eng, 'sms', 'Acknowledged INC-42');
    await seen(ana, 'sms', 'Eng One is on INC-42.');

    // The traffic log shows REST requests and webhooks.
    await page.locator('[data-testid="traffic-row"][data-kind="messages.create"]').first().waitFor(WAIT);
    await page.locator('[data-testid="traffic-row"][data-kind="sms"]').first().waitFor(WAIT);
    await page.locator('[data-testid="traffic-row"][data-kind="voice-action"]').first().waitFor(WAIT);

    await h.sim.idle();
    expect(h.service.at('/ivr/transcription')[0]?.params.TranscriptionText).toBe('El sync de Salesforce no anda');
    expect(h.service.received.every((w) => w.signatureValid)).toBe(true);
    expect(h.sim.errors).toEqual([]);
  });
});
