/**
 * Where the dashboard's figures come from. Monitoring, slow queries, alerts and partitions are separate
 * features (`app.monitoring`, `app.slowQueries`, `app.alerts`); each is read only when its
 * decorator exists, through the small interface the dashboard needs, so the page shows
 * "not available" for a feature this gateway does not run instead of failing.
 */
import type { FastifyInstance } from 'fastify'
import type { PerformanceMetrics, SlowQueryGroup } from '../../src/monitoring/types.js'
import type { AlertView, AlertsView, SnapshotSources } from '../../src/monitoring/dashboard-snapshot.js'
import { overviewSummary, type TableOverview } from '../../src/partitions/index.js'
import { collectHealth } from './collect-health.js'

interface MonitoringSource { getPerformanceMetrics: () => PerformanceMetrics }
interface SlowQueriesSource { getSlowQueries: (opts: { limit: number; windowMinutes: number }) => Promise<SlowQueryGroup[]> }
interface AlertsSource { status: () => Promise<{ enabled: boolean; rules: AlertView[]; active: AlertView[] }> }

export interface DashboardSourceOptions {
  slowQueryLimit: number
  slowQueryWindowMinutes: number
}

/** The decorator, or undefined when it is missing or null (a feature switched off decorates null). */
function optional<T> (app: FastifyInstance, name: string): T | undefined {
  return app.hasDecorator(name) ? (app as unknown as Record<string, T | null>)[name] ?? undefined : undefined
}

export function dashboardSources (app: FastifyInstance, opts: DashboardSourceOptions): SnapshotSources {
  const monitoring = optional<MonitoringSource>(app, 'monitoring')
  const slowQueries = optional<SlowQueriesSource>(app, 'slowQueries')
  const alerts = optional<AlertsSource>(app, 'alerts')
  const partitions = optional<() => Promise<TableOverview[]>>(app, 'partitionsOverview')
  return {
    metrics: monitoring && (() => monitoring.getPerformanceMetrics()),
    slowQueries: slowQueries && (async () => await slowQueries.getSlowQueries({ limit: opts.slowQueryLimit, windowMinutes: opts.slowQueryWindowMinutes })),
    // History and deliveries stay on GET /admin/alerts: the stream repeats only what changes the page.
    alerts: alerts && (async (): Promise<AlertsView> => {
      const { enabled, rules, active } = await alerts.status()
      return { enabled, rules, active }
    }),
    health: async () => await collectHealth(app),
    partitions: partitions === undefined ? undefined : reuse(PARTITIONS_REUSE_MS, async () => overviewSummary(await partitions()))
  }
}

/** Partitions change once a day: one catalog read per half minute serves every open dashboard. */
const PARTITIONS_REUSE_MS = 30_000

function reuse<T> (ms: number, fn: () => Promise<T>): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined
  return async () => {
    if (last === undefined || Date.now() - last.at >= ms) {
      const value = fn()
      last = { at: Date.now(), value }
      value.catch(() => { last = undefined })
    }
    return await last.value
  }
}
