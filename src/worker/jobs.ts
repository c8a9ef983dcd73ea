import { z } from 'zod';

/**
 * The job catalogue: every queue, its payload schema and retry policy. A job is only a wake-up:
 * its handler reloads the truth from Postgres and decides again, so a lost, late or duplicated
 * job does no harm. Retries of a send are not BullMQ's: the row's `not_before` holds the next
 * attempt's time in Postgres and a fresh job is scheduled for it (see app/send.ts).
 */
export const queues = {
  /** Wakes an incident's escalation when its `escalation_next_at` comes. */
  escalation: {
    name: 'escalation',
    payload: z.object({ incidentId: z.number().int().positive() }),
    attempts: 3,
    backoff: { type: 'fixed', delay: 500 },
  },
  /** Sends one notification row (SMS or call) through Twilio; rate limited, Blocker first. */
  send: {
    name: 'send',
    payload: z.object({ notificationId: z.number().int().positive() }),
    // One attempt per job: a failed send reschedules itself from Postgres; a job that throws
    // (Postgres unreachable) is repaired by the reconciler.
    attempts: 1,
    backoff: { type: 'fixed', delay: 1000 },
  },
} as const;

export type QueueName = keyof typeof queues;
export type Payload<Q extends QueueName> = z.infer<(typeof queues)[Q]['payload']>;

/** Deterministic ids: enqueueing the same wake-up twice keeps one job. */
export const jobIds = {
  /**
   * One wake-up per incident and due instant. `retake` names an extra one for a step that is
   * overdue: the first may be held ("active", locked) in Redis by a worker that died.
   */
  escalation: (incidentId: number, at: Date, retake?: string) => `esc-${incidentId}-${at.getTime()}${retake ? `-${retake}` : ''}`,
  /**
   * One job per send attempt: a retry, or a send taken back from a dead worker, is a new attempt
   * and so a fresh job, never blocked by an old one a dead worker still holds. The row is claimed
   * in Postgres, so two jobs never both send. `retake` names an extra one for a send that is
   * overdue (its job may be held by a worker that died before claiming the row).
   */
  send: (notificationId: number, attempt: number, retake?: string) => `send-${notificationId}-${attempt}${retake ? `-${retake}` : ''}`,
};
