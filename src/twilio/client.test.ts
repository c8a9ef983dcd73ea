import { describe, expect, it } from 'vitest';
import { createTwilioClient } from './client.js';
import type { TwilioHttpClient } from './http.js';

const credentials = { TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'x'.repeat(32), TWILIO_API_BASE_URL: undefined };

describe('the Twilio client', () => {
  it('keeps a connection to Twilio for every send a worker may have in flight, and keeps them open between bursts', () => {
    const { agents } = createTwilioClient({ ...credentials, SEND_CONCURRENCY: 300 }).httpClient as unknown as TwilioHttpClient;
    for (const agent of [agents.https, agents.http]) {
      expect(agent.maxSockets).toBeGreaterThanOrEqual(300);
      expect(agent.maxTotalSockets).toBeGreaterThanOrEqual(300);
      expect(agent.maxFreeSockets).toBeGreaterThanOrEqual(300);
      expect((agent as unknown as { keepAlive: boolean }).keepAlive).toBe(true);
    }
  });
});
