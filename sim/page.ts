import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { SimCall, TranscriptEntry } from './call.js';
import type { SimMessage } from './message.js';
import type { Network } from './network.js';
import type { Phone } from './phone.js';

/**
 * The /sim page and the small JSON API behind it: the demo phones, their texts and calls, and the
 * traffic log. The page is plain HTML and one script (no build step); it listens to
 * /sim/api/events (server-sent events) and re-reads /sim/api/state when something changed.
 */

const PUBLIC_DIR = new URL('./public/', import.meta.url);
const ASSETS: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'sim.js': 'text/javascript; charset=utf-8',
  'sim.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

export interface SimPageOptions {
  standbyLabels: Record<string, string>;
  /** Phone number → the standby number its card preselects. */
  dials: Record<string, string>;
  incidentsFeed: { url: string; token: string } | undefined;
}

/** An incident as the panel shows it, read from the service's public API. */
export interface IncidentView {
  id: number;
  status: string;
  severity: string;
  customer: string;
  integration: string;
  /** Who has it: the engineer who acknowledged, or null. */
  owner: string | null;
  firstContactAt: string;
}

const IncidentsAnswer = z.object({
  items: z.array(
    z.looseObject({
      id: z.number(),
      status: z.string(),
      severity: z.string(),
      customerName: z.string().optional(),
      integrationName: z.string().optional(),
      acknowledgedByName: z.string().nullable().optional(),
      firstContactAt: z.string(),
    }),
  ),
});

export interface PhoneView {
  number: string;
  name: string;
  kind: string;
  /** The standby number this card preselects, if configured. */
  dials: string | undefined;
  answerPolicy: string;
  smsDelivery: string;
  messages: Array<{ sid: string; direction: 'in' | 'out'; counterpart: string; body: string; status: string; at: string }>;
  call: CallView | undefined;
}

export interface CallView {
  sid: string;
  role: 'caller' | 'callee';
  direction: string;
  from: string;
  to: string;
  status: string;
  phase: string;
  transcript: TranscriptEntry[];
  gather: { numDigits: number | undefined; finishOnKey: string; collected: string } | undefined;
  record: { maxLength: number; finishOnKey: string } | undefined;
}

const SmsBody = z.object({ to: z.string().min(1), body: z.string().min(1).max(1600) });
const CallBody = z.object({ to: z.string().min(1) });
const PressBody = z.object({ digits: z.string().regex(/^[0-9*#]+$/) });
const RecordBody = z.object({
  transcription: z.string().max(5000).optional(),
  durationSeconds: z.number().int().min(1).max(3600).optional(),
  finishOnKey: z.string().length(1).optional(),
});

export function registerSimPage(app: FastifyInstance, network: Network, options: SimPageOptions = { standbyLabels: {}, dials: {}, incidentsFeed: undefined }): void {
  const streams = new Set<ServerResponse>();

  app.get('/sim', async (_request, reply) => sendAsset(reply, 'index.html'));
  app.get('/sim/', async (_request, reply) => sendAsset(reply, 'index.html'));
  app.get('/sim/:asset', async (request, reply) => {
    const { asset } = request.params as { asset: string };
    if (!(asset in ASSETS)) return reply.code(404).send({ error: 'not found' });
    return sendAsset(reply, asset);
  });

  app.get('/sim/api/state', async () => state(network, options));

  // The incidents panel: read through the service's public API, so the page needs no token of its own.
  app.get('/sim/api/incidents', async () => incidents(options.incidentsFeed));

  app.get('/sim/api/events', (request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write('retry: 1000\n\n');
    streams.add(res);
    let pending: ReturnType<typeof setTimeout> | undefined;
    let version = 0;
    // Many changes come in bursts (a call plays a whole document): tell the page once per burst.
    const unsubscribe = network.subscribe(() => {
      version++;
      pending ??= setTimeout(() => {
        pending = undefined;
        res.write(`event: changed\ndata: ${version}\n\n`);
      }, 25);
    });
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    const close = (): void => {
      unsubscribe();
      clearInterval(keepAlive);
      if (pending) clearTimeout(pending);
      streams.delete(res);
    };
    request.raw.once('close', close);
    res.once('close', close);
  });

  app.addHook('onClose', async () => {
    for (const res of streams) res.end();
  });

  app.post('/sim/api/phones/:number/sms', async (request, reply) => {
    const body = SmsBody.safeParse(request.body);
    if (!body.success) return badRequest(reply, body.error.message);
    const phone = knownPhone(network, request.params);
    const message = await phone.sendSms(body.data.to, body.data.body);
    return { sid: message.sid };
  });

  app.post('/sim/api/phones/:number/call', async (request, reply) => {
    const body = CallBody.safeParse(request.body);
    if (!body.success) return badRequest(reply, body.error.message);
    const phone = knownPhone(network, request.params);
    const call = await phone.call(body.data.to);
    return { sid: call.sid };
  });

  const callAction = (name: string, act: (call: SimCall, body: unknown) => Promise<unknown>): void => {
    app.post(`/sim/api/calls/:sid/${name}`, async (request, reply) => {
      const { sid } = request.params as { sid: string };
      const call = network.calls.get(sid);
      if (!call) return reply.code(404).send({ error: `no call ${sid}` });
      await act(call, request.body);
      return { sid, status: call.status, phase: call.phase };
    });
  };
  callAction('answer', async (call) => call.decideRinging('answer'));
  callAction('decline', async (call) => call.decideRinging('busy'));
  callAction('no-answer', async (call) => call.decideRinging('no-answer'));
  callAction('press', async (call, body) => call.press(PressBody.parse(body).digits));
  callAction('silence', async (call) => call.silence());
  callAction('record', async (call, body) => call.record(RecordBody.parse(body ?? {})));
  callAction('hangup', async (call) => call.hangup());

  app.setErrorHandler((error: unknown, request, reply) => {
    if (!request.url.startsWith('/sim/api/')) {
      reply.code(500).send({ code: 20500, message: 'Internal Server Error', more_info: 'https://www.twilio.com/docs/errors/20500', status: 500 });
      return;
    }
    const message = error instanceof z.ZodError ? error.message : error instanceof Error ? error.message : String(error);
    // Bad input is 400; an action the call cannot take in its state (press while recording…) is 409.
    reply.code(error instanceof HttpError ? error.status : error instanceof z.ZodError ? 400 : 409).send({ error: message });
  });
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function knownPhone(network: Network, params: unknown): Phone {
  const { number } = params as { number: string };
  const phone = network.phones.find((p) => p.number === number);
  if (!phone) throw new HttpError(404, `no phone ${number}`);
  return phone;
}

function badRequest(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(400).send({ error: message });
}

async function sendAsset(reply: FastifyReply, name: string): Promise<FastifyReply> {
  const body = await readFile(new URL(name, PUBLIC_DIR));
  return reply.header('content-type', ASSETS[name] ?? 'application/octet-stream').header('cache-control', 'no-store').send(body);
}

/** The latest incidents, or why they cannot be shown. */
async function incidents(feed: SimPageOptions['incidentsFeed']): Promise<{ configured: boolean; items: IncidentView[]; error?: string }> {
  if (!feed) return { configured: false, items: [] };
  try {
    const url = new URL(feed.url);
    url.searchParams.set('limit', '20');
    const response = await fetch(url, { headers: { authorization: `Bearer ${feed.token}` }, signal: AbortSignal.timeout(5000) });
    if (!response.ok) return { configured: true, items: [], error: `the service answered ${response.status}` };
    const answer = IncidentsAnswer.parse(await response.json());
    return {
      configured: true,
      items: answer.items.map((i) => ({
        id: i.id,
        status: i.status,
        severity: i.severity,
        customer: i.customerName ?? '',
        integration: i.integrationName ?? '',
        owner: i.acknowledgedByName ?? null,
        firstContactAt: i.firstContactAt,
      })),
    };
  } catch (error) {
    return { configured: true, items: [], error: `could not read incidents: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** Everything the page shows, in one read. */
export function state(network: Network, options: SimPageOptions = { standbyLabels: {}, dials: {}, incidentsFeed: undefined }): Record<string, unknown> {
  return {
    accountSid: network.accountSid,
    serviceBaseUrl: network.serviceBaseUrl,
    standbyNumbers: network.standbyNumbers,
    standbyLabels: options.standbyLabels,
    incidentsPanel: options.incidentsFeed !== undefined,
    phones: network.phones
      .filter((phone) => !network.standbyNumbers.includes(phone.number))
      .filter((phone) => phone.kind !== 'other' || phone.inbox.length > 0 || phone.sent.length > 0 || phone.incomingCalls.length > 0 || phone.outgoingCalls.length > 0)
      .map((phone) => phoneView(network, phone, options.dials[phone.number])),
    traffic: network.traffic.entries.slice(-200),
    errors: network.errors.slice(-20),
  };
}

function phoneView(network: Network, phone: Phone, dials: string | undefined): PhoneView {
  // The network keeps messages in the order they were created: the thread reads in that order.
  const received = new Set(phone.inbox);
  const sent = new Set(phone.sent);
  const messages: SimMessage[] = [...network.messages.values()].filter((m) => received.has(m) || sent.has(m));
  return {
    number: phone.number,
    name: phone.name,
    kind: phone.kind,
    dials,
    answerPolicy: typeof phone.answerPolicy === 'function' ? 'custom' : phone.answerPolicy,
    smsDelivery: phone.smsDelivery,
    messages: messages.map((m) => ({
      sid: m.sid,
      direction: m.to === phone.number ? 'in' : 'out',
      counterpart: m.to === phone.number ? m.from : m.to,
      body: m.body,
      status: m.status,
      at: m.dateCreated.toISOString(),
    })),
    call: currentCall(phone),
  };
}

/** The call a phone shows: the live one, else the latest one so its transcript stays readable. */
function currentCall(phone: Phone): CallView | undefined {
  const calls = [...phone.incomingCalls.map((call) => ({ call, role: 'callee' as const })), ...phone.outgoingCalls.map((call) => ({ call, role: 'caller' as const }))].sort(
    (a, b) => a.call.dateCreated.getTime() - b.call.dateCreated.getTime(),
  );
  const chosen = calls.filter((c) => !c.call.isOver).at(-1) ?? calls.at(-1);
  if (!chosen) return undefined;
  const { call, role } = chosen;
  const gather = call.gather;
  const record = call.recordVerb;
  return {
    sid: call.sid,
    role,
    direction: call.direction,
    from: call.from,
    to: call.to,
    status: call.status,
    phase: call.phase,
    transcript: call.transcript,
    gather: gather ? { numDigits: gather.numDigits, finishOnKey: gather.finishOnKey, collected: gather.collected } : undefined,
    record: record ? { maxLength: record.maxLength, finishOnKey: record.finishOnKey } : undefined,
  };
}
