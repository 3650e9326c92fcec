/**
 * pg_stat_statements over a window, without ever resetting it (other tools read the same
 * counters): snapshots of the cumulative counters are kept in memory — one a minute for the last
 * hour, one an hour for the last day — and a window's figures are the live counters minus the
 * snapshot taken nearest before the window start (the oldest one when the window reaches back
 * further than this process has watched).
 *
 * Memory is bounded: a snapshot holds at most MAX_ENTRIES statements, only those whose lifetime
 * max time reaches half the slow threshold (a statement never that slow cannot have a slow window
 * mean). A statement missing from the baseline counts from zero — its figures may then reach back
 * before the window (noted in docs/slow-queries.md).
 */
import type pg from 'pg'

export interface StatCounters { calls: number; totalMs: number; rows: number }

export interface StatEntry extends StatCounters {
  /** `userid:queryid:toplevel`: one pg_stat_statements row. */
  key: string
  query: string
  maxMs: number
}

export interface StatSnapshot { at: number; entries: Map<string, StatCounters> }

export interface StatDelta extends StatCounters {
  query: string
  /** Lifetime max_exec_time: the view keeps no per-window maximum. */
  maxMs: number
}

const MAX_ENTRIES = 1_000
const MINUTE = 60_000
const HOUR = 60 * MINUTE

/**
 * Marks the gateway's own monitoring statements, so the merge can leave them out. It goes after
 * the first keyword: pg_stat_statements keeps comments inside a statement, not those before it.
 */
export const MONITORING_MARK = '/* gateway:monitoring */'

const READ_SQL = `SELECT ${MONITORING_MARK} s.userid::text || ':' || s.queryid::text || ':' || s.toplevel::text AS key,
  s.query, s.calls::float8 AS calls, s.total_exec_time AS total_ms, s.rows::float8 AS rows, s.max_exec_time AS max_ms
  FROM pg_stat_statements s
 WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
   AND s.queryid IS NOT NULL AND s.max_exec_time >= $1
 ORDER BY s.total_exec_time DESC
 LIMIT $2`

export async function readStatStatements (pool: pg.Pool, minMaxMs: number): Promise<StatEntry[]> {
  const { rows } = await pool.query<{ key: string; query: string; calls: number; total_ms: number; rows: number; max_ms: number }>(
    READ_SQL, [minMaxMs, MAX_ENTRIES])
  return rows.map((r) => ({ key: r.key, query: r.query, calls: r.calls, totalMs: r.total_ms, rows: r.rows, maxMs: r.max_ms }))
}

/** Installed in this database and readable (created but not preloaded raises on every read). */
export async function statStatementsUsable (pool: pg.Pool): Promise<boolean> {
  const { rows } = await pool.query(`SELECT ${MONITORING_MARK} 1 FROM pg_extension WHERE extname = 'pg_stat_statements'`)
  if (rows.length === 0) return false
  try {
    await pool.query(`SELECT ${MONITORING_MARK} 1 FROM pg_stat_statements LIMIT 1`)
    return true
  } catch {
    return false
  }
}

export class StatSnapshots {
  private minutes: StatSnapshot[] = []
  private hours: StatSnapshot[] = []

  add (at: number, entries: StatEntry[]): void {
    const snap: StatSnapshot = { at, entries: new Map(entries.map((e) => [e.key, { calls: e.calls, totalMs: e.totalMs, rows: e.rows }])) }
    this.minutes.push(snap)
    this.minutes = this.minutes.filter((s) => s.at >= at - HOUR)
    const lastHour = this.hours.at(-1)
    if (lastHour === undefined || at - lastHour.at >= HOUR) {
      this.hours.push(snap)
      this.hours = this.hours.filter((s) => s.at >= at - 24 * HOUR)
    }
  }

  get size (): number {
    return this.minutes.length + this.hours.length
  }

  /** The latest snapshot at or before `since`, else the oldest one kept. */
  baseline (since: number): StatSnapshot | undefined {
    const all = [...this.hours, ...this.minutes].sort((a, b) => a.at - b.at)
    let best: StatSnapshot | undefined
    for (const s of all) {
      if (s.at <= since) best = s
      else break
    }
    return best ?? all[0]
  }

  clear (): void {
    this.minutes = []
    this.hours = []
  }
}

/**
 * Live counters minus the baseline, per pg_stat_statements row; rows without new calls are left
 * out. A counter below its baseline means the row was evicted and re-created: it counts from zero.
 */
export function deltas (live: StatEntry[], base: StatSnapshot | undefined): StatDelta[] {
  const out: StatDelta[] = []
  for (const e of live) {
    const b = base?.entries.get(e.key)
    const fresh = b === undefined || e.calls < b.calls
    const calls = fresh ? e.calls : e.calls - b.calls
    if (calls <= 0) continue
    out.push({
      query: e.query,
      calls,
      totalMs: fresh ? e.totalMs : e.totalMs - b.totalMs,
      rows: fresh ? e.rows : e.rows - b.rows,
      maxMs: e.maxMs
    })
  }
  return out
}
