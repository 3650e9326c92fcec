/**
 * `orderBy` and keyset `cursor`. The primary key is always the last sort key, so the order is
 * total and a cursor names exactly one position. Defaults of PostgreSQL apply to NULLs (ASC →
 * NULLS LAST, DESC → NULLS FIRST) and the cursor predicate follows the same rule.
 */
import type { FieldDef, ModelDef } from '../models/registry.js'
import { columnRef, definedEntries, describeName, fieldOf, invalid, isPlainObject } from './identifiers.js'
import type { Params } from './params.js'
import { coerceNullable } from './values.js'

export interface OrderTerm { field: string; def: FieldDef; dir: 'asc' | 'desc' }

export function resolveOrder (model: ModelDef, orderBy: unknown): OrderTerm[] {
  const items = orderBy === undefined ? [] : Array.isArray(orderBy) ? orderBy : [orderBy]
  const terms: OrderTerm[] = []
  for (const item of items) {
    if (!isPlainObject(item)) throw invalid('orderBy must be an object or an array of objects')
    for (const [field, dir] of definedEntries(item)) {
      const def = fieldOf(model, field)
      if (dir !== 'asc' && dir !== 'desc') {
        throw invalid(`orderBy.${field} must be "asc" or "desc"`, { model: model.name, field })
      }
      if (def.type === 'jsonb') throw invalid(`Cannot order by ${model.name}.${field} (jsonb)`, { model: model.name, field })
      if (terms.some((t) => t.field === field)) throw invalid(`orderBy names ${model.name}.${field} twice`, { model: model.name, field })
      terms.push({ field, def, dir })
    }
  }
  if (!terms.some((t) => t.field === model.primaryKey)) {
    terms.push({ field: model.primaryKey, def: fieldOf(model, model.primaryKey), dir: 'asc' })
  }
  return terms
}

export function orderSql (terms: OrderTerm[]): string {
  return terms.map((t) => `${columnRef(t.def)} ${t.dir === 'asc' ? 'ASC' : 'DESC'}`).join(', ')
}

/**
 * Rows strictly after `cursor` in `terms` order. A row-value comparison (`(a, b) > ($1, $2)`, which
 * an index on (a, b) serves directly) when every direction is the same and no key can be NULL;
 * otherwise the expanded form `a > $1 OR (a = $1 AND b > $2) …` with NULL-aware steps.
 */
export function cursorSql (model: ModelDef, terms: OrderTerm[], cursor: unknown, params: Params): string {
  if (!isPlainObject(cursor)) throw invalid('cursor must be an object')
  for (const key of Object.keys(cursor)) fieldOf(model, key)
  const values = terms.map((t) => {
    if (!Object.hasOwn(cursor, t.field) || cursor[t.field] === undefined) {
      throw invalid(`cursor must include ${describeName(t.field)} (every orderBy field and the primary key)`, { model: model.name, field: t.field })
    }
    return coerceNullable({ model, field: t.field, def: t.def }, cursor[t.field], t.def.nullable === true)
  })
  const first = terms[0] as OrderTerm
  const uniform = terms.every((t) => t.dir === first.dir && t.def.nullable !== true)
  if (uniform) {
    const refs = values.map((v) => params.add(v))
    const cols = terms.map((t) => columnRef(t.def))
    if (terms.length === 1) return `${cols[0] as string} ${first.dir === 'asc' ? '>' : '<'} ${refs[0] as string}`
    return withPartitionBound(model, first, refs[0] as string, `(${cols.join(', ')}) ${first.dir === 'asc' ? '>' : '<'} (${refs.join(', ')})`)
  }
  const refs = values.map((v) => (v === null ? null : params.add(v)))
  const branches: string[] = []
  for (let i = 0; i < terms.length; i++) {
    const steps: string[] = []
    for (let j = 0; j < i; j++) steps.push(same(terms[j] as OrderTerm, refs[j] ?? null))
    const after = strictlyAfter(terms[i] as OrderTerm, refs[i] ?? null)
    if (after === 'FALSE') continue
    steps.push(after)
    branches.push(steps.length === 1 ? steps[0] as string : `(${steps.join(' AND ')})`)
  }
  if (branches.length === 0) return 'FALSE'
  const chain = `(${branches.join(' OR ')})`
  return refs[0] === null || refs[0] === undefined ? chain : withPartitionBound(model, first, refs[0], chain)
}

/**
 * Partition pruning sees through neither a row comparison nor an OR chain. When the leading sort
 * key is the table's RANGE partition key (NOT NULL), the bound both imply (`key <= v` descending,
 * `key >= v` ascending) is spelled out, so pages after the first skip the partitions before the
 * cursor. It is implied, so it never drops a row (docs/partitions.md, "Queries and pruning").
 */
function withPartitionBound (model: ModelDef, first: OrderTerm, ref: string, condition: string): string {
  const p = model.partitioning
  if (p?.kind !== 'range' || p.key !== first.field || first.def.nullable === true) return condition
  return `(${columnRef(first.def)} ${first.dir === 'asc' ? '>=' : '<='} ${ref} AND ${condition})`
}

function same (term: OrderTerm, ref: string | null): string {
  const col = columnRef(term.def)
  return ref === null ? `${col} IS NULL` : `${col} = ${ref}`
}

/** Positions after the cursor value on one key, with NULLs last in ASC and first in DESC. */
function strictlyAfter (term: OrderTerm, ref: string | null): string {
  const col = columnRef(term.def)
  const nullable = term.def.nullable === true
  if (term.dir === 'asc') {
    if (ref === null) return 'FALSE'
    return nullable ? `(${col} > ${ref} OR ${col} IS NULL)` : `${col} > ${ref}`
  }
  if (ref === null) return `${col} IS NOT NULL`
  return `${col} < ${ref}`
}
