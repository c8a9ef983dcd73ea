import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { Scheduler } from '../../src/worker/scheduler.js';
import { startWorld, type World } from '../support/world.js';
import { openIncidentByApi } from './paging-support.js';

let w: World;
beforeAll(async () => {
  w = await startWorld();
});
afterAll(() => w.close());

/** One figure of `GET /metrics`. */
async function metric(name: string): Promise<number | undefined> {
  const text = (await w.app.inject({ method: 'GET', url: '/metrics' })).body;
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

describe('an operator watching /metrics', () => {
  it('sees a stall within seconds (sends and steps overdue) and sees it clear', async () => {
    await w.stopWorker();
    await openIncidentByApi(w);
    expect(await metric('standby_sends_overdue')).toBe(0);
    w.clock.advance(6_000);
    expect(await metric('standby_sends_overdue')).toBe(2); // the page SMS and call
    w.clock.advance(5 * 60_000);
    expect(await metric('standby_escalations_overdue')).toBe(1);

    await w.startWorker();
    await w.reconcile();
    await w.settle();
    expect(await metric('standby_sends_overdue')).toBe(0);
    expect(await metric('standby_escalations_overdue')).toBe(0);
    expect(await metric('standby_workers_alive')).toBe(1);
  });

  it('reads the webhook latency per route', async () => {
    await w.sim.phone('+5491150000101').sendSms('+541150000100', 'HELP');
    const text = (await w.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toMatch(/standby_webhook_duration_seconds_count\{route="\/twilio\/sms",outcome="answered"\} [1-9]/);
  });
});

describe('health', () => {
  it('liveness does not depend on Redis; readiness says which dependency is down', async () => {
    const healthy = w.deps.scheduler;
    const dead = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 1, commandTimeout: 300, retryStrategy: () => 50, lazyConnect: true });
    dead.on('error', () => undefined);
    w.deps.scheduler = new Scheduler(dead, w.clock, healthy.prefix);
    try {
      expect((await w.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      const ready = await w.app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toMatchObject({ status: 'degraded', postgres: 'ok' });
      expect(ready.json().redis).not.toBe('ok');
    } finally {
      await w.deps.scheduler.close().catch(() => undefined);
      dead.disconnect();
      w.deps.scheduler = healthy;
    }
  });
});
