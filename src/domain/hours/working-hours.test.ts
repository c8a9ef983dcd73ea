import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { AIVO_SUPPORT_CENTER, DEMO_NOW } from '../eligibility/demo.fixture.js';
import { formatMoment, supportHoursFacts, toCalendarMoment } from './calendar-moment.js';
import { isValidTimeZone, supportCenterStatus, zoneLabel } from './working-hours.js';

const BA = { timeZone: 'America/Argentina/Buenos_Aires', holidays: [] };
const NY = { timeZone: 'America/New_York', holidays: [] };
const MADRID = { timeZone: 'Europe/Madrid', holidays: [] };

describe('Support Center hours in Buenos Aires (the default zone)', () => {
  it('is open on a Monday at 10:00 and closes at 18:00', () => {
    expect(supportCenterStatus(new Date('2025-06-09T13:00:00Z'))).toEqual({ open: true, closesAt: new Date('2025-06-09T21:00:00Z') });
  });

  it('opens at 09:00 sharp', () => {
    expect(supportCenterStatus(new Date('2025-06-09T12:00:00Z'), BA)).toMatchObject({ open: true });
    expect(supportCenterStatus(new Date('2025-06-09T11:59:59Z'), BA)).toEqual({ open: false, nextOpening: new Date('2025-06-09T12:00:00Z') });
  });

  it('is closed at 18:00 sharp and opens again the next morning', () => {
    expect(supportCenterStatus(new Date('2025-06-09T21:00:00Z'), BA)).toEqual({ open: false, nextOpening: new Date('2025-06-10T12:00:00Z') });
  });

  it('after Friday 18:00 it next opens on Monday at 09:00', () => {
    expect(supportCenterStatus(new Date('2025-06-13T22:30:00Z'), BA)).toEqual({ open: false, nextOpening: new Date('2025-06-16T12:00:00Z') });
  });

  it('on a Saturday afternoon it next opens on Monday at 09:00', () => {
    expect(supportCenterStatus(new Date('2025-06-14T18:00:00Z'), BA)).toEqual({ open: false, nextOpening: new Date('2025-06-16T12:00:00Z') });
  });

  it('skips holidays: with Monday a holiday, Friday night waits until Tuesday 09:00', () => {
    const hours = { ...BA, holidays: ['2025-06-16'] };
    expect(supportCenterStatus(new Date('2025-06-13T22:30:00Z'), hours)).toEqual({ open: false, nextOpening: new Date('2025-06-17T12:00:00Z') });
    expect(supportCenterStatus(new Date('2025-06-16T15:00:00Z'), hours)).toMatchObject({ open: false });
  });

  it('holidays are local dates: late on the eve of a holiday in local time is not the holiday', () => {
    // 2025-06-19 23:30 in Buenos Aires is already the 20th in UTC.
    const hours = { ...BA, holidays: ['2025-06-20'] };
    expect(supportCenterStatus(new Date('2025-06-20T02:30:00Z'), hours)).toEqual({ open: false, nextOpening: new Date('2025-06-23T12:00:00Z') });
  });

  it('refuses an unknown zone and a holiday list that never lets it open', () => {
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(() => supportCenterStatus(DEMO_NOW, { timeZone: 'Mars/Olympus_Mons' })).toThrow(/time zone/);
    const everyDay = Array.from({ length: 900 }, (_, n) => DateTime.fromISO('2025-06-09').plus({ days: n }).toISODate() ?? '');
    expect(() => supportCenterStatus(DEMO_NOW, { ...BA, holidays: everyDay })).toThrow(/holiday/);
  });
});

describe('Support Center hours across DST', () => {
  it('New York, spring forward: Friday evening waits until Monday 09:00 EDT (13:00 UTC, not 14:00)', () => {
    expect(supportCenterStatus(new Date('2025-03-07T23:30:00Z'), NY)).toEqual({ open: false, nextOpening: new Date('2025-03-10T13:00:00Z') });
  });

  it('New York, fall back: Friday evening waits until Monday 09:00 EST (14:00 UTC)', () => {
    expect(supportCenterStatus(new Date('2025-10-31T22:30:00Z'), NY)).toEqual({ open: false, nextOpening: new Date('2025-11-03T14:00:00Z') });
  });

  it('New York, the Monday after spring forward closes at 18:00 EDT', () => {
    expect(supportCenterStatus(new Date('2025-03-10T13:00:00Z'), NY)).toEqual({ open: true, closesAt: new Date('2025-03-10T22:00:00Z') });
  });

  it('Madrid, spring forward on Sunday 30 March: Monday opens at 09:00 CEST (07:00 UTC)', () => {
    expect(supportCenterStatus(new Date('2025-03-28T18:00:00Z'), MADRID)).toEqual({ open: false, nextOpening: new Date('2025-03-31T07:00:00Z') });
    expect(supportCenterStatus(new Date('2025-03-31T07:30:00Z'), MADRID)).toEqual({ open: true, closesAt: new Date('2025-03-31T16:00:00Z') });
  });

  it('Madrid, fall back on Sunday 26 October: Monday opens at 09:00 CET (08:00 UTC)', () => {
    expect(supportCenterStatus(new Date('2025-10-24T17:00:00Z'), MADRID)).toEqual({ open: false, nextOpening: new Date('2025-10-27T08:00:00Z') });
    expect(supportCenterStatus(new Date('2025-10-27T07:30:00Z'), MADRID)).toMatchObject({ open: false });
  });

  it.each(['America/Argentina/Buenos_Aires', 'America/New_York', 'Europe/Madrid', 'Australia/Lord_Howe'])(
    'in %s, whatever the instant, open means a weekday between 09:00 and 18:00 local, and the next opening is the first such instant',
    (timeZone) => {
      fc.assert(
        fc.property(fc.date({ min: new Date('2024-01-01T00:00:00Z'), max: new Date('2027-01-01T00:00:00Z'), noInvalidDate: true }), (at) => {
          const status = supportCenterStatus(at, { timeZone, holidays: [] });
          const local = DateTime.fromJSDate(at, { zone: timeZone });
          const minutes = local.hour * 60 + local.minute;
          const inHours = local.weekday <= 5 && minutes >= 9 * 60 && minutes < 18 * 60;
          expect(status.open).toBe(inHours);
          if (status.open) {
            const closes = DateTime.fromJSDate(status.closesAt, { zone: timeZone });
            expect(closes.toFormat('yyyy-MM-dd HH:mm')).toBe(`${local.toISODate()} 18:00`);
          } else {
            const opens = DateTime.fromJSDate(status.nextOpening, { zone: timeZone });
            expect(status.nextOpening.getTime()).toBeGreaterThan(at.getTime());
            expect(opens.toFormat('HH:mm')).toBe('09:00');
            expect(opens.weekday).toBeLessThanOrEqual(5);
            expect(supportCenterStatus(new Date(status.nextOpening.getTime() - 1), { timeZone, holidays: [] }).open).toBe(false);
            expect(status.nextOpening.getTime() - at.getTime()).toBeLessThanOrEqual(3 * 86_400_000 + 3_600_000);
          }
        }),
      );
    },
  );
});

describe('saying when the Support Center opens', () => {
  const BA_ZONE = 'America/Argentina/Buenos_Aires';
  const mondayMorning = new Date('2025-06-16T12:00:00Z');
  const fridayNight = new Date('2025-06-13T22:30:00Z');

  it('says "Monday at 09:00" in English, "el lunes a las 09:00" in Spanish, "na segunda-feira às 09:00" in Portuguese', () => {
    expect(formatMoment(mondayMorning, fridayNight, BA_ZONE, 'en')).toBe('Monday at 09:00');
    expect(formatMoment(mondayMorning, fridayNight, BA_ZONE, 'es')).toBe('el lunes a las 09:00');
    expect(formatMoment(mondayMorning, fridayNight, BA_ZONE, 'pt')).toBe('na segunda-feira às 09:00');
  });

  it('says "tomorrow" late on a weekday night, "today" early in the morning', () => {
    const tuesdayMorning = new Date('2025-06-10T12:00:00Z');
    expect(formatMoment(tuesdayMorning, DEMO_NOW, BA_ZONE, 'en')).toBe('tomorrow at 09:00');
    expect(formatMoment(tuesdayMorning, DEMO_NOW, BA_ZONE, 'es')).toBe('mañana a las 09:00');
    expect(formatMoment(tuesdayMorning, new Date('2025-06-10T09:00:00Z'), BA_ZONE, 'pt')).toBe('hoje às 09:00');
  });

  it('gives the date when the opening is more than a week away', () => {
    const later = new Date('2025-06-23T12:00:00Z');
    expect(formatMoment(later, new Date('2025-06-14T12:00:00Z'), BA_ZONE, 'en')).toBe('Monday 23 June at 09:00');
    expect(formatMoment(later, new Date('2025-06-14T12:00:00Z'), BA_ZONE, 'es')).toBe('el lunes 23 de junio a las 09:00');
    expect(formatMoment(later, new Date('2025-06-14T12:00:00Z'), BA_ZONE, 'pt')).toBe('na segunda-feira, 23 de junho, às 09:00');
  });

  it('counts "tomorrow" by local dates across a DST change (New York, spring forward)', () => {
    // Saturday 8 March 23:30 EST → Sunday 9 March 09:00 EDT is tomorrow, although less than a day of 24 h away.
    expect(toCalendarMoment(new Date('2025-03-09T13:00:00Z'), new Date('2025-03-09T04:30:00Z'), 'America/New_York')).toMatchObject({
      relation: 'tomorrow',
      weekday: 7,
      time: '09:00',
    });
  });

  it('describes the demo Support Center at demo time: closed, opening tomorrow at 09:00, Buenos Aires time', () => {
    expect(supportHoursFacts(DEMO_NOW, AIVO_SUPPORT_CENTER)).toEqual({
      supportCenterName: 'Aivo Support Center',
      zoneLabel: 'Buenos Aires',
      opensAt: '09:00',
      closesAt: '18:00',
      status: { open: false, nextOpening: { weekday: 2, year: 2025, month: 6, day: 10, time: '09:00', relation: 'tomorrow' } },
    });
  });

  it('names zones by their city', () => {
    expect(zoneLabel('America/New_York')).toBe('New York');
    expect(zoneLabel('Europe/Madrid')).toBe('Madrid');
  });
});
