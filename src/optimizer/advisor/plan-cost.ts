/**
 * EXPLAIN (never ANALYZE) of a workload statement on one pinned connection: with the values it
 * last ran with when the gateway ran it, else as a generic plan (PREPARE under
 * plan_cache_mode = force_generic_plan, then EXPLAIN EXECUTE with NULLs — what Dexter does before
 * PostgreSQL 16's EXPLAIN (GENERIC_PLAN)). The plan's total cost and the indexes it uses are what
 * the advisor compares.
 */
import type pg from 'pg'
import { MONITORING_MARK } from '../../monitoring/slow-queries/pg-stat-statements.js'
import type { WorkloadStatement } from './types.js'

export interface PlanSummary {
  cost: number
  /** The plan's estimated rows out. */
  rows: number
  /** Index names the plan scans (hypothetical ones look like `<13557>btree_t_city`). */
  indexes: string[]
  /** Each sequential scan: relation, estimated rows out and the node's total cost. */
  seqScans: Array<{ relation: string; rows: number; cost: number }>
}

type PlanNode = Record<string, unknown> & { Plans?: PlanNode[] }

function walk (node: PlanNode, out: PlanSummary): void {
  const name = node['Index Name']
  if (typeof name === 'string') out.indexes.push(name)
  if (node['Node Type'] === 'Seq Scan' && typeof node['Relation Name'] === 'string') {
    out.seqScans.push({ relation: node['Relation Name'], rows: Number(node['Plan Rows'] ?? 0), cost: Number(node['Total Cost'] ?? 0) })
  }
  for (const child of node.Plans ?? []) walk(child, out)
}

export function summarize (plan: unknown): PlanSummary {
  const root = (Array.isArray(plan) ? plan[0] : plan) as { Plan: PlanNode }
  const out: PlanSummary = { cost: Number(root.Plan['Total Cost'] ?? 0), rows: Number(root.Plan['Plan Rows'] ?? 0), indexes: [], seqScans: [] }
  walk(root.Plan, out)
  return out
}

const ADVISOR_STATEMENT = 'gw_advisor_stmt'

function paramCount (sql: string): number {
  let max = 0
  for (const m of sql.matchAll(/\$(\d+)/g)) max = Math.max(max, Number(m[1]))
  return max
}

/** Runs one EXPLAIN; throws what PostgreSQL throws (the caller skips the statement). */
export async function explainCost (client: pg.ClientBase, s: WorkloadStatement): Promise<PlanSummary> {
  const n = paramCount(s.sql)
  if (n === 0 || s.values !== undefined) {
    const res = await client.query<{ 'QUERY PLAN': unknown }>({ text: `EXPLAIN ${MONITORING_MARK} (FORMAT JSON) ${s.sql}`, values: s.values ?? [] })
    return summarize(res.rows[0]!['QUERY PLAN'])
  }
  // Named, and deallocated by name: the pool's connections hold the driver's own prepared
  // statements (src/client/executor.ts), which DEALLOCATE ALL would pull from under it.
  await client.query("SET plan_cache_mode = 'force_generic_plan'")
  let prepared = false
  try {
    await client.query(`PREPARE ${ADVISOR_STATEMENT} AS ${s.sql}`)
    prepared = true
    const nulls = Array.from({ length: n }, () => 'NULL').join(', ')
    const res = await client.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN ${MONITORING_MARK} (FORMAT JSON) EXECUTE ${ADVISOR_STATEMENT}(${nulls})`)
    return summarize(res.rows[0]!['QUERY PLAN'])
  } finally {
    if (prepared) await client.query(`DEALLOCATE ${ADVISOR_STATEMENT}`)
    await client.query('RESET plan_cache_mode')
  }
}

/**
 * A primary connection for one analysis: its own statement timeout, and whatever it leaves
 * (hypothetical indexes, settings) cleared before it goes back to the pool.
 */
export async function withAnalysisSession<T> (pool: pg.Pool, timeoutMs: number, hypopg: boolean, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  let broken: Error | undefined
  try {
    await client.query(`SET statement_timeout = ${Math.max(1, Math.round(timeoutMs))}`)
    return await fn(client)
  } finally {
    try {
      if (hypopg) await client.query(`SELECT ${MONITORING_MARK} hypopg_reset()`)
      await client.query('RESET statement_timeout')
      await client.query('RESET plan_cache_mode')
    } catch (err) {
      broken = err as Error
    }
    client.release(broken)
  }
}
