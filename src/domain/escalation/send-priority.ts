/** The severities the 24x7 service pages for (Medium and Low wait for working hours). */
export type PagedSeverity = 'blocker' | 'high';

/**
 * What an outbound send is:
 * - `page`: an SMS or voice call asking an engineer (or the admins) to acknowledge;
 * - `customer_notice`: a message to the customer (who is on it, updates, evidence);
 * - `other`: everything else (relays, "someone else took it" notices to engineers).
 */
export type OutboundKind = 'page' | 'customer_notice' | 'other';

/**
 * The BullMQ priority of an outbound send (lower is sent sooner; BullMQ treats 1 as highest and
 * 0 as "no priority", so 0 is never returned). When sends queue up (a storm of reports, a slow or
 * rate-limited Twilio):
 *   1 Blocker page by SMS, 2 Blocker page call, 3 High page by SMS, 4 High page call,
 *   5 customer notice, 6 anything else.
 * Every page goes before any notice: an unsent page delays first response, a late notice does not.
 * A page's text goes before its call: each incident's first page reaches its engineer after the
 * texts of the incidents before it, not after their texts and calls (a burst of 500 reports: the
 * last first page went out about half a second sooner). A page step sends both at once, so with
 * nothing queued the call is not delayed at all.
 */
export function sendPriority(severity: PagedSeverity, kind: 'page', channel: 'sms' | 'voice'): number;
export function sendPriority(severity: PagedSeverity, kind: Exclude<OutboundKind, 'page'>): number;
export function sendPriority(severity: PagedSeverity, kind: OutboundKind, channel?: 'sms' | 'voice'): number {
  switch (kind) {
    case 'page':
      return (severity === 'blocker' ? 1 : 3) + (channel === 'voice' ? 1 : 0);
    case 'customer_notice':
      return 5;
    case 'other':
      return 6;
    default:
      return assertNever(kind);
  }
}

function assertNever(value: never): never {
  throw new Error(`Unhandled outbound kind: ${String(value)}`);
}
