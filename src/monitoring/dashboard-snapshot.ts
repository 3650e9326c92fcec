/**
 * One dashboard snapshot: metrics, slow queries, alerts, health and partitions, each read from whichever
 * source this gateway has. A missing source is `unavailable` (its feature is not installed), a
 * failing one is `error` with a fixed message (never the error text: it may hold SQL or a
 * connection string), so one broken section never blanks the others.
 */
import type { AlertStatus, PerformanceMetrics, SlowQueryGroup } from './types.js'
import { withTimeout } from '../util/with-timeout.js'

export type Section<T> =
  | { status: 'ok'; data: T }
  | { status: 'unavailable' }
  | { status: 'error'; message: string }

/** An alert rule's state, with how to read its value when the alert engine says. */
export type AlertView = AlertStatus & { unit?: 'ratio' | 'ms' | 'boolean'; comparison?: 'above' | 'below' }

export interface AlertsView {
  enabled: boolean
  rules: AlertView[]
  active: AlertView[]
}

export interface DashboardSnapshot {
  at: string
  metrics: Section<PerformanceMetrics>
  slowQueries: Section<SlowQueryGroup[]>
  alerts: Section<AlertsView>
  health: Section<unknown>
  partitions: Section<unknown>
}

export interface SnapshotSources {
  metrics?: () => PerformanceMetrics
  slowQueries?: () => Promise<SlowQueryGroup[]>
  alerts?: () => Promise<AlertsView>
  health?: () => Promise<unknown>
  partitions?: () => Promise<unknown>
}

export interface SnapshotterOptions {
  /** A snapshot younger than this is shared: N open dashboards cost one health probe per tick. */
  reuseMs?: number
  /** A source slower than this reports `error` for this snapshot rather than stalling the stream. */
  sourceTimeoutMs?: number
  onError?: (section: keyof SnapshotSources, err: unknown) => void
}

export interface Snapshotter { next: () => Promise<DashboardSnapshot> }

export function createSnapshotter (sources: SnapshotSources, opts: SnapshotterOptions = {}): Snapshotter {
  const reuseMs = opts.reuseMs ?? 400
  const sourceTimeoutMs = opts.sourceTimeoutMs ?? 3000
  let last: { takenAt: number; snapshot: Promise<DashboardSnapshot> } | undefined

  async function read<T> (section: keyof SnapshotSources, fn: (() => T | Promise<T>) | undefined): Promise<Section<T>> {
    if (fn === undefined) return { status: 'unavailable' }
    try {
      const data = await withTimeout(Promise.resolve().then(fn), sourceTimeoutMs, () => new Error(`${section}: no answer within ${sourceTimeoutMs} ms`))
      return { status: 'ok', data }
    } catch (err) {
      opts.onError?.(section, err)
      return { status: 'error', message: `${section} could not be read` }
    }
  }

  async function take (): Promise<DashboardSnapshot> {
    const [metrics, slowQueries, alerts, health, partitions] = await Promise.all([
      read('metrics', sources.metrics),
      read('slowQueries', sources.slowQueries),
      read('alerts', sources.alerts),
      read('health', sources.health),
      read('partitions', sources.partitions)
    ])
    return { at: new Date().toISOString(), metrics, slowQueries, alerts, health, partitions }
  }

  return {
    next () {
      const now = Date.now()
      // Sharing the promise also shares an in-flight snapshot between streams that tick together.
      if (last === undefined || now - last.takenAt >= reuseMs) last = { takenAt: now, snapshot: take() }
      return last.snapshot
    }
  }
}
