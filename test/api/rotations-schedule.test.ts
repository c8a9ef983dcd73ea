import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TEST_START as TEST_START, startTestService, type TestService } from '../support/service.js';
import { adminApi, fields, type CreateBody } from './helpers.js';

let s: TestService;
let api: ReturnType<typeof adminApi>;
const people: Record<string, number> = {};
beforeAll(async () => {
  s = await startTestService();
  api = adminApi(s);
  const names = ['Alice', 'Bob', 'Carol', 'Dave', 'Eve', 'Finn', 'Gina', 'Hank', 'Ivy'];
  for (const [i, name] of names.entries()) people[name] = (await api.create('/engineers', { name, phone: `+54911500003${String(i).padStart(2, '0')}` })).id;
});
afterAll(() => s.close());
afterEach(() => s.clock.set(TEST_START));

/** The test clock's start as the API writes instants. */
const DEFAULT_TEST_START = new Date(TEST_START).toISOString();

const DAY = 86_400_000;
const at = (ms: number) => new Date(ms).toISOString();
const start = new Date(DEFAULT_TEST_START).getTime();
const ids = (...names: string[]) => names.map((n) => people[n]!);

interface ShiftOut {
  start: string;
  end: string;
  engineer: { id: number; name: string } | null;
  overrideId: number | null;
}
const brief = (shifts: ShiftOut[]) => shifts.map((x) => [x.start, x.end, x.engineer?.name ?? null, x.overrideId]);

async function rotation(name: string, shape: Record<string, unknown>): Promise<number> {
  return (await api.create('/rotations', { name, shiftLength: 1, ...shape } as CreateBody<'/rotations'>)).id;
}

describe('the schedule of a rotation', () => {
  it('keeps the 09:00 handoff in New York across the spring DST change: that shift is 23 hours', async () => {
    const daily = await rotation('New York daily', { timeZone: 'America/New_York', shiftUnit: 'days', handoffTime: '09:00', startDate: '2026-11-23', participants: ids('Alice', 'Bob', 'Carol') });
    // Clocks go forward on Sunday 2027-03-14 at 02:00. Day 109 after the start date is Bob's (109 % 3 = 1).
    const shifts = await api.get(`/rotations/${daily}/shifts?from=2027-03-13T00:00:00-05:00&to=2027-03-16T00:00:00-04:00`);
    expect(shifts.status).toBe(200);
    expect(shifts.body.from).toBe('2027-03-13T05:00:00.000Z');
    expect(brief(shifts.body.shifts)).toEqual([
      ['2027-03-13T05:00:00.000Z', '2027-03-13T14:00:00.000Z', 'Bob', null],
      ['2027-03-13T14:00:00.000Z', '2027-03-14T13:00:00.000Z', 'Carol', null],
      ['2027-03-14T13:00:00.000Z', '2027-03-15T13:00:00.000Z', 'Alice', null],
      ['2027-03-15T13:00:00.000Z', '2027-03-16T04:00:00.000Z', 'Bob', null],
    ]);
    const sunday = await api.get(`/rotations/${daily}/on-call?at=2027-03-14T08:59:00-04:00`);
    expect(sunday.body.engineer.name).toBe('Carol');
    expect(sunday.body.shift).toEqual({ start: '2027-03-13T14:00:00.000Z', end: '2027-03-14T13:00:00.000Z', overrideId: null });
  });

  it('limits a shifts window to 90 days and wants it to end after it starts', async () => {
    const id = await rotation('Window', { timeZone: 'UTC', shiftUnit: 'hours', handoffTime: '00:00', startDate: '2026-11-23', participants: ids('Alice') });
    const wide = await api.get(`/rotations/${id}/shifts?from=2026-12-01T00:00:00Z&to=2027-03-02T00:00:00Z`);
    expect(wide.status).toBe(422);
    expect(fields(wide.body)).toEqual(['query.to']);
    expect(fields((await api.get(`/rotations/${id}/shifts?from=2026-12-01T00:00:00Z&to=2026-12-01T00:00:00Z`)).body)).toEqual(['query.to']);
    expect(fields((await api.get(`/rotations/${id}/shifts?from=yesterday`)).body)).toEqual(['query.from']);
    expect((await api.get('/rotations/999999/shifts')).status).toBe(404);
    expect((await api.get('/rotations/999999/on-call')).status).toBe(404);
  });

  it('shows nested overrides in on-call and shifts: Bob covers Alice all week, Carol covers Bob on Tuesday', async () => {
    // Weekly from Monday 2026-11-23 09:00 Buenos Aires: Alice, Dave, Alice… the week of 7 December is Alice's.
    const id = await rotation('Covered', { timeZone: 'America/Argentina/Buenos_Aires', shiftUnit: 'weeks', handoffTime: '09:00', startDate: '2026-11-23', participants: ids('Alice', 'Dave') });
    const week = await api.post(`/rotations/${id}/overrides`, { engineerId: people.Bob, replacesEngineerId: people.Alice, startsAt: '2026-12-07T09:00:00-03:00', endsAt: '2026-12-14T09:00:00-03:00' });
    expect(week.status).toBe(201);
    const tuesday = await api.create('/rotations/{id}/overrides', { engineerId: people.Carol!, replacesEngineerId: people.Bob!, startsAt: '2026-12-08T09:00:00-03:00', endsAt: '2026-12-09T09:00:00-03:00' }, { id });

    const onTuesday = await api.get(`/rotations/${id}/on-call?at=2026-12-08T12:00:00-03:00`);
    expect(onTuesday.body).toMatchObject({ engineer: { id: people.Carol, name: 'Carol' }, shift: { start: '2026-12-08T12:00:00.000Z', end: '2026-12-09T12:00:00.000Z', overrideId: tuesday.id } });
    const onThursday = await api.get(`/rotations/${id}/on-call?at=2026-12-10T12:00:00-03:00`);
    expect(onThursday.body).toMatchObject({ engineer: { name: 'Bob' }, shift: { start: '2026-12-09T12:00:00.000Z', end: '2026-12-14T12:00:00.000Z', overrideId: week.body.id } });

    const shifts = await api.get(`/rotations/${id}/shifts?from=2026-12-07T12:00:00Z&to=2026-12-15T12:00:00Z`);
    expect(brief(shifts.body.shifts)).toEqual([
      ['2026-12-07T12:00:00.000Z', '2026-12-08T12:00:00.000Z', 'Bob', week.body.id],
      ['2026-12-08T12:00:00.000Z', '2026-12-09T12:00:00.000Z', 'Carol', tuesday.id],
      ['2026-12-09T12:00:00.000Z', '2026-12-14T12:00:00.000Z', 'Bob', week.body.id],
      ['2026-12-14T12:00:00.000Z', '2026-12-15T12:00:00.000Z', 'Dave', null],
    ]);
    const listed = await api.get(`/rotations/${id}/overrides`);
    expect(listed.body.items.map((o: { id: number }) => o.id)).toEqual([week.body.id, tuesday.id]);
    expect(listed.body.items[1]).toEqual({
      id: tuesday.id,
      rotationId: id,
      rotationName: 'Covered',
      engineerId: people.Carol,
      engineerName: 'Carol',
      replacesEngineerId: people.Bob,
      replacesEngineerName: 'Bob',
      startsAt: '2026-12-08T12:00:00.000Z',
      endsAt: '2026-12-09T12:00:00.000Z',
      createdAt: DEFAULT_TEST_START,
    });

    // Removing one that has not started deletes it; one under way ends now; one that ended stays.
    const removed = await api.del(`/rotations/${id}/overrides/${tuesday.id}`);
    expect(removed.body.outcome).toBe('deleted');
    expect((await api.get(`/rotations/${id}/on-call?at=2026-12-08T12:00:00-03:00`)).body.engineer.name).toBe('Bob');
    s.clock.set('2026-12-10T15:00:00Z');
    const ended = await api.del(`/rotations/${id}/overrides/${week.body.id}`);
    expect(ended.body).toMatchObject({ outcome: 'ended_now', endsAt: '2026-12-10T15:00:00.000Z' });
    expect((await api.get(`/rotations/${id}/on-call?at=2026-12-10T11:59:00-03:00`)).body.engineer.name).toBe('Bob');
    expect((await api.get(`/rotations/${id}/on-call`)).body.engineer.name).toBe('Alice');
    expect((await api.del(`/rotations/${id}/overrides/${week.body.id}`)).status).toBe(409);
    expect((await api.get(`/rotations/${id}/overrides?from=2026-12-10T15:00:00Z`)).body.items).toEqual([]);
  });

  it('validates overrides: unknown engineers are named, a window must end after it starts and not begin in the past', async () => {
    const id = await rotation('Strict', { timeZone: 'UTC', shiftUnit: 'days', handoffTime: '00:00', startDate: '2026-11-23', participants: ids('Alice') });
    const window = { startsAt: at(start + DAY), endsAt: at(start + 2 * DAY) };
    const unknown = await api.post(`/rotations/${id}/overrides`, { engineerId: 999999, replacesEngineerId: 888888, ...window });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors).toEqual([
      { field: 'engineerId', message: 'engineer 999999 does not exist' },
      { field: 'replacesEngineerId', message: 'engineer 888888 does not exist' },
    ]);
    expect(fields((await api.post(`/rotations/${id}/overrides`, { engineerId: people.Bob, replacesEngineerId: people.Bob, ...window })).body)).toEqual(['replacesEngineerId']);
    expect(fields((await api.post(`/rotations/${id}/overrides`, { engineerId: people.Bob, startsAt: window.endsAt, endsAt: window.startsAt })).body)).toEqual(['endsAt']);
    expect(fields((await api.post(`/rotations/${id}/overrides`, { engineerId: people.Bob, startsAt: at(start - DAY), endsAt: window.endsAt })).body)).toEqual(['startsAt']);
    expect(fields((await api.post(`/rotations/${id}/overrides`, { engineerId: 'Bob', startsAt: 'tomorrow', endsAt: window.endsAt })).body)).toEqual(['engineerId', 'startsAt']);
    expect((await api.get(`/rotations/${id}/overrides`)).body.items).toEqual([]);
  });

  it("lists an engineer's own whole shifts across rotations, earliest first", async () => {
    // Daily at 09:00 Buenos Aires (12:00Z) alternating Eve and Finn; in force from now (Monday 15:00Z).
    const daily = await rotation('Daily', { timeZone: 'America/Argentina/Buenos_Aires', shiftUnit: 'days', handoffTime: '09:00', startDate: '2026-11-23', participants: ids('Eve', 'Finn') });
    // Two-day shifts handing off at 21:00 Buenos Aires (00:00Z): Finn from Tuesday 00:00Z, then Eve.
    const nights = await rotation('Nights', { timeZone: 'America/Argentina/Buenos_Aires', shiftUnit: 'days', shiftLength: 2, handoffTime: '21:00', startDate: '2026-11-23', participants: ids('Finn', 'Eve') });

    const mine = await api.get(`/engineers/${people.Eve}/shifts?from=2026-11-24T00:00:00Z&to=2026-11-27T00:00:00Z`);
    expect(mine.status).toBe(200);
    expect(mine.body.shifts).toEqual([
      { rotation: { id: daily, name: 'Daily' }, start: DEFAULT_TEST_START, end: '2026-11-24T12:00:00.000Z', overrideId: null },
      { rotation: { id: daily, name: 'Daily' }, start: '2026-11-25T12:00:00.000Z', end: '2026-11-26T12:00:00.000Z', overrideId: null },
      { rotation: { id: nights, name: 'Nights' }, start: '2026-11-26T00:00:00.000Z', end: '2026-11-28T00:00:00.000Z', overrideId: null },
    ]);
    expect((await api.get(`/engineers/${people.Eve}/shifts?from=2026-11-24T00:00:00Z&to=2027-03-01T00:00:00Z`)).status).toBe(422);
    expect((await api.get('/engineers/999999/shifts')).status).toBe(404);
  });

  it('finds the windows in the next days in which a level of a policy pages nobody', async () => {
    // Gina's rotation has nobody from day 2 to day 3; Ivy's from day 2.5 to day 4.
    const gina = await rotation('Gina alone', { timeZone: 'UTC', shiftUnit: 'days', handoffTime: '00:00', startDate: '2026-11-23', participants: ids('Gina') });
    await api.create('/rotations/{id}/versions', { participants: [], effectiveFrom: at(start + 2 * DAY) }, { id: gina });
    await api.create('/rotations/{id}/versions', { participants: ids('Gina'), effectiveFrom: at(start + 3 * DAY) }, { id: gina });
    const ivy = await rotation('Ivy alone', { timeZone: 'UTC', shiftUnit: 'days', handoffTime: '00:00', startDate: '2026-11-23', participants: ids('Ivy') });
    await api.create('/rotations/{id}/versions', { participants: [], effectiveFrom: at(start + 2.5 * DAY) }, { id: ivy });
    await api.create('/rotations/{id}/versions', { participants: ids('Ivy'), effectiveFrom: at(start + 4 * DAY) }, { id: ivy });
    const policy = await api.create('/escalation-policies', {
      name: 'Thin cover',
      levels: [
        { ackTimeoutSeconds: 300, targets: [{ type: 'rotation', rotationId: gina }] },
        { ackTimeoutSeconds: 300, targets: [{ type: 'rotation', rotationId: gina }, { type: 'engineer', engineerId: people.Hank! }] },
        { ackTimeoutSeconds: 300, targets: [{ type: 'rotation', rotationId: gina }, { type: 'rotation', rotationId: ivy }] },
      ],
    });

    const gaps = await api.get(`/escalation-policies/${policy.id}/gaps`);
    expect(gaps.status).toBe(200);
    expect(gaps.body).toEqual({
      policyId: policy.id,
      from: DEFAULT_TEST_START,
      to: at(start + 7 * DAY),
      levels: [
        { position: 0, gaps: [{ start: at(start + 2 * DAY), end: at(start + 3 * DAY) }] },
        { position: 1, gaps: [] },
        { position: 2, gaps: [{ start: at(start + 2.5 * DAY), end: at(start + 3 * DAY) }] },
      ],
    });
    // An override that fills Gina's gap closes it for the first level.
    await api.create('/rotations/{id}/overrides', { engineerId: people.Hank!, replacesEngineerId: null, startsAt: at(start + 2 * DAY), endsAt: at(start + 3 * DAY) }, { id: gina });
    expect((await api.get(`/escalation-policies/${policy.id}/gaps?days=7`)).body.levels.map((l: { gaps: unknown[] }) => l.gaps)).toEqual([[], [], []]);
    expect(fields((await api.get(`/escalation-policies/${policy.id}/gaps?days=91`)).body)).toEqual(['query.days']);
    expect((await api.get('/escalation-policies/999999/gaps')).status).toBe(404);
  });
});
