/**
 * The benchmark's SMS mix and its customers: 70% eligible reports from distinct customers (each
 * with a 24x7 contract, a vendor-built integration and a registered phone), 15% out of scope
 * (customers whose contract has no 24x7 Integrations support) and 15% follow-ups (a customer with
 * an open incident texting again). Webhooks are signed like Twilio's.
 */
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import type { Sql } from 'postgres';

export const SHARED_NUMBER = '+541150000199';
export const ACCOUNT_SID = 'AC00000000000000000000000000000000';
export const AUTH_TOKEN = 'bench-twilio-auth-token-000';

export type MixKind = 'eligible' | 'out_of_scope' | 'follow_up';

/** The environment of a benchmarked service (web or worker process, or the bare route). */
export function benchEnv(o: { port: number; databaseUrl: string; redisUrl: string; simUrl?: string }): Record<string, string> {
  return {
    PORT: String(o.port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${o.port}`,
    DATABASE_URL: o.databaseUrl,
    REDIS_URL: o.redisUrl,
    TWILIO_ACCOUNT_SID: ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    ADMIN_API_TOKEN: 'bench-admin-token-000000000000',
    LINK_SECRET: 'bench-link-secret-0000000000000000000',
    ...(o.simUrl ? { TWILIO_API_BASE_URL: o.simUrl } : {}),
  };
}

export function mixBody(kind: MixKind): string {
  switch (kind) {
    case 'eligible':
      return 'BLOCKER orders api down';
    case 'out_of_scope':
      return 'BLOCKER orders api down';
    case 'follow_up':
      return 'still failing since 10:02, orders stuck in the queue';
    default: {
      const never: never = kind;
      throw new Error(String(never));
    }
  }
}

/** The kind of the i-th request of the mix: 14 eligible, 3 out of scope, 3 follow-ups in every 20. */
export function mixKind(i: number): MixKind {
  const slot = i % 20;
  return slot < 14 ? 'eligible' : slot < 17 ? 'out_of_scope' : 'follow_up';
}

export interface MixPeople {
  /** Phones of customers with a 24x7 contract, each to report once. */
  eligible: string[];
  /** Phones of customers whose contract has no 24x7 Integrations support. */
  outOfScope: string[];
}

let seeded = 0;

/**
 * Creates `count` customers of each kind with one statement per table, and returns their phones.
 * Codes and phones continue from earlier calls, so a run can add customers between phases.
 */
export async function seedMixCustomers(sql: Sql, count: number, outOfScopeCount = count): Promise<MixPeople> {
  const make = async (n: number, covered: boolean): Promise<string[]> => {
    const first = seeded;
    seeded += n;
    const rows = await sql<{ phone: string }[]>`
      with c as (
        insert into customers (code, name, language, time_zone)
        select (20000000 + g)::text, 'Bench customer ' || g, 'en', 'America/Argentina/Buenos_Aires'
        from generate_series(${first}::int, ${first + n - 1}::int) g
        returning id, code
      ), k as (
        insert into contracts (customer_id, name, integrations_24x7, valid_from, blocker_first_response_minutes, blocker_resolution_minutes, high_first_response_minutes, high_resolution_minutes)
        select id, case when ${covered} then 'Bench 24x7' else 'Bench standard' end, ${covered}, '2025-01-01T00:00:00Z', 15, 240, 30, 480 from c
      ), i as (
        insert into integrations (customer_id, name, built_by) select id, 'Orders API', 'vendor' from c
      )
      insert into contacts (customer_id, name, phone)
      select id, 'Bench contact', '+549116' || lpad(((code::int) - 20000000)::text, 7, '0') from c
      returning phone`;
    return rows.map((r) => r.phone);
  };
  return { eligible: await make(count, true), outOfScope: await make(outOfScopeCount, false) };
}

/** A Twilio-signed form POST to the service at `baseUrl` (the PUBLIC_BASE_URL it checks against). */
export function signedForm(config: { PUBLIC_BASE_URL: string; TWILIO_AUTH_TOKEN: string }, path: string, params: Record<string, string>) {
  const all = { AccountSid: ACCOUNT_SID, MessageSid: `SM${randomBytes(16).toString('hex')}`, NumMedia: '0', ...params };
  const signature = twilio.getExpectedTwilioSignature(config.TWILIO_AUTH_TOKEN, config.PUBLIC_BASE_URL + path, all);
  return {
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    payload: new URLSearchParams(all).toString(),
  };
}
