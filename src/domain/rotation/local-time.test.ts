import fc from 'fast-check';
import { IANAZone } from 'luxon';
import { describe, expect, it } from 'vitest';
import { DAY_MS, MINUTE_MS, instantAtWallTime, isCalendarDate, isTimeOfDay, isTimeZoneName, wallTimeAt } from './local-time.js';

// Offset changes: [zone, the instant of the change].
const CHANGES: [string, string][] = [
  ['America/New_York', '2024-03-10T07:00:00Z'],
  ['America/New_York', '2024-11-03T06:00:00Z'],
  ['Europe/Madrid', '2024-03-31T01:00:00Z'],
  ['Europe/Madrid', '2024-10-27T01:00:00Z'],
  ['America/Sao_Paulo', '2018-02-18T02:00:00Z'],
  ['America/Sao_Paulo', '2018-11-04T03:00:00Z'],
  ['Australia/Lord_Howe', '2024-04-06T15:00:00Z'],
  ['Australia/Lord_Howe', '2024-10-05T15:30:00Z'],
  ['Pacific/Apia', '2011-12-30T10:00:00Z'],
];

describe('turning a local time into an instant', () => {
  it('every local time near an offset change maps to its first occurrence, or to the change itself when it was skipped', () => {
    // Whole minutes hit the edges of gaps and overlaps exactly; milliseconds land anywhere.
    const fromChange = fc.oneof(
      fc.integer({ min: -26 * 60, max: 26 * 60 }).map((minutes) => minutes * MINUTE_MS),
      fc.integer({ min: -26 * 60 * MINUTE_MS, max: 26 * 60 * MINUTE_MS }),
    );
    const nearAChange = fc.tuple(fc.constantFrom(...CHANGES), fromChange).map(([[zone, change], offset]) => {
      const iana = IANAZone.create(zone);
      return { zone: iana, wall: wallTimeAt(iana, Date.parse(change)) + offset };
    });
    fc.assert(
      fc.property(nearAChange, ({ zone, wall }) => {
        const instant = instantAtWallTime(zone, wall);
        // The clock reaches `wall` exactly at `instant`: before it, the clock showed an earlier time.
        expect(wallTimeAt(zone, instant - 1)).toBeLessThan(wall);
        expect(wallTimeAt(zone, instant)).toBeGreaterThanOrEqual(wall);
        // ...and no earlier instant within a day showed it (first occurrence).
        for (let earlier = instant - DAY_MS; earlier < instant; earlier += 15 * MINUTE_MS) {
          expect(wallTimeAt(zone, earlier)).not.toBe(wall);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('a local time that happens once maps back to the instant it was read at', () => {
    const zone = IANAZone.create('America/New_York');
    const instant = Date.parse('2024-07-01T13:45:00Z');
    expect(instantAtWallTime(zone, wallTimeAt(zone, instant))).toBe(instant);
  });
});

describe('recognising rotation settings', () => {
  it('knows real calendar dates written as yyyy-MM-dd', () => {
    expect(isCalendarDate('2024-02-29')).toBe(true);
    expect(isCalendarDate('2023-02-29')).toBe(false);
    expect(isCalendarDate('2024-2-29')).toBe(false);
  });

  it('knows 24-hour HH:mm times', () => {
    expect(['00:00', '09:00', '23:59'].every(isTimeOfDay)).toBe(true);
    expect(['24:00', '9:00', '09:60', '09:00:00', ''].some(isTimeOfDay)).toBe(false);
  });

  it('knows IANA zone names and refuses fixed offsets', () => {
    expect(['America/Argentina/Buenos_Aires', 'Australia/Lord_Howe', 'UTC'].every(isTimeZoneName)).toBe(true);
    expect(['Mars/Olympus', '+03:00', '-0300', ''].some(isTimeZoneName)).toBe(false);
  });
});
