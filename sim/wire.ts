import { randomBytes } from 'node:crypto';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/** How Twilio writes identifiers, dates and numbers on the wire. */

export type SidPrefix = 'SM' | 'CA' | 'RE' | 'TR' | 'PN';

/** A SID as Twilio shapes it: two letters and 32 lowercase hex digits. */
export function newSid(prefix: SidPrefix): string {
  return prefix + randomBytes(16).toString('hex');
}

export const SID_PATTERN = /^[A-Z]{2}[0-9a-f]{32}$/;

/** RFC 2822 in UTC as Twilio writes it, e.g. "Tue, 25 Nov 2025 14:03:00 +0000". */
export function rfc2822(instant: Date): string {
  return instant.toUTCString().replace(/GMT$/, '+0000');
}

/**
 * Whether a number is written as E.164 and can exist. Twilio accepts some other spellings, but
 * the service promises E.164 everywhere, so the simulator holds it to that.
 */
export function isE164(number: string): boolean {
  if (!/^\+[1-9]\d{1,14}$/.test(number)) return false;
  const known = e164Seen.get(number);
  if (known !== undefined) return known;
  const parsed = parsePhoneNumberFromString(number);
  const valid = parsed !== undefined && parsed.isPossible() && parsed.number === number;
  if (e164Seen.size >= 10_000) e164Seen.clear();
  e164Seen.set(number, valid);
  return valid;
}

/** Numbers already checked: the same phones come back in every request of a storm, and parsing one is not cheap. */
const e164Seen = new Map<string, boolean>();

/** The ISO country of a number, as Twilio adds it to webhooks (FromCountry, ToCountry, …). */
export function countryOf(number: string): string {
  const known = countries.get(number);
  if (known !== undefined) return known;
  const country = parsePhoneNumberFromString(number)?.country ?? '';
  if (countries.size >= 10_000) countries.clear();
  countries.set(number, country);
  return country;
}

/** Countries already found: a call's every webhook names both its numbers twice (as `isE164`'s numbers). */
const countries = new Map<string, string>();

/** Joins a URL Twilio was given (maybe relative) to the document it appeared in. */
export function resolveUrl(target: string, base: string): string {
  return new URL(target, base).href;
}
