import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Recording, SimCall, StatusCallbackConfig, TwimlSource } from './call.js';
import type { SimMessage } from './message.js';
import type { Network } from './network.js';
import { parseVoiceTwiml, TwimlError, type HttpMethod } from './twiml.js';
import { isE164, rfc2822 } from './wire.js';

/**
 * The slice of Twilio's 2010-04-01 REST API the service uses: Messages and Calls, shaped as
 * Twilio shapes them (JSON fields, error bodies and codes, 201 on create, Basic auth), so the
 * official `twilio` library works against it unchanged.
 */

type Form = Record<string, string | string[]>;

/** A Twilio REST error: the HTTP status, Twilio's code and its message. */
interface TwilioError {
  status: number;
  code: number;
  message: string;
  headers?: Record<string, string>;
}

interface ExchangeNote {
  kind: string;
  summary: string;
  fault?: string;
}

const API = '/2010-04-01/Accounts/:accountSid';
const CALL_EVENTS = new Set(['initiated', 'ringing', 'answered', 'completed']);

export function registerRestApi(app: FastifyInstance, network: Network, authToken: string): void {
  const notes = new WeakMap<FastifyRequest, ExchangeNote>();
  const note = (request: FastifyRequest, value: ExchangeNote): void => {
    notes.set(request, { ...notes.get(request), ...value });
  };

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, parseForm(String(body)));
  });

  const slow = async (request: FastifyRequest, point: 'request' | 'answer'): Promise<void> => {
    const latency = network.faults.latencyOf(point);
    if (latency <= 0 || !request.url.startsWith('/2010-04-01/')) return;
    const previous = notes.get(request);
    note(request, { kind: previous?.kind ?? 'rest', summary: previous?.summary ?? '', fault: `${previous?.fault ? `${previous.fault}, ` : ''}latency ${latency}ms${point === 'answer' ? ' (answer)' : ''}` });
    await new Promise((resolve) => setTimeout(resolve, latency));
  };

  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/2010-04-01/')) return;
    await slow(request, 'request');
    if (isRecordingMedia(request.url)) return;
    const accountSid = (request.params as { accountSid?: string }).accountSid ?? request.url.split('/')[3];
    const auth = checkAuth(request.headers.authorization, network.accountSid, authToken);
    if (!auth) {
      reply.header('WWW-Authenticate', 'Basic realm="Twilio API"');
      return sendError(reply, { status: 401, code: 20003, message: 'Authenticate' });
    }
    if (accountSid !== network.accountSid) {
      return sendError(reply, { status: 404, code: 20404, message: `The requested resource ${request.url.split('?')[0]} was not found` });
    }
    const injected = network.faults.takeRestFailure();
    if (injected) {
      const { failure, fault } = injected;
      const previous = notes.get(request)?.fault;
      note(request, { kind: 'rest', summary: '', fault: `${previous ? `${previous}, ` : ''}${fault}` });
      if (failure.status === 429) {
        const headers: Record<string, string> = failure.retryAfterSeconds !== undefined ? { 'Retry-After': String(failure.retryAfterSeconds) } : {};
        return sendError(reply, { status: 429, code: 20429, message: 'Too Many Requests', headers });
      }
      return sendError(reply, { status: 500, code: 20500, message: 'Internal Server Error' });
    }
  });

  // Latency of the answer: the request was carried out, so a client that gives up (or dies)
  // waiting does not know it was, as on Twilio.
  app.addHook('onSend', async (request, _reply, payload) => {
    await slow(request, 'answer');
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    if (!request.url.startsWith('/2010-04-01/')) return;
    const info = notes.get(request);
    const body = (request.body ?? {}) as Form;
    network.traffic.add({
      channel: 'rest',
      kind: info?.kind && info.kind !== 'rest' ? info.kind : restKind(request.method, request.url),
      method: request.method,
      url: request.url,
      status: reply.statusCode,
      summary: info?.summary ?? '',
      params: typeof body === 'object' ? body : {},
      durationMs: Math.round(reply.elapsedTime),
      ...(info?.fault ? { fault: info.fault } : {}),
    });
  });

  // --- Messages --------------------------------------------------------------------------------

  app.post(`${API}/Messages.json`, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    const to = field(form, 'To');
    const from = field(form, 'From') ?? (field(form, 'MessagingServiceSid') ? network.standbyNumbers[0] : undefined);
    const body = field(form, 'Body') ?? '';
    const media = list(form, 'MediaUrl');
    note(request, { kind: 'messages.create', summary: `SMS ${from ?? '?'} → ${to ?? '?'}: ${body}` });
    if (!to) return sendError(reply, { status: 400, code: 21604, message: "A 'To' phone number is required." });
    if (!from) return sendError(reply, { status: 400, code: 21603, message: "A 'From' phone number is required." });
    if (body.trim() === '' && media.length === 0) return sendError(reply, { status: 400, code: 21602, message: 'Message body is required.' });
    if ([...body].length > 1600) return sendError(reply, { status: 400, code: 21617, message: 'The concatenated message body exceeds the 1600 character limit.' });
    if (!isE164(to) || network.isMarkedInvalid(to)) return sendError(reply, { status: 400, code: 21211, message: `Invalid 'To' Phone Number: ${to}` });
    if (!isE164(from)) return sendError(reply, { status: 400, code: 21212, message: `Invalid 'From' Phone Number: ${from}` });
    if (!network.ownsNumber(from)) {
      return sendError(reply, { status: 400, code: 21606, message: `The 'From' phone number provided (${from}) is not a valid message-capable Twilio phone number for this destination.` });
    }
    const statusCallback = callbackOf(form, 'StatusCallback', 'StatusCallbackMethod');
    if (statusCallback === 'invalid') return sendError(reply, { status: 400, code: 21609, message: 'Invalid StatusCallback url' });
    const message = network.createOutboundMessage({ from, to, body, media, statusCallback, direction: 'outbound-api' });
    afterResponse(reply, () => network.startDelivery(message));
    return reply.code(201).send(messageJson(network, message));
  });

  app.get(`${API}/Messages.json`, async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const all = [...network.messages.values()]
      .filter((m) => (!query.To || m.to === query.To) && (!query.From || m.from === query.From))
      .reverse();
    note(request, { kind: 'messages.list', summary: `${all.length} messages` });
    return reply.send(page(request, all, 'messages', (m) => messageJson(network, m)));
  });

  app.get(`${API}/Messages/:file`, async (request, reply) => {
    const sid = jsonSid(request);
    const message = sid ? network.messages.get(sid) : undefined;
    note(request, { kind: 'messages.fetch', summary: sid ?? '' });
    if (!message) return notFound(request, reply);
    return reply.send(messageJson(network, message));
  });

  // --- Calls -----------------------------------------------------------------------------------

  app.post(`${API}/Calls.json`, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    const to = field(form, 'To');
    const from = field(form, 'From');
    note(request, { kind: 'calls.create', summary: `call ${from ?? '?'} → ${to ?? '?'}` });
    if (!to) return sendError(reply, { status: 400, code: 21201, message: "No 'To' number is specified" });
    if (!from) return sendError(reply, { status: 400, code: 21213, message: "No 'From' number is specified" });
    const source = twimlSource(form);
    if ('error' in source) return sendError(reply, source.error);
    if (!isE164(to) || network.isMarkedInvalid(to)) return sendError(reply, { status: 400, code: 21211, message: `Invalid 'To' Phone Number: ${to}` });
    if (!isE164(from)) return sendError(reply, { status: 400, code: 21212, message: `Invalid 'From' Phone Number: ${from}` });
    if (!network.ownsNumber(from)) {
      return sendError(reply, { status: 400, code: 21210, message: `The source phone number provided, ${from}, is not yet verified for your account.` });
    }
    const callback = callbackOf(form, 'StatusCallback', 'StatusCallbackMethod');
    if (callback === 'invalid') return sendError(reply, { status: 400, code: 21609, message: 'Invalid StatusCallback url' });
    let statusCallback: StatusCallbackConfig | undefined;
    if (callback) {
      const events = list(form, 'StatusCallbackEvent').flatMap((e) => e.split(/[\s,]+/)).filter(Boolean);
      const unknown = events.find((e) => !CALL_EVENTS.has(e));
      if (unknown) return sendError(reply, { status: 400, code: 21626, message: `Invalid StatusCallbackEvent: ${unknown}` });
      // Twilio always reports the end of a call to a StatusCallback.
      statusCallback = { ...callback, events: new Set([...events, 'completed']) };
    }
    const timeoutRaw = field(form, 'Timeout');
    const timeout = timeoutRaw === undefined ? 60 : Number(timeoutRaw);
    if (!Number.isInteger(timeout) || timeout < 1 || timeout > 600) return sendError(reply, { status: 400, code: 21207, message: `Timeout must be between 1 and 600: ${timeoutRaw ?? ''}` });
    const call = network.createOutboundCall({
      from,
      to,
      first: source.source,
      ringTimeoutSeconds: timeout,
      machineDetection: field(form, 'MachineDetection') !== undefined,
      ...(statusCallback ? { statusCallback } : {}),
    });
    afterResponse(reply, () => network.startCall(call));
    return reply.code(201).send(callJson(network, call));
  });

  app.get(`${API}/Calls.json`, async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const all = [...network.calls.values()]
      .filter((c) => (!query.To || c.to === query.To) && (!query.From || c.from === query.From) && (!query.Status || c.status === query.Status))
      .reverse();
    note(request, { kind: 'calls.list', summary: `${all.length} calls` });
    return reply.send(page(request, all, 'calls', (c) => callJson(network, c)));
  });

  app.get(`${API}/Calls/:file`, async (request, reply) => {
    const sid = jsonSid(request);
    const call = sid ? network.calls.get(sid) : undefined;
    note(request, { kind: 'calls.fetch', summary: sid ?? '' });
    if (!call) return notFound(request, reply);
    return reply.send(callJson(network, call));
  });

  app.post(`${API}/Calls/:file`, async (request, reply) => {
    const sid = jsonSid(request);
    const call = sid ? network.calls.get(sid) : undefined;
    const form = (request.body ?? {}) as Form;
    const status = field(form, 'Status');
    note(request, { kind: 'calls.update', summary: `${sid ?? ''}${status ? ` Status=${status}` : ''}${field(form, 'Url') ? ` Url=${field(form, 'Url') ?? ''}` : ''}${field(form, 'Twiml') ? ' Twiml' : ''}` });
    if (!call) return notFound(request, reply);
    if (status !== undefined && status !== 'canceled' && status !== 'completed') {
      return sendError(reply, { status: 400, code: 21218, message: `Invalid Status: ${status}` });
    }
    let source: TwimlSource | undefined;
    if (field(form, 'Url') !== undefined || field(form, 'Twiml') !== undefined) {
      const parsed = twimlSource(form);
      if ('error' in parsed) return sendError(reply, parsed.error);
      source = parsed.source;
    }
    const result = call.update({ ...(status ? { status } : {}), ...(source ? { source } : {}) });
    if (!result.ok) return sendError(reply, { status: 400, code: result.code, message: result.message });
    return reply.send(callJson(network, call));
  });

  // --- Recordings --------------------------------------------------------------------------------

  app.get(`${API}/Recordings/:file`, async (request, reply) => {
    const file = (request.params as { file: string }).file;
    const match = /^(RE[0-9a-f]{32})(\.json|\.wav|\.mp3)?$/.exec(file);
    const recording = match?.[1] ? network.recordings.get(match[1]) : undefined;
    note(request, { kind: 'recordings.fetch', summary: file });
    if (!recording || !match) return notFound(request, reply);
    if (match[2] === '.json') return reply.send(recordingJson(network, recording));
    return reply.header('content-type', match[2] === '.mp3' ? 'audio/mpeg' : 'audio/x-wav').send(silentWav(recording.durationSeconds));
  });

  app.all('/2010-04-01/*', async (request, reply) => notFound(request, reply));
}

// --- Shapes ----------------------------------------------------------------------------------------

function messageJson(network: Network, message: SimMessage): Record<string, unknown> {
  const uri = `/2010-04-01/Accounts/${network.accountSid}/Messages/${message.sid}.json`;
  return {
    account_sid: network.accountSid,
    api_version: '2010-04-01',
    body: message.body,
    date_created: rfc2822(message.dateCreated),
    date_sent: message.dateSent ? rfc2822(message.dateSent) : null,
    date_updated: rfc2822(message.dateUpdated),
    direction: message.direction,
    error_code: message.errorCode,
    error_message: message.errorMessage,
    from: message.from,
    messaging_service_sid: null,
    num_media: String(message.media.length),
    num_segments: '1',
    price: null,
    price_unit: 'USD',
    sid: message.sid,
    status: message.status,
    subresource_uris: { media: uri.replace(/\.json$/, '/Media.json') },
    to: message.to,
    uri,
  };
}

function callJson(network: Network, call: SimCall): Record<string, unknown> {
  const uri = `/2010-04-01/Accounts/${network.accountSid}/Calls/${call.sid}.json`;
  const base = uri.replace(/\.json$/, '');
  return {
    account_sid: network.accountSid,
    annotation: null,
    answered_by: null,
    api_version: '2010-04-01',
    caller_name: null,
    date_created: rfc2822(call.dateCreated),
    date_updated: rfc2822(call.endTime ?? call.startTime ?? call.dateCreated),
    direction: call.direction,
    duration: call.isOver ? String(call.durationSeconds) : null,
    end_time: call.endTime ? rfc2822(call.endTime) : null,
    forwarded_from: null,
    from: call.from,
    from_formatted: call.from,
    group_sid: null,
    parent_call_sid: null,
    phone_number_sid: null,
    price: null,
    price_unit: 'USD',
    queue_time: '0',
    sid: call.sid,
    start_time: call.startTime ? rfc2822(call.startTime) : null,
    status: call.status,
    subresource_uris: {
      notifications: `${base}/Notifications.json`,
      recordings: `${base}/Recordings.json`,
      events: `${base}/Events.json`,
    },
    to: call.to,
    to_formatted: call.to,
    trunk_sid: null,
    uri,
  };
}

function recordingJson(network: Network, recording: Recording): Record<string, unknown> {
  return {
    account_sid: network.accountSid,
    api_version: '2010-04-01',
    call_sid: recording.callSid,
    channels: 1,
    conference_sid: null,
    date_created: rfc2822(recording.dateCreated),
    date_updated: rfc2822(recording.dateCreated),
    duration: String(recording.durationSeconds),
    sid: recording.sid,
    source: 'RecordVerb',
    start_time: rfc2822(recording.dateCreated),
    status: 'completed',
    uri: `/2010-04-01/Accounts/${network.accountSid}/Recordings/${recording.sid}.json`,
  };
}

function page<T>(request: FastifyRequest, all: T[], key: string, shape: (item: T) => Record<string, unknown>): Record<string, unknown> {
  const query = request.query as Record<string, string | undefined>;
  const pageSize = Math.min(1000, Math.max(1, Number(query.PageSize ?? 50) || 50));
  const pageNumber = Math.max(0, Number(query.Page ?? 0) || 0);
  const start = pageNumber * pageSize;
  const items = all.slice(start, start + pageSize);
  const path = request.url.split('?')[0] ?? '';
  const uriFor = (n: number): string => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && k !== 'Page' && k !== 'PageSize') params.set(k, v);
    params.set('PageSize', String(pageSize));
    params.set('Page', String(n));
    return `${path}?${params.toString()}`;
  };
  return {
    [key]: items.map(shape),
    end: start + Math.max(0, items.length - 1),
    first_page_uri: uriFor(0),
    next_page_uri: start + pageSize < all.length ? uriFor(pageNumber + 1) : null,
    page: pageNumber,
    page_size: pageSize,
    previous_page_uri: pageNumber > 0 ? uriFor(pageNumber - 1) : null,
    start,
    uri: uriFor(pageNumber),
  };
}

// --- Helpers ---------------------------------------------------------------------------------------

function sendError(reply: FastifyReply, error: TwilioError): FastifyReply {
  for (const [name, value] of Object.entries(error.headers ?? {})) reply.header(name, value);
  return reply
    .code(error.status)
    .header('content-type', 'application/json; charset=utf-8')
    .send({ code: error.code, message: error.message, more_info: `https://www.twilio.com/docs/errors/${error.code}`, status: error.status });
}

function notFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendError(reply, { status: 404, code: 20404, message: `The requested resource ${request.url.split('?')[0] ?? ''} was not found` });
}

function checkAuth(header: string | undefined, accountSid: string, authToken: string): boolean {
  if (!header?.startsWith('Basic ')) return false;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  if (separator < 0) return false;
  const user = decoded.slice(0, separator);
  const password = decoded.slice(separator + 1);
  return user === accountSid && safeEqual(password, authToken);
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function parseForm(body: string): Form {
  const form: Form = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const existing = form[key];
    if (existing === undefined) form[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else form[key] = [existing, value];
  }
  return form;
}

function field(form: Form, name: string): string | undefined {
  const value = form[name];
  return Array.isArray(value) ? value[0] : value;
}

function list(form: Form, name: string): string[] {
  const value = form[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function httpMethod(raw: string | undefined): HttpMethod | undefined {
  if (raw === undefined) return 'POST';
  const upper = raw.toUpperCase();
  return upper === 'GET' || upper === 'POST' ? upper : undefined;
}

function isHttpUrl(raw: string): boolean {
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function callbackOf(form: Form, urlField: string, methodField: string): { url: string; method: HttpMethod } | undefined | 'invalid' {
  const url = field(form, urlField);
  if (url === undefined || url === '') return undefined;
  const method = httpMethod(field(form, methodField));
  if (!isHttpUrl(url) || !method) return 'invalid';
  return { url, method };
}

function twimlSource(form: Form): { source: TwimlSource } | { error: TwilioError } {
  const twiml = field(form, 'Twiml');
  const url = field(form, 'Url');
  if (twiml !== undefined) {
    try {
      parseVoiceTwiml(twiml);
    } catch (error) {
      if (error instanceof TwimlError) return { error: { status: 400, code: 21232, message: `Twiml is not valid: ${error.message}` } };
      throw error;
    }
    return { source: { type: 'inline', twiml } };
  }
  if (url === undefined) {
    if (field(form, 'ApplicationSid')) return { error: { status: 400, code: 21205, message: 'ApplicationSid is not supported by the simulator: pass Url or Twiml' } };
    return { error: { status: 400, code: 21205, message: 'Url, Twiml or ApplicationSid is required' } };
  }
  const method = httpMethod(field(form, 'Method'));
  if (!isHttpUrl(url)) return { error: { status: 400, code: 21205, message: `Url is not a valid URL: ${url}` } };
  if (!method) return { error: { status: 400, code: 21205, message: `Method is not GET or POST: ${field(form, 'Method') ?? ''}` } };
  return { source: { type: 'fetch', url, method, params: {}, kind: 'voice' } };
}

function jsonSid(request: FastifyRequest): string | undefined {
  const file = (request.params as { file?: string }).file ?? '';
  const match = /^([A-Z]{2}[0-9a-f]{32})\.json$/.exec(file);
  return match?.[1];
}

function restKind(method: string, url: string): string {
  const path = url.split('?')[0] ?? '';
  const resource = /\/Accounts\/[^/]+\/(\w+)/.exec(path)?.[1] ?? 'api';
  return `${resource.toLowerCase()}.${method.toLowerCase()}`;
}

function isRecordingMedia(url: string): boolean {
  return /\/Recordings\/RE[0-9a-f]{32}(\.wav|\.mp3)?(\?|$)/.test(url);
}

/**
 * Runs `start` once the REST answer has gone out (or the client hung up), so callbacks never
 * overtake the answer; a client already gone does not stop the work.
 */
function afterResponse(reply: FastifyReply, start: () => void): void {
  let started = false;
  const once = (): void => {
    if (started) return;
    started = true;
    start();
  };
  if (reply.raw.destroyed) {
    setImmediate(once);
    return;
  }
  reply.raw.once('finish', once);
  reply.raw.once('close', once);
}

/** A silent 8 kHz mono WAV of the given length (capped), so recording URLs answer with audio. */
function silentWav(seconds: number): Buffer {
  const samples = 8000 * Math.min(seconds, 30);
  const buffer = Buffer.alloc(44 + samples, 0x80);
  buffer.write('RIFF', 0, 'ascii');
  buffer.writeUInt32LE(36 + samples, 4);
  buffer.write('WAVE', 8, 'ascii');
  buffer.write('fmt ', 12, 'ascii');
  buffer.writeUInt32LE(16, 16);
  buffer.writeUInt16LE(1, 20);
  buffer.writeUInt16LE(1, 22);
  buffer.writeUInt32LE(8000, 24);
  buffer.writeUInt32LE(8000, 28);
  buffer.writeUInt16LE(1, 32);
  buffer.writeUInt16LE(8, 34);
  buffer.write('data', 36, 'ascii');
  buffer.writeUInt32LE(samples, 40);
  return buffer;
}
