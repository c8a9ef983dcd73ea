import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import twilio from 'twilio';
import { HttpProblem } from '../problem.js';

/**
 * Checks `X-Twilio-Signature` against the URL Twilio was told to call (PUBLIC_BASE_URL + the path
 * and query it requested) and the form parameters. A forged or unsigned webhook is refused before
 * anything is read or written. The parameters of a genuine one come back with NUL and other
 * control characters removed (see `withoutControlCharacters`): the signature is checked over what
 * Twilio sent, the service reads what a person could have meant.
 */
export function verifyTwilioSignature(request: FastifyRequest, publicBaseUrl: string, authToken: string): Record<string, string> {
  const signature = request.headers['x-twilio-signature'];
  const params = formParams(request.body);
  const url = publicBaseUrl + request.url;
  if (typeof signature !== 'string' || !(signedAsIs(authToken, signature, url, params) || twilio.validateRequest(authToken, signature, url, params))) {
    throw new HttpProblem(403, 'This webhook is not signed by Twilio for this service');
  }
  return Object.fromEntries(Object.entries(params).map(([key, value]) => [key, withoutControlCharacters(value)]));
}

/**
 * Whether the signature is of the URL exactly as it is (what Twilio signs), in one HMAC. The
 * library's `validateRequest`, asked when this says no, also tries the URL with and without its
 * port and escaped: for a URL with a port it parsed the URL up to four times and computed a second
 * HMAC for every genuine webhook, about a tenth of the web process' time in a storm.
 */
function signedAsIs(authToken: string, signature: string, url: string, params: Record<string, string>): boolean {
  const expected = Buffer.from(twilio.getExpectedTwilioSignature(authToken, url, params));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * C0 and C1 control characters other than tab and line breaks (NUL among them, which Postgres
 * cannot store): a text carrying them is still read, without them, instead of being dropped.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

export function withoutControlCharacters(value: string): string {
  return value.replace(CONTROL_CHARACTERS, '');
}

function formParams(body: unknown): Record<string, string> {
  if (!body || typeof body !== 'object') return {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) {
    if (typeof value === 'string') out[key] = value;
    else if (Array.isArray(value) && typeof value[0] === 'string') out[key] = value[0];
  }
  return out;
}
