import { describe, expect, it } from 'vitest';
import { startTestService } from '../support/service.js';

/**
 * The limiters key on the client's address as TRUST_PROXY believes it. Off by default: whatever a
 * client writes in X-Forwarded-For, its requests count together.
 */
describe('with TRUST_PROXY off (the default)', () => {
  it('a client cannot buy a fresh allowance by writing another X-Forwarded-For', async () => {
    const s = await startTestService({ env: { API_RATE_LIMIT_PER_MINUTE: '30' } });
    try {
      const codes: number[] = [];
      for (let n = 0; n < 40; n++) {
        const answer = await s.app.inject({ method: 'GET', url: '/api/v1/customers', headers: { ...s.auth, 'x-forwarded-for': `10.8.${n}.1` } });
        codes.push(answer.statusCode);
      }
      expect(codes.filter((c) => c === 200)).toHaveLength(30);
      expect(codes.filter((c) => c === 429)).toHaveLength(10);
    } finally {
      await s.close();
    }
  });
});

describe('public routes', () => {
  it('acknowledgement links and calendar feeds have their own per-address limit', async () => {
    const s = await startTestService({ env: { PUBLIC_RATE_LIMIT_PER_MINUTE: '3', API_RATE_LIMIT_PER_MINUTE: '100' } });
    try {
      const codes: number[] = [];
      for (const url of ['/ack/1.2.3.x', '/calendar/sbc_nothing-here-at-all-0000.ics', '/ack/1.2.3.y', '/calendar/sbc_nothing-here-at-all-0001.ics', '/ack/1.2.3.z']) {
        codes.push((await s.app.inject({ method: 'GET', url, headers: { 'x-forwarded-for': '203.0.113.9' } })).statusCode);
      }
      expect(codes).toEqual([404, 404, 404, 429, 429]);
      // The admin API counts apart.
      expect((await s.app.inject({ method: 'GET', url: '/api/v1/customers', headers: s.auth })).statusCode).toBe(200);
    } finally {
      await s.close();
    }
  });
});
