import { describe, expect, it } from 'vitest';
import { sendPriority } from './send-priority.js';

describe('send priority when sends queue up', () => {
  it('sends Blocker pages before High pages, by either channel', () => {
    for (const channel of ['sms', 'voice'] as const) {
      expect(sendPriority('blocker', 'page', 'voice')).toBeLessThan(sendPriority('high', 'page', channel));
    }
  });

  it("sends a page's text before its call, so each incident's first page goes out as soon as the texts before it", () => {
    for (const severity of ['blocker', 'high'] as const) {
      expect(sendPriority(severity, 'page', 'sms')).toBeLessThan(sendPriority(severity, 'page', 'voice'));
    }
  });

  it('sends any page before any customer notice, and notices before everything else', () => {
    const pages = (['blocker', 'high'] as const).flatMap((s) => [sendPriority(s, 'page', 'sms'), sendPriority(s, 'page', 'voice')]);
    const notices = [sendPriority('blocker', 'customer_notice'), sendPriority('high', 'customer_notice')];
    const others = [sendPriority('blocker', 'other'), sendPriority('high', 'other')];
    expect(Math.max(...pages)).toBeLessThan(Math.min(...notices));
    expect(Math.max(...notices)).toBeLessThan(Math.min(...others));
  });

  it('uses BullMQ priorities 1 to 6 (never 0, which BullMQ reads as no priority)', () => {
    expect([
      sendPriority('blocker', 'page', 'sms'),
      sendPriority('blocker', 'page', 'voice'),
      sendPriority('high', 'page', 'sms'),
      sendPriority('high', 'page', 'voice'),
      sendPriority('high', 'customer_notice'),
      sendPriority('high', 'other'),
    ]).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
