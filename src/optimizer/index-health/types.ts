/** Shapes of the index health report (docs/optimizer.md, "Index health"). */

export interface IndexHealthOptions {
  /** Only indexes in this schema. */
  schema?: string
  /** Only indexes on this table (in any schema unless `schema` is given). */
  table?: string
  /** At most this many rows in `indexes` and in each problem list (default 100). */
  limit?: number
  /** `auto` (default): pgstattuple's pgstatindex when the extension is installed, else the estimate. */
  bloat?: 'auto' | 'estimate'
  /** A B-tree is reported bloated from this many wasted bytes (default 10 MiB)… */
  bloatMinBytes?: number
  /** …and this share of its size, in percent (default 30). */
  bloatMinPercent?: number
  /** Per-node time limit for the statistics query, ms (default 3000); past it the node is unreachable. */
  nodeTimeoutMs?: number
}

export interface NodeStats {
  name: string
  role: 'primary' | 'replica'
  reachable: boolean
  error?: string
  /** pg_stat_database.stats_reset of this database on this node; null: never reset. */
  statsReset: string | null
  /**
   * Since when this node's counters are known to count: stats_reset, or the server start when
   * never reset (statistics survive a clean restart, so they may cover more).
   */
  statsSince: string | null
}

export interface NodeUsage {
  node: string
  idxScan: number
  idxTupRead: number
}

export interface IndexUsage {
  schema: string
  table: string
  name: string
  method: string
  definition: string
  sizeBytes: number
  unique: boolean
  primary: boolean
  /** The constraint the index backs: PRIMARY KEY, UNIQUE or EXCLUDE. */
  constraint: { name: string; type: 'primary key' | 'unique' | 'exclusion' } | null
  valid: boolean
  /** The partitioned index this partition's index is attached to. */
  partitionOf: string | null
  /** Sums over the reachable nodes. */
  idxScan: number
  idxTupRead: number
  nodes: NodeUsage[]
  bloat: { bytes: number; percent: number } | null
}

interface Problem {
  schema: string
  table: string
  index: string
  sizeBytes: number
  /** Offered, never run by the gateway; null when no single statement fixes it (see `note`). */
  statement: string | null
  note?: string
}

export interface UnusedIndex extends Problem {
  /** unknown: no scans on the nodes that answered, but some replica did not answer. */
  verdict: 'unused' | 'unknown'
  /** The shortest coverage among the nodes that answered, seconds (at least this long). */
  statsCoverSeconds: number | null
}

export interface DuplicateIndex extends Problem {
  /** exact: same key columns; prefix: its columns are the leading columns of `coveredBy`. */
  kind: 'exact' | 'prefix'
  coveredBy: string
  coveredByDefinition: string
}

export interface InvalidIndex extends Problem { definition: string }

export interface BloatedIndex extends Problem { bloatBytes: number; bloatPercent: number }

export interface IndexHealthReport {
  at: string
  filter: { schema: string | null; table: string | null }
  nodes: NodeStats[]
  bloatMethod: 'estimate' | 'pgstattuple'
  /** Why pgstattuple was installed but not used. */
  bloatNote?: string
  totals: { indexes: number; unused: number; unknown: number; duplicates: number; invalid: number; bloated: number }
  /** True when some list was cut at `limit`. */
  truncated: boolean
  indexes: IndexUsage[]
  unused: UnusedIndex[]
  duplicates: DuplicateIndex[]
  invalid: InvalidIndex[]
  bloated: BloatedIndex[]
}
