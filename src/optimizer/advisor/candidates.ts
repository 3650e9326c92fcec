/**
 * Candidate indexes for one statement on one table (Dexter's rules, plus partial and INCLUDE):
 * every single column it filters or sorts on; two-column B-trees with the equality column first,
 * then a range or sort column; the same keys restricted by the statement's constant predicates
 * (`WHERE read_at IS NULL`); keys with INCLUDE of the other columns it reads (index-only scans);
 * a trigram GIN for `ILIKE '%x%'` when pg_trgm exists. A candidate an existing valid B-tree
 * already serves by its leading columns is dropped.
 */
import { createHash } from 'node:crypto'
import type { ExistingIndex, TableInfo } from './catalog.js'
import type { ColumnFilter, IndexCandidate } from './types.js'
import { quoteName as q } from '../../query/identifiers.js'

const MAX_INCLUDE = 4
const MAX_NAME = 63


/** Identity of a candidate (what makes two candidates the same index). */
export function candidateKey (c: IndexCandidate): string {
  return [c.schema, c.table, c.method, c.columns.join(','), c.include.join(','), c.where ?? '', c.opclass ?? ''].join('|')
}

function btree (t: TableInfo, columns: string[], kind: IndexCandidate['kind'], extra: Partial<IndexCandidate> = {}): IndexCandidate {
  return { table: t.table, schema: t.schema, method: 'btree', columns, include: [], where: null, opclass: null, kind, ...extra }
}

/**
 * The candidates of one statement on table `t`. `filters` and `sort` are those of the statement
 * that belong to `t`; `read` the columns of `t` it reads (null: all, or unknown).
 */
export function candidatesFor (
  t: TableInfo,
  filters: ColumnFilter[],
  sort: Array<{ column: string }>,
  read: Set<string> | null,
  opts: { trigram: boolean }
): IndexCandidate[] {
  const eq = unique(filters.filter((f) => f.op === 'eq').map((f) => f.column))
  const range = unique(filters.filter((f) => f.op === 'range').map((f) => f.column)).filter((c) => !eq.includes(c))
  const sortCol = sort[0]?.column
  const keys: string[][] = []
  for (const c of [...eq, ...range]) keys.push([c])
  if (sortCol !== undefined && !eq.includes(sortCol) && !range.includes(sortCol)) keys.push([sortCol])
  for (const a of eq) {
    for (const b of eq) if (a !== b) keys.push([a, b])
    for (const b of range) keys.push([a, b])
    if (sortCol !== undefined && sortCol !== a && !range.includes(sortCol)) keys.push([a, sortCol])
  }
  const out: IndexCandidate[] = keys.map((k) => btree(t, k, k.length === 1 ? 'single' : 'multi'))
  // Partial: the key without the predicate's column, restricted to the rows the predicate keeps.
  const predicates = unique(filters.map((f) => f.constantPredicate).filter((p): p is string => p !== undefined))
  for (const pred of predicates) {
    const on = filters.find((f) => f.constantPredicate === pred)!.column
    const rest = keys.filter((k) => !k.includes(on))
    for (const k of rest.length > 0 ? rest : sortCol !== undefined && sortCol !== on ? [[sortCol]] : []) {
      out.push(btree(t, k, 'partial', { where: pred }))
    }
  }
  if (read !== null) {
    for (const k of keys) {
      const include = [...read].filter((c) => !k.includes(c)).sort()
      if (include.length > 0 && include.length <= MAX_INCLUDE) out.push(btree(t, k, 'include', { include }))
    }
  }
  if (opts.trigram) {
    for (const c of unique(filters.filter((f) => f.op === 'contains').map((f) => f.column))) {
      out.push({ table: t.table, schema: t.schema, method: 'gin', columns: [c], include: [], where: null, opclass: 'gin_trgm_ops', kind: 'trigram' })
    }
  }
  const seen = new Set<string>()
  return out.filter((c) => {
    const key = candidateKey(c)
    if (seen.has(key) || coveredBy(c, t.indexes) !== undefined) return false
    seen.add(key)
    return true
  })
}

function unique (values: string[]): string[] {
  return [...new Set(values)]
}

/**
 * The existing valid index that already serves `c`: a B-tree whose leading key columns are `c`'s
 * (and which carries `c`'s INCLUDE columns, and no predicate other than `c`'s); for a trigram
 * candidate, a GIN index with gin_trgm_ops on the column.
 */
export function coveredBy (c: IndexCandidate, existing: ExistingIndex[]): ExistingIndex | undefined {
  return existing.find((e) => {
    if (!e.valid) return false
    if (c.method === 'gin') return e.method === 'gin' && e.keys[0] === c.columns[0] && e.opclasses[0] === 'gin_trgm_ops'
    if (e.method !== 'btree' || e.partial) return false
    const lead = e.keys.slice(0, c.columns.length)
    if (lead.length < c.columns.length || lead.some((k, i) => k !== c.columns[i] || e.opclasses[i] !== null)) return false
    const carried = new Set([...e.keys, ...e.include])
    return c.include.every((col) => carried.has(col))
  })
}

/** A readable, deterministic name within PostgreSQL's 63 bytes (a short hash keeps truncated names apart). */
export function indexName (c: IndexCandidate): string {
  const suffix = c.method === 'gin' ? 'trgm_idx' : c.where !== null ? 'part_idx' : c.include.length > 0 ? 'incl_idx' : 'idx'
  const base = `${c.table}_${c.columns.join('_')}_${suffix}`
  if (base.length <= MAX_NAME && c.where === null && c.include.length === 0) return base
  const hash = createHash('sha1').update(candidateKey(c)).digest('hex').slice(0, 6)
  const head = `${c.table}_${c.columns.join('_')}`.slice(0, MAX_NAME - suffix.length - 8)
  return `${head}_${hash}_${suffix}`
}

/** The body shared by the real statement and hypopg's: `ON table USING method (cols) [INCLUDE (…)] [WHERE …]`. */
function indexBody (c: IndexCandidate): string {
  const cols = c.columns.map((col) => (c.opclass === null ? q(col) : `${q(col)} ${c.opclass}`)).join(', ')
  let sql = `ON ${q(c.schema)}.${q(c.table)} USING ${c.method} (${cols})`
  if (c.include.length > 0) sql += ` INCLUDE (${c.include.map(q).join(', ')})`
  if (c.where !== null) sql += ` WHERE ${c.where}`
  return sql
}

export function createStatement (c: IndexCandidate): string {
  return `CREATE INDEX CONCURRENTLY ${q(indexName(c))} ${indexBody(c)}`
}

/** What hypopg_create_index takes (it refuses CONCURRENTLY and names the index itself). */
export function hypotheticalStatement (c: IndexCandidate): string {
  return `CREATE INDEX ${indexBody(c)}`
}

export function suggestionId (statement: string): string {
  return createHash('sha256').update(statement).digest('hex').slice(0, 16)
}
