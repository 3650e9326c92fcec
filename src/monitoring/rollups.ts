/**
 * Minute roll-ups in `gateway_metrics_minute` (sql/007): each instance writes one row per minute,
 * history sums them over instances. The table is range-partitioned by day (no DEFAULT): this module
 * creates the day partitions it writes into; the days past METRICS_RETENTION_DAYS are dropped by the
 * partition manager's retention, in the `cleanup-metrics` maintenance task (src/maintenance).
 */
import type pg from 'pg'
import { dayPeriod } from '../partitions/periods.js'
import { addBuckets, BUCKET_COUNT } from './buckets.js'
import type { HistoryPoint } from './types.js'
import { windowFrom, zeroTotals, type Totals } from './windows.js'
import { ADVISORY_LOCKS } from '../db/advisory-locks.js'

const TABLE = 'gateway_metrics_minute'
/** Advisory-lock key shared by every instance (partition DDL on this table) (src/db/advisory-locks.ts). */
const PARTITION_LOCK_KEY = ADVISORY_LOCKS.rollupPartitions
const DAY_MS = 86_400_000

export interface RollupRow {
  minute: Date
  instance: string
  totals: Totals
  poolUsageAvg: number
  poolUsageMax: number
  waitingAvg: number
  replicaLagMs: number | null
  /** Highest usage of each pool during the minute. */
  pools: Record<string, number>
}

export interface RollupSummary {
  totals: Totals
  /** Distinct minutes with data, and the instances that wrote them. */
  minutes: number
  instances: string[]
  poolUsageAvg: number
  poolUsageMax: number
  replicaLagMaxMs: number | null
}

export interface RollupLogger { warn: (obj: object, msg: string) => void }

const dayStart = (t: number): number => Math.floor(t / DAY_MS) * DAY_MS

function pgCode (err: unknown): string | undefined {
  return (err as { code?: string } | null)?.code
}

export class RollupStore {
  constructor (
    private readonly pool: pg.Pool,
    private readonly opts: { logger?: RollupLogger; now?: () => number } = {}
  ) {}

  private now (): number {
    return this.opts.now?.() ?? Date.now()
  }

  /** Creates the partitions of today and the next `aheadDays` days (idempotent, safe concurrently). */
  async ensurePartitions (aheadDays = 2, from = this.now()): Promise<string[]> {
    const created: string[] = []
    const client = await this.pool.connect()
    try {
      await client.query('BEGIN')
      await client.query("SET LOCAL lock_timeout = '2s'")
      await client.query('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK_KEY])
      for (let i = 0; i <= aheadDays; i++) {
        // The partition manager's naming and bounds (src/partitions/periods.ts), so both see one table.
        const { name, from: start, to: end } = dayPeriod(TABLE, new Date(dayStart(from) + i * DAY_MS))
        const exists = await client.query('SELECT to_regclass($1) IS NOT NULL AS e', [name])
        if (exists.rows[0]?.e === true) continue
        // Identifiers and bounds come from integers formatted here, never from input.
        await client.query(`CREATE TABLE ${name} PARTITION OF ${TABLE} FOR VALUES FROM ('${start.toISOString()}') TO ('${end.toISOString()}')`)
        created.push(name)
      }
      await client.query('COMMIT')
      return created
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {})
      throw err
    } finally {
      client.release()
    }
  }

  async write (row: RollupRow): Promise<void> {
    const t = row.totals
    const sql = `INSERT INTO ${TABLE} (minute, instance, requests, request_errors, request_buckets, queries, query_errors,
        query_time_ms, query_buckets, slow_queries, cache_hits, cache_misses, pool_usage_avg, pool_usage_max, waiting_avg,
        replica_lag_ms, pools)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
      ON CONFLICT (minute, instance) DO UPDATE SET requests = EXCLUDED.requests, request_errors = EXCLUDED.request_errors,
        request_buckets = EXCLUDED.request_buckets, queries = EXCLUDED.queries, query_errors = EXCLUDED.query_errors,
        query_time_ms = EXCLUDED.query_time_ms, query_buckets = EXCLUDED.query_buckets, slow_queries = EXCLUDED.slow_queries,
        cache_hits = EXCLUDED.cache_hits, cache_misses = EXCLUDED.cache_misses, pool_usage_avg = EXCLUDED.pool_usage_avg,
        pool_usage_max = EXCLUDED.pool_usage_max, waiting_avg = EXCLUDED.waiting_avg, replica_lag_ms = EXCLUDED.replica_lag_ms,
        pools = EXCLUDED.pools`
    const values = [row.minute, row.instance, t.requests, t.requestErrors, t.requestBuckets, t.queries, t.queryErrors,
      t.queryMs, t.queryBuckets, t.slow, t.cacheHits, t.cacheMisses, row.poolUsageAvg, row.poolUsageMax, row.waitingAvg,
      row.replicaLagMs, JSON.stringify(row.pools)]
    try {
      await this.pool.query(sql, values)
    } catch (err) {
      // 23514: no partition for that day yet (a fresh day before the hourly check ran).
      if (pgCode(err) !== '23514') throw err
      await this.ensurePartitions(1, row.minute.getTime())
      await this.pool.query(sql, values)
    }
  }

  private async rows (minutes: number, now: number): Promise<StoredRow[]> {
    const { rows } = await this.pool.query<StoredRow>(
      `SELECT minute, instance, requests, request_errors, request_buckets, queries, query_errors, query_time_ms, query_buckets,
              slow_queries, cache_hits, cache_misses, pool_usage_avg, pool_usage_max, replica_lag_ms
         FROM ${TABLE} WHERE minute >= $1 AND minute < $2 ORDER BY minute`, [new Date(now - minutes * 60_000), new Date(now)])
    return rows
  }

  /** Everything recorded in the last `minutes`, summed over minutes and instances (the report's headline). */
  async summary (minutes: number, now = this.now()): Promise<RollupSummary> {
    const rows = await this.rows(minutes, now)
    const acc = new Accumulator()
    for (const r of rows) acc.add(r)
    return {
      totals: acc.totals,
      minutes: new Set(rows.map((r) => r.minute.getTime())).size,
      instances: [...new Set(rows.map((r) => r.instance))].sort(),
      poolUsageAvg: rows.length === 0 ? 0 : rows.reduce((a, r) => a + r.pool_usage_avg, 0) / rows.length,
      poolUsageMax: acc.poolUsageMax,
      replicaLagMaxMs: acc.lagMax
    }
  }

  /** The last `minutes` whole minutes, summed over instances, oldest first (minutes without rows are absent). */
  async history (minutes: number, now = this.now()): Promise<HistoryPoint[]> {
    const byMinute = new Map<number, Accumulator>()
    for (const r of await this.rows(minutes, now)) {
      const key = r.minute.getTime()
      let acc = byMinute.get(key)
      if (acc === undefined) byMinute.set(key, acc = new Accumulator())
      acc.add(r)
    }
    return [...byMinute.entries()].map(([t, acc]) => {
      const w = windowFrom(60, 60, acc.totals, [])
      const d = acc.totals
      return {
        minute: new Date(t).toISOString(), instances: acc.rows, requests: d.requests, requestErrors: d.requestErrors,
        queries: d.queries, queryErrors: d.queryErrors, avgTime: w.queries.avgTime, p50: w.queries.p50, p95: w.queries.p95,
        p99: w.queries.p99, qps: w.queries.qps, cacheHits: d.cacheHits, cacheMisses: d.cacheMisses, hitRate: w.cache.hitRate,
        poolUsage: Math.round(acc.poolUsageMax * 1000) / 1000, slowQueries: d.slow, replicaLagMs: acc.lagMax
      }
    })
  }
}

interface StoredRow {
  minute: Date; instance: string; requests: number; request_errors: number; request_buckets: number[]; queries: number
  query_errors: number; query_time_ms: number; query_buckets: number[]; slow_queries: number; cache_hits: number
  cache_misses: number; pool_usage_avg: number; pool_usage_max: number; replica_lag_ms: number | null
}

/** Sums stored rows (counts and buckets add; usage and lag take the highest). */
class Accumulator {
  readonly totals = zeroTotals()
  rows = 0
  poolUsageMax = 0
  lagMax: number | null = null

  add (r: StoredRow): void {
    const t = this.totals
    this.rows++
    t.requests += r.requests
    t.requestErrors += r.request_errors
    t.queries += r.queries
    t.queryErrors += r.query_errors
    t.queryMs += r.query_time_ms
    t.slow += r.slow_queries
    t.cacheHits += r.cache_hits
    t.cacheMisses += r.cache_misses
    if (r.query_buckets.length === BUCKET_COUNT) addBuckets(t.queryBuckets, r.query_buckets)
    if (r.request_buckets.length === BUCKET_COUNT) addBuckets(t.requestBuckets, r.request_buckets)
    this.poolUsageMax = Math.max(this.poolUsageMax, r.pool_usage_max)
    if (r.replica_lag_ms !== null) this.lagMax = Math.max(this.lagMax ?? 0, r.replica_lag_ms)
  }
}
