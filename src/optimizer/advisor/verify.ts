/**
 * After a suggestion is applied: is the index used, and did the statements it served get faster?
 * Use is `idx_scan` in pg_stat_user_indexes on the primary and on every replica (statistics are
 * per node, and an index may serve only the replicas' reads). Latency compares the window before
 * the build (stored with the application, sql/012) with the calls since: the gateway's own counters
 * for its statements, pg_stat_statements' for the others.
 */
import type pg from 'pg'
import { MONITORING_MARK } from '../../monitoring/slow-queries/pg-stat-statements.js'
import { indexState, qualified } from './catalog.js'
import type { FingerprintCounters } from './workload.js'
import type { AppliedIndex, LatencyWindow, NodeUsage, Verification } from './types.js'

export interface ServedRecord { fingerprint: string; query: string; source: 'gateway' | 'pg_stat_statements'; calls: number; meanMs: number | null }

export interface ApplicationRecord {
  id: string
  schema: string
  index: string
  table: string
  statement: string
  served: ServedRecord[]
  appliedAt: Date
}

const TABLE_MISSING = '42P01'

/** Saves the record; false when the table is not there (migrations not run: memory only). */
export async function saveApplication (pool: pg.Pool, r: ApplicationRecord, instance: string): Promise<boolean> {
  try {
    await pool.query(`INSERT ${MONITORING_MARK} INTO gateway_index_applications (id, index_schema, index_name, table_name, statement, served, applied_at, instance)
      VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8)
      ON CONFLICT (id) DO UPDATE SET served = EXCLUDED.served, applied_at = EXCLUDED.applied_at, instance = EXCLUDED.instance`,
    [r.id, r.schema, r.index, r.table, r.statement, JSON.stringify(r.served), r.appliedAt, instance])
    return true
  } catch (err) {
    if ((err as { code?: string }).code === TABLE_MISSING) return false
    throw err
  }
}

export async function readApplications (pool: pg.Pool): Promise<ApplicationRecord[] | undefined> {
  try {
    const { rows } = await pool.query<{ id: string; index_schema: string; index_name: string; table_name: string; statement: string; served: ServedRecord[]; applied_at: Date }>(
      `SELECT ${MONITORING_MARK} id, index_schema, index_name, table_name, statement, served, applied_at FROM gateway_index_applications ORDER BY applied_at DESC LIMIT 100`)
    return rows.map((r) => ({ id: r.id, schema: r.index_schema, index: r.index_name, table: r.table_name, statement: r.statement, served: r.served, appliedAt: r.applied_at }))
  } catch (err) {
    if ((err as { code?: string }).code === TABLE_MISSING) return undefined
    throw err
  }
}

/** idx_scan of the index on each node; a node that does not answer says so instead. */
export async function indexUsage (nodes: Array<{ name: string; pool: pg.Pool }>, schema: string, index: string): Promise<NodeUsage[]> {
  return await Promise.all(nodes.map(async ({ name, pool }) => {
    try {
      const { rows } = await pool.query<{ n: string }>(`SELECT ${MONITORING_MARK} idx_scan::text AS n FROM pg_stat_user_indexes WHERE indexrelid = to_regclass($1)`, [qualified(schema, index)])
      return { node: name, idxScan: rows[0] === undefined ? null : Number(rows[0].n) }
    } catch (err) {
      return { node: name, idxScan: null, error: (err as Error).message }
    }
  }))
}

export interface LatencySources {
  /** The gateway's cumulative counters now, and at the build (undefined: this process started after it). */
  gatewayNow: Map<string, FingerprintCounters>
  gatewayAtBuild: Map<string, FingerprintCounters> | undefined
  /** Whether this process's counters all postdate the build. */
  gatewayStartedAfterBuild: boolean
  statNow: Map<string, FingerprintCounters> | undefined
  statAtBuild: Map<string, FingerprintCounters> | undefined
}

function window (now: FingerprintCounters | undefined, base: FingerprintCounters | undefined): LatencyWindow {
  const calls = (now?.calls ?? 0) - (base?.calls ?? 0)
  return calls > 0 ? { calls, meanMs: ((now?.totalMs ?? 0) - (base?.totalMs ?? 0)) / calls } : { calls: 0, meanMs: null }
}

export async function verifyApplication (
  r: ApplicationRecord,
  primary: pg.Pool,
  nodes: Array<{ name: string; pool: pg.Pool }>,
  latency: LatencySources
): Promise<AppliedIndex> {
  const state = await indexState(primary, r.schema, r.index)
  const usage = state.exists ? await indexUsage(nodes, r.schema, r.index) : []
  const statements: Verification['statements'] = r.served.map((s) => {
    let after: LatencyWindow = { calls: 0, meanMs: null }
    if (s.source === 'gateway' && (latency.gatewayAtBuild !== undefined || latency.gatewayStartedAfterBuild)) {
      after = window(latency.gatewayNow.get(s.fingerprint), latency.gatewayAtBuild?.get(s.fingerprint))
    } else if (s.source === 'pg_stat_statements' && latency.statNow !== undefined && latency.statAtBuild !== undefined) {
      after = window(latency.statNow.get(s.fingerprint), latency.statAtBuild.get(s.fingerprint))
    }
    const faster = after.meanMs === null || s.meanMs === null ? null : after.meanMs < s.meanMs
    return { fingerprint: s.fingerprint, query: s.query, before: { calls: s.calls, meanMs: s.meanMs }, after, faster, source: s.source }
  })
  const judged = statements.filter((s) => s.faster !== null)
  return {
    id: r.id,
    index: r.index,
    table: r.table,
    statement: r.statement,
    appliedAt: r.appliedAt.toISOString(),
    fingerprints: r.served.map((s) => s.fingerprint),
    verification: {
      index: r.index,
      exists: state.exists,
      valid: state.exists ? state.valid : null,
      used: usage.some((u) => (u.idxScan ?? 0) > 0),
      nodes: usage,
      statements,
      faster: judged.length === 0 ? null : judged.every((s) => s.faster === true)
    }
  }
}
