/** The longest SMS Standby aims for: two concatenated segments' worth of characters. */
export const SMS_MAX_CHARS = 320;

/** Cuts `text` to at most `max` characters, ending with "…" when it had to cut. */
export function truncate(text: string, max: number): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  if (clean.length <= max) return clean;
  if (max <= 1) return '…'.slice(0, max);
  return `${clean.slice(0, max - 1).trimEnd()}…`;
}

/**
 * Builds `head + body + tail` within `max` characters by shortening only `body`
 * (a customer's description, an engineer's note), never the fixed words around it.
 */
export function fitWithin(head: string, body: string, tail: string, max: number = SMS_MAX_CHARS): string {
  const room = Math.max(0, max - head.length - tail.length);
  return `${head}${truncate(body, room)}${tail}`;
}

/** "123, 124 and 125" style lists are language-specific; this joins with a separator only. */
export function joinReferences(references: readonly number[]): string {
  return references.join(', ');
}

export function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** A customer's words to be followed by ". …": trailing full stops and spaces removed, empty shown as `placeholder`. */
export function clause(text: string, placeholder: string): string {
  const body = text.replace(/[\s.]+$/u, '');
  return body === '' ? placeholder : body;
}
