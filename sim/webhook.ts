import { randomUUID } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
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
    private readonly connectTo?: ConnectTo,
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
      const response = await send(url, request.method, headers, body, this.connectTo?.(new URL(url)));
      result = { url, status: response.status, ok: response.status >= 200 && response.status < 300, body: response.body, contentType: response.contentType };
    } catch (error) {
      result = { url, status: null, ok: false, body: '', contentType: '', error: error instanceof Error ? error.message : String(error) };
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

/**
 * Where a webhook is actually sent, as a load balancer in front of the service chooses: the host
 * and port to connect to for this URL, or undefined to connect to the URL's own. The URL, its
 * Host header and the signature stay the service's.
 */
export type ConnectTo = (url: URL) => { host: string; port: number } | undefined;

/** Connections to the service are kept open between webhooks, as Twilio's are. */
const agents = { http: new HttpAgent({ keepAlive: true, maxSockets: 256 }), https: new HttpsAgent({ keepAlive: true, maxSockets: 256 }) };

/**
 * One HTTP request with Twilio's 15 s limit for the whole answer. (Node's `http`, not `fetch`: in a
 * storm of delivery reports fetch's streams and abort signals cost the simulator more than the
 * service spent answering them.)
 */
function send(url: string, method: string, headers: Record<string, string>, body: string | undefined, via?: { host: string; port: number }): Promise<{ status: number; body: string; contentType: string }> {
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  const sent = { ...headers, ...(body === undefined ? {} : { 'Content-Length': String(Buffer.byteLength(body)) }), ...(via ? { Host: target.host } : {}) };
  return new Promise((resolve, reject) => {
    const outgoing = (secure ? httpsRequest : httpRequest)(
      target,
      { method, headers: sent, agent: secure ? agents.https : agents.http, ...(via ? { host: via.host, hostname: via.host, port: via.port } : {}) },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          clearTimeout(timer);
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), contentType: String(response.headers['content-type'] ?? '') });
        });
        response.on('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
      },
    );
    const timer = setTimeout(() => outgoing.destroy(new Error(`timed out after ${WEBHOOK_TIMEOUT_MS / 1000}s`)), WEBHOOK_TIMEOUT_MS);
    outgoing.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    outgoing.end(body);
  });
}
