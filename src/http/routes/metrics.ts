import type { FastifyPluginAsync } from 'fastify';
import { eq } from 'drizzle-orm';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Deps } from '../../app/deps.js';
import { overdueWork } from '../../app/reconcile.js';
import { upkeep } from '../../db/schema.js';
import { parkedCount } from './twilio/parking.js';

/** Webhook answer times (the signature check to the answer), per route: Twilio gives up at 15 s. */
export interface WebhookTimer {
  observe(route: string, outcome: 'answered' | 'kept' | 'parked' | 'fallback', seconds: number): void;
}

/**
 * `GET /metrics` in Prometheus' text format. The figures that show a stall are read from Postgres
 * (the truth, shared by every process) at each scrape: escalation steps and sends overdue by more
 * than 5 s, when the reconciler last ran and how long it took, the workers alive, the webhooks
 * parked for lack of Postgres; plus this process's webhook latency and Node's own metrics. A
 * figure that cannot be read (its store is down) is left out and `standby_scrape_errors` says which.
 */
export function metricsRoutes(deps: Deps): { plugin: FastifyPluginAsync; webhookTimer: WebhookTimer } {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const webhookSeconds = new Histogram({
    name: 'standby_webhook_duration_seconds',
    help: 'Time to answer a Twilio webhook, by route and outcome',
    labelNames: ['route', 'outcome'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
    registers: [registry],
  });
  const gauge = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers: [registry] });
  const overdueEscalations = gauge('standby_escalations_overdue', 'Escalation steps due more than 5 s ago and not taken');
  const overdueSends = gauge('standby_sends_overdue', 'SMS and calls due more than 5 s ago and not sent');
  const workersAlive = gauge('standby_workers_alive', 'Worker processes seen in the last 5 s');
  const reconcilerAge = gauge('standby_reconciler_last_run_age_seconds', 'Seconds since the reconciler last ran (any worker)');
  const reconcilerDuration = gauge('standby_reconciler_last_duration_seconds', 'How long the last reconciler pass took');
  const parked = gauge('standby_webhooks_parked', 'Webhooks kept in Redis while Postgres was unreachable, waiting for replay');
  const scrapeErrors = gauge('standby_scrape_errors', 'A store this scrape could not read (1)', ['store']);

  const plugin: FastifyPluginAsync = async (app) => {
    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
      const now = deps.clock.now().getTime();
      const fromPostgres = async () => {
        const work = await overdueWork(deps);
        overdueEscalations.set(work.overdueEscalations);
        overdueSends.set(work.overdueSends);
        workersAlive.set(work.workersAlive);
        const [last] = await deps.database.db.select().from(upkeep).where(eq(upkeep.task, 'reconcile'));
        if (last) {
          reconcilerAge.set(Math.max(0, (now - last.lastRunAt.getTime()) / 1000));
          reconcilerDuration.set(last.lastDurationMs / 1000);
        }
      };
      const [postgres, redis] = await Promise.allSettled([fromPostgres(), parkedCount(deps).then((n) => parked.set(n))]);
      scrapeErrors.set({ store: 'postgres' }, postgres.status === 'rejected' ? 1 : 0);
      scrapeErrors.set({ store: 'redis' }, redis.status === 'rejected' ? 1 : 0);
      return reply.type(registry.contentType).send(await registry.metrics());
    });
  };
  return { plugin, webhookTimer: { observe: (route, outcome, seconds) => webhookSeconds.observe({ route, outcome }, seconds) } };
}
