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
 * 0 as "no priority", so 0 is never returned). When the sender is rate-limited:
 *   1 Blocker page, 2 High page, 3 customer notice, 4 anything else.
 * Every page goes before any notice: an unsent page delays first response, a late notice does not.
 */
export function sendPriority(severity: PagedSeverity, kind: OutboundKind): number {
  switch (kind) {
    case 'page':
      return severity === 'blocker' ? 1 : 2;
    case 'customer_notice':
      return 3;
    case 'other':
      return 4;
    default:
      return assertNever(kind);
  }
}

function assertNever(value: never): never {
  throw new Error(`Unhandled outbound kind: ${String(value)}`);
}
