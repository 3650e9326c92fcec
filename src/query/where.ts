/**
 * `where` → a boolean SQL expression. Field names are looked up in the registry; every value is a
 * bind parameter. Semantics follow SQL (as Prisma does): `not: v` is `<>` and so excludes NULLs.
 */
import type { FieldDef, ModelDef } from '../models/registry.js'
import { columnRef, definedEntries, describeName, fieldOf, invalid, isPlainObject } from './identifiers.js'
import type { Params } from './params.js'
import { coerceValue, placeholder, type ValueContext } from './values.js'

/** Bounds recursion on caller-built trees (AND/OR/NOT nesting). */
const MAX_DEPTH = 16

const OPERATORS = ['equals', 'not', 'in', 'notIn', 'lt', 'lte', 'gt', 'gte', 'contains', 'startsWith'] as const
type Operator = typeof OPERATORS[number]
const COMPARISON: Partial<Record<Operator, string>> = { lt: '<', lte: '<=', gt: '>', gte: '>=' }

/** Which operators each column type supports beyond equals/not. */
function supports (def: FieldDef, op: Operator): boolean {
  if (op === 'equals' || op === 'not') return true
  if (def.type === 'jsonb') return false
  if (op === 'in' || op === 'notIn') return true
  if (op === 'contains' || op === 'startsWith') return def.type === 'text'
  return def.type !== 'bool' && def.type !== 'enum'
}

export function compileWhere (model: ModelDef, where: unknown, params: Params): string {
  if (where === undefined) return 'TRUE'
  return joinAnd(node(model, where, params, 0))
}

function node (model: ModelDef, where: unknown, params: Params, depth: number): string[] {
  if (depth > MAX_DEPTH) throw invalid(`where is nested more than ${MAX_DEPTH} levels deep`)
  if (!isPlainObject(where)) throw invalid('where must be an object')
  const parts: string[] = []
  for (const [key, value] of definedEntries(where)) {
    if (key === 'AND') {
      for (const child of list(value, 'AND')) parts.push(...node(model, child, params, depth + 1))
    } else if (key === 'OR') {
      const branches = list(value, 'OR').map((child) => joinAnd(node(model, child, params, depth + 1)))
      parts.push(branches.length === 0 ? 'FALSE' : `(${branches.join(' OR ')})`)
    } else if (key === 'NOT') {
      const all = list(value, 'NOT').flatMap((child) => node(model, child, params, depth + 1))
      const inner = all.filter((p) => p !== 'TRUE')
      if (inner.length > 0) parts.push(`NOT (${inner.join(' AND ')})`)
      // Only conditions every row meets (an empty notIn): their negation meets none.
      else if (all.length > 0) parts.push('FALSE')
    } else {
      parts.push(...fieldCondition(model, key, value, params))
    }
  }
  return parts
}

function list (value: unknown, key: string): unknown[] {
  if (Array.isArray(value)) return value
  if (isPlainObject(value)) return [value]
  throw invalid(`${key} must be an object or an array of objects`)
}

function joinAnd (all: string[]): string {
  const parts = all.filter((p) => p !== 'TRUE')
  if (parts.length === 0) return 'TRUE'
  return parts.length === 1 ? parts[0] as string : `(${parts.join(' AND ')})`
}

function fieldCondition (model: ModelDef, field: string, value: unknown, params: Params): string[] {
  const def = fieldOf(model, field)
  const ctx: ValueContext = { model, field, def }
  if (Array.isArray(value)) throw invalid(`${model.name}.${field}: use { in: [...] } to match a list`, { model: model.name, field })
  if (!isPlainObject(value)) return [equals(ctx, value, params)]
  const out: string[] = []
  for (const [op, operand] of definedEntries(value)) {
    if (!(OPERATORS as readonly string[]).includes(op)) {
      throw invalid(`Unknown operator ${describeName(op)} on ${model.name}.${field}`, { model: model.name, field, operator: op })
    }
    if (!supports(def, op as Operator)) {
      throw invalid(`Operator ${op} is not supported on ${model.name}.${field} (${def.type})`, { model: model.name, field, operator: op })
    }
    out.push(operator(ctx, op as Operator, operand, params))
  }
  return out
}

function equals (ctx: ValueContext, value: unknown, params: Params): string {
  const col = columnRef(ctx.def)
  if (value === null) return `${col} IS NULL`
  return `${col} = ${placeholder(ctx.def, params.add(coerceValue(ctx, value)))}`
}

function operator (ctx: ValueContext, op: Operator, operand: unknown, params: Params): string {
  const col = columnRef(ctx.def)
  switch (op) {
    case 'equals':
      return equals(ctx, operand, params)
    case 'not':
      if (operand === null) return `${col} IS NOT NULL`
      return `${col} <> ${placeholder(ctx.def, params.add(coerceValue(ctx, operand)))}`
    case 'in':
    case 'notIn':
      return membership(ctx, op, operand, params)
    case 'contains':
    case 'startsWith': {
      if (typeof operand !== 'string') throw invalid(`${ctx.model.name}.${ctx.field}: ${op} expects a string`, { model: ctx.model.name, field: ctx.field, operator: op })
      const pattern = escapeLike(coerceValue(ctx, operand) as string)
      return `${col} ILIKE ${params.add(op === 'contains' ? `%${pattern}%` : `${pattern}%`)}`
    }
    default: {
      if (operand === null) throw invalid(`${ctx.model.name}.${ctx.field}: ${op} cannot compare with null`, { model: ctx.model.name, field: ctx.field, operator: op })
      return `${col} ${COMPARISON[op] as string} ${params.add(coerceValue(ctx, operand))}`
    }
  }
}

/** `= ANY($n)`: one array parameter whatever the list length; NULL members become IS [NOT] NULL. */
function membership (ctx: ValueContext, op: 'in' | 'notIn', operand: unknown, params: Params): string {
  if (!Array.isArray(operand)) throw invalid(`${ctx.model.name}.${ctx.field}: ${op} expects an array`, { model: ctx.model.name, field: ctx.field, operator: op })
  const col = columnRef(ctx.def)
  const hasNull = operand.includes(null)
  const values = operand.filter((v) => v !== null).map((v) => coerceValue(ctx, v))
  if (op === 'in') {
    const parts = values.length > 0 ? [`${col} = ANY(${params.add(values)})`] : []
    if (hasNull) parts.push(`${col} IS NULL`)
    return parts.length === 0 ? 'FALSE' : parts.length === 1 ? parts[0] as string : `(${parts.join(' OR ')})`
  }
  const parts = values.length > 0 ? [`${col} <> ALL(${params.add(values)})`] : []
  if (hasNull) parts.push(`${col} IS NOT NULL`)
  return parts.length === 0 ? 'TRUE' : parts.length === 1 ? parts[0] as string : `(${parts.join(' AND ')})`
}

/** Escapes LIKE metacharacters so user text matches literally (backslash is LIKE's default escape). */
export function escapeLike (text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`)
}
