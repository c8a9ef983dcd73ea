import type { Topology } from './topology.js';

/**
 * A drill customer: a customer with a 24x7 contract, a vendor-built integration, a contact
 * phone and a standby number of its own, whose escalation policy has two levels, each paging one
 * engineer of its own, with the shortest acknowledgement timeout allowed and no repeat. Because
 * nobody else uses those two engineers, what their phones receive is this customer's pages:
 * level-1 pages go to `level1`, level-2 pages to `level2`.
 */
export interface DrillCustomer {
  index: number;
  customerId: number;
  name: string;
  /** The contact phone the customer texts from. */
  phone: string;
  /** The customer's dedicated standby number. */
  standbyNumber: string;
  level1: { engineerId: number; phone: string };
  level2: { engineerId: number; phone: string };
}

export const REPORT = 'BLOCKER orders api down';

/** A page SMS (as opposed to a confirmation or notice): it asks to acknowledge an incident. */
export const PAGE_SMS = /Reply ACK (\d+) to acknowledge/;

/**
 * Creates `count` drill customers through the admin API. `series` (0–9) keeps the phone numbers
 * and customer codes of one drill apart from another's in the same database.
 */
export async function enrolCustomers(topo: Topology, options: { count: number; series: number; ackTimeoutSeconds: number; concurrency?: number }): Promise<DrillCustomer[]> {
  const { api } = topo;
  const enrolOne = async (index: number): Promise<DrillCustomer> => {
    const n = `${options.series}${String(index).padStart(6, '0')}`;
    const name = `Drill ${options.series}-${index}`;
    const phone = `+549116${n}`;
    const standbyNumber = `+54114${n}`;
    const customer = await api.create<{ id: number }>('/customers', { code: `7${options.series}${String(index).padStart(4, '0')}`, name, language: 'en' });
    await api.create('/contracts', {
      customerId: customer.id,
      name: '24x7 Integrations support',
      integrations24x7: true,
      validFrom: '2025-01-01T00:00:00Z',
      sla: { blocker: { firstResponseMinutes: 15, resolutionMinutes: 240 }, high: { firstResponseMinutes: 30, resolutionMinutes: 480 } },
    });
    await api.create('/integrations', { customerId: customer.id, name: 'Orders API', builtBy: 'vendor' });
    await api.create('/contacts', { customerId: customer.id, name: `${name} contact`, phone });
    const level1 = await api.create<{ id: number; phone: string }>('/engineers', { name: `${name} first`, phone: `+549117${n}`, language: 'en' });
    const level2 = await api.create<{ id: number; phone: string }>('/engineers', { name: `${name} second`, phone: `+549118${n}`, language: 'en' });
    const policy = await api.create<{ id: number }>('/escalation-policies', {
      name,
      repeat: 0,
      levels: [level1, level2].map((engineer) => ({ ackTimeoutSeconds: options.ackTimeoutSeconds, targets: [{ type: 'engineer', engineerId: engineer.id }] })),
    });
    await api.create('/standby-numbers', { phone: standbyNumber, label: name, customerId: customer.id, escalationPolicyId: policy.id });
    return {
      index,
      customerId: customer.id,
      name,
      phone,
      standbyNumber,
      level1: { engineerId: level1.id, phone: level1.phone },
      level2: { engineerId: level2.id, phone: level2.phone },
    };
  };
  const customers: DrillCustomer[] = [];
  const indexes = Array.from({ length: options.count }, (_, i) => i);
  const lanes = Math.max(1, options.concurrency ?? 6);
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      for (let index = indexes.shift(); index !== undefined; index = indexes.shift()) customers.push(await enrolOne(index));
    }),
  );
  customers.sort((a, b) => a.index - b.index);
  for (const customer of customers) {
    // Engineers let page calls ring out unanswered, at once: a page is counted when it reaches the phone.
    topo.sim.phone(customer.level1.phone).autoAnswer('no-answer');
    topo.sim.phone(customer.level2.phone).autoAnswer('no-answer');
  }
  return customers;
}

/**
 * Each customer texts the one-shot report to its standby number, spread evenly over `spreadMs`
 * (real time). Resolves when every text has been delivered to the service (or failed to be).
 */
export async function reportAll(topo: Topology, customers: readonly DrillCustomer[], spreadMs: number): Promise<void> {
  const gap = customers.length > 1 ? spreadMs / (customers.length - 1) : 0;
  const started = performance.now();
  await Promise.all(
    customers.map(async (customer, i) => {
      const wait = started + i * gap - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      await topo.sim.phone(customer.phone).sendSms(customer.standbyNumber, REPORT);
    }),
  );
}

/**
 * Two engineers acknowledge the same incident at the same instant: once level 2 is paged, the
 * level-2 engineer answers the page call and, while the call waits for a key, the level-1
 * engineer texts `ACK <n>` and the level-2 engineer presses 1 together. Resolves when both were
 * told the outcome within 30 s (the SMS answer and what the call says both mention "acknowledged");
 * rejects, saying what was missing, otherwise. The level-2 phone must not answer calls by itself (`manual`).
 */
export async function acknowledgeTwiceAtOnce(topo: Topology, customer: DrillCustomer, options: { ringTimeoutMs: number }): Promise<void> {
  const first = topo.sim.phone(customer.level1.phone);
  const second = topo.sim.phone(customer.level2.phone);
  const ringing = await second.expectCall({ timeoutMs: options.ringTimeoutMs });
  const page = await first.expectSms(PAGE_SMS, { timeoutMs: 5000 });
  const reference = PAGE_SMS.exec(page.body)![1]!;
  const call = await ringing.answer();
  await call.waitForGather();
  await Promise.all([first.sendSms(customer.standbyNumber, `ACK ${reference}`), call.press('1')]);
  await first.expectSms(/acknowledged/i, { timeoutMs: 30_000 });
  await call.expectSay(/acknowledged/i, { timeoutMs: 30_000 });
}
