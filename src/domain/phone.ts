import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/** The region assumed for numbers written without a country code (the vendor's home market). */
export const DEFAULT_PHONE_REGION: CountryCode = 'AR';

export type PhoneResult = { ok: true; e164: string } | { ok: false; reason: 'invalid_phone' };

/**
 * The one phone normaliser: any common way of writing a number (spaces, dashes, brackets,
 * national form with the default region) becomes E.164, or `invalid_phone` when the number
 * cannot exist.
 */
export function normalisePhone(input: string, region: CountryCode = DEFAULT_PHONE_REGION): PhoneResult {
  const parsed = parsePhoneNumberFromString(input.trim(), region);
  if (!parsed || !parsed.isPossible()) return { ok: false, reason: 'invalid_phone' };
  return { ok: true, e164: parsed.number };
}

/** Masks all but the last four digits: for logs, never for storage. */
export function maskPhone(e164: string): string {
  return e164.length <= 5 ? '***' : `${e164.slice(0, 3)}${'*'.repeat(e164.length - 7)}${e164.slice(-4)}`;
}
