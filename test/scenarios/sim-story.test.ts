import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '../../src/app/demo-data.js';
import { portInUse } from '../../scripts/local/net.js';
import { startWorld, type World } from '../support/world.js';

/**
 * The README's one-minute story, played in a real browser (Debian's chromium) on /sim against
 * the whole service: an Acme contact calls about a Blocker, Eng One acknowledges from the link
 * in the page text, the call still ringing on their phone stops, and the incidents panel says
 * who has it. The last picture is the README's (docs/sim.png), so it shows the page as it is.
 */

const CHROMIUM = '/usr/bin/chromium';
const WAIT = { timeout: 10_000 };
const SCREENSHOT = fileURLToPath(new URL('../../docs/sim.png', import.meta.url));
/** A fixed port and link secret keep the picture the same from run to run (they show in links). */
const PICTURE_PORT = 39_913;

let w: World;
let context: BrowserContext;
let page: Page;
let profile: string;
let steadyPicture = false;

beforeAll(async () => {
  steadyPicture = !(await portInUse(PICTURE_PORT));
  w = await startWorld({ demoPhones: true, ...(steadyPicture ? { port: PICTURE_PORT } : {}), env: { LINK_SECRET: 'the-one-minute-story-link-secret-0000' } });
  profile = await mkdtemp(join(tmpdir(), 'standby-story-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(WAIT.timeout);
});

afterAll(async () => {
  await context?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
  await w?.close();
});

const phone = (number: string): Locator => page.locator(`article.phone[data-number="${number}"]`);
const seen = (scope: Locator, testId: string, text: string | RegExp) => scope.getByTestId(testId).filter({ hasText: text }).first().waitFor(WAIT);

describe('the one-minute story on /sim', () => {
  it('Acme calls about a Blocker, Eng One takes it from the link in the text, and the ringing page call stops', async () => {
    await page.goto(`${w.sim.url}/sim`);
    await page.getByTestId('live').filter({ hasText: 'live' }).waitFor(WAIT);
    const ana = phone(demo.acme.contacts[0]);
    const eng = phone(demo.engineers.one.phone);
    await ana.waitFor(WAIT);

    // Each customer's phone calls the right line: Acme its dedicated one, Beta the shared one.
    expect(await ana.getByTestId('dial-to').inputValue()).toBe(demo.numbers.acmeDedicated);
    expect(await ana.getByTestId('dial-to').locator('option:checked').textContent()).toContain('Acme Retail dedicated line');
    expect(await phone(demo.beta.contact).getByTestId('dial-to').inputValue()).toBe(demo.numbers.shared);
    await page.getByTestId('story').filter({ hasText: 'Try this' }).waitFor(WAIT);

    // Ana calls, chooses Blocker and Salesforce sync, and describes the problem.
    await ana.getByTestId('dial').click();
    await seen(ana, 'say', 'Hola, Acme Retail');
    await ana.getByTestId('key-1').click();
    await seen(ana, 'say', 'Salesforce sync');
    await ana.getByTestId('key-1').click();
    await seen(ana, 'say', 'describa brevemente el problema');
    await ana.getByTestId('record-text').fill('Los pedidos no llegan a Salesforce desde las 11');
    await ana.getByTestId('record-stop').click();
    await seen(ana, 'say', 'Su número de incidente es');
    await seen(ana, 'ended', 'completed');

    // The panel shows the incident paging; Eng One's phone rings and has the page by text, with a link.
    const incident = page.getByTestId('incident').first();
    await incident.filter({ hasText: 'Salesforce sync' }).waitFor(WAIT);
    expect(await incident.getByTestId('incident-status').textContent()).toBe('paging');
    await eng.getByTestId('answer').waitFor(WAIT);
    const link = eng.getByTestId('sms-link').first();
    await link.waitFor(WAIT);
    expect(await link.getAttribute('href')).toMatch(/\/ack\//);
    expect(await link.getAttribute('target')).toBe('_blank');

    // The link opens the confirm page; its button acknowledges.
    const [confirm] = await Promise.all([context.waitForEvent('page'), link.click()]);
    await confirm!.getByRole('button').click();
    await confirm!.getByText(/Tomó el incidente/).waitFor(WAIT);
    await confirm!.close();

    // The call still ringing is cancelled; Ana is told who is on it; the panel says who has it.
    await seen(eng, 'ended', 'call canceled before it was answered');
    expect(await eng.getByTestId('call-status').textContent()).toBe('canceled');
    await seen(ana, 'sms', 'Eng One');
    await page.getByTestId('incident-owner').filter({ hasText: 'Eng One' }).waitFor(WAIT);
    expect(await incident.getByTestId('incident-status').textContent()).toBe('acknowledged');
    // And the description Ana recorded reaches Eng One by text.
    await seen(eng, 'sms', 'Los pedidos no llegan a Salesforce desde las 11');

    // Transcript lines are numbered past 9 without clipping: the ordered list leaves room for two digits.
    const indent = await ana.getByTestId('transcript').evaluate((list) => {
      const style = (globalThis as unknown as { getComputedStyle(element: unknown): { paddingLeft: string; fontSize: string } }).getComputedStyle(list);
      return parseFloat(style.paddingLeft) / parseFloat(style.fontSize);
    });
    expect(indent).toBeGreaterThanOrEqual(2.5);

    await w.settle();
    expect(w.sim.errors).toEqual([]);
    if (steadyPicture) {
      // The README's picture, without the traffic log (long, and full of addresses).
      await page.addStyleTag({ content: '.traffic { display: none; }' });
      await page.mouse.move(0, 0); // no button under the pointer, so none is drawn hovered
      await writeFile(SCREENSHOT, await page.screenshot({ fullPage: true, animations: 'disabled' }));
    }
  });
});
