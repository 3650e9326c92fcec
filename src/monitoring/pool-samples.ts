/** Live pool and replica readings in the monitoring shapes (read, never counted per request). */
import type pg from 'pg'
import type { PoolEntry } from '../pools/pool-registry.js'
import type { ReplicaStatus } from '../replicas/types.js'
import type { PoolSample, ReplicaSample } from './types.js'

export function samplePool (entry: PoolEntry): PoolSample {
  const pool = entry.pool as pg.Pool & { options?: { max?: number } }
  const total = pool.totalCount
  const idle = pool.idleCount
  const active = Math.max(0, total - idle)
  const max = pool.options?.max ?? 10
  return { name: entry.name, role: entry.role, total, idle, active, waiting: pool.waitingCount, max, usage: max > 0 ? Math.round((active / max) * 1000) / 1000 : 0 }
}

export function sampleReplica (r: ReplicaStatus): ReplicaSample {
  return { name: r.name, state: r.state, up: r.up === true, lagBytes: r.lagBytes, lagMs: r.lagMs }
}
