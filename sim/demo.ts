import type { PhoneConfig } from './network.js';

/** The demo data's standby numbers (DESIGN.md): Acme Retail's dedicated one and the shared one. */
export const DEMO_STANDBY_NUMBERS = ['+541150000100', '+541150000199'];

/** The demo data's phones, as /sim shows them. */
export const DEMO_PHONES: PhoneConfig[] = [
  { number: '+5491150000101', name: 'Acme Retail · contact 1', kind: 'customer' },
  { number: '+5491150000102', name: 'Acme Retail · contact 2', kind: 'customer' },
  { number: '+5491150000111', name: 'Beta Logistics', kind: 'customer' },
  { number: '+5511955550100', name: 'Gamma Pagamentos', kind: 'customer' },
  { number: '+5491150000201', name: 'Eng One', kind: 'engineer' },
  { number: '+5491150000202', name: 'Eng Two', kind: 'engineer' },
  { number: '+5491150000203', name: 'Lead Three', kind: 'engineer' },
  { number: '+5491150000299', name: 'Admin on call', kind: 'admin' },
];
