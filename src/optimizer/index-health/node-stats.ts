/**
 * Index usage counters of one node. They are per node: a standby counts the scans of the queries
 * it serves and never sees the primary's, so "unused" needs every node's answer.
 */
import type { PoolEntry } from '../../pools/pool-registry.js'
import { failureReason } from '../../client/pg-errors.js'
import { withTimeout } from '../../util/with-timeout.js'
import type { NodeStats } from './types.js'

export interface NodeCounters {
  stats: NodeStats
  /** By index OID; an index the node does not know yet (replay behind) has no entry. */
  usage: Map<number, { idxScan: number; idxTupRead: number }>
}

const NODE_SQL = `
SELECT (SELECT stats_reset FROM pg_stat_database WHERE datname = current_database()) AS "statsReset",
  pg_postmaster_start_time() AS started,
  coalesce((SELECT json_agg(json_build_array(s.indexrelid::int8, s.idx_scan, s.idx_tup_read))
            FROM pg_stat_user_indexes s WHERE s.indexrelid = ANY($1::oid[])), '[]') AS usage`

interface Row { statsReset: Date | null; started: Date; usage: Array<[number, number, number]> }

export async function readNodeCounters (entry: PoolEntry, oids: number[], timeoutMs: number): Promise<NodeCounters> {
  const base = { name: entry.name, role: entry.role }
  const timedOut = new Error(`timed out after ${timeoutMs} ms`)
  try {
    const { rows: [row] } = await withTimeout(entry.pool.query<Row>(NODE_SQL, [oids]), timeoutMs, () => timedOut)
    const { statsReset, started, usage } = row as Row
    return {
      stats: { ...base, reachable: true, statsReset: statsReset?.toISOString() ?? null, statsSince: (statsReset ?? started).toISOString() },
      usage: new Map(usage.map(([oid, idxScan, idxTupRead]) => [oid, { idxScan, idxTupRead }]))
    }
  } catch (err) {
    const error = err === timedOut ? timedOut.message : failureReason(err, entry.name)
    return { stats: { ...base, reachable: false, error, statsReset: null, statsSince: null }, usage: new Map() }
  }
}
