/**
 * The rules, on the primary's catalog and every node's counters. Each problem carries the
 * statement that would fix it; the gateway only offers it.
 */
import type { CatalogIndex } from './catalog.js'

type Advice = { statement: string | null; note?: string }

/** A partition's index attached to a partitioned index cannot be dropped on its own. */
export function dropAdvice (ix: CatalogIndex): Advice {
  if (ix.partitionOf === null) return { statement: `DROP INDEX CONCURRENTLY ${ix.qualified};` }
  return {
    statement: null,
    note: `part of the partitioned index ${ix.partitionOf}: only that can be dropped, with DROP INDEX ${ix.partitionOf} (PostgreSQL cannot drop a partitioned index CONCURRENTLY; it locks every partition)`
  }
}

export const reindexAdvice = (ix: CatalogIndex): Advice => ({ statement: `REINDEX INDEX CONCURRENTLY ${ix.qualified};` })

/**
 * What an unused index may be: valid, not unique, not behind a PRIMARY KEY, UNIQUE or EXCLUDE
 * constraint (those enforce something even when nothing reads them).
 */
export const mayBeUnused = (ix: CatalogIndex): boolean => ix.valid && !ix.unique && ix.constraintType === null

/** Invalid and not being built right now (a CREATE INDEX CONCURRENTLY in progress is invalid too). */
export const isInvalid = (ix: CatalogIndex): boolean => !ix.valid && !ix.building

/** Keeping an index that enforces something beats keeping one that does not. */
const rank = (ix: CatalogIndex): number => ix.constraintType !== null || ix.primary ? 2 : ix.unique ? 1 : 0

/**
 * Whether `other` makes `ix` unneeded, by PgHero's rule: same table, same access method, same
 * expressions and predicate, and `ix`'s key columns the leading key columns of `other` (a valid
 * index). Stricter on three points, so an index is never called redundant when it is not:
 * the shared columns must also agree in operator class, collation and sort order; `ix`'s INCLUDE
 * columns must be in `other` (else its index-only scans are lost); and only a B-tree serves a
 * search on a prefix, so other methods count exact duplicates only. A unique index is redundant
 * only beside an exact unique twin. Of two exact twins one is kept: the one that enforces more,
 * else the first by name.
 * @see https://github.com/ankane/pghero (duplicate_indexes)
 */
export function coveredBy (ix: CatalogIndex, other: CatalogIndex): 'exact' | 'prefix' | null {
  if (other.oid === ix.oid || !other.valid || !ix.valid || ix.primary || ix.constraintType !== null) return null
  if (other.tableOid !== ix.tableOid || other.method !== ix.method) return null
  if (other.expressions !== ix.expressions || other.predicate !== ix.predicate) return null
  const n = ix.keySignature.length
  if (other.keySignature.length < n || ix.keySignature.some((k, i) => k !== other.keySignature[i])) return null
  const kind = other.keySignature.length === n ? 'exact' : 'prefix'
  if (kind === 'prefix' && (ix.method !== 'btree' || ix.unique)) return null
  const otherColumns = new Set([...other.keys, ...other.include])
  if (ix.include.some((c) => !otherColumns.has(c))) return null
  if (kind === 'exact') {
    if (rank(ix) > rank(other)) return null
    if (rank(ix) === rank(other) && ix.include.length === other.include.length && ix.name < other.name) return null
  }
  return kind
}

/**
 * Every unneeded index, each with an index that covers it and is kept. Covering is transitive,
 * so whenever some index covers `ix`, one that is not itself unneeded does too.
 */
export function findDuplicates (indexes: CatalogIndex[]): Array<{ ix: CatalogIndex; by: CatalogIndex; kind: 'exact' | 'prefix' }> {
  const byTable = new Map<number, CatalogIndex[]>()
  for (const ix of indexes) {
    const same = byTable.get(ix.tableOid)
    if (same === undefined) byTable.set(ix.tableOid, [ix])
    else same.push(ix)
  }
  return [...byTable.values()].flatMap((same) => {
    const unneeded = new Set(same.filter((ix) => same.some((o) => coveredBy(ix, o) !== null)))
    return [...unneeded].map((ix) => {
      const by = same.find((o) => !unneeded.has(o) && coveredBy(ix, o) !== null) as CatalogIndex
      return { ix, by, kind: coveredBy(ix, by) as 'exact' | 'prefix' }
    })
  })
}
