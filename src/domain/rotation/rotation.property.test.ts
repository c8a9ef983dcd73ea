import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { nextHandoffs, onCallAt, shiftsBetween, type Override, type Rotation, type RotationVersion, type Shift, type ShiftUnit } from './rotation.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const ZONES = ['America/New_York', 'Europe/Madrid', 'America/Sao_Paulo', 'Australia/Lord_Howe', 'UTC'] as const;
type Zone = (typeof ZONES)[number];

// Offset changes of each zone, so windows and anchors land near them often.
const CHANGES: Record<Zone, string[]> = {
  'America/New_York': ['2024-03-10T07:00:00Z', '2024-11-03T06:00:00Z'],
  'Europe/Madrid': ['2024-03-31T01:00:00Z', '2024-10-27T01:00:00Z'],
  'America/Sao_Paulo': ['2018-02-18T02:00:00Z', '2018-11-04T03:00:00Z'],
  'Australia/Lord_Howe': ['2024-04-06T15:00:00Z', '2024-10-05T15:30:00Z'],
  UTC: ['2024-01-01T00:00:00Z'],
};

const PEOPLE = ['ann', 'bob', 'cat', 'dan'];

/** A duration that is usually whole minutes (to hit handoffs exactly) and sometimes any millisecond. */
const duration = (min: number, max: number) =>
  fc.noBias(
    fc.oneof(
      { weight: 3, arbitrary: fc.integer({ min: Math.ceil(min / 60_000), max: Math.floor(max / 60_000) }).map((m) => m * 60_000) },
      { weight: 1, arbitrary: fc.integer({ min, max }) },
    ),
  );

const handoffTime = fc.oneof(
  fc.constantFrom('00:00', '01:30', '02:00', '02:15', '02:30', '09:00', '23:30'),
  fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`),
);

const cadence: fc.Arbitrary<{ shiftUnit: ShiftUnit; shiftLength: number }> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ shiftUnit: fc.constant<ShiftUnit>('hours'), shiftLength: fc.oneof(fc.constantFrom(1, 8, 12, 24), fc.integer({ min: 1, max: 40 })) }) },
  { weight: 2, arbitrary: fc.record({ shiftUnit: fc.constant<ShiftUnit>('days'), shiftLength: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ shiftUnit: fc.constant<ShiftUnit>('weeks'), shiftLength: fc.integer({ min: 1, max: 2 }) }) },
);

const dateOf = (instant: number) => DateTime.fromMillis(instant, { zone: 'utc' }).toFormat('yyyy-MM-dd');

function versionNear(zone: Zone, center: number): fc.Arbitrary<RotationVersion> {
  return fc
    .record({
      effectiveFrom: duration(-25 * DAY, 5 * DAY),
      timeZone: fc.oneof({ weight: 3, arbitrary: fc.constant(zone) }, { weight: 1, arbitrary: fc.constantFrom(...ZONES) }),
      cadence,
      handoffTime,
      startDay: fc.integer({ min: -30, max: 2 }),
      participants: fc.oneof(
        { weight: 5, arbitrary: fc.array(fc.constantFrom(...PEOPLE), { minLength: 2, maxLength: 4 }) },
        { weight: 1, arbitrary: fc.array(fc.constantFrom(...PEOPLE), { maxLength: 1 }) },
      ),
    })
    .map(({ effectiveFrom, timeZone, cadence, handoffTime, startDay, participants }) => ({
      effectiveFrom: new Date(center + effectiveFrom),
      timeZone,
      ...cadence,
      handoffTime,
      startDate: dateOf(center + startDay * DAY),
      participants,
    }));
}

function overridesNear(center: number): fc.Arbitrary<Override[]> {
  const override = fc
    .record({
      start: duration(-8 * DAY, 8 * DAY),
      length: fc.oneof(duration(1, 5 * DAY), duration(1, 6 * HOUR)),
      engineerId: fc.constantFrom(...PEOPLE, 'eve'),
      replacesEngineerId: fc.option(fc.constantFrom(...PEOPLE), { nil: null }),
    })
    .filter((o) => o.engineerId !== o.replacesEngineerId);
  return fc.array(override, { maxLength: 4 }).map((list) =>
    list.map((o, i) => ({
      id: `o${i}`,
      engineerId: o.engineerId,
      replacesEngineerId: o.replacesEngineerId,
      start: new Date(center + o.start),
      end: new Date(center + o.start + o.length),
    })),
  );
}

interface Scenario {
  rotation: Rotation;
  from: Date;
  to: Date;
  /** Fractions of the window at which to ask who is on call. */
  probes: number[];
}

const scenario: fc.Arbitrary<Scenario> = fc
  .constantFrom(...ZONES)
  .chain((zone) => fc.tuple(fc.constant(zone), fc.constantFrom(...CHANGES[zone]), duration(-2 * DAY, 2 * DAY)))
  .chain(([zone, change, jitter]) => {
    const center = Date.parse(change) + jitter;
    return fc.record({
      rotation: fc.record({ versions: fc.array(versionNear(zone, center), { minLength: 1, maxLength: 3 }), overrides: overridesNear(center) }),
      // Windows usually contain the offset change at the center.
      from: duration(-8 * DAY, 1 * DAY).map((d) => new Date(center + d)),
      length: fc.oneof({ weight: 5, arbitrary: duration(HOUR, 14 * DAY) }, { weight: 1, arbitrary: duration(1, HOUR) }),
      probes: fc.array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), { minLength: 1, maxLength: 8 }),
    });
  })
  .map(({ rotation, from, length, probes }) => ({ rotation, from, to: new Date(from.getTime() + length), probes }));

/** At most `limit` shifts, spread over the list: first, last and evenly between. */
function sample<T>(items: T[], limit: number): T[] {
  if (items.length <= limit) return items;
  const step = (items.length - 1) / (limit - 1);
  return Array.from({ length: limit }, (_, i) => items[Math.round(i * step)] as T);
}

function shiftAt(shifts: Shift[], t: number): Shift | undefined {
  return shifts.find((s) => s.start.getTime() <= t && t < s.end.getTime());
}

/** The override rule restated from the doc comment, to check the engine against. */
function withOverrides(scheduled: string | null, t: number, overrides: Override[]): string | null {
  let onCall = scheduled;
  for (const o of overrides) {
    const inWindow = o.start.getTime() <= t && t < o.end.getTime();
    if (inWindow && (o.replacesEngineerId === null || o.replacesEngineerId === scheduled || o.replacesEngineerId === onCall)) onCall = o.engineerId;
  }
  return onCall;
}

const RUNS = { numRuns: 120 };

describe('shifts of random rotations (zones with DST, versions, overrides)', () => {
  it('cover the window exactly: first starts at from, each ends where the next starts, last ends at to', () => {
    fc.assert(
      fc.property(scenario, ({ rotation, from, to }) => {
        const shifts = shiftsBetween(rotation, from, to);
        expect(shifts[0]?.start).toEqual(from);
        expect(shifts.at(-1)?.end).toEqual(to);
        shifts.forEach((shift, i) => {
          expect(shift.start.getTime()).toBeLessThan(shift.end.getTime());
          const next = shifts[i + 1];
          if (next) {
            expect(next.start.getTime()).toBe(shift.end.getTime());
            // Maximal: neighbours differ in who is on call or in why.
            expect(next.engineerId !== shift.engineerId || next.overrideId !== shift.overrideId).toBe(true);
          }
        });
      }),
      RUNS,
    );
  });

  it('agree with onCallAt at each shift\u2019s start, just before its end, and at random instants', () => {
    fc.assert(
      fc.property(scenario, ({ rotation, from, to, probes }) => {
        const shifts = shiftsBetween(rotation, from, to);
        for (const shift of sample(shifts, 12)) {
          expect(onCallAt(rotation, shift.start)).toBe(shift.engineerId);
          expect(onCallAt(rotation, new Date(shift.end.getTime() - 1))).toBe(shift.engineerId);
        }
        for (const probe of probes) {
          const t = from.getTime() + Math.floor(probe * (to.getTime() - from.getTime()));
          expect(onCallAt(rotation, new Date(t))).toBe(shiftAt(shifts, t)?.engineerId);
        }
      }),
      RUNS,
    );
  });

  it('apply overrides in creation order on top of the schedule, as documented', () => {
    fc.assert(
      fc.property(scenario, ({ rotation, from, to, probes }) => {
        const scheduleOnly = { ...rotation, overrides: [] };
        const instants = [...probes.map((p) => from.getTime() + Math.floor(p * (to.getTime() - from.getTime()))), ...rotation.overrides.map((o) => o.start.getTime())];
        for (const t of instants) {
          expect(onCallAt(rotation, new Date(t))).toBe(withOverrides(onCallAt(scheduleOnly, new Date(t)), t, rotation.overrides));
        }
      }),
      RUNS,
    );
  });

  it('do not depend on the window: two adjacent windows give the same shifts as the whole', () => {
    fc.assert(
      fc.property(scenario, fc.double({ min: 0, max: 1, noNaN: true }), ({ rotation, from, to }, split) => {
        const mid = new Date(from.getTime() + Math.floor(split * (to.getTime() - from.getTime())));
        const joined = [...shiftsBetween(rotation, from, mid), ...shiftsBetween(rotation, mid, to)];
        const merged: Shift[] = [];
        for (const shift of joined) {
          const last = merged.at(-1);
          if (last && last.engineerId === shift.engineerId && last.overrideId === shift.overrideId) last.end = shift.end;
          else merged.push({ ...shift });
        }
        expect(merged).toEqual(shiftsBetween(rotation, from, to));
      }),
      RUNS,
    );
  });

  it('never change who was on call before a new version takes effect', () => {
    fc.assert(
      fc.property(scenario, duration(0, 12 * DAY), ({ rotation, from, to }, offset) => {
        const effectiveFrom = new Date(from.getTime() + offset);
        const changed = { ...rotation, versions: [...rotation.versions, { ...baseVersion, effectiveFrom, participants: ['eve', 'bob'] }] };
        if (effectiveFrom <= from) return;
        const until = effectiveFrom < to ? effectiveFrom : to;
        expect(shiftsBetween(changed, from, until)).toEqual(shiftsBetween(rotation, from, until));
      }),
      RUNS,
    );
  });

  it('announce a handoff exactly where the engineer on call changes', () => {
    fc.assert(
      fc.property(scenario, ({ rotation, from, to }) => {
        const handoffs = nextHandoffs(rotation, from, to);
        for (const handoff of sample(handoffs, 10)) {
          expect(handoff.at.getTime()).toBeGreaterThanOrEqual(from.getTime());
          expect(handoff.at.getTime()).toBeLessThan(to.getTime());
          expect(onCallAt(rotation, handoff.at)).toBe(handoff.incomingEngineerId);
          expect(onCallAt(rotation, new Date(handoff.at.getTime() - 1))).toBe(handoff.outgoingEngineerId);
        }
        const changes = shiftsBetween(rotation, from, to).filter((s, i, all) => i > 0 && all[i - 1]?.engineerId !== s.engineerId);
        const atFrom = onCallAt(rotation, new Date(from.getTime() - 1)) !== onCallAt(rotation, from) ? 1 : 0;
        expect(handoffs).toHaveLength(changes.length + atFrom);
      }),
      RUNS,
    );
  });
});

const baseVersion: RotationVersion = {
  effectiveFrom: new Date('2000-01-01T00:00:00Z'),
  timeZone: 'UTC',
  shiftLength: 1,
  shiftUnit: 'days',
  handoffTime: '09:00',
  startDate: '2017-01-01',
  participants: ['ann'],
};

describe('the schedule of a single version (distinct participants, no overrides)', () => {
  const single = fc
    .constantFrom(...ZONES)
    .chain((zone) => fc.tuple(fc.constant(zone), fc.constantFrom(...CHANGES[zone]), duration(-10 * DAY, 10 * DAY)))
    .chain(([zone, change, jitter]) => {
      const center = Date.parse(change) + jitter;
      return fc.record({
        version: versionNear(zone, center).map((v) => ({ ...v, effectiveFrom: new Date(0), participants: ['ann', 'bob', 'cat'] })),
        from: fc.constant(new Date(center - 20 * DAY)),
        to: fc.constant(new Date(center + 20 * DAY)),
      });
    });

  it('hands over at the handoff time in local days (or at the first valid instant when that time is skipped), in participant order', () => {
    fc.assert(
      fc.property(
        single.filter(({ version }) => version.shiftUnit !== 'hours'),
        ({ version, from, to }) => {
          const handoffs = nextHandoffs({ versions: [version], overrides: [] }, from, to);
          const days = version.shiftUnit === 'weeks' ? version.shiftLength * 7 : version.shiftLength;
          const [hh, mm] = version.handoffTime.split(':').map(Number) as [number, number];
          // Local readings as plain numbers (ms of a UTC-like calendar) so they compare across midnight.
          const wallAt = (instant: number) => {
            const local = DateTime.fromMillis(instant, { zone: version.timeZone });
            return instant + local.offset * 60_000;
          };
          let previousDay: number | undefined;
          for (const handoff of handoffs) {
            const t = handoff.at.getTime();
            const wall = wallAt(t);
            const day = Math.floor(wall / DAY);
            const wanted = day * DAY + (hh * 60 + mm) * 60_000;
            // Either the clock shows the handoff time, or it jumped over it at exactly this instant.
            const onTime = wall === wanted;
            const skipped = wallAt(t - 1) < wanted && wanted < wall;
            expect(onTime || skipped, `${DateTime.fromMillis(t, { zone: version.timeZone }).toISO()} for ${version.handoffTime}`).toBe(true);
            if (previousDay !== undefined) expect(day - previousDay).toBe(days);
            previousDay = day;
          }
          const order = handoffs.filter((h) => h.outgoingEngineerId !== null).map((h) => `${h.outgoingEngineerId}→${h.incomingEngineerId}`);
          for (const step of order) expect(['ann→bob', 'bob→cat', 'cat→ann']).toContain(step);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('hands over every shiftLength absolute hours for hour-length shifts', () => {
    fc.assert(
      fc.property(
        single.filter(({ version }) => version.shiftUnit === 'hours'),
        ({ version, from, to }) => {
          const handoffs = nextHandoffs({ versions: [version], overrides: [] }, from, to);
          handoffs.slice(1).forEach((handoff, i) => {
            expect(handoff.at.getTime() - (handoffs[i] as (typeof handoffs)[number]).at.getTime()).toBe(version.shiftLength * HOUR);
          });
        },
      ),
      { numRuns: 60 },
    );
  });
});
