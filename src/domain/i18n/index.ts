export type { Catalogue, CalendarMoment, MenuOption, PageDetails, SupportHoursFacts, Weekday } from './catalogue.js';
export { LANGUAGES, isLanguage, sayLanguage, spellDigits, type Language, type SayLanguage } from './language.js';
export { catalogues, messages } from './messages.js';
export { SMS_MAX_CHARS, fitWithin, truncate } from './text.js';
