/**
 * The maintenance schedule: one table of jobs (SPEC §6, the seed document's cadence), run by
 * @fastify/schedule + toad-scheduler `CronJob`s (started in onReady, stopped on close; a job never
 * overlaps itself) through the maintenance runner, so every scheduled run is a recorded job. A
 * new periodic task is one more row.
 * Each job's last result feeds `gateway_maintenance_last_success_timestamp_seconds` and the
 * `maintenance_failed` alert rule.
 */
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { fastifySchedule } from '@fastify/schedule'
import { AsyncTask, CronJob } from 'toad-scheduler'
import { Cron } from 'croner'
import { saveReport } from '../src/monitoring/report-store.js'
import { isGatewayError } from '../src/errors.js'
import type { TaskName } from '../src/maintenance/index.js'

export interface ScheduledJob {
  id: string
  cron: string
  description: string
  enabled: boolean
  /** Resolves with what it did; `status` other than ok/partial/skipped counts as a failure. */
  run: () => Promise<{ status: 'ok' | 'partial' | 'skipped' | 'failed'; detail: string }>
}

export interface JobState {
  id: string
  cron: string
  description: string
  enabled: boolean
  nextRunAt: string | null
  lastRunAt: string | null
  lastStatus: 'ok' | 'partial' | 'skipped' | 'failed' | null
  lastDetail: string | null
  lastSuccessAt: string | null
}

export interface MaintenanceSchedule {
  jobs: () => JobState[]
  /** Runs one job now (as the schedule would); undefined for an unknown id. */
  runNow: (id: string) => Promise<JobState | undefined>
}

declare module 'fastify' {
  interface FastifyInstance { maintenanceSchedule: MaintenanceSchedule }
}

/**
 * A scheduled job is a maintenance job of one task (src/maintenance), so it is recorded like any
 * other; while another job runs (on any instance) it is skipped until its next time.
 */
async function viaRunner (app: FastifyInstance, id: string, task: TaskName): Promise<{ status: JobState['lastStatus'] & string; detail: string }> {
  try {
    const job = await app.maintenance.run([task], { requestedBy: `schedule:${id}` })
    const r = job.results[0]
    const status = job.status === 'done' ? (r?.status === 'skipped' ? 'skipped' : 'ok') : job.status === 'partial' ? 'partial' : 'failed'
    return { status, detail: `job ${job.id}: ${r?.detail ?? job.error ?? ''}` }
  } catch (err) {
    if (isGatewayError(err) && err.code === 'GW_ERR_MAINTENANCE_RUNNING') return { status: 'skipped', detail: err.message }
    throw err
  }
}

function jobTable (app: FastifyInstance): ScheduledJob[] {
  const c = app.config
  return [
    {
      id: 'partitions', cron: c.PARTITION_MAINTENANCE_SCHEDULE, enabled: c.PARTITIONING_ENABLED,
      description: 'premake partitions, empty the default partitions, apply retention (docs/partitions.md)',
      run: () => viaRunner(app, 'partitions', 'partitions')
    },
    {
      id: 'warm-cache', cron: '15 2 * * *', enabled: c.CACHE_ENABLED && c.CACHE_ENABLE_WARMING,
      description: 'daily: warm the declared and the hottest cache keys',
      run: () => viaRunner(app, 'warm-cache', 'warm-cache')
    },
    {
      id: 'index-analysis', cron: '0 3 * * 0', enabled: c.MONITORING_ENABLED,
      description: 'weekly: index advice for the recorded workload (OPTIMIZER_AUTO_APPLY builds validated ones), verification of applied indexes; the report\'s Index advice section',
      run: async () => {
        const r = await app.db.advisor.runScheduled()
        const validated = r.analysis.suggestions.filter((s) => s.validated).length
        const detail = `${r.analysis.suggestions.length} suggestion(s) (${validated} validated) over ${r.analysis.workload.analysed} statement(s); ${r.applied.length} built automatically${r.failed.length > 0 ? `, ${r.failed.length} failed` : ''}; ${r.verifications.length} applied index(es) verified`
        return { status: r.failed.length > 0 ? 'partial' : 'ok', detail }
      }
    },
    {
      id: 'weekly-report', cron: '30 3 * * 0', enabled: c.MONITORING_ENABLED,
      description: 'weekly: the 7-day performance report, stored (GET /admin/reports)',
      run: async () => {
        const report = await app.db.generatePerformanceReport({ period: '7d' })
        const id = await saveReport(app.db.pools.primary, report, app.db.monitor.instance)
        return { status: 'ok', detail: `report ${id}: ${report.minutesWithData} minutes with data from ${report.instances.length} instance(s)` }
      }
    },
    {
      id: 'cleanup-metrics', cron: '30 2 * * *', enabled: c.MONITORING_ENABLED,
      description: 'daily: drop monitoring roll-up days past METRICS_RETENTION_DAYS (the partition manager\'s retention of gateway_metrics_minute)',
      run: () => viaRunner(app, 'cleanup-metrics', 'cleanup-metrics')
    }
  ]
}

async function schedulePlugin (app: FastifyInstance) {
  await app.register(fastifySchedule)
  const table = jobTable(app)
  const state = new Map<string, JobState>(table.map((j) => [j.id, {
    id: j.id, cron: j.cron, description: j.description, enabled: j.enabled, nextRunAt: null, lastRunAt: null, lastStatus: null, lastDetail: null, lastSuccessAt: null
  }]))
  const running = new Map<string, Promise<JobState>>()

  const nextRun = (cron: string): string | null => {
    const c = new Cron(cron, { paused: true })
    const next = c.nextRun()
    c.stop()
    return next === null ? null : next.toISOString()
  }

  const execute = async (job: ScheduledJob): Promise<JobState> => {
    const s = state.get(job.id)!
    const started = new Date()
    try {
      const r = await job.run()
      s.lastStatus = r.status
      s.lastDetail = r.detail
    } catch (err) {
      s.lastStatus = 'failed'
      s.lastDetail = (err as Error).message
      app.log.error({ job: job.id, err: (err as Error).message }, 'maintenance job failed')
    }
    s.lastRunAt = started.toISOString()
    if (s.lastStatus === 'ok' || s.lastStatus === 'partial') s.lastSuccessAt = new Date().toISOString()
    s.nextRunAt = job.enabled ? nextRun(job.cron) : null
    return s
  }
  const once = (job: ScheduledJob): Promise<JobState> => {
    let p = running.get(job.id)
    if (p === undefined) {
      p = execute(job).finally(() => running.delete(job.id))
      running.set(job.id, p)
    }
    return p
  }

  app.decorate('maintenanceSchedule', {
    jobs: () => [...state.values()].map((s) => ({ ...s })),
    runNow: async (id: string) => {
      const job = table.find((j) => j.id === id)
      return job === undefined ? undefined : { ...await once(job) }
    }
  })
  // The weekly index analysis (or the last one asked for) is the report's Index advice.
  app.db.monitor.setReportSection('indexAdvice', () => {
    const a = app.db.advisor.lastAnalysis
    if (a === undefined) return { title: 'Index advice', available: true, note: 'no analysis in this process yet: the weekly index-analysis job or GET /admin/index-suggestions runs one', data: [] }
    return {
      title: 'Index advice',
      available: true,
      note: `analysis of ${a.at} over ${a.workload.analysed} statement(s); ${a.hypopg ? 'validated with hypopg' : 'estimated from pg_stats (hypopg not installed)'}`,
      data: a.suggestions.map((x) => ({
        table: x.table, index: x.index, kind: x.kind, validated: x.validated,
        saving: `${Math.round(x.saving * 100)} %`, loadShare: `${Math.round(x.loadShare * 100)} %`, statement: x.statement
      }))
    }
  })
  app.monitoring.setMaintenanceSource(() => {
    const out: Record<string, number> = {}
    for (const s of state.values()) if (s.lastSuccessAt !== null) out[s.id] = Date.parse(s.lastSuccessAt) / 1000
    return out
  })
  app.monitoring.setMaintenanceFailed(() => {
    const ran = [...state.values()].filter((s) => s.lastStatus !== null)
    return ran.length === 0 ? null : ran.some((s) => s.lastStatus === 'failed') ? 1 : 0
  })

  app.addHook('onReady', async () => {
    for (const job of table) {
      if (!job.enabled) continue
      state.get(job.id)!.nextRunAt = nextRun(job.cron)
      const task = new AsyncTask(job.id, async () => { await once(job) }, (err) => { app.log.error({ job: job.id, err: err.message }, 'maintenance job failed') })
      app.scheduler.addCronJob(new CronJob({ cronExpression: job.cron, timezone: 'UTC' }, task, { preventOverrun: true, id: job.id }))
    }
  })
}

export default fp(schedulePlugin, { name: 'gateway-schedule', dependencies: ['gateway-config', 'gateway-maintenance', 'gateway-monitoring'], fastify: '5.x' })
