/** Maintenance tasks, their results and jobs (docs/maintenance.md). */

/** Every task, in the order a job runs them (whatever order it was asked in). */
export const MAINTENANCE_TASKS = ['partitions', 'vacuum', 'analyze', 'refresh-views', 'warm-cache', 'cleanup-metrics'] as const
export type TaskName = typeof MAINTENANCE_TASKS[number]

export const isTaskName = (s: unknown): s is TaskName => (MAINTENANCE_TASKS as readonly unknown[]).includes(s)

/**
 * One thing a task did or would do: a partition step, a table vacuumed, a view refreshed, a cache
 * key warmed. `status` `would`: a dry run's plan; `skipped`: lock not granted within lock_timeout
 * (retried on the next run) or not applicable.
 */
export interface TaskItem {
  target: string
  action: string
  status: 'done' | 'would' | 'skipped' | 'failed'
  /** Why this target was chosen (VACUUM / ANALYZE selection). */
  reason?: string
  detail?: string
  durationMs?: number
  partitions?: string[]
  rows?: number
  refreshedAt?: string
}

export type TaskStatus = 'pending' | 'running' | 'done' | 'partial' | 'skipped' | 'failed'

export interface TaskResult {
  task: TaskName
  status: TaskStatus
  startedAt: string | null
  durationMs: number | null
  detail: string
  items: TaskItem[]
}

export type JobStatus = 'queued' | 'running' | 'done' | 'partial' | 'failed' | 'abandoned'

export interface MaintenanceJob {
  id: number
  tasks: TaskName[]
  dryRun: boolean
  status: JobStatus
  results: TaskResult[]
  /** `api`, `schedule:<job>`, `library`. */
  requestedBy: string
  /** The gateway instance that ran it (MONITORING_INSTANCE_ID or host:pid). */
  instance: string
  error: string | null
  createdAt: string
  startedAt: string | null
  finishedAt: string | null
}

/** What a task returns; the runner adds timing. */
export type TaskOutcome = Pick<TaskResult, 'status' | 'detail' | 'items'>

export interface MaintenanceLogger {
  warn: (obj: object, msg: string) => void
  error: (obj: object, msg: string) => void
}

/** The status of a job from its tasks: failed when every task failed, partial when any fell short. */
export function jobStatusOf (results: TaskResult[]): 'done' | 'partial' | 'failed' {
  if (results.length > 0 && results.every((r) => r.status === 'failed')) return 'failed'
  return results.some((r) => r.status === 'failed' || r.status === 'partial') ? 'partial' : 'done'
}

/** A task's status from its items: partial when some item was skipped or failed, failed when all failed. */
export function taskStatusOf (items: TaskItem[]): 'done' | 'partial' | 'failed' {
  if (items.length > 0 && items.every((i) => i.status === 'failed')) return 'failed'
  return items.some((i) => i.status === 'failed' || i.status === 'skipped') ? 'partial' : 'done'
}
