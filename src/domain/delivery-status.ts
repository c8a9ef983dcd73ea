/** A notification's statuses, as the outbox row keeps them. */
export const NOTIFICATION_STATUSES = ['pending', 'sending', 'sent', 'delivered', 'failed', 'answered', 'no_answer', 'busy', 'completed', 'canceled'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

/** Twilio's message statuses that move a row, and to what. */
export const MESSAGE_STATUSES = { sent: 'sent', delivered: 'delivered', undelivered: 'failed', failed: 'failed' } as const satisfies Record<string, NotificationStatus>;
/** Twilio's call statuses that move a row, and to what. */
export const CALL_STATUSES = { 'in-progress': 'answered', answered: 'answered', completed: 'completed', 'no-answer': 'no_answer', busy: 'busy', failed: 'failed', canceled: 'canceled' } as const satisfies Record<string, NotificationStatus>;

/** How far along a notification is: callbacks arrive out of order, and a late one never moves it back. */
const PROGRESS: Record<NotificationStatus, number> = {
  pending: 0,
  sending: 1,
  sent: 2,
  answered: 3,
  delivered: 4,
  completed: 4,
  failed: 4,
  no_answer: 4,
  busy: 4,
  canceled: 5,
};

/** The statuses a delivery report of `status` may replace: only earlier ones, and `sending` always (the send's own settle may not have landed yet). */
export function replaceableBy(status: NotificationStatus): NotificationStatus[] {
  return (Object.keys(PROGRESS) as NotificationStatus[]).filter((from) => PROGRESS[status] > PROGRESS[from] || from === 'sending');
}
