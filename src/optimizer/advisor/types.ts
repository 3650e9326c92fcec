/** Public shapes of the index advisor (docs/optimizer.md, "Index advice"). */

export interface AdvisorOptions {
  /** Tables smaller than this (heap bytes) get no advice (pganalyze: 10 MB). */
  minTableBytes: number
  /** Statements whose plan costs less than this are not considered (Dexter: 100). */
  minCost: number
  /** Share of the cost a candidate must save to be suggested (Dexter: 0.5). */
  minSaving: number
  /** Hypothetical indexes per hypopg batch; hypopg_reset between batches (below hypopg's 500). */
  hypopgBatchSize: number
  /** Statements (by total time) analysed per run. */
  maxStatements: number
  /** Per EXPLAIN and catalog read. */
  statementTimeoutMs: number
  /** `lock_timeout` of a build: how long CREATE INDEX CONCURRENTLY may wait for a lock. */
  lockTimeoutMs: number
  /** OPTIMIZER_AUTO_APPLY: `runScheduled()` applies validated suggestions saving at least `autoApplyMinSaving`. */
  autoApply: boolean
  autoApplyMinSaving: number
  /** false: never use hypopg even when installed (estimates only). */
  useHypopg: boolean
}

export const ADVISOR_DEFAULTS: AdvisorOptions = {
  minTableBytes: 10 * 1024 * 1024,
  minCost: 100,
  minSaving: 0.5,
  hypopgBatchSize: 250,
  maxStatements: 200,
  statementTimeoutMs: 5_000,
  lockTimeoutMs: 5_000,
  autoApply: false,
  autoApplyMinSaving: 0.9,
  useHypopg: true
}

export type FilterOp = 'eq' | 'range' | 'null' | 'not-null' | 'contains'

/** One condition of a statement on one column, as the parser sees it. */
export interface ColumnFilter {
  /** Alias or table name written before the column, if any. */
  qualifier?: string
  column: string
  op: FilterOp
  /** SQL operator as written ('=', '<', '~~*', …). */
  operator: string
  /** A predicate on a constant that a partial index can carry, e.g. `"read_at" IS NULL`. */
  constantPredicate?: string
  /** 1-based parameter number the value binds to. */
  param?: number
  /** The literal's value, when the statement carries one. */
  literal?: string
}

export interface SortKey { qualifier?: string; column: string; desc: boolean }

export interface Relation { schema?: string; table: string; alias: string }

export interface QueryShape {
  kind: 'select' | 'update' | 'delete' | 'insert'
  relations: Relation[]
  filters: ColumnFilter[]
  sort: SortKey[]
  limit: number | { param: number } | null
  /** Columns read (select list, filters, sort), or null when `*` or an expression hides them. */
  columns: Array<{ qualifier?: string; column: string }> | null
}

/** One statement of the workload, by fingerprint. */
export interface WorkloadStatement {
  fingerprint: string
  /** Normalized text (no literals). */
  query: string
  /** A text as run, with `values` it ran with (the gateway's own), or the normalized text (pg_stat_statements). */
  sql: string
  values?: unknown[]
  source: 'gateway' | 'pg_stat_statements'
  model: string | null
  calls: number
  totalMs: number
  meanMs: number
  /** Rows the statement wrote (INSERT/UPDATE/DELETE), summed. */
  rowsWritten: number
}

export interface WorkloadReport {
  /** When the gateway's own recording began (this process). */
  since: string
  minutes: number
  statements: WorkloadStatement[]
  statStatements: boolean
}

export interface IndexCandidate {
  table: string
  schema: string
  method: 'btree' | 'gin'
  columns: string[]
  include: string[]
  /** Partial-index predicate (SQL), from a constant predicate of the workload. */
  where: string | null
  /** Operator class per column (gin_trgm_ops for trigram indexes). */
  opclass: string | null
  kind: 'single' | 'multi' | 'partial' | 'include' | 'trigram'
}

export interface ServedStatement {
  fingerprint: string
  query: string
  source: WorkloadStatement['source']
  calls: number
  meanMs: number
  /** Share of the analysed workload's total time. */
  loadShare: number
  costBefore: number
  costAfter: number
}

export interface IndexSuggestion {
  /** Stable: a hash of `statement`. */
  id: string
  table: string
  index: string
  kind: IndexCandidate['kind']
  method: IndexCandidate['method']
  columns: string[]
  include: string[]
  where: string | null
  statement: string
  /** Statements to run first (CREATE EXTENSION pg_trgm when it is available but not installed). */
  prerequisites: string[]
  /** true: hypopg proved the cost saving with EXPLAIN; false: estimated from pg_stats. */
  validated: boolean
  fingerprints: ServedStatement[]
  loadShare: number
  costBefore: number
  costAfter: number
  /** 1 − after/before over the statements served, weighted by calls. */
  saving: number
  estimatedBytes: number
  writeOverhead: { writesPerMinute: number | null; source: 'pg_stat_user_tables' | 'gateway' | null; scansPerMinute: number }
  notes: string[]
}

export interface AnalysisResult {
  at: string
  hypopg: boolean
  pgTrgm: 'installed' | 'available' | 'absent'
  workload: { statements: number; analysed: number; statStatements: boolean; since: string }
  suggestions: IndexSuggestion[]
  /** Statements looked at and why they got no advice (first 50). */
  skipped: Array<{ fingerprint: string; query: string; reason: string }>
}

export interface NodeUsage { node: string; idxScan: number | null; error?: string }

export interface LatencyWindow { calls: number; meanMs: number | null }

export interface Verification {
  index: string
  exists: boolean
  valid: boolean | null
  used: boolean
  nodes: NodeUsage[]
  statements: Array<{ fingerprint: string; query: string; before: LatencyWindow; after: LatencyWindow; faster: boolean | null; source: 'gateway' | 'pg_stat_statements' }>
  faster: boolean | null
}

export interface AppliedIndex {
  id: string
  index: string
  table: string
  statement: string
  appliedAt: string
  fingerprints: string[]
  verification: Verification | null
}

export interface ApplyResult {
  id: string
  index: string
  /** `absent`: dropInvalid found no index of that name. */
  status: 'created' | 'exists' | 'dropped' | 'absent'
  statement: string
  durationMs: number
}
