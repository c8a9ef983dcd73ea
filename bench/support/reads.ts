/**
 * The read paths at scale: timed through the admin API (HTTP, an issued read token, so auth's
 * own database work counts), and the plans of their queries (the very query builders the routes
 * use) written as EXPLAIN (ANALYZE, BUFFERS) to `bench/plans/`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { drizzle } from 'drizzle-orm/postgres-js';
import type { SQLWrapper } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { incidentPageQuery, slaReportSql } from '../../src/db/incidents.js';
import * as schema from '../../src/db/schema.js';
import { timelinePageQuery } from '../../src/db/timeline.js';
import type { Topology } from '../topology.js';
import type { Dataset } from './dataset.js';

export interface ReadFigure {
  name: string;
  samples: number[];
  sorted: number[];
}

interface ReadCase {
  name: string;
  file: string;
  path: string;
  /** The query the route runs for this request (a query builder, or the statement a repository runs as written). */
  query: (db: ReturnType<typeof drizzle<typeof schema>>) => SQLWrapper;
}

async function cases(topo: Topology, d: Dataset): Promise<ReadCase[]> {
  const [deepIncident] = await topo.sql<{ id: string }[]>`select id from incidents order by id offset 150 limit 1`;
  const [deepEntry] = await topo.sql<{ id: string }[]>`select id from timeline_entries where incident_id = ${d.largeIncidentId} order by id offset 90000 limit 1`;
  const incidentCursor = Number(deepIncident!.id);
  const entryCursor = Number(deepEntry!.id);
  const month = { from: d.month.from, to: d.month.to };
  const q = new URLSearchParams({ from: month.from.toISOString(), to: month.to.toISOString() });
  return [
    { name: 'incident list, first page (50)', file: 'incidents-first-page', path: '/incidents?limit=50', query: (db) => incidentPageQuery(db, {}, { limit: 50 }) },
    {
      name: 'incident list, deep page (cursor near the oldest)',
      file: 'incidents-deep-page',
      path: `/incidents?limit=50&cursor=${incidentCursor}`,
      query: (db) => incidentPageQuery(db, {}, { limit: 50, cursor: incidentCursor }),
    },
    { name: 'incident list, status=open', file: 'incidents-open', path: '/incidents?limit=50&status=open', query: (db) => incidentPageQuery(db, { status: 'open' }, { limit: 50 }) },
    {
      name: 'incident list, status=resolved, deep page',
      file: 'incidents-resolved-deep',
      path: `/incidents?limit=50&status=resolved&cursor=${incidentCursor}`,
      query: (db) => incidentPageQuery(db, { status: 'resolved' }, { limit: 50, cursor: incidentCursor }),
    },
    { name: 'incident list, one customer', file: 'incidents-customer', path: `/incidents?limit=50&customerId=${d.customerId}`, query: (db) => incidentPageQuery(db, { customerId: d.customerId }, { limit: 50 }) },
    {
      name: 'incident list, severity=high in a month',
      file: 'incidents-severity-month',
      path: `/incidents?limit=50&severity=high&${q}`,
      query: (db) => incidentPageQuery(db, { severity: 'high', ...month }, { limit: 50 }),
    },
    {
      name: 'timeline of a 100,000-entry incident, first page (100)',
      file: 'timeline-first-page',
      path: `/incidents/${d.largeIncidentId}/timeline?limit=100`,
      query: (db) => timelinePageQuery(db, d.largeIncidentId, { limit: 100 }),
    },
    {
      name: 'timeline of a 100,000-entry incident, deep page',
      file: 'timeline-deep-page',
      path: `/incidents/${d.largeIncidentId}/timeline?limit=100&cursor=${entryCursor}`,
      query: (db) => timelinePageQuery(db, d.largeIncidentId, { limit: 100, cursor: entryCursor }),
    },
    { name: "SLA report, a month's incidents", file: 'sla-report-month', path: `/reports/sla?${q}`, query: () => slaReportSql(month) },
  ];
}

/** Each read `samples` times, one after another, after a few warm-up requests. */
export async function measureReads(topo: Topology, d: Dataset, samples: number): Promise<ReadFigure[]> {
  const { token } = await topo.api.create<{ token: string }>('/api-tokens', { name: 'bench reader', scope: 'read' });
  const base = `http://127.0.0.1:${topo.webs[0]!.port}/api/v1`;
  const figures: ReadFigure[] = [];
  for (const c of await cases(topo, d)) {
    const get = async () => {
      const response = await fetch(base + c.path, { headers: { authorization: `Bearer ${token}` } });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`GET ${c.path} answered ${response.status}: ${text.slice(0, 300)}`);
    };
    for (let i = 0; i < 5; i++) await get();
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const t0 = performance.now();
      await get();
      times.push(performance.now() - t0);
    }
    figures.push({ name: c.name, samples: times, sorted: [...times].sort((a, b) => a - b) });
  }
  return figures;
}

/** EXPLAIN (ANALYZE, BUFFERS) of each read's query, one file per query. */
export async function explainHotQueries(topo: Topology, d: Dataset, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const db = drizzle(topo.sql, { schema });
  const dialect = new PgDialect();
  for (const c of await cases(topo, d)) {
    const { sql, params } = dialect.sqlToQuery(c.query(db).getSQL());
    const rows = await topo.sql.unsafe<{ 'QUERY PLAN': string }[]>(`explain (analyze, buffers) ${sql}`, params as never[]);
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    writeFileSync(join(dir, `${c.file}.txt`), `-- ${c.name}: GET ${c.path.replace(/cursor=\d+/, 'cursor=…')}\n-- ${sql.replace(/\s+/g, ' ').trim()}\n-- params: ${JSON.stringify(params)}\n\n${plan}\n`);
  }
}
