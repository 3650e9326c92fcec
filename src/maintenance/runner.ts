/**
 * The maintenance runner (docs/maintenance.md): runs a job — a list of tasks — in the background,
 * recorded in `gateway_maintenance_jobs`. One job at a time across every instance: the runner
 * holds a session advisory lock on a connection of its own for the whole job (and writes the
 * job's progress on it), so a job left 'running' by an instance that died is recognised by its
 * free lock and marked abandoned instead of blocking forever.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type pg from 'pg'
import { gatewayError } from '../errors.js'
import type { WarmResult } from '../cache/query-cache.js'
import type { MaintenanceRun, PartitionManager } from '../partitions/manager.js'
import { JobStore } from './job-store.js'
import { refreshViews, GATEWAY_VIEWS, type MaterializedView } from './views.js'
import { SELECTION_DEFAULTS, vacuumOrAnalyze, type SelectionThresholds } from './vacuum.js'
import { isTaskName, jobStatusOf, MAINTENANCE_TASKS, type MaintenanceJob, type MaintenanceLogger, type TaskName, type TaskOutcome, type TaskResult } from './types.js'
import { ADVISORY_LOCKS } from '../db/advisory-locks.js'

/** Advisory-lock key shared by every instance (one job at a time) (src/db/advisory-locks.ts). */
export const MAINTENANCE_JOB_LOCK = ADVISORY_LOCKS.maintenanceJob

/** How long a start that found the lock held but no active job waits for either to appear (the holder is between its lock and its row). */
const SETTLE_ATTEMPTS = 40
const SETTLE_MS = 25

export interface MaintenanceRunnerOptions {
  /** The primary. */
  pool: pg.Pool
  partitions: PartitionManager
  /** Tables `cleanup-metrics` maintains (the gateway's own time series); `partitions` takes the others. */
  metricsTables: readonly string[]
  views?: MaterializedView[]
  /** lock_timeout of every maintenance statement (PARTITION_LOCK_TIMEOUT_MS). */
  lockTimeoutMs?: number
  thresholds?: Partial<SelectionThresholds>
  /** Recorded on each job (MONITORING_INSTANCE_ID or host:pid). */
  instance: string
  /** Cache tag invalidation after a view refresh; resolves to undefined without a cache. */
  invalidate?: () => ((tags: string[]) => Promise<unknown>) | undefined
  /** What `warm-cache` runs; resolves to undefined without a cache (then the task is skipped). */
  warm?: () => (() => Promise<WarmResult[]>) | undefined
  logger?: MaintenanceLogger
}

export interface StartOptions {
  dryRun?: boolean
  /** `api`, `schedule:<job>`, `library` (default). */
  requestedBy?: string
}

const isActive = (j: MaintenanceJob): boolean => j.status === 'queued' || j.status === 'running'

export class MaintenanceRunner {
  readonly store: JobStore
  private readonly inFlight = new Map<number, Promise<MaintenanceJob>>()
  private readonly lockTimeoutMs: number
  private readonly thresholds: SelectionThresholds
  /** undefined: the `warm` option's; null: none. */
  private warmer: (() => Promise<WarmResult[]>) | null | undefined

  constructor (private readonly opts: MaintenanceRunnerOptions) {
    this.store = new JobStore(opts.pool)
    this.lockTimeoutMs = opts.lockTimeoutMs ?? 2_000
    this.thresholds = { ...SELECTION_DEFAULTS, ...opts.thresholds }
  }

  /** Replaces what `warm-cache` runs (the app warms its response cache too); null: nothing to warm. */
  setWarmer (fn: (() => Promise<WarmResult[]>) | null): void { this.warmer = fn }

  private warmerNow (): (() => Promise<WarmResult[]>) | undefined {
    return this.warmer === undefined ? this.opts.warm?.() : this.warmer ?? undefined
  }

  /** The tasks a job runs when none are named: all of them, warm-cache only with a cache to warm. */
  defaultTasks (): TaskName[] {
    return MAINTENANCE_TASKS.filter((t) => t !== 'warm-cache' || this.warmerNow() !== undefined)
  }

  /**
   * Records a job and starts it in the background; resolves with the job as queued. Throws
   * GW_ERR_MAINTENANCE_RUNNING (details.runningJobId) while another runs anywhere, GW_ERR_VALIDATION
   * for unknown task names.
   */
  async start (tasks?: readonly string[], opts: StartOptions = {}): Promise<MaintenanceJob> {
    const names = this.checkTasks(tasks)
    const conn = await this.opts.pool.connect()
    const onError = (err: Error): void => this.opts.logger?.warn({ err: err.message }, 'maintenance: the job connection failed')
    conn.on('error', onError)
    let locked = false
    try {
      if ((await conn.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]?.r === true) {
        throw gatewayError('GW_ERR_PRIMARY_READ_ONLY', 'The primary database is in recovery (read-only): a standby is never maintained')
      }
      for (let attempt = 0; !(locked = await tryLock(conn)); attempt++) {
        const active = await this.store.active()
        if (active !== undefined || attempt >= SETTLE_ATTEMPTS) throw running(active?.id ?? null)
        await sleep(SETTLE_MS)
      }
      // Holding the lock: no live runner owns a queued or running row.
      const stale = await this.store.abandonActive(conn, 'the instance running it stopped before it finished (found when the next job started)')
      if (stale.length > 0) this.opts.logger?.warn({ jobs: stale }, 'maintenance: marked jobs of a stopped instance abandoned')
      const job = await this.store.insert(conn, {
        tasks: names, dryRun: opts.dryRun ?? false, requestedBy: opts.requestedBy ?? 'library', instance: this.opts.instance,
        results: names.map((task): TaskResult => ({ task, status: 'pending', startedAt: null, durationMs: null, detail: '', items: [] }))
      })
      const done = this.execute(job, conn, onError).finally(() => this.inFlight.delete(job.id))
      this.inFlight.set(job.id, done)
      return job
    } catch (err) {
      if (locked) await conn.query('SELECT pg_advisory_unlock($1)', [MAINTENANCE_JOB_LOCK]).catch(() => {})
      conn.off('error', onError)
      conn.release()
      throw err
    }
  }

  /** Starts a job and resolves with it once finished. */
  async run (tasks?: readonly string[], opts: StartOptions = {}): Promise<MaintenanceJob> {
    const job = await this.start(tasks, opts)
    return await this.inFlight.get(job.id) ?? (await this.store.get(job.id))!
  }

  /** A job by id (undefined if unknown); an active one whose runner is gone is marked abandoned first. */
  async job (id: number): Promise<MaintenanceJob | undefined> {
    const job = await this.store.get(id)
    if (job === undefined || !isActive(job) || this.inFlight.has(id)) return job
    return (await this.reapStale()) ? await this.store.get(id) : job
  }

  /** The most recent jobs, newest first. */
  async jobs (limit = 20): Promise<MaintenanceJob[]> {
    const active = await this.store.active()
    if (active !== undefined && !this.inFlight.has(active.id)) await this.reapStale()
    return await this.store.list(limit)
  }

  /** Waits for the jobs this process is running (the app's onClose; the client's close()). */
  async close (): Promise<void> {
    await Promise.allSettled([...this.inFlight.values()])
  }

  private checkTasks (tasks: readonly string[] | undefined): TaskName[] {
    if (tasks === undefined) return this.defaultTasks()
    const unknown = tasks.filter((t) => !isTaskName(t))
    if (tasks.length === 0 || unknown.length > 0) {
      throw gatewayError('GW_ERR_VALIDATION', `${tasks.length === 0 ? 'no tasks named' : `unknown task(s) ${unknown.map((t) => JSON.stringify(t)).join(', ')}`}; allowed tasks: ${MAINTENANCE_TASKS.join(', ')}`,
        { field: 'body.tasks', allowedTasks: [...MAINTENANCE_TASKS] })
    }
    return MAINTENANCE_TASKS.filter((t) => tasks.includes(t))
  }

  /** True when it found the lock free (so every active row was a dead runner's) and marked them. */
  private async reapStale (): Promise<boolean> {
    const conn = await this.opts.pool.connect()
    try {
      if (!await tryLock(conn)) return false
      try {
        await this.store.abandonActive(conn, 'the instance running it stopped before it finished (its lock was free)')
        return true
      } finally {
        await conn.query('SELECT pg_advisory_unlock($1)', [MAINTENANCE_JOB_LOCK])
      }
    } finally {
      conn.release()
    }
  }

  private async execute (job: MaintenanceJob, conn: pg.PoolClient, onError: (err: Error) => void): Promise<MaintenanceJob> {
    const results = job.results.map((r) => ({ ...r }))
    let status: MaintenanceJob['status'] = 'failed'
    let error: string | null = null
    let finished: MaintenanceJob | undefined
    let broken: Error | undefined
    try {
      await this.store.started(conn, job.id)
      for (const r of results) {
        const t0 = performance.now()
        r.status = 'running'
        r.startedAt = new Date().toISOString()
        await this.store.progress(conn, job.id, results)
        let outcome: TaskOutcome
        try {
          outcome = await this.runTask(r.task, job)
        } catch (err) {
          this.opts.logger?.error({ job: job.id, task: r.task, err: (err as Error).message }, 'maintenance task failed')
          outcome = { status: 'failed', detail: (err as Error).message, items: [] }
        }
        Object.assign(r, outcome, { durationMs: Math.round(performance.now() - t0) })
        await this.store.progress(conn, job.id, results)
      }
      status = jobStatusOf(results)
    } catch (err) {
      error = (err as Error).message
      this.opts.logger?.error({ job: job.id, err: error }, 'maintenance job failed')
    }
    try {
      finished = await this.store.finished(conn, job.id, status, results, error)
      await conn.query('SELECT pg_advisory_unlock($1)', [MAINTENANCE_JOB_LOCK])
    } catch (err) {
      // The row stays 'running' with its lock gone with the connection: the next look marks it abandoned.
      broken = err as Error
      this.opts.logger?.error({ job: job.id, err: broken.message }, 'maintenance: could not record the end of a job')
    } finally {
      conn.off('error', onError)
      conn.release(broken)
    }
    return finished ?? { ...job, status, results, error }
  }

  private async runTask (task: TaskName, job: MaintenanceJob): Promise<TaskOutcome> {
    const dryRun = job.dryRun
    const metrics = this.opts.metricsTables
    switch (task) {
      case 'partitions':
        return partitionsOutcome(await this.opts.partitions.run({ dryRun, tables: this.opts.partitions.tables.map((t) => t.name).filter((n) => !metrics.includes(n)) }))
      case 'cleanup-metrics':
        return partitionsOutcome(await this.opts.partitions.run({ dryRun, tables: metrics }))
      case 'vacuum':
      case 'analyze':
        return await vacuumOrAnalyze(this.opts.pool, task, { dryRun, lockTimeoutMs: this.lockTimeoutMs, thresholds: this.thresholds })
      case 'refresh-views':
        return await refreshViews(this.opts.pool, this.opts.views ?? GATEWAY_VIEWS, { dryRun, lockTimeoutMs: this.lockTimeoutMs, jobId: job.id, invalidate: this.opts.invalidate?.() })
      case 'warm-cache':
        return await this.warm(dryRun)
    }
  }

  private async warm (dryRun: boolean): Promise<TaskOutcome> {
    const warmer = this.warmerNow()
    if (warmer === undefined) return { status: 'skipped', detail: 'no cache to warm', items: [] }
    if (dryRun) return { status: 'done', detail: 'would warm the declared and the hottest cache keys', items: [] }
    const warmed = await warmer()
    const items = warmed.map((w) => ({ target: w.key, action: `warm (${w.source})`, status: w.ok ? 'done' as const : 'failed' as const, durationMs: Math.round(w.ms), ...(w.error !== undefined ? { detail: w.error } : {}) }))
    const failed = items.filter((i) => i.status === 'failed').length
    return { status: failed === 0 ? 'done' : 'partial', detail: `${items.length - failed} of ${items.length} keys warmed`, items }
  }
}

async function tryLock (conn: pg.PoolClient): Promise<boolean> {
  return (await conn.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [MAINTENANCE_JOB_LOCK])).rows[0]?.ok === true
}

function running (id: number | null): Error {
  return gatewayError('GW_ERR_MAINTENANCE_RUNNING',
    id === null ? 'A maintenance job is starting or finishing on another instance; retry shortly' : `Maintenance job ${id} is running; one job runs at a time`,
    { runningJobId: id })
}

/** A partition-manager run as a task outcome: its steps are the items. */
function partitionsOutcome (run: MaintenanceRun): TaskOutcome {
  const items = run.steps.map((s) => ({
    target: s.table, action: s.step, status: s.status === 'nothing' ? 'done' as const : s.status, detail: s.detail,
    ...(s.partitions !== undefined ? { partitions: s.partitions } : {}), ...(s.rows !== undefined ? { rows: s.rows } : {})
  }))
  const summary = run.steps.map((s) => `${s.table} ${s.step}: ${s.status}`).join('; ')
  return { status: run.status, detail: run.reason ?? (summary === '' ? 'nothing to do' : summary), items }
}
