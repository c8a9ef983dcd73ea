import ical, { type VEvent } from 'node-ical';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/service.js';
import { adminApi } from './helpers.js';

let s: TestService;
let api: ReturnType<typeof adminApi>;
let one: number;
let two: number;
let rotationId: number;
beforeAll(async () => {
  s = await startTestService({ start: '2026-11-23T12:00:00Z' });
  api = adminApi(s);
  one = (await api.create('/engineers', { name: 'Eng One', phone: '+5491150000201' })).id;
  two = (await api.create('/engineers', { name: 'Eng Two', phone: '+5491150000202' })).id;
  // Weekly from Monday 2026-11-23 09:00 Buenos Aires (12:00Z): Eng One, Eng Two, Eng One…
  rotationId = (
    await api.create('/rotations', {
      name: 'Integrations primary',
      timeZone: 'America/Argentina/Buenos_Aires',
      shiftLength: 1,
      shiftUnit: 'weeks',
      handoffTime: '09:00',
      startDate: '2026-11-23',
      participants: [one, two],
    })
  ).id;
});
afterAll(() => s.close());

/** What a calendar app does: GET the secret address, no bearer token. */
async function subscribe(url: string) {
  const response = await s.app.inject({ method: 'GET', url: new URL(url).pathname });
  return { status: response.statusCode, contentType: response.headers['content-type'], body: response.body };
}

const eventsOf = (text: string) =>
  Object.values(ical.sync.parseICS(text))
    .filter((c): c is VEvent => c?.type === 'VEVENT')
    .sort((a, b) => a.start.getTime() - b.start.getTime());

describe("an engineer's calendar feed", () => {
  it('serves the last two weeks and the next eight of their shifts as iCal, with ids that stay the same', async () => {
    const issued = await api.post(`/engineers/${one}/calendar-tokens`, {});
    expect(issued.status).toBe(201);
    expect(issued.body.url).toMatch(/^http:\/\/127\.0\.0\.1:3000\/calendar\/sbc_[\w-]+\.ics$/);

    s.clock.set('2026-12-14T15:00:00Z'); // three weeks on: the feed shows from 30 November to 8 February
    const feed = await subscribe(issued.body.url);
    expect(feed.status).toBe(200);
    expect(feed.contentType).toMatch(/^text\/calendar/);
    const events = eventsOf(feed.body);
    const mondays = ['2026-12-07', '2026-12-21', '2027-01-04', '2027-01-18', '2027-02-01'];
    expect(events.map((e) => [e.start.toISOString(), e.end!.toISOString()])).toEqual(
      mondays.map((day) => [`${day}T12:00:00.000Z`, new Date(new Date(`${day}T12:00:00Z`).getTime() + 7 * 86_400_000).toISOString()]),
    );
    expect(events.every((e) => e.summary === 'On call: Integrations primary')).toBe(true);
    expect(events[0]!.uid).toBe(`rotation-${rotationId}-${Date.parse('2026-12-07T12:00:00Z')}@127.0.0.1`);

    // A day later the same shifts keep their ids, so a calendar app updates instead of duplicating.
    s.clock.set('2026-12-15T15:00:00Z');
    const again = eventsOf((await subscribe(issued.body.url)).body);
    expect(again.map((e) => e.uid)).toEqual(events.map((e) => e.uid));
  });

  it('answers 404 once the token is revoked, and for a token that never existed', async () => {
    const issued = await api.create('/engineers/{id}/calendar-tokens', undefined as never, { id: two });
    expect((await subscribe(issued.url)).status).toBe(200);

    const revoked = await api.del(`/engineers/${two}/calendar-tokens/${issued.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).toBe(s.clock.now().toISOString());
    const gone = await subscribe(issued.url);
    expect(gone.status).toBe(404);
    expect(gone.contentType).toMatch(/application\/problem\+json/);
    expect((await subscribe('http://x/calendar/sbc_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics')).status).toBe(404);
    expect((await subscribe('http://x/calendar/nonsense')).status).toBe(404);

    const listed = await api.get(`/engineers/${two}/calendar-tokens`);
    expect(listed.body.items).toEqual([expect.objectContaining({ id: issued.id, revokedAt: revoked.body.revokedAt })]);
    expect((await api.del(`/engineers/${one}/calendar-tokens/${issued.id}`)).status).toBe(404);
    expect((await api.post('/engineers/999999/calendar-tokens', {})).status).toBe(404);
  });
});
