/**
 * What `GET /admin/partitions`, the report's Partitions section and the dashboard show: per
 * maintained table its partitions (catalog only, never waiting for a lock), the exact row count of
 * its DEFAULT partition, retention, premake, and the maintenance job's next run and last result.
 */
import type pg from 'pg'
import type { MaintenanceRun, PartitionManager, PartitionView, StepResult } from './manager.js'
import type { PartitionedTable } from './tables.js'
import { quoteName } from '../query/identifiers.js'

export interface TableOverview {
  table: string
  kind: PartitionedTable['kind']
  column: string
  retention: string | null
  premake: string | null
  defaultPartitionRows: number | null
  /** When the scheduled partition maintenance runs next (null: not scheduled). */
  nextRunAt: string | null
  /** This table's steps in the last real (not dry) run of this process that covered it; null before one. */
  lastRun: { at: string; status: MaintenanceRun['status']; reason: string | null; steps: Array<Pick<StepResult, 'step' | 'status' | 'detail'>> } | null
  partitions: PartitionView[]
}

export interface OverviewSources {
  manager: PartitionManager
  tables: PartitionedTable[]
  pool: pg.Pool
  /** When the job maintaining `table` runs next. */
  nextRunAt?: (table: string) => string | null
}

function describe (t: PartitionedTable): { retention: string | null; premake: string | null } {
  if (t.kind === 'monthly') return { retention: `${t.retentionMonths} months`, premake: `${t.premakeMonths} months` }
  if (t.kind === 'daily') return { retention: `${t.retentionDays} days`, premake: `${t.premakeDays} days` }
  return { retention: null, premake: null }
}

function lastOf (manager: PartitionManager, table: string): TableOverview['lastRun'] {
  const last = manager.lastRunOf(table)
  return last === undefined ? null : { ...last, steps: last.steps.map(({ step, status, detail }) => ({ step, status, detail })) }
}

export async function partitionsOverview (s: OverviewSources): Promise<TableOverview[]> {
  const out: TableOverview[] = []
  for (const t of s.tables) {
    const partitions = (await s.manager.partitions(t.name)).map(({ detachPending: _p, ...p }) => p)
    const def = t.kind === 'monthly' ? t.defaultPartition : undefined
    const defaultPartitionRows = def === undefined || !partitions.some((p) => p.isDefault)
      ? null
      : Number((await s.pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${quoteName(def)}`)).rows[0]?.n ?? 0)
    out.push({
      table: t.name,
      kind: t.kind,
      column: t.column,
      ...describe(t),
      defaultPartitionRows,
      nextRunAt: s.nextRunAt?.(t.name) ?? null,
      lastRun: lastOf(s.manager, t.name),
      partitions
    })
  }
  return out
}

/** The report's one-line-per-table summary of an overview. */
export function overviewSummary (tables: TableOverview[]): Array<{ table: string; partitions: number; oldest: string | null; newest: string | null; defaultPartitionRows: number | null; retention: string | null; lastRun: string | null }> {
  return tables.map((t) => {
    const ranged = t.partitions.filter((p) => p.from !== null && p.to !== null)
    return {
      table: t.table,
      partitions: t.partitions.length,
      oldest: ranged[0]?.from ?? null,
      newest: ranged.length === 0 ? null : ranged.reduce((a, p) => (p.to! > a ? p.to! : a), ranged[0]!.to!),
      defaultPartitionRows: t.defaultPartitionRows,
      retention: t.retention,
      lastRun: t.lastRun === null ? null : `${t.lastRun.at} ${t.lastRun.status}${t.lastRun.steps.length === 0 ? '' : ': ' + t.lastRun.steps.map((x) => `${x.step} ${x.status}`).join(', ')}`
    }
  })
}
