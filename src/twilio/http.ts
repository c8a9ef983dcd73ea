import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** What the `twilio` library asks its HTTP client for (`RequestClient.request`'s options). */
export interface TwilioRequest {
  method: string;
  uri: string;
  username?: string;
  password?: string;
  authStrategy?: { getAuthString(): Promise<string> };
  headers?: Record<string, string>;
  /** The query string's parameters (GET: lists, pages). */
  params?: Record<string, unknown>;
  /** The form's parameters (POST). */
  data?: Record<string, unknown>;
  timeout?: number;
}

/** What the library expects back: the body as text (it parses JSON itself), whatever the status. */
export interface TwilioResponse {
  statusCode: number;
  body: string;
  headers: IncomingHttpHeaders;
}

/**
 * The HTTP client the `twilio` library sends through (its documented `httpClient` option), in
 * place of its own axios-based `RequestClient`: Node's `http`/`https` with kept-alive connections,
 * the form encoded as the library's (`qs`, `arrayFormat: 'repeat'`). The library's client cost the
 * worker about a third of each send's CPU (axios' configuration merging, interceptors and
 * adapters), and it kept no connection to a plain-HTTP Twilio (the simulator) at all.
 *
 * - One connection per send in flight (`sockets`), kept open between bursts.
 * - Twilio's `Retry-After` on a 429 or 5xx is copied into the error body's
 *   `details.retryAfterSeconds`, where the library's `RestException` carries it to the sender
 *   (the library drops response headers from its errors).
 * - A request that gets no answer within `timeoutMs` fails with `code: 'ETIMEDOUT'`: it may have
 *   been acted on. A connection refused (`ECONNREFUSED`) was not.
 * - `TWILIO_CA_BUNDLE` is honoured as the library honours it. `HTTP_PROXY` is not: with it set,
 *   `createTwilioClient` keeps the library's own client, which goes through the proxy.
 */
export class TwilioHttpClient {
  readonly agents: { http: HttpAgent; https: HttpsAgent };
  readonly #timeoutMs: number;

  constructor(options: { sockets: number; timeoutMs: number }) {
    const pool = { keepAlive: true, maxSockets: options.sockets, maxTotalSockets: options.sockets, maxFreeSockets: options.sockets };
    const ca = process.env.TWILIO_CA_BUNDLE ? readFileSync(process.env.TWILIO_CA_BUNDLE) : undefined;
    this.agents = { http: new HttpAgent(pool), https: new HttpsAgent({ ...pool, ...(ca ? { ca } : {}) }) };
    this.#timeoutMs = options.timeoutMs;
  }

  async request(opts: TwilioRequest): Promise<TwilioResponse> {
    const url = new URL(opts.uri);
    for (const [key, value] of formOf(opts.params)) url.searchParams.append(key, value);
    const headers: Record<string, string> = { ...opts.headers, Connection: 'keep-alive' };
    if (opts.username && opts.password) headers.Authorization = `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString('base64')}`;
    else if (opts.authStrategy) headers.Authorization = await opts.authStrategy.getAuthString();
    const body = opts.data && headers['Content-Type'] === 'application/x-www-form-urlencoded' ? new URLSearchParams(formOf(opts.data)).toString() : undefined;
    if (body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(body));
    const response = await send(url, opts.method.toUpperCase(), headers, body, url.protocol === 'https:' ? this.agents.https : this.agents.http, opts.timeout ?? this.#timeoutMs);
    return { ...response, body: bodyWithRetryAfter(response.statusCode, response.headers['retry-after'], response.body) as string };
  }
}

/** The parameters as the library's `qs.stringify(…, { arrayFormat: 'repeat' })` has them: an array repeats its key; undefined and null are left out. */
function formOf(params: Record<string, unknown> | undefined): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(params ?? {})) {
    for (const one of Array.isArray(value) ? value : [value]) {
      if (one === undefined || one === null) continue;
      pairs.push([key, one instanceof Date ? one.toISOString() : String(one)]);
    }
  }
  return pairs;
}

function send(url: URL, method: string, headers: Record<string, string>, body: string | undefined, agent: HttpAgent, timeoutMs: number): Promise<TwilioResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method, headers, agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        clearTimeout(timer);
        resolve({ statusCode: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: response.headers });
      });
      response.on('error', fail);
    });
    function fail(error: Error) {
      clearTimeout(timer);
      reject(error);
    }
    const timer = setTimeout(() => outgoing.destroy(Object.assign(new Error(`no answer from Twilio within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), timeoutMs);
    outgoing.on('error', fail);
    outgoing.end(body);
  });
}

/**
 * Twilio's `Retry-After` on a 429 or 5xx, copied into the error body's `details.retryAfterSeconds`
 * (where the library's `RestException` carries it to the sender); the body as it was otherwise,
 * or when it is not JSON (the sender then falls back to its own backoff). The body may be text or
 * already parsed (the library's own client parses it).
 */
export function bodyWithRetryAfter(statusCode: number, retryAfter: unknown, body: unknown): unknown {
  if (statusCode < 400 || retryAfter === undefined) return body;
  const seconds = Number(retryAfter);
  try {
    const parsed = (typeof body === 'string' ? JSON.parse(body) : { ...(body as object) }) as { details?: Record<string, unknown> };
    parsed.details = { ...(parsed.details ?? {}), retryAfterSeconds: Number.isFinite(seconds) ? seconds : undefined };
    return JSON.stringify(parsed);
  } catch {
    return body;
  }
}
