import { Writable } from 'node:stream';
import Fastify from 'fastify';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loggerOptions, scrubDeep, scrubText } from './logger.js';

/** A logger that writes its JSON lines into `lines`. */
function capture() {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
  return { lines, log: pino(loggerOptions('info'), sink) };
}

describe('logs', () => {
  it('mask phone numbers in messages, fields and request URLs', () => {
    const { lines, log } = capture();
    log.info({ to: '+5491150000201', nested: { from: '+5491150000101' } }, 'paging +5491150000201');
    log.info({ req: { method: 'GET', url: '/api/v1/engineers?phone=%2B5491150000201', id: 'r1' } }, 'incoming request');
    const text = lines.join('');
    expect(text).not.toMatch(/5491150000[12]0[12]/);
    expect(text).toContain('0201');
    expect(JSON.parse(lines[1]!).req).toMatchObject({ method: 'GET', requestId: 'r1' });
  });

  it('hide the token of an acknowledgement link and of a calendar address, which work for whoever holds them', () => {
    const { lines, log } = capture();
    const ack = '/ack/412.3.1795500000.c2lnbmF0dXJlLW9mLWZvcnR5LXRocmVlLWNoYXJhY3RlcnM';
    const calendar = '/calendar/sbc_Zm9yLXRoZS1lbmdpbmVlcnMtY2FsZW5kYXI.ics';
    log.info({ req: { method: 'POST', url: ack, id: 'r1' } }, 'incoming request');
    log.info({ req: { method: 'GET', url: `${calendar}?refresh=1`, id: 'r2' } }, 'incoming request');
    log.info({ req: { method: 'POST', url: '/api/v1/incidents/412/acknowledge', id: 'r3' } }, 'incoming request');
    const urls = lines.map((l) => JSON.parse(l).req.url);
    expect(urls).toEqual(['/ack/[redacted]', '/calendar/[redacted]?refresh=1', '/api/v1/incidents/412/acknowledge']);
  });

  it('hide link tokens in the requests Fastify logs itself', async () => {
    const { lines, log } = capture();
    const app = Fastify({ loggerInstance: log });
    app.get('/ack/:token', async () => 'ok');
    await app.inject({ method: 'GET', url: '/ack/412.3.1795500000.secret-part' });
    await app.close();
    const text = lines.join('');
    expect(text).toContain('/ack/[redacted]');
    expect(text).not.toContain('secret-part');
  });

  it('leaves other text alone: ids, dates, times, request ids, Twilio SIDs, addresses', () => {
    const plain = { n: 12, s: 'incident 123 at 2026-11-23T15:00:00.000Z, first response 300 s', reqId: 'de79dce3-2871-4372-b057-957d29e33764', sid: 'SMf7b7a3fb9f7820ae8db4b970092574f7', ip: '192.168.100.200' };
    expect(scrubDeep(plain)).toEqual(plain);
  });

  it('masks phone numbers in every common format, keeping the last four digits', () => {
    const cases: Array<[string, string]> = [
      ['+5491150000201', '+*********0201'],
      ['5491150000201', '*********0201'],
      ['+54 9 11 5000-0101', '+** * ** ****-0101'],
      ['011 5000-0100', '*** ****-0100'],
      ['(11) 95555-0100', '(**) *****-0100'],
      ['15-5000-0100', '**-****-0100'],
      ['phone=%2B5491150000201', 'phone=%2B*********0201'],
    ];
    for (const [given, logged] of cases) expect(scrubText(`call ${given} now`)).toBe(`call ${logged} now`);
  });

  it('drops what people wrote and what a failed query carried', () => {
    const logged = scrubDeep({ Body: 'my password is hunter2', err: { message: 'Failed query: insert into t values ($1)\nparams: hunter2', params: ['hunter2'], detail: 'Failing row contains (1, hunter2).' } });
    expect(JSON.stringify(logged)).not.toContain('hunter2');
  });
});
