/**
 * The SQL side of slow-query capture (tables of sql/008): batched inserts, the grouped read over a
 * window, plans, retention. Every statement is parameterized and carries MONITORING_MARK.
 */
import type pg from 'pg'
import type { SlowQueryGroup } from '../types.js'
import { MONITORING_MARK } from './pg-stat-statements.js'

/** One recorded execution; never holds the statement's values. */
export interface SlowSample {
  at: Date
  instance: string
  fingerprint: string
  query: string
  durationMs: number
  node: string
  model: string | null
  route: string | null
  error: boolean
}

/** A window's group as stored; the plan fields come from gateway_query_plans. */
export type StoredGroup = Omit<SlowQueryGroup, 'statStatements'> & { errors: number }

// unnest of one array per column: one statement and nine parameters whatever the batch size.
const INSERT_SQL = `INSERT ${MONITORING_MARK} INTO gateway_slow_queries
  (at, instance, fingerprint, query, duration_ms, node, model, route, error)
  SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::text[], $7::text[], $8::text[], $9::bool[])`

export async function insertSamples (client: pg.PoolClient, samples: SlowSample[]): Promise<void> {
  await client.query(INSERT_SQL, [
    samples.map((s) => s.at), samples.map((s) => s.instance), samples.map((s) => s.fingerprint),
    samples.map((s) => s.query), samples.map((s) => s.durationMs), samples.map((s) => s.node),
    samples.map((s) => s.model), samples.map((s) => s.route), samples.map((s) => s.error)
  ])
}

const GROUPS_SQL = `WITH ${MONITORING_MARK} g AS (
  SELECT fingerprint,
         (array_agg(query ORDER BY at DESC))[1] AS query,
         count(*)::int AS count,
         avg(duration_ms)::float8 AS mean_ms,
         percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms)::float8 AS p95_ms,
         max(duration_ms)::float8 AS max_ms,
         min(at) AS first_seen, max(at) AS last_seen,
         array_agg(DISTINCT node) AS nodes,
         coalesce(array_agg(DISTINCT model) FILTER (WHERE model IS NOT NULL), '{}') AS models,
         coalesce(array_agg(DISTINCT route) FILTER (WHERE route IS NOT NULL), '{}') AS routes,
         array_agg(DISTINCT instance) AS instances,
         count(*) FILTER (WHERE error)::int AS errors
    FROM gateway_slow_queries
   WHERE at >= $1
   GROUP BY fingerprint
   ORDER BY sum(duration_ms) DESC
   LIMIT $2)
SELECT g.*, p.plan, p.node AS plan_node
  FROM g LEFT JOIN gateway_query_plans p USING (fingerprint)
 ORDER BY g.count * g.mean_ms DESC`

interface GroupRow {
  fingerprint: string; query: string; count: number; mean_ms: number; p95_ms: number; max_ms: number
  first_seen: Date; last_seen: Date; nodes: string[]; models: string[]; routes: string[]; instances: string[]
  errors: number; plan: unknown; plan_node: string | null
}

export async function readGroups (client: pg.PoolClient, since: Date, limit: number): Promise<StoredGroup[]> {
  const { rows } = await client.query<GroupRow>(GROUPS_SQL, [since, limit])
  return rows.map((r) => ({
    fingerprint: r.fingerprint,
    query: r.query,
    count: r.count,
    meanMs: r.mean_ms,
    p95Ms: r.p95_ms,
    maxMs: r.max_ms,
    duration: r.max_ms,
    firstSeen: new Date(r.first_seen).toISOString(),
    lastSeen: new Date(r.last_seen).toISOString(),
    nodes: r.nodes,
    models: r.models,
    routes: r.routes,
    instances: r.instances,
    errors: r.errors,
    plan: r.plan ?? null,
    planNode: r.plan_node ?? null,
    source: 'gateway'
  }))
}

export async function hasPlan (pool: pg.Pool, fingerprint: string): Promise<boolean> {
  const { rows } = await pool.query(`SELECT ${MONITORING_MARK} 1 FROM gateway_query_plans WHERE fingerprint = $1`, [fingerprint])
  return rows.length > 0
}

export async function savePlan (pool: pg.Pool, p: { fingerprint: string; query: string; plan: unknown; node: string }): Promise<void> {
  await pool.query(`INSERT ${MONITORING_MARK} INTO gateway_query_plans (fingerprint, query, plan, node)
    VALUES ($1, $2, $3::jsonb, $4) ON CONFLICT (fingerprint) DO NOTHING`, [p.fingerprint, p.query, JSON.stringify(p.plan), p.node])
}

/** Plans for fingerprints only pg_stat_statements knows (captured by an earlier gateway sighting). */
export async function readPlans (pool: pg.Pool, fingerprints: string[]): Promise<Map<string, { plan: unknown; node: string }>> {
  if (fingerprints.length === 0) return new Map()
  const { rows } = await pool.query<{ fingerprint: string; plan: unknown; node: string }>(
    `SELECT ${MONITORING_MARK} fingerprint, plan, node FROM gateway_query_plans WHERE fingerprint = ANY($1::text[])`, [fingerprints])
  return new Map(rows.map((r) => [r.fingerprint, { plan: r.plan, node: r.node }]))
}

/**
 * Samples past retention, and plans as old (so a plan is re-captured at the next sighting after
 * schema or data changed). Returns the samples deleted.
 */
export async function deleteExpired (client: pg.PoolClient, days: number): Promise<number> {
  const res = await client.query(`DELETE ${MONITORING_MARK} FROM gateway_slow_queries WHERE at < now() - make_interval(days => $1)`, [days])
  await client.query(`DELETE ${MONITORING_MARK} FROM gateway_query_plans WHERE captured_at < now() - make_interval(days => $1)`, [days])
  return res.rowCount ?? 0
}
