/** Every finding rule over one plan, in the order a reader should act on them. */
import type { PlanCatalog } from './catalog.js'
import { diskSpills, nestedLoops, rowMisestimates } from './execution-findings.js'
import type { WalkedNode } from './plan.js'
import { missingForeignKeyIndexes, orderLimitWrongIndex, partitionsNotPruned, seqScans } from './scan-findings.js'
import { EXPLAIN_THRESHOLDS, type ExplainThresholds } from './thresholds.js'
import type { Finding } from './types.js'

export function analysePlan (nodes: WalkedNode[], catalog: PlanCatalog, analyzed: boolean, thresholds: Partial<ExplainThresholds> = {}): Finding[] {
  const ctx = { nodes, catalog, analyzed, thresholds: { ...EXPLAIN_THRESHOLDS, ...thresholds } }
  return [
    ...partitionsNotPruned(ctx),
    ...seqScans(ctx),
    ...orderLimitWrongIndex(ctx),
    ...rowMisestimates(ctx),
    ...nestedLoops(ctx),
    ...diskSpills(ctx),
    ...missingForeignKeyIndexes(ctx)
  ]
}
