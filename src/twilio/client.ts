import twilio from 'twilio';
import type { Config } from '../config.js';
import { bodyWithRetryAfter, TwilioHttpClient } from './http.js';

type RequestOptions<T> = import('twilio/lib/base/RequestClient.js').RequestOptions<T>;

export type TwilioClient = ReturnType<typeof twilio>;

/**
 * The library's own HTTP client, plus one thing it drops: Twilio's `Retry-After` header on 429
 * and 5xx answers. It is copied into the error body's `details.retryAfterSeconds`, where the
 * library's RestException carries it to the sender. Used only behind an `HTTP_PROXY` (see
 * `TwilioHttpClient`).
 */
class RetryAfterAwareClient extends twilio.RequestClient {
  override async request<TData>(opts: RequestOptions<TData>) {
    const response = await super.request<TData>(opts);
    response.body = bodyWithRetryAfter(response.statusCode, response.headers?.['retry-after'], response.body) as TData;
    return response;
  }
}

/**
 * The official Twilio client. With `TWILIO_API_BASE_URL` set (the simulator, everywhere but
 * production) the REST domain that serves Messages and Calls is pointed there; edge and region are
 * never used for this.
 *
 * It sends through `TwilioHttpClient` (the library's documented `httpClient` option), which keeps
 * a connection to Twilio for every send a worker may have in flight (`SEND_CONCURRENCY`) and keeps
 * them open between bursts: the library's own defaults (20 per host, 5 kept idle) would queue all
 * but 20 sends behind each other and open a new TLS connection for most sends of a burst. Behind
 * an `HTTP_PROXY` the library's own client is kept (with the same pool), as it knows the proxy.
 */
export function createTwilioClient(config: Pick<Config, 'TWILIO_ACCOUNT_SID' | 'TWILIO_AUTH_TOKEN' | 'TWILIO_API_BASE_URL' | 'SEND_CONCURRENCY'>): TwilioClient {
  // A few more than the sends in flight: hanging up a page call, or asking Twilio what an earlier attempt sent, need one too.
  const sockets = config.SEND_CONCURRENCY + 10;
  const httpClient = process.env.HTTP_PROXY
    ? new RetryAfterAwareClient({ timeout: 15_000, keepAlive: true, maxSockets: sockets, maxTotalSockets: sockets, maxFreeSockets: sockets })
    : (new TwilioHttpClient({ sockets, timeoutMs: 15_000 }) as unknown as InstanceType<typeof twilio.RequestClient>);
  const client = twilio(config.TWILIO_ACCOUNT_SID, config.TWILIO_AUTH_TOKEN, { autoRetry: false, httpClient });
  if (config.TWILIO_API_BASE_URL) client.api.baseUrl = config.TWILIO_API_BASE_URL;
  return client;
}

/** What went wrong sending, in the terms the send worker decides on. */
export type SendFailure =
  | { kind: 'rate_limited'; retryAfterMs: number | null; message: string }
  | { kind: 'transient'; retryAfterMs: number | null; message: string }
  | { kind: 'permanent'; status: number; code: number | null; message: string };

/** Classifies an error from the twilio library: 429 → rate limited, 5xx/network/timeout → transient, other 4xx → permanent (401/403 are retried a few times by the sender). */
export function classifySendError(error: unknown): SendFailure {
  const e = error as { status?: number; code?: number; message?: string; details?: { retryAfterSeconds?: number } };
  const message = e?.message ?? String(error);
  const retryAfterMs = typeof e?.details?.retryAfterSeconds === 'number' ? e.details.retryAfterSeconds * 1000 : null;
  if (e?.status === 429 || e?.code === 20429) return { kind: 'rate_limited', retryAfterMs, message };
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return { kind: 'permanent', status: e.status, code: e.code ?? null, message };
  return { kind: 'transient', retryAfterMs, message };
}
