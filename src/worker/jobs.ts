import { z } from 'zod';

/**
 * The job catalogue: every queue, its payload schema and retry policy. A job is only a wake-up:
 * its handler reloads the truth from Postgres and decides again, so a lost, late or duplicated
 * job does no harm.
 */
export const queues = {
  /** Wakes an incident's escalation when its `escalation_next_at` comes. */
  escalation: {
    name: 'escalation',
    payload: z.object({ incidentId: z.number().int().positive() }),
    attempts: 10,
    backoff: { type: 'exponential', delay: 500 },
  },
  /** Sends one notification row (SMS or call) through Twilio; rate limited, Blocker first. */
  send: {
    name: 'send',
    payload: z.object({ notificationId: z.number().int().positive() }),
    attempts: 8,
    backoff: { type: 'exponential', delay: 1000 },
  },
  /** Periodic upkeep: the reconciler and handoff notices. */
  maintenance: {
    name: 'maintenance',
    payload: z.object({ task: z.enum(['reconcile', 'handoff_notices', 'abandoned_calls', 'prune']) }),
    attempts: 3,
    backoff: { type: 'fixed', delay: 1000 },
  },
} as const;

export type QueueName = keyof typeof queues;
export type Payload<Q extends QueueName> = z.infer<(typeof queues)[Q]['payload']>;

/** Deterministic ids: enqueueing the same wake-up twice keeps one job. */
export const jobIds = {
  escalation: (incidentId: number, at: Date) => `esc-${incidentId}-${at.getTime()}`,
  /**
   * `retake` names a fresh job for a send whose first job a dead worker may still hold (locked,
   * "active") in Redis; the send itself is claimed in Postgres, so two jobs never both send.
   */
  send: (notificationId: number, retake?: string) => (retake ? `send-${notificationId}-${retake}` : `send-${notificationId}`),
};
