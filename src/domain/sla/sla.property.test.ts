import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { slaStatus, type SlaIncident, type SlaTargets } from './sla.js';

const T0 = new Date('2025-03-14T03:00:00.000Z').getTime();
const MIN = 60_000;
const targets: SlaTargets = { firstResponseMinutes: 15, resolutionMinutes: 240 };

/** Open incidents with any waiting intervals, in minutes from first contact (some before it, some overlapping, some open). */
const openIncident: fc.Arbitrary<SlaIncident> = fc
  .array(fc.tuple(fc.integer({ min: -60, max: 600 }), fc.option(fc.integer({ min: 0, max: 300 }), { nil: null })), { maxLength: 5 })
  .map((waits) => ({
    firstContactAt: T0,
    acknowledgedAt: null,
    resolvedAt: null,
    waitingOnCustomer: waits.map(([start, length]) => ({
      start: T0 + start * MIN,
      end: length === null ? null : T0 + (start + length) * MIN,
    })),
  }));

describe('the resolution clock (property)', () => {
  it('never runs backwards, never counts more than the wall time, and reaches its target exactly at the due time', () => {
    fc.assert(
      fc.property(openIncident, fc.integer({ min: 0, max: 900 }), fc.integer({ min: 0, max: 300 }), (incident, a, step) => {
        const earlier = slaStatus(incident, targets, new Date(T0 + a * MIN)).resolution;
        const later = slaStatus(incident, targets, new Date(T0 + (a + step) * MIN)).resolution;
        expect(later.elapsedMs).toBeGreaterThanOrEqual(earlier.elapsedMs);
        expect(earlier.elapsedMs).toBeLessThanOrEqual(a * MIN);
        expect(earlier.elapsedMs).toBeGreaterThanOrEqual(0);
        if (earlier.dueAt !== null) {
          const atDue = slaStatus(incident, targets, earlier.dueAt).resolution;
          // Waiting that starts after `now` can only push the due time later, never earlier.
          expect(atDue.elapsedMs).toBeLessThanOrEqual(targets.resolutionMinutes * MIN);
          if (earlier.state === 'breached') expect(atDue.elapsedMs).toBe(targets.resolutionMinutes * MIN);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
