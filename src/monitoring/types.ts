/**
 * The monitoring layer's public shapes (SPEC §4; the seed document's field names). Times are
 * milliseconds, ratios 0..1, timestamps ISO-8601 strings. `GET /admin/metrics` returns
 * PerformanceMetrics as JSON; the dashboard and the report read the same shapes.
 */

/** One pool (`primary`, `replica0`, …) as sampled now. */
export interface PoolSample {
  name: string
  role: 'primary' | 'replica'
  /** Open connections (`active + idle`). */
  total: number
  idle: number
  /** Checked out (running a statement or held by a transaction). */
  active: number
  /** Callers waiting for a connection. */
  waiting: number
  max: number
  /** `active / max`. */
  usage: number
}

export interface ReplicaSample {
  name: string
  state: 'unknown' | 'in-rotation' | 'out-of-rotation'
  up: boolean
  lagBytes: number | null
  lagMs: number | null
}

/** Figures over one sliding window (the last 1, 5 or 15 minutes). */
export interface WindowMetrics {
  /** Window length in seconds, and how much of it this process has observed (younger processes see less). */
  seconds: number
  coveredSeconds: number
  connections: {
    /** Mean over the window of the busiest pool's usage. */
    poolUsage: number
    /** Highest usage of any pool seen in the window. */
    poolUsageMax: number
    /** Mean waiting clients (all pools). */
    waiting: number
  }
  queries: {
    total: number
    errors: number
    /** Queries per second over the covered part of the window. */
    qps: number
    avgTime: number
    p50: number
    p95: number
    p99: number
    errorRate: number
    /** Statements over SLOW_QUERY_THRESHOLD. */
    slow: number
  }
  requests: {
    total: number
    /** 5xx responses. */
    errors: number
    rps: number
    errorRate: number
    p50: number
    p95: number
    p99: number
  }
  cache: {
    hits: number
    misses: number
    /** `hits / (hits + misses)`; 0 when there were no lookups. */
    hitRate: number
    lookups: number
  }
}

export interface PerformanceMetrics {
  at: string
  instance: string
  enabled: boolean
  /** The 1-minute window's figures plus the live pool and replica samples (seed document: `metrics.connections.poolUsage`, `metrics.queries.avgTime`, `metrics.cache.hitRate`). */
  connections: WindowMetrics['connections'] & { pools: PoolSample[] }
  queries: WindowMetrics['queries']
  requests: WindowMetrics['requests']
  cache: WindowMetrics['cache']
  replicas: ReplicaSample[]
  windows: { '1m': WindowMetrics; '5m': WindowMetrics; '15m': WindowMetrics }
}

/** One minute of history, summed over every instance that wrote a roll-up for it. */
export interface HistoryPoint {
  minute: string
  instances: number
  requests: number
  requestErrors: number
  queries: number
  queryErrors: number
  avgTime: number
  p50: number
  p95: number
  p99: number
  qps: number
  cacheHits: number
  cacheMisses: number
  hitRate: number
  /** Busiest pool's usage, the highest of any instance. */
  poolUsage: number
  slowQueries: number
  /** Highest replica lag seen (ms), null without replicas. */
  replicaLagMs: number | null
}

/** Slow statements of one fingerprint over a window (`getSlowQueries(n)`, `GET /admin/slow-queries`). */
export interface SlowQueryGroup {
  fingerprint: string
  /** Normalized by the PostgreSQL parser: no literals, `$n` placeholders. */
  query: string
  count: number
  meanMs: number
  p95Ms: number
  maxMs: number
  /** Seed-document alias of maxMs, for `${query.query} (${query.duration}ms)`. */
  duration: number
  firstSeen: string
  lastSeen: string
  nodes: string[]
  models: string[]
  routes: string[]
  instances: string[]
  /** `EXPLAIN (FORMAT JSON)` of one recorded execution, captured once per fingerprint; null until captured or when it cannot be explained. */
  plan: unknown | null
  planNode: string | null
  /** pg_stat_statements deltas over the same window, when the extension is installed. */
  statStatements?: { calls: number; totalMs: number; meanMs: number; rows: number } | null
  source: 'gateway' | 'pg_stat_statements'
  /** Recorded executions that failed (a statement cancelled by its timeout is slow too); gateway groups only. */
  errors?: number
}

export type AlertRuleName =
  | 'pool_usage' | 'cache_hit_rate' | 'query_time' | 'error_rate' | 'replication_lag'
  | 'replica_down' | 'redis_down' | 'maintenance_failed'

export type AlertState = 'inactive' | 'pending' | 'firing'

/**
 * What one instance observes at one evaluation, per rule: the value the rule compares (null = no
 * judgement possible, e.g. too few cache lookups) — `AlertInputs` is what the alert engine samples.
 */
export interface AlertSample {
  at: string
  instance: string
  values: Partial<Record<AlertRuleName, { value: number | null; sample?: number; detail?: string }>>
}

export interface AlertStatus {
  rule: AlertRuleName
  state: AlertState
  value: number | null
  threshold: number
  since: string | null
  description: string
  /** The current (or last) firing episode's id; 0 before the rule ever fired. */
  episode?: number
  comparison?: 'above' | 'below'
  unit?: 'ratio' | 'ms' | 'boolean'
  /** Which instance's observation was the worst, when the sampler said ("replica1 unreachable"). */
  detail?: string | null
  lastResolvedAt?: string | null
  evaluatedAt?: string | null
}
