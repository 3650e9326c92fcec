/**
 * One analysis of the workload: each statement's shape and current plan; candidates on the
 * tables it scans that are big enough to matter; hypopg validation (or pg_stats estimates);
 * the candidates that cut a statement's cost by at least `minSaving`, grouped into suggestions
 * with the statements they serve, their share of load, size and the table's write rate.
 */
import type pg from 'pg'
import { candidateKey, candidatesFor, createStatement, indexName, suggestionId } from './candidates.js'
import { extensionState, readTable, type TableInfo } from './catalog.js'
import { estimateBytes, estimateCost } from './estimate.js'
import { validateWithHypopg, type TrialResult } from './hypothetical.js'
import { explainCost, withAnalysisSession, type PlanSummary } from './plan-cost.js'
import { queryShape, relationOf } from './shape.js'
import type { AdvisorOptions, AnalysisResult, ColumnFilter, IndexCandidate, IndexSuggestion, QueryShape, Relation, WorkloadReport, WorkloadStatement } from './types.js'

export interface WriteSnapshot { at: number; writes: number }

export interface AnalysisInput {
  pool: pg.Pool
  workload: WorkloadReport
  options: AdvisorOptions
  /** pg_stat_user_tables write totals of the previous analysis, by table oid (updated here). */
  writeSnapshots: Map<number, WriteSnapshot>
}

interface TableTrial {
  table: TableInfo
  filters: ColumnFilter[]
  sort: Array<{ column: string }>
  read: Set<string> | null
  candidates: IndexCandidate[]
}

interface Prepared { statement: WorkloadStatement; shape: QueryShape; before: PlanSummary; tables: TableTrial[] }

interface Outcome extends TrialResult { validated: boolean }

const MAX_SKIPPED = 50

export async function analyzeWorkload (input: AnalysisInput): Promise<AnalysisResult> {
  const { pool, workload, options: o } = input
  const hypopg = o.useHypopg && await extensionState(pool, 'hypopg') === 'installed'
  const pgTrgm = await extensionState(pool, 'pg_trgm')
  const skipped: AnalysisResult['skipped'] = []
  const skip = (s: WorkloadStatement, reason: string): void => {
    if (skipped.length < MAX_SKIPPED) skipped.push({ fingerprint: s.fingerprint, query: s.query, reason })
  }
  const tables = new Map<string, TableInfo | undefined>()
  const gatewayWrites = new Map<string, number>()

  return await withAnalysisSession(pool, o.statementTimeoutMs, hypopg, async (client) => {
    const tableOf = async (r: Relation): Promise<TableInfo | undefined> => {
      const key = `${r.schema ?? ''}.${r.table}`
      if (!tables.has(key)) tables.set(key, await readTable(client, r.schema, r.table))
      return tables.get(key)
    }
    const prepared: Prepared[] = []
    for (const s of workload.statements) {
      const shape = queryShape(s.sql)
      if (shape === undefined) {
        // Statements without a table (SELECT f(…)) are no one's concern; those with one are reported.
        if (/\bFROM\b/i.test(s.query)) skip(s, 'not analysed: no plain table in FROM (subquery, set operation, CTE or VALUES)')
        continue
      }
      if (shape.kind === 'insert') {
        const t = await tableOf(shape.relations[0]!)
        if (t !== undefined && s.source === 'gateway') gatewayWrites.set(t.table, (gatewayWrites.get(t.table) ?? 0) + s.rowsWritten)
        continue
      }
      if (s.source === 'gateway' && shape.kind !== 'select') {
        const t = await tableOf(shape.relations[0]!)
        if (t !== undefined) gatewayWrites.set(t.table, (gatewayWrites.get(t.table) ?? 0) + s.rowsWritten)
      }
      const trials: TableTrial[] = []
      let small = false
      for (const rel of shape.relations) {
        const t = await tableOf(rel)
        if (t === undefined) continue
        if (t.bytes < o.minTableBytes) { small = true; continue }
        trials.push(tableTrial(shape, rel, t, pgTrgm !== 'absent'))
      }
      if (trials.every((t) => t.candidates.length === 0)) {
        skip(s, small && trials.length === 0
          ? `every table it reads is below ${o.minTableBytes} bytes`
          : trials.length === 0 ? 'reads no table the advisor can index (views, catalogs)' : 'no candidate: existing indexes already cover its columns')
        continue
      }
      let before: PlanSummary
      try {
        before = await explainCost(client, s)
      } catch (err) {
        skip(s, `could not be explained: ${(err as Error).message}`)
        continue
      }
      if (before.cost < o.minCost) { skip(s, `plan cost ${before.cost.toFixed(1)} is below ${o.minCost}`); continue }
      prepared.push({ statement: s, shape, before, tables: trials })
    }

    const hypo = hypopg
      ? await validateWithHypopg(client, prepared.map((p) => ({ statement: p.statement, candidates: p.tables.flatMap((t) => t.candidates) })), o.hypopgBatchSize)
      : undefined
    const byKey = new Map<string, { candidate: IndexCandidate; table: TableInfo }>()
    for (const p of prepared) for (const t of p.tables) for (const c of t.candidates) byKey.set(candidateKey(c), { candidate: c, table: t.table })

    const accepted: Array<{ p: Prepared; outcome: Outcome }> = []
    for (const p of prepared) {
      const validated = hypo?.results.get(p.statement.fingerprint)
      const estimated = estimateBest(p, hypopg)
      const outcome: Outcome | undefined = validated !== undefined && (estimated === undefined || validated.cost <= estimated.cost)
        ? { ...validated, validated: true }
        : estimated === undefined ? undefined : { ...estimated, validated: false }
      if (outcome === undefined) { skip(p.statement, hypopg ? 'the planner used none of the hypothetical indexes' : 'no candidate beats its current plan'); continue }
      const saving = 1 - outcome.cost / p.before.cost
      if (saving < o.minSaving) { skip(p.statement, `best candidate saves ${(saving * 100).toFixed(0)} %, below ${(o.minSaving * 100).toFixed(0)} %`); continue }
      accepted.push({ p, outcome })
    }

    const totalMs = workload.statements.reduce((a, s) => a + s.totalMs, 0)
    const minutes = Math.max(workload.minutes, 1 / 60)
    const groups = new Map<string, IndexSuggestion>()
    for (const { p, outcome } of accepted) {
      for (const key of outcome.used) {
        const { candidate: c, table: t } = byKey.get(key)!
        const statement = createStatement(c)
        let g = groups.get(key)
        if (g === undefined) {
          g = {
            id: suggestionId(statement), table: `${t.schema}.${t.table}`, index: indexName(c), kind: c.kind, method: c.method,
            columns: c.columns, include: c.include, where: c.where, statement,
            prerequisites: c.method === 'gin' && pgTrgm === 'available' ? ['CREATE EXTENSION IF NOT EXISTS pg_trgm'] : [],
            validated: outcome.validated, fingerprints: [], loadShare: 0, costBefore: 0, costAfter: 0, saving: 0,
            estimatedBytes: hypo?.sizes.get(key) ?? estimateBytes(t, c),
            writeOverhead: { ...writeRate(t, input.writeSnapshots, gatewayWrites, minutes), scansPerMinute: 0 },
            notes: notesFor(c, outcome.validated, hypopg)
          }
          groups.set(key, g)
        }
        g.validated &&= outcome.validated
        g.fingerprints.push({
          fingerprint: p.statement.fingerprint, query: p.statement.query, source: p.statement.source, calls: p.statement.calls, meanMs: p.statement.meanMs,
          loadShare: totalMs > 0 ? p.statement.totalMs / totalMs : 0, costBefore: p.before.cost, costAfter: outcome.cost
        })
      }
    }
    for (const t of tables.values()) if (t !== undefined) input.writeSnapshots.set(t.oid, { at: Date.now(), writes: t.writes })

    const suggestions = [...groups.values()].map((g) => {
      const calls = g.fingerprints.reduce((a, f) => a + f.calls, 0) || 1
      g.loadShare = g.fingerprints.reduce((a, f) => a + f.loadShare, 0)
      g.costBefore = g.fingerprints.reduce((a, f) => a + f.costBefore * f.calls, 0) / calls
      g.costAfter = g.fingerprints.reduce((a, f) => a + f.costAfter * f.calls, 0) / calls
      g.saving = g.costBefore > 0 ? 1 - g.costAfter / g.costBefore : 0
      g.writeOverhead.scansPerMinute = g.fingerprints.reduce((a, f) => a + f.calls, 0) / minutes
      return g
    }).sort((a, b) => b.loadShare * b.saving - a.loadShare * a.saving)
    return {
      at: new Date().toISOString(),
      hypopg,
      pgTrgm,
      workload: { statements: workload.statements.length, analysed: prepared.length, statStatements: workload.statStatements, since: workload.since },
      suggestions,
      skipped
    }
  })
}

function tableTrial (shape: QueryShape, rel: Relation, t: TableInfo, trigram: boolean): TableTrial {
  const mine = (col: { qualifier?: string; column: string }): boolean =>
    relationOf(shape, col, col.column, (r, c) => r === rel ? t.columns.has(c) : false) === rel
  const filters = shape.filters.filter((f) => mine(f) && t.columns.has(f.column))
  const sort = shape.sort.every((k) => mine(k) && t.columns.has(k.column)) ? shape.sort : []
  const read = shape.columns === null ? null : new Set(shape.columns.filter((c) => mine(c) && t.columns.has(c.column)).map((c) => c.column))
  return { table: t, filters, sort, read, candidates: candidatesFor(t, filters, sort, read, { trigram }) }
}

/** Without hypopg (or for GIN, which hypopg cannot simulate): the cheapest estimate over the candidates. */
function estimateBest (p: Prepared, hypopg: boolean): TrialResult | undefined {
  let best: TrialResult | undefined
  for (const t of p.tables) {
    // A one-table statement whose plan has no sequential scan (a walk of another index): the whole plan is its scan.
    const seq = p.before.seqScans.find((x) => x.relation === t.table.table) ??
      (p.shape.relations.length === 1 ? { relation: t.table.table, rows: p.before.rows, cost: p.before.cost } : undefined)
    if (seq === undefined) continue
    for (const c of t.candidates) {
      if (hypopg && c.method === 'btree') continue
      const scan = estimateCost({
        table: t.table, candidate: c, filters: t.filters, values: p.statement.values, read: t.read,
        orderedLimit: orderedLimit(c, t, p.shape, p.statement.values), plannerRows: seq.rows
      })
      const cost = p.before.cost - seq.cost + Math.min(seq.cost, scan)
      if (scan < seq.cost && (best === undefined || cost < best.cost)) best = { cost, used: [candidateKey(c)] }
    }
  }
  return best
}

/** The LIMIT, when the candidate returns rows in the ORDER BY order after its equality columns. */
function orderedLimit (c: IndexCandidate, t: TableTrial, shape: QueryShape, values: unknown[] | undefined): number | null {
  const first = t.sort[0]?.column
  if (c.method !== 'btree' || first === undefined || t.sort.length > 1) return null
  const at = c.columns.indexOf(first)
  if (at < 0 || !c.columns.slice(0, at).every((col) => t.filters.some((f) => f.column === col && f.op === 'eq'))) return null
  const limit = shape.limit
  if (typeof limit === 'number') return limit
  const v = limit === null ? undefined : Number(values?.[limit.param - 1])
  return v !== undefined && Number.isFinite(v) ? v : null
}

function writeRate (t: TableInfo, snapshots: Map<number, WriteSnapshot>, gateway: Map<string, number>, minutes: number): { writesPerMinute: number | null; source: 'pg_stat_user_tables' | 'gateway' | null } {
  const prev = snapshots.get(t.oid)
  const elapsed = prev === undefined ? 0 : (Date.now() - prev.at) / 60_000
  if (prev !== undefined && elapsed >= 1 && t.writes >= prev.writes) return { writesPerMinute: (t.writes - prev.writes) / elapsed, source: 'pg_stat_user_tables' }
  const own = gateway.get(t.table)
  return own === undefined ? { writesPerMinute: null, source: null } : { writesPerMinute: own / minutes, source: 'gateway' }
}

function notesFor (c: IndexCandidate, validated: boolean, hypopg: boolean): string[] {
  const notes: string[] = []
  if (!validated) notes.push(c.method === 'gin' && hypopg ? 'hypopg cannot simulate GIN indexes: the cost after is estimated from pg_stats' : 'estimated from pg_stats (hypopg is not installed): not validated')
  if (c.method === 'gin') notes.push('trigram index: serves ILIKE/LIKE \'%…%\' (the model operator contains)')
  if (c.where !== null) notes.push(`partial: only rows where ${c.where}`)
  if (c.include.length > 0) notes.push('INCLUDE columns allow index-only scans once the table is vacuumed')
  return notes
}
