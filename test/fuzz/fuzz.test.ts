import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '../../src/app/demo-data.js';
import { startWorld, type World } from '../support/world.js';
import { describeReport, runFuzz, type FuzzReport } from './fuzz.js';

/**
 * A short seeded run of the fuzz suite (`npm run fuzz` runs it long): no answer is a 5xx, no
 * rejected request writes a row, and every odd but signed customer text is read and answered.
 */
let w: World;
let report: FuzzReport;

beforeAll(async () => {
  // No worker: nothing writes in the background, so a table that grows grew by the request.
  w = await startWorld({ worker: false, env: { API_RATE_LIMIT_PER_MINUTE: '1000000', PUBLIC_RATE_LIMIT_PER_MINUTE: '1000000' } });
  report = await runFuzz(
    {
      baseUrl: w.config.PUBLIC_BASE_URL,
      publicBaseUrl: w.config.PUBLIC_BASE_URL,
      twilioAuthToken: w.config.TWILIO_AUTH_TOKEN,
      adminToken: w.config.ADMIN_API_TOKEN,
      sql: w.deps.database.sql,
      standbyNumbers: [demo.numbers.acmeDedicated, demo.numbers.shared],
      customerPhones: [...demo.acme.contacts, demo.beta.contact, demo.gamma.contact],
      engineerPhones: Object.values(demo.engineers).map((e) => e.phone),
    },
    { seed: Number(process.env.FUZZ_SEED ?? 20261123), requests: Number(process.env.FUZZ_REQUESTS ?? 400), oddTexts: 30 },
  );
}, 120_000);
afterAll(() => w?.close());

describe('hostile input (a short seeded fuzz run)', () => {
  it('never gets a 5xx', () => {
    expect(report.serverErrors, describeReport(report)).toEqual([]);
  });

  it('writes nothing when it is rejected', () => {
    expect(report.rejected).toBeGreaterThan(50);
    expect(report.rejectedThatWrote).toEqual([]);
  });

  it('still reads and answers a signed customer text full of NUL and control characters', () => {
    expect(report.oddTexts.droppedOrFailed).toEqual([]);
    expect(report.oddTexts.handled).toBe(report.oddTexts.sent);
  });
});
