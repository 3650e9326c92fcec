/**
 * Without hypopg: a candidate's cost for one statement, estimated from pg_stats the way the
 * planner would roughly see it (PgHero's approach, with the planner's default cost constants):
 * selectivity from most_common_vals/freqs, n_distinct and null_frac; heap fetches from the
 * correlation of the leading column; index-only when INCLUDE carries every column read. These
 * are estimates, and every suggestion built from them says `validated: false`.
 */
import type { ColumnStats, TableInfo } from './catalog.js'
import type { ColumnFilter, IndexCandidate } from './types.js'

const RANDOM_PAGE = 4
const SEQ_PAGE = 1
const CPU_TUPLE = 0.01
const CPU_INDEX_TUPLE = 0.005
const CPU_OPERATOR = 0.0025
/** PostgreSQL's DEFAULT_INEQ_SEL and DEFAULT_EQ_SEL. */
const RANGE_SEL = 1 / 3
const EQ_SEL = 0.005
const BLOCK = 8192
const FILL = 0.9

function distinctCount (s: ColumnStats, rows: number): number {
  return s.nDistinct < 0 ? -s.nDistinct * rows : Math.max(1, s.nDistinct)
}

/** Share of rows one condition keeps. `value` is the bound value when known. */
export function selectivity (f: ColumnFilter, s: ColumnStats | undefined, rows: number, value: unknown): number {
  if (s === undefined) return f.op === 'eq' ? EQ_SEL : f.op === 'range' ? RANGE_SEL : 0.5
  switch (f.op) {
    case 'null': return s.nullFrac
    case 'not-null': return 1 - s.nullFrac
    case 'range': return RANGE_SEL
    case 'contains': return 0.01
    case 'eq': {
      const values = Array.isArray(value) ? value : [value ?? f.literal]
      const mcvTotal = s.mostCommonFreqs.reduce((a, b) => a + b, 0)
      const other = Math.max(0, 1 - s.nullFrac - mcvTotal) / Math.max(1, distinctCount(s, rows) - s.mostCommonVals.length)
      let sel = 0
      for (const v of values) {
        const i = v === undefined || v === null ? -1 : s.mostCommonVals.indexOf(String(v))
        sel += i >= 0 ? s.mostCommonFreqs[i]! : other
      }
      return Math.min(1, sel)
    }
  }
}

export interface EstimateInput {
  table: TableInfo
  candidate: IndexCandidate
  /** The statement's conditions on this table, with bound values by parameter number. */
  filters: ColumnFilter[]
  values: unknown[] | undefined
  /** Columns of the table the statement reads (null: all). */
  read: Set<string> | null
  /** LIMIT when the index would also return rows in the ORDER BY order. */
  orderedLimit: number | null
  /** The planner's own row estimate for the table's sequential scan (trigram selectivity). */
  plannerRows: number | null
}

const valueOf = (f: ColumnFilter, values: unknown[] | undefined): unknown =>
  f.param !== undefined ? values?.[f.param - 1] : f.literal

/** Estimated cost of the statement's scan of the table through the candidate. */
export function estimateCost (e: EstimateInput): number {
  const { table: t, candidate: c } = e
  const rows = Math.max(1, t.rows)
  // sel: the share of rows the index scan visits (its usable key prefix, or the trigram match);
  // rest: the share of those the other conditions keep (what an ordered LIMIT must walk past).
  let sel = 1
  const used = new Set<ColumnFilter>()
  if (c.method === 'gin') {
    sel = e.plannerRows !== null ? Math.min(1, e.plannerRows / rows) : 0.01
    for (const x of e.filters) if (x.op === 'contains' && x.column === c.columns[0]) used.add(x)
  } else {
    // The usable prefix: equality columns in key order, then at most one range column.
    for (const col of c.columns) {
      const f = e.filters.filter((x) => x.column === col && x.op !== 'contains')
      if (f.length === 0) break
      for (const x of f) { sel *= selectivity(x, t.stats.get(col), rows, valueOf(x, e.values)); used.add(x) }
      if (f.some((x) => x.op === 'range')) break
    }
    const pred = c.where === null ? undefined : e.filters.find((x) => x.constantPredicate === c.where)
    if (pred !== undefined) { sel *= selectivity(pred, t.stats.get(pred.column), rows, valueOf(pred, e.values)); used.add(pred) }
  }
  const rest = e.filters.filter((x) => !used.has(x)).reduce((a, x) => a * selectivity(x, t.stats.get(x.column), rows, valueOf(x, e.values)), 1)
  let matched = Math.max(1, sel * rows)
  if (e.orderedLimit !== null) matched = Math.min(matched, e.orderedLimit / Math.max(rest, 1 / rows))
  const indexPages = Math.max(1, (estimateBytes(t, c) / BLOCK) * Math.min(1, matched / rows))
  const indexCost = RANDOM_PAGE + indexPages * SEQ_PAGE + matched * (CPU_INDEX_TUPLE + CPU_OPERATOR) +
    (c.method === 'gin' ? 10 * RANDOM_PAGE : 0)
  const covering = e.read !== null && [...e.read].every((col) => c.columns.includes(col) || c.include.includes(col))
  if (covering && c.method === 'btree') return indexCost
  const corr = c.method === 'gin' ? 0 : t.stats.get(c.columns[0]!)?.correlation ?? 0
  const c2 = corr * corr
  const pagesFetched = Math.min(Math.max(1, t.pages), matched)
  const heapCost = c2 * Math.max(1, sel * t.pages) * SEQ_PAGE + (1 - c2) * pagesFetched * RANDOM_PAGE + matched * CPU_TUPLE
  return indexCost + heapCost
}

/** Estimated on-disk size: entries of header + aligned key width + line pointer, at B-tree fill factor. */
export function estimateBytes (t: TableInfo, c: IndexCandidate): number {
  const width = [...c.columns, ...c.include].reduce((a, col) => a + (t.stats.get(col)?.avgWidth ?? 8), 0)
  let rows = Math.max(1, t.rows)
  if (c.where !== null) {
    const col = /^"([^"]+)"/.exec(c.where)?.[1]
    const s = col === undefined ? undefined : t.stats.get(col)
    if (s !== undefined) rows *= /IS NULL$/.test(c.where) ? s.nullFrac : /IS NOT NULL$/.test(c.where) ? 1 - s.nullFrac : 0.5
  }
  // GIN posting lists compress; a trigram index is typically 1–3× the column's size.
  if (c.method === 'gin') return Math.ceil((rows * (width + 8) * 1.5) / BLOCK + 1) * BLOCK
  const entry = 8 + Math.ceil(width / 8) * 8 + 4
  return Math.ceil((rows * entry) / (BLOCK * FILL) + 1) * BLOCK
}
