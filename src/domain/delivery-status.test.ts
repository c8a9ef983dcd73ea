import { describe, expect, it } from 'vitest';
import { replaceableBy } from './delivery-status.js';

describe('delivery reports arriving out of order', () => {
  it('a late "sent" never moves a delivered page back, but does move one still being sent', () => {
    expect(replaceableBy('sent')).toEqual(expect.arrayContaining(['pending', 'sending']));
    expect(replaceableBy('sent')).not.toContain('delivered');
  });

  it('"delivered" replaces "sent", and no final status replaces another', () => {
    expect(replaceableBy('delivered')).toContain('sent');
    for (const final of ['delivered', 'failed', 'completed', 'no_answer', 'busy'] as const) expect(replaceableBy(final)).not.toContain('failed');
  });

  it('nothing replaces a canceled page', () => {
    for (const status of ['sent', 'delivered', 'answered', 'completed'] as const) expect(replaceableBy(status)).not.toContain('canceled');
  });
});
