/**
 * Identifiers come only from the model registry (STYLE §11). Caller-supplied names are looked up
 * with `Object.hasOwn`, so `__proto__`, `constructor` and the like are unknown fields, never
 * prototype members; the registry's own names are checked against a strict shape before quoting,
 * so even a bad registry entry cannot break out of the quotes.
 */
import { gatewayError, type GatewayError } from '../errors.js'
import type { FieldDef, ModelDef } from '../models/registry.js'
import { closest } from '../util/closest.js'

const SQL_NAME = /^[a-z_][a-z0-9_]*$/
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/** Any catalog name (a partition, an index, a view) as a quoted identifier, quotes inside doubled. */
export function quoteName (name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

/** `"schema"."name"`, or `"name"` without a schema. */
export function qualifiedName (schema: string | undefined, name: string): string {
  return schema === undefined ? quoteName(name) : `${quoteName(schema)}.${quoteName(name)}`
}

/** Quotes a registry identifier; anything outside the registry's naming shape is a programming error. */
export function quoteIdent (name: string, shape: RegExp = SQL_NAME): string {
  if (!shape.test(name)) throw gatewayError('GW_ERR_INTERNAL', `Invalid identifier in the model registry: ${JSON.stringify(name)}`)
  return `"${name}"`
}

export function tableRef (model: ModelDef): string {
  return quoteIdent(model.table)
}

/** A caller-supplied name, shortened and quoted for an error message (never for SQL). */
export function describeName (name: string): string {
  return JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name)
}

export function invalid (message: string, details: Record<string, unknown> = {}): GatewayError {
  return gatewayError('GW_ERR_INVALID_QUERY', message, details)
}

/**
 * Looks a caller-supplied field name up in the model. A column name (`is_active` for `isActive`)
 * is accepted too, as SQL-minded callers and the seed document write it. Unknown →
 * GW_ERR_INVALID_QUERY naming it, with "did you mean" when a field is close.
 */
export function fieldOf (model: ModelDef, name: string): FieldDef {
  if (Object.hasOwn(model.fields, name)) return model.fields[name] as FieldDef
  for (const def of Object.values(model.fields)) if (def.column === name) return def
  const hint = closest(name, Object.keys(model.fields))
  throw invalid(`Unknown field ${describeName(name)} on ${model.name}${hint === undefined ? '' : `: did you mean ${hint}?`}`, { model: model.name, field: name, ...(hint === undefined ? {} : { didYouMean: hint }) })
}

export function columnRef (def: FieldDef): string {
  return quoteIdent(def.column)
}

/** `"is_active" AS "isActive"`; no alias when the column already has the field's name. */
export function selectItem (field: string, def: FieldDef): string {
  const column = quoteIdent(def.column)
  return def.column === field ? column : `${column} AS ${quoteIdent(field, FIELD_NAME)}`
}

export function isPlainObject (value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value) as unknown
  return proto === Object.prototype || proto === null
}

/** Own keys whose value is not `undefined` (undefined means "not given", as in Prisma). */
export function definedEntries (obj: Record<string, unknown>): Array<[string, unknown]> {
  return Object.entries(obj).filter(([, v]) => v !== undefined)
}
