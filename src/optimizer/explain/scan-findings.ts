/**
 * Findings about how tables are read: sequential scans under a selective filter, ORDER BY + LIMIT
 * walking an index that the filter disagrees with, partitions not pruned, foreign keys without an
 * index. Each works from the estimates and, after ANALYZE, from the actual row counts.
 */
import type { PlanCatalog, RelationInfo } from './catalog.js'
import { columnsIn, executed, ident, nodeRef, num, qualifiedIdent, relationOf, str, total, type WalkedNode } from './plan.js'
import type { ExplainThresholds } from './thresholds.js'
import type { Finding } from './types.js'

export interface RuleContext {
  nodes: WalkedNode[]
  catalog: PlanCatalog
  analyzed: boolean
  thresholds: ExplainThresholds
}

const APPENDS = new Set(['Append', 'Merge Append'])

/** `CREATE INDEX [CONCURRENTLY] ON table (cols)`; CONCURRENTLY is not available on a partitioned table. */
export function indexStatement (table: string, columns: string[], partitioned: boolean): string {
  return `CREATE INDEX${partitioned ? '' : ' CONCURRENTLY'} ON ${qualifiedIdent(table)} (${columns.map(ident).join(', ')})`
}

function appendAncestor (node: WalkedNode): WalkedNode | undefined {
  for (let p = node.parent; p !== undefined; p = p.parent) if (APPENDS.has(String(p.plan['Node Type']))) return p
  return undefined
}

function pct (part: number, whole: number): number {
  return whole <= 0 ? 0 : Math.round((part / whole) * 10_000) / 100
}

export function seqScans (ctx: RuleContext): Finding[] {
  const { thresholds: t } = ctx
  // Partitions of one table under one Append are one finding: it is the table that is large.
  const groups = new Map<string, { first: WalkedNode; info: RelationInfo; scanned: number; returned: number; removed: number; parts: number }>()
  for (const n of ctx.nodes) {
    if (n.plan['Node Type'] !== 'Seq Scan' || str(n.plan, 'Filter') === undefined) continue
    const info = ctx.catalog.relations.get(relationOf(n.plan) ?? '')
    if (info === undefined || (ctx.analyzed && !executed(n.plan))) continue
    const returned = ctx.analyzed ? total(n.plan, 'Actual Rows') : num(n.plan, 'Plan Rows') ?? 0
    const removed = ctx.analyzed ? total(n.plan, 'Rows Removed by Filter') : 0
    const scanned = ctx.analyzed ? returned + removed : info.rows
    if (scanned < 0) continue
    const key = `${info.root}|${info.parent === undefined ? n.id : appendAncestor(n)?.id ?? n.id}`
    const g = groups.get(key) ?? { first: n, info, scanned: 0, returned: 0, removed: 0, parts: 0 }
    g.scanned += scanned
    g.returned += returned
    g.removed += removed
    g.parts++
    groups.set(key, g)
  }
  const out: Finding[] = []
  for (const g of groups.values()) {
    if (g.scanned < t.largeTableRows || g.returned > g.scanned * t.selectiveFraction) continue
    const columns = columnsIn(str(g.first.plan, 'Filter'), str(g.first.plan, 'Alias'))
    const partitioned = g.info.parent !== undefined
    const numbers: Record<string, number> = { rowsScanned: g.scanned, rowsReturned: g.returned, keptPercent: pct(g.returned, g.scanned) }
    if (ctx.analyzed) numbers.rowsRemovedByFilter = g.removed
    if (partitioned) numbers.partitionsScanned = g.parts
    const finding: Finding = {
      kind: 'seq_scan_large_table',
      measured: ctx.analyzed,
      node: nodeRef(g.first),
      message: `Sequential scan of ${g.info.root} reads ${g.scanned} rows to keep ${g.returned} (${numbers.keptPercent}%) under the filter ${str(g.first.plan, 'Filter')}`,
      numbers,
      suggestion: columns.length === 0
        ? 'An index on the filtered expression would let PostgreSQL read only the matching rows; see GET /admin/index-suggestions.'
        : `An index on ${qualifiedIdent(g.info.root)} (${columns.map(ident).join(', ')}) would let PostgreSQL read only the matching rows${partitioned ? ' (on a partitioned table it is built on every partition)' : ''}.`
    }
    if (columns.length > 0) finding.statement = indexStatement(g.info.root, columns, partitioned)
    out.push(finding)
  }
  return out
}

/** A Limit fed in index order while a filter rejects most of what the index returns (pganalyze's "ORDER BY + LIMIT on the wrong index"). */
export function orderLimitWrongIndex (ctx: RuleContext): Finding[] {
  const { thresholds: t } = ctx
  const out: Finding[] = []
  for (const limit of ctx.nodes) {
    if (limit.plan['Node Type'] !== 'Limit') continue
    let scan = limit.children[0]
    while (scan !== undefined && scan.plan['Node Type'] === 'Gather Merge') scan = scan.children[0]
    if (scan === undefined || !['Index Scan', 'Index Only Scan'].includes(String(scan.plan['Node Type']))) continue
    const filter = str(scan.plan, 'Filter')
    const info = ctx.catalog.relations.get(relationOf(scan.plan) ?? '')
    if (filter === undefined || info === undefined) continue
    const removed = total(scan.plan, 'Rows Removed by Filter')
    const returned = total(scan.plan, 'Actual Rows')
    // Estimated: only a selective filter over a large table without an index condition is a risk;
    // a filter most rows pass finds the LIMIT's rows at once wherever they are.
    if (ctx.analyzed
      ? removed < t.wrongIndexRemovedRows || removed < t.wrongIndexFactor * Math.max(returned, 1)
      : str(scan.plan, 'Index Cond') !== undefined || info.rows < t.largeTableRows ||
        (num(scan.plan, 'Plan Rows') ?? 0) > info.rows * t.selectiveFraction) continue
    const indexCols = ctx.catalog.indexColumns.get(nodeRef(scan).index ?? '') ?? []
    const filterCols = columnsIn(filter, str(scan.plan, 'Alias'))
    const columns = [...filterCols, ...indexCols.filter((c) => !filterCols.includes(c))]
    const index = str(scan.plan, 'Index Name')
    const finding: Finding = {
      kind: 'order_limit_wrong_index',
      measured: ctx.analyzed,
      node: nodeRef(scan),
      message: ctx.analyzed
        ? `LIMIT walks ${index} in ORDER BY order and the filter ${filter} throws away ${removed} rows to keep ${returned}`
        : `LIMIT walks ${index} in ORDER BY order hoping the filter ${filter} matches early; when the matching rows are rare or clustered at the far end it reads most of ${info.root}`,
      numbers: ctx.analyzed ? { rowsRemovedByFilter: removed, rowsReturned: returned, limitRows: num(limit.plan, 'Plan Rows') ?? 0 } : { tableRows: info.rows, limitRows: num(limit.plan, 'Plan Rows') ?? 0 },
      suggestion: filterCols.length === 0
        ? `An index that serves both the filter and the order would let the LIMIT stop after the rows it needs.`
        : `An index on (${columns.map(ident).join(', ')}) serves the filter and the order together, so the LIMIT stops after the rows it needs.`
    }
    if (filterCols.length > 0) finding.statement = indexStatement(info.root, columns, info.parent !== undefined)
    out.push(finding)
  }
  return out
}

/** Every partition of a partitioned table scanned, none pruned at plan or run time. */
export function partitionsNotPruned (ctx: RuleContext): Finding[] {
  const groups = new Map<string, { append: WalkedNode; info: RelationInfo; parts: Set<string> }>()
  for (const n of ctx.nodes) {
    const key = relationOf(n.plan)
    const info = ctx.catalog.relations.get(key ?? '')
    const append = appendAncestor(n)
    if (key === undefined || info?.parent === undefined || append === undefined) continue
    if (ctx.analyzed && !executed(n.plan)) continue
    const g = groups.get(`${append.id}|${info.parent}`) ?? { append, info, parts: new Set<string>() }
    g.parts.add(key)
    groups.set(`${append.id}|${info.parent}`, g)
  }
  const out: Finding[] = []
  for (const { append, info, parts } of groups.values()) {
    const totalParts = info.siblings ?? 0
    if (totalParts < 2 || parts.size < totalParts || (num(append.plan, 'Subplans Removed') ?? 0) > 0) continue
    const key = /\(([^)]*)\)/.exec(info.partitionKey ?? '')?.[1] ?? 'the partition key'
    const hash = (info.partitionKey ?? '').startsWith('HASH')
    out.push({
      kind: 'partitions_not_pruned',
      measured: ctx.analyzed,
      node: nodeRef(append),
      message: `All ${totalParts} partitions of ${info.parent} are read: nothing in the query lets the planner skip any (partitioned by ${info.partitionKey ?? 'an unknown key'})`,
      numbers: { partitionsScanned: parts.size, partitionsTotal: totalParts },
      suggestion: hash
        ? `Filter on ${key} with = or = ANY (…) so only the matching hash partitions are read.`
        : `Add a range condition on ${key} (${key} >= $1 AND ${key} < $2) compared with constants or parameters, not a function of the column, so only the partitions in range are read.`
    })
  }
  return out
}

/** Foreign keys of the tables in the plan (and of tables referencing a row it deletes or updates) with no index leading with their columns. */
export function missingForeignKeyIndexes (ctx: RuleContext): Finding[] {
  return ctx.catalog.foreignKeyGaps.map((gap) => {
    const node = ctx.nodes.find((n) => ctx.catalog.relations.get(relationOf(n.plan) ?? '')?.root === gap.table) ??
      ctx.nodes.find((n) => n.plan['Node Type'] === 'ModifyTable')
    const cols = gap.columns.map(ident).join(', ')
    return {
      kind: 'missing_fk_index' as const,
      measured: false,
      node: node === undefined ? null : nodeRef(node),
      message: `Foreign key ${gap.constraint} on ${gap.table} (${cols}) → ${gap.references} has no index with (${cols}) leading`,
      numbers: { tableRows: gap.rows, columns: gap.columns.length },
      suggestion: `Without it every DELETE or key UPDATE on ${gap.references} scans ${gap.table} to check references, and joins on (${cols}) cannot use an index.`,
      statement: indexStatement(gap.table, gap.columns, gap.partitioned)
    }
  })
}
