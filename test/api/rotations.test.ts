import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TEST_START as TEST_START, startTestService, type TestService } from '../support/service.js';
import { adminApi, fields } from './helpers.js';

let s: TestService;
let api: ReturnType<typeof adminApi>;
let one: number;
let two: number;
let three: number;
beforeAll(async () => {
  s = await startTestService();
  api = adminApi(s);
  one = (await api.create('/engineers', { name: 'Eng One', phone: '+5491150000201' })).id;
  two = (await api.create('/engineers', { name: 'Eng Two', phone: '+5491150000202' })).id;
  three = (await api.create('/engineers', { name: 'Lead Three', phone: '+5491150000203' })).id;
});
afterAll(() => s.close());
afterEach(() => s.clock.set(TEST_START));

/** The test clock's start as the API writes instants. */
const DEFAULT_TEST_START = new Date(TEST_START).toISOString();

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (ms: number) => new Date(ms).toISOString();
const now = () => s.clock.now().getTime();

/** Weekly, handing off Monday 09:00 in Buenos Aires, from Monday 2026-11-23 (the test clock's day). */
const weekly = (name: string, participants: number[], extra: Record<string, unknown> = {}) => ({
  name,
  timeZone: 'America/Argentina/Buenos_Aires',
  shiftLength: 1,
  shiftUnit: 'weeks' as 'hours' | 'days' | 'weeks',
  handoffTime: '09:00',
  startDate: '2026-11-23',
  participants,
  ...extra,
});

describe('rotations', () => {
  it('creates a rotation effective now, reads, lists and renames it, and tells who is on call', async () => {
    const created = await api.post('/rotations', weekly('Integrations primary', [one, two], { description: 'Vendor-built integrations' }));
    expect(created.status).toBe(201);
    const rotation = created.body;
    expect(rotation).toMatchObject({
      name: 'Integrations primary',
      description: 'Vendor-built integrations',
      archivedAt: null,
      upcoming: [],
      current: {
        effectiveFrom: DEFAULT_TEST_START,
        timeZone: 'America/Argentina/Buenos_Aires',
        shiftLength: 1,
        shiftUnit: 'weeks',
        handoffTime: '09:00',
        startDate: '2026-11-23',
        participants: [
          { engineerId: one, name: 'Eng One' },
          { engineerId: two, name: 'Eng Two' },
        ],
      },
    });
    expect((await api.get(`/rotations/${rotation.id}`)).body).toEqual(rotation);
    expect((await api.get('/rotations')).body.items).toContainEqual(rotation);

    const renamed = await api.patch(`/rotations/${rotation.id}`, { description: 'Salesforce, SAP' });
    expect(renamed.body).toMatchObject({ name: 'Integrations primary', description: 'Salesforce, SAP', current: rotation.current });

    // Monday 12:00 in Buenos Aires: Eng One's week began at 09:00, but this rotation only since now.
    const onCall = await api.get(`/rotations/${rotation.id}/on-call`);
    expect(onCall.body).toEqual({
      at: DEFAULT_TEST_START,
      engineer: { id: one, name: 'Eng One', phone: '+5491150000201' },
      shift: { start: DEFAULT_TEST_START, end: '2026-11-30T12:00:00.000Z', overrideId: null },
    });
    const nextWeek = await api.get(`/rotations/${rotation.id}/on-call?at=2026-12-01T10:00:00-03:00`);
    expect(nextWeek.body.engineer.name).toBe('Eng Two');
    expect(nextWeek.body.shift).toEqual({ start: '2026-11-30T12:00:00.000Z', end: '2026-12-07T12:00:00.000Z', overrideId: null });
  });

  it('changes participants from an instant without changing who was on call before it', async () => {
    const rotation = await api.create('/rotations', weekly('Reordered', [one, two]));
    const tuesday = '2026-11-24T15:00:00.000Z';
    s.clock.advance(2 * DAY); // Wednesday
    const changeAt = s.clock.now().toISOString();

    const changed = await api.put(`/rotations/${rotation.id}/participants`, { participants: [three, one] });
    expect(changed.status).toBe(200);
    expect(changed.body.current).toMatchObject({ effectiveFrom: changeAt, startDate: '2026-11-23', participants: [{ engineerId: three }, { engineerId: one }] });

    const before = await api.get(`/rotations/${rotation.id}/on-call?at=${tuesday}`);
    expect(before.body.engineer.id).toBe(one);
    expect(before.body.shift).toEqual({ start: DEFAULT_TEST_START, end: changeAt, overrideId: null });
    expect((await api.get(`/rotations/${rotation.id}/on-call`)).body.engineer.id).toBe(three);

    const history = await api.get(`/rotations/${rotation.id}/versions`);
    expect(history.body.items.map((v: { effectiveFrom: string }) => v.effectiveFrom)).toEqual([DEFAULT_TEST_START, changeAt]);
  });

  it('schedules a change for later, keeps the fields it leaves out, and can cancel it before it takes effect', async () => {
    const rotation = await api.create('/rotations', weekly('Scheduled', [one, two]));
    const inAWeek = at(now() + 7 * DAY);
    const scheduled = await api.post(`/rotations/${rotation.id}/versions`, { handoffTime: '10:00', shiftUnit: 'days', effectiveFrom: inAWeek });
    expect(scheduled.status).toBe(201);
    expect(scheduled.body.current.id).toBe(rotation.current?.id);
    expect(scheduled.body.upcoming).toEqual([
      expect.objectContaining({ effectiveFrom: inAWeek, handoffTime: '10:00', shiftUnit: 'days', shiftLength: 1, timeZone: 'America/Argentina/Buenos_Aires', startDate: '2026-11-23' }),
    ]);
    expect(scheduled.body.upcoming[0].participants.map((p: { engineerId: number }) => p.engineerId)).toEqual([one, two]);

    // Versions form one line in time: a change before the scheduled one is refused, naming it.
    const between = await api.put(`/rotations/${rotation.id}/participants`, { participants: [two], effectiveFrom: at(now() + 3 * DAY) });
    expect(between.status).toBe(409);
    expect(fields(between.body)).toEqual(['effectiveFrom']);
    expect(between.body.detail).toContain(`version (${scheduled.body.upcoming[0].id})`);

    const cancelled = await api.del(`/rotations/${rotation.id}/versions/${scheduled.body.upcoming[0].id}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.upcoming).toEqual([]);
    expect((await api.del(`/rotations/${rotation.id}/versions/${rotation.current?.id}`)).status).toBe(409);
    expect((await api.put(`/rotations/${rotation.id}/participants`, { participants: [two], effectiveFrom: at(now() + 3 * DAY) })).status).toBe(200);
  });

  it('refuses a change that would rewrite the past, beyond a minute of clock difference', async () => {
    const rotation = await api.create('/rotations', weekly('No rewriting', [one]));
    s.clock.advance(HOUR);
    const late = await api.put(`/rotations/${rotation.id}/participants`, { participants: [two], effectiveFrom: at(now() - 10 * 60_000) });
    expect(late.status).toBe(422);
    expect(fields(late.body)).toEqual(['effectiveFrom']);
    expect((await api.put(`/rotations/${rotation.id}/participants`, { participants: [two], effectiveFrom: at(now() - 30_000) })).status).toBe(200);
    const created = await api.post('/rotations', weekly('Backdated', [one], { effectiveFrom: '2026-01-01T00:00:00Z' }));
    expect(fields(created.body)).toEqual(['effectiveFrom']);
  });

  it('names every malformed field: zone, handoff time, start date, shift length and unit', async () => {
    const bad = await api.post('/rotations', weekly('Malformed', [one], { timeZone: 'Mars/Olympus_Mons', handoffTime: '9am', startDate: '2026-02-30', shiftLength: 0, shiftUnit: 'months' }));
    expect(bad.status).toBe(422);
    expect(bad.contentType).toMatch(/application\/problem\+json/);
    expect(fields(bad.body)).toEqual(['handoffTime', 'shiftLength', 'shiftUnit', 'startDate', 'timeZone']);
    expect(fields((await api.post('/rotations', weekly('Offset', [one], { timeZone: '+03:00' }))).body)).toEqual(['timeZone']);
    expect(fields((await api.post('/rotations', weekly('Midnight', [one], { handoffTime: '24:00' }))).body)).toEqual(['handoffTime']);
    const change = await api.post('/rotations', weekly('Target', [one]));
    expect(fields((await api.post(`/rotations/${change.body.id}/versions`, { timeZone: 'Nowhere/Land' })).body)).toEqual(['timeZone']);
    expect(fields((await api.post(`/rotations/${change.body.id}/versions`, { effectiveFrom: '2027-01-01T00:00:00Z' })).body)).toEqual(['body']);
  });

  it('names an unknown or archived participant and writes nothing', async () => {
    const retired = await api.create('/engineers', { name: 'Retired', phone: '+5491150000260' });
    await api.del(`/engineers/${retired.id}`);
    const bad = await api.post('/rotations', weekly('Ghosts', [one, 999999, retired.id]));
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([
      { field: 'participants.1', message: 'engineer 999999 does not exist' },
      { field: 'participants.2', message: `engineer ${retired.id} is archived` },
    ]);
    expect((await api.get('/rotations')).body.items.map((r: { name: string }) => r.name)).not.toContain('Ghosts');

    const rotation = await api.create('/rotations', weekly('Real', [one]));
    s.clock.advance(60_000);
    const put = await api.put(`/rotations/${rotation.id}/participants`, { participants: [two, 888888] });
    expect(fields(put.body)).toEqual(['participants.1']);
    expect((await api.get(`/rotations/${rotation.id}/versions`)).body.items).toHaveLength(1);
    expect((await api.put('/rotations/777777/participants', { participants: [one] })).status).toBe(404);
  });

  it('refuses a second live rotation with the same name', async () => {
    await api.create('/rotations', weekly('Weekend', [one]));
    const dup = await api.post('/rotations', weekly('Weekend', [two]));
    expect(dup.status).toBe(409);
    expect(fields(dup.body)).toEqual(['name']);
  });

  it('refuses to archive a rotation an escalation policy pages, listing the policies, and archives it once free', async () => {
    const rotation = await api.create('/rotations', weekly('In use', [one, two]));
    const policy = await api.create('/escalation-policies', { name: 'Pages it', levels: [{ ackTimeoutSeconds: 300, targets: [{ type: 'rotation', rotationId: rotation.id }] }] });

    const refused = await api.del(`/rotations/${rotation.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain('"Pages it"');
    expect(refused.body.usedBy).toEqual([{ kind: 'escalation_policy', id: policy.id, name: 'Pages it' }]);
    expect((await api.get(`/rotations/${rotation.id}`)).body.archivedAt).toBeNull();

    await api.put(`/escalation-policies/${policy.id}/levels`, { levels: [{ ackTimeoutSeconds: 300, targets: [{ type: 'engineer', engineerId: three }] }] });
    const archived = await api.del(`/rotations/${rotation.id}`);
    expect(archived.status).toBe(200);
    expect(archived.body.archivedAt).toBe(s.clock.now().toISOString());
    expect((await api.get('/rotations')).body.items.map((r: { id: number }) => r.id)).not.toContain(rotation.id);
    expect((await api.get('/rotations?archived=true')).body.items.map((r: { id: number }) => r.id)).toContain(rotation.id);
    expect((await api.put(`/rotations/${rotation.id}/participants`, { participants: [two] })).status).toBe(409);
    expect((await api.del('/rotations/999999')).status).toBe(404);
  });
});
