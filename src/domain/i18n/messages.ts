import type { Catalogue } from './catalogue.js';
import { en } from './en.js';
import { es } from './es.js';
import type { Language } from './language.js';
import { pt } from './pt.js';

/** The catalogue of every language; the mapped type makes a missing language a compile error. */
export const catalogues: { readonly [L in Language]: Catalogue } = { es, en, pt };

/** Every text in `language`. */
export function messages(language: Language): Catalogue {
  return catalogues[language];
}
