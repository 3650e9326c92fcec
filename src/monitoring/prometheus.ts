/**
 * The gateway's Prometheus metrics on a registry of their own (one per client, so two clients in
 * one process never clash). Names follow the Prometheus naming guide: base units, `_total` on
 * counters, `_seconds` histograms. Label values come only from closed sets: pool names, model
 * names, a statement's verb, error codes from the catalogue, cache tiers — never SQL, ids or URLs.
 * Gauges and derived counters are read at scrape time (`collect`), so they cost nothing per request.
 * @see https://prometheus.io/docs/practices/naming/
 */
import { Counter, Gauge, Registry } from 'prom-client'
import { FastHistogram } from './fast-histogram.js'
import type { AlertStatus, PoolSample, ReplicaSample } from './types.js'

export interface TierTotals { hits: number; misses: number; stale: number }

/** The cache's running totals, read at scrape time (set by whoever owns the cache). */
export interface CacheTotals {
  tiers: { l1: TierTotals; redis: TierTotals; response: TierTotals }
  l1Bytes: number
  l1Entries: number
  evictions: number
  /** undefined: Redis is not configured. */
  redisUp: boolean | undefined
  /** Lookups answered from a cache tier, and those that went to the database. */
  hits: number
  misses: number
}

export interface MetricSources {
  pools: () => PoolSample[]
  replicas: () => ReplicaSample[]
  primaryUp: () => boolean | null
  cache: () => CacheTotals | undefined
  alerts: () => AlertStatus[] | undefined
  /** Epoch seconds of each maintenance task's last success (the maintenance issue fills it). */
  maintenance: () => Record<string, number> | undefined
}

/** Adds the growth of a running total since the last scrape to a counter (never decreases). */
class DeltaFeeder {
  private readonly last = new Map<string, number>()
  feed (counter: Counter<string>, labels: Record<string, string>, total: number): void {
    const key = Object.values(labels).join('\u0000')
    const before = this.last.get(key) ?? 0
    if (total > before) counter.inc(labels, total - before)
    this.last.set(key, Math.max(total, before))
  }
}

export interface GatewayMetrics {
  registry: Registry
  queryDuration: FastHistogram
  queryErrors: Counter<'pool' | 'code'>
  slowQueries: Counter<'pool' | 'model'>
  acquireDuration: FastHistogram
  rotationChanges: Counter<'replica' | 'to'>
}

export function createGatewayMetrics (sources: MetricSources): GatewayMetrics {
  const registry = new Registry()
  const registers = [registry]
  const feeder = new DeltaFeeder()

  const queryDuration = new FastHistogram('gateway_db_query_duration_seconds', 'Statement duration by pool, model and statement verb', ['pool', 'model', 'operation'], registry)
  const queryErrors = new Counter({ name: 'gateway_db_query_errors_total', help: 'Failed statements by pool and gateway error code', registers, labelNames: ['pool', 'code'] as const })
  const slowQueries = new Counter({ name: 'gateway_db_slow_queries_total', help: 'Statements slower than SLOW_QUERY_THRESHOLD', registers, labelNames: ['pool', 'model'] as const })
  const acquireDuration = new FastHistogram('gateway_db_pool_acquire_duration_seconds', 'Time to get a connection from the pool', ['pool'], registry)
  const rotationChanges = new Counter({ name: 'gateway_replica_rotation_changes_total', help: 'Replica rotation changes by the state entered', registers, labelNames: ['replica', 'to'] as const })

  new Gauge({
    name: 'gateway_db_pool_connections', help: 'Open connections per pool by state', registers, labelNames: ['pool', 'state'] as const,
    collect () {
      this.reset()
      for (const p of sources.pools()) {
        this.set({ pool: p.name, state: 'active' }, p.active)
        this.set({ pool: p.name, state: 'idle' }, p.idle)
      }
    }
  })
  const perPool = (name: string, help: string, pick: (p: PoolSample) => number): void => {
    new Gauge({
      name, help, registers, labelNames: ['pool'] as const,
      collect () {
        this.reset()
        for (const p of sources.pools()) this.set({ pool: p.name }, pick(p))
      }
    })
  }
  perPool('gateway_db_pool_max_connections', 'Pool size limit (DB_POOL_MAX)', (p) => p.max)
  perPool('gateway_db_pool_usage_ratio', 'Checked-out connections over the pool limit', (p) => p.usage)
  perPool('gateway_db_pool_waiting_clients', 'Callers waiting for a connection', (p) => p.waiting)

  const perReplica = (name: string, help: string, pick: (r: ReplicaSample) => number | null): void => {
    new Gauge({
      name, help, registers, labelNames: ['replica'] as const,
      collect () {
        this.reset()
        for (const r of sources.replicas()) {
          const v = pick(r)
          if (v !== null) this.set({ replica: r.name }, v)
        }
      }
    })
  }
  perReplica('gateway_replica_lag_bytes', 'WAL bytes the replica has not replayed (0 when caught up)', (r) => r.lagBytes)
  perReplica('gateway_replica_lag_seconds', 'Replay lag in seconds (0 when caught up, so an idle primary never looks lagged)', (r) => r.lagMs === null ? null : r.lagMs / 1000)
  perReplica('gateway_replica_up', '1 when the last health probe answered', (r) => r.up ? 1 : 0)
  perReplica('gateway_replica_in_rotation', '1 while the replica serves reads', (r) => r.state === 'in-rotation' ? 1 : 0)
  new Gauge({
    name: 'gateway_primary_up', help: '1 when the last health probe of the primary answered', registers,
    collect () {
      this.reset()
      const up = sources.primaryUp()
      if (up !== null) this.set(up ? 1 : 0)
    }
  })

  const cacheRequests = new Counter({
    name: 'gateway_cache_requests_total', help: 'Cache lookups by tier (l1, redis, response) and result (hit, miss, stale)', registers,
    labelNames: ['tier', 'result'] as const,
    collect () {
      const c = sources.cache()
      if (c === undefined) return
      for (const [tier, t] of Object.entries(c.tiers)) {
        feeder.feed(cacheRequests, { tier, result: 'hit' }, t.hits)
        feeder.feed(cacheRequests, { tier, result: 'miss' }, t.misses)
        feeder.feed(cacheRequests, { tier, result: 'stale' }, t.stale)
      }
    }
  })
  const evictions = new Counter({
    name: 'gateway_cache_evictions_total', help: 'Entries evicted from the in-process cache to stay within CACHE_MAX_MEMORY', registers,
    labelNames: ['tier'] as const,
    collect () {
      const c = sources.cache()
      if (c !== undefined) feeder.feed(evictions, { tier: 'l1' }, c.evictions)
    }
  })
  const perL1 = (name: string, help: string, pick: (c: CacheTotals) => number): void => {
    new Gauge({
      name, help, registers, labelNames: ['tier'] as const,
      collect () {
        this.reset()
        const c = sources.cache()
        if (c !== undefined) this.set({ tier: 'l1' }, pick(c))
      }
    })
  }
  perL1('gateway_cache_bytes', 'Estimated bytes held by the in-process cache', (c) => c.l1Bytes)
  perL1('gateway_cache_entries', 'Entries held by the in-process cache', (c) => c.l1Entries)
  new Gauge({
    name: 'gateway_cache_redis_up', help: '1 while Redis answers (circuit breaker closed); absent without Redis', registers,
    collect () {
      this.reset()
      const up = sources.cache()?.redisUp
      if (up !== undefined) this.set(up ? 1 : 0)
    }
  })
  new Gauge({
    name: 'gateway_alert_state', help: 'Alert rule state: 1 for the current state of each rule', registers, labelNames: ['rule', 'state'] as const,
    collect () {
      this.reset()
      for (const a of sources.alerts() ?? []) {
        for (const state of ['inactive', 'pending', 'firing'] as const) this.set({ rule: a.rule, state }, a.state === state ? 1 : 0)
      }
    }
  })
  new Gauge({
    name: 'gateway_maintenance_last_success_timestamp_seconds', help: 'Unix time of the last successful run of each maintenance task', registers,
    labelNames: ['task'] as const,
    collect () {
      this.reset()
      for (const [task, at] of Object.entries(sources.maintenance() ?? {})) this.set({ task }, at)
    }
  })

  return { registry, queryDuration, queryErrors, slowQueries, acquireDuration, rotationChanges }
}
