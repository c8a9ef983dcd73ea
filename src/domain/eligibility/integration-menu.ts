import type { Integration } from './contract.js';

/** Keypad digits 1..8 name integrations; 9 always means "not in the list". */
export const INTEGRATION_MENU_SIZE = 8;
export const NOT_LISTED_DIGIT = 9;

/**
 * The integrations offered to a customer, in menu order: vendor-built first (the ones the 24x7
 * service covers, so they are never pushed off an 8-item menu by self-service ones), then by name,
 * then by id. At most `INTEGRATION_MENU_SIZE` entries; the position + 1 is the digit.
 */
export function integrationMenu(integrations: readonly Integration[]): Integration[] {
  return [...integrations]
    .sort((a, b) => {
      if (a.builtBy !== b.builtBy) return a.builtBy === 'vendor' ? -1 : 1;
      const an = foldName(a.name);
      const bn = foldName(b.name);
      if (an !== bn) return an < bn ? -1 : 1;
      return a.id - b.id;
    })
    .slice(0, INTEGRATION_MENU_SIZE);
}

function foldName(name: string): string {
  return name.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}
