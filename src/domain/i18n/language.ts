/** The languages Standby speaks to customers and engineers. */
export const LANGUAGES = ['es', 'en', 'pt'] as const;

export type Language = (typeof LANGUAGES)[number];

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** The voice locale each language is spoken in by Twilio's `<Say language="…">`. */
export type SayLanguage = 'es-MX' | 'en-US' | 'pt-BR';

const SAY_LANGUAGE: { readonly [L in Language]: SayLanguage } = { es: 'es-MX', en: 'en-US', pt: 'pt-BR' };

export function sayLanguage(language: Language): SayLanguage {
  return SAY_LANGUAGE[language];
}

/**
 * An incident reference as a voice reads it: one digit at a time, commas for pauses
 * ("1, 2, 3"), so that text-to-speech never says "one hundred twenty-three".
 */
export function spellDigits(reference: number | string): string {
  return String(reference).replace(/\D/g, '').split('').join(', ');
}
