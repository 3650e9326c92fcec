/**
 * The monitoring core of one client: Prometheus metrics, sliding 1/5/15-minute windows, minute
 * roll-ups (persisted when `persistTo` is called), the alert engine's per-instance sample.
 *
 * Cost per statement: one histogram observation and a few additions (the 'query' event the
 * client already emits). Everything else — pools, replicas, cache totals, request totals — is read
 * once a second by a timer, or at scrape time.
 */
import os from 'node:os'
import type pg from 'pg'
import type { QueryEvent } from '../client/types.js'
import type { PoolEntry } from '../pools/pool-registry.js'
import type { NodeStateChange, PrimaryStatus, ReplicaStatus } from '../replicas/types.js'
import type { HistogramChild } from './fast-histogram.js'
import { timeAcquire } from './pool-acquire.js'
import { samplePool, sampleReplica } from './pool-samples.js'
import { createGatewayMetrics, type CacheTotals, type GatewayMetrics } from './prometheus.js'
import { buildReport, type PerformanceReport, type ReportSection } from './report.js'
import { RollupStore, type RollupRow, type RollupSummary } from './rollups.js'
import { statementVerb } from './statement-verb.js'
import type { AlertSample, AlertStatus, HistoryPoint, PerformanceMetrics, PoolSample, SlowQueryGroup } from './types.js'
import { copyTotals, diffTotals, SnapshotRing, windowFrom, zeroTotals, type Snapshot, type Totals } from './windows.js'

/** What the monitor reads from the client (structural, so the core does not import the client class). */
export interface MonitoredClient {
  on (event: 'query', listener: (e: QueryEvent) => void): unknown
  off (event: 'query', listener: (e: QueryEvent) => void): unknown
  readonly pools: { all (): PoolEntry[]; readonly primary: pg.Pool }
  readonly replicaManager: {
    checkReplicationLag (): ReplicaStatus[]
    primaryStatus (): PrimaryStatus
    on (event: 'stateChange', listener: (c: NodeStateChange) => void): unknown
    off (event: 'stateChange', listener: (c: NodeStateChange) => void): unknown
  }
}

export interface MonitorLogger {
  warn: (obj: object, msg: string) => void
  error: (obj: object, msg: string) => void
}

export interface RequestTotals { count: number; errors: number; buckets: number[] }

/** The slow-query log plugs in here (src/monitoring/slow-queries). */
export interface SlowQuerySource {
  getSlowQueries (opts: { limit?: number; windowMinutes?: number }): Promise<SlowQueryGroup[]>
}

export interface MonitorOptions {
  enabled?: boolean
  /** Default `host:pid`. */
  instance?: string
  slowQueryThresholdMs?: number
  /** Seconds of the peak pool usage the alert sample reports (ALERT_EVAL_INTERVAL). */
  alertWindowSeconds?: number
  sampleIntervalMs?: number
  logger?: MonitorLogger
  now?: () => number
}

const WINDOWS = [60, 300, 900] as const
const MINUTE = 60_000
const MAX_UNSENT_ROLLUPS = 120
const MAX_CHILD_TEXTS = 2_000

export class Monitor {
  readonly enabled: boolean
  readonly instance: string
  readonly metrics: GatewayMetrics
  readonly slowQueryThresholdMs: number
  private readonly ring = new SnapshotRing(900_000 + 5_000)
  private readonly totals: Totals = zeroTotals()
  private readonly now: () => number
  private readonly logger: MonitorLogger | undefined
  private readonly sampleIntervalMs: number
  private readonly alertWindowSeconds: number
  private cacheSource: (() => CacheTotals | undefined) | undefined
  private requestSource: (() => Promise<RequestTotals>) | undefined
  private alertSource: (() => AlertStatus[] | undefined) | undefined
  private maintenanceSource: (() => Record<string, number> | undefined) | undefined
  private maintenanceFailedSource: (() => number | null) | undefined
  private slowSource: SlowQuerySource | undefined
  private rollups: RollupStore | undefined
  private unsent: RollupRow[] = []
  private writeFailing = false
  private timer: NodeJS.Timeout | undefined
  private housekeeping: NodeJS.Timeout | undefined
  private ticking = false
  private minute = 0
  private readonly restorers: Array<() => void> = []
  private readonly reportSections = new Map<string, () => Promise<ReportSection> | ReportSection>([
    ['partitions', () => ({ title: 'Partitions', available: false, note: 'partition maintenance is not built yet (the partition-maintenance issue)' })],
    ['indexAdvice', () => ({ title: 'Index advice', available: false, note: 'the query optimizer is not built yet (the optimizer issue)' })]
  ])
  private readonly children = new Map<string, Map<string, HistogramChild>>()

  constructor (private readonly client: MonitoredClient, opts: MonitorOptions = {}) {
    this.enabled = opts.enabled ?? true
    this.instance = opts.instance ?? `${os.hostname()}:${process.pid}`
    this.slowQueryThresholdMs = opts.slowQueryThresholdMs ?? 500
    this.now = opts.now ?? Date.now
    this.logger = opts.logger
    this.sampleIntervalMs = opts.sampleIntervalMs ?? 1_000
    this.alertWindowSeconds = opts.alertWindowSeconds ?? 15
    this.metrics = createGatewayMetrics({
      pools: () => this.pools(),
      replicas: () => this.client.replicaManager.checkReplicationLag().map(sampleReplica),
      primaryUp: () => this.client.replicaManager.primaryStatus().up,
      cache: () => this.cacheSource?.(),
      alerts: () => this.alertSource?.(),
      maintenance: () => this.maintenanceSource?.()
    })
  }

  // --- sources other layers plug in -------------------------------------------------------------
  setCacheSource (fn: () => CacheTotals | undefined): void { this.cacheSource = fn }
  setRequestSource (fn: () => Promise<RequestTotals>): void { this.requestSource = fn }
  setAlertSource (fn: () => AlertStatus[] | undefined): void { this.alertSource = fn }
  setMaintenanceSource (fn: () => Record<string, number> | undefined): void { this.maintenanceSource = fn }
  /** 1 when the last run of a maintenance job failed, 0 when none did, null before any ran. */
  setMaintenanceFailed (fn: () => number | null): void { this.maintenanceFailedSource = fn }
  setSlowQuerySource (source: SlowQuerySource): void { this.slowSource = source }
  /** Adds or replaces a report section (cache, alerts, partitions, index advice …). */
  setReportSection (key: string, fn: () => Promise<ReportSection> | ReportSection): void { this.reportSections.set(key, fn) }

  /**
   * Persist minute roll-ups in `gateway_metrics_minute` on this pool (the primary). Days past
   * METRICS_RETENTION_DAYS are dropped by the `cleanup-metrics` maintenance task, not here.
   */
  async persistTo (pool: pg.Pool): Promise<RollupStore> {
    this.rollups = new RollupStore(pool, { logger: this.logger, now: this.now })
    if (this.timer !== undefined) await this.maintainPartitions()
    return this.rollups
  }

  get rollupStore (): RollupStore | undefined {
    return this.rollups
  }

  // --- lifecycle --------------------------------------------------------------------------------
  async start (): Promise<void> {
    if (!this.enabled || this.timer !== undefined) return
    this.client.on('query', this.onQuery)
    this.client.replicaManager.on('stateChange', this.onStateChange)
    this.restorers.push(() => this.client.off('query', this.onQuery), () => this.client.replicaManager.off('stateChange', this.onStateChange))
    for (const entry of this.client.pools.all()) {
      const child = this.metrics.acquireDuration.child(entry.name)
      this.restorers.push(timeAcquire(entry.pool, (ms) => child.observeMs(ms)))
    }
    const t = this.now()
    this.minute = Math.floor(t / MINUTE)
    this.ring.push(this.snapshot(t))
    if (this.rollups !== undefined) await this.maintainPartitions()
    this.timer = setInterval(() => { void this.tick() }, this.sampleIntervalMs)
    this.timer.unref()
    this.housekeeping = setInterval(() => { void this.maintainPartitions() }, 3_600_000)
    this.housekeeping.unref()
  }

  /** Stops sampling and writes the minute in progress (so a short-lived process still counts). */
  async stop (): Promise<void> {
    if (this.timer === undefined) return
    clearInterval(this.timer)
    clearInterval(this.housekeeping)
    this.timer = undefined
    for (const restore of this.restorers.splice(0)) restore()
    if (this.rollups === undefined) return
    await this.refreshRequests()
    const now = this.snapshot(this.now())
    this.unsent.push(this.rollupRow(this.minute * MINUTE, now))
    await this.flush()
  }

  // --- hot path ---------------------------------------------------------------------------------
  private readonly onQuery = (e: QueryEvent): void => {
    const t = this.totals
    // Statement count, time and buckets are the histogram's own (summed at snapshot time).
    this.childOf(e).observeMs(e.durationMs)
    if (e.error !== undefined) {
      t.queryErrors++
      this.metrics.queryErrors.inc({ pool: e.node, code: (e.error as { code?: string }).code ?? 'GW_ERR_INTERNAL' })
    }
    if (e.durationMs >= this.slowQueryThresholdMs) {
      t.slow++
      this.metrics.slowQueries.inc({ pool: e.node, model: e.model ?? 'raw' })
    }
  }

  /**
   * The histogram child of a statement, found by node and SQL text (which fixes model and verb):
   * two Map lookups on strings the executor reuses, bounded for raw SQL of many shapes.
   */
  private childOf (e: QueryEvent): HistogramChild {
    let byText = this.children.get(e.node)
    if (byText === undefined) this.children.set(e.node, byText = new Map())
    let child = byText.get(e.sql)
    if (child === undefined) {
      child = this.metrics.queryDuration.child(e.node, e.model ?? 'raw', statementVerb(e.sql))
      if (byText.size < MAX_CHILD_TEXTS) byText.set(e.sql, child)
    }
    return child
  }

  private readonly onStateChange = (c: NodeStateChange): void => {
    if (c.role === 'replica') this.metrics.rotationChanges.inc({ replica: c.node, to: c.to })
  }

  // --- sampling ---------------------------------------------------------------------------------
  private pools (): PoolSample[] {
    return this.client.pools.all().map(samplePool)
  }

  private requestTotals: RequestTotals | undefined

  private async refreshRequests (): Promise<void> {
    if (this.requestSource === undefined) return
    try {
      this.requestTotals = await this.requestSource()
    } catch (err) {
      this.logger?.warn({ err: (err as Error).message }, 'monitoring: could not read the request metrics')
    }
  }

  /** Running totals and gauges now. */
  private snapshot (t: number): Snapshot {
    const totals = copyTotals(this.totals)
    const q = this.metrics.queryDuration.totals()
    totals.queries = q.count
    totals.queryMs = q.sumMs
    totals.queryBuckets = q.buckets
    const r = this.requestTotals
    if (r !== undefined) {
      totals.requests = r.count
      totals.requestErrors = r.errors
      totals.requestBuckets = [...r.buckets]
    }
    const c = this.cacheSource?.()
    if (c !== undefined) {
      totals.cacheHits = c.hits
      totals.cacheMisses = c.misses
    }
    const pools = this.pools()
    const perPool: Record<string, number> = {}
    let usage = 0
    let waiting = 0
    for (const p of pools) {
      perPool[p.name] = p.usage
      usage = Math.max(usage, p.usage)
      waiting += p.waiting
    }
    let lag: number | null = null
    for (const r of this.client.replicaManager.checkReplicationLag()) {
      if (r.lagMs !== null) lag = Math.max(lag ?? 0, r.lagMs)
    }
    return { t, totals, poolUsage: usage, waiting, pools: perPool, replicaLagMs: lag }
  }

  private async tick (): Promise<void> {
    if (this.ticking) return
    this.ticking = true
    try {
      await this.refreshRequests()
      const t = this.now()
      const snap = this.snapshot(t)
      const minute = Math.floor(t / MINUTE)
      if (minute > this.minute) {
        // The minute that just ended: from the last snapshot before it began to the last one in it.
        const end = this.ring.latest() ?? snap
        this.unsent.push(this.rollupRow(this.minute * MINUTE, end))
        this.minute = minute
      }
      this.ring.push(snap)
      if (this.unsent.length > 0) await this.flush()
    } catch (err) {
      this.logger?.error({ err: (err as Error).message }, 'monitoring: a sampling round failed')
    } finally {
      this.ticking = false
    }
  }

  private rollupRow (start: number, end: Snapshot): RollupRow {
    const base = this.ring.at(start) ?? end
    const gauges = [...this.ring.between(base.t, end.t), ...(this.ring.latest() === end ? [] : [end])]
    const w = windowFrom(60, (end.t - base.t) / 1000, diffTotals(end.totals, base.totals), gauges)
    const pools: Record<string, number> = {}
    for (const g of gauges) for (const [name, u] of Object.entries(g.pools)) pools[name] = Math.max(pools[name] ?? 0, u)
    let lag: number | null = null
    for (const g of gauges) if (g.replicaLagMs !== null) lag = Math.max(lag ?? 0, g.replicaLagMs)
    return {
      minute: new Date(start),
      instance: this.instance,
      totals: diffTotals(end.totals, base.totals),
      poolUsageAvg: w.connections.poolUsage,
      poolUsageMax: w.connections.poolUsageMax,
      waitingAvg: w.connections.waiting,
      replicaLagMs: lag,
      pools
    }
  }

  private async flush (): Promise<void> {
    const store = this.rollups
    if (store === undefined) { this.unsent = []; return }
    while (this.unsent.length > 0) {
      try {
        await store.write(this.unsent[0]!)
        this.unsent.shift()
        if (this.writeFailing) this.logger?.warn({}, 'monitoring: roll-ups are being written again')
        this.writeFailing = false
      } catch (err) {
        // Logged once per failure streak; kept (bounded) and retried on the next round.
        if (!this.writeFailing) this.logger?.error({ err: (err as Error).message }, 'monitoring: could not write a minute roll-up (kept and retried)')
        this.writeFailing = true
        if (this.unsent.length > MAX_UNSENT_ROLLUPS) this.unsent.splice(0, this.unsent.length - MAX_UNSENT_ROLLUPS)
        return
      }
    }
  }

  private async maintainPartitions (): Promise<void> {
    const store = this.rollups
    if (store === undefined) return
    try {
      await store.ensurePartitions(2)
    } catch (err) {
      this.logger?.warn({ err: (err as Error).message }, 'monitoring: roll-up partition upkeep failed (retried next hour)')
    }
  }

  // --- reading ----------------------------------------------------------------------------------
  getPerformanceMetrics (): PerformanceMetrics {
    const t = this.now()
    const live = this.snapshot(t)
    const [w1, w5, w15] = WINDOWS.map((s) => this.enabled ? this.ring.window(s, live) : windowFrom(s, 0, zeroTotals(), []))
    const pools = this.pools()
    return {
      at: new Date(t).toISOString(),
      instance: this.instance,
      enabled: this.enabled,
      connections: { ...w1!.connections, pools },
      queries: w1!.queries,
      requests: w1!.requests,
      cache: w1!.cache,
      replicas: this.client.replicaManager.checkReplicationLag().map(sampleReplica),
      windows: { '1m': w1!, '5m': w5!, '15m': w15! }
    }
  }

  /**
   * The last `minutes` minutes: from the roll-up table (every instance) when persisting, else
   * this process's own snapshots (at most the last 15 minutes).
   */
  async getHistory (minutes: number): Promise<HistoryPoint[]> {
    if (this.rollups !== undefined) return await this.rollups.history(minutes)
    const t = this.now()
    const points: HistoryPoint[] = []
    const first = Math.max(Math.floor(t / MINUTE) - minutes, Math.floor(t / MINUTE) - 15)
    for (let m = first; m < Math.floor(t / MINUTE); m++) {
      const end = this.ring.at((m + 1) * MINUTE)
      if (end === undefined || end.t < m * MINUTE) continue
      const row = this.rollupRow(m * MINUTE, end)
      const w = windowFrom(60, 60, row.totals, [])
      points.push({
        minute: row.minute.toISOString(), instances: 1, requests: row.totals.requests, requestErrors: row.totals.requestErrors,
        queries: row.totals.queries, queryErrors: row.totals.queryErrors, avgTime: w.queries.avgTime, p50: w.queries.p50, p95: w.queries.p95,
        p99: w.queries.p99, qps: w.queries.qps, cacheHits: row.totals.cacheHits, cacheMisses: row.totals.cacheMisses, hitRate: w.cache.hitRate,
        poolUsage: row.poolUsageMax, slowQueries: row.totals.slow, replicaLagMs: row.replicaLagMs
      })
    }
    return points
  }

  async getSlowQueries (limit = 10, windowMinutes = 60): Promise<SlowQueryGroup[]> {
    return await this.slowSource?.getSlowQueries({ limit, windowMinutes }) ?? []
  }

  /** The performance report over `period` (`15m`, `1h`, `24h`, `7d`). */
  async generateReport (period = '24h'): Promise<PerformanceReport> {
    return await buildReport({
      summary: async (minutes) => await this.summary(minutes),
      history: async (minutes) => await this.getHistory(minutes),
      slowQueries: async (limit, minutes) => await this.getSlowQueries(limit, minutes),
      replicas: () => this.client.replicaManager.checkReplicationLag().map(sampleReplica),
      sections: async () => {
        const out: Record<string, ReportSection> = {}
        for (const [key, fn] of this.reportSections) {
          try {
            out[key] = await fn()
          } catch (err) {
            out[key] = { title: key, available: false, note: `failed: ${(err as Error).message}` }
          }
        }
        return out
      },
      now: this.now
    }, period)
  }

  /**
   * Totals over the last `minutes`: the persisted roll-ups of every instance plus this process's
   * minute in progress, or (not persisting) this process's snapshots, at most 15 minutes.
   */
  private async summary (minutes: number): Promise<RollupSummary & { source: 'rollups' | 'process' }> {
    const t = this.now()
    const live = this.snapshot(t)
    const sampling = this.timer !== undefined
    if (this.rollups !== undefined && !sampling) {
      // Not recording (monitoring off, e.g. `npm run report`): only what the instances stored.
      return { ...await this.rollups.summary(minutes, t), source: 'rollups' }
    }
    const current = this.rollupRow(this.minute * MINUTE, live)
    if (this.rollups !== undefined) {
      const stored = await this.rollups.summary(minutes, this.minute * MINUTE)
      const totals = stored.totals
      const c = current.totals
      totals.requests += c.requests; totals.requestErrors += c.requestErrors; totals.queries += c.queries
      totals.queryErrors += c.queryErrors; totals.queryMs += c.queryMs; totals.slow += c.slow
      totals.cacheHits += c.cacheHits; totals.cacheMisses += c.cacheMisses
      totals.queryBuckets = totals.queryBuckets.map((v, i) => v + (c.queryBuckets[i] ?? 0))
      totals.requestBuckets = totals.requestBuckets.map((v, i) => v + (c.requestBuckets[i] ?? 0))
      const rows = stored.minutes
      return {
        ...stored,
        totals,
        minutes: rows + 1,
        instances: [...new Set([...stored.instances, this.instance])].sort(),
        poolUsageAvg: (stored.poolUsageAvg * rows + current.poolUsageAvg) / (rows + 1),
        poolUsageMax: Math.max(stored.poolUsageMax, current.poolUsageMax),
        replicaLagMaxMs: current.replicaLagMs === null ? stored.replicaLagMaxMs : Math.max(stored.replicaLagMaxMs ?? 0, current.replicaLagMs),
        source: 'rollups'
      }
    }
    const w = this.ring.window(Math.min(minutes, 15) * 60, live)
    const base = this.ring.at(t - Math.min(minutes, 15) * MINUTE) ?? live
    return {
      totals: diffTotals(live.totals, base.totals),
      minutes: Math.max(1, Math.ceil(w.coveredSeconds / 60)),
      instances: [this.instance],
      poolUsageAvg: w.connections.poolUsage,
      poolUsageMax: w.connections.poolUsageMax,
      replicaLagMaxMs: live.replicaLagMs,
      source: 'process'
    }
  }

  /** What this instance observes now, per alert rule (the alert engine aggregates instances). */
  alertSample (): AlertSample {
    const t = this.now()
    const live = this.snapshot(t)
    const peak = this.ring.window(this.alertWindowSeconds, live)
    const w = this.ring.window(60, live)
    const replicas = this.client.replicaManager.checkReplicationLag()
    let lag: number | null = null
    for (const r of replicas) if (r.lagMs !== null) lag = Math.max(lag ?? 0, r.lagMs)
    const redisUp = this.cacheSource?.()?.redisUp
    const down = replicas.filter((r) => r.up === false)
    return {
      at: new Date(t).toISOString(),
      instance: this.instance,
      values: {
        pool_usage: { value: peak.connections.poolUsageMax },
        cache_hit_rate: { value: w.cache.hitRate, sample: w.cache.lookups },
        query_time: { value: w.queries.avgTime, sample: w.queries.total },
        error_rate: { value: w.requests.errorRate, sample: w.requests.total },
        replication_lag: { value: lag },
        replica_down: { value: replicas.length === 0 ? null : down.length, ...(down.length > 0 ? { detail: down.map((r) => r.name).join(', ') } : {}) },
        redis_down: { value: redisUp === undefined ? null : redisUp ? 0 : 1 },
        maintenance_failed: { value: this.maintenanceFailedSource?.() ?? null }
      }
    }
  }
}
