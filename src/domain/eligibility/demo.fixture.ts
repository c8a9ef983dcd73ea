/**
 * The demo data of DESIGN.md as domain values, for the pure tests of eligibility, hours, sms and
 * ivr. "Now" is Monday 9 June 2025, 23:00 in Buenos Aires: the Support Center is closed and opens
 * tomorrow at 09:00.
 */
import { normalisePhone } from '../phone.js';
import type { SupportCenter } from '../hours/working-hours.js';
import type { Contract, CustomerFile, SlaTarget } from './contract.js';

export const DEMO_NOW = new Date('2025-06-10T02:00:00Z');

export const ACME_DEDICATED_NUMBER = '+541150000100';
export const SHARED_NUMBER = '+541150000199';

const sla: { blocker: SlaTarget; high: SlaTarget } = {
  blocker: { firstResponseMinutes: 15, resolutionMinutes: 4 * 60 },
  high: { firstResponseMinutes: 30, resolutionMinutes: 8 * 60 },
};

export const ACME_CONTRACT: Contract = { id: 11, integrations24x7: true, validFrom: new Date('2025-01-01T03:00:00Z'), validUntil: null, sla };

export const ACME: CustomerFile = {
  customer: { id: 1, code: '1001', name: 'Acme Retail', language: 'es' },
  contracts: [ACME_CONTRACT],
  integrations: [
    { id: 101, name: 'Salesforce sync', builtBy: 'vendor' },
    { id: 102, name: 'SAP orders', builtBy: 'vendor' },
    { id: 103, name: 'Zendesk widget', builtBy: 'selfservice' },
  ],
  openIncidents: [],
};

export const BETA: CustomerFile = {
  customer: { id: 2, code: '1002', name: 'Beta Logistics', language: 'en' },
  contracts: [{ id: 21, integrations24x7: false, validFrom: new Date('2025-01-01T03:00:00Z'), validUntil: null, sla }],
  integrations: [{ id: 201, name: 'Shopify feed', builtBy: 'vendor' }],
  openIncidents: [],
};

/** A 24x7 contract that expired last month. */
export const GAMMA: CustomerFile = {
  customer: { id: 3, code: '1003', name: 'Gamma Pagamentos', language: 'pt' },
  contracts: [{ id: 31, integrations24x7: true, validFrom: new Date('2024-05-01T03:00:00Z'), validUntil: new Date('2025-05-01T03:00:00Z'), sla }],
  integrations: [{ id: 301, name: 'Pix webhook', builtBy: 'vendor' }],
  openIncidents: [],
};

const CONTACTS: ReadonlyArray<[string, CustomerFile]> = [
  ['+5491150000101', ACME],
  ['+5491150000102', ACME],
  ['+5491150000111', BETA],
  ['+5511955550100', GAMMA],
];

/** The customer a phone belongs to, however the number is written (as the edge will match caller ID). */
export function customerByPhone(phone: string): CustomerFile | null {
  const normalised = normalisePhone(phone);
  if (!normalised.ok) return null;
  return CONTACTS.find(([contact]) => contact === normalised.e164)?.[1] ?? null;
}

export function customerByCode(code: string | null): CustomerFile | null {
  return [ACME, BETA, GAMMA].find((f) => f.customer.code === code) ?? null;
}

/** The dedicated number's owner; the shared number has none. */
export function ownerOfNumber(standbyNumber: string): CustomerFile | null {
  return standbyNumber === ACME_DEDICATED_NUMBER ? ACME : null;
}

export const AIVO_SUPPORT_CENTER: SupportCenter = {
  name: 'Aivo Support Center',
  hours: { timeZone: 'America/Argentina/Buenos_Aires', holidays: [] },
};

export function withOpenIncident(file: CustomerFile, reference: number, integrationId: number): CustomerFile {
  return { ...file, openIncidents: [...file.openIncidents, { reference, integrationId }] };
}
