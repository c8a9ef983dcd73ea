/**
 * The fuzz suite: thousands of random and malformed requests, from a seed, to every route of
 * `/openapi.json`, both Twilio entry webhooks and every step URL the service puts in its TwiML,
 * and the public links. Huge bodies, wrong content types, invalid UTF-8, NUL bytes, SQL-ish and
 * long strings, bad ids and dates, forged signatures.
 *
 * It counts answers by status, and checks after every request the row count of every table: a
 * request the service rejected (4xx) must have written nothing. Then signed customer texts full
 * of NUL and control characters must still be handled (read, answered, recorded), not dropped.
 *
 * Run it against a service with no worker (nothing writes in the background, so every change of a
 * row count is the request's own). `npm run fuzz` runs it long (bench/fuzz.ts); `npm test` short.
 */
import { getTableName, is } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import type postgres from 'postgres';
import twilio from 'twilio';
import * as schema from '../../src/db/schema.js';

export interface FuzzTarget {
  /** Where the service listens (and, with PUBLIC_BASE_URL, what signatures are computed over). */
  baseUrl: string;
  publicBaseUrl: string;
  twilioAuthToken: string;
  adminToken: string;
  sql: postgres.Sql;
  standbyNumbers: readonly string[];
  /** Registered customer phones: their texts go through the SMS intake. */
  customerPhones: readonly string[];
  engineerPhones: readonly string[];
}

export interface FuzzOptions {
  seed: number;
  /** Random and malformed requests. */
  requests: number;
  /** Signed customer texts with NUL and control characters, after the random ones. */
  oddTexts: number;
  progress?: (done: number) => void;
}

type Group = 'api' | 'webhook-forged' | 'webhook-signed' | 'public' | 'unknown-route';

export interface FuzzReport {
  seed: number;
  requests: number;
  seconds: number;
  byStatus: Record<string, number>;
  byGroup: Record<string, Record<string, number>>;
  /** Every 5xx (the target: none). */
  serverErrors: Array<{ method: string; url: string; status: number; body: string }>;
  /** Requests answered 4xx after which some table had a different number of rows (the target: none). */
  rejectedThatWrote: Array<{ method: string; url: string; status: number; changed: Record<string, [number, number]> }>;
  rejected: number;
  oddTexts: { sent: number; handled: number; droppedOrFailed: Array<{ body: string; status: number; answer: string }> };
}

// -------------------------------------------------------------------------------------------------
// A seeded random source

class Random {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0 || 1;
  }
  /** mulberry32 */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  hex(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += '0123456789abcdef'[this.int(0, 15)];
    return s;
  }
}

// -------------------------------------------------------------------------------------------------
// Hostile values

const NASTY_STRINGS = [
  '',
  ' ',
  'a',
  "' OR 1=1 --",
  "'; DROP TABLE incidents; --",
  '1; select pg_sleep(5)',
  '" or ""="',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  '${jndi:ldap://x/a}',
  '{{7*7}}',
  '%00',
  '\u0000',
  'nul\u0000in the middle',
  '\u0007\u001b[31mred\u001b[0m',
  '\r\n\r\nX-Injected: 1',
  '\ud800',
  '\udfff\ud800',
  '🙂🚨 ñandú ação',
  '\u202e\u202dRTL',
  'e\u0301\u0301\u0301',
  'NaN',
  'Infinity',
  '-1',
  '0',
  '1e309',
  '99999999999999999999',
  '9007199254740993',
  '-9223372036854775809',
  'true',
  'null',
  'undefined',
  '[]',
  '{}',
  '2026-13-45',
  '2026-11-23T25:61:00Z',
  '0000-00-00T00:00:00Z',
  '2026-11-23T12:00:00-03:00',
  '2026-02-30T00:00:00Z',
  '+5491150000101',
  '011 5000-0100',
  '(11) 95555-0100',
  'not a phone',
  '+0000000000',
  'America/Nowhere',
  'UTC',
  'blocker',
  'read',
  'admin',
];

function nastyString(r: Random): string {
  if (r.chance(0.08)) return 'x'.repeat(r.pick([256, 1001, 4097, 20_000, 100_000]));
  if (r.chance(0.05)) return r.pick(NASTY_STRINGS).repeat(r.int(2, 50));
  return r.pick(NASTY_STRINGS);
}

const NASTY_NUMBERS = [0, -1, 1, 2, 3, 5, 1.5, -0.5, 30, 86_400, 1e20, -1e20, 2 ** 53, 2 ** 63, Number.MAX_SAFE_INTEGER, 43_201, 1e-9];

function nastyValue(r: Random, depth = 0): unknown {
  switch (r.int(0, 7)) {
    case 0:
    case 1:
    case 2:
      return nastyString(r);
    case 3:
      return r.pick(NASTY_NUMBERS);
    case 4:
      return r.pick([true, false, null]);
    case 5:
      return depth > 2 ? [] : Array.from({ length: r.int(0, 3) }, () => nastyValue(r, depth + 1));
    case 6:
      return depth > 2 ? {} : Object.fromEntries(Array.from({ length: r.int(0, 3) }, () => [nastyString(r).slice(0, 20), nastyValue(r, depth + 1)]));
    default:
      return r.int(1, 8);
  }
}

// -------------------------------------------------------------------------------------------------
// Values shaped by the OpenAPI schema, then broken

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  format?: string;
  minimum?: number;
  maximum?: number;
  $ref?: string;
};

function validish(r: Random, s: JsonSchema | undefined, resolve: (s: JsonSchema) => JsonSchema, depth = 0): unknown {
  if (!s || depth > 5) return null;
  const schema = resolve(s);
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return r.pick(schema.enum);
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) return validish(r, r.pick(variants), resolve, depth + 1);
  const type = Array.isArray(schema.type) ? r.pick(schema.type) : schema.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(schema.properties ?? {})) {
        if (schema.required?.includes(key) || r.chance(0.5)) out[key] = validish(r, value, resolve, depth + 1);
      }
      return out;
    }
    case 'array':
      return Array.from({ length: r.int(0, 3) }, () => validish(r, schema.items, resolve, depth + 1));
    case 'integer':
      return r.int(Math.max(schema.minimum ?? 1, 1), Math.min(schema.maximum ?? 8, 8) >= Math.max(schema.minimum ?? 1, 1) ? Math.min(schema.maximum ?? 8, 8) : (schema.minimum ?? 1));
    case 'number':
      return r.int(1, 100);
    case 'boolean':
      return r.chance(0.5);
    case 'null':
      return null;
    case 'string':
      if (schema.format === 'date-time') return new Date(Date.UTC(2026, r.int(0, 11), r.int(1, 28), r.int(0, 23))).toISOString();
      if (schema.format === 'date') return `2026-${String(r.int(1, 12)).padStart(2, '0')}-${String(r.int(1, 28)).padStart(2, '0')}`;
      return r.pick(['Fuzz', 'Acme Retail', '+5491150000101', '09:00', 'America/Argentina/Buenos_Aires', 'es', '1001', `fuzz ${r.hex(6)}`]);
    default:
      return nastyValue(r, depth);
  }
}

const SNEAKY = ['\u0000', 'a\u0000b', '\u0001\u001f', "x' OR '1'='1", '🙂', 'x'.repeat(5000), '\ud83d', ' ', '\u202e'];

/** Keeps a value valid in shape but slips a hostile string into one of its strings. */
function sneak(r: Random, value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return r.chance(0.5) ? `${value}${r.pick(SNEAKY)}` : r.pick(SNEAKY);
  if (Array.isArray(value) && value.length > 0 && depth < 4) {
    const at = r.int(0, value.length - 1);
    return value.map((v, i) => (i === at ? sneak(r, v, depth + 1) : v));
  }
  if (value !== null && typeof value === 'object' && depth < 4) {
    const keys = Object.keys(value);
    if (keys.length === 0) return value;
    const key = r.pick(keys);
    return { ...(value as Record<string, unknown>), [key]: sneak(r, (value as Record<string, unknown>)[key], depth + 1) };
  }
  return value;
}

/** Breaks a value: a field of the wrong type, a missing one, an unknown one, a hostile string. */
function mutate(r: Random, value: unknown, depth = 0): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && depth < 4) {
    const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    const keys = Object.keys(out);
    if (keys.length > 0 && r.chance(0.7)) {
      const key = r.pick(keys);
      out[key] = r.chance(0.5) ? mutate(r, out[key], depth + 1) : nastyValue(r);
    }
    if (keys.length > 0 && r.chance(0.15)) delete out[r.pick(keys)];
    if (r.chance(0.1)) out[nastyString(r).slice(0, 30) || 'extra'] = nastyValue(r);
    return out;
  }
  if (Array.isArray(value) && value.length > 0 && depth < 4) return value.map((v) => (r.chance(0.4) ? mutate(r, v, depth + 1) : v));
  return nastyValue(r);
}

// -------------------------------------------------------------------------------------------------
// Requests

interface Request {
  group: Group;
  method: string;
  /** Path and query as sent. */
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

interface Operation {
  method: string;
  path: string;
  parameters: Array<{ in: string; name: string; schema?: JsonSchema }>;
  body?: JsonSchema;
}

/** The text with lone surrogates replaced, as a form or URL encoder would send it. */
const wellFormed = (text: string) => text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
const enc = (text: string) => encodeURIComponent(wellFormed(text));

function pathValue(r: Random, name: string): string {
  if (name === 'file') return r.pick([`sbc_${r.hex(32)}.ics`, 'x.ics', enc(nastyString(r)), '..%2F..%2Fetc%2Fpasswd', '%E0%A4%A', `sbc_${'a'.repeat(70)}.ics`]);
  if (r.chance(0.75)) return String(r.int(1, 8));
  return r.pick(['0', '-1', 'abc', '1.5', '99999999999999999999', '9007199254740993', '1%20OR%201%3D1', '%00', '%E0%A4%A', enc(nastyString(r)), 'x'.repeat(3000)]);
}

function queryString(r: Random, op: Operation, resolve: (s: JsonSchema) => JsonSchema): string {
  const parts: string[] = [];
  for (const p of op.parameters.filter((p) => p.in === 'query')) {
    if (!r.chance(0.5)) continue;
    const roll = r.next();
    const value = roll < 0.4 ? validish(r, p.schema, resolve) : roll < 0.55 ? sneak(r, String(validish(r, p.schema, resolve))) : nastyValue(r);
    parts.push(`${p.name}=${typeof value === 'string' ? enc(wellFormed(value)) : enc(JSON.stringify(value) ?? '')}`);
    if (r.chance(0.05)) parts.push(`${p.name}=${enc(wellFormed(nastyString(r)))}`); // repeated
  }
  if (r.chance(0.1)) parts.push(`${enc(wellFormed(nastyString(r).slice(0, 30)))}=${enc(wellFormed(nastyString(r).slice(0, 50)))}`);
  if (r.chance(0.03)) parts.push('%E0%A4%A=%ZZ');
  return parts.length ? `?${parts.join('&')}` : '';
}

/** A body in a random encoding: mostly JSON, sometimes broken JSON, the wrong type, invalid UTF-8, NUL bytes, too big. */
function encodedBody(r: Random, value: unknown): { body: string | Uint8Array; contentType: string } {
  const roll = r.next();
  if (roll < 0.68) return { body: JSON.stringify(value) ?? 'null', contentType: 'application/json' };
  if (roll < 0.74) return { body: (JSON.stringify(value) ?? '').slice(0, r.int(0, 20)) + r.pick(['', '{', ',', '"', '}}', '\u0000']), contentType: 'application/json' };
  if (roll < 0.78) return { body: nastyString(r), contentType: r.pick(['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/octet-stream', 'application/json; charset=latin1']) };
  if (roll < 0.82) return { body: new URLSearchParams({ a: wellFormed(nastyString(r)), name: 'x' }).toString(), contentType: 'application/x-www-form-urlencoded' };
  if (roll < 0.88) {
    // Invalid UTF-8 inside a JSON string: lone continuation bytes, an overlong NUL, a truncated sequence.
    const json = Buffer.from(JSON.stringify({ name: 'X', description: 'Y', code: '1234', text: 'Z', note: 'W' }));
    const bad = Buffer.from(r.pick([[0xff], [0xc0, 0x80], [0xe0, 0xa4], [0x80, 0x80], [0xed, 0xa0, 0x80]]));
    const at = json.indexOf(r.pick([0x58, 0x59, 0x5a, 0x57]));
    return { body: Buffer.concat([json.subarray(0, at), bad, json.subarray(at + 1)]), contentType: 'application/json' };
  }
  if (roll < 0.94) {
    // NUL and control characters in every string.
    return { body: JSON.stringify(value, (_k, v: unknown) => (typeof v === 'string' ? `${v}\u0000\u0001\u001f` : v)) ?? 'null', contentType: 'application/json' };
  }
  if (roll < 0.97) return { body: JSON.stringify({ padding: 'x'.repeat(300 * 1024) }), contentType: 'application/json' };
  // Deeply nested.
  return { body: `${'['.repeat(5000)}${']'.repeat(5000)}`, contentType: 'application/json' };
}

const WEBHOOKS = [
  () => '/twilio/sms',
  () => '/twilio/voice',
  (r: Random) => `/twilio/voice/step?turn=${r.chance(0.8) ? r.int(1, 6) : enc(wellFormed(nastyString(r)))}`,
  (r: Random) => `/twilio/voice/recorded?turn=${r.int(1, 6)}${r.chance(0.5) ? '&empty=1' : ''}`,
  () => '/twilio/voice/recording',
  () => '/twilio/voice/transcription',
  (r: Random) => `/twilio/page/voice?n=${r.chance(0.8) ? r.int(1, 40) : enc(wellFormed(nastyString(r)))}`,
  (r: Random) => `/twilio/page/keypress?n=${r.int(1, 40)}&try=${r.chance(0.8) ? r.int(1, 4) : enc(wellFormed(nastyString(r)))}`,
  (r: Random) => `/twilio/status/message?n=${r.chance(0.8) ? r.int(1, 40) : enc(wellFormed(nastyString(r)))}`,
  (r: Random) => `/twilio/status/call?n=${r.int(1, 40)}`,
];

function webhookParams(r: Random, target: FuzzTarget): Record<string, string> {
  const phone = () => (r.chance(0.7) ? r.pick([...target.standbyNumbers, ...target.customerPhones, ...target.engineerPhones]) : nastyString(r));
  const sid = (prefix: string) => (r.chance(0.85) ? `${prefix}${r.hex(32)}` : nastyString(r));
  const params: Record<string, string> = {
    AccountSid: `AC${r.hex(32)}`,
    CallSid: sid('CA'),
    MessageSid: sid('SM'),
    From: phone(),
    To: r.chance(0.6) ? r.pick(target.standbyNumbers) : phone(),
    Body: r.chance(0.5) ? r.pick(['BLOCKER salesforce sync down', 'ACK 1', 'ESC 2', 'REPLY 1 hola', 'RESOLVE 1', 'STOP', 'START', 'HELP', '1', '2', '1001', '9']) : nastyString(r),
    Digits: r.pick(['1', '2', '3', '9', '', '#', '*', '1001#', 'hangup', nastyString(r)]),
    RecordingSid: sid('RE'),
    RecordingUrl: r.pick(['https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/RE1', 'not a url', nastyString(r)]),
    RecordingStatus: r.pick(['completed', 'absent', 'failed', nastyString(r)]),
    RecordingDuration: r.pick(['12', '-1', 'abc', '1e10', '']),
    TranscriptionText: nastyString(r),
    TranscriptionStatus: r.pick(['completed', 'failed', nastyString(r)]),
    MessageStatus: r.pick(['sent', 'delivered', 'undelivered', 'failed', nastyString(r)]),
    CallStatus: r.pick(['ringing', 'in-progress', 'completed', 'no-answer', 'busy', nastyString(r)]),
    CallDuration: r.pick(['3', '-5', 'x']),
    ErrorCode: r.pick(['', '30003', nastyString(r)]),
  };
  // Leave some out, and sometimes add one Twilio never sends.
  for (const key of Object.keys(params)) if (r.chance(0.25)) delete params[key];
  if (r.chance(0.1)) params[nastyString(r).slice(0, 20) || 'X'] = nastyString(r);
  // Form encoding cannot carry lone surrogates: sign what the service will read.
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [wellFormed(k), wellFormed(v)]));
}

function sign(target: FuzzTarget, path: string, params: Record<string, string>): string {
  return twilio.getExpectedTwilioSignature(target.twilioAuthToken, `${target.publicBaseUrl}${path}`, params);
}

function webhookRequest(r: Random, target: FuzzTarget, signed: boolean): Request {
  const path = r.pick(WEBHOOKS)(r);
  const params = webhookParams(r, target);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  let body: string | Uint8Array = new URLSearchParams(params).toString();
  if (signed) {
    headers['x-twilio-signature'] = sign(target, path, params);
  } else {
    const forgery = r.int(0, 4);
    if (forgery === 0) headers['x-twilio-signature'] = twilio.getExpectedTwilioSignature('not-the-auth-token', `${target.publicBaseUrl}${path}`, params);
    else if (forgery === 1) headers['x-twilio-signature'] = nastyString(r).replace(/[^\x20-\x7e]/g, '') || 'x';
    else if (forgery === 2) headers['x-twilio-signature'] = sign(target, `${path}${path.includes('?') ? '&' : '?'}x=1`, params); // signed for another URL
    else if (forgery === 3) {
      // Signed, then a parameter changed in transit.
      headers['x-twilio-signature'] = sign(target, path, params);
      body = new URLSearchParams({ ...params, Body: 'tampered', From: '+5491150000999' }).toString();
    }
  }
  if (r.chance(0.05)) headers['content-type'] = r.pick(['application/json', 'text/plain', 'multipart/form-data; boundary=x']);
  if (r.chance(0.03)) body = Buffer.concat([Buffer.from('Body='), Buffer.from([0xff, 0xfe, 0x00, 0x80]), Buffer.from('&From=%2B5491150000101')]);
  if (r.chance(0.02)) body = `Body=${'x'.repeat(300 * 1024)}`;
  return { group: signed ? 'webhook-signed' : 'webhook-forged', method: r.chance(0.97) ? 'POST' : r.pick(['GET', 'PUT', 'DELETE']), path, headers, body };
}

function apiRequest(r: Random, op: Operation, resolve: (s: JsonSchema) => JsonSchema, tokens: { read: string; write: string }, target: FuzzTarget): Request {
  const path = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => pathValue(r, name)) + queryString(r, op, resolve);
  const headers: Record<string, string> = {};
  if (op.path.startsWith('/api/')) {
    const auth = r.next();
    if (auth < 0.82) headers.authorization = `Bearer ${target.adminToken}`;
    else if (auth < 0.86) headers.authorization = `Bearer ${tokens.write}`;
    else if (auth < 0.9) headers.authorization = `Bearer ${tokens.read}`;
    else if (auth < 0.95) headers.authorization = `Bearer ${nastyString(r).replace(/[^\x21-\x7e]/g, '') || 'x'}`;
    else if (auth < 0.97) headers.authorization = r.pick(['Basic YWRtaW46YWRtaW4=', 'Bearer', '', 'bearer  ']);
  }
  const request: Request = { group: op.path.startsWith('/api/') ? 'api' : 'public', method: op.method, path, headers };
  if (op.body || r.chance(0.1)) {
    const mode = r.next();
    const shaped = op.body ? validish(r, op.body, resolve) : nastyValue(r);
    const value = mode < 0.35 ? shaped : mode < 0.55 ? sneak(r, shaped) : mutate(r, shaped);
    const { body, contentType } = encodedBody(r, value);
    request.body = body;
    headers['content-type'] = contentType;
  }
  if (r.chance(0.03)) headers['x-forwarded-for'] = `10.8.${r.int(0, 255)}.1`;
  return request;
}

function publicRequest(r: Random): Request {
  const token = r.pick([`${r.int(1, 9)}.${r.int(1, 9)}.${r.int(1_700_000_000, 1_900_000_000)}.${r.hex(43)}`, 'x', enc(wellFormed(nastyString(r))), '%E0%A4%A', '..%2F..', 'a'.repeat(5000)]);
  const path = r.chance(0.6) ? `/ack/${token}` : `/calendar/${r.chance(0.5) ? `sbc_${r.hex(32)}.ics` : token}`;
  return { group: 'public', method: r.pick(['GET', 'GET', 'POST', 'HEAD', 'PUT']), path, headers: r.chance(0.2) ? { 'content-type': 'application/json' } : {}, body: r.chance(0.2) ? '{"x":' : undefined };
}

function unknownRequest(r: Random): Request {
  return {
    group: 'unknown-route',
    method: r.pick(['GET', 'POST', 'PATCH', 'OPTIONS', 'PROPFIND', 'PURGE']),
    path: r.pick(['/api/v2/customers', '/api/v1/../../etc/passwd', `/api/v1/${enc(wellFormed(nastyString(r)))}`, '/twilio/unknown', '/%E0%A4%A', `/${'x'.repeat(8000)}`, '/api/v1/customers/1/../2', '//api/v1//customers']),
    headers: {},
  };
}

// -------------------------------------------------------------------------------------------------
// Sending and counting

async function send(target: FuzzTarget, request: Request): Promise<{ status: number; body: string }> {
  try {
    const response = await fetch(`${target.baseUrl}${request.path}`, {
      method: request.method,
      headers: request.headers,
      body: request.method === 'GET' || request.method === 'HEAD' ? undefined : request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(20_000),
    });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    // A connection the server cut is recorded as 0: neither a 5xx nor an answer.
    return { status: 0, body: String(error) };
  }
}

/** Every table of the schema, by name. */
export const TABLES: readonly string[] = (Object.values(schema) as unknown[]).flatMap((value) => (is(value, PgTable) ? [getTableName(value)] : []));

async function rowCounts(sql: postgres.Sql): Promise<Record<string, number>> {
  const [row] = await sql.unsafe<Array<Record<string, string>>>(`select ${TABLES.map((t) => `(select count(*) from "${t}") as "${t}"`).join(', ')}`);
  return Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, Number(v)]));
}

const FALLBACK = /could not read your message/i;

/** Customer texts full of NUL and control characters, signed as Twilio signs them: each must be read. */
function oddText(r: Random): string {
  const words = r.pick(['BLOCKER salesforce sync down', 'ALTA sap no anda', 'hola, sigue caído', '1', 'sap orders', 'HELP', 'the orders fail again']);
  const junk = () => r.pick(['\u0000', '\u0001', '\u0007', '\u0008', '\u000b', '\u000c', '\u001b', '\u007f', '\u0085', '\u009b', '\ufeff', '\u200b', '\u2028']);
  return [...words].map((c) => (r.chance(0.2) ? `${junk()}${c}` : c)).join('') + (r.chance(0.5) ? '\u0000' : '');
}

export async function runFuzz(target: FuzzTarget, options: FuzzOptions): Promise<FuzzReport> {
  const r = new Random(options.seed);
  const started = performance.now();
  const doc = (await (await fetch(`${target.baseUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, { parameters?: Operation['parameters']; requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }>>; components?: { schemas?: Record<string, JsonSchema> } };
  const resolve = (s: JsonSchema): JsonSchema => (s.$ref ? (doc.components?.schemas?.[s.$ref.split('/').at(-1)!] ?? {}) : s);
  const operations: Operation[] = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ method: method.toUpperCase(), path, parameters: op.parameters ?? [], body: op.requestBody?.content?.['application/json']?.schema })),
  );

  // A read and a write token, issued by the admin token, so scopes are fuzzed too.
  const issue = async (scope: string) =>
    ((await (await fetch(`${target.baseUrl}/api/v1/api-tokens`, { method: 'POST', headers: { authorization: `Bearer ${target.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: `fuzz ${scope}`, scope }) })).json()) as { token: string }).token;
  const tokens = { read: await issue('read'), write: await issue('write') };

  const report: FuzzReport = { seed: options.seed, requests: 0, seconds: 0, byStatus: {}, byGroup: {}, serverErrors: [], rejectedThatWrote: [], rejected: 0, oddTexts: { sent: 0, handled: 0, droppedOrFailed: [] } };
  const count = (group: string, status: number) => {
    report.byStatus[status] = (report.byStatus[status] ?? 0) + 1;
    const g = (report.byGroup[group] ??= {});
    g[status] = (g[status] ?? 0) + 1;
  };

  // Signed customer texts with NUL and control characters, first (while the demo data is whole): read and answered, never the fallback.
  for (let i = 0; i < options.oddTexts; i++) {
    const body = oddText(r);
    const params = { MessageSid: `SM${r.hex(32)}`, AccountSid: `AC${r.hex(32)}`, From: r.pick(target.customerPhones), To: r.pick(target.standbyNumbers), Body: body };
    const path = '/twilio/sms';
    const answer = await send(target, { group: 'webhook-signed', method: 'POST', path, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sign(target, path, params) }, body: new URLSearchParams(params).toString() });
    report.oddTexts.sent += 1;
    count('odd-text', answer.status);
    if (answer.status === 200 && !FALLBACK.test(answer.body)) report.oddTexts.handled += 1;
    else report.oddTexts.droppedOrFailed.push({ body: JSON.stringify(body), status: answer.status, answer: answer.body.slice(0, 200) });
    if (answer.status >= 500) report.serverErrors.push({ method: 'POST', url: path, status: answer.status, body: answer.body.slice(0, 300) });
  }


  let before = await rowCounts(target.sql);
  for (let i = 0; i < options.requests; i++) {
    const roll = r.next();
    const request =
      roll < 0.55 ? apiRequest(r, r.pick(operations), resolve, tokens, target) : roll < 0.75 ? webhookRequest(r, target, false) : roll < 0.9 ? webhookRequest(r, target, true) : roll < 0.96 ? publicRequest(r) : unknownRequest(r);
    const answer = await send(target, request);
    report.requests += 1;
    count(request.group, answer.status);
    const after = await rowCounts(target.sql);
    if (answer.status >= 500) report.serverErrors.push({ method: request.method, url: request.path.slice(0, 300), status: answer.status, body: answer.body.slice(0, 300) });
    if (answer.status >= 400 && answer.status < 500) {
      report.rejected += 1;
      const changed = Object.fromEntries(TABLES.filter((t) => before[t] !== after[t]).map((t) => [t, [before[t]!, after[t]!] as [number, number]]));
      if (Object.keys(changed).length > 0) report.rejectedThatWrote.push({ method: request.method, url: request.path.slice(0, 300), status: answer.status, changed });
    }
    before = after;
    if (options.progress && (i + 1) % 500 === 0) options.progress(i + 1);
  }

  report.seconds = Math.round((performance.now() - started) / 100) / 10;
  return report;
}

/** The report as the lines `npm run fuzz` prints and bench/RESULTS.md keeps. */
export function describeReport(report: FuzzReport): string {
  const statuses = Object.entries(report.byStatus)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([s, n]) => `${s}: ${n}`)
    .join(', ');
  const groups = Object.entries(report.byGroup)
    .map(([g, c]) => `  ${g}: ${Object.entries(c).map(([s, n]) => `${s}×${n}`).join(' ')}`)
    .join('\n');
  return [
    `seed ${report.seed}: ${report.requests} random requests + ${report.oddTexts.sent} odd customer texts in ${report.seconds} s`,
    `statuses: ${statuses}`,
    groups,
    `5xx: ${report.serverErrors.length}`,
    `rejected (4xx): ${report.rejected}; of them wrote rows: ${report.rejectedThatWrote.length}`,
    `odd customer texts handled: ${report.oddTexts.handled} of ${report.oddTexts.sent}`,
  ].join('\n');
}
