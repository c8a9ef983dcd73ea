import { randomUUID } from 'node:crypto';
import twilio from 'twilio';
import type { Faults } from './faults.js';
import type { HttpMethod } from './twiml.js';
import type { TrafficLog } from './traffic.js';

/**
 * What a webhook is for. TwiML kinds expect a document back; the others are notifications whose
 * answer Twilio ignores.
 */
export type WebhookKind =
  | 'sms'
  | 'sms-redirect'
  | 'voice'
  | 'voice-action'
  | 'voice-redirect'
  | 'call-status'
  | 'message-status'
  | 'recording-status'
  | 'transcription';

const TWIML_KINDS: ReadonlySet<WebhookKind> = new Set(['sms', 'sms-redirect', 'voice', 'voice-action', 'voice-redirect']);
const STATUS_KINDS: ReadonlySet<WebhookKind> = new Set(['call-status', 'message-status']);

export interface WebhookRequest {
  kind: WebhookKind;
  url: string;
  method: HttpMethod;
  params: Record<string, string>;
  /** For the traffic log. */
  summary: string;
}

export interface WebhookResult {
  /** The URL actually requested (for GET, with the parameters in the query string). */
  url: string;
  /** HTTP status, or null when the request failed before any answer or was dropped. */
  status: number | null;
  ok: boolean;
  body: string;
  contentType: string;
  /** Why it failed: a network error, a timeout, or a drop injected by a fault. */
  error?: string;
  dropped?: boolean;
}

const ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth'];

/** Twilio gives up on a webhook after 15 seconds. */
const WEBHOOK_TIMEOUT_MS = 15_000;

/**
 * Sends webhooks exactly as Twilio does: form-encoded POST (or GET with the parameters in the
 * query), signed with X-Twilio-Signature over the exact URL requested, with an idempotency token
 * that a retry repeats. Faults (drops, duplicates) are applied here.
 */
export class WebhookSender {
  constructor(
    private readonly authToken: string,
    private readonly faults: Faults,
    private readonly traffic: TrafficLog,
  ) {}

  async deliver(request: WebhookRequest): Promise<WebhookResult> {
    const token = randomUUID();
    if (STATUS_KINDS.has(request.kind)) {
      const fault = this.faults.takeStatusCallbackFault();
      if (fault === 'drop') {
        const url = targetUrl(request);
        this.traffic.add({ channel: 'webhook', kind: request.kind, method: request.method, url, status: null, summary: request.summary, params: request.params, fault: 'dropped' });
        return { url, status: null, ok: false, body: '', contentType: '', dropped: true, error: 'dropped by fault injection' };
      }
      if (fault === 'duplicate') {
        await this.#send(request, token, 'duplicate (first copy)');
        return this.#send(request, token, 'duplicate (second copy)');
      }
    }
    const replay = TWIML_KINDS.has(request.kind) ? this.faults.takeWebhookReplay() : undefined;
    if (replay) {
      const label = (i: number) => `retried (${ORDINALS[i] ?? `${i + 1}th`} delivery${replay.concurrent ? ', at once' : ''})`;
      if (replay.concurrent) {
        const results = await Promise.all(Array.from({ length: replay.copies }, (_, i) => this.#send(request, token, label(i))));
        return results.at(-1)!;
      }
      for (let i = 0; i < replay.copies - 1; i++) await this.#send(request, token, label(i));
      return this.#send(request, token, label(replay.copies - 1));
    }
    return this.#send(request, token);
  }

  async #send(request: WebhookRequest, idempotencyToken: string, fault?: string): Promise<WebhookResult> {
    const url = targetUrl(request);
    const signedParams = request.method === 'GET' ? {} : request.params;
    const signature = twilio.getExpectedTwilioSignature(this.authToken, url, signedParams);
    const headers: Record<string, string> = {
      'X-Twilio-Signature': signature,
      'I-Twilio-Idempotency-Token': idempotencyToken,
      'User-Agent': 'TwilioProxy/1.1',
      Accept: '*/*',
    };
    let body: string | undefined;
    if (request.method === 'POST') {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(request.params).toString();
    }
    const started = performance.now();
    let result: WebhookResult;
    try {
      const response = await fetch(url, { method: request.method, headers, body, signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS) });
      const text = await response.text();
      result = { url, status: response.status, ok: response.ok, body: text, contentType: response.headers.get('content-type') ?? '' };
    } catch (error) {
      result = { url, status: null, ok: false, body: '', contentType: '', error: error instanceof Error ? describeFetchError(error) : String(error) };
    }
    this.traffic.add({
      channel: 'webhook',
      kind: request.kind,
      method: request.method,
      url,
      status: result.status,
      summary: request.summary,
      params: request.params,
      durationMs: Math.round(performance.now() - started),
      ...(fault ? { fault } : {}),
      ...(result.error ? { error: result.error } : {}),
    });
    return result;
  }
}

function targetUrl(request: WebhookRequest): string {
  if (request.method === 'POST') return request.url;
  const url = new URL(request.url);
  for (const [key, value] of Object.entries(request.params)) url.searchParams.append(key, value);
  return url.href;
}

function describeFetchError(error: Error): string {
  const cause = (error as { cause?: unknown }).cause;
  if (error.name === 'TimeoutError') return `timed out after ${WEBHOOK_TIMEOUT_MS / 1000}s`;
  if (cause instanceof Error) return `${error.message}: ${cause.message}`;
  return error.message;
}
