/** The rows of `gateway_maintenance_jobs` (sql/010): one per job, written by the runner. */
import type pg from 'pg'
import type { JobStatus, MaintenanceJob, TaskName, TaskResult } from './types.js'

type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient

interface JobRow {
  id: string; tasks: TaskName[]; dry_run: boolean; status: JobStatus; results: TaskResult[]; requested_by: string
  instance: string; error: string | null; created_at: Date; started_at: Date | null; finished_at: Date | null
}

const COLUMNS = 'id, tasks, dry_run, status, results, requested_by, instance, error, created_at, started_at, finished_at'
const ACTIVE = "status IN ('queued', 'running')"

const iso = (d: Date | null): string | null => d === null ? null : d.toISOString()

function toJob (r: JobRow): MaintenanceJob {
  return {
    id: Number(r.id), tasks: r.tasks, dryRun: r.dry_run, status: r.status, results: r.results, requestedBy: r.requested_by,
    instance: r.instance, error: r.error, createdAt: r.created_at.toISOString(), startedAt: iso(r.started_at), finishedAt: iso(r.finished_at)
  }
}

export class JobStore {
  constructor (private readonly db: Queryable) {}

  async insert (on: Queryable, job: Pick<MaintenanceJob, 'tasks' | 'dryRun' | 'requestedBy' | 'instance' | 'results'>): Promise<MaintenanceJob> {
    const { rows } = await on.query<JobRow>(
      `INSERT INTO gateway_maintenance_jobs (tasks, dry_run, requested_by, instance, results) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
      [job.tasks, job.dryRun, job.requestedBy, job.instance, JSON.stringify(job.results)])
    return toJob(rows[0]!)
  }

  async started (on: Queryable, id: number): Promise<void> {
    await on.query("UPDATE gateway_maintenance_jobs SET status = 'running', started_at = now() WHERE id = $1", [id])
  }

  async progress (on: Queryable, id: number, results: TaskResult[]): Promise<void> {
    await on.query('UPDATE gateway_maintenance_jobs SET results = $2 WHERE id = $1', [id, JSON.stringify(results)])
  }

  async finished (on: Queryable, id: number, status: JobStatus, results: TaskResult[], error: string | null): Promise<MaintenanceJob | undefined> {
    const { rows } = await on.query<JobRow>(
      `UPDATE gateway_maintenance_jobs SET status = $2, results = $3, error = $4, finished_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, status, JSON.stringify(results), error])
    return rows[0] === undefined ? undefined : toJob(rows[0])
  }

  /**
   * Marks every queued or running job abandoned; only called while holding the job lock (or
   * having just taken it), when no live runner can own them. Returns their ids.
   */
  async abandonActive (on: Queryable, reason: string): Promise<number[]> {
    const { rows } = await on.query<{ id: string }>(
      `UPDATE gateway_maintenance_jobs SET status = 'abandoned', error = $1, finished_at = now() WHERE ${ACTIVE} RETURNING id`, [reason])
    return rows.map((r) => Number(r.id))
  }

  async active (on: Queryable = this.db): Promise<MaintenanceJob | undefined> {
    const { rows } = await on.query<JobRow>(`SELECT ${COLUMNS} FROM gateway_maintenance_jobs WHERE ${ACTIVE} ORDER BY id DESC LIMIT 1`)
    return rows[0] === undefined ? undefined : toJob(rows[0])
  }

  async get (id: number): Promise<MaintenanceJob | undefined> {
    const { rows } = await this.db.query<JobRow>(`SELECT ${COLUMNS} FROM gateway_maintenance_jobs WHERE id = $1`, [id])
    return rows[0] === undefined ? undefined : toJob(rows[0])
  }

  async list (limit: number): Promise<MaintenanceJob[]> {
    const { rows } = await this.db.query<JobRow>(`SELECT ${COLUMNS} FROM gateway_maintenance_jobs ORDER BY id DESC LIMIT $1`, [limit])
    return rows.map(toJob)
  }
}
