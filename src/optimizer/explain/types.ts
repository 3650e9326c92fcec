/** Public shapes of plan analysis (`POST /admin/explain`, `db.explain`). */
import type { OperationName } from '../../client/delegates.js'
import type { ModelName } from '../../models/registry.js'

/** A compiled model call: the statement is exactly what the client's delegates would run. */
export interface ModelQueryInput { model: ModelName; op: OperationName; args?: unknown }
/** One SQL statement with `$n` parameters. */
export interface SqlInput { sql: string; params?: unknown[] }
export type ExplainInput = ModelQueryInput | SqlInput

/** Planner settings that may be changed (SET LOCAL) for one explain: what-if questions, not server tuning. */
export const EXPLAIN_SETTINGS = [
  'work_mem', 'hash_mem_multiplier', 'random_page_cost', 'seq_page_cost', 'effective_cache_size', 'jit',
  'max_parallel_workers_per_gather', 'join_collapse_limit', 'from_collapse_limit',
  'enable_seqscan', 'enable_indexscan', 'enable_indexonlyscan', 'enable_bitmapscan', 'enable_nestloop',
  'enable_hashjoin', 'enable_mergejoin', 'enable_hashagg', 'enable_sort', 'enable_incremental_sort',
  'enable_memoize', 'enable_material', 'enable_partition_pruning'
] as const
export type ExplainSetting = typeof EXPLAIN_SETTINGS[number]

export interface ExplainOptions {
  /** Execute the statement (EXPLAIN ANALYZE): only for a proven read-only SELECT. Default false. */
  analyze?: boolean
  /** Where to plan: the primary (default) or a replica in rotation (the primary when there is none). */
  node?: 'primary' | 'replica'
  /** statement_timeout for the explain, ms (default 5000, at most 60000). */
  timeoutMs?: number
  /** Planner settings for this explain only. */
  settings?: Partial<Record<ExplainSetting, string | number | boolean>>
}

export const FINDING_KINDS = [
  'seq_scan_large_table', 'row_misestimate', 'disk_spill', 'nested_loop_many_rows',
  'partitions_not_pruned', 'order_limit_wrong_index', 'missing_fk_index'
] as const
export type FindingKind = typeof FINDING_KINDS[number]

/** The plan node a finding concerns: `id` is its position in a pre-order walk of the plan (root = 0). */
export interface PlanNodeRef {
  id: number
  type: string
  /** `Limit > Nested Loop > Seq Scan`: node types from the root down to this node. */
  path: string
  relation?: string
  index?: string
}

export interface Finding {
  kind: FindingKind
  /** True when the numbers come from executing the statement (ANALYZE), false when from the planner's estimates. */
  measured: boolean
  node: PlanNodeRef | null
  message: string
  numbers: Record<string, number>
  suggestion: string
  /** A statement that would act on the suggestion (never run by the gateway). */
  statement?: string
}

export interface ExplainResult {
  node: string
  analyzed: boolean
  /** The statement as planned (for a model query: as the client compiles it). */
  sql: string
  params: unknown[]
  /** `EXPLAIN (FORMAT JSON)` output as PostgreSQL returned it. */
  plan: unknown
  totalCost: number
  planningMs: number | null
  executionMs: number | null
  findings: Finding[]
}
