import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loggerOptions, maskPhonesDeep } from './logger.js';

describe('logs', () => {
  it('mask phone numbers in messages, fields and request URLs', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const log = pino(loggerOptions('info'), sink);
    log.info({ to: '+5491150000201', nested: { from: '+5491150000101' } }, 'paging +5491150000201');
    log.info({ req: { method: 'GET', url: '/api/v1/engineers?phone=%2B5491150000201', id: 'r1' } }, 'incoming request');
    const text = lines.join('');
    expect(text).not.toMatch(/5491150000[12]0[12]/);
    expect(text).toContain('0201');
    expect(JSON.parse(lines[1]!).req).toMatchObject({ method: 'GET', requestId: 'r1' });
  });

  it('leaves other text alone', () => {
    expect(maskPhonesDeep({ n: 12, s: 'incident 123' })).toEqual({ n: 12, s: 'incident 123' });
  });
});
