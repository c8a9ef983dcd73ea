import type { PhoneConfig } from './network.js';

/** The demo data's standby numbers (DESIGN.md): Acme Retail's dedicated one and the shared one. */
export const DEMO_STANDBY_NUMBERS = ['+541150000100', '+541150000199'];

const [ACME_LINE, SHARED_LINE] = DEMO_STANDBY_NUMBERS as [string, string];

/** How /sim names each standby number. */
export const DEMO_STANDBY_LABELS: Record<string, string> = {
  [ACME_LINE]: 'Acme Retail dedicated line',
  [SHARED_LINE]: 'shared line',
};

/** The demo data's phones, as /sim shows them: Acme dials its own line, the other customers the shared one; engineers answer whichever number paged them. */
export const DEMO_PHONES: PhoneConfig[] = [
  { number: '+5491150000101', name: 'Acme Retail · contact 1', kind: 'customer', dials: ACME_LINE },
  { number: '+5491150000102', name: 'Acme Retail · contact 2', kind: 'customer', dials: ACME_LINE },
  { number: '+5491150000111', name: 'Beta Logistics', kind: 'customer', dials: SHARED_LINE },
  { number: '+5511955550100', name: 'Gamma Pagamentos', kind: 'customer', dials: SHARED_LINE },
  { number: '+5491150000201', name: 'Eng One', kind: 'engineer' },
  { number: '+5491150000202', name: 'Eng Two', kind: 'engineer' },
  { number: '+5491150000203', name: 'Lead Three', kind: 'engineer' },
  { number: '+5491150000299', name: 'Admin on call', kind: 'admin' },
];
