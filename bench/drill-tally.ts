import type { Sql } from 'postgres';
import type { Simulator } from '../sim/server.js';
import { PAGE_SMS, type DrillCustomer } from './drill-customers.js';

/** What Postgres showed of one drill customer's incident, read from outside while the drill ran. */
export interface IncidentSeen {
  incidentId: number;
  /** Incidents this customer's report opened (a replayed webhook must not open a second). */
  opened: number;
  /** `escalation_next_at` as last read while the incident was still at level 1: when level 2 is due. */
  level2DueAt: Date | undefined;
  acknowledgedAt: Date | undefined;
}

interface IncidentRow {
  id: number;
  customer_id: number;
  escalation_level: number;
  escalation_round: number;
  escalation_next_at: Date | null;
  acknowledged_at: Date | null;
}

/**
 * Polls Postgres for the drill customers' incidents, so that each level-2 due instant is known
 * before it fires. A poll that fails (Postgres is down) is counted and skipped.
 */
export class EscalationWatch {
  readonly #seen = new Map<number, IncidentSeen>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #polling: Promise<void> = Promise.resolve();
  failedPolls = 0;

  constructor(
    private readonly sql: Sql,
    private readonly customers: readonly DrillCustomer[],
  ) {}

  start(intervalMs = 200): this {
    this.#timer = setInterval(() => {
      this.#polling = this.#polling.then(() => this.poll());
    }, intervalMs);
    return this;
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#polling;
    await this.poll();
  }

  /** The customer's incident as last seen (the first one, if the report opened several). */
  of(customer: DrillCustomer): IncidentSeen | undefined {
    return this.#seen.get(customer.customerId);
  }

  async poll(): Promise<void> {
    let rows: IncidentRow[];
    try {
      rows = await this.sql<IncidentRow[]>`
        select id::int as id, customer_id::int as customer_id, escalation_level, escalation_round, escalation_next_at, acknowledged_at
        from incidents where customer_id in ${this.sql(this.customers.map((c) => c.customerId))} order by id`;
    } catch {
      this.failedPolls++;
      return;
    }
    const opened = new Map<number, number>();
    for (const row of rows) opened.set(row.customer_id, (opened.get(row.customer_id) ?? 0) + 1);
    for (const row of rows) {
      const known = this.#seen.get(row.customer_id);
      if (known && known.incidentId !== row.id) continue;
      const atLevel1 = row.escalation_level === 0 && row.escalation_round === 0 && row.escalation_next_at !== null;
      this.#seen.set(row.customer_id, {
        incidentId: row.id,
        opened: opened.get(row.customer_id) ?? 1,
        level2DueAt: atLevel1 && row.acknowledged_at === null ? row.escalation_next_at! : known?.level2DueAt,
        acknowledgedAt: row.acknowledged_at ?? undefined,
      });
    }
  }
}

export type Channel = 'sms' | 'voice';

/** A page as the simulator received it: Twilio accepted the message or placed the call at `at`. */
export interface PageArrival {
  channel: Channel;
  at: Date;
}

/** Every page (SMS asking to ACK, or call) the simulator received, by recipient phone. */
export function pagesByPhone(sim: Simulator): Map<string, PageArrival[]> {
  const pages = new Map<string, PageArrival[]>();
  const add = (to: string, page: PageArrival) => pages.set(to, [...(pages.get(to) ?? []), page]);
  for (const message of sim.messages) {
    if (message.direction === 'outbound-api' && PAGE_SMS.test(message.body)) add(message.to, { channel: 'sms', at: message.dateCreated });
  }
  for (const call of sim.calls) {
    if (call.direction === 'outbound-api') add(call.to, { channel: 'voice', at: call.dateCreated });
  }
  return pages;
}

export interface Lateness {
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** The figures of one drill. Pages for reports that never became incidents count as dropped contacts, not as lost pages. */
export interface Tally {
  reports: number;
  contactsDropped: number;
  /** Every level reached before the incident was acknowledged: an SMS and a call per level. */
  pagesExpected: number;
  pagesSent: number;
  lost: number;
  /** Copies beyond the first of the same page (incident, engineer, channel, step). */
  duplicated: number;
  /** Level-2 pages nothing owed: the incident was acknowledged before level 2 was due, or it was not due yet. */
  notOwed: number;
  /** Level-2 page arrival minus its stored due instant. */
  lateness: Lateness | undefined;
  /** The same, counted from when the fault cleared if that was later than the due instant. */
  latenessAfterClear: Lateness | undefined;
  /** Reports whose incident opened more than once. */
  openedTwice: number;
}

/**
 * Counts pages expected, sent, lost and duplicated, and how late level 2 was, as of `asOf`: level 2
 * is owed once its due instant has passed unless the incident was acknowledged before it.
 */
export function tally(sim: Simulator, customers: readonly DrillCustomer[], watch: EscalationWatch, clearedAt: Date | undefined, asOf = new Date()): Tally {
  const pages = pagesByPhone(sim);
  const result: Tally = { reports: customers.length, contactsDropped: 0, pagesExpected: 0, pagesSent: 0, lost: 0, duplicated: 0, notOwed: 0, lateness: undefined, latenessAfterClear: undefined, openedTwice: 0 };
  const late: number[] = [];
  const lateAfterClear: number[] = [];
  for (const customer of customers) {
    const seen = watch.of(customer);
    const level1 = pages.get(customer.level1.phone) ?? [];
    const level2 = pages.get(customer.level2.phone) ?? [];
    result.pagesSent += level1.length + level2.length;
    if (!seen) {
      result.contactsDropped++;
      continue;
    }
    if (seen.opened > 1) result.openedTwice++;
    const due = seen.level2DueAt;
    const level2Expected = !due || (due <= asOf && (!seen.acknowledgedAt || seen.acknowledgedAt >= due));
    for (const [received, expected] of [[level1, true], [level2, level2Expected]] as const) {
      for (const channel of ['sms', 'voice'] as const) {
        const copies = received.filter((p) => p.channel === channel).length;
        if (!expected) {
          result.notOwed += copies;
          continue;
        }
        result.pagesExpected++;
        if (copies === 0) result.lost++;
        result.duplicated += Math.max(0, copies - 1);
      }
    }
    if (!due) continue;
    for (const channel of ['sms', 'voice'] as const) {
      const first = level2.filter((p) => p.channel === channel).sort((a, b) => a.at.getTime() - b.at.getTime())[0];
      if (!first) continue;
      late.push(first.at.getTime() - due.getTime());
      const from = clearedAt && clearedAt > due ? clearedAt : due;
      lateAfterClear.push(first.at.getTime() - from.getTime());
    }
  }
  result.lateness = summarise(late);
  result.latenessAfterClear = summarise(lateAfterClear);
  return result;
}

/** What is still owed: expected pages not received yet, incidents nobody acknowledged, reports with no incident. */
export function outstanding(sim: Simulator, customers: readonly DrillCustomer[], watch: EscalationWatch): { missingPages: number; unacknowledged: number; withoutIncident: number } {
  const t = tally(sim, customers, watch, undefined);
  const unacknowledged = customers.filter((c) => {
    const seen = watch.of(c);
    return seen !== undefined && seen.acknowledgedAt === undefined;
  }).length;
  return { missingPages: t.lost, unacknowledged, withoutIncident: t.contactsDropped };
}

function summarise(samples: number[]): Lateness | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  return { samples: sorted.length, p50Ms: rank(50), p99Ms: rank(99), maxMs: sorted.at(-1)! };
}
