import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  nextHandoffs,
  onCallAt,
  shiftsBetween,
  validateOverride,
  validateRotation,
  validateRotationVersion,
  type Override,
  type Rotation,
  type RotationVersion,
  type Shift,
} from './rotation.js';

/** A version with sensible defaults: daily 09:00 UTC handoffs of ann, bob, cat from 2024-01-01. */
function version(fields: Partial<RotationVersion> = {}): RotationVersion {
  return {
    effectiveFrom: new Date('2000-01-01T00:00:00Z'),
    timeZone: 'UTC',
    shiftLength: 1,
    shiftUnit: 'days',
    handoffTime: '09:00',
    startDate: '2024-01-01',
    participants: ['ann', 'bob', 'cat'],
    ...fields,
  };
}

function rotationOf(versions: RotationVersion[], overrides: Rotation['overrides'] = []): Rotation {
  return { versions, overrides };
}

/** An instant written as an ISO string with its offset, e.g. `2024-03-10T03:00-04:00`. */
function at(iso: string): Date {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new Error(`bad instant in test: ${iso}`);
  return date;
}

/** A local wall time in `zone`, e.g. `local('2024-03-11 09:00', 'America/New_York')`. Only for unambiguous times. */
function local(wall: string, zone: string): Date {
  const dt = DateTime.fromFormat(wall, 'yyyy-MM-dd HH:mm', { zone });
  if (!dt.isValid || dt.toFormat('yyyy-MM-dd HH:mm') !== wall) throw new Error(`not a valid local time in test: ${wall} ${zone}`);
  return dt.toJSDate();
}

/** How a shift reads to a person in `zone`: `bob 2024-03-09 09:00 -05:00 → 2024-03-10 09:00 -04:00 (23h)`. */
function readShifts(shifts: Shift[], zone: string): string[] {
  const show = (date: Date) => DateTime.fromJSDate(date, { zone }).toFormat('yyyy-MM-dd HH:mm ZZ');
  return shifts.map((shift) => {
    const length = (shift.end.getTime() - shift.start.getTime()) / 3_600_000;
    const source = shift.overrideId === undefined ? '' : ` [${shift.overrideId}]`;
    return `${shift.engineerId ?? 'nobody'} ${show(shift.start)} → ${show(shift.end)} (${length}h)${source}`;
  });
}

const BUENOS_AIRES = 'America/Argentina/Buenos_Aires';
const NEW_YORK = 'America/New_York';
const MADRID = 'Europe/Madrid';
const SAO_PAULO = 'America/Sao_Paulo';
const LORD_HOWE = 'Australia/Lord_Howe';

const hours = (n: number) => n * 3_600_000;

describe('the demo rotation "Integrations primary" (weekly, Monday 09:00 Buenos Aires, Eng One then Eng Two)', () => {
  const integrationsPrimary = rotationOf([
    version({
      effectiveFrom: at('2025-01-01T00:00:00Z'),
      timeZone: BUENOS_AIRES,
      shiftLength: 1,
      shiftUnit: 'weeks',
      handoffTime: '09:00',
      startDate: '2025-01-06', // a Monday: weekly handoffs fall on Mondays
      participants: ['eng-one', 'eng-two'],
    }),
  ]);

  it('has nobody on call before the first Monday 09:00 handoff', () => {
    expect(onCallAt(integrationsPrimary, at('2025-01-06T08:59:59.999-03:00'))).toBeNull();
  });

  it('hands over every Monday at 09:00 Buenos Aires time, alternating Eng One and Eng Two', () => {
    expect(onCallAt(integrationsPrimary, at('2025-01-06T09:00-03:00'))).toBe('eng-one');
    expect(onCallAt(integrationsPrimary, at('2025-01-10T23:00-03:00'))).toBe('eng-one');
    expect(onCallAt(integrationsPrimary, at('2025-01-13T08:59:59.999-03:00'))).toBe('eng-one');
    expect(onCallAt(integrationsPrimary, at('2025-01-13T09:00-03:00'))).toBe('eng-two');
    expect(onCallAt(integrationsPrimary, at('2025-01-20T09:00-03:00'))).toBe('eng-one');
  });

  it('lists January as week-long shifts from Monday 09:00 to Monday 09:00', () => {
    const shifts = shiftsBetween(integrationsPrimary, at('2025-01-01T00:00-03:00'), at('2025-02-01T00:00-03:00'));
    expect(readShifts(shifts, BUENOS_AIRES)).toEqual([
      'nobody 2025-01-01 00:00 -03:00 → 2025-01-06 09:00 -03:00 (129h)',
      'eng-one 2025-01-06 09:00 -03:00 → 2025-01-13 09:00 -03:00 (168h)',
      'eng-two 2025-01-13 09:00 -03:00 → 2025-01-20 09:00 -03:00 (168h)',
      'eng-one 2025-01-20 09:00 -03:00 → 2025-01-27 09:00 -03:00 (168h)',
      'eng-two 2025-01-27 09:00 -03:00 → 2025-02-01 00:00 -03:00 (111h)',
    ]);
  });

  it('announces each Monday handoff with the incoming engineer', () => {
    const handoffs = nextHandoffs(integrationsPrimary, at('2025-01-06T09:00-03:00'), at('2025-01-27T09:00-03:00'));
    expect(handoffs).toEqual([
      { at: at('2025-01-06T09:00-03:00'), outgoingEngineerId: null, incomingEngineerId: 'eng-one' },
      { at: at('2025-01-13T09:00-03:00'), outgoingEngineerId: 'eng-one', incomingEngineerId: 'eng-two' },
      { at: at('2025-01-20T09:00-03:00'), outgoingEngineerId: 'eng-two', incomingEngineerId: 'eng-one' },
    ]);
  });
});

describe('daylight saving time', () => {
  const dailyAt = (timeZone: string, handoffTime: string, startDate: string) =>
    rotationOf([version({ timeZone, handoffTime, startDate, shiftUnit: 'days', participants: ['ann', 'bob'] })]);

  // [zone, the local day before the change, the local day after, length of the shift spanning it]
  const changes: [string, string, string, number][] = [
    [NEW_YORK, '2024-03-09', '2024-03-10', 23],
    [NEW_YORK, '2024-11-02', '2024-11-03', 25],
    [MADRID, '2024-03-30', '2024-03-31', 23],
    [MADRID, '2024-10-26', '2024-10-27', 25],
    [SAO_PAULO, '2018-11-03', '2018-11-04', 23],
    [SAO_PAULO, '2018-02-17', '2018-02-18', 25],
    [LORD_HOWE, '2024-10-05', '2024-10-06', 23.5],
    [LORD_HOWE, '2024-04-06', '2024-04-07', 24.5],
  ];

  it.each(changes)(
    'a 09:00 daily handoff stays 09:00 local across the change in %s from %s to %s, so that shift lasts %sh',
    (zone, dayBefore, dayAfter, spanningHours) => {
      const rotation = dailyAt(zone, '09:00', dayBefore);
      const shifts = shiftsBetween(rotation, local(`${dayBefore} 09:00`, zone), local(`${dayAfter} 09:00`, zone));
      expect(shifts.map((s) => s.end.getTime() - s.start.getTime())).toEqual([hours(spanningHours)]);

      const week = shiftsBetween(rotation, local(`${dayBefore} 09:00`, zone), new Date(local(`${dayBefore} 09:00`, zone).getTime() + hours(24 * 7)));
      for (const shift of week.slice(1)) {
        expect(readShifts([shift], zone)[0]).toMatch(/^\S+ \d{4}-\d{2}-\d{2} 09:00 /);
      }
      expect(week.map((s) => s.engineerId).slice(0, 4)).toEqual(['ann', 'bob', 'ann', 'bob']);
    },
  );

  it('a 09:00 daily handoff stays 09:00 local across the March change in America/New_York', () => {
    const rotation = rotationOf([version({ timeZone: NEW_YORK, startDate: '2024-03-01' })]);
    expect(readShifts(shiftsBetween(rotation, at('2024-03-09T09:00-05:00'), at('2024-03-12T09:00-04:00')), NEW_YORK)).toEqual([
      'cat 2024-03-09 09:00 -05:00 → 2024-03-10 09:00 -04:00 (23h)',
      'ann 2024-03-10 09:00 -04:00 → 2024-03-11 09:00 -04:00 (24h)',
      'bob 2024-03-11 09:00 -04:00 → 2024-03-12 09:00 -04:00 (24h)',
    ]);
    expect(onCallAt(rotation, at('2024-03-10T08:59:59.999-04:00'))).toBe('cat');
    expect(onCallAt(rotation, at('2024-03-10T09:00-04:00'))).toBe('ann');
  });

  it('a 09:00 daily handoff stays 09:00 local across the November change in America/New_York', () => {
    const rotation = rotationOf([version({ timeZone: NEW_YORK, startDate: '2024-11-01' })]);
    expect(readShifts(shiftsBetween(rotation, at('2024-11-02T09:00-04:00'), at('2024-11-04T09:00-05:00')), NEW_YORK)).toEqual([
      'bob 2024-11-02 09:00 -04:00 → 2024-11-03 09:00 -05:00 (25h)',
      'cat 2024-11-03 09:00 -05:00 → 2024-11-04 09:00 -05:00 (24h)',
    ]);
  });

  it('a weekly Monday 09:00 handoff in Madrid stays 09:00 and the week with the March change lasts 167h, October 169h', () => {
    const rotation = rotationOf([version({ timeZone: MADRID, shiftUnit: 'weeks', startDate: '2024-03-04', participants: ['ann', 'bob'] })]);
    expect(readShifts(shiftsBetween(rotation, at('2024-03-25T09:00+01:00'), at('2024-04-08T09:00+02:00')), MADRID)).toEqual([
      'bob 2024-03-25 09:00 +01:00 → 2024-04-01 09:00 +02:00 (167h)',
      'ann 2024-04-01 09:00 +02:00 → 2024-04-08 09:00 +02:00 (168h)',
    ]);
    expect(readShifts(shiftsBetween(rotation, at('2024-10-21T09:00+02:00'), at('2024-10-28T09:00+01:00')), MADRID)).toEqual([
      'bob 2024-10-21 09:00 +02:00 → 2024-10-28 09:00 +01:00 (169h)',
    ]);
  });

  it('a fortnightly rotation keeps its Monday 09:00 handoffs in New York through a whole year of changes', () => {
    const rotation = rotationOf([version({ timeZone: NEW_YORK, shiftLength: 2, shiftUnit: 'weeks', startDate: '2024-01-01', participants: ['ann', 'bob'] })]);
    const handoffs = nextHandoffs(rotation, at('2024-01-01T00:00-05:00'), at('2025-01-01T00:00-05:00'));
    expect(handoffs).toHaveLength(27);
    const readings = readShifts(shiftsBetween(rotation, at('2024-01-01T09:00-05:00'), at('2024-12-30T09:00-05:00')), NEW_YORK);
    expect(readings.every((line) => / 09:00 [+-]\d\d:\d\d → \d{4}-\d{2}-\d{2} 09:00 /.test(line))).toBe(true);
    expect(new Set(handoffs.map((h) => h.at.getUTCDay()))).toEqual(new Set([1]));
  });

  describe('a handoff time that does not exist that day happens at the first valid instant after it', () => {
    it('a 02:30 handoff in New York on the spring-forward day happens at 03:00 EDT', () => {
      const rotation = rotationOf([version({ timeZone: NEW_YORK, handoffTime: '02:30', startDate: '2024-03-09', participants: ['ann', 'bob'] })]);
      expect(readShifts(shiftsBetween(rotation, at('2024-03-09T02:30-05:00'), at('2024-03-11T02:30-04:00')), NEW_YORK)).toEqual([
        'ann 2024-03-09 02:30 -05:00 → 2024-03-10 03:00 -04:00 (23.5h)',
        'bob 2024-03-10 03:00 -04:00 → 2024-03-11 02:30 -04:00 (23.5h)',
      ]);
      expect(onCallAt(rotation, at('2024-03-10T01:59:59.999-05:00'))).toBe('ann');
      expect(onCallAt(rotation, at('2024-03-10T03:00-04:00'))).toBe('bob');
    });

    it('a 02:30 handoff in Madrid on the last Sunday of March happens at 03:00 CEST', () => {
      const rotation = rotationOf([version({ timeZone: MADRID, handoffTime: '02:30', startDate: '2024-03-31', participants: ['ann', 'bob'] })]);
      expect(nextHandoffs(rotation, at('2024-03-30T00:00Z'), at('2024-04-02T00:00Z'))).toEqual([
        { at: at('2024-03-31T03:00+02:00'), outgoingEngineerId: null, incomingEngineerId: 'ann' },
        { at: at('2024-04-01T02:30+02:00'), outgoingEngineerId: 'ann', incomingEngineerId: 'bob' },
      ]);
    });

    it('a midnight handoff in São Paulo on 2018-11-04, when midnight was skipped, happens at 01:00 -02:00', () => {
      const rotation = rotationOf([version({ timeZone: SAO_PAULO, handoffTime: '00:00', startDate: '2018-11-03', participants: ['ann', 'bob'] })]);
      expect(readShifts(shiftsBetween(rotation, at('2018-11-03T00:00-03:00'), at('2018-11-05T00:00-02:00')), SAO_PAULO)).toEqual([
        'ann 2018-11-03 00:00 -03:00 → 2018-11-04 01:00 -02:00 (24h)',
        'bob 2018-11-04 01:00 -02:00 → 2018-11-05 00:00 -02:00 (23h)',
      ]);
    });

    it('a 02:15 handoff on Lord Howe Island on the half-hour spring-forward day happens at 02:30 +11:00', () => {
      const rotation = rotationOf([version({ timeZone: LORD_HOWE, handoffTime: '02:15', startDate: '2024-10-05', participants: ['ann', 'bob'] })]);
      expect(readShifts(shiftsBetween(rotation, at('2024-10-05T02:15+10:30'), at('2024-10-07T02:15+11:00')), LORD_HOWE)).toEqual([
        'ann 2024-10-05 02:15 +10:30 → 2024-10-06 02:30 +11:00 (23.75h)',
        'bob 2024-10-06 02:30 +11:00 → 2024-10-07 02:15 +11:00 (23.75h)',
      ]);
    });

    it('the anchor itself moves to the first valid instant when the start date skips the handoff time', () => {
      const rotation = rotationOf([version({ timeZone: NEW_YORK, shiftUnit: 'hours', shiftLength: 8, handoffTime: '02:30', startDate: '2024-03-10' })]);
      expect(onCallAt(rotation, at('2024-03-10T01:59:59.999-05:00'))).toBeNull();
      expect(onCallAt(rotation, at('2024-03-10T03:00-04:00'))).toBe('ann');
      expect(onCallAt(rotation, at('2024-03-10T11:00-04:00'))).toBe('bob');
    });
  });

  describe('a handoff time that happens twice that day happens at its first occurrence (the earlier offset)', () => {
    it('a 01:30 handoff in New York on the fall-back day happens at 01:30 EDT, making that shift 25h', () => {
      const rotation = rotationOf([version({ timeZone: NEW_YORK, handoffTime: '01:30', startDate: '2024-11-02', participants: ['ann', 'bob'] })]);
      expect(readShifts(shiftsBetween(rotation, at('2024-11-02T01:30-04:00'), at('2024-11-04T01:30-05:00')), NEW_YORK)).toEqual([
        'ann 2024-11-02 01:30 -04:00 → 2024-11-03 01:30 -04:00 (24h)',
        'bob 2024-11-03 01:30 -04:00 → 2024-11-04 01:30 -05:00 (25h)',
      ]);
      expect(onCallAt(rotation, at('2024-11-03T01:30-05:00'))).toBe('bob');
    });

    it('a 02:30 handoff in Madrid on the last Sunday of October happens at 02:30 CEST', () => {
      const rotation = rotationOf([version({ timeZone: MADRID, handoffTime: '02:30', startDate: '2024-10-26', participants: ['ann', 'bob'] })]);
      expect(readShifts(shiftsBetween(rotation, at('2024-10-26T02:30+02:00'), at('2024-10-28T02:30+01:00')), MADRID)).toEqual([
        'ann 2024-10-26 02:30 +02:00 → 2024-10-27 02:30 +02:00 (24h)',
        'bob 2024-10-27 02:30 +02:00 → 2024-10-28 02:30 +01:00 (25h)',
      ]);
    });

    it('a 23:30 handoff in São Paulo on 2018-02-17, when 23:00–24:00 happened twice, happens at 23:30 -02:00', () => {
      const rotation = rotationOf([version({ timeZone: SAO_PAULO, handoffTime: '23:30', startDate: '2018-02-16', participants: ['ann', 'bob'] })]);
      expect(readShifts(shiftsBetween(rotation, at('2018-02-16T23:30-02:00'), at('2018-02-18T23:30-03:00')), SAO_PAULO)).toEqual([
        'ann 2018-02-16 23:30 -02:00 → 2018-02-17 23:30 -02:00 (24h)',
        'bob 2018-02-17 23:30 -02:00 → 2018-02-18 23:30 -03:00 (25h)',
      ]);
    });

    it('a 01:45 handoff on Lord Howe Island on the half-hour fall-back day happens at 01:45 +11:00', () => {
      const rotation = rotationOf([version({ timeZone: LORD_HOWE, handoffTime: '01:45', startDate: '2024-04-06', participants: ['ann', 'bob'] })]);
      expect(readShifts(shiftsBetween(rotation, at('2024-04-06T01:45+11:00'), at('2024-04-08T01:45+10:30')), LORD_HOWE)).toEqual([
        'ann 2024-04-06 01:45 +11:00 → 2024-04-07 01:45 +11:00 (24h)',
        'bob 2024-04-07 01:45 +11:00 → 2024-04-08 01:45 +10:30 (24.5h)',
      ]);
    });
  });

  it('12-hour shifts stay 12 hours long across the March change in New York, so local handoffs move from 08:00/20:00 to 09:00/21:00', () => {
    const rotation = rotationOf([
      version({ timeZone: NEW_YORK, shiftUnit: 'hours', shiftLength: 12, handoffTime: '08:00', startDate: '2024-03-09', participants: ['ann', 'bob'] }),
    ]);
    expect(readShifts(shiftsBetween(rotation, at('2024-03-09T08:00-05:00'), at('2024-03-10T21:00-04:00')), NEW_YORK)).toEqual([
      'ann 2024-03-09 08:00 -05:00 → 2024-03-09 20:00 -05:00 (12h)',
      'bob 2024-03-09 20:00 -05:00 → 2024-03-10 09:00 -04:00 (12h)',
      'ann 2024-03-10 09:00 -04:00 → 2024-03-10 21:00 -04:00 (12h)',
    ]);
  });

  it('hourly shifts across the Lord Howe fall-back give the repeated half hour to whoever is on call then, every shift 1h', () => {
    const rotation = rotationOf([
      version({ timeZone: LORD_HOWE, shiftUnit: 'hours', shiftLength: 1, handoffTime: '00:00', startDate: '2024-04-07', participants: ['ann', 'bob'] }),
    ]);
    expect(readShifts(shiftsBetween(rotation, at('2024-04-07T00:00+11:00'), at('2024-04-07T03:00+10:30')), LORD_HOWE)).toEqual([
      'ann 2024-04-07 00:00 +11:00 → 2024-04-07 01:00 +11:00 (1h)',
      'bob 2024-04-07 01:00 +11:00 → 2024-04-07 01:30 +10:30 (1h)',
      'ann 2024-04-07 01:30 +10:30 → 2024-04-07 02:30 +10:30 (1h)',
      'bob 2024-04-07 02:30 +10:30 → 2024-04-07 03:00 +10:30 (0.5h)',
    ]);
  });

  it('a day that never happened (Samoa skipped 2011-12-30) gives that day\u2019s midnight shift to nobody and carries on', () => {
    const rotation = rotationOf([version({ timeZone: 'Pacific/Apia', handoffTime: '00:00', startDate: '2011-12-28', participants: ['ann', 'bob', 'cat', 'dan'] })]);
    // 12-29 is bob's; 12-30 (cat's) never existed, so bob hands straight to dan at 12-31 00:00.
    expect(readShifts(shiftsBetween(rotation, at('2011-12-29T00:00-10:00'), at('2012-01-01T00:00+14:00')), 'Pacific/Apia')).toEqual([
      'bob 2011-12-29 00:00 -10:00 → 2011-12-31 00:00 +14:00 (24h)',
      'dan 2011-12-31 00:00 +14:00 → 2012-01-01 00:00 +14:00 (24h)',
    ]);
    expect(onCallAt(rotation, at('2011-12-29T23:59:59.999-10:00'))).toBe('bob');
    expect(onCallAt(rotation, at('2011-12-31T00:00+14:00'))).toBe('dan');
  });
});

describe('overrides', () => {
  // Daily 09:00 UTC: ann on Jan 1, bob on Jan 2, cat on Jan 3, ann on Jan 4, ...
  const base = version();
  const override = (id: string, engineerId: string, replacesEngineerId: string | null, start: string, end: string): Override => ({
    id,
    engineerId,
    replacesEngineerId,
    start: at(start),
    end: at(end),
  });
  const shiftsOf = (overrides: Override[], from: string, to: string) => readShifts(shiftsBetween(rotationOf([base], overrides), at(from), at(to)), 'UTC');

  it('someone covering the whole rotation is on call whoever is scheduled, across a handoff', () => {
    const cover = override('o1', 'dan', null, '2024-01-01T21:00Z', '2024-01-02T21:00Z');
    expect(shiftsOf([cover], '2024-01-01T09:00Z', '2024-01-03T09:00Z')).toEqual([
      'ann 2024-01-01 09:00 +00:00 → 2024-01-01 21:00 +00:00 (12h)',
      'dan 2024-01-01 21:00 +00:00 → 2024-01-02 21:00 +00:00 (24h) [o1]',
      'bob 2024-01-02 21:00 +00:00 → 2024-01-03 09:00 +00:00 (12h)',
    ]);
    expect(onCallAt(rotationOf([base], [cover]), at('2024-01-02T20:59:59.999Z'))).toBe('dan');
    expect(onCallAt(rotationOf([base], [cover]), at('2024-01-02T21:00Z'))).toBe('bob');
  });

  it('someone covering a specific engineer takes only that engineer\u2019s hours inside the window', () => {
    const cover = override('o1', 'dan', 'bob', '2024-01-01T00:00Z', '2024-01-04T00:00Z');
    expect(shiftsOf([cover], '2024-01-01T09:00Z', '2024-01-04T09:00Z')).toEqual([
      'ann 2024-01-01 09:00 +00:00 → 2024-01-02 09:00 +00:00 (24h)',
      'dan 2024-01-02 09:00 +00:00 → 2024-01-03 09:00 +00:00 (24h) [o1]',
      'cat 2024-01-03 09:00 +00:00 → 2024-01-04 09:00 +00:00 (24h)',
    ]);
  });

  it('a cover for someone who is not on call in its window changes nothing', () => {
    const cover = override('o1', 'dan', 'zed', '2024-01-01T00:00Z', '2024-01-04T00:00Z');
    expect(shiftsOf([cover], '2024-01-01T09:00Z', '2024-01-03T09:00Z')).toEqual(shiftsOf([], '2024-01-01T09:00Z', '2024-01-03T09:00Z'));
  });

  it('a later override inside an earlier one wins in its window, and the earlier one resumes after it', () => {
    const bobAway = override('o1', 'dan', 'bob', '2024-01-02T00:00Z', '2024-01-03T00:00Z');
    const danBreak = override('o2', 'eve', 'dan', '2024-01-02T12:00Z', '2024-01-02T14:00Z');
    expect(shiftsOf([bobAway, danBreak], '2024-01-02T09:00Z', '2024-01-03T09:00Z')).toEqual([
      'dan 2024-01-02 09:00 +00:00 → 2024-01-02 12:00 +00:00 (3h) [o1]',
      'eve 2024-01-02 12:00 +00:00 → 2024-01-02 14:00 +00:00 (2h) [o2]',
      'dan 2024-01-02 14:00 +00:00 → 2024-01-03 00:00 +00:00 (10h) [o1]',
      'bob 2024-01-03 00:00 +00:00 → 2024-01-03 09:00 +00:00 (9h)',
    ]);
  });

  it('a later cover for the scheduled engineer wins even while someone else already covers them', () => {
    const danForBob = override('o1', 'dan', 'bob', '2024-01-02T09:00Z', '2024-01-03T09:00Z');
    const eveForBob = override('o2', 'eve', 'bob', '2024-01-02T12:00Z', '2024-01-02T14:00Z');
    const rotation = rotationOf([base], [danForBob, eveForBob]);
    expect(onCallAt(rotation, at('2024-01-02T13:00Z'))).toBe('eve');
    expect(onCallAt(rotation, at('2024-01-02T14:00Z'))).toBe('dan');
  });

  it('an earlier override inside a later one is hidden by it: precedence is creation order, not size', () => {
    const short = override('o1', 'eve', null, '2024-01-02T12:00Z', '2024-01-02T14:00Z');
    const long = override('o2', 'dan', null, '2024-01-02T10:00Z', '2024-01-02T16:00Z');
    expect(shiftsOf([short, long], '2024-01-02T09:00Z', '2024-01-02T18:00Z')).toEqual([
      'bob 2024-01-02 09:00 +00:00 → 2024-01-02 10:00 +00:00 (1h)',
      'dan 2024-01-02 10:00 +00:00 → 2024-01-02 16:00 +00:00 (6h) [o2]',
      'bob 2024-01-02 16:00 +00:00 → 2024-01-02 18:00 +00:00 (2h)',
    ]);
    expect(shiftsOf([long, short], '2024-01-02T09:00Z', '2024-01-02T18:00Z')).toEqual([
      'bob 2024-01-02 09:00 +00:00 → 2024-01-02 10:00 +00:00 (1h)',
      'dan 2024-01-02 10:00 +00:00 → 2024-01-02 12:00 +00:00 (2h) [o2]',
      'eve 2024-01-02 12:00 +00:00 → 2024-01-02 14:00 +00:00 (2h) [o1]',
      'dan 2024-01-02 14:00 +00:00 → 2024-01-02 16:00 +00:00 (2h) [o2]',
      'bob 2024-01-02 16:00 +00:00 → 2024-01-02 18:00 +00:00 (2h)',
    ]);
  });

  it('an override for the whole rotation fills a time when nobody is scheduled', () => {
    const rotation = rotationOf([version({ startDate: '2024-01-05' })], [override('o1', 'dan', null, '2024-01-04T00:00Z', '2024-01-05T12:00Z')]);
    expect(readShifts(shiftsBetween(rotation, at('2024-01-03T00:00Z'), at('2024-01-06T09:00Z')), 'UTC')).toEqual([
      'nobody 2024-01-03 00:00 +00:00 → 2024-01-04 00:00 +00:00 (24h)',
      'dan 2024-01-04 00:00 +00:00 → 2024-01-05 12:00 +00:00 (36h) [o1]',
      'ann 2024-01-05 12:00 +00:00 → 2024-01-06 09:00 +00:00 (21h)',
    ]);
  });

  it('an override that puts the scheduled engineer on call shows as its own shift but is not a handoff', () => {
    const annCovers = override('o1', 'ann', null, '2024-01-02T09:00Z', '2024-01-03T09:00Z');
    const rotation = rotationOf([base], [annCovers]);
    expect(shiftsOf([annCovers], '2024-01-01T09:00Z', '2024-01-03T09:00Z')).toEqual([
      'ann 2024-01-01 09:00 +00:00 → 2024-01-02 09:00 +00:00 (24h)',
      'ann 2024-01-02 09:00 +00:00 → 2024-01-03 09:00 +00:00 (24h) [o1]',
    ]);
    expect(nextHandoffs(rotation, at('2024-01-01T10:00Z'), at('2024-01-03T10:00Z'))).toEqual([
      { at: at('2024-01-03T09:00Z'), outgoingEngineerId: 'ann', incomingEngineerId: 'cat' },
    ]);
  });

  it('a handoff notice names the override that brings the incoming engineer', () => {
    const rotation = rotationOf([base], [override('o1', 'dan', 'bob', '2024-01-02T12:00Z', '2024-01-02T14:00Z')]);
    expect(nextHandoffs(rotation, at('2024-01-02T10:00Z'), at('2024-01-02T18:00Z'))).toEqual([
      { at: at('2024-01-02T12:00Z'), outgoingEngineerId: 'bob', incomingEngineerId: 'dan', overrideId: 'o1' },
      { at: at('2024-01-02T14:00Z'), outgoingEngineerId: 'dan', incomingEngineerId: 'bob' },
    ]);
  });
});

describe('merging and clipping', () => {
  it('a rotation of one engineer is one long shift, not a series of handoffs to the same person', () => {
    const rotation = rotationOf([version({ participants: ['ann'] })]);
    expect(readShifts(shiftsBetween(rotation, at('2024-01-02T00:00Z'), at('2024-01-05T00:00Z')), 'UTC')).toEqual([
      'ann 2024-01-02 00:00 +00:00 → 2024-01-05 00:00 +00:00 (72h)',
    ]);
    expect(nextHandoffs(rotation, at('2024-01-02T00:00Z'), at('2024-01-05T00:00Z'))).toEqual([]);
  });

  it('shifts are clipped to the window asked for, and an empty or reversed window has no shifts', () => {
    const rotation = rotationOf([version()]);
    expect(readShifts(shiftsBetween(rotation, at('2024-01-01T12:00Z'), at('2024-01-02T10:00Z')), 'UTC')).toEqual([
      'ann 2024-01-01 12:00 +00:00 → 2024-01-02 09:00 +00:00 (21h)',
      'bob 2024-01-02 09:00 +00:00 → 2024-01-02 10:00 +00:00 (1h)',
    ]);
    expect(shiftsBetween(rotation, at('2024-01-02T00:00Z'), at('2024-01-02T00:00Z'))).toEqual([]);
    expect(shiftsBetween(rotation, at('2024-01-03T00:00Z'), at('2024-01-02T00:00Z'))).toEqual([]);
  });

  it('a handoff exactly at the start of the window is announced, one exactly at its end is not', () => {
    const rotation = rotationOf([version()]);
    expect(nextHandoffs(rotation, at('2024-01-02T09:00Z'), at('2024-01-03T09:00Z'))).toEqual([
      { at: at('2024-01-02T09:00Z'), outgoingEngineerId: 'ann', incomingEngineerId: 'bob' },
    ]);
  });

  it('tolerates stored oddities that validation refuses on input, such as someone covering themselves', () => {
    const odd: Override = { id: 'o1', engineerId: 'bob', replacesEngineerId: 'bob', start: at('2024-01-02T10:00Z'), end: at('2024-01-02T11:00Z') };
    expect(onCallAt(rotationOf([version({ participants: ['ann', ''] })], [odd]), at('2024-01-02T10:30Z'))).toBe('');
    expect(onCallAt(rotationOf([version()], [odd]), at('2024-01-02T10:30Z'))).toBe('bob');
  });

  it('refuses an invalid instant rather than answering for it', () => {
    expect(() => onCallAt(rotationOf([version()]), new Date(Number.NaN))).toThrow(RangeError);
    expect(() => shiftsBetween(rotationOf([version({ timeZone: 'Mars/Olympus' })]), at('2024-01-01T00:00Z'), at('2024-01-02T00:00Z'))).toThrow(
      /timeZone unknown_time_zone/,
    );
  });
});

describe('changing a rotation', () => {
  const v1 = version({ effectiveFrom: at('2024-01-01T00:00Z'), participants: ['ann', 'bob'] });

  it('adding a participant takes effect from its instant and keeps who was on call before it', () => {
    const withCat = version({ effectiveFrom: at('2024-01-10T12:00Z'), participants: ['ann', 'bob', 'cat'] });
    const before = rotationOf([v1]);
    const after = rotationOf([v1, withCat]);
    // Jan 10 09:00 starts shift 9: bob under [ann, bob], ann under [ann, bob, cat].
    expect(shiftsBetween(after, at('2024-01-01T00:00Z'), at('2024-01-10T12:00Z'))).toEqual(
      shiftsBetween(before, at('2024-01-01T00:00Z'), at('2024-01-10T12:00Z')),
    );
    expect(readShifts(shiftsBetween(after, at('2024-01-10T09:00Z'), at('2024-01-12T09:00Z')), 'UTC')).toEqual([
      'bob 2024-01-10 09:00 +00:00 → 2024-01-10 12:00 +00:00 (3h)',
      'ann 2024-01-10 12:00 +00:00 → 2024-01-11 09:00 +00:00 (21h)',
      'bob 2024-01-11 09:00 +00:00 → 2024-01-12 09:00 +00:00 (24h)',
    ]);
    expect(onCallAt(after, at('2024-01-10T11:59:59.999Z'))).toBe('bob');
    expect(onCallAt(after, at('2024-01-10T12:00Z'))).toBe('ann');
  });

  it('removing a participant and reordering the rest takes effect from its instant', () => {
    const rotation = rotationOf([
      version({ effectiveFrom: at('2024-01-01T00:00Z'), participants: ['ann', 'bob', 'cat'] }),
      version({ effectiveFrom: at('2024-01-04T09:00Z'), participants: ['cat', 'ann'] }),
    ]);
    expect(shiftsBetween(rotation, at('2024-01-01T09:00Z'), at('2024-01-07T09:00Z')).map((s) => s.engineerId)).toEqual([
      'ann',
      'bob',
      'cat',
      'ann', // shift 3 under [cat, ann]
      'cat',
      'ann',
    ]);
  });

  it('changing the time zone and handoff time takes effect from its instant; nobody is on before the new anchor', () => {
    const rotation = rotationOf([
      v1,
      version({ effectiveFrom: at('2024-01-10T00:00Z'), timeZone: MADRID, handoffTime: '18:00', startDate: '2024-01-10', participants: ['cat', 'dan'] }),
    ]);
    expect(readShifts(shiftsBetween(rotation, at('2024-01-09T09:00Z'), at('2024-01-12T17:00Z')), 'UTC')).toEqual([
      'ann 2024-01-09 09:00 +00:00 → 2024-01-10 00:00 +00:00 (15h)',
      'nobody 2024-01-10 00:00 +00:00 → 2024-01-10 17:00 +00:00 (17h)',
      'cat 2024-01-10 17:00 +00:00 → 2024-01-11 17:00 +00:00 (24h)',
      'dan 2024-01-11 17:00 +00:00 → 2024-01-12 17:00 +00:00 (24h)',
    ]);
  });

  it('changing the shift length keeps counting from the anchor of the new version', () => {
    const rotation = rotationOf([v1, version({ effectiveFrom: at('2024-01-05T09:00Z'), shiftUnit: 'hours', shiftLength: 12, participants: ['ann', 'bob'] })]);
    // Jan 5 09:00 is 96 hours (shift 8, ann) after the Jan 1 09:00 anchor.
    expect(readShifts(shiftsBetween(rotation, at('2024-01-04T09:00Z'), at('2024-01-06T09:00Z')), 'UTC')).toEqual([
      'bob 2024-01-04 09:00 +00:00 → 2024-01-05 09:00 +00:00 (24h)',
      'ann 2024-01-05 09:00 +00:00 → 2024-01-05 21:00 +00:00 (12h)',
      'bob 2024-01-05 21:00 +00:00 → 2024-01-06 09:00 +00:00 (12h)',
    ]);
  });

  it('a version with no participants leaves nobody on call until the next version, and says so in handoffs', () => {
    const rotation = rotationOf([
      v1,
      version({ effectiveFrom: at('2024-01-05T00:00Z'), participants: [] }),
      version({ effectiveFrom: at('2024-01-07T09:00Z'), participants: ['ann', 'bob'] }),
    ]);
    expect(onCallAt(rotation, at('2024-01-06T00:00Z'))).toBeNull();
    expect(readShifts(shiftsBetween(rotation, at('2024-01-04T09:00Z'), at('2024-01-08T09:00Z')), 'UTC')).toEqual([
      'bob 2024-01-04 09:00 +00:00 → 2024-01-05 00:00 +00:00 (15h)',
      'nobody 2024-01-05 00:00 +00:00 → 2024-01-07 09:00 +00:00 (57h)',
      'ann 2024-01-07 09:00 +00:00 → 2024-01-08 09:00 +00:00 (24h)',
    ]);
    expect(nextHandoffs(rotation, at('2024-01-04T12:00Z'), at('2024-01-08T00:00Z'))).toEqual([
      { at: at('2024-01-05T00:00Z'), outgoingEngineerId: 'bob', incomingEngineerId: null },
      { at: at('2024-01-07T09:00Z'), outgoingEngineerId: null, incomingEngineerId: 'ann' },
    ]);
  });

  it('nobody is on call before the first version takes effect, nor before its anchor', () => {
    const rotation = rotationOf([version({ effectiveFrom: at('2024-01-03T00:00Z'), startDate: '2024-01-01' })]);
    expect(onCallAt(rotation, at('2024-01-02T23:59:59.999Z'))).toBeNull();
    expect(onCallAt(rotation, at('2024-01-03T00:00Z'))).toBe('bob');
    const later = rotationOf([version({ effectiveFrom: at('2024-01-01T00:00Z'), startDate: '2024-01-03' })]);
    expect(onCallAt(later, at('2024-01-03T08:59:59.999Z'))).toBeNull();
    expect(onCallAt(later, at('2024-01-03T09:00Z'))).toBe('ann');
    expect(shiftsBetween(rotationOf([]), at('2024-01-01T00:00Z'), at('2024-01-02T00:00Z'))).toEqual([
      { engineerId: null, start: at('2024-01-01T00:00Z'), end: at('2024-01-02T00:00Z') },
    ]);
  });

  it('versions listed in any order give the same answers', () => {
    const v2 = version({ effectiveFrom: at('2024-01-05T00:00Z'), participants: ['cat'] });
    const v3 = version({ effectiveFrom: at('2024-01-08T00:00Z'), participants: ['dan', 'eve'] });
    const window = [at('2023-12-30T00:00Z'), at('2024-01-12T00:00Z')] as const;
    expect(shiftsBetween(rotationOf([v3, v1, v2]), ...window)).toEqual(shiftsBetween(rotationOf([v1, v2, v3]), ...window));
  });

  it('of two versions effective at the same instant, the one listed later wins', () => {
    const first = version({ effectiveFrom: at('2024-01-05T00:00Z'), participants: ['cat'] });
    const second = version({ effectiveFrom: at('2024-01-05T00:00Z'), participants: ['dan'] });
    expect(onCallAt(rotationOf([v1, first, second]), at('2024-01-06T00:00Z'))).toBe('dan');
  });

  it('a version change that leaves the same engineer on call does not split their shift', () => {
    const rotation = rotationOf([v1, version({ effectiveFrom: at('2024-01-01T12:00Z'), participants: ['ann', 'cat'] })]);
    expect(readShifts(shiftsBetween(rotation, at('2024-01-01T09:00Z'), at('2024-01-03T09:00Z')), 'UTC')).toEqual([
      'ann 2024-01-01 09:00 +00:00 → 2024-01-02 09:00 +00:00 (24h)',
      'cat 2024-01-02 09:00 +00:00 → 2024-01-03 09:00 +00:00 (24h)',
    ]);
  });
});

describe('validation', () => {
  const good = version();
  const bad: [string, Partial<RotationVersion>, string, string][] = [
    ['an unknown time zone', { timeZone: 'Mars/Olympus' }, 'timeZone', 'unknown_time_zone'],
    ['a fixed offset instead of a zone', { timeZone: '+03:00' }, 'timeZone', 'unknown_time_zone'],
    ['a handoff time past 23:59', { handoffTime: '24:00' }, 'handoffTime', 'invalid_time_of_day'],
    ['a handoff time without minutes', { handoffTime: '9' }, 'handoffTime', 'invalid_time_of_day'],
    ['a handoff time with seconds', { handoffTime: '09:00:00' }, 'handoffTime', 'invalid_time_of_day'],
    ['a zero shift length', { shiftLength: 0 }, 'shiftLength', 'out_of_range'],
    ['a fractional shift length', { shiftLength: 1.5 }, 'shiftLength', 'not_a_whole_number'],
    ['an absurdly long shift', { shiftLength: 5000 }, 'shiftLength', 'out_of_range'],
    ['an unknown unit', { shiftUnit: 'months' as never }, 'shiftUnit', 'unknown_shift_unit'],
    ['a start date that is not a date', { startDate: '2024-02-30' }, 'startDate', 'invalid_date'],
    ['a start date in another format', { startDate: '01/02/2024' }, 'startDate', 'invalid_date'],
    ['a blank participant', { participants: ['ann', ' '] }, 'participants', 'invalid_engineer_id'],
    ['an invalid effective instant', { effectiveFrom: new Date(Number.NaN) }, 'effectiveFrom', 'invalid_instant'],
  ];

  it('accepts a complete version, including one with no participants', () => {
    expect(validateRotationVersion(good)).toEqual({ ok: true });
    expect(validateRotationVersion(version({ participants: [] }))).toEqual({ ok: true });
  });

  it.each(bad)('refuses %s, naming the field', (_case, change, field, reason) => {
    expect(validateRotationVersion(version(change))).toEqual({ ok: false, field, reason });
  });

  it('refuses an override that ends before it starts or covers someone with themselves', () => {
    const cover: Override = { id: 'o1', engineerId: 'dan', replacesEngineerId: 'bob', start: at('2024-01-02T00:00Z'), end: at('2024-01-03T00:00Z') };
    expect(validateOverride(cover)).toEqual({ ok: true });
    expect(validateOverride({ ...cover, end: cover.start })).toEqual({ ok: false, field: 'end', reason: 'ends_before_start' });
    expect(validateOverride({ ...cover, replacesEngineerId: 'dan' })).toEqual({ ok: false, field: 'replacesEngineerId', reason: 'replaces_self' });
    expect(validateOverride({ ...cover, engineerId: '' })).toEqual({ ok: false, field: 'engineerId', reason: 'invalid_engineer_id' });
  });

  it('points at the bad part of a whole rotation', () => {
    const cover: Override = { id: 'o1', engineerId: 'dan', replacesEngineerId: null, start: at('2024-01-02T00:00Z'), end: at('2024-01-01T00:00Z') };
    expect(validateRotation(rotationOf([good, version({ handoffTime: '9:00' })]))).toEqual({
      ok: false,
      field: 'versions.1.handoffTime',
      reason: 'invalid_time_of_day',
    });
    expect(validateRotation(rotationOf([good], [cover]))).toEqual({ ok: false, field: 'overrides.0.end', reason: 'ends_before_start' });
    expect(validateRotation(rotationOf([good]))).toEqual({ ok: true });
  });
});
