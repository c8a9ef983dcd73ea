import type { Agent } from 'node:https';
import { describe, expect, it } from 'vitest';
import { createTwilioClient } from './client.js';

const credentials = { TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'x'.repeat(32), TWILIO_API_BASE_URL: undefined };

/** The HTTPS agent the library's requests to Twilio go through. */
const agentOf = (client: ReturnType<typeof createTwilioClient>) => (client.httpClient as unknown as { axios: { defaults: { httpsAgent: Agent } } }).axios.defaults.httpsAgent;

describe('the Twilio client', () => {
  it('keeps a connection to Twilio for every send a worker may have in flight, and keeps them open between bursts', () => {
    const agent = agentOf(createTwilioClient({ ...credentials, SEND_CONCURRENCY: 300 }));
    expect(agent.maxSockets).toBeGreaterThanOrEqual(300);
    expect(agent.maxTotalSockets).toBeGreaterThanOrEqual(300);
    expect(agent.maxFreeSockets).toBeGreaterThanOrEqual(300);
    expect((agent as unknown as { keepAlive: boolean }).keepAlive).toBe(true);
  });
});
