/**
 * The read-path data set: 1,000 customers with three integrations each, 10,000 incidents over
 * the last 180 days (the newest 200 open and acknowledged, the rest resolved), and 1,000,000
 * timeline rows, a tenth of them on one large incident. Timeline rows are interleaved across
 * incidents as a live table's are (rows of one incident are spread over the whole heap).
 * Written with a handful of INSERT … SELECT statements.
 */
import type { Sql } from 'postgres';

export interface Dataset {
  incidents: number;
  timelineRows: number;
  /** The incident with 100,000 timeline rows. */
  largeIncidentId: number;
  /** A customer with incidents, for the customer filter. */
  customerId: number;
  /** The calendar month (UTC) before the current one: [from, to). */
  month: { from: Date; to: Date };
}

const CUSTOMERS = 1000;
const INCIDENTS = 10_000;
const OPEN = 200;
const TIMELINE_ROWS = 1_000_000;

export async function generateDataset(sql: Sql, now: Date): Promise<Dataset> {
  const [policy] = await sql<{ id: string; standby: string }[]>`
    select escalation_policy_id as id, id as standby from standby_numbers where customer_id is null order by id limit 1`;
  const [engineer] = await sql<{ id: string }[]>`select id from engineers where archived_at is null order by id limit 1`;
  const nowIso = now.toISOString();

  await sql`
    with c as (
      insert into customers (code, name, language, time_zone)
      select (30000000 + g)::text, 'Reads customer ' || g, (array['es', 'en', 'pt'])[1 + g % 3], 'America/Argentina/Buenos_Aires'
      from generate_series(0, ${CUSTOMERS - 1}::int) g
      returning id
    ), k as (
      insert into contracts (customer_id, name, integrations_24x7, valid_from, blocker_first_response_minutes, blocker_resolution_minutes, high_first_response_minutes, high_resolution_minutes)
      select id, 'Reads 24x7', true, '2024-01-01T00:00:00Z', 15, 240, 30, 480 from c
    )
    insert into integrations (customer_id, name, built_by)
    select c.id, 'Integration ' || n, 'vendor' from c, generate_series(1, 3) n`;

  // Incident g (0 = oldest) belongs to the g-th customer round-robin; the newest OPEN are open, on distinct integrations.
  await sql`
    with cs as (
      select c.id, row_number() over (order by c.id) - 1 as n, k.id as contract_id,
        (select array_agg(i.id order by i.id) from integrations i where i.customer_id = c.id) as integrations
      from customers c join contracts k on k.customer_id = c.id
      where c.code like '3%' and length(c.code) = 8
    ), g as (
      select g, ${nowIso}::timestamptz - ((${INCIDENTS} - g) * interval '180 days' / ${INCIDENTS}) as contact,
        g >= ${INCIDENTS - OPEN} as open
      from generate_series(0, ${INCIDENTS - 1}::int) g
    )
    insert into incidents (customer_id, contract_id, integration_id, standby_number_id, escalation_policy_id, severity, status, channel, reporter_phone, description,
      first_contact_at, acknowledged_at, acknowledged_by, resolved_at, resolution, waiting_seconds, escalation_stopped_at, created_at, updated_at)
    select cs.id, cs.contract_id, cs.integrations[1 + (g.g / ${CUSTOMERS}) % 3], ${policy!.standby}, ${policy!.id},
      case when g.g % 4 = 0 then 'high' else 'blocker' end,
      case when g.open then 'acknowledged' when g.g % 7 = 0 then 'closed_with_evidence' else 'resolved' end,
      case when g.g % 3 = 0 then 'voice' else 'sms' end,
      '+5491170000000', 'generated incident ' || g.g,
      g.contact,
      g.contact + ((1 + g.g % 40) * interval '1 minute'),
      ${engineer!.id},
      case when g.open then null else g.contact + ((1 + g.g % 600) * interval '1 minute') end,
      case when g.open then null else 'fixed' end,
      (g.g % 5) * 300,
      g.contact + ((1 + g.g % 40) * interval '1 minute'),
      g.contact, g.contact
    from g join cs on cs.n = g.g % ${CUSTOMERS}
    order by g.g`;

  const [range] = await sql<{ first: string; last: string }[]>`
    select min(id) as first, max(id) as last from incidents where description like 'generated incident %'`;
  const first = Number(range!.first);
  const last = Number(range!.last);
  // The large incident: an open one, as an incident still being worked accumulates its record.
  const largeIncidentId = last;
  await sql`
    insert into timeline_entries (incident_id, at, kind, actor, channel, body, data, created_at)
    select case when g > ${TIMELINE_ROWS * 0.8} and g % 2 = 0 then ${largeIncidentId} else ${first} + (g % ${last - first}) end,
      ${nowIso}::timestamptz - ((${TIMELINE_ROWS} - g) * interval '1 second'),
      (array['sms_in', 'sms_out', 'page', 'keypress', 'ivr_prompt', 'note'])[1 + g % 6],
      (array['customer', 'system', 'engineer'])[1 + g % 3],
      (array['sms', 'system', 'voice'])[1 + g % 3],
      'generated timeline entry ' || g || ': the integration keeps failing with timeouts',
      jsonb_build_object('n', g),
      ${nowIso}::timestamptz
    from generate_series(1, ${TIMELINE_ROWS}::int) g`;
  // Vacuumed as well as analyzed, as a database that has been running is: a million rows just
  // inserted are otherwise vacuumed by autovacuum (Postgres vacuums after inserts too) at some
  // moment of the phases that follow, taking a core from whatever they measure.
  await sql`vacuum (analyze) incidents`;
  await sql`vacuum (analyze) timeline_entries`;
  // And checkpointed, as pgbench does before a run: the ~0.5 GB of WAL just written would start a
  // checkpoint in the middle of what follows, its writes and full-page images in every commit.
  await sql`checkpoint`;

  const [customer] = await sql<{ id: string }[]>`select customer_id as id from incidents where id = ${first}`;
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  const monthEnd = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  return { incidents: INCIDENTS, timelineRows: TIMELINE_ROWS, largeIncidentId, customerId: Number(customer!.id), month: { from: monthStart, to: monthEnd } };
}
