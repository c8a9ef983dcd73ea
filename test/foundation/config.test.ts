import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseTrustProxy } from '../../src/config.js';

const valid = {
  PUBLIC_BASE_URL: 'https://standby.example.com/',
  DATABASE_URL: 'postgres://u:p@db:5432/standby',
  REDIS_URL: 'redis://redis:6379',
  TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
  TWILIO_AUTH_TOKEN: '0123456789abcdef0123',
  ADMIN_API_TOKEN: 'a-long-enough-admin-token-123',
  LINK_SECRET: 'a-link-secret-that-is-long-enough-0000',
};

describe('configuration', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(valid);
    expect(config).toMatchObject({ PORT: 3000, ROLE: 'all', WORKING_HOURS_TZ: 'America/Argentina/Buenos_Aires', PUBLIC_BASE_URL: 'https://standby.example.com' });
    expect(config.TWILIO_API_BASE_URL).toBeUndefined();
  });

  it('names a missing variable in one line', () => {
    const { DATABASE_URL: _, ...rest } = valid;
    expect(() => loadConfig(rest)).toThrow(new ConfigError('Invalid configuration: DATABASE_URL: is required but not set'));
  });

  it('names every malformed variable and what it should look like', () => {
    let message = '';
    try {
      loadConfig({ ...valid, PORT: 'eighty', ROLE: 'cron', REDIS_URL: 'http://redis', WORKING_HOURS_TZ: 'Mars/Olympus', TWILIO_ACCOUNT_SID: 'SK123' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message.split('\n')).toHaveLength(1);
    for (const name of ['PORT', 'ROLE', 'REDIS_URL', 'WORKING_HOURS_TZ', 'TWILIO_ACCOUNT_SID']) expect(message).toContain(`${name}:`);
    expect(message).toContain('REDIS_URL: a URL starting with redis: or rediss:');
    expect(message).toContain('WORKING_HOURS_TZ: an IANA time zone');
  });

  it('keeps a 30 s floor on acknowledgement timeouts unless MIN_ACK_TIMEOUT_SECONDS lowers it (drills, tests)', () => {
    expect(loadConfig(valid).MIN_ACK_TIMEOUT_SECONDS).toBe(30);
    expect(loadConfig({ ...valid, MIN_ACK_TIMEOUT_SECONDS: '2' }).MIN_ACK_TIMEOUT_SECONDS).toBe(2);
    expect(() => loadConfig({ ...valid, MIN_ACK_TIMEOUT_SECONDS: '0' })).toThrow(/MIN_ACK_TIMEOUT_SECONDS:/);
    expect(() => loadConfig({ ...valid, MIN_ACK_TIMEOUT_SECONDS: 'soon' })).toThrow(/MIN_ACK_TIMEOUT_SECONDS:/);
  });

  it('reads holidays as a list', () => {
    const config = loadConfig({ ...valid, WORKING_HOURS_HOLIDAYS: '2026-12-25, 2027-01-01' });
    expect(config.WORKING_HOURS_HOLIDAYS).toEqual(['2026-12-25', '2027-01-01']);
    expect(() => loadConfig({ ...valid, WORKING_HOURS_HOLIDAYS: '25/12/2026' })).toThrow(/WORKING_HOURS_HOLIDAYS/);
  });

  it('trusts no proxy unless TRUST_PROXY says how many hops or which addresses', () => {
    expect(loadConfig(valid).TRUST_PROXY).toBe('');
    expect(parseTrustProxy(loadConfig(valid).TRUST_PROXY)).toEqual({ kind: 'off' });
    expect(parseTrustProxy(loadConfig({ ...valid, TRUST_PROXY: '2' }).TRUST_PROXY)).toEqual({ kind: 'hops', hops: 2 });
    expect(parseTrustProxy(loadConfig({ ...valid, TRUST_PROXY: '10.0.0.0/8, fdaa::/16,127.0.0.1' }).TRUST_PROXY)).toEqual({ kind: 'cidrs', cidrs: ['10.0.0.0/8', 'fdaa::/16', '127.0.0.1'] });
    for (const bad of ['true', 'all', '11', '10.0.0.0/33', 'fly', '300.1.1.1']) {
      expect(() => loadConfig({ ...valid, TRUST_PROXY: bad }), bad).toThrow(/TRUST_PROXY: off, a hop count/);
    }
  });
});
