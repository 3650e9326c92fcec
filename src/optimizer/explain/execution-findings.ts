/**
 * Findings about how the plan runs: row misestimates (ANALYZE only), sorts and hashes spilling to
 * disk (ANALYZE only: only execution knows), nested loops over many rows.
 */
import { executed, nodeRef, num, qualifiedIdent, relationOf, str, total, type PlanNode, type WalkedNode } from './plan.js'
import type { RuleContext } from './scan-findings.js'
import type { Finding } from './types.js'

/** Nodes under these may stop before reading all their rows, so fewer actual rows than estimated proves nothing. */
function mayStopEarly (node: WalkedNode): boolean {
  for (let n: WalkedNode | undefined = node; n !== undefined; n = n.parent) {
    const rel = str(n.plan, 'Parent Relationship')
    if (rel === 'SubPlan' || rel === 'InitPlan') return true
    const p = n.parent?.plan
    if (p === undefined) break
    if (p['Node Type'] === 'Limit' || p['Node Type'] === 'Merge Join') return true
    if (/Semi|Anti/.test(str(p, 'Join Type') ?? '')) return true
  }
  return false
}

function misestimate (node: WalkedNode, ctx: RuleContext): { estimated: number; actual: number; factor: number } | undefined {
  if (!executed(node.plan)) return undefined
  const estimated = num(node.plan, 'Plan Rows') ?? 0
  const actual = num(node.plan, 'Actual Rows') ?? 0
  if (Math.max(estimated, actual) < ctx.thresholds.misestimateMinRows) return undefined
  const factor = Math.max(estimated, actual) / Math.max(1, Math.min(estimated, actual))
  if (factor < ctx.thresholds.misestimateFactor || (actual < estimated && mayStopEarly(node))) return undefined
  return { estimated, actual, factor: Math.round(factor * 10) / 10 }
}

/** Only where a misestimate starts: its parents inherit it, and reporting them too says nothing new. */
export function rowMisestimates (ctx: RuleContext): Finding[] {
  if (!ctx.analyzed) return []
  const out: Finding[] = []
  for (const n of ctx.nodes) {
    const m = misestimate(n, ctx)
    if (m === undefined || n.children.some((c) => misestimate(c, ctx) !== undefined)) continue
    const rel = relationOf(n.plan)
    const info = ctx.catalog.relations.get(rel ?? '')
    const stale = info !== undefined && (info.lastAnalyze === null || info.modifiedSinceAnalyze >= 0.1 * Math.max(info.rows, 1))
    const finding: Finding = {
      kind: 'row_misestimate',
      measured: true,
      node: nodeRef(n),
      message: `${n.plan['Node Type']}${rel === undefined ? '' : ` on ${rel}`} was estimated at ${m.estimated} rows per loop and produced ${m.actual} (${m.factor}× ${m.actual > m.estimated ? 'more' : 'fewer'})`,
      numbers: { estimatedRows: m.estimated, actualRows: m.actual, loops: num(n.plan, 'Actual Loops') ?? 1, factor: m.factor },
      suggestion: stale
        ? `The statistics of ${rel} are stale (${info.modifiedSinceAnalyze} rows changed since ${info.lastAnalyze === null ? 'never analyzed' : `its last ANALYZE at ${info.lastAnalyze.toISOString()}`}): run ANALYZE, and check autovacuum keeps up with it.`
        : rel === undefined
          ? 'The estimate goes wrong here (a join or aggregate over its inputs): correlated join or grouping columns often cause it; CREATE STATISTICS (ndistinct, dependencies) on them, or a higher statistics target, gives the planner better numbers.'
          : `The statistics of ${rel} do not describe this condition: raise the statistics target of the filtered columns (ALTER TABLE … ALTER COLUMN … SET STATISTICS 1000, then ANALYZE) or CREATE STATISTICS for correlated columns.`
    }
    if (stale) finding.statement = `ANALYZE ${qualifiedIdent(rel as string)}`
    out.push(finding)
  }
  return out
}

/** What one node (or one of its parallel workers) wrote to disk, in kB, with its kind; undefined when it stayed in memory. */
function spill (plan: PlanNode): { what: string; kb: number; batches?: number } | undefined {
  if (str(plan, 'Sort Space Type') === 'Disk') return { what: `sort (${str(plan, 'Sort Method') ?? 'external'})`, kb: num(plan, 'Sort Space Used') ?? 0 }
  const hashBatches = Math.max(num(plan, 'Hash Batches') ?? 1, num(plan, 'Original Hash Batches') ?? 1)
  if (hashBatches > 1) return { what: 'hash table', kb: num(plan, 'Peak Memory Usage') ?? 0, batches: hashBatches }
  const aggBatches = num(plan, 'HashAgg Batches') ?? 0
  if (aggBatches > 1 || (num(plan, 'Disk Usage') ?? 0) > 0) return { what: 'hash aggregate', kb: num(plan, 'Disk Usage') ?? 0, batches: aggBatches }
  if (str(plan, 'Storage') === 'Disk') return { what: 'materialized rows', kb: num(plan, 'Maximum Storage') ?? 0 }
  return undefined
}

export function diskSpills (ctx: RuleContext): Finding[] {
  if (!ctx.analyzed) return []
  const out: Finding[] = []
  for (const n of ctx.nodes) {
    const workers = Array.isArray(n.plan.Workers) ? n.plan.Workers as PlanNode[] : []
    const s = spill(n.plan) ?? workers.map(spill).find((w) => w !== undefined)
    if (s === undefined) continue
    const tempBlocks = num(n.plan, 'Temp Written Blocks') ?? 0
    // A hash split into N batches needed about N × work_mem; a sort about twice the space it used on disk.
    const neededKb = s.batches !== undefined && s.batches > 1 ? ctx.catalog.workMemKb * s.batches : Math.max(s.kb * 2, ctx.catalog.workMemKb * 2)
    const neededMb = Math.max(1, Math.ceil(neededKb / 1024))
    const numbers: Record<string, number> = { diskKb: s.kb, workMemKb: ctx.catalog.workMemKb, tempWrittenBlocks: tempBlocks }
    if (s.batches !== undefined) numbers.batches = s.batches
    out.push({
      kind: 'disk_spill',
      measured: true,
      node: nodeRef(n),
      message: `The ${s.what} did not fit in work_mem (${ctx.catalog.workMemKb} kB) and went to disk${s.batches !== undefined && s.batches > 1 ? ` in ${s.batches} batches` : ''}${s.kb > 0 ? ` (${s.kb} kB)` : ''}`,
      numbers,
      suggestion: `Give this query about ${neededMb} MB of work_mem (SET LOCAL work_mem in its transaction, not globally: every sort and hash of every connection may take that much), or let fewer or narrower rows reach the ${s.what}.`,
      statement: `SET LOCAL work_mem = '${neededMb}MB'`
    })
  }
  return out
}

const RESCANNED = new Set(['Seq Scan', 'Materialize', 'Function Scan', 'CTE Scan', 'Subquery Scan'])

export function nestedLoops (ctx: RuleContext): Finding[] {
  const out: Finding[] = []
  for (const n of ctx.nodes) {
    if (n.plan['Node Type'] !== 'Nested Loop' || n.children.length < 2) continue
    const [outer, inner] = n.children as [WalkedNode, WalkedNode]
    if (ctx.analyzed && !executed(n.plan)) continue
    const loops = ctx.analyzed ? num(inner.plan, 'Actual Loops') ?? 0 : num(outer.plan, 'Plan Rows') ?? 0
    if (loops < ctx.thresholds.nestedLoopRows) continue
    const innerType = String(inner.plan['Node Type'])
    const innerRel = relationOf(inner.plan) ?? relationOf(inner.children[0]?.plan ?? {})
    const numbers: Record<string, number> = { innerLoops: loops, estimatedOuterRows: num(outer.plan, 'Plan Rows') ?? 0 }
    if (ctx.analyzed) numbers.outerRows = total(outer.plan, 'Actual Rows')
    const on = innerRel === undefined ? innerType : `${innerType} on ${innerRel}`
    out.push({
      kind: 'nested_loop_many_rows',
      measured: ctx.analyzed,
      node: nodeRef(n),
      message: `Nested loop runs its inner side (${on}) ${loops} times, once per outer row`,
      numbers,
      suggestion: RESCANNED.has(innerType)
        ? `Every outer row rescans ${on}: an index on the inner join column turns each rescan into a lookup, or a hash join reads it once.`
        : `That is ${loops} index lookups. If the planner expected far fewer outer rows (${numbers.estimatedOuterRows}), fix that estimate first; a hash or merge join reads each side once (compare with settings { enable_nestloop: false }).`
    })
  }
  return out
}
