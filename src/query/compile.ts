/**
 * Delegate arguments → one parameterized statement `{ text, values }`. Pure: no I/O, no pg.
 * Identifiers come only from the registry; every caller value is a bind parameter.
 */
import type { FieldDef, ModelDef } from '../models/registry.js'
import { columnRef, definedEntries, describeName, fieldOf, invalid, isPlainObject, tableRef } from './identifiers.js'
import { cursorSql, orderSql, resolveOrder } from './order.js'
import { Params } from './params.js'
import { selectList } from './select.js'
import { coerceNullable, placeholder } from './values.js'
import { compileWhere } from './where.js'

export interface CompiledQuery { text: string; values: unknown[] }

/** Hard cap on rows per read, whatever `take` says. */
export const MAX_TAKE = 10_000

/** Per-call options of the cache layer; accepted on every read and ignored by the compiler. */
const CACHE_KEYS = ['ttl', 'tags']

function args (op: string, model: ModelDef, raw: unknown, allowed: string[], required = false): Record<string, unknown> {
  if (raw === undefined && !required) return {}
  if (!isPlainObject(raw)) throw invalid(`${model.name}.${op} expects an object argument`, { model: model.name })
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key) && !CACHE_KEYS.includes(key)) {
      throw invalid(`Unknown argument ${describeName(key)} to ${model.name}.${op}`, { model: model.name, argument: key })
    }
  }
  return raw
}

function assertWritable (model: ModelDef, op: string): void {
  if (model.readOnly) throw invalid(`${model.name} is read-only; ${op} is not allowed`, { model: model.name })
}

export function compileFindMany (model: ModelDef, raw?: unknown): CompiledQuery {
  const a = args('findMany', model, raw, ['where', 'orderBy', 'take', 'cursor', 'select'])
  const params = new Params()
  const terms = resolveOrder(model, a.orderBy)
  const conditions = [compileWhere(model, a.where, params)]
  if (a.cursor !== undefined) conditions.push(cursorSql(model, terms, a.cursor, params))
  let text = `SELECT ${selectList(model, a.select)} FROM ${tableRef(model)}${whereClause(conditions)} ORDER BY ${orderSql(terms)}`
  text += ` LIMIT ${params.add(resolveTake(a.take))}`
  return { text, values: params.values }
}

export function compileFindFirst (model: ModelDef, raw?: unknown): CompiledQuery {
  const a = args('findFirst', model, raw, ['where', 'orderBy', 'select'])
  return compileFindMany(model, { ...pick(a, ['where', 'orderBy', 'select']), take: 1 })
}

export function compileFindUnique (model: ModelDef, raw: unknown): CompiledQuery {
  const a = args('findUnique', model, raw, ['where', 'select'], true)
  const params = new Params()
  const where = uniqueWhere(model, a.where, params)
  return { text: `SELECT ${selectList(model, a.select)} FROM ${tableRef(model)} WHERE ${where} LIMIT 1`, values: params.values }
}

export function compileCount (model: ModelDef, raw?: unknown): CompiledQuery {
  const a = args('count', model, raw, ['where'])
  const params = new Params()
  const where = whereClause([compileWhere(model, a.where, params)])
  return { text: `SELECT count(*) AS "count" FROM ${tableRef(model)}${where}`, values: params.values }
}

export function compileCreate (model: ModelDef, raw: unknown): CompiledQuery {
  assertWritable(model, 'create')
  const a = args('create', model, raw, ['data', 'select'], true)
  const params = new Params()
  const data = writableData(model, a.data, 'create')
  for (const [field, def] of Object.entries(model.fields)) {
    if (!def.nullable && !def.hasDefault && !def.readOnly && !data.some(([f]) => f === field)) {
      throw invalid(`${model.name}.${field} is required`, { model: model.name, field })
    }
  }
  const returning = ` RETURNING ${selectList(model, a.select)}`
  if (data.length === 0) return { text: `INSERT INTO ${tableRef(model)} DEFAULT VALUES${returning}`, values: [] }
  const cols = data.map(([, def]) => columnRef(def)).join(', ')
  const vals = data.map(([, def, value]) => placeholder(def, params.add(value))).join(', ')
  return { text: `INSERT INTO ${tableRef(model)} (${cols}) VALUES (${vals})${returning}`, values: params.values }
}

export function compileUpdate (model: ModelDef, raw: unknown): CompiledQuery {
  assertWritable(model, 'update')
  const a = args('update', model, raw, ['where', 'data', 'select'], true)
  const params = new Params()
  const data = writableData(model, a.data, 'update')
  if (data.length === 0) throw invalid(`${model.name}.update needs at least one field in data`, { model: model.name })
  const sets = data.map(([, def, value]) => `${columnRef(def)} = ${placeholder(def, params.add(value))}`).join(', ')
  const where = uniqueWhere(model, a.where, params)
  return { text: `UPDATE ${tableRef(model)} SET ${sets} WHERE ${where} RETURNING ${selectList(model, a.select)}`, values: params.values }
}

export function compileDelete (model: ModelDef, raw: unknown): CompiledQuery {
  assertWritable(model, 'delete')
  const a = args('delete', model, raw, ['where', 'select'], true)
  const params = new Params()
  const where = uniqueWhere(model, a.where, params)
  return { text: `DELETE FROM ${tableRef(model)} WHERE ${where} RETURNING ${selectList(model, a.select)}`, values: params.values }
}

function whereClause (conditions: string[]): string {
  const real = conditions.filter((c) => c !== 'TRUE')
  return real.length === 0 ? '' : ` WHERE ${real.join(' AND ')}`
}

/** No default page size, but never more than MAX_TAKE rows: an unbounded read is always a bug. */
function resolveTake (take: unknown): number {
  if (take === undefined) return MAX_TAKE
  if (typeof take !== 'number' || !Number.isSafeInteger(take) || take < 0) {
    throw invalid('take must be a non-negative integer', { argument: 'take' })
  }
  return Math.min(take, MAX_TAKE)
}

/** The sets of fields that identify one row: the primary key, then the declared unique keys. */
export function uniqueKeys (model: ModelDef): string[][] {
  return [[model.primaryKey], ...(model.unique ?? []).map((k) => [...k])]
}

/** `where` of findUnique/update/delete: exactly the fields of one unique key, each a non-null value. */
function uniqueWhere (model: ModelDef, where: unknown, params: Params): string {
  if (!isPlainObject(where)) throw invalid(`${model.name}: where must be an object`, { model: model.name })
  const entries = definedEntries(where)
  for (const [field] of entries) fieldOf(model, field)
  const names = entries.map(([f]) => f).sort()
  const keys = uniqueKeys(model)
  const match = keys.some((k) => k.length === names.length && [...k].sort().every((f, i) => f === names[i]))
  if (!match) {
    const forms = keys.map((k) => k.join(' + ')).join(' | ')
    throw invalid(`where must identify one ${model.name} row by exactly one of: ${forms}`, { model: model.name, uniqueKeys: keys })
  }
  return entries.map(([field, value]) => {
    const def = fieldOf(model, field)
    if (isPlainObject(value) || Array.isArray(value)) {
      throw invalid(`${model.name}.${field}: a unique where takes a plain value, not a filter`, { model: model.name, field })
    }
    const bound = coerceNullable({ model, field, def }, value, false)
    return `${columnRef(def)} = ${placeholder(def, params.add(bound))}`
  }).join(' AND ')
}

/** Validated `[field, def, value]` triples of create/update data. */
function writableData (model: ModelDef, data: unknown, op: string): Array<[string, FieldDef, unknown]> {
  if (!isPlainObject(data)) throw invalid(`${model.name}.${op} needs data as an object`, { model: model.name })
  return definedEntries(data).map(([field, value]) => {
    const def = fieldOf(model, field)
    if (def.readOnly) throw invalid(`${model.name}.${field} is read-only`, { model: model.name, field })
    return [field, def, coerceNullable({ model, field, def }, value, def.nullable === true)]
  })
}

function pick (obj: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => obj[k] !== undefined).map((k) => [k, obj[k]]))
}

