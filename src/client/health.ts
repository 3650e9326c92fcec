/** Liveness of each node: `SELECT 1` per pool, bounded by a short timeout. */
import { performance } from 'node:perf_hooks'
import type { PoolEntry } from '../pools/pool-registry.js'
import { failureReason } from './pg-errors.js'
import { withTimeout } from '../util/with-timeout.js'

export interface NodeHealth {
  name: string
  role: 'primary' | 'replica'
  up: boolean
  latencyMs: number | null
  error?: string
}

export interface DatabaseHealth {
  /** down: the primary does not answer; degraded: some replica does not. */
  status: 'ok' | 'degraded' | 'down'
  nodes: NodeHealth[]
  /** Seed-document name for the same probes: `{ primary: 'up', replica0: 'down', … }`. */
  checks: Record<string, 'up' | 'down'>
}

export const HEALTH_TIMEOUT_MS = 2_000

/**
 * Probes are not workload, so they bypass the 'query' event (monitoring would otherwise count a
 * health check as traffic).
 */
export async function probeNode (entry: PoolEntry, timeoutMs = HEALTH_TIMEOUT_MS): Promise<NodeHealth> {
  const start = performance.now()
  const timedOut = new Error(`timed out after ${timeoutMs} ms`)
  try {
    await withTimeout(entry.pool.query('SELECT 1'), timeoutMs, () => timedOut)
    return { name: entry.name, role: entry.role, up: true, latencyMs: Math.round((performance.now() - start) * 100) / 100 }
  } catch (err) {
    const reason = err === timedOut ? timedOut.message : failureReason(err, entry.name)
    return { name: entry.name, role: entry.role, up: false, latencyMs: null, error: reason }
  }
}

export async function checkHealth (entries: PoolEntry[], timeoutMs = HEALTH_TIMEOUT_MS): Promise<DatabaseHealth> {
  const nodes = await Promise.all(entries.map((e) => probeNode(e, timeoutMs)))
  const primaryUp = nodes.some((n) => n.role === 'primary' && n.up)
  const status = !primaryUp ? 'down' : nodes.every((n) => n.up) ? 'ok' : 'degraded'
  return { status, nodes, checks: Object.fromEntries(nodes.map((n) => [n.name, n.up ? 'up' : 'down'])) }
}
