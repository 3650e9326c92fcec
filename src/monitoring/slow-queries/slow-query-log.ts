/**
 * Slow-query capture: every statement the client runs for a caller that takes at least
 * `thresholdMs` is recorded (fingerprint, normalized text, duration, node, model, route, time,
 * whether it failed) and grouped by fingerprint over a window (`getSlowQueries`).
 *
 * Recording never blocks or fails the statement: the 'query' listener costs one comparison for a
 * fast statement; a slow one is queued in memory and written every second, in one INSERT, on the
 * primary pool directly (no 'query' event: monitoring never records itself). Samples also go to a
 * bounded in-memory ring, which answers `getSlowQueries` when the table cannot be read.
 */
import type { OptimizedDatabaseClient } from '../../client/optimized-database-client.js'
import type { ClientLogger } from '../../client/logger.js'
import type { QueryEvent } from '../../client/types.js'
import { currentContext } from '../../context/request-context.js'
import type { SlowQueryGroup } from '../types.js'
import { withStatementTimeout } from './bounded.js'
import { StatementIdentifier, isTransactionControl, loadParser } from './fingerprint.js'
import { groupSamples } from './memory-groups.js'
import { byFingerprint, mergeStatStatements } from './merge.js'
import { PlanCapture } from './plan-capture.js'
import { StatSnapshots, deltas, readStatStatements, statStatementsUsable } from './pg-stat-statements.js'
import { deleteExpired, insertSamples, readGroups, readPlans, type SlowSample } from './store.js'

export interface SlowQueryLogOptions {
  client: OptimizedDatabaseClient
  thresholdMs: number
  capturePlans: boolean
  /** Names this process's samples (`MONITORING_INSTANCE_ID`, default `host:pid`). */
  instance: string
  logger?: ClientLogger
  /** Write samples to gateway_slow_queries (false: in memory only, this instance only). */
  persist: boolean
  /** Samples and plans older than this are deleted hourly (METRICS_RETENTION_DAYS). */
  retentionDays?: number
  flushIntervalMs?: number
}

export interface SlowQueryWindow { limit?: number; windowMinutes?: number }

interface Pending { at: Date; event: QueryEvent; route: string | null }

const MAX_PENDING = 10_000
const RING_SIZE = 2_000
const WRITE_TIMEOUT_MS = 2_000
const READ_TIMEOUT_MS = 5_000
const SNAPSHOT_MS = 60_000
const DETECT_MS = 5 * 60_000
const RETENTION_MS = 3_600_000

export class SlowQueryLog {
  readonly thresholdMs: number
  readonly instance: string
  private readonly opts: SlowQueryLogOptions
  private readonly ids = new StatementIdentifier()
  private readonly plans: PlanCapture
  private readonly snapshots = new StatSnapshots()
  private pending: Pending[] = []
  private ring: SlowSample[] = []
  private dropped = 0
  private timers: NodeJS.Timeout[] = []
  private attached = false
  private flushing: Promise<void> | undefined
  private writeFailing = false
  private statStatements = false
  private started = false

  constructor (opts: SlowQueryLogOptions) {
    this.opts = opts
    this.thresholdMs = opts.thresholdMs
    this.instance = opts.instance
    this.plans = new PlanCapture({ pools: opts.client.pools, persist: opts.persist, logger: opts.logger })
  }

  /** The hot path: one comparison for a fast statement. */
  private readonly onQuery = (event: QueryEvent): void => {
    if (event.durationMs >= this.thresholdMs) this.record(event)
  }

  /** Loads the parser, detects pg_stat_statements (first snapshot) and starts the timers (unref'd). */
  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    await loadParser()
    await this.detectStatStatements()
    const every = (ms: number, fn: () => Promise<unknown>): void => {
      this.timers.push(setInterval(() => { void fn() }, ms).unref())
    }
    every(this.opts.flushIntervalMs ?? 1_000, () => this.flush())
    every(SNAPSHOT_MS, () => this.snapshot())
    every(DETECT_MS, () => this.detectStatStatements())
    if (this.opts.persist) every(RETENTION_MS, () => this.expire())
  }

  /** Subscribes to the client's 'query' events. */
  attach (): void {
    if (this.attached) return
    this.attached = true
    this.opts.client.on('query', this.onQuery)
  }

  detach (): void {
    if (!this.attached) return
    this.attached = false
    this.opts.client.off('query', this.onQuery)
  }

  /** Detaches, stops the timers, writes what is pending and waits for a running plan capture. */
  async close (): Promise<void> {
    this.detach()
    for (const t of this.timers) clearInterval(t)
    this.timers = []
    await this.flush()
    await this.plans.close()
    this.snapshots.clear()
  }

  get statStatementsEnabled (): boolean {
    return this.statStatements
  }

  /** Slow statements over the window, by total time (count × mean), all instances (from the table). */
  async getSlowQueries (opts: SlowQueryWindow = {}): Promise<SlowQueryGroup[]> {
    const limit = opts.limit ?? 10
    const since = new Date(Date.now() - (opts.windowMinutes ?? 60) * 60_000)
    await this.flush()
    const primary = this.opts.client.pools.primary
    let groups: SlowQueryGroup[] | undefined
    if (this.opts.persist) {
      try {
        groups = await withStatementTimeout(primary, READ_TIMEOUT_MS, (c) => readGroups(c, since, limit))
      } catch (err) {
        this.opts.logger?.warn({ err: (err as Error).message }, 'slow queries: table read failed, answering from this instance\'s memory')
      }
    }
    groups ??= groupSamples(this.ring, since, limit, new Map(this.plans.captured.entries()))
    if (!this.statStatements) return groups
    try {
      const live = await readStatStatements(primary, this.thresholdMs / 2)
      const stats = byFingerprint(deltas(live, this.snapshots.baseline(since.getTime())), this.ids)
      const known = new Set(groups.map((g) => g.fingerprint))
      const plans = this.opts.persist ? await readPlans(primary, stats.map((s) => s.fingerprint).filter((f) => !known.has(f))).catch(() => new Map()) : new Map()
      return mergeStatStatements(groups, stats, this.thresholdMs, since.toISOString(), plans).slice(0, limit)
    } catch (err) {
      this.opts.logger?.warn({ err: (err as Error).message }, 'slow queries: pg_stat_statements read failed')
      return groups
    }
  }

  /** Writes the queued samples now (also every second). Never throws. */
  async flush (): Promise<void> {
    while (this.flushing !== undefined) await this.flushing
    if (this.pending.length === 0) return
    this.flushing = this.write().finally(() => { this.flushing = undefined })
    await this.flushing
  }

  /** Resolves when no plan capture is queued or running. */
  async plansIdle (): Promise<void> {
    await this.plans.idle()
  }

  private record (event: QueryEvent): void {
    if (isTransactionControl(event.sql)) return
    if (this.pending.length >= MAX_PENDING) {
      this.dropped++
      return
    }
    // The route is read now: the listener runs in the caller's async context.
    this.pending.push({ at: new Date(), event, route: currentContext()?.route ?? null })
  }

  private async write (): Promise<void> {
    const batch = this.pending
    this.pending = []
    const samples: SlowSample[] = batch.map(({ at, event, route }) => {
      const id = this.ids.identify(event.sql)
      if (this.opts.capturePlans && id.kind === 'explainable') {
        this.plans.offer({ fingerprint: id.fingerprint, sql: event.sql, query: id.query, values: event.values, node: event.node })
      }
      return {
        at, instance: this.instance, fingerprint: id.fingerprint, query: id.query, durationMs: event.durationMs,
        node: event.node, model: event.model ?? null, route, error: event.error !== undefined
      }
    })
    this.ring.push(...samples)
    if (this.ring.length > RING_SIZE) this.ring = this.ring.slice(-RING_SIZE)
    if (this.dropped > 0) {
      this.opts.logger?.warn({ dropped: this.dropped }, 'slow queries: samples dropped (queue full)')
      this.dropped = 0
    }
    if (!this.opts.persist) return
    try {
      await withStatementTimeout(this.opts.client.pools.primary, WRITE_TIMEOUT_MS, (c) => insertSamples(c, samples))
      if (this.writeFailing) this.opts.logger?.info({}, 'slow queries: writing samples again')
      this.writeFailing = false
    } catch (err) {
      // Logged once per outage; the samples stay in the in-memory ring.
      if (!this.writeFailing) this.opts.logger?.warn({ err: (err as Error).message, samples: samples.length }, 'slow queries: could not write samples, keeping them in memory')
      this.writeFailing = true
    }
  }

  private async detectStatStatements (): Promise<void> {
    try {
      const usable = await statStatementsUsable(this.opts.client.pools.primary)
      if (usable && !this.statStatements) {
        this.statStatements = true
        await this.snapshot()
      } else if (!usable) {
        this.statStatements = false
        this.snapshots.clear()
      }
    } catch (err) {
      this.opts.logger?.warn({ err: (err as Error).message }, 'slow queries: pg_stat_statements detection failed')
    }
  }

  private async snapshot (): Promise<void> {
    if (!this.statStatements) return
    try {
      this.snapshots.add(Date.now(), await readStatStatements(this.opts.client.pools.primary, this.thresholdMs / 2))
    } catch (err) {
      this.opts.logger?.warn({ err: (err as Error).message }, 'slow queries: pg_stat_statements snapshot failed')
    }
  }

  private async expire (): Promise<void> {
    try {
      await withStatementTimeout(this.opts.client.pools.primary, 30_000, (c) => deleteExpired(c, this.opts.retentionDays ?? 7))
    } catch (err) {
      this.opts.logger?.warn({ err: (err as Error).message }, 'slow queries: retention delete failed')
    }
  }
}
