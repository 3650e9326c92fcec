/**
 * Materialized views: `REFRESH MATERIALIZED VIEW CONCURRENTLY` (readers keep reading the old
 * contents; it needs the view's unique index, sql/004) with the time of the refresh recorded in
 * `gateway_view_refreshes` in the same transaction, so the contents and the time commit together
 * and every instance sees both. The caller then invalidates the view's model tags.
 */
import type pg from 'pg'
import type { ModelName } from '../models/registry.js'
import { failedItem, onOwnConnection, STANDBY } from './connection.js'
import { quoteName } from '../query/identifiers.js'
import { taskStatusOf, type TaskItem, type TaskOutcome } from './types.js'

export interface MaterializedView {
  name: string
  /** The model reading it (src/models/registry.ts): its cache tags are invalidated after a refresh. */
  model: ModelName
}

export const GATEWAY_VIEWS: MaterializedView[] = [{ name: 'university_application_stats', model: 'universityApplicationStats' }]

export interface RefreshOptions {
  dryRun: boolean
  lockTimeoutMs: number
  jobId: number
  invalidate: ((tags: string[]) => Promise<unknown>) | undefined
}

export async function refreshViews (pool: pg.Pool, views: MaterializedView[], opts: RefreshOptions): Promise<TaskOutcome> {
  const action = 'REFRESH MATERIALIZED VIEW CONCURRENTLY'
  const r = await onOwnConnection(pool, opts.lockTimeoutMs, async (client) => {
    const items: TaskItem[] = []
    for (const v of views) {
      if (opts.dryRun) { items.push({ target: v.name, action, status: 'would', detail: `would refresh, then invalidate cache tag ${v.model}` }); continue }
      const started = performance.now()
      try {
        await client.query('BEGIN')
        await client.query(`${action} ${quoteName(v.name)}`)
        const durationMs = Math.round(performance.now() - started)
        // now() is the transaction's start: the moment the refreshed contents are as of.
        const at = (await client.query<{ at: Date }>(
          `INSERT INTO gateway_view_refreshes (view_name, refreshed_at, duration_ms, job_id) VALUES ($1, now(), $2, $3)
           ON CONFLICT (view_name) DO UPDATE SET refreshed_at = EXCLUDED.refreshed_at, duration_ms = EXCLUDED.duration_ms, job_id = EXCLUDED.job_id
           RETURNING refreshed_at AS at`, [v.name, durationMs, opts.jobId])).rows[0]!.at
        await client.query('COMMIT')
        items.push(await invalidated({ target: v.name, action, durationMs, refreshedAt: at.toISOString() }, v, opts.invalidate))
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {})
        items.push({ ...failedItem({ target: v.name, action }, err, opts.lockTimeoutMs), durationMs: Math.round(performance.now() - started) })
      }
    }
    return items
  })
  if (r === STANDBY) return { status: 'skipped', detail: STANDBY, items: [] }
  const done = r.filter((i) => i.status === 'done' || i.status === 'would').length
  return { status: taskStatusOf(r), detail: `${done} of ${views.length} view(s) ${opts.dryRun ? 'would be ' : ''}refreshed`, items: r }
}

/** After the commit: a read that refills the cache from here on sees the new contents. */
async function invalidated (item: Omit<TaskItem, 'status'>, v: MaterializedView, invalidate: RefreshOptions['invalidate']): Promise<TaskItem> {
  if (invalidate === undefined) return { ...item, status: 'done', detail: 'refreshed (no cache to invalidate)' }
  try {
    await invalidate([v.model])
    return { ...item, status: 'done', detail: `refreshed; cache tag ${v.model} invalidated` }
  } catch (err) {
    return { ...item, status: 'failed', detail: `refreshed, but invalidating cache tag ${v.model} failed: ${(err as Error).message}` }
  }
}

/** When `view` was last refreshed by maintenance; null if never recorded. */
export async function viewRefreshedAt (query: (text: string, values: unknown[]) => Promise<{ rows: Array<{ at: Date }> }>, view: string): Promise<Date | null> {
  const { rows } = await query('SELECT refreshed_at AS at FROM gateway_view_refreshes WHERE view_name = $1', [view])
  return rows[0]?.at ?? null
}
