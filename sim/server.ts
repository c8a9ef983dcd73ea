import Fastify from 'fastify';
import { systemClock, type Clock } from '../src/clock.js';
import type { Recording, SimCall, SimError } from './call.js';
import type { FaultControls } from './faults.js';
import type { SimMessage } from './message.js';
import { Network, type PhoneConfig, type SimLog } from './network.js';
import { registerSimPage } from './page.js';
import type { Phone } from './phone.js';
import { registerRestApi } from './rest.js';
import type { TrafficEntry } from './traffic.js';
import type { ConnectTo } from './webhook.js';

export type { CallEnd, CallPhase, CallStatus, Recording, Said, SimCall, SimError, TranscriptEntry } from './call.js';
export type { FaultControls, LatencyOf, RestFailure, WebhookReplay } from './faults.js';
export type { MessageStatus, SimMessage } from './message.js';
export type { PhoneConfig, SimLog } from './network.js';
export type { AnswerPolicy, Phone, PhoneKind, Ringing, SmsDelivery } from './phone.js';
export type { TrafficEntry } from './traffic.js';

export interface SimulatorOptions {
  accountSid: string;
  authToken: string;
  /**
   * The service's PUBLIC_BASE_URL. Incoming texts and calls are posted to serviceBaseUrl +
   * '/twilio/sms' and '/twilio/voice'; every signature is computed over the exact URL posted to.
   */
  serviceBaseUrl: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Stamps dates and drives `tick()`; defaults to the system clock. */
  clock?: Clock;
  /** The demo phones shown on /sim; any other number becomes a phone on first use. */
  phones?: PhoneConfig[];
  /**
   * The account's numbers. Phones text and call these (and only these); the service must send
   * from one of them. Empty or absent: every number counts as the account's.
   */
  standbyNumbers?: string[];
  /** Paths on the service; defaults: /twilio/sms, /twilio/voice, and no status callback for incoming calls. */
  webhookPaths?: { sms?: string; voice?: string; voiceStatus?: string };
  /** Calls `tick()` this often (real milliseconds), so rings and Gathers time out in a dev session. Off by default. */
  autoTickMs?: number;
  /** What /sim writes next to each standby number: whose dedicated line it is, or that it is shared. */
  standbyLabels?: Record<string, string>;
  /**
   * Where /sim's incidents panel reads from: a URL answering `{ items: [...] }` of incidents (the
   * service's `GET /api/v1/incidents`) and the bearer token it wants. Without it the panel is hidden.
   * The simulator knows nothing else of the service: only this public API.
   */
  incidentsFeed?: { url: string; token: string };
  log?: SimLog;
  /**
   * Where webhooks are actually sent, as a load balancer would choose (see `ConnectTo`); the URLs
   * and signatures stay the service's. Default: where their URLs say.
   */
  connectTo?: ConnectTo;
}

export interface Simulator {
  /** The simulator's base URL: set it as TWILIO_API_BASE_URL (and `client.api.baseUrl`). */
  readonly url: string;
  readonly accountSid: string;
  readonly standbyNumbers: readonly string[];
  /** The phone with this number (created on first use if it is not one of the configured phones). */
  phone(number: string): Phone;
  readonly phones: readonly Phone[];
  readonly faults: FaultControls;
  /** Every SMS, both directions, oldest first. */
  readonly messages: readonly SimMessage[];
  /** Every call, both directions, oldest first. */
  readonly calls: readonly SimCall[];
  readonly recordings: readonly Recording[];
  message(sid: string): SimMessage | undefined;
  call(sid: string): SimCall | undefined;
  /** Every REST request and webhook, oldest first (the latest 2000). */
  readonly traffic: readonly TrafficEntry[];
  /** What Twilio's debugger would show: failed webhooks (11200, 11205), bad TwiML (12100, 12200). */
  readonly errors: readonly SimError[];
  /** Resolves when no webhook is in flight, no delivery is pending and every call waits for someone. */
  idle(): Promise<void>;
  /** Applies the timeouts the clock says are due: rings past their Timeout, Gathers past their timeout. */
  tick(): void;
  /** Points webhooks at another service URL (e.g. when the service starts after the simulator). */
  setServiceBaseUrl(url: string): void;
  close(): Promise<void>;
}

/** Starts the Twilio simulator: REST API, phones, webhooks, fault injection and the /sim page. */
export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  if (!/^AC[0-9a-fA-F]{32}$/.test(options.accountSid)) throw new Error('accountSid must look like a Twilio account SID (AC + 32 hex digits)');
  const network = new Network({
    accountSid: options.accountSid,
    authToken: options.authToken,
    serviceBaseUrl: options.serviceBaseUrl,
    clock: options.clock ?? systemClock,
    standbyNumbers: options.standbyNumbers ?? [],
    phones: options.phones ?? [],
    smsPath: options.webhookPaths?.sms ?? '/twilio/sms',
    voicePath: options.webhookPaths?.voice ?? '/twilio/voice',
    voiceStatusPath: options.webhookPaths?.voiceStatus,
    log: options.log,
    ...(options.connectTo ? { connectTo: options.connectTo } : {}),
  });

  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: 1024 * 1024 });
  registerRestApi(app, network, options.authToken);
  registerSimPage(app, network, {
    standbyLabels: options.standbyLabels ?? {},
    dials: Object.fromEntries((options.phones ?? []).flatMap((p) => (p.dials ? [[p.number, p.dials]] : []))),
    incidentsFeed: options.incidentsFeed,
  });
  app.get('/', async (_request, reply) => reply.redirect('/sim'));

  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: options.port ?? 0, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  network.apiUrl = url;

  const ticker = options.autoTickMs ? setInterval(() => network.tick(), options.autoTickMs) : undefined;
  ticker?.unref();

  return {
    url,
    accountSid: options.accountSid,
    standbyNumbers: network.standbyNumbers,
    phone: (number) => network.phone(number),
    get phones() {
      return network.phones;
    },
    faults: network.faults,
    get messages() {
      return [...network.messages.values()];
    },
    get calls() {
      return [...network.calls.values()];
    },
    get recordings() {
      return [...network.recordings.values()];
    },
    message: (sid) => network.messages.get(sid),
    call: (sid) => network.calls.get(sid),
    get traffic() {
      return network.traffic.entries;
    },
    get errors() {
      return network.errors;
    },
    idle: () => network.idle(),
    tick: () => network.tick(),
    setServiceBaseUrl: (base) => {
      network.serviceBaseUrl = base.replace(/\/+$/, '');
    },
    close: async () => {
      if (ticker) clearInterval(ticker);
      await app.close();
    },
  };
}
