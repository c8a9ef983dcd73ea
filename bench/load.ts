/**
 * The load generator: Twilio as many customers texting at once. Runs in its own process (so its
 * timers and sockets do not share an event loop with the simulator or the service) and sends
 * signed `/twilio/sms` webhooks of the benchmark's mix to one or more web processes, round-robin,
 * as the platform's load balancer would.
 *
 * Modes:
 * - `closed`: `connections` clients, each sending its next request when the last is answered.
 * - `open`: `rate` requests a second whatever the answers, for `durationMs`; latency counts from
 *   each request's scheduled time, so a slow server cannot hide its queue (no coordinated omission).
 * - `burst`: `count` requests at once.
 * - `sequential`: `count` requests one after another, `gapMs` apart.
 *
 * Input: one JSON job on stdin (see `LoadJob`). Output: one JSON line (`LoadResult`) on stdout.
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { mixBody, mixKind, signedForm, type MixKind } from './support/mix.js';

export interface LoadJob {
  mode: 'closed' | 'open' | 'burst' | 'sequential';
  /** Base URLs of the web processes (or the bare route), tried round-robin. */
  targets: string[];
  /** The PUBLIC_BASE_URL the service checks signatures against, and its Twilio auth token. */
  publicBaseUrl: string;
  authToken: string;
  path: string;
  to: string;
  connections?: number;
  rate?: number;
  durationMs?: number;
  count?: number;
  gapMs?: number;
  /** Twilio gives up after 15 s. */
  timeoutMs: number;
  /** Only eligible reports (the first-page measurements); otherwise the mix. */
  onlyEligible?: boolean;
  /** Customers may text more than once (the bare route, which does not care); otherwise each report is a new customer. */
  recycle?: boolean;
  people: { eligible: string[]; outOfScope: string[]; following: string[] };
}

export interface SentReport {
  phone: string;
  /** Epoch ms when it was sent (or scheduled to be, in open mode). */
  sentAt: number;
  /**
   * Epoch ms when the request had been written whole to its connection (Node's 'finish'): its
   * arrival at the service. Later than `sentAt` by the load generator's own work when it sends
   * many at once (signing, opening connections, writing them one after another on its one thread).
   */
  arrivedAt: number;
}

export interface LoadResult {
  sent: number;
  answered: number;
  /** Answered with TwiML that says the service failed, a non-200, a network error, or nothing within the timeout. */
  errors: number;
  errorSamples: string[];
  /** Answered with the "received, we will text you" answer of a report kept for later (overload). */
  deferred: number;
  latenciesMs: number[];
  /** Each answered request: when it was scheduled (ms from the start), its latency, its kind, whether it was deferred. */
  answers: Array<{ atMs: number; latencyMs: number; kind: MixKind; deferred: boolean }>;
  byKind: Record<MixKind, number>;
  /** Eligible reports that were answered, for the first-page measurements. */
  eligible: SentReport[];
  elapsedMs: number;
  maxInFlight: number;
  /** Requests still unanswered when the run ended (each is also an error). */
  unanswered: number;
}

const FAILED = /could not read your message/i;
const DEFERRED = /we (have )?received your message|recibimos tu mensaje|recebemos sua mensagem/i;

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const job = JSON.parse(Buffer.concat(chunks).toString()) as LoadJob;
  const result = await run(job);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function run(job: LoadJob): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: job.mode === 'closed' ? job.connections : 8000 });
  const result: LoadResult = { sent: 0, answered: 0, errors: 0, errorSamples: [], deferred: 0, latenciesMs: [], answers: [], byKind: { eligible: 0, out_of_scope: 0, follow_up: 0 }, eligible: [], elapsedMs: 0, maxInFlight: 0, unanswered: 0 };
  const next = { eligible: 0, outOfScope: 0, following: 0, index: 0, target: 0 };
  let inFlight = 0;
  let started = performance.now();

  const pick = (): { kind: MixKind; phone: string } => {
    const kind = job.onlyEligible ? 'eligible' : mixKind(next.index++);
    const pool = kind === 'eligible' ? job.people.eligible : kind === 'out_of_scope' ? job.people.outOfScope : job.people.following;
    const at = kind === 'eligible' ? next.eligible++ : kind === 'out_of_scope' ? next.outOfScope++ : next.following++;
    // Eligible reports and out-of-scope texts come from distinct customers: running out is a bench bug.
    if (kind !== 'follow_up' && !job.recycle && at >= pool.length) throw new Error(`the bench seeded too few ${kind} customers (${pool.length})`);
    return { kind, phone: pool[at % pool.length]! };
  };

  /** The next request, signed: done ahead of the clock for a burst, so its requests go out together. */
  const compose = () => {
    const { kind, phone } = pick();
    return { kind, phone, form: signedForm({ PUBLIC_BASE_URL: job.publicBaseUrl, TWILIO_AUTH_TOKEN: job.authToken }, job.path, { From: phone, To: job.to, Body: mixBody(kind) }) };
  };

  const send = (scheduledAt: number, composed = compose()): Promise<void> => {
    const { kind, phone, form } = composed;
    const target = new URL(job.targets[next.target++ % job.targets.length]!);
    const sentAtEpoch = performance.timeOrigin + scheduledAt;
    result.sent++;
    result.byKind[kind]++;
    inFlight++;
    result.maxInFlight = Math.max(result.maxInFlight, inFlight);
    return new Promise<void>((resolve) => {
      let settled = false;
      let arrivedAt = NaN;
      const settle = (outcome: { ok: boolean; body?: string; error?: string }) => {
        if (settled) return;
        settled = true;
        inFlight--;
        if (outcome.ok && outcome.body !== undefined && !FAILED.test(outcome.body)) {
          result.answered++;
          const latencyMs = performance.now() - scheduledAt;
          result.latenciesMs.push(latencyMs);
          const deferred = DEFERRED.test(outcome.body);
          if (deferred) result.deferred++;
          result.answers.push({ atMs: scheduledAt - started, latencyMs, kind, deferred });
          if (kind === 'eligible') result.eligible.push({ phone, sentAt: sentAtEpoch, arrivedAt });
        } else {
          result.errors++;
          if (result.errorSamples.length < 5) result.errorSamples.push(outcome.error ?? outcome.body?.slice(0, 200) ?? 'no body');
        }
        resolve();
      };
      const req = request(
        { host: target.hostname, port: target.port, path: job.path, method: 'POST', agent, headers: { ...form.headers, 'content-length': Buffer.byteLength(form.payload) } },
        (response) => {
          const body: Buffer[] = [];
          response.on('data', (d: Buffer) => body.push(d));
          response.on('end', () => settle({ ok: response.statusCode === 200, body: Buffer.concat(body).toString(), error: response.statusCode === 200 ? undefined : `HTTP ${response.statusCode}` }));
          response.on('error', (error) => settle({ ok: false, error: error.message }));
        },
      );
      req.setTimeout(Math.max(1, job.timeoutMs - (performance.now() - scheduledAt)), () => {
        req.destroy(new Error(`no answer within ${job.timeoutMs} ms`));
      });
      req.on('error', (error) => settle({ ok: false, error: error.message }));
      req.on('finish', () => (arrivedAt = performance.timeOrigin + performance.now()));
      req.end(form.payload);
    });
  };

  started = performance.now();
  const pending = new Set<Promise<void>>();
  const track = (p: Promise<void>) => {
    pending.add(p);
    void p.then(() => pending.delete(p));
  };
  switch (job.mode) {
    case 'closed': {
      const end = started + job.durationMs!;
      await Promise.all(
        Array.from({ length: job.connections! }, async () => {
          while (performance.now() < end) await send(performance.now());
        }),
      );
      break;
    }
    case 'open': {
      const interval = 1000 / job.rate!;
      const total = Math.round((job.rate! * job.durationMs!) / 1000);
      for (let i = 0; i < total; ) {
        const due = started + i * interval;
        const now = performance.now();
        if (due > now) {
          await delay(Math.max(1, due - now));
          continue;
        }
        // Everything due by now goes out now, each timed from its own scheduled instant.
        while (i < total && started + i * interval <= performance.now()) track(send(started + i++ * interval));
      }
      await Promise.all(pending);
      break;
    }
    case 'burst': {
      const composed = Array.from({ length: job.count! }, compose);
      started = performance.now();
      await Promise.all(composed.map((one) => send(performance.now(), one)));
      break;
    }
    case 'sequential':
      for (let i = 0; i < job.count!; i++) {
        await send(performance.now());
        await delay(job.gapMs ?? 0);
      }
      break;
    default: {
      const never: never = job.mode;
      throw new Error(`unknown mode ${String(never)}`);
    }
  }
  result.elapsedMs = performance.now() - started;
  result.unanswered = inFlight;
  agent.destroy();
  return result;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
