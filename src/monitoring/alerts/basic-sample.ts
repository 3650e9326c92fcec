/**
 * A stand-in sampler until the metrics layer provides `alertSample()`: what the client can tell
 * without windows of query and request metrics — pool usage, replicas, replication lag, Redis.
 * The rules it cannot judge (hit rate, query time, error rate, maintenance) get null.
 */
import type { OptimizedDatabaseClient } from '../../client/optimized-database-client.js'
import type { AlertSample } from '../types.js'

export interface BasicSampleSources {
  db: Pick<OptimizedDatabaseClient, 'pools' | 'replicaManager'>
  /** Redis' connection status (ioredis `status`), or undefined when the gateway runs without Redis. */
  redisStatus?: () => string
}

export function basicSample (src: BasicSampleSources, instance: string, now: () => number = Date.now): () => AlertSample {
  return () => {
    const values: AlertSample['values'] = {}
    let busiest = { usage: 0, name: '' }
    for (const { name, pool } of src.db.pools.all()) {
      const max = pool.options.max ?? 10
      const usage = max > 0 ? (pool.totalCount - pool.idleCount) / max : 0
      if (usage >= busiest.usage) busiest = { usage, name }
    }
    values.pool_usage = { value: busiest.usage, detail: `${busiest.name} on ${instance}` }

    const replicas = src.db.replicaManager.checkReplicationLag()
    if (replicas.length > 0) {
      // Unknown (not probed yet) is no judgement, not "down".
      const known = replicas.filter((r) => r.state !== 'unknown')
      const out = known.filter((r) => r.state === 'out-of-rotation')
      values.replica_down = known.length === 0
        ? { value: null }
        : { value: out.length > 0 ? 1 : 0, ...(out.length > 0 ? { detail: out.map((r) => `${r.name} ${r.reason ?? 'out'}`).join(', ') } : {}) }
      const lags = replicas.filter((r) => r.lagMs !== null)
      const worst = lags.reduce<typeof lags[number] | undefined>((a, b) => (a === undefined || b.lagMs! > a.lagMs!) ? b : a, undefined)
      values.replication_lag = worst === undefined ? { value: null } : { value: worst.lagMs!, detail: worst.name }
    }

    const status = src.redisStatus?.()
    if (status !== undefined) {
      // 'connecting'/'reconnecting' after a drop count as down; the keep-firing window absorbs reconnect blips.
      values.redis_down = status === 'ready' ? { value: 0 } : { value: 1, detail: `Redis connection ${status} on ${instance}` }
    }
    return { at: new Date(now()).toISOString(), instance, values }
  }
}
