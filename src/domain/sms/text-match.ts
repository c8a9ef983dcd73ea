/**
 * Text folding and fuzzy comparison for what people type on phones: case, accents, punctuation
 * and small typos should not matter.
 */

/** Lower case, accents removed, anything but letters and digits turned into single spaces. */
export function foldText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

export function tokens(text: string): string[] {
  const folded = foldText(text);
  return folded === '' ? [] : folded.split(' ');
}

/**
 * Damerau–Levenshtein distance (optimal string alignment): insertions, deletions, substitutions
 * and transpositions of adjacent characters each cost 1, so "salesforse" and "slaesforce" are 1
 * away from "salesforce".
 */
export function damerauLevenshtein(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      d[i * cols + j] = best;
    }
  }
  return at(a.length, b.length);
}

/**
 * How well a typed token stands for a word of a name, from 0 (not at all) to 1 (the same word).
 * Short words must be exact (so "sap" never matches "sip"); longer ones tolerate one typo, and
 * words of 7 letters or more two. A typed prefix of 4 letters or more counts too ("zend").
 */
export function tokenSimilarity(typed: string, word: string): number {
  if (typed === word) return 1;
  if (/^\d+$/.test(typed) || /^\d+$/.test(word)) return 0;
  if (typed.length >= 4 && word.startsWith(typed)) return 0.8;
  const longest = Math.max(typed.length, word.length);
  if (Math.min(typed.length, word.length) < 4) return 0;
  const allowed = longest >= 7 ? 2 : 1;
  const distance = damerauLevenshtein(typed, word);
  return distance <= allowed ? 1 - distance / longest : 0;
}
