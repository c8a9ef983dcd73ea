import { describe, expect, it } from 'vitest';
import { sendPriority } from './send-priority.js';

describe('send priority when the sender is rate-limited', () => {
  it('sends Blocker pages before High pages', () => {
    expect(sendPriority('blocker', 'page')).toBeLessThan(sendPriority('high', 'page'));
  });

  it('sends any page before any customer notice, and notices before everything else', () => {
    const pages = [sendPriority('blocker', 'page'), sendPriority('high', 'page')];
    const notices = [sendPriority('blocker', 'customer_notice'), sendPriority('high', 'customer_notice')];
    const others = [sendPriority('blocker', 'other'), sendPriority('high', 'other')];
    expect(Math.max(...pages)).toBeLessThan(Math.min(...notices));
    expect(Math.max(...notices)).toBeLessThan(Math.min(...others));
  });

  it('uses BullMQ priorities 1 to 4 (never 0, which BullMQ reads as no priority)', () => {
    expect([
      sendPriority('blocker', 'page'),
      sendPriority('high', 'page'),
      sendPriority('high', 'customer_notice'),
      sendPriority('high', 'other'),
    ]).toEqual([1, 2, 3, 4]);
  });
});
