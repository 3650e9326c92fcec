/**
 * VACUUM and ANALYZE only where `pg_stat_user_tables` says they are due, with autovacuum's own
 * formula (`threshold + scale factor × live rows`) at half its default scale factors: a nightly
 * run then handles, in the quiet hours, the tables autovacuum would reach soon anyway, and leaves
 * the clean ones alone. Each chosen table carries the numbers that chose it.
 * @see https://www.postgresql.org/docs/current/routine-vacuuming.html#AUTOVACUUM
 */
import type pg from 'pg'
import { failedItem, onOwnConnection, STANDBY } from './connection.js'
import { taskStatusOf, type TaskItem, type TaskOutcome } from './types.js'

export interface SelectionThresholds {
  /** VACUUM when n_dead_tup > vacuumThreshold + vacuumScaleFactor × n_live_tup (autovacuum: 50, 0.2). */
  vacuumThreshold: number
  vacuumScaleFactor: number
  /** ANALYZE when n_mod_since_analyze > analyzeThreshold + analyzeScaleFactor × n_live_tup (autovacuum: 50, 0.1). */
  analyzeThreshold: number
  analyzeScaleFactor: number
}

export const SELECTION_DEFAULTS: SelectionThresholds = { vacuumThreshold: 50, vacuumScaleFactor: 0.1, analyzeThreshold: 50, analyzeScaleFactor: 0.05 }

interface TableStats { ident: string; name: string; live: number; dead: number; mods: number }

export interface Candidate { ident: string; name: string; reason: string }

/**
 * Ordinary tables and materialized views of this database (leaf partitions included: VACUUM and
 * ANALYZE work per leaf; temporary tables of other sessions excluded), most urgent first.
 */
async function tableStats (client: pg.PoolClient): Promise<TableStats[]> {
  const { rows } = await client.query<TableStats>(
    `SELECT format('%I.%I', s.schemaname, s.relname) AS ident, s.schemaname || '.' || s.relname AS name,
            s.n_live_tup::float8 AS live, s.n_dead_tup::float8 AS dead, s.n_mod_since_analyze::float8 AS mods
       FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
      WHERE c.relkind IN ('r', 'm') AND c.relpersistence <> 't'
      ORDER BY s.n_dead_tup DESC, s.n_mod_since_analyze DESC, 2`)
  return rows
}

const round = (n: number): string => String(Math.round(n * 1000) / 1000)

export function select (kind: 'vacuum' | 'analyze', stats: TableStats[], t: SelectionThresholds): Candidate[] {
  const out: Candidate[] = []
  for (const s of stats) {
    if (kind === 'vacuum') {
      const limit = t.vacuumThreshold + t.vacuumScaleFactor * s.live
      if (s.dead > limit) {
        out.push({ ident: s.ident, name: s.name, reason: `n_dead_tup ${s.dead} > ${t.vacuumThreshold} + ${t.vacuumScaleFactor} × n_live_tup ${s.live} (dead ratio ${round(s.dead / (s.dead + s.live))})` })
      }
    } else {
      const limit = t.analyzeThreshold + t.analyzeScaleFactor * s.live
      if (s.mods > limit) {
        out.push({ ident: s.ident, name: s.name, reason: `n_mod_since_analyze ${s.mods} > ${t.analyzeThreshold} + ${t.analyzeScaleFactor} × n_live_tup ${s.live}` })
      }
    }
  }
  return out
}

/** The `vacuum` or `analyze` task: selects, then runs one statement per table (never in a transaction block). */
export async function vacuumOrAnalyze (pool: pg.Pool, kind: 'vacuum' | 'analyze', opts: { dryRun: boolean; lockTimeoutMs: number; thresholds: SelectionThresholds }): Promise<TaskOutcome> {
  const verb = kind === 'vacuum' ? 'VACUUM' : 'ANALYZE'
  const r = await onOwnConnection(pool, opts.lockTimeoutMs, async (client) => {
    const stats = await tableStats(client)
    const chosen = select(kind, stats, opts.thresholds)
    const items: TaskItem[] = []
    for (const c of chosen) {
      const item = { target: c.name, action: verb, reason: c.reason }
      if (opts.dryRun) { items.push({ ...item, status: 'would', detail: `would ${verb}` }); continue }
      const started = performance.now()
      try {
        // The identifier is the catalog's own name, quoted by the server (format %I).
        await client.query(`${verb} ${c.ident}`)
        items.push({ ...item, status: 'done', durationMs: Math.round(performance.now() - started) })
      } catch (err) {
        items.push({ ...failedItem(item, err, opts.lockTimeoutMs), durationMs: Math.round(performance.now() - started) })
      }
    }
    return { stats, items }
  })
  if (r === STANDBY) return { status: 'skipped', detail: STANDBY, items: [] }
  const { stats, items } = r
  const detail = `${items.length} of ${stats.length} tables over the ${kind} threshold${opts.dryRun ? ' (dry run: nothing run)' : ''}`
  return { status: items.length === 0 ? 'done' : taskStatusOf(items), detail, items }
}
